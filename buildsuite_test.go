package main

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/dfix-dev/dfix/verify"
	"golang.org/x/tools/txtar"
)

// The build suite: every case in golden/build is a Dockerfile (with its context files)
// that dfix changes; `dfix verify` builds it before and after on a real Docker Engine
// and runs its smoke command in both images. A case passes only when both builds and
// both smoke checks pass and the fixes the case is about were applied.
//
// It runs with DFIX_BUILD=1 against the engine DOCKER_HOST points at (.ci/engine starts
// one, with the base images debian:bookworm and debian:bookworm-slim and BuildKit's
// Dockerfile frontend as docker/dockerfile:1, all made offline).

// buildCase is one golden/build/*.txtar.
type buildCase struct {
	name    string
	flags   []string          // dfix flags that make the fixes
	rules   []string          // rules whose fixes must be applied
	smoke   string            // shell command that must pass in both images
	stop    string            // "fast": the fixed image's command must stop on SIGTERM
	corpus  string            // path under $DFIX_CORPUS, instead of a Dockerfile section
	replace [][2]string       // literal replacements in the corpus file
	files   map[string][]byte // Dockerfile and context files
}

func readBuildCases(t *testing.T) []*buildCase {
	t.Helper()
	paths, err := filepath.Glob("golden/build/*.txtar")
	if err != nil {
		t.Fatal(err)
	}
	var cases []*buildCase
	for _, p := range paths {
		c, err := parseBuildCase(p)
		if err != nil {
			t.Fatal(err)
		}
		cases = append(cases, c)
	}
	return cases
}

func parseBuildCase(path string) (*buildCase, error) {
	ar, err := txtar.ParseFile(path)
	if err != nil {
		return nil, err
	}
	c := &buildCase{name: strings.TrimSuffix(filepath.Base(path), ".txtar"), files: map[string][]byte{}}
	for i, line := range strings.Split(string(ar.Comment), "\n") {
		key, val, ok := strings.Cut(line, ":")
		val = strings.TrimSpace(val)
		if !ok {
			continue
		}
		switch key {
		case "flags":
			c.flags = strings.Fields(val)
		case "rules":
			c.rules = strings.Fields(val)
		case "smoke":
			c.smoke = val
		case "stop":
			c.stop = val
		case "corpus":
			c.corpus = val
		case "replace":
			old, repl, ok := strings.Cut(val, " => ")
			if !ok {
				return nil, fmt.Errorf("%s:%d: replace: wants OLD => NEW", path, i+1)
			}
			c.replace = append(c.replace, [2]string{old, repl})
		}
	}
	for _, f := range ar.Files {
		c.files[f.Name] = f.Data
	}
	switch {
	case len(c.rules) == 0:
		return nil, fmt.Errorf("%s: no rules: line (the fixes the case proves)", path)
	case c.smoke == "":
		return nil, fmt.Errorf("%s: no smoke: line", path)
	case c.corpus == "" && c.files["Dockerfile"] == nil:
		return nil, fmt.Errorf("%s: no Dockerfile section and no corpus: line", path)
	}
	return c, nil
}

// materialize writes the case's context into dir and returns its Dockerfile's path.
func (c *buildCase) materialize(t *testing.T, dir string) string {
	t.Helper()
	for name, data := range c.files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	df := filepath.Join(dir, "Dockerfile")
	if c.corpus != "" {
		root := corpusRoot(t)
		b, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(c.corpus)))
		if err != nil {
			t.Fatal(err)
		}
		text := string(b)
		for _, r := range c.replace {
			if !strings.Contains(text, r[0]) {
				t.Fatalf("%s: replace %q: not in %s", c.name, r[0], c.corpus)
			}
			text = strings.ReplaceAll(text, r[0], r[1])
		}
		if err := os.WriteFile(df, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return df
}

// corpusRoot is $DFIX_CORPUS, relative to the module root; corpus cases skip without it.
func corpusRoot(t *testing.T) string {
	t.Helper()
	root := os.Getenv("DFIX_CORPUS")
	if root == "" {
		t.Skip("DFIX_CORPUS is not set: the corpus-based build cases need ../shared/corpus")
	}
	if !filepath.IsAbs(root) {
		wd, _ := os.Getwd()
		root = filepath.Join(wd, root)
	}
	return root
}

// buildEnv skips unless DFIX_BUILD=1, and returns the network of the builds.
func buildEnv(t *testing.T) string {
	t.Helper()
	if os.Getenv("DFIX_BUILD") != "1" {
		t.Skip("DFIX_BUILD=1 runs the build suite against a Docker Engine (.ci/engine start && .ci/engine images)")
	}
	if n := os.Getenv("DFIX_BUILD_NETWORK"); n != "" {
		return n
	}
	return "host" // the engine of .ci/engine has no bridge
}

// verifyJSON runs `dfix verify` in-process and decodes its JSON report.
type verifyOutput struct {
	Files   []*verify.Report `json:"files"`
	Summary *verify.Summary  `json:"summary"`
}

