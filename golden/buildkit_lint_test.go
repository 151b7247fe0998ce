package golden

import (
	"fmt"
	"path/filepath"
	"sort"
	"testing"

	"github.com/dfix-dev/dfix/fix"
)

type buildkitLintCase struct {
	Source      string `json:"source"`
	Func        string `json:"func"`
	Line        int    `json:"line"`
	Dockerfile  *string
	OtherParams map[string]any `json:"other_params"`
	Warnings    []struct {
		RuleName string
		Line     int
	} `json:"warnings"`
}

// TestBuildKitLintCases uses BuildKit's own lint expectations
// (../shared/suites/buildkit/lint_cases.jsonl, from dockerfile_check_test.go) as an
// oracle for every BuildKit check a dfix rule declares: dfix flags exactly the lines
// BuildKit warns about, and once fixed BuildKit's check no longer applies (dfix finds
// nothing more to fix). Deliberate differences are listed in
// testdata/buildkit-lint.txt (`<func>:<line> <CheckName><tab>reason`).
func TestBuildKitLintCases(t *testing.T) {
	cases := readJSONL[buildkitLintCase](t, filepath.Join(suitesDir(t), "buildkit", "lint_cases.jsonl"))
	covered := map[string]*fix.Rule{}
	for _, r := range fix.Rules() {
		for _, b := range r.BuildKit {
			covered[b] = r
		}
	}
	ex := parseExceptionFile(t, filepath.Join("testdata", "buildkit-lint.txt"))
	used := map[string]bool{}
	checked := 0
	for _, c := range cases {
		if c.Dockerfile == nil {
			continue // built with fmt.Sprintf in BuildKit's test: no literal text
		}
		if c.OtherParams["FrontendAttrs"] != nil || c.OtherParams["UnmarshalWarnings"] != nil {
			continue // check settings passed at build time, or warnings in another form
		}
		src := []byte(*c.Dockerfile)
		for _, check := range sortedKeys(covered) {
			r := covered[check]
			want := []int{}
			for _, w := range c.Warnings {
				if w.RuleName == check {
					want = append(want, w.Line)
				}
			}
			res, err := fix.Run("Dockerfile", src, fix.Options{Rules: []*fix.Rule{r}, UnsafeFixes: true})
			got := []int{}
			if err == nil {
				seen := map[int]bool{}
				for _, d := range res.Findings {
					if l := res.Doc.LineOf(d.Start); !seen[l] {
						seen[l] = true
						got = append(got, l)
					}
				}
			}
			sort.Ints(want)
			sort.Ints(got)
			checked++
			key := fmt.Sprintf("%s:%d %s", c.Func, c.Line, check)
			if fmt.Sprint(want) != fmt.Sprint(got) {
				if _, ok := ex[key]; ok {
					used[key] = true
					continue
				}
				t.Errorf("%s: BuildKit warns on lines %v, dfix's %s flags %v (err %v)\n%s", key, want, r.Name, got, err, src)
				continue
			}
			if err == nil && res.Changed() {
				again, err := fix.Run("Dockerfile", res.Output, fix.Options{Rules: []*fix.Rule{r}, UnsafeFixes: true})
				if err != nil || again.Changed() {
					t.Errorf("%s: fixing did not settle: %v", key, err)
				}
			}
		}
	}
	for key := range ex {
		if !used[key] {
			t.Errorf("testdata/buildkit-lint.txt lists %q, but dfix now agrees with BuildKit: remove it", key)
		}
	}
	t.Logf("%d BuildKit lint expectations checked for %d checks", checked, len(covered))
}
