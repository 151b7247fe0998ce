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

// Code scanning and the Actions runner read a file's path relative to the repository
// root, whatever folder dfix runs in; a SARIF uri is a URI reference (RFC 3986), so a
// space, '#' or '%' in a name is percent-encoded.
func TestPathsAreRelativeToTheRepositoryRoot(t *testing.T) {
	const src = "FROM alpine\nCMD echo hi\n"
	root := t.TempDir()
	writeFiles(t, root, map[string]string{
		".git/HEAD":                 "",
		"Dockerfile":                src,
		"svc a/Dockerfile":          src,
		"svc a/#1 100%.dockerfile":  src,
		"c:odd/Dockerfile":          src,
		"svc a/deeper/x.dockerfile": src,
	})
	outside := t.TempDir() // no repository
	writeFiles(t, outside, map[string]string{"my app/Dockerfile": src})
	for _, tc := range []struct {
		name   string
		dir    string // where dfix runs
		args   []string
		sarif  []string // the uris, in order
		github []string // the file= properties, in order
	}{
		{"at the root, the paths are as given", root, []string{"Dockerfile"},
			[]string{"Dockerfile"}, []string{"Dockerfile"}},
		{"in a subfolder, the paths are from the root, not from the subfolder", filepath.Join(root, "svc a"), []string{"."},
			[]string{"svc%20a/%231%20100%25.dockerfile", "svc%20a/Dockerfile", "svc%20a/deeper/x.dockerfile"},
			[]string{"svc a/#1 100%25.dockerfile", "svc a/Dockerfile", "svc a/deeper/x.dockerfile"}},
		{"an absolute path inside the repository is made relative to its root", t.TempDir(), []string{filepath.Join(root, "svc a", "Dockerfile")},
			[]string{"svc%20a/Dockerfile"}, []string{"svc a/Dockerfile"}},
		{"a colon in the first folder does not read as a URI scheme", root, []string{"c:odd/Dockerfile"},
			[]string{"c%3Aodd/Dockerfile"}, []string{"c%3Aodd/Dockerfile"}},
		{"an absolute path outside a repository is a file URI", t.TempDir(), []string{filepath.Join(outside, "my app", "Dockerfile")},
			[]string{"file://" + filepath.ToSlash(outside) + "/my%20app/Dockerfile"}, []string{filepath.ToSlash(outside) + "/my app/Dockerfile"}},
		{"a relative path outside a repository stays relative", outside, []string{"my app"},
			[]string{"my%20app/Dockerfile"}, []string{"my app/Dockerfile"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Chdir(tc.dir)
			args := append([]string{"--no-config", "--select", "exec-form", "--format", "sarif"}, tc.args...)
			code, out, errOut := runDfix(args...)
			if code != exitFindings {
				t.Fatalf("sarif: exit %d, want 1: %s", code, errOut)
			}
			var uris []string
			for _, r := range sarifResults(t, out) {
				uris = append(uris, r[1])
			}
			if strings.Join(uris, "\n") != strings.Join(tc.sarif, "\n") {
				t.Errorf("sarif uris %q, want %q", uris, tc.sarif)
			}
			args[len(tc.args)+3] = "github"
			code, out, errOut = runDfix(args...)
			if code != exitFindings {
				t.Fatalf("github: exit %d, want 1: %s", code, errOut)
			}
			var files []string
			for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
				f, _, _ := strings.Cut(strings.TrimPrefix(l, "::warning file="), ",line=")
				files = append(files, f)
			}
			if strings.Join(files, "\n") != strings.Join(tc.github, "\n") {
				t.Errorf("annotation files %q, want %q", files, tc.github)
			}
		})
	}
}
