package main

// Git's ignore patterns (gitignore(5)), matched the way git matches them: a pattern
// applies to one path, relative to the folder of the file it comes from, and the last
// pattern that matches decides. The walk asks about each file and folder it meets, so a
// folder named on the command line is never excluded by a pattern that matches the
// folder itself or one above it (`build/` in the root .gitignore does not hide
// `dfix build/docker`), only what is found below it; the folders a pattern excludes are
// not walked into, which is how git's "a file in an excluded folder cannot be
// re-included" holds. CODEOWNERS files use the same patterns (codeowners.go).

import (
	"bufio"
	"bytes"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
)

// ignorePattern is one line of a .gitignore file.
type ignorePattern struct {
	glob     string // without the leading "!", the leading and the trailing "/"
	negate   bool   // "!pattern": re-include
	dirOnly  bool   // "pattern/": folders only
	anchored bool   // has a "/" before its end: matched against the whole relative path
}

// parseIgnorePatterns reads the lines of a .gitignore (or info/exclude) file.
func parseIgnorePatterns(data []byte) []ignorePattern {
	var out []ignorePattern
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for sc.Scan() {
		if p, ok := parseIgnoreLine(sc.Text()); ok {
			out = append(out, p)
		}
	}
	return out
}

func parseIgnoreLine(line string) (ignorePattern, bool) {
	line = strings.TrimSuffix(line, "\r")
	if line == "" || line[0] == '#' {
		return ignorePattern{}, false
	}
	// Trailing spaces are dropped unless escaped with a backslash.
	for strings.HasSuffix(line, " ") && !strings.HasSuffix(line, `\ `) {
		line = line[:len(line)-1]
	}
	if line == "" {
		return ignorePattern{}, false
	}
	var p ignorePattern
	if line[0] == '!' {
		p.negate = true
		line = line[1:]
	}
	if strings.HasSuffix(line, "/") {
		p.dirOnly = true
		line = strings.TrimRight(line, "/")
	}
	if strings.Contains(line, "/") {
		p.anchored = true
		line = strings.TrimPrefix(line, "/")
	}
	if line == "" {
		return ignorePattern{}, false
	}
	p.glob = line
	return p, true
}

// match reports whether the pattern matches rel, a slash-separated path relative to
// the folder of the pattern's file.
func (p ignorePattern) match(rel string, isDir bool) bool {
	if p.dirOnly && !isDir {
		return false
	}
	if !p.anchored {
		return globSegment(p.glob, path.Base(rel))
	}
	return globPath(strings.Split(p.glob, "/"), strings.Split(rel, "/"))
}

// globPath matches path segments against pattern segments: "**" matches any number of
// segments (a trailing "/**" at least one: everything inside, not the folder itself),
// other segments match one segment each, wildcards never crossing a "/".
func globPath(pat, name []string) bool {
	for len(pat) > 0 {
		if pat[0] == "**" {
			for len(pat) > 1 && pat[1] == "**" {
				pat = pat[1:]
			}
			if len(pat) == 1 {
				return len(name) > 0
			}
			for i := 0; i <= len(name); i++ {
				if globPath(pat[1:], name[i:]) {
					return true
				}
			}
			return false
		}
		if len(name) == 0 || !globSegment(pat[0], name[0]) {
			return false
		}
		pat, name = pat[1:], name[1:]
	}
	return len(name) == 0
}

// globSegment matches one path segment with fnmatch's wildcards: *, ?, [a-z], [!a-z],
// and backslash escapes. A malformed pattern matches nothing.
func globSegment(pat, name string) bool {
	pat = strings.ReplaceAll(pat, "[!", "[^")
	ok, err := path.Match(pat, name)
	return ok && err == nil
}

// ignoreStack is the ignore files in force along one walk: .git/info/exclude, then
// the .gitignore files from the repository root down to the folder being read, deeper
// files taking precedence. The walk pushes a folder's .gitignore as it goes into the
// folder (only when the folder lists one: no folder is asked for a file it does not
// have) and pops it as it leaves, so nothing is kept of the folders left behind.
type ignoreStack struct {
	root    string // the repository root (absolute), "" outside a repository
	exclude []ignorePattern
	levels  []ignoreLevel // the .gitignore files with patterns, outermost first
}

