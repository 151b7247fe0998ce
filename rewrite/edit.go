package rewrite

import (
	"fmt"
	"sort"
	"strings"
)

// Edit replaces the bytes [Start, End) of a text with New. Start == End is an insertion.
type Edit struct {
	Start int    `json:"start"`
	End   int    `json:"end"`
	New   string `json:"new"`
}

func (e Edit) String() string { return fmt.Sprintf("[%d,%d)->%q", e.Start, e.End, e.New) }

// SortEdits orders edits by position; insertions at the same offset keep their order.
func SortEdits(edits []Edit) {
	sort.SliceStable(edits, func(i, j int) bool {
		if edits[i].Start != edits[j].Start {
			return edits[i].Start < edits[j].Start
		}
		return edits[i].End < edits[j].End
	})
}

// Overlaps reports whether two edits touch the same bytes. Two insertions at the same
// offset overlap too: their order would be ambiguous.
func Overlaps(a, b Edit) bool {
	if a.Start == a.End && b.Start == b.End {
		return a.Start == b.Start
	}
	return a.Start < b.End && b.Start < a.End || (a.Start == a.End && a.Start > b.Start && a.Start < b.End) ||
		(b.Start == b.End && b.Start > a.Start && b.Start < a.End)
}

// Validate checks that the edits are in bounds of a text of size n and do not overlap.
// It sorts edits in place.
func Validate(edits []Edit, n int) error {
	SortEdits(edits)
	for i, e := range edits {
		if e.Start < 0 || e.End < e.Start || e.End > n {
			return fmt.Errorf("edit %v out of bounds of a %d-byte text", e, n)
		}
		if i > 0 && Overlaps(edits[i-1], e) {
			return fmt.Errorf("edits %v and %v overlap", edits[i-1], e)
		}
	}
	return nil
}

// Apply returns src with the edits applied. Bytes outside the edits are copied as they are.
func Apply(src []byte, edits []Edit) ([]byte, error) {
	sorted := append([]Edit(nil), edits...)
	if err := Validate(sorted, len(src)); err != nil {
		return nil, err
	}
	var b strings.Builder
	b.Grow(len(src) + 64)
	last := 0
	for _, e := range sorted {
		b.Write(src[last:e.Start])
		b.WriteString(e.New)
		last = e.End
	}
	b.Write(src[last:])
	return []byte(b.String()), nil
}

// Composer applies rounds of edits to a text while remembering which bytes came from
// the original, so the final result can be expressed as edits against the original
// (the smallest diff), however many rounds it took. It is a piece table.
type Composer struct {
	orig   []byte
	pieces []piece
}

type piece struct {
	orig       bool
	start, end int    // range in the original, when orig
	text       string // inserted text, when !orig
}

func (p piece) len() int {
	if p.orig {
		return p.end - p.start
	}
	return len(p.text)
}

// NewComposer starts from the original text.
func NewComposer(orig []byte) *Composer {
	c := &Composer{orig: orig}
	if len(orig) > 0 {
		c.pieces = []piece{{orig: true, start: 0, end: len(orig)}}
	}
	return c
}

// Text returns the current text.
func (c *Composer) Text() []byte {
	var b strings.Builder
	for _, p := range c.pieces {
		if p.orig {
			b.Write(c.orig[p.start:p.end])
		} else {
			b.WriteString(p.text)
		}
	}
	return []byte(b.String())
}

// Apply applies edits expressed against the current text, in one pass over the
// pieces: linear in the pieces and edits, however many edits a round has (applying
// them one by one, each slicing the whole table, took minutes on a file with 100,000
// fixes).
func (c *Composer) Apply(edits []Edit) error {
	sorted := append([]Edit(nil), edits...)
	size := 0
	for _, p := range c.pieces {
		size += p.len()
	}
	if err := Validate(sorted, size); err != nil {
		return err
	}
	out := make([]piece, 0, len(c.pieces)+2*len(sorted))
	pi, pos := 0, 0 // c.pieces[pi] starts at offset pos of the current text
	// keep copies the current text's bytes [from, to) into out; calls come in
	// increasing order, so the walk over the pieces never goes back.
	keep := func(from, to int) {
		for from < to && pi < len(c.pieces) {
			p := c.pieces[pi]
			n := p.len()
			if from >= pos+n {
				pi, pos = pi+1, pos+n
				continue
			}
			hi := min(to, pos+n) - pos
			out = append(out, sub(p, from-pos, hi))
			from = pos + hi
			if hi == n {
				pi, pos = pi+1, pos+n
			}
		}
	}
	last := 0
	for _, e := range sorted {
		keep(last, e.Start)
		if e.New != "" {
			out = append(out, piece{text: e.New})
		}
		last = e.End
	}
	keep(last, size)
	c.pieces = out
	return nil
}

func sub(p piece, from, to int) piece {
	if p.orig {
		return piece{orig: true, start: p.start + from, end: p.start + to}
	}
	return piece{text: p.text[from:to]}
}

// Edits returns the changes made so far as minimal non-overlapping edits against the
// original text.
func (c *Composer) Edits() []Edit {
	var edits []Edit
	cursor := 0
	var pending strings.Builder
	havePending := false
	flush := func(to int) {
		if havePending || to > cursor {
			edits = append(edits, Edit{Start: cursor, End: to, New: pending.String()})
		}
		pending.Reset()
		havePending = false
	}
	for _, p := range c.pieces {
		if !p.orig {
			pending.WriteString(p.text)
			havePending = true
			continue
		}
		if p.start != cursor || havePending {
			flush(p.start)
		}
		cursor = p.end
	}
	flush(len(c.orig))
	// Drop no-op edits that replace bytes with the same bytes.
	out := edits[:0]
	for _, e := range edits {
		if string(c.orig[e.Start:e.End]) != e.New {
			out = append(out, e)
		}
	}
	return out
}
