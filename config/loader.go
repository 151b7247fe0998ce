// Package config finds and reads dfix's configuration: the nearest .dfix.toml above
// each Dockerfile (with `extend` inheritance and [[overrides]] by path glob), or when
// there is none hadolint's .hadolint.yaml `ignored:` list, and merges it with the
// command-line flags, which win.
//
// A Loader belongs to one run of dfix: it caches what it read per folder and is safe
// for concurrent use by the run's workers. There is no global state.
package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/bmatcuk/doublestar/v4"
	"github.com/dfix-dev/dfix/fix"
)

// FileName is the configuration file dfix looks for.
const FileName = ".dfix.toml"

// maxExtend bounds an extend chain (a guard against symbolic-link loops that a path
// comparison cannot see).
const maxExtend = 32

// Layer is one step of rule selection. Steps apply in order: the configuration, the
// [[overrides]] that match the file, then the command line. A step with a selection
// replaces the set of enabled rules ("all" is every rule); its ignore list then turns
// rules off. The first set is the rules enabled by default.
type Layer struct {
	Select    []string // rule names, hadolint codes, BuildKit check names, "all"
	HasSelect bool     // Select was given, even empty
	Ignore    []string
}

// Flags are the settings given on the command line; they win over every file. Nil
// pointers and slices mean "not given".
type Flags struct {
	Layer
	UnsafeFixes     *bool
	Pin             *bool
	PinLock         *string
	RegistryMirrors []string
}

// Options choose where the configuration comes from.
type Options struct {
	Config   string // --config FILE: this file for every path, no lookup
	NoConfig bool   // --no-config: no file at all, only the flags
	Flags    Flags
	// Note is called once for each .hadolint.yaml whose ignored: list is used, with a
	// message for the user.
	Note func(msg string)
}

// Settings are the effective settings for a file. They are shared between files with
// the same configuration: treat them as read-only.
type Settings struct {
	Rules []*fix.Rule // enabled rules, in name order
	// Ignored names the rules an ignore list turned off (and no later selection turned
	// back on), for rules the CLI adds on its own (--pin adds pin-digest).
	Ignored         []string
	UnsafeFixes     bool
	Pin             bool
	PinLock         string // absolute path; "" when not set
	RegistryMirrors []string
	// RuleOptions are the [rules.RULE] tables by rule name (no rule takes options yet).
	RuleOptions map[string]map[string]any

	Sources   []string // the .dfix.toml files applied, nearest first (absolute)
	Overrides []string // "path:line" of each [[overrides]] that matched
	Hadolint  string   // the .hadolint.yaml whose ignored: list was used
}

// Loader finds and caches configurations for one run.
type Loader struct {
	rules    []*fix.Rule
	flags    Flags
	noConfig bool
	explicit *loaded // --config
	note     func(string)

	listing Listing // what a walk saw of the folders; nil: ask the file system

	mu       sync.Mutex
	files    map[string]*fileEntry // by absolute path
	hadolint map[string]*hadolintEntry
	dirs     map[string]*dirEntry // by absolute folder
	settings map[string]*Settings // by configuration and matched overrides
	noted    map[string]bool      // hadolint files already announced
	// last is the answer to the latest For: a run asks for one file's settings several
	// times in a row (to check the configurations, to fix, to report).
	last struct {
		path string
		s    *Settings
		err  error
	}
}

type fileEntry struct {
	cfg *loaded
	err error
}

// dirEntry is what applies to the files of one folder: the nearest .dfix.toml at or
// above it (up to the repository root), and the nearest .hadolint.yaml.
type dirEntry struct {
	cfg      *loaded
	hadolint string // path of the nearest .hadolint.yaml, read only when cfg is nil
	err      error
}

// loaded is a configuration file with what it extends merged in.
type loaded struct {
	path            string   // absolute
	sources         []string // this file, then the files it extends
	sel, ignore     *[]string
	unsafe, pin     *bool
	pinLock         *string // absolute
	registryMirrors *[]string
	ruleOptions     map[string]map[string]any
	overrides       []override
}

