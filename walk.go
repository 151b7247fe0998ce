package main

import (
	"cmp"
	"fmt"
	"io/fs"
	"iter"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// vcsDirs are folders never walked into; skipDirs are not walked into unless
// --no-ignore is given.
var (
	vcsDirs  = map[string]bool{".git": true, ".hg": true, ".svn": true}
	skipDirs = map[string]bool{"node_modules": true, "vendor": true}
)

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

// walkOptions choose what a walk skips.
type walkOptions struct {
	// noIgnore walks what .gitignore files ignore and node_modules and vendor folders
	// (never .git, .hg, .svn).
	noIgnore bool
	// listing, when set, records what the walk saw for the configuration lookup.
	listing *walkListing
}

// skipped counts what a walk of a folder passed over, for the message that says why
// a folder gave no Dockerfile.
type skipped struct {
	gitignore int // Dockerfiles that .gitignore files ignore
	vendored  int // Dockerfiles in node_modules or vendor folders
	lookalike int // files named like a Dockerfile that are templates, scripts, backups
}

// emptyFolderError is a folder named on the command line under which the walk found no
// Dockerfile: an error, so that a run can never end in a silent "No findings in 0
// files" for a folder that was not looked at.
type emptyFolderError struct {
	path string
	skip skipped
}

func (e *emptyFolderError) Error() string {
	msg := "no Dockerfiles under " + displayPath(e.path)
	var parts []string
	if n := e.skip.gitignore; n > 0 {
		parts = append(parts, fmt.Sprintf("%d skipped by .gitignore", n))
	}
	if n := e.skip.vendored; n > 0 {
		parts = append(parts, fmt.Sprintf("%d in node_modules or vendor", n))
	}
	if len(parts) > 0 {
		msg += "; " + strings.Join(parts, ", ") + ": --no-ignore to include them"
	}
	if n := e.skip.lookalike; n > 0 {
		them := "them"
		if n == 1 {
			them = "it"
		}
		msg += fmt.Sprintf("; %s named like one (templates, scripts, backups): name %s to check %s", plural(n, "file"), them, them)
	}
	return msg
}

// discover expands the command-line paths into the files to process with the default
// walk (discoverWith), as lists.
func discover(paths []string) (files []string, errs []error) {
	return collectFiles(discoverWith(paths, walkOptions{}))
}

// collectFiles gathers what discoverWith yields into the files and the errors.
func collectFiles(seq iter.Seq2[string, error]) (files []string, errs []error) {
	for f, err := range seq {
		if err != nil {
			errs = append(errs, err)
		} else {
			files = append(files, f)
		}
	}
	return files, errs
}

// discoverWith yields the files to process for the command-line paths as the walk
// finds them, in a stable order: named files as given, each folder depth first in the
// byte order of the whole paths (the order that sorting the list of them gave, with no
// list kept). Folders are walked for Dockerfile names; files and folders named
// explicitly are always processed, whatever .gitignore says of them (its patterns apply
// to what the walk finds below them). A walk's errors come where they are met, with
// the path ""; a folder that gives no Dockerfile is an error, at the end of its walk,
// that says what was skipped.
func discoverWith(paths []string, opts walkOptions) iter.Seq2[string, error] {
	return func(yield func(string, error) bool) {
		// One file reached twice (./Dockerfile and Dockerfile, a folder and a file in
		// it, a symlink and its target) is processed once: twice would print it twice
		// in a diff and make two concurrent -w writes race. A file is known by its real
		// path. Within one folder only symlinks reach a file twice, so with one path
		// named the keys of symlinks alone are kept, not one per file.
		o := &once{all: len(paths) > 1, seen: map[string]bool{}}
		for _, p := range paths {
			fi, err := os.Stat(p)
			if err != nil || !fi.IsDir() || looksLikeOneFile(p) {
				// Named explicitly: reading it will report what is wrong.
				if o.first(realPath(p)) && !yield(p, nil) {
					return
				}
				continue
			}
			if !walkFolder(p, opts, o, yield) {
				return
			}
		}
	}
}

// once remembers the real paths of the files given so far.
type once struct {
	all  bool // several paths named: the key of every file is kept, not only symlinks'
	seen map[string]bool
}

// first reports whether key is met for the first time.
func (o *once) first(key string) bool {
	if o.seen[key] {
		return false
	}
	o.seen[key] = true
	return true
}

// realPath is the key of a file for finding one reached twice: absolute, symlinks
// resolved when they can be.
func realPath(p string) string {
	key := p
	if abs, err := filepath.Abs(p); err == nil {
		key = abs
		if real, err := filepath.EvalSymlinks(abs); err == nil {
			key = real
		}
	}
	return key
}

// folderWalk is the walk of one folder named on the command line.
type folderWalk struct {
	root     string // as named: the files' paths start with it
	absRoot  string // absolute, symlinks kept
	realRoot string // absolute, symlinks resolved: the files' keys start with it
	opts     walkOptions
	ign      *ignoreStack // the .gitignore rules in force; nil with --no-ignore
	listing  *rootListing // nil without a listing: records nothing
	once     *once
	yield    func(string, error) bool

	found, errs int
	skip        skipped
	pruned      []string // folders not walked into, kept while nothing is found
}

// walkFolder yields the Dockerfiles under the folder root and returns whether the
// consumer wants more.
func walkFolder(root string, opts walkOptions, o *once, yield func(string, error) bool) bool {
	w := &folderWalk{root: root, absRoot: root, realRoot: realPath(root), opts: opts, once: o, yield: yield}
	if abs, err := filepath.Abs(root); err == nil {
		w.absRoot = abs
		w.listing = opts.listing.root(abs)
	}
	if !opts.noIgnore {
		w.ign = newIgnoreStack(root) // down to the root's own .gitignore
	}
	if !w.dir(root, w.absRoot) {
		return false
	}
	if w.found > 0 || w.errs > 0 {
		return true
	}
	// Only a folder that gives nothing needs to know what the skipped folders hold:
	// they are not walked otherwise (a node_modules can be big).
	for _, dir := range w.pruned {
		w.skip.add(countSkipped(dir))
	}
	return yield("", &emptyFolderError{path: root, skip: w.skip})
}

// dir walks the folder at path (abs: the same, absolute) and returns whether the
// consumer wants more. Its entries go in the order of their whole paths: a folder's
// as if its name ended in the separator ("a-b" comes before "a/x", as when sorted).
func (w *folderWalk) dir(path, abs string) bool {
	entries, err := os.ReadDir(path)
	if err != nil {
		w.listing.notRead(abs)
		w.errs++
		if !w.yield("", err) {
			return false
		}
		// As filepath.WalkDir: go on with the entries read before the error.
	}
	slices.SortFunc(entries, byPathOrder)
	top := path == w.root
	// Every entry is recorded before any folder is walked into: a configuration lookup
	// for a file below reads this folder's names (a "-x" folder sorts before ".dfix.toml").
	for _, d := range entries {
		w.listing.entry(abs, d)
	}
	if !top && w.ign != nil {
		switch {
		case lists(entries, ".git"):
			// A repository below the root (a checkout in a folder of several, a
			// submodule) has its own rules, as git reads them inside it: its
			// info/exclude and .gitignore files, not those of the folders above it.
			outer := w.ign
			w.ign = newIgnoreStack(abs)
			defer func() { w.ign = outer }()
		case lists(entries, ".gitignore") && w.ign.push(abs):
			defer w.ign.pop()
		}
	}
	for _, d := range entries {
		name := d.Name()
		p, pa := childPath(path, name, top), childPath(abs, name, top)
		if d.IsDir() {
			switch {
			case vcsDirs[name]:
				w.listing.notRead(pa)
			case !w.opts.noIgnore && (skipDirs[name] || w.ign.ignored(pa, true)):
				if w.found == 0 {
					w.pruned = append(w.pruned, p)
				}
				w.listing.notRead(pa)
			default:
				if !w.dir(p, pa) {
					return false
				}
			}
			continue
		}
		link := d.Type()&fs.ModeSymlink != 0
		if link {
			// A symlink to a folder (say dockerfiles -> ../shared) is not followed,
			// like any folder symlink in a walk, and is not a file to report.
			if fi, err := os.Stat(p); err == nil && fi.IsDir() {
				w.listing.notRead(pa)
				continue
			}
		}
		switch {
		case !isDockerfileName(name):
			if looksLikeDockerfile(name) {
				w.skip.lookalike++
			}
		case w.ign.ignored(pa, false):
			w.skip.gitignore++
		case !w.firstTime(p, pa, link):
			// Given already (named before, found by an earlier path, or the target of
			// a symlink): the folder holds a Dockerfile, so it is not an empty one.
			w.found++
			w.pruned = nil
		default:
			w.found++
			w.pruned = nil
			if !w.yield(p, nil) {
				return false
			}
		}
	}
	return true
}

// childPath is the path of the entry name of the folder dir: joined and cleaned below
// the root as named ("./a" gives "a/x"), appended below that (already clean).
func childPath(dir, name string, top bool) string {
	if top {
		return filepath.Join(dir, name)
	}
	return dir + string(filepath.Separator) + name
}

// byPathOrder orders the entries of one folder as sorting their whole paths would.
func byPathOrder(a, b fs.DirEntry) int {
	return comparePathKeys(a.Name(), a.IsDir(), b.Name(), b.IsDir())
}

// comparePathKeys compares two names of one folder as the paths below them compare:
// a folder's name as if it ended in the separator. When one name is the start of the
// other, the byte after it decides: the other's next byte, the separator after a
// folder's name, or the end of a file's name (which comes first).
func comparePathKeys(a string, aDir bool, b string, bDir bool) int {
	n := min(len(a), len(b))
	if c := strings.Compare(a[:n], b[:n]); c != 0 {
		return c
	}
	return cmp.Compare(keyByte(a, n, aDir), keyByte(b, n, bDir))
}

func keyByte(name string, i int, dir bool) int {
	switch {
	case i < len(name):
		return int(name[i])
	case dir:
		return filepath.Separator
	}
	return -1
}

// lists reports whether a folder's entries hold name: a .gitignore file, or a .git
// (a folder, or a file in a worktree or submodule).
func lists(entries []fs.DirEntry, name string) bool {
	for _, d := range entries {
		if d.Name() == name && (name == ".git" || !d.IsDir()) {
			return true
		}
	}
	return false
}

// firstTime reports whether the Dockerfile found at p (abs: absolute) is not a file
// given before.
func (w *folderWalk) firstTime(p, abs string, link bool) bool {
	own := w.realRoot + abs[len(w.absRoot):] // the key of the path itself
	if !link {
		if !w.once.all {
			return true // one folder named: only a symlink reaches a file twice
		}
		return w.once.first(own)
	}
	key := realPath(p)
	// A symlink to a file this walk gives by itself is passed over, whichever of the
	// two comes first and however many paths are named. One that resolves to nothing
	// (dangling, a loop) keeps its own path as its key: it is no other file, and
	// reading it says what is wrong.
	if key != own {
		if rel, ok := relUnder(w.realRoot, key); ok && w.walkGives(rel) {
			return false
		}
	}
	return w.once.first(key)
}

// walkGives reports whether this walk gives the file at rel (a path below the
// root without symlinks, slash-separated): the same filters, asked of each folder on
// the way and of the file, with the .gitignore rules pushed as the walk would.
func (w *folderWalk) walkGives(rel string) bool {
	var ign *ignoreStack
	if !w.opts.noIgnore {
		ign = newIgnoreStack(w.root) // rare: symlinks only
	}
	parts := strings.Split(rel, "/")
	abs := w.absRoot
	for i, part := range parts {
		abs = filepath.Join(abs, part)
		if i == len(parts)-1 {
			return isDockerfileName(part) && !ign.ignored(abs, false)
		}
		if vcsDirs[part] || !w.opts.noIgnore && (skipDirs[part] || ign.ignored(abs, true)) {
			return false
		}
		if _, err := os.Lstat(filepath.Join(abs, ".git")); ign != nil && err == nil {
			ign = newIgnoreStack(abs) // a repository's own rules, as in dir
		} else {
			ign.push(abs)
		}
	}
	return false
}

func (s *skipped) add(o skipped) {
	s.gitignore += o.gitignore
	s.vendored += o.vendored
	s.lookalike += o.lookalike
}

// countSkipped counts the Dockerfiles in a folder the walk does not go into: in a
// node_modules or vendor folder, else ignored by .gitignore.
func countSkipped(dir string) skipped {
	n := 0
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return nil
		case d.IsDir() && vcsDirs[d.Name()]:
			return filepath.SkipDir
		case !d.IsDir() && isDockerfileName(d.Name()):
			n++
		}
		return nil
	})
	if skipDirs[filepath.Base(dir)] {
		return skipped{vendored: n}
	}
	return skipped{gitignore: n}
}

// looksLikeDockerfile reports whether a file the walk passes over has a Dockerfile's
// name with a template, script or backup suffix (Dockerfile.j2, app.dockerfile.bak).
func looksLikeDockerfile(name string) bool {
	n := strings.ToLower(name)
	return !strings.HasPrefix(n, ".") && (strings.HasPrefix(n, "dockerfile") || strings.HasPrefix(n, "containerfile") ||
		strings.Contains(n, ".dockerfile") || strings.Contains(n, ".containerfile"))
}

// looksLikeOneFile reports whether a path names a single Dockerfile (Dockerfile,
// Containerfile): a folder of that name given on the command line is a mistake to report,
// not a tree to walk.
func looksLikeOneFile(p string) bool {
	n := strings.ToLower(filepath.Base(filepath.Clean(p)))
	return n == "dockerfile" || n == "containerfile"
}