func runVerify(t *testing.T, args ...string) (verifyOutput, int, string) {
	t.Helper()
	var stdout, stderr strings.Builder
	code := run(append([]string{"dfix", "verify", "--no-config", "--format", "json"}, args...), strings.NewReader(""), &stdout, &stderr)
	var out verifyOutput
	if err := json.Unmarshal([]byte(stdout.String()), &out); err != nil {
		t.Fatalf("dfix verify %s: exit %d, output is not JSON (%v):\n%s\nstderr:\n%s", strings.Join(args, " "), code, err, stdout.String(), stderr.String())
	}
	return out, code, stderr.String()
}

// suiteResults collects the reports of the cases for the README table.
type suiteResults struct {
	mu      sync.Mutex
	reports map[string]*verify.Report
	cases   map[string][]string // rule -> cases that prove it
}

func TestBuildSuite(t *testing.T) {
	network := buildEnv(t)
	cases := readBuildCases(t)
	if len(cases) < 30 {
		t.Errorf("%d build cases; the suite promises at least 30", len(cases))
	}
	results := &suiteResults{reports: map[string]*verify.Report{}, cases: map[string][]string{}}
	t.Run("case", func(t *testing.T) {
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				t.Parallel()
				df := c.materialize(t, t.TempDir())
				args := append([]string{}, c.flags...)
				args = append(args, "--network", network, "--build-arg", "BUILDKIT_SYNTAX=docker/dockerfile:1",
					"--smoke", c.smoke, "--stop-timeout", "5s", "--per-rule", "--jobs", "1", df)
				out, code, stderr := runVerify(t, args...)
				if len(out.Files) != 1 {
					t.Fatalf("dfix verify reported %d files, want 1 (exit %d)\nstderr: %s", len(out.Files), code, stderr)
				}
				rep := out.Files[0]
				var text strings.Builder
				verify.WriteText(&text, rep)
				for _, r := range c.rules {
					if !slices.Contains(rep.Rules, r) {
						t.Errorf("rule %s was not applied (applied: %v)", r, rep.Rules)
					}
				}
				if rep.Status != verify.Pass || code != exitClean {
					t.Errorf("exit %d, want a passing verification:\n%s", code, text.String())
				}
				if rep.Original == nil || rep.Original.Smoke == nil || !rep.Original.Smoke.OK {
					t.Errorf("the smoke command does not pass in the original image:\n%s", text.String())
				}
				if rep.Fixed == nil || rep.Fixed.Smoke == nil || !rep.Fixed.Smoke.OK {
					t.Errorf("the smoke command does not pass in the fixed image:\n%s", text.String())
				}
				if c.stop == "fast" {
					s := rep.Fixed.Stop
					if s == nil || !s.Running || s.Killed {
						t.Errorf("the fixed image's command does not keep running and stop on SIGTERM:\n%s", text.String())
					}
				}
				t.Log("\n" + text.String())
				results.mu.Lock()
				results.reports[c.name] = rep
				for _, r := range c.rules {
					results.cases[r] = append(results.cases[r], c.name)
				}
				results.mu.Unlock()
			})
		}
	})
	if t.Failed() || len(results.reports) != len(cases) {
		return // a failed or partial run (-run on some cases) says nothing of the table
	}
	table := buildTable(results)
	t.Log("\n" + table)
	checkREADMEBuildTable(t, table, results)
}

// buildTable is the README's table: per rule, its cases, builds passed before and
// after, median and total size saved (attributed per rule by --per-rule).
func buildTable(res *suiteResults) string {
	rules := make([]string, 0, len(res.cases))
	for r := range res.cases {
		rules = append(rules, r)
	}
	sort.Strings(rules)
	var b strings.Builder
	b.WriteString("| Rule | Cases | Original builds | Fixed builds | Median saved | Total saved |\n")
	b.WriteString("|---|--:|--:|--:|--:|--:|\n")
	for _, r := range rules {
		var saved []int64
		before, after := 0, 0
		for _, name := range res.cases[r] {
			rep := res.reports[name]
			if rep.Original != nil && rep.Original.OK {
				before++
			}
			if rep.Fixed != nil && rep.Fixed.OK {
				after++
			}
			s, ok := ruleSaving(rep, r)
			if ok {
				saved = append(saved, s)
			}
		}
		median, total := "-", "-"
		if len(saved) > 0 {
			slices.Sort(saved)
			var sum int64
			for _, s := range saved {
				sum += s
			}
			median, total = verify.Bytes(saved[len(saved)/2]), verify.Bytes(sum)
		}
		n := len(res.cases[r])
		fmt.Fprintf(&b, "| `%s` | %d | %d/%d | %d/%d | %s | %s |\n", r, n, before, n, after, n, median, total)
	}
	return b.String()
}

// ruleSaving is the bytes a rule saved in one report: all of it when the rule alone
// changed the file, else its --per-rule measure.
func ruleSaving(rep *verify.Report, rule string) (int64, bool) {
	if len(rep.Rules) == 1 && rep.Rules[0] == rule {
		return rep.Saved(), true
	}
	for _, p := range rep.PerRule {
		if p.Rule == rule && p.OK {
			return p.Saved, true
		}
	}
	return 0, false
}