// override is an [[overrides]] table with the folder its globs are relative to.
type override struct {
	dir    string
	where  string // "path:line"
	files  []string
	layer  Layer
	unsafe *bool
}

// NewLoader checks the flags' rule names and reads --config, if given.
func NewLoader(rules []*fix.Rule, opts Options) (*Loader, error) {
	l := &Loader{
		rules: rules, flags: opts.Flags, noConfig: opts.NoConfig, note: opts.Note,
		files: map[string]*fileEntry{}, dirs: map[string]*dirEntry{}, hadolint: map[string]*hadolintEntry{},
		settings: map[string]*Settings{}, noted: map[string]bool{},
	}
	if opts.Config != "" && opts.NoConfig {
		return nil, errors.New("--config and --no-config exclude each other")
	}
	for _, n := range opts.Flags.Select {
		if !strings.EqualFold(n, "all") && fix.Lookup(rules, n) == nil {
			return nil, fmt.Errorf("--select: unknown rule %q (see `dfix rules`)", n)
		}
	}
	for _, n := range opts.Flags.Ignore {
		if fix.Lookup(rules, n) == nil {
			return nil, fmt.Errorf("--ignore: unknown rule %q (see `dfix rules`)", n)
		}
	}
	if opts.Config != "" {
		abs, err := filepath.Abs(opts.Config)
		if err != nil {
			return nil, fmt.Errorf("--config: %v", err)
		}
		if fi, err := os.Stat(abs); err != nil {
			return nil, fmt.Errorf("--config: %s does not exist", opts.Config)
		} else if fi.IsDir() {
			abs = filepath.Join(abs, FileName)
		}
		l.explicit, err = l.load(abs, nil)
		if err != nil {
			return nil, err
		}
	}
	return l, nil
}

// Flags returns the command-line settings the Loader was made with.
func (l *Loader) Flags() Flags { return l.flags }

// For returns the settings for the file at path (which need not exist: a folder's
// settings are those of a file in it). Errors name the configuration file and line.
func (l *Loader) For(path string) (*Settings, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if path != "" && path == l.last.path {
		return l.last.s, l.last.err
	}
	s, err := l.forLocked(path)
	l.last.path, l.last.s, l.last.err = path, s, err
	return s, err
}

func (l *Loader) forLocked(path string) (*Settings, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	var cfg *loaded
	var hl *hadolintFile
	switch {
	case l.noConfig:
	case l.explicit != nil:
		cfg = l.explicit
	default:
		de := l.dir(filepath.Dir(abs))
		if de.err != nil {
			return nil, de.err
		}
		cfg = de.cfg
		if cfg == nil && de.hadolint != "" {
			if hl, err = l.loadHadolint(de.hadolint); err != nil {
				return nil, err
			}
		}
	}
	var matched []int
	key := ""
	if cfg != nil {
		for i, o := range cfg.overrides {
			if o.matches(abs) {
				matched = append(matched, i)
			}
		}
		b := append([]byte(cfg.path), 0)
		for _, i := range matched {
			b = strconv.AppendInt(append(b, ' '), int64(i), 10)
		}
		key = string(b)
	} else if hl != nil {
		key = "hadolint\x00" + hl.path
	}
	if s, ok := l.settings[key]; ok {
		return s, nil
	}
	s := l.build(cfg, hl, matched)
	l.settings[key] = s
	return s, nil
}

