package main

import (
	"context"
	"iter"
	"sync"
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
	return seqOf(inOrderPool(ctx, n, workers, work, taken, finished))
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

// inOrderPool is inOrder with goroutines: `workers` of them, and the results sent on
// a channel that is closed at the end.
func inOrderPool[T any](ctx context.Context, n, workers int, work func(int) T, taken func(int), finished func()) <-chan T {
	// At most `window` items are dispatched and not yet taken: results wait in order
	// behind a slow one (a 10 MB file, say) and would otherwise pile up in memory
	// without bound while the other workers go on. It also bounds the result slots: a
	// ring of `window` of them serves any n, where one per item cost 100 bytes a file
	// before any work (10 MB for a 100,000-file tree).
	window := max(64, 16*workers)
	tokens := make(chan struct{}, window)
	slots := make([]chan T, min(window, max(n, 1)))
	for i := range slots {
		slots[i] = make(chan T, 1)
	}
	jobs := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < min(workers, max(n, 1)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				slots[i%len(slots)] <- work(i)
			}
		}()
	}
	// dispatched is how many items went to the workers, known once the dispatcher ends.
	var dispatched int
	ended := make(chan struct{})
	go func() {
		defer close(ended)
		defer close(jobs)
		for i := 0; i < n; i++ {
			select {
			case tokens <- struct{}{}:
				select {
				case jobs <- i:
					dispatched = i + 1
					continue
				case <-ctx.Done():
				}
			case <-ctx.Done():
			}
			return
		}
	}()
	out := make(chan T)
	go func() {
		defer close(out)
	results:
		for i := 0; i < n; i++ {
			var v T
			select {
			case v = <-slots[i%len(slots)]:
			case <-ended:
				if i >= dispatched { // skipped, as are all after it
					for ; i < n; i++ {
						taken(i + 1)
					}
					break results
				}
				v = <-slots[i%len(slots)]
			}
			taken(i + 1)
			<-tokens // a dispatched item always has a result
			out <- v
		}
		finished()
		wg.Wait()
	}()
	return out
}
