package main

import (
	"context"
	"fmt"
	"iter"
	"slices"
	"testing"
)

func TestInOrder(t *testing.T) {
	tests := []struct {
		name    string
		n       int
		workers int
		cancel  int // cancel the context once this many results are taken; 0: never
	}{
		{"no items gives no results", 0, 2, 0},
		{"fewer items than the window come back in order", 10, 2, 0},
		{"many more items than the window come back in order through the ring", 5000, 4, 0},
		{"one worker keeps the order too", 300, 1, 0},
		{"a cancelled run stops pulling items and yields those pulled", 5000, 2, 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var taken []int
			finished := false
			var got []int
			for v := range inOrder(ctx, count(tt.n), tt.workers, func(i int) int { return i * 10 },
				func(k int) { taken = append(taken, k) }, func() { finished = true }) {
				got = append(got, v)
				if tt.cancel > 0 && len(got) == tt.cancel {
					cancel()
				}
			}
			for i, v := range got {
				if v != i*10 {
					t.Fatalf("result %d is %d, want %d", i, v, i*10)
				}
			}
			if tt.cancel == 0 && len(got) != tt.n {
				t.Errorf("%d results, want %d", len(got), tt.n)
			}
			if tt.cancel > 0 && (len(got) < tt.cancel || len(got) == tt.n) {
				t.Errorf("%d results after cancelling at %d of %d", len(got), tt.cancel, tt.n)
			}
			want := make([]int, len(got))
			for i := range want {
				want[i] = i + 1
			}
			if !slices.Equal(taken, want) {
				t.Errorf("taken called %d times, want 1..%d in order", len(taken), len(got))
			}
			if !finished {
				t.Error("finished was not called")
			}
		})
	}
}

func TestInOrderStopsWhenTheLoopBreaks(t *testing.T) {
	for _, workers := range []int{1, 3} {
		t.Run(fmt.Sprintf("with %d workers the loop gets the results before its break and no more", workers), func(t *testing.T) {
			var got []int
			for v := range inOrder(context.Background(), count(1000), workers, func(i int) int { return i }, nil, nil) {
				got = append(got, v)
				if len(got) == 5 {
					break
				}
			}
			if !slices.Equal(got, []int{0, 1, 2, 3, 4}) {
				t.Errorf("got %v, want 0..4", got)
			}
		})
	}
	t.Run("with one worker each item is worked on only once the one before is taken", func(t *testing.T) {
		var order []string
		for v := range inOrder(context.Background(), count(3), 1, func(i int) int {
			order = append(order, fmt.Sprint("work ", i))
			return i
		}, nil, nil) {
			order = append(order, fmt.Sprint("take ", v))
		}
		want := []string{"work 0", "take 0", "work 1", "take 1", "work 2", "take 2"}
		if !slices.Equal(order, want) {
			t.Errorf("order %v, want %v", order, want)
		}
	})
}

// count yields 0..n-1.
func count(n int) iter.Seq[int] {
	return func(yield func(int) bool) {
		for i := range n {
			if !yield(i) {
				return
			}
		}
	}
}