// build computes the settings of a configuration, with the overrides at the indexes
// in matched, and the flags on top.
func (l *Loader) build(cfg *loaded, hl *hadolintFile, matched []int) *Settings {
	s := &Settings{RuleOptions: map[string]map[string]any{}}
	var layers []Layer
	switch {
	case cfg != nil:
		s.Sources = cfg.sources
		base := Layer{}
		if cfg.sel != nil {
			base.Select, base.HasSelect = *cfg.sel, true
		}
		if cfg.ignore != nil {
			base.Ignore = *cfg.ignore
		}
		layers = append(layers, base)
		if cfg.unsafe != nil {
			s.UnsafeFixes = *cfg.unsafe
		}
		if cfg.pin != nil {
			s.Pin = *cfg.pin
		}
		if cfg.pinLock != nil {
			s.PinLock = *cfg.pinLock
		}
		if cfg.registryMirrors != nil {
			s.RegistryMirrors = *cfg.registryMirrors
		}
		for name, opts := range cfg.ruleOptions {
			s.RuleOptions[name] = opts
		}
		for _, i := range matched {
			o := cfg.overrides[i]
			layers = append(layers, o.layer)
			if o.unsafe != nil {
				s.UnsafeFixes = *o.unsafe
			}
			s.Overrides = append(s.Overrides, o.where)
		}
	case hl != nil:
		s.Hadolint = hl.path
		layers = append(layers, Layer{Ignore: hl.rules})
		if !l.noted[hl.path] && l.note != nil {
			l.noted[hl.path] = true
			l.note(hl.noteText())
		}
	}
	f := l.flags
	layers = append(layers, f.Layer)
	s.Rules = Resolve(l.rules, layers...)
	on := map[string]bool{}
	for _, r := range s.Rules {
		on[r.Name] = true
	}
	for _, ly := range layers {
		for _, n := range ly.Ignore {
			if r := fix.Lookup(l.rules, n); r != nil && !on[r.Name] && !slices.Contains(s.Ignored, r.Name) {
				s.Ignored = append(s.Ignored, r.Name)
			}
		}
	}
	if f.UnsafeFixes != nil {
		s.UnsafeFixes = *f.UnsafeFixes
	}
	if f.Pin != nil {
		s.Pin = *f.Pin
	}
	if f.PinLock != nil {
		s.PinLock = *f.PinLock
		if s.PinLock != "" {
			if abs, err := filepath.Abs(s.PinLock); err == nil {
				s.PinLock = abs
			}
		}
	}
	if f.RegistryMirrors != nil {
		s.RegistryMirrors = f.RegistryMirrors
	}
	return s
}

// Resolve applies the layers in order to the default rule set and returns the
// enabled rules in the order of rules. Names that match no rule are skipped (the
// Loader checks them when it reads them).
func Resolve(rules []*fix.Rule, layers ...Layer) []*fix.Rule {
	on := map[*fix.Rule]bool{}
	for _, r := range rules {
		on[r] = r.Default
	}
	for _, ly := range layers {
		if ly.HasSelect || len(ly.Select) > 0 {
			clear(on)
			for _, n := range ly.Select {
				if strings.EqualFold(n, "all") {
					for _, r := range rules {
						on[r] = true
					}
				} else if r := fix.Lookup(rules, n); r != nil {
					on[r] = true
				}
			}
		}
		for _, n := range ly.Ignore {
			if r := fix.Lookup(rules, n); r != nil {
				on[r] = false
			}
		}
	}
	out := []*fix.Rule{}
	for _, r := range rules {
		if on[r] {
			out = append(out, r)
		}
	}
	return out
}

// matches reports whether the file at abs matches one of the override's globs,
// relative to the override's folder. A glob without a slash also matches the file's
// base name in any folder below, as in .gitignore.
func (o *override) matches(abs string) bool {
	rel, err := filepath.Rel(o.dir, abs)
	if err != nil {
		return false
	}
	rel = filepath.ToSlash(rel)
	for _, g := range o.files {
		g = strings.TrimPrefix(g, "./")
		if ok, _ := doublestar.Match(g, rel); ok {
			return true
		}
		if !strings.Contains(g, "/") && !strings.HasPrefix(rel, "../") {
			if ok, _ := doublestar.Match(g, filepath.Base(abs)); ok {
				return true
			}
		}
	}
	return false
}

