package main

import (
	"context"
	"iter"
	"sync"
	"sync/atomic"
)

// inOrder runs work(i) for every i < n on `workers` goroutines and yields the results
// in input order, each as soon as it and all those before it are done. taken(i+1) is
// called as result i is taken (for progress), finished once all are; either may be nil.
// When ctx ends, the items not yet dispatched are skipped: no result is yielded for
// them. With one worker the work runs in the caller's goroutine, one item after the
// other: handing each file from goroutine to goroutine cost a tenth of a check.
func inOrder[T any](ctx context.Context, n, workers int, work func(int) T, taken func(int), finished func()) iter.Seq[T] {
	if taken == nil {
		taken = func(int) {}
	}
	if finished == nil {
		finished = func() {}
	}
	if workers <= 1 {
		return func(yield func(T) bool) {
			i := 0
			for ; i < n && ctx.Err() == nil; i++ {
				v := work(i)
				taken(i + 1)
				if !yield(v) {
					return
				}
			}
			for ; i < n; i++ { // skipped
				taken(i + 1)
			}
			finished()
		}
	}
	return inOrderPool(ctx, n, workers, work, taken, finished)
}

// seqOf yields what a channel receives until it is closed. A loop that stops early
// leaves the rest to be received and dropped, so the sender never blocks forever.
func seqOf[T any](ch <-chan T) iter.Seq[T] {
	return func(yield func(T) bool) {
		for v := range ch {
			if !yield(v) {
				go func() {
					for range ch {
					}
				}()
				return
			}
		}
	}
}

// inOrderPool is inOrder with goroutines: `workers` of them claim the items in turn
// and put each result in its slot; the caller's loop takes the results in order from
// the slots. One hand-off a file: a dispatcher and a collector goroutine in between
// cost two more, each a wake-up on another thread.
func inOrderPool[T any](ctx context.Context, n, workers int, work func(int) T, taken func(int), finished func()) iter.Seq[T] {
	return func(yield func(T) bool) {
		// At most `window` items are claimed and not yet taken: results wait in order
		// behind a slow one (a 10 MB file, say) and would otherwise pile up in memory
		// without bound while the other workers go on. It also bounds the result slots:
		// a ring of `window` of them serves any n (item i+window is claimed only once
		// item i is taken), where one per item cost 100 bytes a file before any work.
		window := max(64, 16*workers)
		tokens := make(chan struct{}, window)
		slots := make([]chan T, min(window, max(n, 1)))
		for i := range slots {
			slots[i] = make(chan T, 1)
		}
		var next atomic.Int64       // the next item to claim
		stop := make(chan struct{}) // closed when the loop stops early
		var wg sync.WaitGroup
		for range min(workers, max(n, 1)) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					select {
					case tokens <- struct{}{}:
					case <-ctx.Done():
						return
					case <-stop:
						return
					}
					if ctx.Err() != nil {
						return // nothing more is claimed; what was claimed is worked on
					}
					i := int(next.Add(1) - 1)
					if i >= n {
						return
					}
					slots[i%len(slots)] <- work(i) // the slot is free: see window
				}
			}()
		}
		ended := make(chan struct{}) // closed once every worker has returned
		go func() {
			wg.Wait()
			close(ended)
		}()
		defer close(stop)
		for i := 0; i < n; i++ {
			var v T
			select {
			case v = <-slots[i%len(slots)]:
			case <-ended:
				if int64(i) >= next.Load() { // not claimed: skipped, as are all after it
					for ; i < n; i++ {
						taken(i + 1)
					}
					finished()
					return
				}
				v = <-slots[i%len(slots)]
			}
			taken(i + 1)
			<-tokens
			if !yield(v) {
				return
			}
		}
		finished()
	}
}
