package lsp

import (
	"unicode/utf16"
	"unicode/utf8"

	"github.com/dfix-dev/dfix/rewrite"
)

// Encoding is the unit of an LSP position's character offset, as negotiated at
// initialize (positionEncoding); UTF-16 unless the client offers another.
type Encoding string

// The position encodings of LSP 3.17.
const (
	UTF8  Encoding = "utf-8"
	UTF16 Encoding = "utf-16"
	UTF32 Encoding = "utf-32"
)

// pickEncoding chooses the position encoding from the client's offer: UTF-8 when it
// is offered (dfix's offsets are bytes: nothing to convert), else the client's first
// choice that the server knows, else UTF-16, the default of the protocol.
func pickEncoding(offered []string) Encoding {
	for _, e := range offered {
		if Encoding(e) == UTF8 {
			return UTF8
		}
	}
	for _, e := range offered {
		switch Encoding(e) {
		case UTF16, UTF32:
			return Encoding(e)
		}
	}
	return UTF16
}

// Lines maps byte offsets of a text to LSP positions and back. Lines end where LSP
// says they do: at "\n", "\r\n" or a lone "\r" (a Dockerfile line ends at "\r\n" like
// at "\n"; a lone CR, which BuildKit does not take as a line break, still is one to
// the editor, so positions follow the editor).
type Lines struct {
	src    []byte
	starts []int // offset of the first byte of every line; starts[0] == 0
	enc    Encoding
}

// NewLines indexes src for positions in enc.
func NewLines(src []byte, enc Encoding) *Lines {
	l := &Lines{src: src, starts: []int{0}, enc: enc}
	for i := 0; i < len(src); i++ {
		switch src[i] {
		case '\n':
			l.starts = append(l.starts, i+1)
		case '\r':
			if i+1 < len(src) && src[i+1] == '\n' {
				i++
			}
			l.starts = append(l.starts, i+1)
		}
	}
	return l
}

// contentEnd returns the offset where line li's text ends, before its line break.
func (l *Lines) contentEnd(li int) int {
	if li+1 >= len(l.starts) {
		return len(l.src)
	}
	end := l.starts[li+1] - 1 // the '\n' or lone '\r'
	if l.src[end] == '\n' && end > l.starts[li] && l.src[end-1] == '\r' {
		end--
	}
	return end
}

// lineOf returns the 0-based line holding off.
func (l *Lines) lineOf(off int) int {
	lo, hi := 0, len(l.starts)
	for lo < hi {
		m := (lo + hi) / 2
		if l.starts[m] <= off {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo - 1
}

// Position returns the position of the byte offset off. An offset past a line's text
// (inside its "\r\n") is the end of that line; an offset inside a UTF-8 sequence
// counts the character as not yet reached.
func (l *Lines) Position(off int) Position {
	off = max(0, min(off, len(l.src)))
	li := l.lineOf(off)
	start := l.starts[li]
	off = min(off, l.contentEnd(li))
	return Position{Line: li, Character: l.units(l.src[start:off])}
}

// units counts b in the encoding's units.
func (l *Lines) units(b []byte) int {
	switch l.enc {
	case UTF8:
		return len(b)
	case UTF32:
		n := 0
		for len(b) > 0 {
			_, size := utf8.DecodeRune(b)
			if size == 0 || !utf8.FullRune(b) {
				break
			}
			b = b[size:]
			n++
		}
		return n
	}
	n := 0
	for len(b) > 0 {
		if !utf8.FullRune(b) {
			break
		}
		r, size := utf8.DecodeRune(b)
		b = b[size:]
		if utf16.RuneLen(r) == 2 {
			n += 2
		} else {
			n++
		}
	}
	return n
}

// Offset returns the byte offset of a position. As the protocol asks, a character
// past the end of its line means the end of the line, and a line past the end of the
// text means the end of the text. A position inside a character (between the two
// UTF-16 units of a surrogate pair, inside a UTF-8 sequence) goes to its start.
func (l *Lines) Offset(p Position) int {
	if p.Line < 0 {
		return 0
	}
	if p.Line >= len(l.starts) {
		return len(l.src)
	}
	start, end := l.starts[p.Line], l.contentEnd(p.Line)
	want := max(p.Character, 0)
	off, n := start, 0
	for off < end && n < want {
		r, size := utf8.DecodeRune(l.src[off:end])
		w := 1
		switch l.enc {
		case UTF8:
			w = size
		case UTF16:
			if utf16.RuneLen(r) == 2 {
				w = 2
			}
		}
		if n+w > want {
			break
		}
		n += w
		off += size
	}
	return off
}

// Range returns the range of the bytes [start, end).
func (l *Lines) Range(start, end int) Range {
	return Range{Start: l.Position(start), End: l.Position(max(start, end))}
}

// TextEdits converts byte edits against the text into LSP text edits. An edit that
// starts or ends between the "\r" and the "\n" of a line break (which no position
// can name) is widened to the whole line break, with the byte it takes in put back
// into its new text, so applying the text edits gives exactly what applying the byte
// edits gives.
func (l *Lines) TextEdits(edits []rewrite.Edit) []TextEdit {
	sorted := append([]rewrite.Edit(nil), edits...)
	rewrite.SortEdits(sorted)
	// Two edits that meet between "\r" and "\n" become one, so that widening them
	// does not make them overlap.
	merged := sorted[:0]
	for _, e := range sorted {
		if n := len(merged); n > 0 && merged[n-1].End == e.Start && l.insideCRLF(e.Start) &&
			merged[n-1].Start < merged[n-1].End && e.Start < e.End {
			merged[n-1].End = e.End
			merged[n-1].New += e.New
			continue
		}
		merged = append(merged, e)
	}
	out := make([]TextEdit, 0, len(merged))
	for _, e := range merged {
		start, end, text := e.Start, e.End, e.New
		if l.insideCRLF(start) {
			start--
			text = "\r" + text
		}
		if l.insideCRLF(end) {
			end++
			text += "\n"
		}
		out = append(out, TextEdit{Range: Range{Start: l.Position(start), End: l.Position(end)}, NewText: text})
	}
	return out
}

// insideCRLF reports whether off is between a "\r" and the "\n" after it.
func (l *Lines) insideCRLF(off int) bool {
	return off > 0 && off < len(l.src) && l.src[off-1] == '\r' && l.src[off] == '\n'
}

// ApplyChange applies an incremental change (positions in enc) to src and returns the
// new text.
func ApplyChange(src []byte, r Range, text string, enc Encoding) []byte {
	l := NewLines(src, enc)
	start, end := l.Offset(r.Start), l.Offset(r.End)
	if end < start {
		start, end = end, start
	}
	out := make([]byte, 0, len(src)-(end-start)+len(text))
	out = append(out, src[:start]...)
	out = append(out, text...)
	return append(out, src[end:]...)
}
