package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
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
// walk (see discoverWith).
func discover(paths []string) (files []string, errs []error) {
	return discoverWith(paths, walkOptions{})
}

// discoverWith expands the command-line paths into the files to process, in a stable
// order: named files as given, folders walked in lexical order. Folders are walked for
// Dockerfile names; files and folders named explicitly are always processed, whatever
// .gitignore says of them (its patterns apply to what the walk finds below them). A
// folder that gives no Dockerfile is an error that says what was skipped.
func discoverWith(paths []string, opts walkOptions) (files []string, errs []error) {
	// One file reached twice (./Dockerfile and Dockerfile, a folder and a file in it, a
	// symlink and its target) is processed once: twice would print it twice in a diff
	// and make two concurrent -w writes race. A file is known by its real path.
	seen := map[string]bool{}
	add := func(p, key string) {
		if !seen[key] {
			seen[key] = true
			files = append(files, p)
		}
	}
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil || !fi.IsDir() || looksLikeOneFile(p) {
			add(p, realPath(p)) // named explicitly: reading it will report what is wrong
			continue
		}
		found, links, skip, walkErrs := walkFolder(p, opts)
		errs = append(errs, walkErrs...)
		if len(found) == 0 && len(walkErrs) == 0 {
			errs = append(errs, &emptyFolderError{path: p, skip: skip})
		}
		if len(paths) == 1 && len(links) == 0 {
			// One folder and no symlink in it: no file is reached twice, and a
			// 100,000-file tree needs no key per file.
			return found, errs
		}
		// The walk follows no symlinked folder: below the folder, a file's real path is
		// the folder's real path and the rest of its path, no stat per file needed.
		realRoot := realPath(p)
		for _, f := range found {
			rel, err := filepath.Rel(p, f)
			if links[f] || err != nil {
				add(f, realPath(f))
			} else {
				add(f, filepath.Join(realRoot, rel))
			}
		}
	}
	return files, errs
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

// walkFolder returns the Dockerfiles under the folder root, sorted, which of them are
// symlinks, and what it skipped.
func walkFolder(root string, opts walkOptions) (found []string, links map[string]bool, skip skipped, errs []error) {
	var gi *ignoreRules
	if !opts.noIgnore {
		gi = newIgnoreRules(root)
	}
	walkRoot := root
	if lfi, err := os.Lstat(root); err == nil && lfi.Mode()&fs.ModeSymlink != 0 {
		// WalkDir does not follow a symlinked root: walk the folder it names.
		walkRoot = root + string(filepath.Separator)
	}
	var pruned []string                       // folders not walked into
	seen := opts.listing.root(root, walkRoot) // nil without a listing: records nothing
	err := filepath.WalkDir(walkRoot, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if path == walkRoot {
				return err
			}
			seen.notRead(path)
			errs = append(errs, err)
			return nil
		}
		if path == walkRoot {
			return nil // named on the command line: always walked
		}
		seen.entry(path, d)
		if d.IsDir() {
			switch {
			case vcsDirs[d.Name()]:
				seen.notRead(path)
				return filepath.SkipDir
			case !opts.noIgnore && (skipDirs[d.Name()] || gi.ignored(path, true)):
				pruned = append(pruned, path)
				seen.notRead(path)
				return filepath.SkipDir
			}
			return nil
		}
		link := d.Type()&fs.ModeSymlink != 0
		if link {
			// A symlink to a folder (say dockerfiles -> ../shared) is not followed,
			// like any folder symlink in a walk, and is not a file to report.
			if fi, err := os.Stat(path); err == nil && fi.IsDir() {
				seen.notRead(path)
				return nil
			}
		}
		switch {
		case !isDockerfileName(d.Name()):
			if looksLikeDockerfile(d.Name()) {
				skip.lookalike++
			}
		case gi.ignored(path, false):
			skip.gitignore++
		default:
			found = append(found, path)
			if link {
				if links == nil {
					links = map[string]bool{}
				}
				links[path] = true
			}
		}
		return nil
	})
	if err != nil && !errors.Is(err, fs.SkipDir) {
		errs = append(errs, err)
	}
	if len(found) == 0 {
		// Only a folder that gives nothing needs to know what the skipped folders hold:
		// they are not walked otherwise (a node_modules can be big).
		for _, dir := range pruned {
			skip.add(countSkipped(dir))
		}
	}
	sort.Strings(found)
	return found, links, skip, errs
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
