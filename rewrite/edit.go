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

// Apply applies edits expressed against the current text.
func (c *Composer) Apply(edits []Edit) error {
	sorted := append([]Edit(nil), edits...)
	cur := 0
	for _, p := range c.pieces {
		cur += p.len()
	}
	if err := Validate(sorted, cur); err != nil {
		return err
	}
	// Walk from the last edit to the first so earlier offsets stay valid.
	for i := len(sorted) - 1; i >= 0; i-- {
		c.apply(sorted[i])
	}
	return nil
}

func (c *Composer) apply(e Edit) {
	total := 0
	for _, p := range c.pieces {
		total += p.len()
	}
	out := c.slice(0, e.Start)
	if e.New != "" {
		out = append(out, piece{text: e.New})
	}
	c.pieces = append(out, c.slice(e.End, total)...)
}

// slice returns the pieces that make up the current text's bytes [from, to).
func (c *Composer) slice(from, to int) []piece {
	var out []piece
	pos := 0
	for _, p := range c.pieces {
		n := p.len()
		lo, hi := max(from, pos), min(to, pos+n)
		if lo < hi {
			out = append(out, sub(p, lo-pos, hi-pos))
		}
		pos += n
	}
	return out
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