// checkREADMEBuildTable compares the README's table with this run: the rules and their
// case counts must match (sizes move a little from run to run, as the Debian archive
// does); -update writes this run's table.
func checkREADMEBuildTable(t *testing.T, table string, res *suiteResults) {
	t.Helper()
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	startMark, endMark := "<!-- build-table:start", "<!-- build-table:end -->"
	i, j := strings.Index(readme, startMark), strings.Index(readme, endMark)
	if i < 0 || j < i {
		t.Fatalf("README.md has no %s ... %s markers", startMark, endMark)
	}
	i += strings.Index(readme[i:], "\n") + 1
	if *updateScripts {
		if err := os.WriteFile("README.md", []byte(readme[:i]+table+readme[j:]), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	counts := func(tbl string) []string {
		var out []string
		for _, l := range strings.Split(tbl, "\n") {
			cells := strings.Split(l, "|")
			if len(cells) > 4 && strings.HasPrefix(strings.TrimSpace(cells[1]), "`") {
				out = append(out, strings.TrimSpace(cells[1])+" "+strings.TrimSpace(cells[2])+" "+strings.TrimSpace(cells[3])+" "+strings.TrimSpace(cells[4]))
			}
		}
		return out
	}
	if got, want := counts(readme[i:j]), counts(table); !slices.Equal(got, want) {
		t.Errorf("the README's build table is out of date (run DFIX_BUILD=1 go test . -run TestBuildSuite -update):\nREADME: %q\nthis run: %q", got, want)
	}
}

// TestBuildCasesParse keeps the cases well formed without an engine: every case names
// its rules and smoke command, and dfix applies those rules to it.
func TestBuildCasesParse(t *testing.T) {
	for _, c := range readBuildCases(t) {
		t.Run(c.name+" applies its rules", func(t *testing.T) {
			if c.corpus != "" && os.Getenv("DFIX_CORPUS") == "" {
				t.Skip("DFIX_CORPUS is not set")
			}
			dir := t.TempDir()
			df := c.materialize(t, dir)
			var stdout, stderr strings.Builder
			// --build-arg is for the builds only: dfix -w takes it with --verify alone.
			var flags []string
			for i := 0; i < len(c.flags); i++ {
				switch {
				case c.flags[i] == "--build-arg":
					i++
				case strings.HasPrefix(c.flags[i], "--build-arg="):
				default:
					flags = append(flags, c.flags[i])
				}
			}
			args := append(append([]string{"dfix", "--no-config", "--format", "json", "-w"}, flags...), df)
			code := run(args, strings.NewReader(""), &stdout, &stderr)
			if code == exitError {
				t.Fatalf("exit %d: %s", code, stderr.String())
			}
			var recs []struct {
				Rule  string `json:"rule"`
				Fixed bool   `json:"fixed"`
			}
			if err := json.Unmarshal([]byte(stdout.String()), &recs); err != nil {
				t.Fatal(err)
			}
			applied := map[string]bool{}
			for _, r := range recs {
				if r.Fixed {
					applied[r.Rule] = true
				}
			}
			for _, r := range c.rules {
				if !applied[r] {
					t.Errorf("rule %s is not applied by dfix -w %s", r, strings.Join(flags, " "))
				}
			}
		})
	}
}

// listenPort finds the ports a case's containers may listen on: the cases run in
// parallel on the host network, so two cases on one port fail at random.
var listenPort = regexp.MustCompile(`(?:\s-p\s+(?:[0-9.]+:)?|--port[ =]|PORT=|PORT:-|listen\s+|EXPOSE\s+|(?:127\.0\.0\.1|localhost|0\.0\.0\.0):)([0-9]{4,5})\b`)

// TestBuildCasesListenOnPortsOfTheirOwn keeps every port a case names out of every
// other case (a smoke command that found its port taken failed CI once).
func TestBuildCasesListenOnPortsOfTheirOwn(t *testing.T) {
	owner := map[string]string{}
	for _, c := range readBuildCases(t) {
		var text strings.Builder
		text.WriteString(c.smoke + "\n")
		for _, name := range slices.Sorted(maps.Keys(c.files)) {
			text.Write(c.files[name])
			text.WriteString("\n")
		}
		if c.corpus != "" && os.Getenv("DFIX_CORPUS") != "" {
			b, err := os.ReadFile(filepath.Join(corpusRoot(t), filepath.FromSlash(c.corpus)))
			if err != nil {
				t.Fatal(err)
			}
			text.Write(b)
		}
		seen := map[string]bool{}
		for _, m := range listenPort.FindAllStringSubmatch(text.String(), -1) {
			port := m[1]
			if seen[port] {
				continue
			}
			seen[port] = true
			if other, ok := owner[port]; ok {
				t.Errorf("port %s is named by both %s and %s; give one of them a free port", port, other, c.name)
				continue
			}
			owner[port] = c.name
		}
	}
	if len(owner) == 0 {
		t.Error("no port found in any case: the pattern no longer matches how the cases listen")
	}
}
