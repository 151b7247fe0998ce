package rewrite

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"
)

// fuzzSeeds returns the Dockerfiles the fuzz targets start from: the input of every
// golden case (../golden/<rule>/<case>.txtar) and, when $DFIX_CORPUS is set, every
// file of the corpus (a relative path is taken from the module root, as typed in the
// README).
func fuzzSeeds(tb testing.TB) [][]byte {
	tb.Helper()
	var seeds [][]byte
	paths, _ := filepath.Glob(filepath.Join("..", "golden", "*", "*.txtar"))
	for _, p := range paths {
		a, err := txtar.ParseFile(p)
		if err != nil {
			tb.Fatal(err)
		}
		for _, f := range a.Files {
			if f.Name == "Dockerfile" {
				seeds = append(seeds, f.Data)
			}
		}
	}
	dir := os.Getenv("DFIX_CORPUS")
	if dir == "" {
		return seeds
	}
	if !filepath.IsAbs(dir) {
		dir = filepath.Join("..", dir) // this package is one folder below the module root
	}
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() || strings.HasSuffix(p, ".md") {
			return nil
		}
		if b, err := os.ReadFile(p); err == nil {
			seeds = append(seeds, b)
		}
		return nil
	})
	return seeds
}
