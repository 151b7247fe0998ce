package golden

// hadolint as an oracle, for every hadolint code a dfix rule declares:
//
//   - TestHadolintRuleCases runs hadolint's own rule cases
//     (../shared/suites/hadolint/hadolint_rule_cases.jsonl): a snippet hadolint flags must
//     be flagged by dfix (and, when dfix can fix it, no longer flagged once fixed); a
//     snippet hadolint passes must not be flagged.
//   - TestHadolintOnCorpus compares dfix's findings on ../shared/corpus with what hadolint
//     2.12 found there (../shared/suites/hadolint-on-corpus.jsonl), by file and
//     instruction start line: recall must be at least 95% per code, counted over the
//     findings dfix does not deliberately reject (a miss listed with its reason — a
//     cache mount, an ONBUILD trigger, a Windows image — is a decision, not a miss).
//     The raw recall over all of hadolint's findings is printed beside it.
//
// Where dfix deliberately differs, the difference is listed with its reason in
// testdata/hadolint/<CODE>.txt, one per line, tab between the key and the reason:
//
//	case <source>:<line>	reason          (a hadolint rule case dfix answers differently)
//	corpus-miss <file>:<line>	reason      (hadolint flags it, dfix does not)
//	corpus-extra <file>:<line>	reason     (dfix flags it, hadolint does not)
//
// Lines starting with # are comments. An unlisted difference fails the test, and so
// does a listed one that no longer happens, so the lists stay true.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/dfix-dev/dfix/fix"
)

type hadolintCase struct {
	Source     string `json:"source"`
	Line       int    `json:"line"`
	It         string `json:"it"`
	Rule       string `json:"rule"`
	Expect     string `json:"expect"`
	Onbuild    bool   `json:"onbuild"`
	Config     string `json:"config"`
	Dockerfile string `json:"dockerfile"`
}

type hadolintFinding struct {
	File string `json:"file"`
	Line int    `json:"line"`
	Code string `json:"code"`
}

// exceptions are the deliberate differences of one code, by key.
type exceptions map[string]string

func loadExceptions(t *testing.T, code string) exceptions {
	t.Helper()
	return parseExceptionFile(t, filepath.Join("testdata", "hadolint", code+".txt"))
}

// coveredCodes maps every hadolint code a dfix rule declares to that rule.
func coveredCodes() map[string]*fix.Rule {
	out := map[string]*fix.Rule{}
	for _, r := range fix.Rules() {
		for _, c := range r.Hadolint {
			out[c] = r
		}
	}
	return out
}

func readJSONL[T any](t *testing.T, path string) []T {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []T
	for _, line := range bytes.Split(b, []byte("\n")) {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var v T
		if err := json.Unmarshal(line, &v); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		out = append(out, v)
	}
	return out
}

// flaggedLines returns the start lines of the instructions a rule flags in src.
func flaggedLines(name string, src []byte, r *fix.Rule) (map[int]bool, *fix.Result, error) {
	res, err := fix.Run(name, src, fix.Options{Rules: []*fix.Rule{r}, UnsafeFixes: true, NoFix: true})
	if err != nil {
		return nil, nil, err
	}
	lines := map[int]bool{}
	for _, d := range res.Findings {
		lines[instructionLine(res, d)] = true
	}
	return lines, res, nil
}

func instructionLine(res *fix.Result, d fix.Diagnostic) int {
	for _, in := range res.Doc.Instructions {
		if d.Start >= in.Start && d.Start < in.End {
			return in.StartLine
		}
	}
	return res.Doc.LineOf(d.Start)
}