// dir returns what applies to the files of the folder dir (absolute), looking upward
// to the repository root (a folder holding .git) or the file system root.
func (l *Loader) dir(dir string) *dirEntry {
	if de, ok := l.dirs[dir]; ok {
		return de
	}
	if l.listing != nil && l.listing.Plain(dir) {
		// A folder the walk read that holds no configuration name: what applies there
		// is what applies to its parent. No entry is kept for it: one per folder made
		// the cache grow with the tree (7 MB for 100,000 folders).
		if parent := filepath.Dir(dir); parent != dir {
			return l.dir(parent)
		}
		return &dirEntry{}
	}
	de := &dirEntry{}
	l.dirs[dir] = de // a placeholder; filled below
	p := filepath.Join(dir, FileName)
	if l.isFile(dir, FileName) {
		de.cfg, de.err = l.load(p, nil)
		return de
	}
	for _, name := range hadolintNames {
		if l.isFile(dir, name) {
			de.hadolint = filepath.Join(dir, name)
			break
		}
	}
	parent := filepath.Dir(dir)
	if l.exists(dir, ".git") || parent == dir {
		return de
	}
	up := l.dir(parent)
	de.cfg, de.err = up.cfg, up.err
	if de.hadolint == "" {
		de.hadolint = up.hadolint
	}
	return de
}

// Listing is what a walk saw of the folders it read, so that looking a folder's
// configuration up needs no stat of each name there.
type Listing interface {
	// Entry says whether the folder dir (absolute, clean) holds name, and its type
	// (fs.DirEntry.Type bits); known is false for a folder the walk did not read
	// completely, or an entry whose type it cannot tell (a symlink).
	Entry(dir, name string) (present bool, typ fs.FileMode, known bool)
	// Plain reports that the walk read dir completely and it holds none of the names.
	Plain(dir string) bool
}

// ListedNames are the names a Listing must record: the only ones the Loader asks
// about.
func ListedNames() []string { return append([]string{FileName, ".git"}, hadolintNames...) }

// SetListing makes the Loader take from l what a walk saw instead of a stat. The
// answers are the file system's as the walk saw it.
func (l *Loader) SetListing(ls Listing) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.listing = ls
}

// isFile reports whether dir holds name and it is not a folder, following symlinks.
func (l *Loader) isFile(dir, name string) bool {
	if l.listing != nil {
		if present, typ, known := l.listing.Entry(dir, name); known && typ&fs.ModeSymlink == 0 {
			return present && !typ.IsDir()
		}
	}
	return isFile(filepath.Join(dir, name))
}

// exists reports whether dir holds name, whatever it is.
func (l *Loader) exists(dir, name string) bool {
	if l.listing != nil {
		if present, _, known := l.listing.Entry(dir, name); known {
			return present
		}
	}
	return exists(filepath.Join(dir, name))
}

func isFile(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir()
}

func exists(p string) bool {
	_, err := os.Lstat(p)
	return err == nil
}

// load reads the configuration file at path (absolute) and what it extends. chain is
// the files that extend it, nearest first, for finding cycles.
func (l *Loader) load(path string, chain []string) (*loaded, error) {
	if fe, ok := l.files[path]; ok {
		return fe.cfg, fe.err
	}
	cfg, err := l.read(path, chain)
	l.files[path] = &fileEntry{cfg: cfg, err: err}
	return cfg, err
}

