// Package golden holds dfix's golden cases and the promises every fix keeps, checked on
// every case, on BuildKit's parser test files, on the corpus and under fuzzing.
package golden

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
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

	// The output parses, and its instructions are the input's but for what the applied
	// fixes declare (Fix.Instructions: merges remove RUNs, nothing else appears or
	// disappears). A join that glues two instructions together still parses; this
	// catches it.
	in := res.Doc
	outDoc, err := rewrite.Parse(name, out)
	if err != nil {
		bad("output parses", "%v", err)
	} else if why := shapeChange(in, outDoc, res.Fixed); why != "" {
		bad("instructions change only as the applied fixes declare", "%s", why)
	}

	// Only fixes the options allow are applied, and a changed file names them.
	for _, d := range res.Fixed {
		if !d.Fixable(fo.UnsafeFixes) {
			bad("only allowed fixes are applied", "%s fix %q (%s) applied", d.Rule.Name, d.Fix.Title, d.Fix.Applicability)
		}
	}
	if res.Changed() && len(res.Fixed) == 0 {
		bad("a change comes from a listed fix", "the output differs but no applied fix is listed")
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

	// New text uses the file's own line ending (in a file of mixed line endings, the
	// dominant one or that of the line it goes into) and escape char.
	for _, e := range res.Edits {
		if wrongEOL(e.New, in.EOL, in.LineEOL(in.LineOf(e.Start)-1)) {
			bad("new text uses the file's line ending", "edit %v in a file with %q line endings", e, in.EOL)
		}
		if foreignEscape(src, e, in.Escape) {
			bad("new text uses the file's escape char", "edit %v continues a line with the wrong escape char in a file whose escape is %q", e, in.Escape)
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

// shapeChange compares the instruction lists of the input and the output: with no
// declared change they must have the same keywords in the same order, else the same
// count of each keyword once the declared changes are added. It returns what differs.
func shapeChange(a, b *rewrite.Document, fixed []fix.Diagnostic) string {
	delta := map[string]int{}
	for _, d := range fixed {
		if d.Fix == nil {
			continue
		}
		for k, n := range d.Fix.Instructions {
			delta[strings.ToLower(k)] += n
		}
	}
	keywords := func(d *rewrite.Document) []string {
		var out []string
		for _, in := range d.Instructions {
			out = append(out, in.Keyword)
		}
		return out
	}
	ka, kb := keywords(a), keywords(b)
	// A declaration, even of no net change ({"copy": 0}: a COPY moved), allows a new
	// order, as the driver's sameShape does.
	declared := len(delta) > 0
	if !declared {
		if strings.Join(ka, " ") != strings.Join(kb, " ") {
			return fmt.Sprintf("no fix declares a change, yet the instructions went from %v to %v", ka, kb)
		}
		return ""
	}
	count := map[string]int{}
	for _, k := range ka {
		count[k]++
	}
	for k, n := range delta {
		count[k] += n
	}
	for _, k := range kb {
		count[k]--
	}
	var diffs []string
	for k, n := range count {
		if n != 0 {
			diffs = append(diffs, fmt.Sprintf("%s %+d", k, -n))
		}
	}
	if len(diffs) == 0 {
		return ""
	}
	sort.Strings(diffs)
	return fmt.Sprintf("the fixes declare %v, but the output has, beyond that, %s", delta, strings.Join(diffs, ", "))
}

// foreignEscape reports whether an edit writes a line continuation with the other
// escape char than the file's: a line that ends in a blank and then, written by the
// edit, '\' in a backtick file or '`' in a backslash file. The part of the line before
// the edit counts for the blank, so an edit that only inserts the escape and the line
// break is seen; an escape-like char that was there before is not the edit's doing.
func foreignEscape(src []byte, e rewrite.Edit, escape byte) bool {
	other := byte('`')
	if escape == '`' {
		other = '\\'
	}
	lineStart := bytes.LastIndexByte(src[:e.Start], '\n') + 1
	prev := 0
	for i := 0; i < len(e.New); i++ {
		if e.New[i] != '\n' {
			continue
		}
		line, before := e.New[prev:i], 0
		if prev == 0 {
			before = e.Start - lineStart
			line = string(src[lineStart:e.Start]) + line
		}
		prev = i + 1
		line = strings.TrimRight(line, " \t\r")
		n := len(line)
		if n > before && line[n-1] == other && (n == 1 || line[n-2] == ' ' || line[n-2] == '\t') {
			return true
		}
	}
	return false
}

// wrongEOL reports whether a line break in s is neither of the allowed line endings.
func wrongEOL(s, eol, lineEOL string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] != '\n' {
			continue
		}
		got := "\n"
		if i > 0 && s[i-1] == '\r' {
			got = "\r\n"
		}
		if got != eol && got != lineEOL {
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
