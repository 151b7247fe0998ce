package shell

import (
	"strings"
	"testing"

	"mvdan.cc/sh/v3/syntax"
)

// wordOf parses `echo WORD` and returns WORD.
func wordOf(t *testing.T, word string) *syntax.Word {
	t.Helper()
	f, err := syntax.NewParser(syntax.Variant(syntax.LangBash)).Parse(strings.NewReader("echo "+word), "")
	if err != nil {
		t.Fatalf("%s: %v", word, err)
	}
	return f.Stmts[0].Cmd.(*syntax.CallExpr).Args[1]
}

// varName reads a $NAME or ${NAME} that opens the word as <NAME>, and nothing else.
func varName(part syntax.WordPart, first bool) (string, bool) {
	p, ok := part.(*syntax.ParamExp)
	if !ok || !first || p.Exp != nil {
		return "", false
	}
	return "<" + p.Param.Value + ">", true
}

func TestReadWord(t *testing.T) {
	const no = "\x00not read"
	for _, tc := range []struct {
		name, word string
		o          WordOptions
		want       string
	}{
		{"the zero options read plain text", "abc", WordOptions{}, "abc"},
		{"the zero options read quoted text", `"a b"'c'`, WordOptions{}, "a bc"},
		{"the zero options do not read a glob", "*.py", WordOptions{}, no},
		{"the zero options do not read a tilde", "~/x", WordOptions{}, no},
		{"the zero options do not read a brace", "a{b,c}", WordOptions{}, no},
		{"the zero options read a glob char in quotes", `"*.py"`, WordOptions{}, "*.py"},
		{"the zero options do not read an escape", `a\ b`, WordOptions{}, no},
		{"the zero options do not read an escape in double quotes", `"a\"b"`, WordOptions{}, no},
		{"the zero options do not read a stray dollar", "a$", WordOptions{}, no},
		{"the zero options do not read an expansion", "$HOME", WordOptions{}, no},
		{"the zero options do not read $'...'", "$'a'", WordOptions{}, no},
		{`the zero options do not read $"..."`, `$"a"`, WordOptions{}, no},

		{"Globs reads globs, braces and tildes as written", "~/a{b,c}/*.py", WordOptions{Globs: true}, "~/a{b,c}/*.py"},
		{"Globs alone still rejects escapes", `a\*`, WordOptions{Globs: true}, no},

		{"EscapesKeep keeps backslashes", `a\ b`, WordOptions{Escapes: EscapesKeep}, `a\ b`},
		{"EscapesKeep keeps them in double quotes", `"a\"b"`, WordOptions{Escapes: EscapesKeep}, `a\"b`},
		{"EscapesKeep keeps a stray dollar", "a$", WordOptions{Escapes: EscapesKeep}, "a$"},
		{"EscapesKeep without Globs still rejects a glob", "*", WordOptions{Escapes: EscapesKeep}, no},

		{"EscapesRemove removes any escape outside quotes", `a\ b\q`, WordOptions{Escapes: EscapesRemove}, "a bq"},
		{"EscapesRemove removes only $ ` \" \\ escapes in double quotes", `"\$\"\\\q"`, WordOptions{Escapes: EscapesRemove}, `$"\\q`},
		{"EscapesRemove keeps a backslash that ends the text", `a\`, WordOptions{Escapes: EscapesRemove}, `a\`},
		{"EscapesRemove reads an escaped glob char as text", `\*`, WordOptions{Escapes: EscapesRemove}, "*"},
		{"EscapesRemove without Globs rejects an unescaped glob", `\**`, WordOptions{Escapes: EscapesRemove}, no},

		{"Expansion reads an expansion", "$HOME/x", WordOptions{Expansion: varName}, "<HOME>/x"},
		{"Expansion is told the first part of the word", "x$HOME", WordOptions{Expansion: varName}, no},
		{"Expansion is told the first part inside opening double quotes", `"${HOME}/x"`, WordOptions{Expansion: varName}, "<HOME>/x"},
		{"Expansion is not told first after text in double quotes", `"x$HOME"`, WordOptions{Expansion: varName}, no},
		{"Expansion is not told first in later double quotes", `x"$HOME"`, WordOptions{Expansion: varName}, no},
		{"Expansion saying no rejects the word", "${HOME:-/root}", WordOptions{Expansion: varName}, no},

		{"DollarSingle reads $'...' as written", `$'a\tb'`, WordOptions{DollarSingle: true}, `a\tb`},
		{`DollarDouble reads $"..." as "..."`, `$"a b"`, WordOptions{DollarDouble: true}, "a b"},
		{`DollarSingle does not read $"..."`, `$"a"`, WordOptions{DollarSingle: true}, no},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := ReadWord(wordOf(t, tc.word), tc.o)
			if !ok {
				got = no
			}
			if got != tc.want {
				t.Errorf("ReadWord(%s) = %q, want %q", tc.word, got, tc.want)
			}
		})
	}
}
