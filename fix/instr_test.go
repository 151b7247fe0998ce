package fix

import (
	"testing"

	"github.com/dfix-dev/dfix/rewrite"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/shell"
)

type noEnv struct{}

func (noEnv) Get(string) (string, bool) { return "", false }
func (noEnv) Keys() []string            { return nil }

// values returns what BuildKit sets: every ENV/LABEL key with its value after BuildKit's
// own word processing, and MAINTAINER as the authors label it stands for.
func values(t *testing.T, src string) map[string]string {
	t.Helper()
	doc, err := rewrite.Parse("Dockerfile", []byte(src))
	if err != nil {
		t.Fatalf("%v\n%s", err, src)
	}
	lex := shell.NewLex(rune(doc.Escape))
	out := map[string]string{}
	for _, in := range doc.Instructions {
		if in.Keyword == "from" {
			continue
		}
		cmd, err := instructions.ParseCommand(in.Node)
		if err != nil {
			t.Fatalf("%v\n%s", err, src)
		}
		var pairs instructions.KeyValuePairs
		switch c := cmd.(type) {
		case *instructions.EnvCommand:
			pairs = c.Env
		case *instructions.LabelCommand:
			pairs = c.Labels
		case *instructions.MaintainerCommand:
			out["org.opencontainers.image.authors"] = c.Maintainer
			continue
		}
		for _, kv := range pairs {
			v, _, err := lex.ProcessWord(kv.Value, noEnv{})
			if err != nil {
				t.Fatalf("%v\n%s", err, src)
			}
			out[kv.Key] = v
		}
	}
	return out
}

// TestRewrittenValuesMeanTheSame checks with BuildKit's own instruction parser and
// word lexer that ENV, LABEL and MAINTAINER rewrites set exactly the same values.
func TestRewrittenValuesMeanTheSame(t *testing.T) {
	inputs := []struct {
		name, src string
		rewritten bool // false: reported only, the value is not safe to rewrite
	}{
		{"a one-word value", "FROM a\nENV PYTHONUNBUFFERED 1\n", true},
		{"a value with a variable", "FROM a\nENV PATH /usr/local/bin:$PATH\n", true},
		{"a value with spaces", "FROM a\nENV MSG hello   big world\n", true},
		{"a value continued over lines", "FROM a\nENV DEPS autoconf \\\n    dpkg-dev \\\n    file\n", true},
		{"a label", "FROM a\nLABEL version 1.0\n", true},
		{"a label with spaces", "FROM a\nLABEL description a small image\n", true},
		{"a value with a quoted word", "FROM a\nENV A \"quoted\"\n", true},
		{"quoted words with spaces are reported only", "FROM a\nENV A \"b c\" d\n", false},
		{"a value on the line after the key is reported only", "FROM a\nENV PHPIZE_DEPS \\\n    autoconf \\\n    file\n", false},
		{"a backtick escape file", "# escape=`\nFROM a\nENV A b c\n", true},
		{"a maintainer with quotes and $", "FROM a\nMAINTAINER Jane \"J\" Doe <jane@example.com> $HOME\n", true},
		{"a maintainer with a backslash", "FROM a\nMAINTAINER DOMAIN\\jane\n", true},
		{"a maintainer under a backtick escape", "# escape=`\nFROM a\nMAINTAINER a `b` \"c\"\n", true},
	}
	rules := []*Rule{Lookup(Rules(), "legacy-key-value"), Lookup(Rules(), "maintainer-to-label")}
	for _, tt := range inputs {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Run("Dockerfile", []byte(tt.src), Options{Rules: rules})
			if err != nil {
				t.Fatal(err)
			}
			before, after := values(t, tt.src), values(t, string(res.Output))
			for k, v := range before {
				if after[k] != v {
					t.Errorf("%s: %q before, %q after\n%s", k, v, after[k], res.Output)
				}
			}
			if len(after) != len(before) {
				t.Errorf("keys before %v, after %v", before, after)
			}
			if res.Changed() != tt.rewritten {
				t.Errorf("rewritten = %v, want %v:\n%s", res.Changed(), tt.rewritten, res.Output)
			}
		})
	}
}

func TestArchiveHeaderKnowsWhatADDUnpacks(t *testing.T) {
	ustar := append(make([]byte, 257), []byte("ustar\x0000")...)
	for _, c := range []struct {
		head []byte
		want bool
	}{
		{[]byte{0x1f, 0x8b, 0x08, 0x00}, true},               // gzip
		{[]byte("BZh91AY&SY"), true},                         // bzip2
		{[]byte{0xfd, '7', 'z', 'X', 'Z', 0x00, 0x00}, true}, // xz
		{[]byte{0x28, 0xb5, 0x2f, 0xfd, 0x04}, true},         // zstd
		{ustar, true},
		{[]byte("PK\x03\x04"), false}, // zip: ADD copies it
		{[]byte("#!/bin/sh\necho hi\n"), false},
		{nil, false},
	} {
		if got := archiveHeader(c.head); got != c.want {
			t.Errorf("archiveHeader(%q) = %v, want %v", c.head[:min(len(c.head), 8)], got, c.want)
		}
	}
}
