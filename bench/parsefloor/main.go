// Command parsefloor is the baseline of bench/run.sh: it walks the folders given, reads
// every regular file and parses it with BuildKit's parser, nothing else, with -j
// workers. It is the least any BuildKit-based tool pays for a tree of Dockerfiles.
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
	flag.Parse()
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
