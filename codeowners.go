package main

// Per-directory ownership: where a repository has a CODEOWNERS file (GitHub's and
// GitLab's places: .github/, the root, docs/, .gitlab/), each file's owners are the
// owners of the last line whose pattern matches it, as GitHub reads them. The markdown
// summary groups its files by owner and JSON records name them.

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// codeOwnersPlaces are where a CODEOWNERS file is looked for in a repository, in the
// order GitHub looks (GitLab's own folder last).
var codeOwnersPlaces = []string{".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS", ".gitlab/CODEOWNERS"}

// ownerRule is one line of a CODEOWNERS file.
type ownerRule struct {
	pat    ignorePattern
	owners []string // none: the path has no owner
}

type ownersFile struct {
	root  string // the repository root
	rules []ownerRule
}

// codeOwners finds and caches the CODEOWNERS files of the repositories the files are in.
type codeOwners struct {
	repos repoRoots
	mu    sync.Mutex
	files map[string]*ownersFile // repository root -> its CODEOWNERS (nil: none)
}

func parseCodeOwners(data []byte) []ownerRule {
	var out []ownerRule
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(strings.TrimSuffix(line, "\r"))
		if line == "" || line[0] == '#' || line[0] == '[' || strings.HasPrefix(line, "^[") || line[0] == '!' {
			continue // comments, GitLab section headers; negation is not supported
		}
		if i := strings.Index(line, " #"); i >= 0 {
			line = line[:i]
		}
		fields := strings.Fields(line)
		pat, ok := parseIgnoreLine(fields[0])
		if !ok {
			continue
		}
		out = append(out, ownerRule{pat: pat, owners: fields[1:]})
	}
	return out
}

// match reports whether the rule applies to rel, a file's slash-separated path from
// the repository root: the pattern matches the file, or a folder it is in (`/apps/`,
// `**/logs`, `docs`), except a pattern ending in `/*`, which is for the files right in
// that folder only (GitHub: `docs/*` owns docs/a.md, not docs/x/b.md); with a trailing
// "/" (`/apps/*/`, `*/`) it is a folder pattern again, whose folders own all they hold.
func (r ownerRule) match(rel string) bool {
	if r.pat.match(rel, false) {
		return true
	}
	if !r.pat.dirOnly && (strings.HasSuffix(r.pat.glob, "/*") || r.pat.glob == "*") {
		return false
	}
	segs := strings.Split(rel, "/")
	for i := len(segs) - 1; i >= 1; i-- {
		if r.pat.match(strings.Join(segs[:i], "/"), true) {
			return true
		}
	}
	return false
}

// ownersOf returns the owners of the file at path and whether its repository has a
// CODEOWNERS file at all.
func (co *codeOwners) ownersOf(path string) (owners []string, known bool) {
	root, rel, ok := co.repos.locate(path)
	if root == "" {
		return nil, false
	}
	co.mu.Lock()
	defer co.mu.Unlock()
	if co.files == nil {
		co.files = map[string]*ownersFile{}
	}
	of, found := co.files[root]
	if !found {
		for _, place := range codeOwnersPlaces {
			if b, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(place))); err == nil {
				of = &ownersFile{root: root, rules: parseCodeOwners(b)}
				break
			}
		}
		co.files[root] = of
	}
	if of == nil {
		return nil, false
	}
	if !ok {
		return nil, true
	}
	for i := len(of.rules) - 1; i >= 0; i-- {
		if of.rules[i].match(rel) {
			return of.rules[i].owners, true
		}
	}
	return nil, true
}

// ownersOf is the owners of a file for the output, and whether its repository has a
// CODEOWNERS file (standard input: none). Only the reporter calls it.
func (cfg *config) ownersOf(path string) ([]string, bool) {
	if path == "-" || path == "" {
		return nil, false
	}
	if cfg.owners == nil {
		cfg.owners = &codeOwners{}
	}
	return cfg.owners.ownersOf(path)
}