func (l *Loader) read(path string, chain []string) (*loaded, error) {
	shown := Display(path)
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, &Error{Path: shown, Msg: "does not exist"}
		}
		return nil, &Error{Path: shown, Msg: unwrapPathError(err)}
	}
	raw, pos, err := parseFile(shown, data, l.rules)
	if err != nil {
		return nil, err
	}
	dir := filepath.Dir(path)
	cfg := &loaded{
		path: path, sources: []string{path},
		sel: canonical(l.rules, raw.Select), ignore: canonical(l.rules, raw.Ignore),
		unsafe: raw.UnsafeFixes, pin: raw.Pin, registryMirrors: raw.RegistryMirrors,
		ruleOptions: map[string]map[string]any{},
	}
	if raw.PinLock != nil {
		p := filepath.Join(dir, filepath.FromSlash(*raw.PinLock))
		if filepath.IsAbs(*raw.PinLock) {
			p = *raw.PinLock
		}
		cfg.pinLock = &p
	}
	for name, opts := range raw.Rules {
		cfg.ruleOptions[fix.Lookup(l.rules, name).Name] = opts
	}
	for i, o := range raw.Overrides {
		ov := override{
			dir: dir, where: fmt.Sprintf("%s:%d", shown, pos.line("overrides", strconv.Itoa(i))),
			files: o.Files, unsafe: o.UnsafeFixes,
		}
		if o.Select != nil {
			ov.layer.Select, ov.layer.HasSelect = *canonical(l.rules, o.Select), true
		}
		if o.Ignore != nil {
			ov.layer.Ignore = *canonical(l.rules, o.Ignore)
		}
		cfg.overrides = append(cfg.overrides, ov)
	}
	if raw.Extend == nil {
		return cfg, nil
	}
	line := pos.line("extend")
	target := filepath.FromSlash(*raw.Extend)
	if !filepath.IsAbs(target) {
		target = filepath.Join(dir, target)
	}
	fi, err := os.Stat(target)
	if err != nil {
		return nil, &Error{Path: shown, Line: line, Msg: fmt.Sprintf("extend: %s does not exist", *raw.Extend)}
	}
	if fi.IsDir() {
		target = filepath.Join(target, FileName)
		if !isFile(target) {
			return nil, &Error{Path: shown, Line: line, Msg: fmt.Sprintf("extend: %s has no %s", *raw.Extend, FileName)}
		}
	}
	chain = append([]string{path}, chain...)
	for i, c := range chain {
		if c == target {
			var cycle []string
			for j := i; j >= 0; j-- {
				cycle = append(cycle, Display(chain[j]))
			}
			cycle = append(cycle, Display(target))
			return nil, &Error{Path: shown, Line: line, Msg: "extend: cycle: " + strings.Join(cycle, " -> ")}
		}
	}
	if len(chain) >= maxExtend {
		return nil, &Error{Path: shown, Line: line, Msg: fmt.Sprintf("extend: more than %d files deep", maxExtend)}
	}
	parent, err := l.load(target, chain)
	if err != nil {
		return nil, err
	}
	return merge(parent, cfg), nil
}

// merge puts child over parent, key by key: a key the child sets replaces the
// parent's; rule tables replace per rule; the parent's overrides come first.
func merge(parent, child *loaded) *loaded {
	m := *child
	m.sources = append(append([]string{}, child.sources...), parent.sources...)
	if m.sel == nil {
		m.sel = parent.sel
	}
	if m.ignore == nil {
		m.ignore = parent.ignore
	}
	if m.unsafe == nil {
		m.unsafe = parent.unsafe
	}
	if m.pin == nil {
		m.pin = parent.pin
	}
	if m.pinLock == nil {
		m.pinLock = parent.pinLock
	}
	if m.registryMirrors == nil {
		m.registryMirrors = parent.registryMirrors
	}
	m.ruleOptions = map[string]map[string]any{}
	for k, v := range parent.ruleOptions {
		m.ruleOptions[k] = v
	}
	for k, v := range child.ruleOptions {
		m.ruleOptions[k] = v
	}
	m.overrides = append(append([]override{}, parent.overrides...), child.overrides...)
	return &m
}

// canonical replaces codes by rule names ("DL3025" -> "exec-form"), keeping "all".
func canonical(rules []*fix.Rule, names *[]string) *[]string {
	if names == nil {
		return nil
	}
	out := []string{}
	for _, n := range *names {
		if r := fix.Lookup(rules, n); r != nil {
			out = append(out, r.Name)
		} else {
			out = append(out, strings.ToLower(n))
		}
	}
	return &out
}

func unwrapPathError(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// Display is a path as shown in messages: relative to the working folder when it is
// inside it, slash-separated.
func Display(p string) string {
	if wd, err := os.Getwd(); err == nil && filepath.IsAbs(p) {
		if rel, err := filepath.Rel(wd, p); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			p = rel
		}
	}
	return filepath.ToSlash(p)
}

// RuleNames returns the names of rules, for display.
func RuleNames(rules []*fix.Rule) []string {
	names := make([]string, len(rules))
	for i, r := range rules {
		names[i] = r.Name
	}
	sort.Strings(names)
	return names
}
