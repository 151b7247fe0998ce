package rewrite

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// diffFile is the name passed to UnifiedDiff throughout; patch -p1 and
// git apply strip the "a/" and "b/" and patch <dir>/x/Dockerfile.
const diffFile = "x/Dockerfile"

// numbered returns lines "l1\n" .. "ln\n".
func numbered(n int) string {
	var sb strings.Builder
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&sb, "l%d\n", i)
	}
	return sb.String()
}

// replaceLine replaces the 1-based line i of s (which must end in "\n").
func replaceLine(s string, i int, line string) string {
	lines := strings.SplitAfter(s, "\n")
	lines[i-1] = line
	return strings.Join(lines, "")
}

var diffCases = []struct {
	name     string
	old, new string
	want     string // exact expected diff, checked when not empty
	hunks    int    // expected number of hunks, checked when not zero
}{
	{
		name: "equal inputs give an empty diff",
		old:  "FROM alpine\nRUN true\n",
		new:  "FROM alpine\nRUN true\n",
	},
	{
		name: "two empty files give an empty diff",
	},
	{
		name: "a one-line change shows three lines of context on each side",
		old:  "FROM alpine\nRUN a\nRUN b\nRUN c\nRUN d\nRUN e\nRUN f\n",
		new:  "FROM alpine\nRUN a\nRUN b\nRUN C\nRUN d\nRUN e\nRUN f\n",
		want: "--- a/x/Dockerfile\n+++ b/x/Dockerfile\n" +
			"@@ -1,7 +1,7 @@\n" +
			" FROM alpine\n RUN a\n RUN b\n-RUN c\n+RUN C\n RUN d\n RUN e\n RUN f\n",
	},
	{
		name: "a change on a single-line file uses the short range form",
		old:  "FROM alpine\n",
		new:  "FROM alpine:3\n",
		want: "--- a/x/Dockerfile\n+++ b/x/Dockerfile\n" +
			"@@ -1 +1 @@\n-FROM alpine\n+FROM alpine:3\n",
	},
	{
		name: "an insertion at the start",
		old:  numbered(8),
		new:  "# syntax=docker/dockerfile:1\n" + numbered(8),
		want: "--- a/x/Dockerfile\n+++ b/x/Dockerfile\n" +
			"@@ -1,3 +1,4 @@\n+# syntax=docker/dockerfile:1\n l1\n l2\n l3\n",
	},
	{
		name: "an insertion at the end",
		old:  numbered(8),
		new:  numbered(8) + "USER app\n",
	},
	{
		name: "deleting everything leaves an empty file",
		old:  "FROM alpine\nRUN true\nCMD sh\n",
		new:  "",
		want: "--- a/x/Dockerfile\n+++ b/x/Dockerfile\n" +
			"@@ -1,3 +0,0 @@\n-FROM alpine\n-RUN true\n-CMD sh\n",
	},
	{
		name: "an empty old file gets every line added",
		old:  "",
		new:  "FROM alpine\nRUN true\n",
		want: "--- a/x/Dockerfile\n+++ b/x/Dockerfile\n" +
			"@@ -0,0 +1,2 @@\n+FROM alpine\n+RUN true\n",
	},
	{
		name: "CRLF lines keep their carriage returns",
		old:  "FROM alpine\r\nRUN a\r\nRUN b\r\nRUN c\r\n",
		new:  "FROM alpine\r\nRUN a\r\nRUN B\r\nRUN c\r\n",
		want: "--- a/x/Dockerfile\n+++ b/x/Dockerfile\n" +
			"@@ -1,4 +1,4 @@\n FROM alpine\r\n RUN a\r\n-RUN b\r\n+RUN B\r\n RUN c\r\n",
	},
	{
		name: "mixed LF and CRLF lines round-trip byte for byte",
		old:  "FROM alpine\r\nRUN a\nRUN b\r\nRUN c\nRUN d\r\n",
		new:  "FROM alpine\r\nRUN a\nRUN B\nRUN c\nRUN d\r\nRUN e\n",
	},
	{
		name: "converting line endings from CRLF to LF changes every line",
		old:  "FROM alpine\r\nRUN a\r\n",
		new:  "FROM alpine\nRUN a\n",
	},
	{
		name: "a missing final newline on the old side is marked",
		old:  "FROM alpine\nRUN a",
		new:  "FROM alpine\nRUN b\n",
		want: "--- a/x/Dockerfile\n+++ b/x/Dockerfile\n" +
			"@@ -1,2 +1,2 @@\n FROM alpine\n-RUN a\n\\ No newline at end of file\n+RUN b\n",
	},
	{
		name: "a missing final newline on the new side is marked",
		old:  "FROM alpine\nRUN a\n",
		new:  "FROM alpine\nRUN b",
		want: "--- a/x/Dockerfile\n+++ b/x/Dockerfile\n" +
			"@@ -1,2 +1,2 @@\n FROM alpine\n-RUN a\n+RUN b\n\\ No newline at end of file\n",
	},
	{
		name: "a missing final newline on both sides is marked twice",
		old:  "FROM alpine\nRUN a",
		new:  "FROM alpine\nRUN b",
		want: "--- a/x/Dockerfile\n+++ b/x/Dockerfile\n" +
			"@@ -1,2 +1,2 @@\n FROM alpine\n-RUN a\n\\ No newline at end of file\n" +
			"+RUN b\n\\ No newline at end of file\n",
	},
	{
		name: "an unchanged last line without newline is marked as context",
		old:  "FROM alpine\nRUN a\nCMD sh",
		new:  "FROM alpine\nRUN b\nCMD sh",
		want: "--- a/x/Dockerfile\n+++ b/x/Dockerfile\n" +
			"@@ -1,3 +1,3 @@\n FROM alpine\n-RUN a\n+RUN b\n CMD sh\n\\ No newline at end of file\n",
	},
	{
		name: "adding a final newline replaces the last line",
		old:  "FROM alpine\nRUN a",
		new:  "FROM alpine\nRUN a\n",
		want: "--- a/x/Dockerfile\n+++ b/x/Dockerfile\n" +
			"@@ -1,2 +1,2 @@\n FROM alpine\n-RUN a\n\\ No newline at end of file\n+RUN a\n",
	},
	{
		name: "a file without any newline can be emptied",
		old:  "FROM alpine",
		new:  "",
	},
	{
		name:  "two changes seven unchanged lines apart give two hunks",
		old:   numbered(20),
		new:   replaceLine(replaceLine(numbered(20), 5, "five\n"), 13, "thirteen\n"),
		hunks: 2,
	},
	{
		name:  "two changes six unchanged lines apart give one hunk",
		old:   numbered(20),
		new:   replaceLine(replaceLine(numbered(20), 5, "five\n"), 12, "twelve\n"),
		hunks: 1,
	},
	{
		name:  "changes far apart in a long file give separate hunks",
		old:   numbered(200),
		new:   replaceLine(replaceLine(replaceLine(numbered(200), 1, ""), 100, "hundred\n"), 200, "l200"),
		hunks: 3,
	},
	{
		name: "repeated lines are matched without confusion",
		old:  "RUN a\nRUN a\nRUN b\nRUN a\nRUN a\n",
		new:  "RUN a\nRUN b\nRUN a\nRUN b\nRUN a\n",
	},
}

