package pin

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"sync"
	"time"
)

// LockEntry is what the lock file knows about one reference.
type LockEntry struct {
	Digest     string    `json:"digest"`
	ResolvedAt time.Time `json:"resolved_at"`
	// Platform is set when the digest is one platform's manifest (--platform), not the
	// multi-platform index.
	Platform string `json:"platform,omitempty"`
}

// Lock is a --pin-lock file: a JSON object from normalised reference
// (docker.io/library/python:3.12, with " platform=linux/arm64" appended when a
// platform was asked for) to its digest and when it was resolved. It never holds
// credentials. It is safe for concurrent use.
type Lock struct {
	path    string
	mu      sync.Mutex
	entries map[string]LockEntry
	dirty   bool
}

var digestRE = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)

// LoadLock reads the lock file at path. A missing file is an empty lock, written by
// Save when lookups add to it.
func LoadLock(path string) (*Lock, error) {
	l := &Lock{path: path, entries: map[string]LockEntry{}}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return l, nil
	}
	if err != nil {
		return nil, fmt.Errorf("--pin-lock: %v", err)
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return l, nil
	}
	if err := json.Unmarshal(b, &l.entries); err != nil {
		return nil, fmt.Errorf("--pin-lock: %s: not a dfix lock file: %v", path, err)
	}
	for _, k := range l.keys() {
		if !digestRE.MatchString(l.entries[k].Digest) {
			return nil, fmt.Errorf("--pin-lock: %s: %q: %q is not a sha256 digest", path, k, l.entries[k].Digest)
		}
	}
	return l, nil
}

// Path returns the file the lock is read from and written to.
func (l *Lock) Path() string { return l.path }

func (l *Lock) keys() []string {
	keys := make([]string, 0, len(l.entries))
	for k := range l.entries {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Get returns the entry of key.
func (l *Lock) Get(key string) (LockEntry, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	e, ok := l.entries[key]
	return e, ok
}

// Put records a resolved digest. An entry whose digest did not change keeps its
// resolved_at, so that re-running dfix does not rewrite a committed lock file.
func (l *Lock) Put(key string, e LockEntry) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if old, ok := l.entries[key]; ok && old.Digest == e.Digest && old.Platform == e.Platform {
		return
	}
	l.entries[key] = e
	l.dirty = true
}

// Save writes the lock back when lookups changed it: a temporary file in the same
// folder, synced, then renamed over the old one (keeping its mode), so a reader never
// sees half a file.
func (l *Lock) Save() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.dirty {
		return nil
	}
	b, err := json.MarshalIndent(l.entries, "", "  ") // keys sorted by encoding/json
	if err != nil {
		return err
	}
	b = append(b, '\n')
	path := l.path
	if real, err := filepath.EvalSymlinks(path); err == nil {
		path = real // a symbolic link stays one: its target is written
	}
	mode := fs.FileMode(0o644)
	if fi, err := os.Stat(path); err == nil {
		mode = fi.Mode().Perm()
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, ".dfix-lock-*.tmp")
	if err != nil {
		return fmt.Errorf("--pin-lock: writing %s: %v", l.path, err)
	}
	fail := func(err error) error {
		tmp.Close()
		os.Remove(tmp.Name())
		return fmt.Errorf("--pin-lock: writing %s: %v", l.path, err)
	}
	if _, err := tmp.Write(b); err != nil {
		return fail(err)
	}
	if err := tmp.Chmod(mode); err != nil {
		return fail(err)
	}
	if err := tmp.Sync(); err != nil {
		return fail(err)
	}
	if err := tmp.Close(); err != nil {
		return fail(err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("--pin-lock: writing %s: %v", l.path, err)
	}
	l.dirty = false
	return nil
}
