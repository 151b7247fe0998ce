package fix

import (
	"strings"
	"testing"

	"github.com/dfix-dev/dfix/fix/shell"
	"mvdan.cc/sh/v3/syntax"
)

// unread marks a word a reader does not read.
const unread = "\x00unread"

// TestWordPolicies pins what each word reader of the rules reads: shell.PlainWord (the
// subcommands and options of every rule), copy-deps-first's words, the paths the
// cleanup rules read and the script text apt-lists-cleanup and pipefail read from
// `sh -c '...'`.
func TestWordPolicies(t *testing.T) {
	for _, tc := range []struct {
		name, word               string
		plain, dep, path, script string
	}{
		{"plain text is read by every reader", "abc", "abc", "abc", "abc", "abc"},
		{"double quotes are read by every reader", `"a b"`, "a b", "a b", "a b", "a b"},
		{"single quotes are read by every reader", `'a"b'`, `a"b`, `a"b`, `a"b`, `a"b`},
		{"quoted and unquoted text join", `a"b"'c'`, "abc", "abc", "abc", "abc"},
		{"a glob is read except by PlainWord", "/var/lib/apt/lists/*", unread, "/var/lib/apt/lists/*", "/var/lib/apt/lists/*", "/var/lib/apt/lists/*"},
		{"a question mark glob", "a?", unread, "a?", "a?", "a?"},
		{"a bracket glob", "[ab]", unread, "[ab]", "[ab]", "[ab]"},
		{"a brace", "a{b,c}", unread, "a{b,c}", "a{b,c}", "a{b,c}"},
		{"a tilde", "~/x", unread, "~/x", "~/x", "~/x"},
		{"a glob in quotes is text for every reader", `"*.py"`, "*.py", "*.py", "*.py", "*.py"},
		{"an escaped space is kept by the path readers and removed by the script reader", `a\ b`, unread, `a\ b`, `a\ b`, "a b"},
		{"an escape in double quotes", `"a\"b"`, unread, `a\"b`, `a\"b`, `a"b`},
		{"a backslash in double quotes that escapes nothing stays", `"a\b"`, unread, `a\b`, `a\b`, `a\b`},
		{"a trailing dollar", "a$", unread, "a$", "a$", "a$"},
		{"a trailing dollar in double quotes", `"a$"`, unread, "a$", "a$", "a$"},
		{"$HOME alone", "$HOME", unread, unread, "~", "_"},
		{"${HOME} leading a path", "${HOME}/.cache", unread, unread, "~/.cache", "_/.cache"},
		{"$HOME in double quotes", `"$HOME/.npm"`, unread, unread, "~/.npm", "_/.npm"},
		{"$HOME not first", "/x$HOME", unread, unread, unread, "/x_"},
		{"$HOME after text in double quotes", `"x$HOME"`, unread, unread, unread, "x_"},
		{"$HOME twice", `"$HOME$HOME"`, unread, unread, unread, "__"},
		{"$HOME after empty quotes", `''$HOME`, unread, unread, unread, "_"},
		{"${HOME:-/root}", "${HOME:-/root}", unread, unread, unread, "_"},
		{"${#HOME}", "${#HOME}", unread, unread, unread, "_"},
		{"another variable", "$DIR/x", unread, unread, unread, "_/x"},
		{"a command substitution", "$(date)", unread, unread, unread, "_"},
		{"a backquoted command substitution", "`date`", unread, unread, unread, "_"},
		{"an arithmetic expansion", "$((1+2))", unread, unread, unread, "_"},
		{"a command substitution in double quotes", `"$(date)"`, unread, unread, unread, "_"},
		{"$'...' is read as written by the path reader only", `$'a\tb'`, unread, unread, `a\tb`, unread},
		{`$"..." is read by the dep and path readers`, `$"a b"`, unread, "a b", "a b", unread},
		{"an extended glob", "@(a|b)", unread, unread, unread, unread},
		{"a process substitution", "<(ls)", unread, unread, unread, unread},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := syntax.NewParser(syntax.Variant(syntax.LangBash)).Parse(strings.NewReader("echo "+tc.word), "")
			if err != nil {
				t.Fatal(err)
			}
			w := f.Stmts[0].Cmd.(*syntax.CallExpr).Args[1]
			for _, r := range []struct {
				what, want string
				read       func(*syntax.Word) (string, bool)
			}{
				{"PlainWord", tc.plain, shell.PlainWord},
				{"copy-deps-first", tc.dep, func(w *syntax.Word) (string, bool) { return shell.ReadWord(w, depWord) }},
				{"path", tc.path, func(w *syntax.Word) (string, bool) { return shell.ReadWord(w, pkgPathWord) }},
				{"script", tc.script, func(w *syntax.Word) (string, bool) { return shell.ReadWord(w, scriptWord) }},
			} {
				got, ok := r.read(w)
				if !ok {
					got = unread
				}
				if got != r.want {
					t.Errorf("%s reads %q, want %q", r.what, got, r.want)
				}
			}
		})
	}
}
