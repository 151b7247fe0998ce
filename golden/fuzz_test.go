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
// nothing, comments survive, edits are exact). Seeds: every golden input, and with
// DFIX_CORPUS set every corpus file and suite input.
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
	// With DFIX_CORPUS set: every corpus file and every suite input too.
	if d := os.Getenv("DFIX_CORPUS"); d != "" {
		files, _ := loadCorpus(f, fromModuleRoot(f, d))
		for _, in := range files {
			f.Add(in.src)
		}
		suites := filepath.Join(fromModuleRoot(f, d), "..", "suites")
		if s := os.Getenv("DFIX_SUITES"); s != "" {
			suites = fromModuleRoot(f, s)
		}
		if _, err := os.Stat(suites); err == nil {
			inputs, _ := suiteInputs(f, suites)
			for _, in := range inputs {
				f.Add(in.src)
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
