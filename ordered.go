package main

import (
	"context"
	"iter"
	"sync"
)

// inOrder runs work on each item on `workers` goroutines and yields the results in the
// items' order, each as soon as it and all those before it are done. Items are pulled
// only as workers need them, so a walk goes on while the files it found are processed
// and no list of them is kept. taken(k) is called as the k-th result is taken (for
// progress), finished once all are; either may be nil. When ctx ends, no more items are
// pulled: the results of those already pulled are yielded. With one worker the work
// runs in the caller's goroutine, one item after the other: handing each file from
// goroutine to goroutine cost a tenth of a check.
func inOrder[J, T any](ctx context.Context, items iter.Seq[J], workers int, work func(J) T, taken func(int), finished func()) iter.Seq[T] {
	if taken == nil {
		taken = func(int) {}
	}
	if finished == nil {
		finished = func() {}
	}
	if workers <= 1 {
		return func(yield func(T) bool) {
			k := 0
			for j := range items {
				if ctx.Err() != nil {
					break
				}
				v := work(j)
				k++
				taken(k)
				if !yield(v) {
					return
				}
			}
			finished()
		}
	}
	return inOrderPool(ctx, items, workers, work, taken, finished)
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

// inOrderPool is inOrder with goroutines: `workers` of them pull the items in turn
// (the pull itself, a step of the walk, under a lock) and put each result in its slot;
// the caller's loop takes the results in order from the slots. One hand-off a file: a
// dispatcher and a collector goroutine in between cost two more, each a wake-up on
// another thread.
func inOrderPool[J, T any](ctx context.Context, items iter.Seq[J], workers int, work func(J) T, taken func(int), finished func()) iter.Seq[T] {
	return func(yield func(T) bool) {
		// At most `window` items are pulled and not yet taken: results wait in order
		// behind a slow one (a 10 MB file, say) and would otherwise pile up in memory
		// without bound while the other workers go on. It also bounds the result slots:
		// a ring of `window` of them serves any number of items (item i+window is pulled
		// only once item i is taken).
		window := max(64, 16*workers)
		tokens := make(chan struct{}, window)
		slots := make([]chan T, window)
		for i := range slots {
			slots[i] = make(chan T, 1)
		}
		next, stopItems := iter.Pull(items)
		var mu sync.Mutex // serializes next, stopItems and pulled
		pulled, drained := 0, false
		pull := func() (j J, i int, ok bool) {
			mu.Lock()
			defer mu.Unlock()
			if drained {
				return j, 0, false
			}
			if j, ok = next(); !ok {
				drained = true
				return j, 0, false
			}
			pulled++
			return j, pulled - 1, true
		}
		stop := make(chan struct{}) // closed when the loop stops early
		var wg sync.WaitGroup
		for range workers {
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
						return // nothing more is pulled; what was pulled is worked on
					}
					j, i, ok := pull()
					if !ok {
						return
					}
					slots[i%window] <- work(j) // the slot is free: see window
				}
			}()
		}
		ended := make(chan struct{}) // closed once every worker has returned
		go func() {
			wg.Wait()
			mu.Lock()
			stopItems()
			mu.Unlock()
			close(ended)
		}()
		defer close(stop)
		for i := 0; ; i++ {
			var v T
			select {
			case v = <-slots[i%window]:
			case <-ended:
				if i >= pulled { // written before ended was closed
					finished()
					return
				}
				v = <-slots[i%window]
			}
			taken(i + 1)
			<-tokens
			if !yield(v) {
				return
			}
		}
	}
}
