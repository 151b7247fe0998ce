package main

import (
	"regexp"
	"strings"
	"testing"
)

// TestHelpPlaceholders: in `dfix --help` and `dfix verify --help`, every flag that takes
// a value shows an upper-case placeholder after each of its names (--jobs N, -j N), the
// others none; no list flag is shown twice (`--select all [ --select all ]`), and no
// boolean says "(default: false)". The flags that take a value are those reorderArgs
// knows, so this also checks that table.
func TestHelpPlaceholders(t *testing.T) {
	nameRE := regexp.MustCompile(`^(--?[a-z0-9][a-z0-9-]*)(?: ([A-Z][A-Z0-9=/_.\[\]-]*))?$`)
	for _, args := range [][]string{{"--help"}, {"verify", "--help"}} {
		var stdout, stderr strings.Builder
		if code := run(append([]string{"dfix"}, args...), strings.NewReader(""), &stdout, &stderr); code != 0 {
			t.Fatalf("dfix %v: exit %d\n%s", args, code, stderr.String())
		}
		help := stdout.String()
		if strings.Contains(help, "[ --") {
			t.Errorf("dfix %v repeats a list flag:\n%s", args, help)
		}
		if strings.Contains(help, "(default: false)") {
			t.Errorf("dfix %v shows (default: false)", args)
		}
		section, flags := "", 0
		for _, line := range strings.Split(help, "\n") {
			if line != "" && line[0] != ' ' {
				section = line
				continue
			}
			if !strings.HasSuffix(section, "OPTIONS:") || strings.TrimSpace(line) == "" {
				continue
			}
			head, _, _ := strings.Cut(strings.TrimSpace(line), "  ")
			flags++
			for _, spelling := range strings.Split(head, ", ") {
				m := nameRE.FindStringSubmatch(spelling)
				if m == nil {
					t.Errorf("dfix %v: cannot read %q in %q", args, spelling, line)
					continue
				}
				name := strings.TrimLeft(m[1], "-")
				if takes := valueFlags[name]; takes != (m[2] != "") {
					t.Errorf("dfix %v: %q: takes a value %v, placeholder %q", args, line, takes, m[2])
				}
			}
		}
		if flags < 20 {
			t.Errorf("dfix %v: only %d flags read from:\n%s", args, flags, help)
		}
	}
}

// The man page names each flag's value too: urfave/cli writes `=[value]` and `=""`.
func TestManPlaceholders(t *testing.T) {
	var stdout, stderr strings.Builder
	if code := run([]string{"dfix", "man"}, strings.NewReader(""), &stdout, &stderr); code != 0 {
		t.Fatalf("dfix man: exit %d\n%s", code, stderr.String())
	}
	page := stdout.String()
	for _, bad := range []string{"=[value]", `\fP=""`} {
		if strings.Contains(page, bad) {
			t.Errorf("the man page has %s", bad)
		}
	}
	for _, want := range []string{"[--jobs|-j]=N\n", "[--select]=RULES\n", "[--changed-since]=REF\n", `\fB--files-from\fP=\fIFILE\fP:`} {
		if !strings.Contains(page, want) {
			t.Errorf("the man page lacks %q", want)
		}
	}
}
