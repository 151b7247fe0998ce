package shell

import (
	"strings"
	"testing"

	"github.com/dfix-dev/dfix/rewrite"
	"mvdan.cc/sh/v3/syntax"
)

func parseRun(t *testing.T, src string) *Script {
	t.Helper()
	doc, err := rewrite.Parse("Dockerfile", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	s, err := Parse(doc.Instructions[len(doc.Instructions)-1])
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func firstCall(s *Script) *syntax.CallExpr {
	var c *syntax.CallExpr
	s.Calls(func(x *syntax.CallExpr) {
		if c == nil {
			c = x
		}
	})
	return c
}

func TestCommandNameLooksThroughWrappers(t *testing.T) {
	tests := []struct {
		run, name string
		index     int
	}{
		{"apt-get install x", "apt-get", 0},
		{"/usr/bin/apt-get install x", "apt-get", 0},
		{"sudo apt-get install x", "apt-get", 1},
		{"sudo -E apt-get install x", "apt-get", 2},
		{"env DEBIAN_FRONTEND=noninteractive apt-get install x", "apt-get", 2},
		{"DEBIAN_FRONTEND=noninteractive apt-get install x", "apt-get", 0},
		{"nice -n 5 make", "make", 3},
		{"nohup make", "make", 1},
		{"sudo -u app make", "", -1},
		{"$PKG install x", "", -1},
		{"time make", "make", 0}, // time is a bash keyword: the call is make alone
	}
	for _, tt := range tests {
		t.Run(tt.run, func(t *testing.T) {
			c := firstCall(parseRun(t, "FROM a\nRUN "+tt.run+"\n"))
			name, i := CommandName(c)
			if name != tt.name || i != tt.index {
				t.Errorf("got %q at %d, want %q at %d", name, i, tt.name, tt.index)
			}
		})
	}
}

func TestPlainWord(t *testing.T) {
	tests := []struct {
		word, want string
		ok         bool
	}{
		{"abc", "abc", true},
		{`"a b"`, "a b", true},
		{`'a"b'`, `a"b`, true},
		{`"$HOME"`, "", false},
		{"*.py", "", false},
		{"~/x", "", false},
		{`a\ b`, "", false},
		{"$(date)", "", false},
		{"a{b,c}", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.word, func(t *testing.T) {
			c := firstCall(parseRun(t, "FROM a\nRUN echo "+tt.word+"\n"))
			got, ok := PlainWord(c.Args[1])
			if got != tt.want || ok != tt.ok {
				t.Errorf("got %q %v, want %q %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestSubcommandAndFlags(t *testing.T) {
	c := firstCall(parseRun(t, "FROM a\nRUN apt-get -o Dpkg::Options=x -qy install curl\n"))
	if i := Subcommand(c, 1, map[string]bool{"-o": true}); i != 4 {
		t.Errorf("subcommand at %d, want 4", i)
	}
	if !HasShortFlag(c, 1, 'y') || HasShortFlag(c, 1, 'z') {
		t.Error("short flag cluster -qy not read")
	}
	if !HasWord(c, 1, []string{"curl"}) || HasWord(c, 1, []string{"wget"}) {
		t.Error("HasWord wrong")
	}
}

// TestPositionsMapToTheFile checks that shell positions map back to the bytes they
// claim, across continuations, comment lines and CRLF.
func TestPositionsMapToTheFile(t *testing.T) {
	src := "FROM a\r\nRUN apt-get update \\\r\n  # comment\r\n  && apt-get install \\\r\n\tcurl\r\n"
	s := parseRun(t, src)
	s.Calls(func(c *syntax.CallExpr) {
		for _, w := range c.Args {
			start, end, ok := s.WordSpan(w)
			lit, _ := Lit(w)
			if !ok || src[start:end] != lit {
				t.Errorf("word %q maps to %q", lit, src[start:end])
			}
			if at := s.FileEnd(w.End()); !strings.HasSuffix(src[:at], lit) {
				t.Errorf("FileEnd of %q is not right after it", lit)
			}
		}
	})
}

// TestBacktickEscapeJoinsTheBody checks that under `# escape=` (backtick) the shell
// parses the body BuildKit joins on the backticks (the shell never sees them), a
// backslash in it is the shell's own, and positions map back to the file.
func TestBacktickEscapeJoinsTheBody(t *testing.T) {
	src := "# escape=`\nFROM a\nRUN apt-get update &&`\n    # comment\n    apt-get install -y `\n\tcurl C:\\x\n"
	s := parseRun(t, src)
	if want := "apt-get update &&    apt-get install -y \tcurl C:\\x"; s.Text != want {
		t.Fatalf("text %q, want %q", s.Text, want)
	}
	var words []string
	s.Calls(func(c *syntax.CallExpr) {
		for _, w := range c.Args {
			start, end, ok := s.WordSpan(w)
			if !ok {
				t.Errorf("word at %d does not lie on one line", w.Pos().Offset())
				continue
			}
			words = append(words, src[start:end])
		}
	})
	if got := strings.Join(words, " "); got != `apt-get update apt-get install -y curl C:\x` {
		t.Errorf("words %q", got)
	}
	if s.EndsInLoneBackslash() {
		t.Error("a backslash inside a word is no lone backslash")
	}
}

func TestEndsInLoneBackslash(t *testing.T) {
	for _, tc := range []struct {
		src  string
		want bool
	}{
		{"# escape=`\nFROM a\nRUN make install \\\n", true},
		{"# escape=`\nFROM a\nRUN make install\\\n", true},
		{"# escape=`\nFROM a\nRUN make `\n    && echo done \\  \n", true},
		{"# escape=`\nFROM a\nRUN echo \\\\\n", false},      // an escaped backslash
		{"# escape=`\nFROM a\nRUN echo \\\\\\\n", true},     // and one more
		{"# escape=`\nFROM a\nRUN echo hi # C:\\\n", false}, // in a comment
		{"FROM a\nRUN echo a\\\\\n", false},                 // `\\` at the end continues nothing in BuildKit
		{"FROM a\nRUN echo a \\\n  b\n", false},             // a continuation BuildKit joins
	} {
		if got := parseRun(t, tc.src).EndsInLoneBackslash(); got != tc.want {
			t.Errorf("%q: %v, want %v", tc.src, got, tc.want)
		}
	}
}

func TestListLeaves(t *testing.T) {
	tests := []struct {
		name, run string
		want      []string
	}{
		{"a single command is its own leaf", "RUN make", []string{"make"}},
		{"&& and || lists are split left to right", "RUN a && b || c && d", []string{"a", "b", "c", "d"}},
		{"a pipeline is one leaf", "RUN a | b && c", []string{"a | b", "c"}},
		{"a group is one leaf", "RUN { a && b; } || c", []string{"{ a && b; }", "c"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := parseRun(t, "FROM x\n"+tt.run+"\n")
			var got []string
			ListLeaves(s.File.Stmts[0], func(st *syntax.Stmt) {
				got = append(got, s.Text[st.Pos().Offset():st.End().Offset()])
			})
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("leaves %q, want %q", got, tt.want)
			}
		})
	}
}

func TestRunsNamesTheProgramsAsCommandNameReadsThem(t *testing.T) {
	for _, c := range []struct {
		name, run string
		names     []string
		want      bool
	}{
		{"a program called directly is run", "apt-get update", []string{"apt-get"}, true},
		{"a program behind sudo and env is run", "sudo env A=1 /usr/bin/apt-get update", []string{"apt-get"}, true},
		{"any of several names is enough", "apk add curl", []string{"apt-get", "apk"}, true},
		{"a program inside if and a subshell is run", "if true; then (cd /x && yum install y); fi", []string{"yum"}, true},
		{"a program named only as an argument is not run", "echo apt-get", []string{"apt-get"}, false},
		{"a program behind a variable cannot be named", "$PKG install x", []string{"apt-get"}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := parseRun(t, "FROM x\nRUN "+c.run+"\n")
			if got := s.Runs(c.names...); got != c.want {
				t.Errorf("Runs(%v) on %q = %v, want %v", c.names, c.run, got, c.want)
			}
		})
	}
}

func TestBinariesComeOuterFirstThenLeftToRight(t *testing.T) {
	s := parseRun(t, "FROM x\nRUN a | b | c && (d || e) ; f $(g | h)\n")
	var got []string
	for _, b := range s.Binaries() {
		got = append(got, s.Text[b.Pos().Offset():b.End().Offset()])
	}
	want := []string{"a | b | c && (d || e)", "a | b | c", "a | b", "d || e", "g | h"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("Binaries = %q, want %q", got, want)
	}
}

func TestCommandsNameEachCallAsCommandNameDoes(t *testing.T) {
	s := parseRun(t, "FROM x\nRUN sudo -E apt-get update && $X y; (cd /a && /usr/bin/env A=1 make) | tee log\n")
	n := 0
	s.Commands(func(c *syntax.CallExpr, name string, at int) {
		n++
		if wantName, wantAt := CommandName(c); name != wantName || at != wantAt {
			t.Errorf("call %d: Commands says %q at %d, CommandName %q at %d", n, name, at, wantName, wantAt)
		}
	})
	if n != 5 {
		t.Errorf("%d calls, want 5", n)
	}
}
