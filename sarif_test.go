package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeFiles writes files (slash-separated names relative to root) under root.
func writeFiles(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// sarifResults decodes a SARIF log's results: rule id and artifact URI.
func sarifResults(t *testing.T, log string) [][2]string {
	t.Helper()
	var v struct {
		Runs []struct {
			Results []struct {
				RuleID    string `json:"ruleId"`
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct {
							URI string `json:"uri"`
						} `json:"artifactLocation"`
					} `json:"physicalLocation"`
				} `json:"locations"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal([]byte(log), &v); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, log)
	}
	var out [][2]string
	for _, r := range v.Runs[0].Results {
		out = append(out, [2]string{r.RuleID, r.Locations[0].PhysicalLocation.ArtifactLocation.URI})
	}
	return out
}

// With -w --add-ignore, the findings the new comments turn off are gone from the file:
// the machine-readable formats for CI must not report them as warnings (JSON lists them,
// marked "ignored").
func TestAddIgnoreFindingsAreNotAnnotated(t *testing.T) {
	const src = "FROM alpine\nRUN cd /x && make\nUSER root\n"
	for _, tc := range []struct {
		name   string
		format string
		check  func(t *testing.T, out string)
	}{
		{"GitHub annotations leave out the findings the comments suppress", "github", func(t *testing.T, out string) {
			if out != "" {
				t.Errorf("annotations for suppressed findings:\n%s", out)
			}
		}},
		{"SARIF has no result for the findings the comments suppress", "sarif", func(t *testing.T, out string) {
			if res := sarifResults(t, out); len(res) != 0 {
				t.Errorf("results for suppressed findings: %v", res)
			}
		}},
		{"JSON still lists them, marked ignored", "json", func(t *testing.T, out string) {
			if n := strings.Count(out, `"ignored": true`); n != 2 {
				t.Errorf("%d records marked ignored, want 2:\n%s", n, out)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFiles(t, dir, map[string]string{"Dockerfile": src})
			t.Chdir(dir)
			code, out, errOut := runDfix("--no-config", "-w", "--add-ignore", "--format", tc.format, "Dockerfile")
			if code != exitClean {
				t.Fatalf("exit %d, want 0: %s", code, errOut)
			}
			tc.check(t, out)
		})
	}
}