func TestUnifiedDiff(t *testing.T) {
	for _, tc := range diffCases {
		t.Run(tc.name, func(t *testing.T) {
			got := UnifiedDiff(diffFile, []byte(tc.old), []byte(tc.new))
			if tc.old == tc.new {
				if got != "" {
					t.Fatalf("UnifiedDiff of equal inputs = %q, want \"\"", got)
				}
				return
			}
			if tc.want != "" && got != tc.want {
				t.Errorf("UnifiedDiff =\n%s\nwant\n%s", got, tc.want)
			}
			if n := strings.Count(got, "\n@@ -"); tc.hunks != 0 && n != tc.hunks {
				t.Errorf("got %d hunks, want %d:\n%s", n, tc.hunks, got)
			}
			applied, err := applyUnified([]byte(tc.old), got)
			if err != nil {
				t.Fatalf("applying the diff: %v\n%s", err, got)
			}
			if !bytes.Equal(applied, []byte(tc.new)) {
				t.Fatalf("applying the diff gives %q, want %q\n%s", applied, tc.new, got)
			}
		})
	}
}

func TestUnifiedDiffAppliesWithPatch(t *testing.T) {
	patch, err := exec.LookPath("patch")
	if err != nil {
		t.Skip("patch is not on PATH")
	}
	for _, tc := range diffCases {
		if tc.old == tc.new {
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			d := UnifiedDiff(diffFile, []byte(tc.old), []byte(tc.new))
			dir := writeOld(t, tc.old)
			// No -s, so offset or fuzz messages are visible: a correct
			// diff applies exactly where it says.
			cmd := exec.Command(patch, "-p1", "--no-backup-if-mismatch", "--fuzz=0", "--force")
			cmd.Dir = dir
			cmd.Stdin = strings.NewReader(d)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("patch: %v\n%s\ndiff:\n%s", err, out, d)
			}
			if want := "patching file " + diffFile + "\n"; string(out) != want {
				t.Errorf("patch said %q, want only %q\ndiff:\n%s", out, want, d)
			}
			got, err := os.ReadFile(filepath.Join(dir, diffFile))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, []byte(tc.new)) {
				t.Fatalf("patch produced %q, want %q\ndiff:\n%s", got, tc.new, d)
			}
		})
	}
}

