package main

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
)

func TestIgnorePatterns(t *testing.T) {
	for _, tc := range []struct {
		pattern string
		path    string
		dir     bool
		want    bool
	}{
		{"build/", "build", true, true},
		{"build/", "build", false, false}, // folders only
		{"build/", "build/docker", true, false},
		{"build/", "src/build", true, true}, // no slash but the last: any depth
		{"build", "a/b/build", false, true},
		{"/build", "build", true, true},
		{"/build", "a/build", true, false}, // anchored
		{"docs/*.md", "docs/a.md", false, true},
		{"docs/*.md", "docs/x/a.md", false, false}, // * does not cross /
		{"**/logs", "logs", true, true},
		{"**/logs", "a/b/logs", true, true},
		{"a/**/b", "a/b", true, true},
		{"a/**/b", "a/x/y/b", true, true},
		{"abc/**", "abc", true, false}, // what is inside, not the folder
		{"abc/**", "abc/x", false, true},
		{"abc/**", "abc/x/y", false, true},
		{"*.dockerfile", "x/app.dockerfile", false, true},
		{"Dockerfile.?", "Dockerfile.a", false, true},
		{"Dockerfile.[!a]", "Dockerfile.a", false, false},
		{"Dockerfile.[!a]", "Dockerfile.b", false, true},
		{`\#x`, "#x", false, true},
		{`\!x`, "!x", false, true},
		{"trailing  ", "trailing", false, true},
		{`space\ `, "space ", false, true},
		{"[", "[", false, false}, // malformed: matches nothing
	} {
		p, ok := parseIgnoreLine(tc.pattern)
		if !ok {
			t.Fatalf("%q: not a pattern", tc.pattern)
		}
		if got := p.match(tc.path, tc.dir); got != tc.want {
			t.Errorf("%q matches %q (dir %v) = %v, want %v", tc.pattern, tc.path, tc.dir, got, tc.want)
		}
	}
	for _, line := range []string{"", "# comment", "   ", "!", "/"} {
		if _, ok := parseIgnoreLine(line); ok {
			t.Errorf("%q is a pattern", line)
		}
	}
}

