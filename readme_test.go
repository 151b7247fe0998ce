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
