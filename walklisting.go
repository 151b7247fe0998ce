package main

import (
	"io/fs"
	"path/filepath"
	"slices"
	"sync"

	conf "github.com/dfix-dev/dfix/config"
)

// walkListing is what the walks saw of the folders they read, for the configuration
// lookup (config.Listing), which then stats no name in a folder the walk read: the
// configuration names in the few folders that hold one, and the folders below a
// walked root that the walk did not read (pruned, version-control, unreadable and
// symlinked ones), so that any other folder below a root is known to hold none. Its
// size grows with those few folders, not with the tree.
type walkListing struct {
	// mu: a walk records what it meets while the files it found are processed, and
	// their configuration lookups read it.
	mu      sync.RWMutex
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
	w.mu.RLock()
	defer w.mu.RUnlock()
	if !w.read(dir) || !slices.Contains(w.names, name) {
		return false, 0, false
	}
	typ, present = w.entries[dir][name]
	return present, typ, true
}

// Plain implements config.Listing.
func (w *walkListing) Plain(dir string) bool {
	w.mu.RLock()
	defer w.mu.RUnlock()
	return len(w.entries[dir]) == 0 && w.read(dir)
}

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

// rootListing records into a walkListing what the walk of one root meets. Its methods
// do nothing on a nil rootListing (a walk without a listing).
type rootListing struct{ w *walkListing }

// root notes the folder abs (absolute) about to be walked and returns the recorder of
// that walk; nil when w is nil.
func (w *walkListing) root(abs string) *rootListing {
	if w == nil {
		return nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.roots[abs] = true
	return &rootListing{w: w}
}

// entry notes an entry of the folder dir (absolute) that the walk read.
func (r *rootListing) entry(dir string, d fs.DirEntry) {
	if r == nil || !slices.Contains(r.w.names, d.Name()) {
		return
	}
	r.w.mu.Lock()
	defer r.w.mu.Unlock()
	if r.w.entries[dir] == nil {
		r.w.entries[dir] = map[string]fs.FileMode{}
	}
	r.w.entries[dir][d.Name()] = d.Type()
}

// notRead notes a folder (absolute) below the root that the walk did not read.
func (r *rootListing) notRead(p string) {
	if r != nil {
		r.w.mu.Lock()
		r.w.unread[p] = true
		r.w.mu.Unlock()
	}
}
