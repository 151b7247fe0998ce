package fix

import (
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
)

// buildContext is the folder a Dockerfile is built from, as far as dfix can see it:
// which files exist there and which of them .dockerignore keeps out. Files are looked
// at lazily, only when a rule asks.
type buildContext struct {
	dir        string // "" when unknown (standard input without a name)
	dockerfile string // the Dockerfile's path on disk, for <Dockerfile>.dockerignore

	isDir      *bool                  // whether dir is a folder, once looked at
	stats      map[string]fs.FileInfo // os.Stat results by context path (nil: missing)
	loaded     bool
	ignore     *patternmatcher.PatternMatcher
	ignoreFile string // the ignore file in use, for messages
	ignoreErr  error
}

// depMaxContextFile bounds what dfix reads of a manifest (package.json, requirements.txt).
const depMaxContextFile = 1 << 20

// newBuildContext returns the build context of the Dockerfile at dockerfile: dir, or
// the Dockerfile's folder when dir is empty. Standard input ("-" or no name) has no
// folder: the context is unknown unless dir names one.
func newBuildContext(dockerfile, dir string) *buildContext {
	c := &buildContext{dir: dir}
	if dockerfile != "" && dockerfile != "-" {
		c.dockerfile = dockerfile
		if c.dir == "" {
			c.dir = filepath.Dir(dockerfile)
		}
	}
	return c
}

// known reports whether dfix can look at the build context at all.
func (c *buildContext) known() bool {
	if c == nil || c.dir == "" {
		return false
	}
	if c.isDir == nil {
		fi, err := os.Stat(c.dir)
		ok := err == nil && fi.IsDir()
		c.isDir = &ok
	}
	return *c.isDir
}

// load reads the ignore file: <Dockerfile>.dockerignore next to the Dockerfile when
// there is one (BuildKit prefers it), else .dockerignore at the root of the context.
func (c *buildContext) load() {
	if c.loaded {
		return
	}
	c.loaded = true
	var candidates []string
	if c.dockerfile != "" {
		candidates = append(candidates, c.dockerfile+".dockerignore")
	}
	candidates = append(candidates, filepath.Join(c.dir, ".dockerignore"))
	for _, name := range candidates {
		f, err := os.Open(name)
		if err != nil {
			continue
		}
		patterns, err := ignorefile.ReadAll(io.LimitReader(f, depMaxContextFile))
		f.Close()
		if err == nil {
			c.ignore, err = patternmatcher.New(patterns)
		}
		c.ignoreFile = filepath.Base(name)
		c.ignoreErr = err
		return
	}
}

// depContextPath turns a COPY source into a path relative to the context root: sources are
// always relative to it, also when they start with "/". ok is false for a path that
// leaves the context.
func depContextPath(p string) (string, bool) {
	p = path.Clean("/" + p)
	if p == "/" {
		return ".", true
	}
	p = strings.TrimPrefix(p, "/")
	return p, !strings.HasPrefix(p, "../")
}

// ignored reports whether the ignore file keeps rel (a context path) out of the build.
func (c *buildContext) ignored(rel string) bool {
	c.load()
	if c.ignore == nil || rel == "." {
		return false
	}
	m, err := c.ignore.MatchesOrParentMatches(rel)
	return err == nil && m
}

// stat returns what rel (a context path) is; a symbolic link counts as what it points
// to. Results are kept: a rule asks about the same files again and again.
func (c *buildContext) stat(rel string) (fs.FileInfo, bool) {
	if !c.known() {
		return nil, false
	}
	if fi, ok := c.stats[rel]; ok {
		return fi, fi != nil
	}
	fi, err := os.Stat(filepath.Join(c.dir, filepath.FromSlash(rel)))
	if err != nil {
		fi = nil
	}
	if c.stats == nil {
		c.stats = map[string]fs.FileInfo{}
	}
	c.stats[rel] = fi
	return fi, fi != nil
}

// exists reports whether rel is in the context and not ignored. dir tells whether it
// is a folder.
func (c *buildContext) exists(rel string) (ok, dir bool) {
	fi, ok := c.stat(rel)
	if !ok || c.ignored(rel) {
		return false, false
	}
	return true, fi.IsDir()
}

// read returns the content of a file of the context (at most depMaxContextFile bytes).
func (c *buildContext) read(rel string) ([]byte, bool) {
	fi, ok := c.stat(rel)
	if !ok || !fi.Mode().IsRegular() {
		return nil, false
	}
	f, err := os.Open(filepath.Join(c.dir, filepath.FromSlash(rel)))
	if err != nil {
		return nil, false
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, depMaxContextFile))
	return b, err == nil
}