func TestHadolintRuleCases(t *testing.T) {
	cases := readJSONL[hadolintCase](t, filepath.Join(suitesDir(t), "hadolint", "hadolint_rule_cases.jsonl"))
	covered := coveredCodes()
	byCode := map[string][]hadolintCase{}
	for _, c := range cases {
		// ONBUILD triggers are left alone by dfix (they run in another build), and
		// non-default hadolint configurations have no dfix equivalent.
		if covered[c.Rule] != nil && !c.Onbuild && c.Config == "def" {
			byCode[c.Rule] = append(byCode[c.Rule], c)
		}
	}
	for _, code := range sortedKeys(covered) {
		r := covered[code]
		t.Run(code, func(t *testing.T) {
			ex := loadExceptions(t, code)
			used := map[string]bool{}
			for _, c := range byCode[code] {
				key := fmt.Sprintf("case %s:%d", c.Source, c.Line)
				src := []byte(c.Dockerfile + "\n")
				lines, res, err := flaggedLines("Dockerfile", src, r)
				flagged := err == nil && len(lines) > 0
				want := c.Expect == "catches"
				if flagged != want {
					if _, ok := ex[key]; ok {
						used[key] = true
						continue
					}
					t.Errorf("%s (%s): hadolint says %s, dfix flagged=%v (err %v)\n%s", key, c.It, c.Expect, flagged, err, c.Dockerfile)
					continue
				}
				if !flagged {
					continue
				}
				// Fixed, then no longer flagged.
				fixed, err := fix.Run("Dockerfile", src, fix.Options{Rules: []*fix.Rule{r}, UnsafeFixes: true})
				if err != nil {
					t.Errorf("%s: %v", key, err)
					continue
				}
				fixable := false
				for _, d := range res.Findings {
					fixable = fixable || d.Fixable(true)
				}
				if fixable && len(fixed.Remaining) > 0 && fixed.Changed() {
					still := false
					for _, d := range fixed.Remaining {
						still = still || d.Fixable(true)
					}
					if still {
						t.Errorf("%s (%s): still flagged after the fix:\n%s", key, c.It, fixed.Output)
					}
				}
			}
			for key := range ex {
				if strings.HasPrefix(key, "case ") && !used[key] {
					t.Errorf("testdata/hadolint/%s.txt lists %q, but dfix now agrees with hadolint: remove it", code, key)
				}
			}
		})
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// hadolintOnCorpus reads what hadolint 2.12 found on the corpus, and the files it could
// not parse (DL1000): it reports nothing else there, so they are left out.
func hadolintOnCorpus(t *testing.T) (findings []hadolintFinding, unparsed map[string]bool) {
	t.Helper()
	findings = readJSONL[hadolintFinding](t, filepath.Join(suitesDir(t), "hadolint-on-corpus.jsonl"))
	unparsed = map[string]bool{}
	for _, f := range findings {
		if f.Code == "DL1000" {
			unparsed[f.File] = true
		}
	}
	return findings, unparsed
}

func TestHadolintOnCorpus(t *testing.T) {
	corpus := os.Getenv("DFIX_CORPUS")
	if corpus == "" {
		t.Skip("DFIX_CORPUS is not set: skipping the comparison with hadolint on the corpus")
	}
	corpus = fromModuleRoot(t, corpus)
	findings, unparsed := hadolintOnCorpus(t)
	covered := coveredCodes()
	hado := map[string]map[string]bool{} // code -> "file:line"
	for _, f := range findings {
		if covered[f.Code] != nil && !unparsed[f.File] {
			if hado[f.Code] == nil {
				hado[f.Code] = map[string]bool{}
			}
			hado[f.Code][fmt.Sprintf("%s:%d", f.File, f.Line)] = true
		}
	}
	files := corpusFiles(t, corpus)
	ours := dfixOnCorpus(t, corpus, files, covered, unparsed)

	var report strings.Builder
	fmt.Fprintf(&report, "%-8s %-24s %8s %8s %8s %8s %8s %7s %7s\n", "code", "rule", "hadolint", "dfix", "both", "missed", "extra", "raw", "recall")
	for _, code := range sortedKeys(covered) {
		r := covered[code]
		ex := loadExceptions(t, code)
		h, d := hado[code], ours[code]
		both, missListed, extraListed := 0, 0, 0
		used := map[string]bool{}
		for k := range h {
			if d[k] {
				both++
				continue
			}
			key := "corpus-miss " + k
			if _, ok := ex[key]; ok {
				used[key] = true
				missListed++
				continue
			}
			t.Errorf("%s (%s): hadolint flags %s, dfix does not (list it in testdata/hadolint/%s.txt with the reason if deliberate)", code, r.Name, k, code)
		}
		for k := range d {
			if h[k] {
				continue
			}
			key := "corpus-extra " + k
			if _, ok := ex[key]; ok {
				used[key] = true
				extraListed++
				continue
			}
			t.Errorf("%s (%s): dfix flags %s, hadolint does not (list it in testdata/hadolint/%s.txt with the reason if right)", code, r.Name, k, code)
		}
		for key := range ex {
			if strings.HasPrefix(key, "corpus-") && !used[key] {
				t.Errorf("testdata/hadolint/%s.txt lists %q, which no longer happens: remove it", code, key)
			}
		}
		raw, recall := 1.0, 1.0
		if len(h) > 0 {
			raw = float64(both) / float64(len(h))
		}
		if n := len(h) - missListed; n > 0 {
			recall = float64(both) / float64(n)
		}
		fmt.Fprintf(&report, "%-8s %-24s %8d %8d %8d %8d %8d %6.1f%% %6.1f%%\n", code, r.Name, len(h), len(d), both, missListed, extraListed, 100*raw, 100*recall)
		if recall < 0.95 {
			t.Errorf("%s (%s): recall %.1f%% against hadolint on the corpus (deliberate misses aside), want at least 95%%", code, r.Name, 100*recall)
		}
	}
	t.Logf("dfix vs hadolint 2.12 on %d corpus files:\n%s", len(files), report.String())
}

// corpusFiles lists every file of the corpus, relative to it, as hadolint saw them.
func corpusFiles(t *testing.T, corpus string) []string {
	t.Helper()
	var files []string
	err := filepath.Walk(corpus, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if info.Mode().IsRegular() && !strings.HasSuffix(p, ".md") {
			rel, _ := filepath.Rel(corpus, p)
			files = append(files, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// dfixOnCorpus runs every covered rule over the corpus files and returns code ->
// "file:line" of the flagged instructions.
func dfixOnCorpus(t *testing.T, corpus string, files []string, covered map[string]*fix.Rule, skip map[string]bool) map[string]map[string]bool {
	var rules []*fix.Rule
	seen := map[*fix.Rule]bool{}
	for _, r := range covered {
		if !seen[r] {
			seen[r] = true
			rules = append(rules, r)
		}
	}
	out := map[string]map[string]bool{}
	var mu sync.Mutex
	work := make(chan string)
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for rel := range work {
				src, err := os.ReadFile(filepath.Join(corpus, rel))
				if err != nil {
					continue
				}
				res, err := fix.Run(rel, src, fix.Options{Rules: rules, NoFix: true})
				if err != nil {
					continue
				}
				mu.Lock()
				for _, d := range res.Findings {
					for _, code := range d.Rule.Hadolint {
						if out[code] == nil {
							out[code] = map[string]bool{}
						}
						out[code][fmt.Sprintf("%s:%d", rel, instructionLine(res, d))] = true
					}
				}
				mu.Unlock()
			}
		}()
	}
	for _, f := range files {
		if !skip[f] {
			work <- f
		}
	}
	close(work)
	wg.Wait()
	return out
}
