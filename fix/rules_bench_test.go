package fix

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/dfix-dev/dfix/rewrite"
)

// BenchmarkRuleOnCorpus times each default rule on its own over every corpus file,
// with the facts the rules share (stages, ENV, the shell parse of every RUN) computed
// beforehand: where a check's time goes, rule by rule. "facts" is the shared part.
// Run with DFIX_CORPUS=../shared/corpus go test ./fix -run '^$' -bench RuleOnCorpus.
func BenchmarkRuleOnCorpus(b *testing.B) {
	dir := os.Getenv("DFIX_CORPUS")
	if dir == "" {
		b.Skip("DFIX_CORPUS is not set: no corpus to benchmark on")
	}
	if !filepath.IsAbs(dir) {
		dir = filepath.Join("..", dir)
	}
	var docs []*rewrite.Document
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		src, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if doc, err := rewrite.Parse(p, src); err == nil {
			docs = append(docs, doc)
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	primed := func(doc *rewrite.Document) *Facts {
		f := computeFacts(doc)
		f.Stages()
		for _, in := range doc.Instructions {
			f.Vars(in, VarOptions{})
			f.WorkdirBefore(in)
			if in.Keyword == "run" {
				f.Script(in) //nolint:errcheck // a script that does not parse is a fact too
			}
		}
		return f
	}
	b.Run("facts", func(b *testing.B) {
		for b.Loop() {
			for _, doc := range docs {
				primed(doc)
			}
		}
	})
	facts := make([]*Facts, len(docs))
	for i, doc := range docs {
		facts[i] = primed(doc)
	}
	rules, err := Select(Rules(), nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	for _, r := range rules {
		b.Run(r.Name, func(b *testing.B) {
			for b.Loop() {
				for i, doc := range docs {
					p := &Pass{Doc: doc, Facts: facts[i], report: func(Diagnostic) {}}
					r.Check(p)
				}
			}
		})
	}
}
