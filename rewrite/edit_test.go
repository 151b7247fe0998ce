package rewrite

import (
	"bytes"
	"math/rand"
	"testing"
)

func TestApply(t *testing.T) {
	tests := []struct {
		name  string
		src   string
		edits []Edit
		want  string
	}{
		{"no edits copy the text", "FROM a\n", nil, "FROM a\n"},
		{"an insertion adds text at an offset", "RUN apt-get install x", []Edit{{19, 19, " -y"}}, "RUN apt-get install -y x"},
		{"a replacement changes a range", "CMD a b", []Edit{{4, 5, `["a",`}, {6, 7, `"b"]`}}, `CMD ["a", "b"]`},
		{"a deletion removes a range", "ab\ncd\n", []Edit{{0, 3, ""}}, "cd\n"},
		{"edits given out of order are sorted", "abc", []Edit{{2, 3, "C"}, {0, 1, "A"}}, "AbC"},
		{"an edit at the very end appends", "a", []Edit{{1, 1, "\n"}}, "a\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Apply([]byte(tt.src), tt.edits)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestApplyRejectsBadEdits(t *testing.T) {
	tests := []struct {
		name  string
		edits []Edit
	}{
		{"overlapping replacements are rejected", []Edit{{0, 2, "x"}, {1, 3, "y"}}},
		{"two insertions at one offset are rejected", []Edit{{1, 1, "x"}, {1, 1, "y"}}},
		{"an insertion inside a replacement is rejected", []Edit{{0, 3, "x"}, {1, 1, "y"}}},
		{"an edit past the end is rejected", []Edit{{2, 9, "x"}}},
		{"a negative start is rejected", []Edit{{-1, 1, "x"}}},
		{"an end before the start is rejected", []Edit{{2, 1, "x"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Apply([]byte("abcd"), tt.edits); err == nil {
				t.Error("no error")
			}
		})
	}
}

func TestAdjacentEditsAreAllowed(t *testing.T) {
	got, err := Apply([]byte("abcd"), []Edit{{0, 2, "X"}, {2, 4, "Y"}, {4, 4, "Z"}})
	if err != nil || string(got) != "XYZ" {
		t.Fatalf("got %q, %v", got, err)
	}
}

// randomEdits returns non-overlapping edits for a text of size n.
func randomEdits(r *rand.Rand, n int) []Edit {
	var edits []Edit
	pos := 0
	for pos <= n && len(edits) < 5 {
		start := pos + r.Intn(n-pos+1)
		end := start + r.Intn(n-start+1)
		if r.Intn(3) == 0 {
			end = start
		}
		edits = append(edits, Edit{start, end, []string{"", "x", "yy\n", "\r\n"}[r.Intn(4)]})
		pos = end + 1
	}
	return edits
}

func TestComposerExpressesRoundsAsEditsAgainstTheOriginal(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	for i := 0; i < 2000; i++ {
		orig := []byte("FROM a\nRUN b \\\n  c\n# d\n"[:r.Intn(22)])
		c := NewComposer(orig)
		cur := orig
		for round := 0; round < 3; round++ {
			edits := randomEdits(r, len(cur))
			next, err := Apply(cur, edits)
			if err != nil {
				t.Fatalf("random edits invalid: %v", err)
			}
			if err := c.Apply(edits); err != nil {
				t.Fatal(err)
			}
			cur = next
			if !bytes.Equal(c.Text(), cur) {
				t.Fatalf("composer text %q, want %q", c.Text(), cur)
			}
			final, err := Apply(orig, c.Edits())
			if err != nil {
				t.Fatalf("composed edits invalid: %v (%v)", err, c.Edits())
			}
			if !bytes.Equal(final, cur) {
				t.Fatalf("composed edits give %q, want %q", final, cur)
			}
		}
	}
}

func TestComposerKeepsUntouchedBytesOutOfTheEdits(t *testing.T) {
	orig := []byte("FROM a\nCMD b\nCMD c\n")
	c := NewComposer(orig)
	if err := c.Apply([]Edit{{11, 12, `["b"]`}}); err != nil {
		t.Fatal(err)
	}
	if err := c.Apply([]Edit{{21, 22, `["c"]`}}); err != nil {
		t.Fatal(err)
	}
	want := []Edit{{11, 12, `["b"]`}, {17, 18, `["c"]`}}
	got := c.Edits()
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("got %v, want %v", got, want)
	}
}

func FuzzApply(f *testing.F) {
	f.Add([]byte("FROM a\nRUN b\n"), int64(1))
	f.Add([]byte(""), int64(2))
	for i, s := range fuzzSeeds(f) {
		if i < 200 {
			f.Add(s, int64(i))
		}
	}
	f.Fuzz(func(t *testing.T, src []byte, seed int64) {
		r := rand.New(rand.NewSource(seed))
		edits := randomEdits(r, len(src))
		got, err := Apply(src, edits)
		if err != nil {
			t.Fatalf("non-overlapping edits rejected: %v", err)
		}
		// Rebuild the expected text by hand, from the end.
		want := append([]byte{}, src...)
		for i := len(edits) - 1; i >= 0; i-- {
			e := edits[i]
			want = append(append(append([]byte{}, want[:e.Start]...), e.New...), want[e.End:]...)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("got %q, want %q", got, want)
		}
		if len(edits) > 0 && edits[0].End > edits[0].Start {
			e := edits[0]
			overlap := append(edits, Edit{e.Start, e.End, "z"})
			if _, err := Apply(src, overlap); err == nil {
				t.Fatalf("overlapping edits %v accepted", overlap)
			}
		}
		// Any edit that shares a byte with one of them, or an insertion at the offset
		// of another insertion or strictly inside a replaced range, is rejected, and
		// the order the edits come in does not matter.
		if len(edits) > 0 {
			e := edits[r.Intn(len(edits))]
			var o Edit
			if e.Start == e.End {
				o = Edit{e.Start, e.Start, "i"}
				if r.Intn(2) == 0 && e.Start > 0 {
					o = Edit{e.Start - 1 - r.Intn(e.Start), e.Start + 1 + r.Intn(len(src)-e.Start+1), "r"}
					if o.End > len(src) {
						o.End = len(src)
					}
					if o.End == e.Start {
						o = Edit{e.Start, e.Start, "i"}
					}
				}
			} else {
				p := e.Start + r.Intn(e.End-e.Start)
				switch r.Intn(3) {
				case 0: // a range starting inside e
					o = Edit{p, p + 1 + r.Intn(len(src)-p), "r"}
				case 1: // a range ending inside e
					q := p + 1
					o = Edit{r.Intn(q), q, "r"}
				default: // an insertion strictly inside e, else a range on e's first byte
					if p > e.Start {
						o = Edit{p, p, "i"}
					} else {
						o = Edit{e.Start, e.Start + 1, "r"}
					}
				}
			}
			overlap := append(append([]Edit{}, edits...), o)
			r.Shuffle(len(overlap), func(i, j int) { overlap[i], overlap[j] = overlap[j], overlap[i] })
			if _, err := Apply(src, overlap); err == nil {
				t.Fatalf("edit %v overlaps %v, yet %v was accepted", o, e, overlap)
			}
		}
		// Shuffled, the non-overlapping edits give the same text.
		shuffled := append([]Edit{}, edits...)
		r.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		if got2, err := Apply(src, shuffled); err != nil || !bytes.Equal(got2, got) {
			t.Fatalf("edits in another order give %q, %v; want %q", got2, err, got)
		}
	})
}
