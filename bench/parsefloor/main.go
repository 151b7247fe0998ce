// Command parsefloor is the baseline of bench/run.sh: it walks the folders given, reads
// every regular file and parses it with BuildKit's parser, nothing else, with -j
// workers. It is the least any BuildKit-based tool pays for a tree of Dockerfiles.
//
// With -spin it parses nothing: -j goroutines each do the same fixed CPU work, which
// tells how much faster 2 workers can be than 1 on this machine at all (a shared
// machine may give much less than its CPU count).
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

func main() {
	jobs := flag.Int("j", runtime.NumCPU(), "files parsed in parallel")
	spinWork := flag.Bool("spin", false, "no parsing: -j goroutines each spin through the same CPU work")
	flag.Parse()
	if *spinWork {
		var wg sync.WaitGroup
		var sink atomic.Uint64
		for range *jobs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				x := uint64(1)
				for range 1_500_000_000 {
					x = x*6364136223846793005 + 1442695040888963407
				}
				sink.Add(x)
			}()
		}
		wg.Wait()
		return
	}
	paths := make(chan string, 256)
	var files, failed atomic.Int64
	var wg sync.WaitGroup
	for range *jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := range paths {
				b, err := os.ReadFile(p)
				if err == nil {
					_, err = parser.Parse(bytes.NewReader(b))
				}
				files.Add(1)
				if err != nil {
					failed.Add(1)
				}
			}
		}()
	}
	for _, root := range flag.Args() {
		filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err == nil && d.Type().IsRegular() {
				paths <- p
			}
			return nil
		})
	}
	close(paths)
	wg.Wait()
	fmt.Fprintf(os.Stderr, "parsefloor: %d files, %d not parsed\n", files.Load(), failed.Load())
}
