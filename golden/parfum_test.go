package golden

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dfix-dev/dfix/fix"
)

// parfumRules maps PARFUM's smell names (Durieux, "Detection and Automatic Repair of
// Dockerfile Smells") to the dfix rule that finds the same smell.
var parfumRules = map[string]string{
	"aptGetInstallUseNoRec":           "no-install-recommends",
	"aptGetInstallThenRemoveAptLists": "apt-lists-cleanup",
	"aptGetUpdatePrecedesInstall":     "apt-update-install",
	"aptGetInstallUseY":               "apt-get-yes",
	"apkAddUseNoCache":                "apk-no-cache",
	"pipUseNoCacheDir":                "pip-no-cache-dir",
	"npmCacheCleanAfterInstall":       "npm-cache-clean",
	"yumInstallRmVarCacheYum":         "yum-clean",
	"yumInstallForceYes":              "yum-yes",
}

type parfumTest struct {
	Source string       `json:"source"`
	Line   int          `json:"line"`
	Test   string       `json:"test"`
	Steps  []parfumStep `json:"steps"`
}

type parfumStep struct {
	Op   string `json:"op"`
	Kind string `json:"kind"`
	Text string `json:"text"`
	File string `json:"file"`
	Rule string `json:"rule"`
	N    *int   `json:"n"`
}

// TestPARFUMSmellCases runs PARFUM's own detection cases
// (../shared/suites/parfum/rule_tests.jsonl) for the smells a dfix rule covers: where
// PARFUM counts no violation dfix must find nothing, where it counts some dfix must
// find the smell too. Deliberate differences are listed in testdata/parfum.txt
// (`<source>:<line><tab>reason`).
func TestPARFUMSmellCases(t *testing.T) {
	dir := filepath.Join(suitesDir(t), "parfum")
	tests := readJSONL[parfumTest](t, filepath.Join(dir, "rule_tests.jsonl"))
	ex := parseExceptionFile(t, filepath.Join("testdata", "parfum.txt"))
	used := map[string]bool{}
	all := fix.Rules()
	checked := 0
	for _, pt := range tests {
		var src string
		for _, st := range pt.Steps {
			switch st.Op {
			case "parse":
				src = st.Text
				if st.Kind == "shell" {
					src = "RUN " + src
				}
				if !strings.HasPrefix(strings.ToUpper(strings.TrimSpace(src)), "FROM") {
					src = "FROM debian\n" + src
				}
			case "parse_file":
				b, err := os.ReadFile(filepath.Join(dir, st.File))
				if err != nil {
					t.Fatal(err)
				}
				src = string(b)
			case "expect_count":
				name, ok := parfumRules[st.Rule]
				r := fix.Lookup(all, name)
				if !ok || r == nil || st.N == nil || src == "" {
					continue
				}
				checked++
				key := fmt.Sprintf("%s:%d", pt.Source, pt.Line)
				res, err := fix.Run("Dockerfile", []byte(src+"\n"), fix.Options{Rules: []*fix.Rule{r}, NoFix: true})
				got := 0
				if err == nil {
					got = len(res.Findings)
				}
				if (got > 0) == (*st.N > 0) {
					continue
				}
				if _, ok := ex[key]; ok {
					used[key] = true
					continue
				}
				t.Errorf("%s %q: PARFUM counts %d %s, dfix's %s finds %d (err %v) in:\n%s", key, pt.Test, *st.N, st.Rule, name, got, err, src)
			}
		}
	}
	for key := range ex {
		if !used[key] {
			t.Errorf("testdata/parfum.txt lists %s, but dfix now agrees with PARFUM: remove it", key)
		}
	}
	t.Logf("%d PARFUM detection assertions checked", checked)
}
