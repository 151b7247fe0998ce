package rewrite

import (
	"bytes"
	"unicode"
)

// Logical is an instruction's logical line rebuilt with BuildKit's own joining rules,
// with a map from every logical byte back to its offset in the file.
type Logical struct {
	Text string
	// Off[i] is the file offset of Text[i]; Off[len(Text)] is the file offset just
	// after the last logical byte.
	Off []int
}

// FileOffset maps a logical offset (0..len(Text)) to a file offset.
func (l *Logical) FileOffset(i int) int { return l.Off[i] }

// Contiguous reports whether Text[i:j] is one unbroken range of the file (it does not
// cross a line continuation).
func (l *Logical) Contiguous(i, j int) bool {
	if j <= i {
		return true
	}
	return l.Off[j-1]-l.Off[i] == j-1-i
}

// FileSpan returns the file range of Text[i:j]; ok is false when it is not contiguous.
func (l *Logical) FileSpan(i, j int) (start, end int, ok bool) {
	if j <= i {
		return l.Off[i], l.Off[i], true
	}
	return l.Off[i], l.Off[j-1] + 1, l.Contiguous(i, j)
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

func isSpaceOnly(b []byte) bool { return len(bytes.TrimLeftFunc(b, unicode.IsSpace)) == 0 }

func isCommentLine(b []byte) bool {
	t := bytes.TrimLeftFunc(b, unicode.IsSpace)
	return len(t) > 0 && t[0] == '#'
}

// buildLogical joins the physical lines starting at line index first (0-based) the way
// BuildKit does, and returns the logical line and the index of its last physical line.
func (d *Document) buildLogical(first int) (*Logical, int) {
	var text []byte
	var off []int
	add := func(lineStart int, b []byte, from, to int) {
		text = append(text, b[from:to]...)
		for i := from; i < to; i++ {
			off = append(off, lineStart+i)
		}
	}
	last := first
	for li := first; li < d.NumLines(); li++ {
		last = li
		start := d.lineStarts[li]
		raw := d.lineBytes(li)
		line := bytes.TrimRight(raw, "\r\n")
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
	end := d.lineEndNoEOL(last)
	if len(text) > 0 {
		end = off[len(off)-1] + 1
	}
	off = append(off, end)
	return &Logical{Text: string(text), Off: off}, last
}
