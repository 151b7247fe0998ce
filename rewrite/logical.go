package rewrite

import (
	"bytes"
	"sort"
	"unicode"
)

// Logical is an instruction's logical line rebuilt with BuildKit's own joining rules,
// with a map from every logical byte back to its offset in the file.
type Logical struct {
	Text string
	// Offsets maps Text[i] to its file offset, and len(Text) to the file offset just
	// after the last logical byte.
	Offsets OffsetMap
}

// FileOffset maps a logical offset (0..len(Text)) to a file offset.
func (l *Logical) FileOffset(i int) int { return l.Offsets.At(i) }

// Contiguous reports whether Text[i:j] is one unbroken range of the file (it does not
// cross a line continuation).
func (l *Logical) Contiguous(i, j int) bool { return l.Offsets.Contiguous(i, j) }

// FileSpan returns the file range of Text[i:j]; ok is false when it is not contiguous.
func (l *Logical) FileSpan(i, j int) (start, end int, ok bool) { return l.Offsets.Span(i, j) }

// OffsetMap maps the offsets of a text put together from pieces of a file (a logical
// line, a RUN's script with its heredoc bodies) back to file offsets. It keeps one entry
// per piece, not per byte: a map per byte cost a quarter of all the memory a check
// allocated.
type OffsetMap struct {
	pieces []offsetPiece // in text order; a piece runs until the next one starts
	len    int           // text length covered by Append so far
	base   int           // text offset 0 of this view (see From)
}

// offsetPiece says that text offset at is file offset file, and so on byte for byte up
// to the next piece.
type offsetPiece struct{ at, file int }

// Append records that the next n bytes of the text are the file's bytes from offset
// file on. With n == 0 it only sets the file offset of the text's current end.
func (m *OffsetMap) Append(file, n int) {
	if k := len(m.pieces); k > 0 {
		last := &m.pieces[k-1]
		switch {
		case last.at == m.len:
			last.file = file // the previous piece was empty: this one replaces it
			if k > 1 && m.pieces[k-2].file+(last.at-m.pieces[k-2].at) == file {
				m.pieces = m.pieces[:k-1] // and it continues the one before
			}
			m.len += n
			return
		case last.file+(m.len-last.at) == file:
			m.len += n // the file bytes continue the previous piece
			return
		}
	}
	m.pieces = append(m.pieces, offsetPiece{m.len, file})
	m.len += n
}

// AppendMap appends the pieces of src's text offsets i to j: the next j-i bytes of
// the text are those bytes of src's text.
func (m *OffsetMap) AppendMap(src OffsetMap, i, j int) {
	for i < j {
		n := j - i // up to where src's next piece starts, or j
		k := sort.Search(len(src.pieces), func(k int) bool { return src.pieces[k].at > i+src.base })
		if k < len(src.pieces) {
			n = min(j, src.pieces[k].at-src.base) - i
		}
		m.Append(src.At(i), n)
		i += n
	}
}

// At returns the file offset of text offset i.
func (m OffsetMap) At(i int) int {
	i += m.base
	k := sort.Search(len(m.pieces), func(k int) bool { return m.pieces[k].at > i }) - 1
	if k < 0 {
		return i // no pieces: an empty map is the identity
	}
	return m.pieces[k].file + i - m.pieces[k].at
}

// Contiguous reports whether text[i:j] is one unbroken range of the file.
func (m OffsetMap) Contiguous(i, j int) bool {
	if j <= i {
		return true
	}
	return m.At(j-1)-m.At(i) == j-1-i
}

// Span returns the file range of text[i:j]; ok is false when it is not contiguous.
func (m OffsetMap) Span(i, j int) (start, end int, ok bool) {
	if j <= i {
		at := m.At(i)
		return at, at, true
	}
	start, last := m.At(i), m.At(j-1)
	return start, last + 1, last-start == j-1-i
}

// From returns the map of the text from offset i on: From(i).At(k) == At(i+k).
func (m OffsetMap) From(i int) OffsetMap {
	m.base += i
	return m
}

// trimContinuation returns the length of line (without its line ending) that BuildKit
// keeps and whether the line continues onto the next one. It is BuildKit's
// line-continuation regular expression, `([^E])E[ \t]*$|^E[ \t]*$` for the escape
// char E (parser.directives.setEscapeToken), written out by hand: the regexp was an
// eighth of the time of a run. TestTrimContinuationIsBuildKitsRegexp holds them equal.
func trimContinuation(line []byte, escape byte) (keep int, continues bool) {
	j := len(line)
	for j > 0 && (line[j-1] == ' ' || line[j-1] == '\t') {
		j--
	}
	switch {
	case j == 0 || line[j-1] != escape:
		return len(line), false // no escape char before the trailing blanks
	case j == 1:
		return 0, true // the escape char alone: ^E[ \t]*$
	case line[j-2] == escape:
		return len(line), false // an escaped escape char continues nothing
	}
	return j - 1, true // keep the char before the escape: ([^E])E[ \t]*$
}

// trimEOL is bytes.TrimRight(b, "\r\n") without building the cutset each time.
func trimEOL(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}

func isSpaceOnly(b []byte) bool { return len(bytes.TrimLeftFunc(b, unicode.IsSpace)) == 0 }

func isCommentLine(b []byte) bool {
	t := bytes.TrimLeftFunc(b, unicode.IsSpace)
	return len(t) > 0 && t[0] == '#'
}

// buildLogical joins the physical lines starting at line index first (0-based) the way
// BuildKit does, and returns the logical line and the index of its last physical line.
func (d *Document) buildLogical(first int, text []byte) (*Logical, []byte, int) {
	text = text[:0]
	var off OffsetMap
	add := func(lineStart int, b []byte, from, to int) {
		if to > from {
			text = append(text, b[from:to]...)
			off.Append(lineStart+from, to-from)
		}
	}
	last := first
	for li := first; li < d.NumLines(); li++ {
		last = li
		start := d.lineStarts[li]
		raw := d.lineBytes(li)
		line := trimEOL(raw)
		if li == first {
			from := 0
			if li == 0 && bytes.HasPrefix(line, bom) {
				from = len(bom)
			}
			rest := bytes.TrimLeftFunc(line[from:], unicode.IsSpace)
			from = len(line) - len(rest)
			keep, cont := trimContinuation(line[from:], d.Escape)
			add(start, line, from, from+keep)
			if !cont {
				break
			}
			continue
		}
		if isCommentLine(raw) || isSpaceOnly(line) {
			continue
		}
		keep, cont := trimContinuation(line, d.Escape)
		add(start, line, 0, keep)
		if !cont {
			break
		}
	}
	if len(text) == 0 {
		off.Append(d.lineEndNoEOL(last), 0)
	}
	return &Logical{Offsets: off}, text, last
}