// ignoreLevel is one .gitignore file's patterns and its folder (absolute).
type ignoreLevel struct {
	dir      string
	patterns []ignorePattern
}

// newIgnoreStack returns the ignore rules in force for the entries of the folder dir:
// those of its repository, from the root down to dir itself.
func newIgnoreStack(dir string) *ignoreStack {
	s := &ignoreStack{}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return s
	}
	if s.root = repoRoot(abs); s.root == "" {
		return s
	}
	if b, err := os.ReadFile(filepath.Join(s.root, ".git", "info", "exclude")); err == nil {
		s.exclude = parseIgnorePatterns(b)
	}
	var chain []string // abs and the folders above it, up to the root
	for d := abs; ; d = filepath.Dir(d) {
		chain = append(chain, d)
		if d == s.root {
			break
		}
	}
	for i := len(chain) - 1; i >= 0; i-- {
		s.push(chain[i])
	}
	return s
}

// repoRoots finds the repository of files, keeping the root found for each folder:
// CODEOWNERS and the report paths of code scanning both read paths from it.
type repoRoots struct {
	mu    sync.Mutex
	byDir map[string]string // folder (absolute) -> its repository root ("" outside one)
}

// locate returns the root of the repository holding the file at path ("" outside
// one) and the file's slash-separated path from that root; ok is false when there is
// no such path.
func (r *repoRoots) locate(path string) (root, rel string, ok bool) {
	abs, err := filepath.Abs(filepath.FromSlash(path))
	if err != nil {
		return "", "", false
	}
	dir := filepath.Dir(abs)
	r.mu.Lock()
	if r.byDir == nil {
		r.byDir = map[string]string{}
	}
	root, seen := r.byDir[dir]
	if !seen {
		root = repoRoot(dir)
		r.byDir[dir] = root
	}
	r.mu.Unlock()
	if root == "" {
		return "", "", false
	}
	rel, err = filepath.Rel(root, abs)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return root, "", false
	}
	return root, filepath.ToSlash(rel), true
}

// repoRoot returns the folder at or above dir that holds a .git (folder, or file for a
// worktree or submodule), or "".
func repoRoot(dir string) string {
	for {
		if _, err := os.Lstat(filepath.Join(dir, ".git")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// push reads the .gitignore of the folder dir (absolute) into the rules; it reports
// whether it added any, for the pop when the walk leaves the folder.
func (s *ignoreStack) push(dir string) bool {
	if s == nil || s.root == "" {
		return false
	}
	b, err := os.ReadFile(filepath.Join(dir, ".gitignore"))
	if err != nil {
		return false
	}
	ps := parseIgnorePatterns(b)
	if len(ps) == 0 {
		return false
	}
	s.levels = append(s.levels, ignoreLevel{dir: dir, patterns: ps})
	return true
}

// pop drops the rules of the folder pushed last.
func (s *ignoreStack) pop() { s.levels = s.levels[:len(s.levels)-1] }

// ignored reports whether the file or folder at p (absolute, in the folder whose rules
// are pushed last) is ignored. Only p itself is matched, not the folders above it: the
// walk does not go into ignored folders.
func (s *ignoreStack) ignored(p string, isDir bool) bool {
	if s == nil || s.root == "" {
		return false
	}
	rel, ok := relUnder(s.root, p)
	if !ok {
		return false
	}
	ignored := false
	decide := func(ps []ignorePattern, relTo string) {
		for _, pt := range ps {
			if pt.match(relTo, isDir) {
				ignored = !pt.negate
			}
		}
	}
	decide(s.exclude, rel)
	for _, l := range s.levels {
		if r, ok := relUnder(l.dir, p); ok {
			decide(l.patterns, r)
		}
	}
	return ignored
}

// relUnder returns p relative to the folder dir, with forward slashes, when p is
// below dir (both absolute and clean).
func relUnder(dir, p string) (string, bool) {
	if !strings.HasPrefix(p, dir) {
		return "", false
	}
	rest := p[len(dir):]
	if !strings.HasSuffix(dir, string(filepath.Separator)) {
		if len(rest) < 2 || rest[0] != filepath.Separator {
			return "", false
		}
		rest = rest[1:]
	}
	if rest == "" {
		return "", false
	}
	return filepath.ToSlash(rest), true
}
