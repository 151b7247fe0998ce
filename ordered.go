package main

import (
	"context"
	"sync"
)

// inOrder runs work(i) for every i < n on `workers` goroutines and sends the results in
// input order, each as soon as it and all those before it are done. taken(i+1) is
// called as result i is taken (for progress), finished once all are; either may be nil.
// When ctx ends, the items not yet dispatched are skipped: no result is sent for them.
// The channel is closed at the end.
func inOrder[T any](ctx context.Context, n, workers int, work func(int) T, taken func(int), finished func()) <-chan T {
	type slot struct {
		v  T
		ok bool // false: skipped
	}
	slots := make([]chan slot, n)
	for i := range slots {
		slots[i] = make(chan slot, 1)
	}
	jobs := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < min(workers, max(n, 1)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				slots[i] <- slot{v: work(i), ok: true}
			}
		}()
	}
	// At most `window` items are dispatched and not yet taken: results wait in order
	// behind a slow one (a 10 MB file, say) and would otherwise pile up in memory
	// without bound while the other workers go on.
	window := make(chan struct{}, max(64, 16*workers))
	go func() {
		defer close(jobs)
		for i := 0; i < n; i++ {
			select {
			case window <- struct{}{}:
				select {
				case jobs <- i:
					continue
				case <-ctx.Done():
				}
			case <-ctx.Done():
			}
			for j := i; j < n; j++ {
				slots[j] <- slot{}
			}
			return
		}
	}()
	out := make(chan T)
	go func() {
		defer close(out)
		for i := range slots {
			s := <-slots[i]
			if taken != nil {
				taken(i + 1)
			}
			if s.ok {
				<-window // a dispatched item always has a result
				out <- s.v
			}
		}
		if finished != nil {
			finished()
		}
		wg.Wait()
	}()
	return out
}
