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

// ignoreRules answers whether a path is ignored by the ignore files of its repository:
// .git/info/exclude, then the .gitignore files from the repository root down to the
// path's folder, deeper files taking precedence.
type ignoreRules struct {
	root  string // the repository root (absolute), "" outside a repository
	cache map[string][]ignorePattern
}

func newIgnoreRules(start string) *ignoreRules {
	g := &ignoreRules{cache: map[string][]ignorePattern{}}
	if abs, err := filepath.Abs(start); err == nil {
		g.root = repoRoot(abs)
	}
	return g
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

func (g *ignoreRules) load(dir string) []ignorePattern {
	if ps, ok := g.cache[dir]; ok {
		return ps
	}
	var ps []ignorePattern
	if b, err := os.ReadFile(filepath.Join(dir, ".gitignore")); err == nil {
		ps = parseIgnorePatterns(b)
	}
	g.cache[dir] = ps
	return ps
}

func (g *ignoreRules) exclude() []ignorePattern {
	const key = "\x00info/exclude"
	if ps, ok := g.cache[key]; ok {
		return ps
	}
	var ps []ignorePattern
	if b, err := os.ReadFile(filepath.Join(g.root, ".git", "info", "exclude")); err == nil {
		ps = parseIgnorePatterns(b)
	}
	g.cache[key] = ps
	return ps
}

// ignored reports whether the file or folder at p is ignored. Only p itself is
// matched, not the folders above it: the walk does not go into ignored folders.
func (g *ignoreRules) ignored(p string, isDir bool) bool {
	if g == nil || g.root == "" {
		return false
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		return false
	}
	rel, err := filepath.Rel(g.root, abs)
	if err != nil || rel == "." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) || rel == ".." {
		return false
	}
	rel = filepath.ToSlash(rel)
	ignored := false
	decide := func(ps []ignorePattern, relTo string) {
		for _, pt := range ps {
			if pt.match(relTo, isDir) {
				ignored = !pt.negate
			}
		}
	}
	decide(g.exclude(), rel)
	// The .gitignore of the root, then of each folder down to p's own folder.
	segs := strings.Split(rel, "/")
	dir := g.root
	for i := 0; i < len(segs); i++ {
		decide(g.load(dir), strings.Join(segs[i:], "/"))
		dir = filepath.Join(dir, segs[i])
	}
	return ignored
}
