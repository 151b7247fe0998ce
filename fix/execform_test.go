package fix

import (
	"slices"
	"strings"
	"testing"

	"github.com/dfix-dev/dfix/rewrite"
)

func TestJSONString(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"plain", `"plain"`},
		{"a & b", `"a & b"`},
		{"<tag>", `"<tag>"`},
		{`say "hi"`, `"say \"hi\""`},
		{`back\slash`, `"back\\slash"`},
		{"héllo 日本", `"héllo 日本"`},
		{"tab\there", `"tab\there"`},
		{"", `""`},
	} {
		if got := jsonString(tc.in); got != tc.want {
			t.Errorf("jsonString(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

func TestLooksLikeJSON(t *testing.T) {
	for _, tc := range []struct {
		args string
		want bool
	}{
		{`['a']`, true},
		{`["a",]`, true},
		{`[ "a" , ]`, true},
		{`[,]`, true},
		{`[`, true},
		{`[ -f /x ] && run`, false},
		{`[[ -f /x ]]`, false},
		{`python app.py`, false},
	} {
		if got := looksLikeJSON(tc.args); got != tc.want {
			t.Errorf("looksLikeJSON(%q) = %v, want %v", tc.args, got, tc.want)
		}
	}
}

// TestExecFormIsJSON checks what the golden invariants cannot: that BuildKit reads the
// converted instruction as a JSON array with the same words. A fix that leaves text
// outside the array (`["a"];`, `["a"] # c`) still parses as a Dockerfile and is
// idempotent, but BuildKit would run it with /bin/sh -c.
func TestExecFormIsJSON(t *testing.T) {
	sh := func(text string) []string { return []string{"/bin/sh", "-c", text} }
	rules, err := Select(Rules(), []string{"exec-form"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, src string
		want      []string // nil: the file must not change
	}{
		{"plain", "CMD python app.py --port 8080", []string{"python", "app.py", "--port", "8080"}},
		{"exec dropped", `CMD exec nginx -g "daemon off;"`, []string{"nginx", "-g", "daemon off;"}},
		{"quotes", `CMD echo 'say "hi"' "a & b" '<x>'`, []string{"echo", `say "hi"`, "a & b", "<x>"}},
		{"empty word", `CMD run ""`, []string{"run", ""}},
		{"tabs", "CMD\trun\t-v", []string{"run", "-v"}},
		{"continuation and comment", "CMD run \\\n  # c\n  -v \\\n  x", []string{"run", "-v", "x"}},
		{"keyword alone", "CMD \\\n  run -v", []string{"run", "-v"}},
		{"blanks after escape", "CMD run \\  \n  -v", []string{"run", "-v"}},
		{"crlf", "CMD run \\\r\n  -v\r\n", []string{"run", "-v"}},
		{"entrypoint", "ENTRYPOINT /bin/app --serve", []string{"/bin/app", "--serve"}},
		// What the exec form cannot hold goes through the shell, with exec.
		{"trailing semicolon", "CMD run;", sh("exec run;")},
		{"trailing semicolon and blank", "CMD run ; ", sh("exec run ;")},
		{"trailing comment", "CMD run # c", sh("exec run # c")},
		{"exec alone", "CMD exec", sh("exec")}, // never ["exec"]
		{"exec exec", "CMD exec exec run", sh("exec exec run")},
		{"exec on its own line", "CMD exec \\\n  run", sh("exec   run")},
		{"glued word", "CMD run\\\n-v", sh("exec run-v")},
		{"variable", "CMD python app.py --port $PORT", sh("exec python app.py --port $PORT")},
		{"and list", "CMD cd /srv && ./serve", sh("cd /srv && exec ./serve")},
		{"semicolon list", "CMD set -ex; ./serve", sh("set -ex; exec ./serve")},
		{"redirection", "CMD ./serve >/tmp/log 2>&1", sh("exec ./serve >/tmp/log 2>&1")},
		{"already exec", "CMD cd /srv && exec ./serve", sh("cd /srv && exec ./serve")},
		{"quotes and backslashes", `CMD cd /srv && ./serve --msg "say \"hi\"" 'a\b'`, sh(`cd /srv && exec ./serve --msg "say \"hi\"" 'a\b'`)},
		{"tab", "CMD cd /srv &&\t./serve", sh("cd /srv &&\texec ./serve")},
		{"comment line kept", "CMD cd /srv \\\n  # c\n  && ./serve", sh("cd /srv   && exec ./serve")},
		{"crlf list", "CMD cd /srv \\\r\n  && ./serve\r\n", sh("cd /srv   && exec ./serve")},
		// A shell-form ENTRYPOINT gets the CMD as $0 $1... already: the JSON form of
		// the same shell call keeps that exactly.
		{"entrypoint with cmd", "ENTRYPOINT exec app \"$@\"\nCMD [\"a\"]", sh(`exec app "$@"`)},
		{"entrypoint words with cmd", "ENTRYPOINT python3 server.py --port 1\nCMD [\"a\"]", sh("exec python3 server.py --port 1")},
		{"bash shell", "SHELL [\"/bin/bash\", \"-eo\", \"pipefail\", \"-c\"]\nCMD a | b && c", []string{"/bin/bash", "-eo", "pipefail", "-c", "a | b && exec c"}},
		// What cannot take exec keeps its text in the shell's JSON form, without exec.
		{"trap", "CMD trap 'echo bye' EXIT; ./serve", sh("trap 'echo bye' EXIT; ./serve")},
		{"pipe", "CMD ./serve | tee /tmp/log", sh("./serve | tee /tmp/log")},
		{"or list", "CMD ./a || ./b", sh("./a || ./b")},
		{"builtin last", "CMD cd /srv && echo $X", sh("cd /srv && echo $X")},
		{"background", "CMD ./a & ./b", sh("./a & ./b")},
		{"function", "CMD f() { ./a; }; f", sh("f() { ./a; }; f")},
		{"subshell", "CMD (cd /srv && ./serve)", sh("(cd /srv && ./serve)")},
		{"assignment", "CMD cd /srv && X=1 ./serve", sh("cd /srv && X=1 ./serve")},
		{"expanded name", "CMD cd /srv && $APP", sh("cd /srv && $APP")},
		{"bash word under sh", "CMD [[ -f x ]] && ./serve", sh("[[ -f x ]] && exec ./serve")}, // the same /bin/sh runs it
		{"single quotes json with list", "CMD ['a'] && b", nil},
		{"zsh", "SHELL [\"/bin/zsh\", \"-c\"]\nCMD ./a && ./b", []string{"/bin/zsh", "-c", "./a && ./b"}},
		{"single quotes json", "CMD ['a']", nil},
		{"export", "CMD export A=1", sh("export A=1")},
		{"dash first", "CMD -v", sh("-v")}, // what BuildKit runs for it too
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := []byte("FROM alpine\n" + tc.src + "\n")
			res, err := Run("Dockerfile", src, Options{Rules: rules, UnsafeFixes: true})
			if err != nil {
				t.Fatal(err)
			}
			if tc.want == nil {
				if !res.Equal() {
					t.Fatalf("changed the file:\n%s", res.Output)
				}
				return
			}
			doc, err := rewrite.Parse("Dockerfile", res.Output)
			if err != nil {
				t.Fatalf("output does not parse: %v\n%s", err, res.Output)
			}
			n := doc.Instructions[len(doc.Instructions)-1].Node
			if len(doc.Instructions) > 2 && doc.Instructions[len(doc.Instructions)-2].Keyword == "entrypoint" {
				n = doc.Instructions[len(doc.Instructions)-2].Node
			}
			if !n.Attributes["json"] {
				t.Fatalf("BuildKit does not read the result as JSON:\n%s", res.Output)
			}
			var got []string
			for a := n.Next; a != nil; a = a.Next {
				got = append(got, a.Value)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("argv = %q, want %q\n%s", got, tc.want, res.Output)
			}
			if strings.Contains(string(res.Output), `\u00`) {
				t.Errorf("HTML-escaped output:\n%s", res.Output)
			}
		})
	}
}
