package config

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/bmatcuk/doublestar/v4"
	"github.com/dfix-dev/dfix/fix"
	"github.com/pelletier/go-toml/v2"
	"github.com/pelletier/go-toml/v2/unstable"
)

// Error is a problem in a configuration file. Its text is "path:line: message", the
// way compilers name a place, so that editors can jump to it.
type Error struct {
	Path string // as shown: relative to the working folder when inside it
	Line int    // 1-based; 0 when the problem is the file as a whole
	Msg  string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.Path, e.Line, e.Msg)
	}
	return e.Path + ": " + e.Msg
}

// rawFile is one .dfix.toml as written. Pointers tell "not set" (inherit) from a value.
type rawFile struct {
	Extend          *string                   `toml:"extend"`
	Select          *[]string                 `toml:"select"`
	Ignore          *[]string                 `toml:"ignore"`
	UnsafeFixes     *bool                     `toml:"unsafe-fixes"`
	Pin             *bool                     `toml:"pin"`
	PinLock         *string                   `toml:"pin-lock"`
	RegistryMirrors *[]string                 `toml:"registry-mirrors"`
	Rules           map[string]map[string]any `toml:"rules"`
	Overrides       []rawOverride             `toml:"overrides"`
}

// rawOverride is one [[overrides]] table.
type rawOverride struct {
	Files       []string  `toml:"files"`
	Select      *[]string `toml:"select"`
	Ignore      *[]string `toml:"ignore"`
	UnsafeFixes *bool     `toml:"unsafe-fixes"`
}

// keyWants says what each key holds, for type errors. Keyed by the last key name.
var keyWants = map[string]string{
	"extend":           "a path to a .dfix.toml or its folder",
	"select":           "an array of rule names",
	"ignore":           "an array of rule names",
	"unsafe-fixes":     "true or false",
	"pin":              "true or false",
	"pin-lock":         "a file path",
	"registry-mirrors": `an array of "REGISTRY=HOST" strings`,
	"rules":            "a table of rule tables ([rules.RULE])",
	"overrides":        "an array of tables ([[overrides]])",
	"files":            "an array of glob patterns",
}

// knownKeys are the keys of each table, for "did you mean" hints.
var (
	topKeys      = []string{"extend", "select", "ignore", "unsafe-fixes", "pin", "pin-lock", "registry-mirrors", "rules", "overrides"}
	overrideKeys = []string{"files", "select", "ignore", "unsafe-fixes"}
)

var cannotDecode = regexp.MustCompile(`^cannot decode TOML (\w+) into`)

// parseFile decodes and validates one configuration file. shown is the path used in
// messages.
func parseFile(shown string, data []byte, rules []*fix.Rule) (*rawFile, *positions, error) {
	var raw rawFile
	dec := toml.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	err := dec.Decode(&raw)
	var strict *toml.StrictMissingError
	var de *toml.DecodeError
	switch {
	case errors.As(err, &strict):
		var errs []error
		for _, e := range strict.Errors {
			line, _ := e.Position()
			errs = append(errs, &Error{Path: shown, Line: line, Msg: unknownKey(e.Key())})
		}
		return nil, nil, errors.Join(errs...)
	case errors.As(err, &de):
		line, _ := de.Position()
		return nil, nil, &Error{Path: shown, Line: line, Msg: decodeMessage(de)}
	case err != nil:
		return nil, nil, &Error{Path: shown, Msg: strings.TrimPrefix(err.Error(), "toml: ")}
	}
	pos := keyPositions(data)
	if err := validate(shown, &raw, pos, rules); err != nil {
		return nil, nil, err
	}
	return &raw, pos, nil
}

// unknownKey words the error for a key the file format does not have.
func unknownKey(key []string) string {
	name := key[len(key)-1]
	var where string
	var known []string
	switch {
	case len(key) == 1:
		known = topKeys
	case key[0] == "overrides" && len(key) == 2:
		where, known = " in [[overrides]]", overrideKeys
	default:
		where = " in [" + strings.Join(key[:len(key)-1], ".") + "]"
	}
	msg := fmt.Sprintf("unknown key %q%s", name, where)
	if s := suggest(name, known); s != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", s)
	}
	return msg
}