func TestUnifiedDiffAppliesWithGitApply(t *testing.T) {
	git, err := exec.LookPath("git")
	if err != nil {
		t.Skip("git is not on PATH")
	}
	for _, tc := range diffCases {
		if tc.old == tc.new {
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			d := UnifiedDiff(diffFile, []byte(tc.old), []byte(tc.new))
			dir := writeOld(t, tc.old)
			for _, args := range [][]string{{"apply", "--check", "-"}, {"apply", "-"}} {
				cmd := exec.Command(git, args...)
				cmd.Dir = dir
				cmd.Stdin = strings.NewReader(d)
				// Outside any repository, and free of the user's config.
				cmd.Env = append(os.Environ(),
					"GIT_CEILING_DIRECTORIES="+filepath.Dir(dir),
					"GIT_CONFIG_NOSYSTEM=1",
					"GIT_CONFIG_GLOBAL="+os.DevNull,
				)
				if out, err := cmd.CombinedOutput(); err != nil {
					t.Fatalf("git %s: %v\n%s\ndiff:\n%s", strings.Join(args, " "), err, out, d)
				}
			}
			got, err := os.ReadFile(filepath.Join(dir, diffFile))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, []byte(tc.new)) {
				t.Fatalf("git apply produced %q, want %q\ndiff:\n%s", got, tc.new, d)
			}
		})
	}
}

// writeOld writes old to <dir>/x/Dockerfile in a fresh temporary directory
// and returns the directory.
func writeOld(t *testing.T, old string) string {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, diffFile)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(old), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestUnifiedDiffLargeInput(t *testing.T) {
	if testing.Short() {
		t.Skip("large input in -short mode")
	}
	// About 10 MB with over a million distinct lines: more than go-diff's
	// own DiffLinesToRunes can encode.
	var sb strings.Builder
	for i := 0; sb.Len() < 10<<20; i++ {
		fmt.Fprintf(&sb, "RUN echo %d\n", i)
	}
	old := sb.String()
	tests := []struct {
		name  string
		new   string
		lines int // if not 0, diff only the first lines of old, halves swapped
	}{
		{"a change near the middle", replaceLine(old, 400000, "RUN changed\n"), 0},
		{"every line rewritten", strings.ReplaceAll(old, "echo", "printf"), 0},
		// A wholesale reorder costs O(lines × edits) with no timeout (the
		// go-diff half-match shortcut is off then), so keep this one to the
		// first 20,000 lines.
		{"the first half moved to the end", "", 20000},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			old, new := old, tc.new
			if tc.lines != 0 {
				lines := strings.SplitAfter(old, "\n")[:tc.lines]
				old = strings.Join(lines, "")
				new = strings.Join(lines[tc.lines/2:], "") + strings.Join(lines[:tc.lines/2], "")
			}
			d := UnifiedDiff(diffFile, []byte(old), []byte(new))
			got, err := applyUnified([]byte(old), d)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, []byte(new)) {
				t.Fatal("applying the diff does not give the new text")
			}
		})
	}
}

func FuzzUnifiedDiff(f *testing.F) {
	for _, tc := range diffCases {
		f.Add([]byte(tc.old), []byte(tc.new))
	}
	f.Fuzz(func(t *testing.T, old, new []byte) {
		d := UnifiedDiff(diffFile, old, new)
		if bytes.Equal(old, new) {
			if d != "" {
				t.Fatalf("equal inputs give %q", d)
			}
			return
		}
		got, err := applyUnified(old, d)
		if err != nil {
			t.Fatalf("applying the diff: %v\n%s", err, d)
		}
		if !bytes.Equal(got, new) {
			t.Fatalf("applying the diff gives %q, want %q\n%s", got, new, d)
		}
	})
}

