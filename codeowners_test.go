package main

import (
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
