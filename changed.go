package main

// Changed files only: --files-from FILE|- (a list of paths, one a line or NUL-separated
// with -0) and --changed-since REF (the Dockerfiles git says changed since REF), for
// pre-merge CI in repositories with thousands of Dockerfiles. git is run as a program
// (os/exec), as CI systems and users have it, with their configuration and credentials.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
)

// listedFiles returns the files of --files-from or --changed-since. ok is false when
// the list could not be made (the error is printed).
func (cfg *config) listedFiles(ctx context.Context, args []string) (files []string, errs []error, ok bool) {
	if cfg.filesFrom != "" {
		files, errs, err := cfg.filesFromList()
		if err != nil {
			fmt.Fprintln(cfg.stderr, "dfix: --files-from:", err)
			return nil, nil, false
		}
		return files, errs, true
	}
	for _, a := range args {
		if _, err := os.Stat(a); err != nil {
			// A mistyped PATH would otherwise be a change with no Dockerfile: exit 0.
			fmt.Fprintf(cfg.stderr, "dfix: %s: %v\n", a, errors.Unwrap(err))
			return nil, nil, false
		}
	}
	files, err := changedSince(ctx, cfg.changedSince, args, cfg.walk)
	if err != nil {
		fmt.Fprintln(cfg.stderr, "dfix: --changed-since:", err)
		return nil, nil, false
	}
	if len(files) == 0 {
		where := ""
		if len(args) > 0 {
			where = " under " + strings.Join(args, ", ")
		}
		fmt.Fprintf(cfg.stderr, "dfix: no Dockerfile changed since %s%s\n", cfg.changedSince, where)
	}
	return files, nil, true
}

// splitPathList splits a --files-from list into paths: lines (CRLF or LF) or, with -0,
// NUL-separated; empty entries are dropped.
func splitPathList(data []byte, null bool) []string {
	sep := []byte{'\n'}
	if null {
		sep = []byte{0}
	}
	var out []string
	for _, p := range bytes.Split(data, sep) {
		if !null {
			p = bytes.TrimSuffix(p, []byte{'\r'})
		}
		if len(p) > 0 {
			out = append(out, string(p))
		}
	}
	return out
}

// filesFromList reads --files-from. Each path is taken as if named on the command line,
// except that a file whose name is not a Dockerfile's (a list of every file a change
// touched has main.go and README.md too) is passed over, and so is a path that does not
// exist (a file the change deleted), with a note. Folders are walked.
func (cfg *config) filesFromList() (files []string, errs []error, err error) {
	var data []byte
	if cfg.filesFrom == "-" {
		if cfg.stdin == nil {
			return nil, nil, errors.New("no standard input")
		}
		data, err = io.ReadAll(cfg.stdin)
	} else {
		data, err = os.ReadFile(cfg.filesFrom)
	}
	if err != nil {
		return nil, nil, err
	}
	if !cfg.null && bytes.IndexByte(data, 0) >= 0 {
		return nil, nil, errors.New("the list has NUL bytes: add -0 for a NUL-separated list")
	}
	listed := splitPathList(data, cfg.null)
	var named, missing []string
	for _, p := range listed {
		fi, err := os.Stat(p)
		switch {
		case errors.Is(err, os.ErrNotExist):
			missing = append(missing, p)
		case err == nil && fi.IsDir() && !looksLikeOneFile(p):
			named = append(named, p)
		case isDockerfileName(filepath.Base(p)) || looksLikeOneFile(p):
			named = append(named, p)
		}
	}
	if len(missing) > 0 && !cfg.quiet {
		fmt.Fprintf(cfg.stderr, "dfix: --files-from: %s not found, passed over (deleted?): %s\n",
			plural(len(missing), "path"), strings.Join(firstN(missing, 5), ", "))
	}
	files, errs = collectFiles(cfg.discover(named))
	if len(files) == 0 && len(errs) == 0 {
		fmt.Fprintf(cfg.stderr, "dfix: no Dockerfiles among the %s listed in %s\n", plural(len(listed), "path"), listName(cfg.filesFrom))
	}
	return files, errs, nil
}

func listName(f string) string {
	if f == "-" {
		return "standard input"
	}
	return f
}

func firstN(list []string, n int) []string {
	if len(list) <= n {
		return list
	}
	return append(list[:n:n], "...")
}

// gitOutput runs git in a folder and returns its standard output. Paths come out as
// they are (no quoting) and relative to the repository root, whatever the user's
// configuration says; paths given to it are paths, not pathspecs (a folder named
// ":x" or "a*" is that folder alone).
func gitOutput(ctx context.Context, dir string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, "git", append([]string{"-c", "core.quotePath=false", "-c", "diff.relative=false"}, args...)...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.Env = append(os.Environ(), "GIT_OPTIONAL_LOCKS=0", "LC_ALL=C", "GIT_LITERAL_PATHSPECS=1")
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			msg := strings.TrimSpace(stderr.String())
			if i := strings.IndexByte(msg, '\n'); i >= 0 {
				msg = msg[:i]
			}
			if msg == "" {
				msg = err.Error()
			}
			return out, &gitError{args: args, msg: msg}
		}
		if errors.Is(err, exec.ErrNotFound) {
			return nil, fmt.Errorf("git is not installed (it is needed to know what changed): %w", err)
		}
		return nil, err
	}
	return out, nil
}

type gitError struct {
	args []string
	msg  string
}

func (e *gitError) Error() string { return "git " + e.args[0] + ": " + e.msg }

