// Package golden holds dfix's golden cases and the promises every fix keeps, checked on
// every case, on BuildKit's parser test files, on the corpus and under fuzzing.
package golden

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/dfix-dev/dfix/fix"
	"github.com/dfix-dev/dfix/rewrite"
)

// Violation is a broken promise.
type Violation struct {
	Promise string
	Detail  string
}

func (v Violation) Error() string { return v.Promise + ": " + v.Detail }

// Options say which of the slower checks to run.
type Options struct {
	Patch bool // apply the --diff output with patch -p1 (needs the patch program)
}

// Check runs dfix on src and checks every promise a fix keeps. It returns the result
// (nil when src is not a Dockerfile dfix reads) and the broken promises.
func Check(name string, src []byte, fo fix.Options, co Options) (*fix.Result, []Violation) {
	var vs []Violation
	bad := func(promise, format string, a ...any) {
		vs = append(vs, Violation{promise, fmt.Sprintf(format, a...)})
	}
	res, err := fix.Run(name, src, fo)
	if err != nil {
		if _, ok := err.(*rewrite.ParseError); !ok {
			bad("errors are parse errors", "%v", err)
		}
		return nil, vs
	}
	out := res.Output

	// The output parses and has the same instructions (fixes that merge or move
	// instructions are checked by their own golden cases).
	if _, err := rewrite.Parse(name, out); err != nil {
		bad("output parses", "%v", err)
	}

	// The edits against the input are non-overlapping and give the output: nothing
	// outside them changed.
	applied, err := rewrite.Apply(src, res.Edits)
	switch {
	case err != nil:
		bad("edits are valid", "%v", err)
	case !bytes.Equal(applied, out):
		bad("bytes outside the edits are unchanged", "applying the edits does not give the output")
	}

	// Every comment line survives.
	if lost := LostComments(src, out); len(lost) > 0 {
		bad("comment lines survive", "%q", lost)
	}

	// New text uses the file's own line ending.
	if d, err := rewrite.Parse(name, src); err == nil {
		for _, e := range res.Edits {
			if wrongEOL(e.New, d.EOL) {
				bad("new text uses the file's line ending", "edit %v in a file with %q line endings", e, d.EOL)
			}
		}
	}

	// A second run changes nothing.
	if res2, err := fix.Run(name, out, fo); err != nil {
		bad("second run reads the output", "%v", err)
	} else if !bytes.Equal(res2.Output, out) {
		bad("a second run changes nothing", "second run: %s", rewrite.UnifiedDiff(name, out, res2.Output))
	}

	// --diff applied with patch -p1 gives the -w output.
	if co.Patch && res.Changed() {
		if got, err := patchApply(src, rewrite.UnifiedDiff("Dockerfile", src, out)); err != nil {
			bad("--diff applies with patch -p1", "%v", err)
		} else if !bytes.Equal(got, out) {
			bad("--diff applied with patch -p1 equals -w", "got %q, want %q", got, out)
		}
	}
	return res, vs
}

func wrongEOL(s, eol string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] != '\n' {
			continue
		}
		crlf := i > 0 && s[i-1] == '\r'
		if crlf != (eol == "\r\n") {
			return true
		}
	}
	return false
}

// LostComments returns the comment lines of in that out no longer has (as a multiset).
func LostComments(in, out []byte) []string {
	count := map[string]int{}
	for _, l := range commentLines(out) {
		count[l]++
	}
	var lost []string
	for _, l := range commentLines(in) {
		if count[l] > 0 {
			count[l]--
			continue
		}
		lost = append(lost, l)
	}
	return lost
}

func commentLines(b []byte) []string {
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		t := strings.TrimSpace(strings.TrimSuffix(l, "\r"))
		if strings.HasPrefix(t, "#") {
			out = append(out, t)
		}
	}
	return out
}

// patchApply applies a unified diff to src with `patch -p1` in a temporary folder.
func patchApply(src []byte, diff string) ([]byte, error) {
	dir, err := os.MkdirTemp("", "dfix-patch-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	file := filepath.Join(dir, "Dockerfile")
	if err := os.WriteFile(file, src, 0o644); err != nil {
		return nil, err
	}
	cmd := exec.Command("patch", "-p1", "-s", "--no-backup-if-mismatch", "-r", "-")
	cmd.Dir = dir
	cmd.Stdin = strings.NewReader(diff)
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("patch: %v: %s", err, out)
	}
	return os.ReadFile(file)
}
