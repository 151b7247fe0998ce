package golden

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/dfix-dev/dfix/fix"
	"github.com/dfix-dev/dfix/rewrite"
)

// suitesDir returns ../shared/suites: $DFIX_SUITES, or the suites folder beside
// $DFIX_CORPUS. Tests that need it skip when neither is set.
func suitesDir(t testing.TB) string {
	t.Helper()
	if d := os.Getenv("DFIX_SUITES"); d != "" {
		return fromModuleRoot(t, d)
	}
	if c := os.Getenv("DFIX_CORPUS"); c != "" {
		return filepath.Join(fromModuleRoot(t, c), "..", "suites")
	}
	t.Skip("DFIX_CORPUS (or DFIX_SUITES) is not set: skipping the tests on other projects' test files")
	return ""
}

// fromModuleRoot resolves a relative path the way the user meant it: against the
// module root where `go test ./...` was typed, not the package folder the test runs in.
func fromModuleRoot(t testing.TB, p string) string {
	t.Helper()
	if filepath.IsAbs(p) {
		return p
	}
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return filepath.Join(d, p)
		}
		if filepath.Dir(d) == d {
			return p
		}
	}
}

func allRules(t testing.TB, unsafe bool) fix.Options {
	t.Helper()
	rules, err := fix.Select(fix.Rules(), []string{"all"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return fix.Options{Rules: rules, UnsafeFixes: unsafe}
}

func TestBuildKitParserFilesRoundTrip(t *testing.T) {
	dir := filepath.Join(suitesDir(t), "buildkit", "frontend", "dockerfile", "parser")
	files, _ := filepath.Glob(filepath.Join(dir, "testfiles", "*", "Dockerfile"))
	if len(files) == 0 {
		t.Fatalf("no BuildKit parser test files under %s", dir)
	}
	_, perr := exec.LookPath("patch")
	for _, f := range files {
		name := filepath.Base(filepath.Dir(f))
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(name+" is unchanged when no rule runs", func(t *testing.T) {
			res, err := fix.Run(f, src, fix.Options{})
			if err != nil {
				t.Fatalf("dfix does not read what BuildKit parses: %v", err)
			}
			if !bytes.Equal(res.Output, src) || len(res.Edits) != 0 {
				t.Errorf("changed with no rule enabled")
			}
		})
		for _, unsafe := range []bool{false, true} {
			t.Run(name+" keeps every promise with all rules", func(t *testing.T) {
				res, vs := Check(f, src, allRules(t, unsafe), Options{Patch: perr == nil})
				for _, v := range vs {
					t.Errorf("broken promise: %v", v)
				}
				if res != nil && len(res.Fixed) == 0 && !bytes.Equal(res.Output, src) {
					t.Errorf("no fix applied, yet the output differs")
				}
			})
		}
	}
}

func TestBuildKitNegativeFilesAreReportedNotFixed(t *testing.T) {
	dir := filepath.Join(suitesDir(t), "buildkit", "frontend", "dockerfile", "parser", "testfiles-negative")
	files, _ := filepath.Glob(filepath.Join(dir, "*", "Dockerfile"))
	if len(files) == 0 {
		t.Fatalf("no negative test files under %s", dir)
	}
	for _, f := range files {
		t.Run(filepath.Base(filepath.Dir(f)), func(t *testing.T) {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			_, err = fix.Run(f, src, allRules(t, true))
			var pe *rewrite.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("want a parse error naming the file, got %v", err)
			}
			if pe.Path != f {
				t.Errorf("error names %q, want %q", pe.Path, f)
			}
		})
	}
}
