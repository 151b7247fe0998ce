// Command gen writes the big inputs of bench/run.sh: -tree N DIR writes N small
// fixable Dockerfiles, one a folder (d000/s000/Dockerfile, ...), the shape that costs
// most per file; -big SIZE FILE writes one Dockerfile of SIZE bytes of RUN lines with a
// comment every ten and a last `CMD a b` that exec-form fixes.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

func main() {
	tree := flag.Int("tree", 0, "write this many Dockerfiles under the folder given")
	big := flag.Int("big", 0, "write one Dockerfile of this many bytes to the file given")
	flag.Parse()
	if flag.NArg() != 1 || (*tree == 0) == (*big == 0) {
		fmt.Fprintln(os.Stderr, "usage: gen -tree N DIR | gen -big SIZE FILE")
		os.Exit(2)
	}
	var err error
	if *tree > 0 {
		err = writeTree(flag.Arg(0), *tree)
	} else {
		err = writeBig(flag.Arg(0), *big)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func writeTree(root string, n int) error {
	for i := range n {
		dir := filepath.Join(root, fmt.Sprintf("d%03d", i/1000), fmt.Sprintf("s%03d", i%1000))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		src := fmt.Sprintf("FROM alpine:3.%d\nRUN echo %d\nCMD ./run --port %d\n", i%20, i, 8000+i%1000)
		if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte(src), 0o644); err != nil {
			return err
		}
	}
	return nil
}

func writeBig(file string, size int) error {
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	n, _ := w.WriteString("FROM alpine:3.20\n")
	word := " " + strings.Repeat("x", 64)
	for i := 0; n < size; i++ {
		if i%10 == 0 {
			m, _ := fmt.Fprintf(w, "# step %d\n", i)
			n += m
		}
		m, _ := fmt.Fprintf(w, "RUN echo %d%s\n", i, strings.Repeat(word, 15))
		n += m
	}
	w.WriteString("CMD a b\n")
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
