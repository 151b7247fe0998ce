package lsp

import (
	"math/rand"
	"testing"
	"unicode/utf8"

	"github.com/dfix-dev/dfix/lsp/lsptest"
	"github.com/dfix-dev/dfix/rewrite"
)

func TestPickEncoding(t *testing.T) {
	for _, c := range []struct {
		offer []string
		want  Encoding
	}{
		{nil, UTF16},
		{[]string{"utf-16"}, UTF16},
		{[]string{"utf-32", "utf-8", "utf-16"}, UTF8},
		{[]string{"utf-32", "utf-16"}, UTF32},
		{[]string{"latin-1"}, UTF16},
	} {
		if got := pickEncoding(c.offer); got != c.want {
			t.Errorf("pickEncoding(%q) = %s, want %s", c.offer, got, c.want)
		}
	}
}

func TestPositions(t *testing.T) {
	// "é" is 2 UTF-8 bytes and 1 UTF-16 unit; "😀" is 4 bytes, 2 UTF-16 units, 1 rune.
	src := []byte("# é 😀 x\r\nFROM a\rRUN b\n\nCMD c")
	for _, c := range []struct {
		off  int
		enc  Encoding
		want Position
	}{
		{0, UTF16, Position{0, 0}},
		{2, UTF16, Position{0, 2}},  // before é
		{4, UTF16, Position{0, 3}},  // after é
		{5, UTF16, Position{0, 4}},  // before 😀
		{9, UTF16, Position{0, 6}},  // after 😀
		{9, UTF8, Position{0, 9}},   // after 😀
		{9, UTF32, Position{0, 5}},  // after 😀
		{11, UTF16, Position{0, 8}}, // at \r: the end of line 0
		{12, UTF16, Position{0, 8}}, // between \r and \n: still the end of line 0
		{13, UTF16, Position{1, 0}}, // FROM
		{20, UTF16, Position{2, 0}}, // after a lone \r: a new line to the editor
		{26, UTF16, Position{3, 0}}, // the empty line
		{27, UTF16, Position{4, 0}}, // CMD
		{32, UTF16, Position{4, 5}}, // the end of the text
		{99, UTF16, Position{4, 5}}, // past it
	} {
		l := NewLines(src, c.enc)
		if got := l.Position(c.off); got != c.want {
			t.Errorf("%s: Position(%d) = %+v, want %+v", c.enc, c.off, got, c.want)
		}
	}
	l := NewLines(src, UTF16)
	for _, c := range []struct {
		p    Position
		want int
	}{
		{Position{0, 3}, 4},
		{Position{0, 5}, 5},    // inside the surrogate pair: the start of the character
		{Position{0, 100}, 11}, // past the end of the line: its end, before \r\n
		{Position{1, 100}, 19}, // the line ended by a lone \r
		{Position{2, 100}, 25},
		{Position{9, 0}, len(src)},
	} {
		if got := l.Offset(c.p); got != c.want {
			t.Errorf("Offset(%+v) = %d, want %d", c.p, got, c.want)
		}
	}
}

// Every offset at a character boundary outside a line break survives a round trip,
// in every encoding, and agrees with the test client's independent arithmetic.
func TestPositionRoundTrip(t *testing.T) {
	src := []byte("# ünïcödé 𝄞 comment\r\nFROM alpine\nRUN echo \"日本\" \\\r\n  && true\rCMD x\n")
	for _, enc := range []Encoding{UTF8, UTF16, UTF32} {
		l := NewLines(src, enc)
		for off := 0; off <= len(src); off++ {
			if off < len(src) && !utf8.RuneStart(src[off]) || off > 0 && (src[off-1] == '\r' || src[off-1] == '\n') && off < len(src) && src[off] == '\n' {
				continue
			}
			if off < len(src) && (src[off] == '\n' && off > 0 && src[off-1] == '\r') {
				continue
			}
			p := l.Position(off)
			if back := l.Offset(p); back != off {
				t.Errorf("%s: offset %d -> %+v -> %d", enc, off, p, back)
			}
			theirs, err := lsptest.Offset(string(src), lsptest.Position{Line: p.Line, Character: p.Character}, string(enc))
			if err != nil || theirs != off {
				t.Errorf("%s: offset %d -> %+v -> client %d, %v", enc, off, p, theirs, err)
			}
		}
	}
}

// Byte edits that start or end between "\r" and "\n" still apply exactly.
func TestTextEditsInsideCRLF(t *testing.T) {
	src := []byte("FROM a\r\nRUN b\r\n")
	edits := []rewrite.Edit{
		{Start: 7, End: 7, New: "X"},   // between the \r and the \n of line 0
		{Start: 12, End: 14, New: "c"}, // ends between the \r and the \n of line 1
		{Start: 14, End: 15, New: "Z"}, // starts there
	}
	want, err := rewrite.Apply(src, edits)
	if err != nil {
		t.Fatal(err)
	}
	for _, enc := range []Encoding{UTF8, UTF16} {
		tes := NewLines(src, enc).TextEdits(edits)
		var ctes []lsptest.TextEdit
		for _, e := range tes {
			ctes = append(ctes, lsptest.TextEdit{Range: lsptest.Range{
				Start: lsptest.Position(e.Range.Start), End: lsptest.Position(e.Range.End)}, NewText: e.NewText})
		}
		got, err := lsptest.Apply(string(src), ctes, string(enc))
		if err != nil {
			t.Fatal(err)
		}
		if got != string(want) {
			t.Errorf("%s: got %q, want %q", enc, got, want)
		}
	}
}

// Random incremental changes applied by the server equal the client's.
func TestApplyChange(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	pieces := []string{"a", "é", "😀", "\n", "\r\n", " ", "RUN ", "\\", "#"}
	text := "FROM alpine\r\n# 日本\nRUN x\n"
	for i := 0; i < 2000; i++ {
		enc := []Encoding{UTF8, UTF16, UTF32}[i%3]
		lines := NewLines([]byte(text), enc)
		// Pick two positions at character boundaries, not inside a CRLF.
		pick := func() int {
			for {
				off := rng.Intn(len(text) + 1)
				if off < len(text) && !utf8.RuneStart(text[off]) {
					continue
				}
				if off > 0 && off < len(text) && text[off-1] == '\r' && text[off] == '\n' {
					continue
				}
				return off
			}
		}
		a, b := pick(), pick()
		a, b = min(a, b), max(a, b)
		ins := ""
		for n := rng.Intn(3); n > 0; n-- {
			ins += pieces[rng.Intn(len(pieces))]
		}
		r := Range{Start: lines.Position(a), End: lines.Position(b)}
		got := string(ApplyChange([]byte(text), r, ins, enc))
		want, err := lsptest.Apply(text, []lsptest.TextEdit{{Range: lsptest.Range{
			Start: lsptest.Position(r.Start), End: lsptest.Position(r.End)}, NewText: ins}}, string(enc))
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Fatalf("%s: change %+v %q on %q: got %q, want %q", enc, r, ins, text, got, want)
		}
		text = got
		if len(text) > 400 {
			text = "FROM alpine\n"
		}
	}
}
