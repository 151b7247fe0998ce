package golden

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dfix-dev/dfix/fix"
	"golang.org/x/tools/txtar"
)

var update = flag.Bool("update", false, "rewrite the want and findings sections of golden cases")

// A golden case is golden/<rule>/<case>.txtar:
//
//	description, then optional option lines:
//	flags: --unsafe-fixes --select rule,... --ignore rule
//	crlf              (input and want get CRLF line endings)
//	bom               (input and want start with a UTF-8 BOM)
//	no-final-newline  (input and want lose their final newline)
//	pin               (pin-digest looks images up in a fake registry; "pin update":
//	                  with --update-pins)
//	stdin             (the file is read as standard input: no build context)
//	-- Dockerfile --
//	input
//	-- context/FILE --  (optional, any number: files of the build context, written to a
//	                    temporary folder given as --context; without them the context
//	                    is the case's folder)
//	-- want --
//	expected output
//	-- findings --
//	expected findings on the input, one per line
//
// Only the case's own rule runs unless flags select others.
type goldenCase struct {
	path     string
	archive  *txtar.Archive
	rule     string
	fixOpts  fix.Options
	input    []byte
	want     []byte
	findings string
	encode   func([]byte) []byte // the transformations the options ask for
	context  []txtar.File        // files of the build context (context/NAME sections)
	stdin    bool                // run as standard input: no file name, no context

	crlf, bom, noFinalNewline bool
}

func loadCase(t *testing.T, path string) *goldenCase {
	t.Helper()
	a, err := txtar.ParseFile(path)
	if err != nil {
		t.Fatal(err)
	}
	c := &goldenCase{path: path, archive: a, rule: filepath.Base(filepath.Dir(path))}
	sel, ign := []string{c.rule}, []string(nil)
	var transforms []func([]byte) []byte
	for _, line := range strings.Split(string(a.Comment), "\n") {
		line = strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(line, "flags:"):
			f := strings.Fields(strings.TrimPrefix(line, "flags:"))
			for i := 0; i < len(f); i++ {
				switch f[i] {
				case "--unsafe-fixes":
					c.fixOpts.UnsafeFixes = true
				case "--select":
					i++
					sel = strings.Split(f[i], ",")
				case "--ignore":
					i++
					ign = strings.Split(f[i], ",")
				default:
					t.Fatalf("%s: unknown flag %q", path, f[i])
				}
			}
		case line == "pin" || line == "pin update":
			// The pin-digest rule with a fake registry (pinfake_test.go).
			c.fixOpts.Pin = &fix.PinOptions{Resolver: fakeResolver{}, Update: line == "pin update"}
		case line == "stdin":
			c.stdin = true
		case line == "crlf":
			c.crlf = true
			transforms = append(transforms, func(b []byte) []byte { return bytes.ReplaceAll(b, []byte("\n"), []byte("\r\n")) })
		case line == "bom":
			c.bom = true
			transforms = append(transforms, func(b []byte) []byte { return append([]byte("\xEF\xBB\xBF"), b...) })
		case line == "no-final-newline":
			c.noFinalNewline = true
			transforms = append(transforms, func(b []byte) []byte { return bytes.TrimSuffix(b, []byte("\n")) })
		}
	}
	rules, err := fix.Select(fix.Rules(), sel, ign)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	c.fixOpts.Rules = rules
	c.encode = func(b []byte) []byte {
		// no-final-newline goes last so it trims the CRLF's LF only after conversion.
		for _, tr := range transforms {
			b = tr(b)
		}
		return b
	}
	for _, f := range a.Files {
		switch f.Name {
		case "Dockerfile":
			c.input = c.encode(f.Data)
		case "want":
			c.want = c.encode(f.Data)
		case "findings":
			c.findings = string(f.Data)
		default:
			if strings.HasPrefix(f.Name, "context/") {
				c.context = append(c.context, f)
				continue
			}
			t.Fatalf("%s: unknown section %q", path, f.Name)
		}
	}
	if c.input == nil {
		t.Fatalf("%s: no Dockerfile section", path)
	}
	return c
}