// applyUnified applies a diff made by UnifiedDiff(diffFile, old, ...) to old.
// It is stricter than patch: hunk line numbers and counts must be exact,
// context and removed lines must match byte for byte, hunks must be in
// order and separated, and each hunk must carry exactly the context
// UnifiedDiff promises.
func applyUnified(old []byte, diff string) ([]byte, error) {
	if diff == "" {
		return old, nil
	}
	oldLines := strings.SplitAfter(string(old), "\n")
	if oldLines[len(oldLines)-1] == "" {
		oldLines = oldLines[:len(oldLines)-1]
	}
	lines := strings.SplitAfter(diff, "\n")
	if lines[len(lines)-1] != "" {
		return nil, fmt.Errorf("diff does not end with a newline")
	}
	lines = lines[:len(lines)-1]
	header := "--- a/" + diffFile + "\n+++ b/" + diffFile + "\n"
	if len(lines) < 2 || lines[0]+lines[1] != header {
		return nil, fmt.Errorf("bad header %q", lines[:min(2, len(lines))])
	}
	lines = lines[2:]
	if len(lines) == 0 {
		return nil, fmt.Errorf("diff has no hunks")
	}

	var out []string
	oi := 0       // next unconsumed old line
	prevEnd := -1 // old line after the previous hunk
	for len(lines) > 0 {
		h := lines[0]
		lines = lines[1:]
		var oldStart, oldN, newStart, newN int
		if !strings.HasPrefix(h, "@@ -") || !strings.HasSuffix(h, " @@\n") {
			return nil, fmt.Errorf("bad hunk header %q", h)
		}
		ranges := strings.Fields(strings.TrimSuffix(strings.TrimPrefix(h, "@@ "), " @@\n"))
		if len(ranges) != 2 || ranges[0][0] != '-' || ranges[1][0] != '+' {
			return nil, fmt.Errorf("bad hunk header %q", h)
		}
		var err1, err2 error
		oldStart, oldN, err1 = parseRange(ranges[0][1:])
		newStart, newN, err2 = parseRange(ranges[1][1:])
		if err := errors.Join(err1, err2); err != nil {
			return nil, fmt.Errorf("bad hunk header %q: %v", h, err)
		}
		if oldStart < oi || oldStart <= prevEnd {
			return nil, fmt.Errorf("hunk %q overlaps or touches the previous one", h)
		}
		if newStart != len(out)+(oldStart-oi) {
			return nil, fmt.Errorf("hunk %q: new start does not follow from old start", h)
		}
		if oldStart+oldN > len(oldLines) {
			return nil, fmt.Errorf("hunk %q runs past the end of the old file", h)
		}
		out = append(out, oldLines[oi:oldStart]...)
		oi = oldStart

		var kinds []byte
		for oldN > 0 || newN > 0 {
			if len(lines) == 0 {
				return nil, fmt.Errorf("hunk %q is short", h)
			}
			line := lines[0]
			lines = lines[1:]
			kind, text := line[0], line[1:]
			if len(lines) > 0 && lines[0] == noNewlineMarker {
				lines = lines[1:]
				text = strings.TrimSuffix(text, "\n")
			}
			switch kind {
			case ' ', '-':
				if oldN == 0 || (kind == ' ' && newN == 0) {
					return nil, fmt.Errorf("hunk %q is long", h)
				}
				if oldLines[oi] != text {
					return nil, fmt.Errorf("hunk %q: old line %d is %q, diff says %q", h, oi+1, oldLines[oi], text)
				}
				oi++
				oldN--
				if kind == ' ' {
					out = append(out, text)
					newN--
				}
			case '+':
				if newN == 0 {
					return nil, fmt.Errorf("hunk %q is long", h)
				}
				out = append(out, text)
				newN--
			default:
				return nil, fmt.Errorf("hunk %q: bad line %q", h, line)
			}
			kinds = append(kinds, kind)
		}
		// Exactly diffContext lines of context around the changes, fewer
		// only at the start and end of the file.
		lead := len(kinds) - len(bytes.TrimLeft(kinds, " "))
		trail := len(kinds) - len(bytes.TrimRight(kinds, " "))
		if lead == len(kinds) {
			return nil, fmt.Errorf("hunk %q has no changes", h)
		}
		leadOK := lead == diffContext || (oldStart == 0 && lead < diffContext)
		trailOK := trail == diffContext || (oi == len(oldLines) && trail < diffContext)
		if !leadOK || !trailOK {
			return nil, fmt.Errorf("hunk %q has %d leading and %d trailing context lines", h, lead, trail)
		}
		for _, run := range bytes.FieldsFunc(kinds, func(r rune) bool { return r != ' ' }) {
			if len(run) > 2*diffContext {
				return nil, fmt.Errorf("hunk %q should have been split", h)
			}
		}
		prevEnd = oi
	}
	out = append(out, oldLines[oi:]...)
	return []byte(strings.Join(out, "")), nil
}

// parseRange parses "l,n" or "l" (n = 1) and returns the 0-based first line.
func parseRange(s string) (start, n int, err error) {
	l, count, found := strings.Cut(s, ",")
	start, err = strconv.Atoi(l)
	if err != nil {
		return 0, 0, err
	}
	n = 1
	if found {
		if n, err = strconv.Atoi(count); err != nil {
			return 0, 0, err
		}
	}
	if n < 0 || start < 0 {
		return 0, 0, fmt.Errorf("negative range %q", s)
	}
	if n > 0 {
		if start == 0 {
			return 0, 0, fmt.Errorf("range %q starts at line 0", s)
		}
		start--
	}
	return start, n, nil
}
