package main

import (
	"os"
	"strings"
	"testing"

	"github.com/dfix-dev/dfix/fix"
)

// TestREADMERuleTable checks that the README's rule table is the one generated from
// the rule declarations; -update rewrites it.
func TestREADMERuleTable(t *testing.T) {
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	startMark, endMark := "<!-- rules:start", "<!-- rules:end -->"
	i, j := strings.Index(readme, startMark), strings.Index(readme, endMark)
	if i < 0 || j < i {
		t.Fatalf("README.md has no %s ... %s markers", startMark, endMark)
	}
	i += strings.Index(readme[i:], "\n") + 1
	want := fix.MarkdownTable(fix.Rules())
	if readme[i:j] == want {
		return
	}
	if !*updateScripts {
		t.Fatalf("README.md rule table is out of date; run go test . -run TestREADMERuleTable -update\ngot:\n%s\nwant:\n%s", readme[i:j], want)
	}
	if err := os.WriteFile("README.md", []byte(readme[:i]+want+readme[j:]), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestREADMEExampleIsWhatDfixPrints runs the README's before/after example for real:
// the diff shown under "What it does" is what dfix prints for the shipped example.
func TestREADMEExampleIsWhatDfixPrints(t *testing.T) {
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	i := strings.Index(readme, "## What it does")
	if i < 0 {
		t.Fatal(`README.md has no "## What it does" section`)
	}
	block := readme[i:]
	start := strings.Index(block, "```diff\n")
	end := strings.Index(block[start+8:], "```")
	if start < 0 || end < 0 {
		t.Fatal("no diff block under What it does")
	}
	want := block[start+8 : start+8+end]
	var stdout, stderr strings.Builder
	code := run([]string{"dfix", "--no-config", "--diff", "--unsafe-fixes", "examples/python-app"}, strings.NewReader(""), &stdout, &stderr)
	if code != exitFindings {
		t.Fatalf("exit %d, stderr: %s", code, stderr.String())
	}
	if stdout.String() != want {
		t.Errorf("README example is out of date.\nREADME:\n%s\ndfix prints:\n%s", want, stdout.String())
	}
}

// TestCIRunsTheREADMETestCommand: CI runs the README's second command, as written.
func TestCIRunsTheREADMETestCommand(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	ci, err := os.ReadFile(".ci/run")
	if err != nil {
		t.Fatal(err)
	}
	block := string(readme)
	start := strings.Index(block, "```sh\n")
	end := strings.Index(block[start+6:], "```")
	if start < 0 || end < 0 {
		t.Fatal("README.md starts with no sh block")
	}
	lines := strings.Split(strings.TrimSpace(block[start+6:start+6+end]), "\n")
	if len(lines) != 2 {
		t.Fatalf("README.md's first block has %d commands, want 2", len(lines))
	}
	cmd, _, _ := strings.Cut(lines[1], "#")
	cmd = strings.TrimSpace(cmd)
	if !strings.Contains("\n"+string(ci), "\n"+cmd+"\n") {
		t.Errorf(".ci/run does not run the README's test command %q", cmd)
	}
}
