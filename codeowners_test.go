package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The examples of GitHub's CODEOWNERS documentation, and GitLab's sections.
const exampleCodeOwners = `# This is a comment.
*       @global-owner1 @global-owner2
*.js    @js-owner #This is an inline comment.
*.go docs@example.com
/build/logs/ @doctocat
docs/* docs@example.com
apps/ @octocat
/docs/ @doctocat
/scripts/ @doctocat @octocat
**/logs @octocat
/apps/ @octocat
/apps/github
[GitLab Section] @section-owner
/gitlab/ @gitlab-team
`

func TestCodeOwners(t *testing.T) {
	root := t.TempDir()
	for name, content := range map[string]string{
		".git/HEAD":          "",
		".github/CODEOWNERS": exampleCodeOwners,
		"CODEOWNERS":         "* @not-this-one\n", // .github/ comes first
	} {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	co := &codeOwners{}
	for _, tc := range []struct{ path, want string }{
		{"Dockerfile", "@global-owner1 @global-owner2"},
		{"web/app.js", "@js-owner"},
		{"main.go", "docs@example.com"},
		{"build/logs/Dockerfile", "@octocat"},                         // **/logs comes later
		{"docs/Dockerfile", "@doctocat"},                              // /docs/ comes after docs/*
		{"x/docs/Dockerfile", "@global-owner1 @global-owner2"},        // docs/* has a slash: anchored
		{"x/docs/deeper/Dockerfile", "@global-owner1 @global-owner2"}, // docs/* is not recursive
		{"nested/apps/Dockerfile", "@octocat"},
		{"scripts/ci/Dockerfile", "@doctocat @octocat"},
		{"deeply/nested/logs/Dockerfile", "@octocat"},
		{"apps/Dockerfile", "@octocat"},
		{"apps/github/Dockerfile", ""}, // no owner
		{"gitlab/Dockerfile", "@gitlab-team"},
	} {
		owners, known := co.ownersOf(filepath.Join(root, filepath.FromSlash(tc.path)))
		if !known || strings.Join(owners, " ") != tc.want {
			t.Errorf("%s: owners %q (known %v), want %q", tc.path, owners, known, tc.want)
		}
	}
	// Outside a repository, or in one without CODEOWNERS: not known.
	other := t.TempDir()
	if err := os.Mkdir(filepath.Join(other, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	if owners, known := co.ownersOf(filepath.Join(other, "Dockerfile")); known || owners != nil {
		t.Errorf("no CODEOWNERS: %q %v", owners, known)
	}
}

// A trailing "/" makes a pattern a folder's, and a folder's owners own everything in it,
// however deep: only a pattern ending in "/*" itself (docs/*) is for the files right in
// the folder.
func TestCodeOwnersFolderPatterns(t *testing.T) {
	for _, tc := range []struct {
		name, codeowners, path, want string
	}{
		{"a folder pattern with a wildcard owns the files in the folders it matches", "* @all\n/apps/*/ @apps\n", "apps/web/Dockerfile", "@apps"},
		{"a folder pattern with a wildcard owns the files deeper down too", "* @all\n/apps/*/ @apps\n", "apps/web/x/Dockerfile", "@apps"},
		{"a folder pattern with a wildcard does not own the files beside the folders", "* @all\n/apps/*/ @apps\n", "apps/Dockerfile", "@all"},
		{"a pattern ending in /* owns the files right in the folder", "* @all\ndocs/* @docs\n", "docs/Dockerfile", "@docs"},
		{"a pattern ending in /* does not own the files of a subfolder", "* @all\ndocs/* @docs\n", "docs/x/Dockerfile", "@all"},
		{"*/ owns the files in any folder", "* @all\n*/ @sub\n", "a/Dockerfile", "@sub"},
		{"*/ does not own the files at the root", "* @all\n*/ @sub\n", "Dockerfile", "@all"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			writeFiles(t, root, map[string]string{".git/HEAD": "", "CODEOWNERS": tc.codeowners})
			owners, known := (&codeOwners{}).ownersOf(filepath.Join(root, filepath.FromSlash(tc.path)))
			if !known || strings.Join(owners, " ") != tc.want {
				t.Errorf("%s: owners %q (known %v), want %q", tc.path, owners, known, tc.want)
			}
		})
	}
}

// In a repository with a CODEOWNERS file every JSON record has an owners list, empty
// for a file no line owns; without one, records have none.
func TestJSONRecordOwners(t *testing.T) {
	const src = "FROM alpine\nCMD echo hi\n"
	for _, tc := range []struct {
		name       string
		codeowners string // "": no CODEOWNERS file
		want       string // the owners of svc/Dockerfile as JSON, "absent" for none
	}{
		{"an owned file lists its owners", "/svc/ @svc\n", `["@svc"]`},
		{"a file no line owns has an empty list", "/web/ @web\n", `[]`},
		{"a file in a repository without CODEOWNERS has no owners key", "", "absent"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			files := map[string]string{".git/HEAD": "", "svc/Dockerfile": src}
			if tc.codeowners != "" {
				files["CODEOWNERS"] = tc.codeowners
			}
			writeFiles(t, root, files)
			t.Chdir(root)
			code, out, errOut := runDfix("--no-config", "--format", "json", "svc/Dockerfile")
			if code != exitFindings {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			var recs []map[string]json.RawMessage
			if err := json.Unmarshal([]byte(out), &recs); err != nil || len(recs) != 1 {
				t.Fatalf("%v: %s", err, out)
			}
			got := "absent"
			if o, ok := recs[0]["owners"]; ok {
				got = string(o)
				got = strings.Join(strings.Fields(got), "")
			}
			if got != tc.want {
				t.Errorf("owners %s, want %s", got, tc.want)
			}
		})
	}
}