// suggest returns the known key that name most likely misspells: the same up to case
// and _ for -, or at most two letters off.
func suggest(name string, known []string) string {
	n := strings.ReplaceAll(strings.ToLower(name), "_", "-")
	best, bestDist := "", 3
	for _, k := range known {
		if d := editDistance(n, k); d < bestDist {
			best, bestDist = k, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// decodeMessage turns go-toml's type errors, which name Go types, into what the key
// should hold.
func decodeMessage(de *toml.DecodeError) string {
	msg := strings.TrimPrefix(de.Error(), "toml: ")
	key := de.Key()
	if len(key) == 0 {
		return "invalid TOML: " + msg
	}
	name := strings.Join(key, ".")
	m := cannotDecode.FindStringSubmatch(msg)
	if m == nil {
		return "invalid TOML: " + msg
	}
	want := keyWants[key[len(key)-1]]
	if len(key) == 2 && key[0] == "rules" {
		want = fmt.Sprintf("a table ([rules.%s])", key[1])
	}
	if want == "" {
		return name + ": " + msg
	}
	return fmt.Sprintf("%s: expected %s, found %s", name, want, article(m[1]))
}

func article(kind string) string {
	switch kind[0] {
	case 'a', 'e', 'i', 'o', 'u':
		return "an " + kind
	}
	return "a " + kind
}

// positions maps key paths ("overrides", "0", "select", "2" for the third element of
// an override's select) to the line they are written on.
type positions struct{ lines map[string]int }

func joinKey(parts []string) string { return strings.Join(parts, "\x00") }

// line returns the line of the key path, or of its nearest written ancestor.
func (p *positions) line(parts ...string) int {
	for n := len(parts); n > 0; n-- {
		if l, ok := p.lines[joinKey(parts[:n])]; ok {
			return l
		}
	}
	return 0
}

// keyPositions walks the TOML document with go-toml's parser, which keeps byte ranges,
// to find the line of every key and array element. The document already decoded, so
// it parses.
func keyPositions(data []byte) *positions {
	pos := &positions{lines: map[string]int{}}
	var p unstable.Parser
	p.Reset(data)
	lineOf := func(n *unstable.Node) int { return p.Shape(n.Raw).Start.Line }
	keyOf := func(it unstable.Iterator) ([]string, int) {
		var parts []string
		line := 0
		for it.Next() {
			n := it.Node()
			parts = append(parts, string(n.Data))
			if line == 0 {
				line = lineOf(n)
			}
		}
		return parts, line
	}
	record := func(parts []string, line int) {
		if _, ok := pos.lines[joinKey(parts)]; !ok && line > 0 {
			pos.lines[joinKey(parts)] = line
		}
	}
	var walk func(path []string, v *unstable.Node, line int)
	walk = func(path []string, v *unstable.Node, line int) {
		switch v.Kind {
		case unstable.Array:
			it := v.Children()
			for i := 0; it.Next(); i++ {
				n := it.Node()
				if n.Kind == unstable.Comment {
					i--
					continue
				}
				el := append(append([]string{}, path...), strconv.Itoa(i))
				l := line
				if n.Kind != unstable.Array && n.Kind != unstable.InlineTable {
					l = lineOf(n)
				}
				record(el, l)
				walk(el, n, l)
			}
		case unstable.InlineTable:
			it := v.Children()
			for it.Next() {
				kv := it.Node()
				if kv.Kind != unstable.KeyValue {
					continue
				}
				k, l := keyOf(kv.Key())
				full := append(append([]string{}, path...), k...)
				record(full, l)
				walk(full, kv.Value(), l)
			}
		}
	}
	var table []string
	arrays := map[string]int{}
	for p.NextExpression() {
		e := p.Expression()
		switch e.Kind {
		case unstable.Table:
			k, l := keyOf(e.Key())
			table = k
			record(table, l)
		case unstable.ArrayTable:
			k, l := keyOf(e.Key())
			n := arrays[joinKey(k)]
			arrays[joinKey(k)]++
			record(k, l)
			table = append(k, strconv.Itoa(n))
			record(table, l)
		case unstable.KeyValue:
			k, l := keyOf(e.Key())
			full := append(append([]string{}, table...), k...)
			record(full, l)
			walk(full, e.Value(), l)
		}
	}
	return pos
}

// validate checks what the types do not: rule names, globs, mirrors, rule options.
func validate(shown string, raw *rawFile, pos *positions, rules []*fix.Rule) error {
	var errs []error
	bad := func(line int, format string, args ...any) {
		errs = append(errs, &Error{Path: shown, Line: line, Msg: fmt.Sprintf(format, args...)})
	}
	checkNames := func(key string, names *[]string, allowAll bool, path ...string) {
		if names == nil {
			return
		}
		for i, n := range *names {
			if allowAll && strings.EqualFold(n, "all") {
				continue
			}
			if fix.Lookup(rules, n) == nil {
				bad(pos.line(append(path, key, strconv.Itoa(i))...), "%s: unknown rule %q (see `dfix rules`)", key, n)
			}
		}
	}
	if raw.Extend != nil && strings.TrimSpace(*raw.Extend) == "" {
		bad(pos.line("extend"), "extend: empty path")
	}
	checkNames("select", raw.Select, true)
	checkNames("ignore", raw.Ignore, false)
	if raw.PinLock != nil && strings.TrimSpace(*raw.PinLock) == "" {
		bad(pos.line("pin-lock"), "pin-lock: empty path")
	}
	if raw.RegistryMirrors != nil {
		for i, m := range *raw.RegistryMirrors {
			reg, host, ok := strings.Cut(m, "=")
			if !ok || strings.TrimSpace(reg) == "" || strings.TrimSpace(host) == "" {
				bad(pos.line("registry-mirrors", strconv.Itoa(i)), "registry-mirrors: %q is not REGISTRY=HOST[:PORT][/PATH]", m)
			}
		}
	}
	names := make([]string, 0, len(raw.Rules))
	for name := range raw.Rules {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		line := pos.line("rules", name)
		r := fix.Lookup(rules, name)
		if r == nil {
			bad(line, "[rules.%s]: unknown rule %q (see `dfix rules`)", name, name)
			continue
		}
		// No rule takes options yet: every key in its table is unknown.
		keys := make([]string, 0, len(raw.Rules[name]))
		for k := range raw.Rules[name] {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			bad(pos.line("rules", name, k), "unknown key %q in [rules.%s] (rule %s takes no options)", k, name, r.Name)
		}
	}
	for i, o := range raw.Overrides {
		idx := strconv.Itoa(i)
		if len(o.Files) == 0 {
			bad(pos.line("overrides", idx), "[[overrides]]: files is missing or empty (an array of glob patterns, relative to this file's folder)")
		}
		for j, g := range o.Files {
			if g == "" || !doublestar.ValidatePattern(strings.TrimPrefix(g, "./")) {
				bad(pos.line("overrides", idx, "files", strconv.Itoa(j)), "[[overrides]]: files: %q is not a valid glob pattern", g)
			}
		}
		checkNames("select", o.Select, true, "overrides", idx)
		checkNames("ignore", o.Ignore, false, "overrides", idx)
	}
	return errors.Join(errs...)
}
