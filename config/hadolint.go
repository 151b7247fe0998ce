package config

import (
	"fmt"
	"os"
	"strings"

	"github.com/dfix-dev/dfix/fix"
	"gopkg.in/yaml.v3"
)

// hadolintNames are the names of hadolint's configuration file, in hadolint's order.
var hadolintNames = []string{".hadolint.yaml", ".hadolint.yml"}

// hadolintFile is what dfix takes from a hadolint configuration: its ignored: list,
// as the dfix rules that cover those codes.
type hadolintFile struct {
	path      string
	codes     int      // codes in ignored:
	rules     []string // dfix rule names they map to
	unmatched []string // codes no dfix rule covers
}

type hadolintEntry struct {
	hl  *hadolintFile
	err error
}

func (l *Loader) loadHadolint(path string) (*hadolintFile, error) {
	if e, ok := l.hadolint[path]; ok {
		return e.hl, e.err
	}
	hl, err := readHadolint(path, l.rules)
	l.hadolint[path] = &hadolintEntry{hl, err}
	return hl, err
}

// readHadolint reads the ignored: list of a .hadolint.yaml. Its other keys (override,
// trustedRegistries, failure-threshold...) have no dfix meaning and are left alone.
func readHadolint(path string, rules []*fix.Rule) (*hadolintFile, error) {
	shown := Display(path)
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &Error{Path: shown, Msg: unwrapPathError(err)}
	}
	var doc struct {
		Ignored []string `yaml:"ignored"`
	}
	if err := yaml.Unmarshal(data, &doc); err != nil {
		msg := strings.TrimPrefix(err.Error(), "yaml: ")
		return nil, &Error{Path: shown, Msg: "not a hadolint configuration: " + msg}
	}
	hl := &hadolintFile{path: path, codes: len(doc.Ignored)}
	seen := map[string]bool{}
	for _, code := range doc.Ignored {
		code = strings.TrimSpace(code)
		r := fix.Lookup(rules, code)
		if r == nil {
			hl.unmatched = append(hl.unmatched, code)
			continue
		}
		if !seen[r.Name] {
			seen[r.Name] = true
			hl.rules = append(hl.rules, r.Name)
		}
	}
	return hl, nil
}

// noteText is the one-time message telling the user the hadolint list is used.
func (hl *hadolintFile) noteText() string {
	var what string
	switch {
	case hl.codes == 0:
		what = "its ignored: list is empty"
	case len(hl.rules) == 0:
		what = fmt.Sprintf("none of its %d ignored codes is covered by a dfix rule", hl.codes)
	default:
		what = "ignoring " + strings.Join(hl.rules, ", ")
		if n := len(hl.unmatched); n > 0 {
			what += fmt.Sprintf(" (%d more codes have no dfix rule)", n)
		}
	}
	return fmt.Sprintf("note: no %s applies, using the ignored: list of %s: %s", FileName, Display(hl.path), what)
}
