package golden

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/dfix-dev/dfix/rewrite"
	"golang.org/x/tools/txtar"
)

// FuzzPipeline runs the whole pipeline with every rule, unsafe fixes on: no panic, and
// for any input dfix reads, every promise holds (the output parses, a second run changes
// nothing, comments survive, edits are exact). Seeds: every golden input.
func FuzzPipeline(f *testing.F) {
	paths, _ := filepath.Glob("*/*.txtar")
	for _, p := range paths {
		a, err := txtar.ParseFile(p)
		if err != nil {
			f.Fatal(err)
		}
		for _, file := range a.Files {
			if file.Name == "Dockerfile" {
				f.Add(file.Data)
			}
		}
	}
	if d := os.Getenv("DFIX_CORPUS"); d != "" {
		seeds, _ := filepath.Glob(filepath.Join(fromModuleRoot(f, d), "docker-library__*", "*", "*", "Dockerfile"))
		for _, s := range seeds {
			if b, err := os.ReadFile(s); err == nil {
				f.Add(b)
			}
		}
	}
	opts := allRules(f, true)
	f.Fuzz(func(t *testing.T, src []byte) {
		if _, err := rewrite.Parse("Dockerfile", src); err != nil {
			return
		}
		_, vs := Check("Dockerfile", src, opts, Options{})
		for _, v := range vs {
			t.Errorf("broken promise: %v\ninput: %q", v, src)
		}
	})
}