// TestIgnoredAgreesWithGit walks a tree with .gitignore files at several levels,
// negations and info/exclude, and compares every file and folder the walk meets with
// what `git check-ignore` says of it; then it checks that the walk gives the files git
// does not ignore, in the order of their paths.
func TestIgnoredAgreesWithGit(t *testing.T) {
	git, err := exec.LookPath("git")
	if err != nil {
		t.Skip("git not installed")
	}
	root := t.TempDir()
	files := map[string]string{
		".gitignore":                   "build/\n*.local\n/top-only\n!keep.local\ndocs/**/gen\nlogs/*\n!logs/Dockerfile\n",
		".git/info/exclude":            "excluded-by-info\n",
		"Dockerfile":                   "",
		"x.local":                      "",
		"keep.local":                   "",
		"top-only/Dockerfile":          "",
		"sub/top-only/Dockerfile":      "",
		"sub/.gitignore":               "*.dockerfile\n!keep.dockerfile\nnested/\n",
		"sub/a.dockerfile":             "",
		"sub/keep.dockerfile":          "",
		"sub/nested/Dockerfile":        "",
		"sub/deeper/.gitignore":        "!a.dockerfile\n",
		"sub/deeper/a.dockerfile":      "",
		"sub/deeper/b.dockerfile":      "",
		"docs/x/gen/Dockerfile":        "",
		"docs/gen/Dockerfile":          "",
		"logs/Dockerfile":              "",
		"logs/other":                   "",
		"excluded-by-info/Dockerfile":  "",
		"src/build/Dockerfile":         "",
		"src/buildx/Dockerfile":        "",
		"weird name [1]/Dockerfile":    "",
		"weird name [1]/x.dockerfile~": "",
		"sub2/a.dockerfile":            "", // sub/.gitignore's rules end with sub/
		"sub-a/a.dockerfile":           "",
	}
	for name, content := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// git, without the user's configuration and global excludes file.
	t.Setenv("GIT_CONFIG_GLOBAL", os.DevNull)
	t.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	cmd := exec.Command(git, "init", "-q")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git init: %v\n%s", err, out)
	}
	checked := 0
	var kept []string // the Dockerfiles git does not ignore
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == root {
			return nil
		}
		if d.Name() == ".git" {
			return filepath.SkipDir
		}
		rel, _ := filepath.Rel(root, p)
		cmd := exec.Command(git, "check-ignore", "-q", "--no-index", rel)
		cmd.Dir = root
		err = cmd.Run()
		want := err == nil
		if ee, ok := err.(*exec.ExitError); err != nil && (!ok || ee.ExitCode() != 1) {
			t.Fatalf("git check-ignore %s: %v", rel, err)
		}
		// The rules in force for the entries of p's folder, as the walk has them there.
		got := newIgnoreStack(filepath.Dir(p)).ignored(p, d.IsDir())
		checked++
		if got != want {
			t.Errorf("%s (folder %v): ignored %v, git says %v", rel, d.IsDir(), got, want)
		}
		if got && d.IsDir() {
			return filepath.SkipDir // as the walk does: git's answers below are about the folder
		}
		if !want && !d.IsDir() && isDockerfileName(d.Name()) {
			kept = append(kept, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 20 {
		t.Errorf("only %d paths checked", checked)
	}
	sort.Strings(kept)
	found, errs := discover([]string{root})
	if len(errs) > 0 || !slices.Equal(found, kept) {
		t.Errorf("the walk gives\n%s\nwant (git's, sorted)\n%s\nerrors %v", strings.Join(found, "\n"), strings.Join(kept, "\n"), errs)
	}
}

// A folder named on the command line is walked even when a .gitignore above it
// ignores it; the patterns still apply to what is found below it.
func TestDiscoverNamedIgnoredFolder(t *testing.T) {
	root := t.TempDir()
	for name, content := range map[string]string{
		".git/HEAD":                             "",
		".gitignore":                            "build/\n*.gen.dockerfile\n",
		"build/docker/Dockerfile":               "FROM a\n",
		"build/docker/x.gen.dockerfile":         "FROM a\n",
		"build/docker/build/Dockerfile":         "FROM a\n",
		"build/docker/sub/a.dockerfile":         "FROM a\n",
		"build/other/Dockerfile.j2":             "FROM a\n",
		"build/other/vendor/Dockerfile":         "FROM a\n",
		"build/other/build/Dockerfile":          "FROM a\n",
		"build/other/z.gen.dockerfile":          "FROM a\n",
		"build/other/node_modules/x/Dockerfile": "FROM a\n",
	} {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	rel := func(files []string) string {
		var out []string
		for _, f := range files {
			r, _ := filepath.Rel(root, f)
			out = append(out, filepath.ToSlash(r))
		}
		return strings.Join(out, " ")
	}
	files, errs := discover([]string{filepath.Join(root, "build", "docker")})
	if len(errs) != 0 || rel(files) != "build/docker/Dockerfile build/docker/sub/a.dockerfile" {
		t.Errorf("build/docker: %q %v", rel(files), errs)
	}
	files, errs = discover([]string{filepath.Join(root, "build", "other")})
	if len(files) != 0 || len(errs) != 1 {
		t.Fatalf("build/other: %q %v", rel(files), errs)
	}
	want := "no Dockerfiles under " + filepath.ToSlash(filepath.Join(root, "build", "other")) +
		"; 2 skipped by .gitignore, 2 in node_modules or vendor: --no-ignore to include them; " +
		"1 file named like one (templates, scripts, backups): name it to check it"
	if errs[0].Error() != want {
		t.Errorf("message:\n%s\nwant:\n%s", errs[0], want)
	}
	files, errs = collectFiles(discoverWith([]string{filepath.Join(root, "build", "other")}, walkOptions{noIgnore: true}))
	if len(errs) != 0 || rel(files) != "build/other/build/Dockerfile build/other/node_modules/x/Dockerfile build/other/vendor/Dockerfile build/other/z.gen.dockerfile" {
		t.Errorf("--no-ignore: %q %v", rel(files), errs)
	}
}

// A repository the walk enters from a folder above it has its own ignore rules, as git
// reads them inside it: its .gitignore files and info/exclude apply to its files, and
// the rules of the folders above it do not.
func TestWalkReadsTheRulesOfARepositoryBelowTheRoot(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string // "->target" makes a symlink
		walk  string            // the folder named, below the temporary folder
		want  []string
	}{
		{"a repository in a folder that is none has its .gitignore read", map[string]string{
			"repo/.git/HEAD": "", "repo/.gitignore": "build/\n", "repo/build/Dockerfile": "", "repo/src/Dockerfile": "",
		}, ".", []string{"repo/src/Dockerfile"}},
		{"a repository in a folder that is none has its info/exclude read", map[string]string{
			"repo/.git/info/exclude": "gen/\n", "repo/gen/Dockerfile": "", "repo/src/Dockerfile": "",
		}, ".", []string{"repo/src/Dockerfile"}},
		{"a worktree's or submodule's .git file marks a repository too", map[string]string{
			"sub/.git": "gitdir: ../elsewhere\n", "sub/.gitignore": "*.dev\n", "sub/Dockerfile": "", "sub/Dockerfile.dev": "",
		}, ".", []string{"sub/Dockerfile"}},
		{"a repository inside another one is not ruled by the outer .gitignore", map[string]string{
			".git/HEAD": "", ".gitignore": "*.dev\n", "Dockerfile.dev": "", "inner/.git/HEAD": "", "inner/Dockerfile.dev": "",
		}, ".", []string{"inner/Dockerfile.dev"}},
		{"the outer rules apply again after the walk leaves the inner repository", map[string]string{
			".git/HEAD": "", ".gitignore": "*.dev\n", "a/.git/HEAD": "", "a/.gitignore": "x/\n", "a/x/Dockerfile": "", "b/x/Dockerfile": "", "b/Dockerfile.dev": "",
		}, ".", []string{"b/x/Dockerfile"}},
		{"a symlink to a file a repository below ignores is given", map[string]string{
			"repo/.git/HEAD": "", "repo/.gitignore": "build/\n", "repo/build/Dockerfile": "", "a.dockerfile": "->repo/build/Dockerfile",
		}, ".", []string{"a.dockerfile"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			if repoRoot(root) != "" {
				t.Skip("the temporary folder is inside a repository")
			}
			for name, content := range tt.files {
				p := filepath.Join(root, filepath.FromSlash(name))
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if target, ok := strings.CutPrefix(content, "->"); ok {
					if err := os.Symlink(filepath.FromSlash(target), p); err != nil {
						t.Skip("no symlinks here:", err)
					}
					continue
				}
				if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			files, errs := discover([]string{filepath.Join(root, filepath.FromSlash(tt.walk))})
			var got []string
			for _, f := range files {
				r, _ := filepath.Rel(root, f)
				got = append(got, filepath.ToSlash(r))
			}
			if len(errs) > 0 || !slices.Equal(got, tt.want) {
				t.Errorf("got %q, want %q (errors %v)", got, tt.want, errs)
			}
		})
	}
}
