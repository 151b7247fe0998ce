package rewrite

import (
	"bytes"
	"math/rand"
	"regexp"
	"slices"
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

// perByte is the map an OffsetMap stands for: the file offset of every text byte, and
// of the end of the text.
func perByte(m OffsetMap, n int) []int {
	out := make([]int, n+1)
	for i := range out {
		out[i] = m.At(i)
	}
	return out
}

func TestOffsetMap(t *testing.T) {
	type piece struct{ file, n int }
	for _, c := range []struct {
		name   string
		pieces []piece
		want   []int // file offsets of text offsets 0..n
		npiece int   // entries kept
	}{
		{"one piece maps byte for byte and its end follows it", []piece{{10, 3}}, []int{10, 11, 12, 13}, 1},
		{"a continued line is two pieces", []piece{{0, 2}, {5, 2}}, []int{0, 1, 5, 6, 7}, 2},
		{"pieces that continue each other are kept as one", []piece{{4, 1}, {5, 1}, {6, 1}}, []int{4, 5, 6, 7}, 1},
		{"an empty text maps its end", []piece{{42, 0}}, []int{42}, 1},
		{"an end set apart from the last byte", []piece{{0, 2}, {9, 0}}, []int{0, 1, 9}, 2},
		{"an end that follows the last byte adds nothing", []piece{{0, 2}, {2, 0}}, []int{0, 1, 2}, 1},
		{"an empty piece is replaced by the next one", []piece{{0, 1}, {7, 0}, {3, 2}}, []int{0, 3, 4, 5}, 2},
		{"an empty piece replaced by a continuation merges", []piece{{0, 1}, {7, 0}, {1, 2}}, []int{0, 1, 2, 3}, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			var m OffsetMap
			n := 0
			for _, p := range c.pieces {
				m.Append(p.file, p.n)
				n += p.n
			}
			if got := perByte(m, n); !slices.Equal(got, c.want) {
				t.Errorf("offsets %v, want %v", got, c.want)
			}
			if len(m.pieces) != c.npiece {
				t.Errorf("%d pieces kept, want %d", len(m.pieces), c.npiece)
			}
		})
	}
}

func TestOffsetMapViews(t *testing.T) {
	var m OffsetMap
	m.Append(0, 3)  // text 0..2 -> file 0..2
	m.Append(10, 3) // text 3..5 -> file 10..12
	m.Append(20, 2) // text 6..7 -> file 20..21
	t.Run("From shifts every offset", func(t *testing.T) {
		v := m.From(2)
		if got, want := perByte(v, 6), []int{2, 10, 11, 12, 20, 21, 22}; !slices.Equal(got, want) {
			t.Errorf("From(2) offsets %v, want %v", got, want)
		}
	})
	t.Run("Span tells a range that crosses a piece from one that does not", func(t *testing.T) {
		if s, e, ok := m.Span(3, 6); s != 10 || e != 13 || !ok {
			t.Errorf("Span(3,6) = %d,%d,%v, want 10,13,true", s, e, ok)
		}
		if s, e, ok := m.Span(1, 5); s != 1 || e != 12 || ok {
			t.Errorf("Span(1,5) = %d,%d,%v, want 1,12,false", s, e, ok)
		}
		if s, e, ok := m.Span(4, 4); s != 11 || e != 11 || !ok {
			t.Errorf("Span(4,4) = %d,%d,%v, want 11,11,true", s, e, ok)
		}
	})
	t.Run("AppendMap copies a range of another map, pieces and all", func(t *testing.T) {
		var c OffsetMap
		c.Append(100, 1)
		c.AppendMap(m.From(1), 1, 6) // m's text 2..6
		if got, want := perByte(c, 6), []int{100, 2, 10, 11, 12, 20, 21}; !slices.Equal(got, want) {
			t.Errorf("offsets %v, want %v", got, want)
		}
	})
}

func TestTrimEOLIsTrimRightOfLineEndings(t *testing.T) {
	for _, s := range []string{"", "a", "a\n", "a\r\n", "a\r", "a\n\r\n", "\r\n", "a b \t\n", "\ra"} {
		if got, want := string(trimEOL([]byte(s))), string(bytes.TrimRight([]byte(s), "\r\n")); got != want {
			t.Errorf("trimEOL(%q) = %q, want %q", s, got, want)
		}
	}
}