// renderFindings prints findings the way golden files keep them.
func renderFindings(res *fix.Result) string {
	var b strings.Builder
	for _, d := range res.Findings {
		pos := d.PositionIn(res.Doc)
		app := "no fix"
		if d.Fix != nil {
			app = d.Fix.Applicability.String()
		}
		fmt.Fprintf(&b, "%d:%d: %s (%s): %s\n", pos.Line, pos.Column, d.Rule.Name, app, d.Message)
		if d.Help != "" {
			fmt.Fprintf(&b, "  help: %s\n", d.Help)
		}
	}
	for _, p := range res.Problems {
		fmt.Fprintf(&b, "problem: %s\n", p)
	}
	return b.String()
}

func TestGolden(t *testing.T) {
	paths, err := filepath.Glob("*/*.txtar")
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) == 0 {
		t.Fatal("no golden cases found")
	}
	_, perr := exec.LookPath("patch")
	for _, path := range paths {
		if filepath.Dir(path) == "build" {
			continue // the build suite's cases: built by dfix verify (buildsuite_test.go)
		}
		t.Run(strings.TrimSuffix(path, ".txtar"), func(t *testing.T) {
			c := loadCase(t, path)
			name := path
			if c.stdin {
				name = "-"
			}
			if len(c.context) > 0 {
				c.fixOpts.Context = writeContext(t, c.context)
			}
			res, vs := Check(name, c.input, c.fixOpts, Options{Patch: perr == nil})
			for _, v := range vs {
				t.Errorf("broken promise: %v", v)
			}
			if res == nil {
				t.Fatalf("input does not parse")
			}
			got := renderFindings(res)
			if *update {
				c.writeBack(t, res.Output, got)
				return
			}
			if !bytes.Equal(res.Output, c.want) {
				t.Errorf("output differs\n got: %q\nwant: %q", res.Output, c.want)
			}
			if got != c.findings {
				t.Errorf("findings differ\n got:\n%s\nwant:\n%s", got, c.findings)
			}
		})
	}
}

// writeBack rewrites the case's want and findings. The option transformations are
// undone by storing the output in the same plain form as the input section.
func (c *goldenCase) writeBack(t *testing.T, out []byte, findings string) {
	plain := decode(out, c)
	files := append([]txtar.File{{Name: "Dockerfile", Data: c.plainInput()}}, c.context...)
	files = append(files, txtar.File{Name: "want", Data: plain}, txtar.File{Name: "findings", Data: []byte(findings)})
	c.archive.Files = files
	if err := os.WriteFile(c.path, txtar.Format(c.archive), 0o644); err != nil {
		t.Fatal(err)
	}
}

func (c *goldenCase) plainInput() []byte {
	for _, f := range c.archive.Files {
		if f.Name == "Dockerfile" {
			return f.Data
		}
	}
	return nil
}

// decode undoes the case's option transformations on an output, so want is stored in
// the same plain form as the input; when that cannot be done exactly, the raw bytes are kept.
func decode(out []byte, c *goldenCase) []byte {
	b := out
	if c.bom {
		b = bytes.TrimPrefix(b, []byte("\xEF\xBB\xBF"))
	}
	if c.crlf {
		b = bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n"))
	}
	if c.noFinalNewline {
		b = append(append([]byte{}, b...), '\n')
	}
	if !bytes.Equal(c.encode(b), out) {
		return out
	}
	return b
}

// writeContext writes a case's context/NAME sections to a temporary folder and returns it.
func writeContext(t *testing.T, files []txtar.File) string {
	dir := t.TempDir()
	for _, f := range files {
		name := filepath.Join(dir, filepath.FromSlash(strings.TrimPrefix(f.Name, "context/")))
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(name, f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}
