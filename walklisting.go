package main

import (
	"io/fs"
	"path/filepath"
	"slices"

	conf "github.com/dfix-dev/dfix/config"
)

// walkListing is what the walks saw of the folders they read, for the configuration
// lookup (config.Listing), which then stats no name in a folder the walk read: the
// configuration names in the few folders that hold one, and the folders below a
// walked root that the walk did not read (pruned, version-control, unreadable and
// symlinked ones), so that any other folder below a root is known to hold none. Its
// size grows with those few folders, not with the tree.
type walkListing struct {
	names   []string                          // the names recorded (config.ListedNames)
	roots   map[string]bool                   // absolute folders walked
	unread  map[string]bool                   // absolute folders below them not read
	entries map[string]map[string]fs.FileMode // absolute folder -> name -> type
}

func newWalkListing() *walkListing {
	return &walkListing{names: conf.ListedNames(), roots: map[string]bool{}, unread: map[string]bool{},
		entries: map[string]map[string]fs.FileMode{}}
}

// Entry implements config.Listing.
func (w *walkListing) Entry(dir, name string) (present bool, typ fs.FileMode, known bool) {
	if !w.read(dir) || !slices.Contains(w.names, name) {
		return false, 0, false
	}
	typ, present = w.entries[dir][name]
	return present, typ, true
}

// Plain implements config.Listing.
func (w *walkListing) Plain(dir string) bool { return len(w.entries[dir]) == 0 && w.read(dir) }

// read reports whether a walk read the folder dir: it is a walked root or below one,
// with no folder on the way there that the walk did not read.
func (w *walkListing) read(dir string) bool {
	for d := dir; ; {
		if w.unread[d] {
			return false
		}
		if w.roots[d] {
			return true
		}
		parent := filepath.Dir(d)
		if parent == d {
			return false
		}
		d = parent
	}
}

// root notes a folder about to be walked from path root.
func (w *walkListing) root(root string) (abs string, ok bool) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return "", false
	}
	w.roots[abs] = true
	return abs, true
}

// absolute turns a path the walk of root (absolute absRoot) gave into an absolute one.
func absolute(absRoot, walkRoot, path string) string {
	rel, err := filepath.Rel(walkRoot, path)
	if err != nil {
		return ""
	}
	return filepath.Join(absRoot, rel)
}

// entry notes an entry the walk met in the folder it read.
func (w *walkListing) entry(absRoot, walkRoot, path string, d fs.DirEntry) {
	if !slices.Contains(w.names, d.Name()) {
		return
	}
	p := absolute(absRoot, walkRoot, path)
	if p == "" {
		return
	}
	dir := filepath.Dir(p)
	if w.entries[dir] == nil {
		w.entries[dir] = map[string]fs.FileMode{}
	}
	w.entries[dir][d.Name()] = d.Type()
}

// notRead notes a folder below a root that the walk did not read.
func (w *walkListing) notRead(absRoot, walkRoot, path string) {
	if p := absolute(absRoot, walkRoot, path); p != "" {
		w.unread[p] = true
	}
}
