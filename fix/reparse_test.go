package fix

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dfix-dev/dfix/internal/deepdiff"
	"github.com/dfix-dev/dfix/rewrite"
	"golang.org/x/tools/txtar"
)

// reparseProof runs the fix rounds over files, once with every rule and unsafe fixes
// and once with the default rules (what a plain dfix run applies), and holds every
// re-parse of a round (rewrite.Reparse, partial or not) equal to a full rewrite.Parse
// of the same text, field for field.
type reparseProof struct {
	runs            []Options
	rounds, partial int
}

func newReparseProof(t *testing.T) *reparseProof { return &reparseProof{runs: allAndDefaultRuns(t)} }

// allAndDefaultRuns are the options of a run with every rule and unsafe fixes, and of
// a plain dfix run (the default rules).
func allAndDefaultRuns(t *testing.T) []Options {
	all, err := Select(Rules(), []string{"all"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defaults, err := Select(Rules(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	return []Options{{Rules: all, UnsafeFixes: true}, {Rules: defaults}}
}

func (p *reparseProof) run(t *testing.T, name string, src []byte, context string) {
	t.Helper()
	for _, opts := range p.runs {
		p.runWith(t, opts, name, src, context)
	}
}

func (p *reparseProof) runWith(t *testing.T, opts Options, name string, src []byte, context string) {
	t.Helper()
	opts.Context = context
	opts.reparsed = func(old *rewrite.Document, edits []rewrite.Edit, out []byte, doc *rewrite.Document, partial bool, err error) {
		p.rounds++
		if partial {
			p.partial++
		}
		want, wantErr := rewrite.Parse(old.Path, out)
		if (err == nil) != (wantErr == nil) || err != nil && err.Error() != wantErr.Error() {
			t.Errorf("%s: Reparse error %v, Parse error %v", name, err, wantErr)
			return
		}
		if d := deepdiff.Diff(doc, want); d != "" {
			t.Errorf("%s: Reparse (partial %v) differs from Parse at %s\nedits %v", name, partial, d, edits)
		}
	}
	if _, err := Run(name, src, opts); err != nil {
		if pe := (*rewrite.ParseError)(nil); !errors.As(err, &pe) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestReparseEqualsParseOnGoldenCases(t *testing.T) {
	p := newReparseProof(t)
	n := forEachGoldenInput(t, func(path string, src []byte, context string) { p.run(t, path, src, context) })
	t.Logf("%d golden cases: %d of %d rounds re-parsed partly", n, p.partial, p.rounds)
	if p.rounds == 0 || p.partial == 0 {
		t.Errorf("the partial re-parse was never taken (%d rounds): this test proves nothing about it", p.rounds)
	}
}

// forEachGoldenInput calls fn with the input of every golden case (golden/*/*.txtar)
// and its build context folder ("" when the case has none); it returns their number.
func forEachGoldenInput(t *testing.T, fn func(path string, src []byte, context string)) int {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("..", "golden", "*", "*.txtar"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no golden cases: %v", err)
	}
	for _, path := range paths {
		a, err := txtar.ParseFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var src []byte
		context := ""
		for _, f := range a.Files {
			switch {
			case f.Name == "Dockerfile":
				src = encodeGolden(string(a.Comment), f.Data)
			case strings.HasPrefix(f.Name, "context/"):
				if context == "" {
					context = t.TempDir()
				}
				file := filepath.Join(context, strings.TrimPrefix(f.Name, "context/"))
				if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(file, f.Data, 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
		fn(path, src, context)
	}
	return len(paths)
}

// encodeGolden applies a golden case's crlf, bom and no-final-newline options to its
// input, as golden/golden_test.go does.
func encodeGolden(comment string, b []byte) []byte {
	opts := map[string]bool{}
	for _, line := range strings.Split(comment, "\n") {
		opts[strings.TrimSpace(line)] = true
	}
	if opts["crlf"] {
		b = bytes.ReplaceAll(b, []byte("\n"), []byte("\r\n"))
	}
	if opts["bom"] {
		b = append([]byte("\xEF\xBB\xBF"), b...)
	}
	if opts["no-final-newline"] {
		b = bytes.TrimSuffix(b, []byte("\n"))
	}
	return b
}

func TestReparseEqualsParseOnCorpus(t *testing.T) {
	p := newReparseProof(t)
	files := forEachCorpusFile(t, func(path string, src []byte) { p.run(t, path, src, "") })
	share := float64(p.partial) / float64(max(p.rounds, 1))
	t.Logf("%d corpus files: %d of %d rounds (%.1f%%) re-parsed partly", files, p.partial, p.rounds, 100*share)
	// Most rounds change a few instructions of a file; when the shortcut is not taken in
	// most of them, something keeps it from applying where it should.
	if p.rounds < 100 || share < 0.8 {
		t.Errorf("%d of %d rounds re-parsed partly; want most of at least 100", p.partial, p.rounds)
	}
}

// forEachCorpusFile calls fn with every Dockerfile of the corpus at DFIX_CORPUS and
// returns their number; it skips the test when DFIX_CORPUS is not set.
func forEachCorpusFile(t *testing.T, fn func(path string, src []byte)) int {
	t.Helper()
	dir := os.Getenv("DFIX_CORPUS")
	if dir == "" {
		t.Skip("DFIX_CORPUS is not set: skipping the corpus (run with DFIX_CORPUS=../shared/corpus)")
	}
	if !filepath.IsAbs(dir) {
		dir = filepath.Join("..", dir) // relative to the module root
	}
	files := 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(path, ".md") || strings.HasSuffix(path, ".tsv") {
			return err
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files++
		fn(path, src)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}