// changedSince returns the Dockerfiles changed since ref, relative to the working
// folder, sorted: the files that differ between the merge base of ref and HEAD and the
// working tree (what a pull request against ref changes, with what is not committed
// yet), new untracked files that .gitignore does not ignore, under the pathspecs (by
// default the working folder).
// A renamed file is checked under its new name; deleted files are passed over. The
// walk's filters apply: Dockerfile names only, nothing in node_modules or vendor unless
// --no-ignore.
func changedSince(ctx context.Context, ref string, pathspecs []string, opts walkOptions) ([]string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	out, err := gitOutput(ctx, wd, "rev-parse", "--show-toplevel", "--show-prefix")
	if err != nil {
		return nil, fmt.Errorf("not in a git work tree: %w", err)
	}
	lines := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
	if len(lines) < 1 || lines[0] == "" {
		return nil, errors.New("not in a git work tree")
	}
	top := lines[0]
	prefix := ""
	if len(lines) > 1 {
		prefix = lines[1]
	}
	if strings.HasPrefix(ref, "-") {
		return nil, fmt.Errorf("%q is not a revision", ref)
	}
	if _, err := gitOutput(ctx, wd, "rev-parse", "--verify", "--quiet", ref+"^{commit}"); err != nil {
		var ge *gitError
		if errors.As(err, &ge) {
			fetch := "git fetch origin " + ref
			if branch, ok := strings.CutPrefix(ref, "origin/"); ok {
				fetch = "git fetch origin " + branch + ":refs/remotes/" + ref
			}
			return nil, fmt.Errorf("%s is not a commit here (in a shallow or single-branch clone, fetch it first: %s)", ref, fetch)
		}
		return nil, err
	}
	base, err := gitOutput(ctx, wd, "merge-base", ref, "HEAD")
	if err != nil {
		return nil, fmt.Errorf("no common ancestor of %s and HEAD (a shallow clone? fetch more history: git fetch --deepen=100 or --unshallow): %w", ref, err)
	}
	baseRev := strings.TrimSpace(string(base))
	if len(pathspecs) == 0 {
		pathspecs = []string{"."} // the working folder, as a walk of `dfix .`
	}
	specs := append([]string{"--"}, pathspecs...)
	diff, err := gitOutput(ctx, wd, append([]string{"diff", "--name-status", "-z", "-M",
		"--no-ext-diff", "--no-textconv", "--ignore-submodules", baseRev}, specs...)...)
	if err != nil {
		return nil, err
	}
	changed, err := parseNameStatus(diff)
	if err != nil {
		return nil, err
	}
	untracked, err := gitOutput(ctx, wd, append([]string{"ls-files", "--others", "--exclude-standard", "--full-name", "-z"}, specs...)...)
	if err != nil {
		return nil, err
	}
	changed = append(changed, splitPathList(untracked, true)...)

	here := filepath.Join(top, filepath.FromSlash(prefix))
	seen := map[string]bool{}
	var files []string
	for _, p := range changed {
		if seen[p] || !wantedChange(p, opts) {
			continue
		}
		seen[p] = true
		abs := filepath.Join(top, filepath.FromSlash(p))
		if fi, err := os.Lstat(abs); err != nil || fi.IsDir() {
			continue // deleted in the working tree, or a submodule
		}
		rel, err := filepath.Rel(here, abs)
		if err != nil {
			rel = abs
		}
		files = append(files, rel)
	}
	sort.Strings(files)
	return givenOnce(files), nil
}

// givenOnce drops from files (sorted) the paths to a file that another path of the list
// gives already, as a walk does (discoverWith): a symlink to a file the list has under
// its own name, a second symlink to one file. Given twice, a file's fix was printed
// twice by --diff and its second -w write failed.
func givenOnce(files []string) []string {
	keys := make([]string, len(files))
	links := make([]bool, len(files))
	own := map[string]bool{} // the keys of the files listed under their own names
	for i, f := range files {
		fi, err := os.Lstat(f)
		keys[i], links[i] = realPath(f), err == nil && fi.Mode()&fs.ModeSymlink != 0
		if !links[i] {
			own[keys[i]] = true
		}
	}
	seen := map[string]bool{}
	out := files[:0]
	for i, f := range files {
		if seen[keys[i]] || links[i] && own[keys[i]] {
			continue
		}
		seen[keys[i]] = true
		out = append(out, f)
	}
	return out
}

// wantedChange reports whether a changed path (slash-separated, from the repository
// root) is one a walk would check.
func wantedChange(p string, opts walkOptions) bool {
	segs := strings.Split(p, "/")
	if !isDockerfileName(segs[len(segs)-1]) {
		return false
	}
	for _, s := range segs[:len(segs)-1] {
		if vcsDirs[s] || !opts.noIgnore && skipDirs[s] {
			return false
		}
	}
	return true
}

// parseNameStatus reads `git diff --name-status -z`: a status, then one path, or two
// for a rename or copy (from, to). It returns the paths that exist after the change:
// deleted files are left out, renamed and copied ones are given by their new name.
func parseNameStatus(out []byte) ([]string, error) {
	fields := splitPathList(out, true)
	var paths []string
	for i := 0; i < len(fields); {
		status := fields[i]
		i++
		n := 1
		if status != "" && (status[0] == 'R' || status[0] == 'C') {
			n = 2
		}
		if i+n > len(fields) {
			return nil, fmt.Errorf("git diff: unexpected output near %q", status)
		}
		p := fields[i+n-1]
		i += n
		if status[0] != 'D' {
			paths = append(paths, p)
		}
	}
	return paths, nil
}
