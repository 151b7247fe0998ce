package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dfix-dev/dfix/fix"
	"github.com/dfix-dev/dfix/verify"
)

// TestMarkdownSummaryGolden renders the pull-request summary of a -w --verify run
// (where the builds say the image sizes before and after) in a repository with a
// CODEOWNERS file, and compares it with testdata/markdown/verify.md; -update rewrites it.
// The builds themselves are made up: verifycmd_test.go and the build suite run real ones.
func TestMarkdownSummaryGolden(t *testing.T) {
	root := t.TempDir()
	for name, content := range map[string]string{
		".git/HEAD":          "",
		".github/CODEOWNERS": "* @acme/platform\n/svc/api/ @acme/api\n",
		"svc/api/Dockerfile": "FROM debian:12\nRUN apt-get update && apt-get install -y curl\nCMD ./api | tee log\n",
		"svc/web/Dockerfile": "FROM node:20\nADD package.json ./\nCMD node server.js\n",
		"svc/old/Dockerfile": "FROM alpine\nRUN apk add git\nCMD ./x\n",
		"svc/bad/Dockerfile": "FROM alpine\nRUN apk add git\n",
	} {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(root)
	rules, err := fix.Select(fix.Rules(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	var out, errOut strings.Builder
	cfg := &config{mode: modeWrite, rules: rules, unsafe: true, format: "markdown", jobs: 1, stdout: &out, stderr: &errOut}
	built := func(size int64) *verify.Build { return &verify.Build{OK: true, Size: size, Seconds: 10} }
	reports := map[string]*verify.Report{
		"svc/api/Dockerfile": {Status: verify.Pass, Rules: []string{"apt-lists-cleanup", "exec-form"},
			Original: built(124_600_000), Fixed: built(98_150_000)},
		"svc/web/Dockerfile": {Status: verify.Pass, Rules: []string{"add-to-copy", "exec-form"},
			Original: built(1_100_000_000), Fixed: built(1_100_000_000)},
		"svc/old/Dockerfile": {Status: verify.OriginalFails, Reason: "the original does not build",
			Original: &verify.Build{Error: "apk: network"}},
		"svc/bad/Dockerfile": {Status: verify.Broken, Blame: []string{"apk-no-cache"},
			Original: built(8_300_000), Fixed: &verify.Build{Error: "exit 1"}},
	}
	rep := newReporter(cfg)
	for _, p := range []string{"svc/api/Dockerfile", "svc/bad/Dockerfile", "svc/old/Dockerfile", "svc/web/Dockerfile"} {
		src, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		fr := &fileResult{path: p}
		fr.res, fr.note, fr.err = cfg.fixBytes(p, src)
		if fr.err != nil {
			t.Fatal(fr.err)
		}
		fr.changed = fr.res.Changed()
		fr.verified = reports[p]
		fr.written = fr.verified.Status == verify.Pass // the others are left as they were
		rep.file(fr)
	}
	rep.finish()
	golden := filepath.Join(pkgTestdata, "markdown", "verify.md")
	if *updateScripts {
		if err := os.WriteFile(golden, []byte(out.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if out.String() != string(want) {
		t.Errorf("the summary is not %s (go test -run TestMarkdownSummaryGolden -update rewrites it):\n%s", golden, out.String())
	}
}

// pkgTestdata is the package's testdata folder, for tests that change the working folder.
var pkgTestdata = func() string {
	wd, err := os.Getwd()
	if err != nil {
		panic(err)
	}
	return filepath.Join(wd, "testdata")
}()

func TestMarkdownEscapes(t *testing.T) {
	if got := mdText("a | b <x>\nc"); got != `a \| b &lt;x&gt; c` {
		t.Errorf("mdText: %q", got)
	}
	if got := mdCell("we`ird|name"); got != "`` we`ird\\|name ``" {
		t.Errorf("mdCell: %q", got)
	}
	var b strings.Builder
	writeDiffs(&b, []*mdFile{{diff: "--- a/x\n+++ b/x\n+RUN echo ```\n"}})
	if !strings.Contains(b.String(), "````diff\n") || !strings.Contains(b.String(), "\n````\n") {
		t.Errorf("a diff with a fence in it:\n%s", b.String())
	}
}

// Inline code takes a fence longer than any run of backticks in it, and escapes "|"
// only in a table cell: in a list item the backslash would show.
func TestMarkdownInlineCode(t *testing.T) {
	for _, tc := range []struct {
		name, in, item, cell string
	}{
		{"plain text is in single backticks", "svc/Dockerfile", "`svc/Dockerfile`", "`svc/Dockerfile`"},
		{"a backtick takes a double fence with spaces", "we`ird", "`` we`ird ``", "`` we`ird ``"},
		{"two backticks in a row take a triple fence", "we``ird/Dockerfile", "``` we``ird/Dockerfile ```", "``` we``ird/Dockerfile ```"},
		{"a pipe is escaped in a table cell only", "a|b/Dockerfile:2", "`a|b/Dockerfile:2`", "`a\\|b/Dockerfile:2`"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := mdCode(tc.in); got != tc.item {
				t.Errorf("mdCode(%q) = %q, want %q", tc.in, got, tc.item)
			}
			if got := mdCell(tc.in); got != tc.cell {
				t.Errorf("mdCell(%q) = %q, want %q", tc.in, got, tc.cell)
			}
		})
	}
}
