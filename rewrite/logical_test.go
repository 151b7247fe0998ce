package rewrite

import (
	"math/rand"
	"regexp"
	"testing"
)

// buildkitContinuation is BuildKit's line-continuation regexp for an escape char, as
// parser.directives.setEscapeToken builds it.
func buildkitContinuation(escape byte) *regexp.Regexp {
	s := string(escape)
	return regexp.MustCompile(`([^\` + s + `])\` + s + `[ \t]*$|^\` + s + `[ \t]*$`)
}

// checkTrimContinuation fails unless trimContinuation says what the regexp says:
// whether the line continues, and how much of it BuildKit keeps (ReplaceAll with $1).
func checkTrimContinuation(t *testing.T, line string) {
	t.Helper()
	for _, esc := range []byte{'\\', '`'} {
		re := buildkitContinuation(esc)
		wantCont := re.MatchString(line)
		want := line
		if wantCont {
			want = re.ReplaceAllString(line, "$1")
		}
		keep, cont := trimContinuation([]byte(line), esc)
		if cont != wantCont || line[:keep] != want {
			t.Fatalf("escape %q, line %q: got keep %q continues %v; BuildKit keeps %q continues %v",
				esc, line, line[:keep], cont, want, wantCont)
		}
	}
}

func TestTrimContinuationIsBuildKitsRegexp(t *testing.T) {
	for _, line := range []string{"", "\\", "`", "a\\", "a`", "a \\", "a\\ \t ", "a\\\\", "a``", "\\\\",
		"\\ ", " \\", "a\\b", "é\\", "日本\\  ", "\t\\\t", "x \\ \\", "RUN a && \\", "RUN a && `"} {
		checkTrimContinuation(t, line)
	}
	r := rand.New(rand.NewSource(1))
	alphabet := []byte{'a', ' ', '\t', '\\', '`', 'x', 0xC3, 0xA9}
	for range 20000 {
		b := make([]byte, r.Intn(8))
		for i := range b {
			b[i] = alphabet[r.Intn(len(alphabet))]
		}
		checkTrimContinuation(t, string(b))
	}
}

func FuzzTrimContinuation(f *testing.F) {
	f.Add("RUN a \\")
	f.Add("RUN a `  ")
	f.Add("\\\\")
	f.Fuzz(func(t *testing.T, line string) {
		for i := 0; i < len(line); i++ {
			if line[i] == '\n' || line[i] == '\r' {
				return // lines reach it without their line ending
			}
		}
		checkTrimContinuation(t, line)
	})
}
