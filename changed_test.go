package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// gitRepo makes a git repository in a temporary folder; git runs there with a fixed
// identity and no user or system configuration.
type gitRepo struct {
	t    *testing.T
	root string
}

func newGitRepo(t *testing.T) *gitRepo {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	// git, here and as dfix runs it, without the user's configuration and global
	// excludes file.
	t.Setenv("GIT_CONFIG_GLOBAL", os.DevNull)
	t.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	r := &gitRepo{t: t, root: t.TempDir()}
	r.git("init", "-q", "-b", "main")
	return r
}

func (r *gitRepo) git(args ...string) string {
	r.t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = r.root
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com")
	out, err := cmd.CombinedOutput()
	if err != nil {
		r.t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func (r *gitRepo) write(files map[string]string) {
	r.t.Helper()
	for name, content := range files {
		p := filepath.Join(r.root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			r.t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			r.t.Fatal(err)
		}
	}
}

func TestChangedSince(t *testing.T) {
	r := newGitRepo(t)
	const df = "FROM alpine\nCMD ./run\n"
	r.write(map[string]string{
		"a/Dockerfile": df, "b/Dockerfile": df, "c/Dockerfile": df, "d/Dockerfile": df,
		"vendor/v/Dockerfile": df, "README.md": "x\n", "e/Dockerfile.template": df,
		"nochange/Dockerfile": df, ".gitignore": "out/\n",
	})
	r.git("add", "-A")
	r.git("commit", "-qm", "base")
	r.git("checkout", "-qb", "feature")
	r.write(map[string]string{
		"a/Dockerfile": df + "USER app\n", "vendor/v/Dockerfile": df + "# x\n", "README.md": "y\n",
		"e/Dockerfile.template": df + "# x\n", "new/app.dockerfile": df,
	})
	r.git("mv", "b/Dockerfile", "b/Containerfile")  // renamed: checked under its new name
	r.git("rm", "-q", "c/Dockerfile")               // deleted: passed over
	r.git("mv", "d/Dockerfile", "d/Dockerfile.bak") // renamed to a name that is no Dockerfile
	r.git("add", "-A")
	r.git("commit", "-qm", "feature")
	// On main, after the branch left it: not a change of the branch.
	r.git("checkout", "-q", "main")
	r.write(map[string]string{"nochange/Dockerfile": df + "# main moved on\n"})
	r.git("commit", "-qam", "main moves")
	r.git("checkout", "-q", "feature")
	// Not committed: a modified file, a new untracked one, an ignored one.
	r.write(map[string]string{"a/extra.containerfile": df, "out/Dockerfile": df})
	t.Chdir(r.root)

	ctx := context.Background()
	got, err := changedSince(ctx, "main", nil, walkOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"a/Dockerfile", "a/extra.containerfile", "b/Containerfile", "new/app.dockerfile"}
	if !slices.Equal(got, want) {
		t.Errorf("changed since main: %q, want %q", got, want)
	}
	got, _ = changedSince(ctx, "main", nil, walkOptions{noIgnore: true})
	if !slices.Contains(got, "vendor/v/Dockerfile") {
		t.Errorf("--no-ignore: %q lacks the vendored file", got)
	}
	// Under PATHs, and from a subfolder: paths relative to the working folder.
	got, _ = changedSince(ctx, "main", []string{"a", "new"}, walkOptions{})
	if !slices.Equal(got, []string{"a/Dockerfile", "a/extra.containerfile", "new/app.dockerfile"}) {
		t.Errorf("under a, new: %q", got)
	}
	t.Chdir(filepath.Join(r.root, "a"))
	got, _ = changedSince(ctx, "main", nil, walkOptions{})
	if !slices.Equal(got, []string{"Dockerfile", "extra.containerfile"}) {
		t.Errorf("from a/: %q", got)
	}
	got, _ = changedSince(ctx, "main", []string{".."}, walkOptions{})
	if !slices.Equal(got, []string{"../b/Containerfile", "../new/app.dockerfile", "Dockerfile", "extra.containerfile"}) {
		t.Errorf("from a/, ..: %q", got)
	}
	// Since HEAD: only what is not committed.
	t.Chdir(r.root)
	got, _ = changedSince(ctx, "HEAD", nil, walkOptions{})
	if !slices.Equal(got, []string{"a/extra.containerfile"}) {
		t.Errorf("since HEAD: %q", got)
	}
	// Errors: an unknown revision, and outside a repository.
	if _, err := changedSince(ctx, "no-such-branch", nil, walkOptions{}); err == nil || !strings.Contains(err.Error(), "no-such-branch is not a commit here") {
		t.Errorf("unknown revision: %v", err)
	}
	if _, err := changedSince(ctx, "--output=x", nil, walkOptions{}); err == nil {
		t.Error("a revision that looks like an option is taken")
	}
	// A shallow clone of the branch, as CI makes: main is not there until fetched, and
	// then there is no merge base until more history is.
	shallow := &gitRepo{t: t, root: filepath.Join(t.TempDir(), "shallow")}
	r.git("clone", "-q", "--depth=1", "--branch=feature", "file://"+r.root, shallow.root)
	t.Chdir(shallow.root)
	_, err = changedSince(ctx, "origin/main", nil, walkOptions{})
	if err == nil || !strings.Contains(err.Error(), "fetch it first: git fetch origin main:refs/remotes/origin/main") {
		t.Errorf("shallow clone: %v", err)
	}
	shallow.git("fetch", "-q", "--depth=1", "origin", "main:refs/remotes/origin/main")
	_, err = changedSince(ctx, "origin/main", nil, walkOptions{})
	if err == nil || !strings.Contains(err.Error(), "no common ancestor of origin/main and HEAD") {
		t.Errorf("shallow clone without the merge base: %v", err)
	}
	shallow.git("fetch", "-q", "--unshallow", "origin")
	got, err = changedSince(ctx, "origin/main", nil, walkOptions{})
	if err != nil || !slices.Equal(got, []string{"a/Dockerfile", "b/Containerfile", "new/app.dockerfile"}) {
		t.Errorf("after --unshallow: %q, %v", got, err)
	}

	t.Chdir(t.TempDir())
	if _, err := changedSince(ctx, "main", nil, walkOptions{}); err == nil || !strings.Contains(err.Error(), "not in a git work tree") {
		t.Errorf("outside a repository: %v", err)
	}
}

// A path with spaces, quotes and non-ASCII letters comes out of git as it is.
func TestChangedSinceOddNames(t *testing.T) {
	r := newGitRepo(t)
	r.write(map[string]string{"README": "x\n"})
	r.git("add", "-A")
	r.git("commit", "-qm", "base")
	odd := "dir with space/ünïcode \"q\"/Dockerfile"
	r.write(map[string]string{odd: "FROM alpine\n"})
	r.git("add", "-A")
	r.git("commit", "-qm", "odd")
	t.Chdir(r.root)
	got, err := changedSince(context.Background(), "HEAD~1", nil, walkOptions{})
	if err != nil || !slices.Equal(got, []string{filepath.FromSlash(odd)}) {
		t.Errorf("got %q, %v", got, err)
	}
}

func TestParseNameStatus(t *testing.T) {
	out := "M\x00a/Dockerfile\x00R087\x00old/Dockerfile\x00new/Dockerfile\x00D\x00gone/Dockerfile\x00C100\x00x\x00y/Dockerfile\x00A\x00added\x00"
	got, err := parseNameStatus([]byte(out))
	if err != nil || !slices.Equal(got, []string{"a/Dockerfile", "new/Dockerfile", "y/Dockerfile", "added"}) {
		t.Errorf("got %q, %v", got, err)
	}
	if _, err := parseNameStatus([]byte("R100\x00only-one\x00")); err == nil {
		t.Error("a truncated rename is taken")
	}
}

func TestSplitPathList(t *testing.T) {
	if got := splitPathList([]byte("a\r\n\nb c\nd"), false); !slices.Equal(got, []string{"a", "b c", "d"}) {
		t.Errorf("lines: %q", got)
	}
	if got := splitPathList([]byte("a\nb\x00\x00c\x00"), true); !slices.Equal(got, []string{"a\nb", "c"}) {
		t.Errorf("NUL: %q", got)
	}
}

// A file that changed paths reach more than once (a symlink and its target, two
// symlinks to it) is given once, as a walk gives it: under its own name when that is
// among the changes, else under the first path. Twice, --diff printed its fix twice
// and -w failed on the second write ("changed on disk since it was read", exit 2).
func TestChangedSinceGivesAFileReachedTwiceOnce(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string // regular files
		links map[string]string // symlink -> target
		want  []string
	}{
		{
			name:  "a symlink sorting before its target is passed over for the target",
			files: map[string]string{"b.Dockerfile": "FROM a\n"},
			links: map[string]string{"a.Dockerfile": "b.Dockerfile"},
			want:  []string{"b.Dockerfile"},
		},
		{
			name:  "a symlink sorting after its target is passed over for the target",
			files: map[string]string{"b.Dockerfile": "FROM a\n"},
			links: map[string]string{"c.Dockerfile": "b.Dockerfile"},
			want:  []string{"b.Dockerfile"},
		},
		{
			name:  "two symlinks to one file that is no Dockerfile give it once",
			files: map[string]string{"shared/df.txt": "FROM a\n"},
			links: map[string]string{"x/Dockerfile": "../shared/df.txt", "y/Dockerfile": "../shared/df.txt"},
			want:  []string{"x/Dockerfile"},
		},
		{
			name:  "a dangling symlink is still given, for its read to say what is wrong",
			files: map[string]string{"b.Dockerfile": "FROM a\n"},
			links: map[string]string{"a.Dockerfile": "missing"},
			want:  []string{"a.Dockerfile", "b.Dockerfile"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newGitRepo(t)
			r.write(map[string]string{"README": "x\n"})
			r.git("add", "-A")
			r.git("commit", "-qm", "base")
			r.write(tt.files)
			for link, target := range tt.links {
				p := filepath.Join(r.root, filepath.FromSlash(link))
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.Symlink(target, p); err != nil {
					t.Skip("no symlinks here:", err)
				}
			}
			t.Chdir(r.root)
			got, err := changedSince(context.Background(), "HEAD", nil, walkOptions{})
			if err != nil || !slices.Equal(got, tt.want) {
				t.Errorf("got %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

// PATHs limit --changed-since to the files and folders of those names, as they limit a
// walk: git reads none of them as a pathspec with magic or wildcards.
func TestChangedSinceTakesPathsLiterally(t *testing.T) {
	tests := []struct {
		name string
		path string
		want []string
	}{
		{"a folder whose name starts with a colon is that folder", ":odd", []string{filepath.FromSlash(":odd/Dockerfile")}},
		{"a folder whose name has a wildcard is that folder alone", "a*", []string{filepath.FromSlash("a*/Dockerfile")}},
		{"a folder whose name has brackets is that folder alone", "b[12]", []string{filepath.FromSlash("b[12]/Dockerfile")}},
	}
	r := newGitRepo(t)
	r.write(map[string]string{"README": "x\n"})
	r.git("add", "-A")
	r.git("commit", "-qm", "base")
	const df = "FROM alpine\n"
	r.write(map[string]string{
		":odd/Dockerfile": df, "odd/Dockerfile": df,
		"a*/Dockerfile": df, "ab/Dockerfile": df, "a*b/Dockerfile": df,
		"b[12]/Dockerfile": df, "b1/Dockerfile": df,
	})
	r.git("add", "-A")
	r.git("commit", "-qm", "odd names")
	t.Chdir(r.root)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := changedSince(context.Background(), "HEAD~1", []string{tt.path}, walkOptions{})
			if err != nil || !slices.Equal(got, tt.want) {
				t.Errorf("under %q: got %q, %v; want %q", tt.path, got, err, tt.want)
			}
		})
	}
}
