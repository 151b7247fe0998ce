package main

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	ignore "github.com/sabhiram/go-gitignore"
)

// skipDirs are folders never walked into.
var skipDirs = map[string]bool{".git": true, ".hg": true, ".svn": true, "node_modules": true, "vendor": true}

// skipSuffixes mark templates, scripts, docs and backups that share a Dockerfile's
// name but are not Dockerfiles.
var skipSuffixes = []string{
	".template", ".tmpl", ".tpl", ".j2", ".jinja", ".jinja2", ".in", ".erb", ".mustache",
	".sh", ".ps1", ".py", ".go", ".md", ".txt", ".json", ".yml", ".yaml", ".toml", ".xml",
	".html", ".dockerignore", ".bak", ".orig", ".rej", ".swp", ".old", ".tmp", ".patch",
	".diff", ".lock", ".gz", ".tgz", ".zip", ".tar", "~",
}

// isDockerfileName reports whether a file met while walking a folder is a Dockerfile.
func isDockerfileName(name string) bool {
	n := strings.ToLower(name)
	if strings.HasPrefix(n, ".") {
		return false
	}
	if !(strings.HasPrefix(n, "dockerfile") || strings.HasPrefix(n, "containerfile") ||
		strings.HasSuffix(n, ".dockerfile") || strings.HasSuffix(n, ".containerfile")) {
		return false
	}
	for _, s := range skipSuffixes {
		if strings.HasSuffix(n, s) {
			return false
		}
	}
	return true
}

// gitignores answers whether a path is ignored by the .gitignore files of its
// repository, from the repository root down to the path's folder.
type gitignores struct {
	root  string // repository root (absolute), "" when not in a repository
	cache map[string]*ignore.GitIgnore
}

func newGitignores(start string) *gitignores {
	g := &gitignores{cache: map[string]*ignore.GitIgnore{}}
	abs, err := filepath.Abs(start)
	if err != nil {
		return g
	}
	for dir := abs; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, ".git")); err == nil {
			g.root = dir
			break
		}
		if filepath.Dir(dir) == dir {
			break
		}
	}
	return g
}

func (g *gitignores) load(dir string) *ignore.GitIgnore {
	if gi, ok := g.cache[dir]; ok {
		return gi
	}
	gi, err := ignore.CompileIgnoreFile(filepath.Join(dir, ".gitignore"))
	if err != nil {
		gi = nil
	}
	g.cache[dir] = gi
	return gi
}

func (g *gitignores) ignored(path string, isDir bool) bool {
	if g.root == "" {
		return false
	}
	abs, err := filepath.Abs(path)
	if err != nil || !strings.HasPrefix(abs, g.root) {
		return false
	}
	for dir := filepath.Dir(abs); strings.HasPrefix(dir, g.root); dir = filepath.Dir(dir) {
		if gi := g.load(dir); gi != nil {
			rel, _ := filepath.Rel(dir, abs)
			rel = filepath.ToSlash(rel)
			if gi.MatchesPath(rel) || isDir && gi.MatchesPath(rel+"/") {
				return true
			}
		}
		if dir == g.root || filepath.Dir(dir) == dir {
			break
		}
	}
	return false
}

// discover expands the command-line paths into the files to process, in a stable
// order: named files as given, folders walked in lexical order. Folders are walked for
// Dockerfile names; files named explicitly are always processed.
func discover(paths []string) (files []string, errs []error) {
	seen := map[string]bool{}
	add := func(p string) {
		// One file reached twice (./Dockerfile and Dockerfile, a folder and a file in
		// it, a symlink and its target) is processed once: twice would print it twice
		// in a diff and make two concurrent -w writes race.
		key := p
		if abs, err := filepath.Abs(p); err == nil {
			key = abs
			if real, err := filepath.EvalSymlinks(abs); err == nil {
				key = real
			}
		}
		if !seen[key] {
			seen[key] = true
			files = append(files, p)
		}
	}
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil || !fi.IsDir() || looksLikeOneFile(p) {
			add(p) // named explicitly: reading it will report what is wrong
			continue
		}
		gi := newGitignores(p)
		root := p
		if lfi, err := os.Lstat(p); err == nil && lfi.Mode()&fs.ModeSymlink != 0 {
			// WalkDir does not follow a symlinked root: walk the folder it names.
			root = p + string(filepath.Separator)
		}
		var found []string
		err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				if path == root {
					return err
				}
				errs = append(errs, err)
				return nil
			}
			if d.IsDir() {
				if path != root && (skipDirs[d.Name()] || gi.ignored(path, true)) {
					return filepath.SkipDir
				}
				return nil
			}
			if d.Type()&fs.ModeSymlink != 0 {
				// A symlink to a folder (say dockerfiles -> ../shared) is not followed,
				// like any folder symlink in a walk, and is not a file to report.
				if fi, err := os.Stat(path); err == nil && fi.IsDir() {
					return nil
				}
			}
			if isDockerfileName(d.Name()) && !gi.ignored(path, false) {
				found = append(found, path)
			}
			return nil
		})
		if err != nil && !errors.Is(err, fs.SkipDir) {
			errs = append(errs, err)
		}
		sort.Strings(found)
		for _, f := range found {
			add(f)
		}
	}
	return files, errs
}

// looksLikeOneFile reports whether a path names a single Dockerfile (Dockerfile,
// Containerfile): a folder of that name given on the command line is a mistake to report,
// not a tree to walk.
func looksLikeOneFile(p string) bool {
	n := strings.ToLower(filepath.Base(filepath.Clean(p)))
	return n == "dockerfile" || n == "containerfile"
}
