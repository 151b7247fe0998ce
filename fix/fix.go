// Package fix holds dfix's rules, the fixes they propose, and the driver that applies
// them to a Dockerfile until nothing changes.
package fix

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/dfix-dev/dfix/rewrite"
)

// Applicability says when a fix may be applied (ruff's model).
type Applicability int

const (
	// DisplayOnly fixes are reported with advice and never applied.
	DisplayOnly Applicability = iota
	// Unsafe fixes may change what gets built; applied only with --unsafe-fixes.
	Unsafe
	// Safe fixes keep the exact meaning of the build; applied by default.
	Safe
)

func (a Applicability) String() string {
	switch a {
	case Safe:
		return "safe"
	case Unsafe:
		return "unsafe"
	}
	return "display-only"
}

// MarshalJSON writes the applicability as its name.
func (a Applicability) MarshalJSON() ([]byte, error) { return json.Marshal(a.String()) }

// Fix is a change proposed for one diagnostic: byte-range edits against the text the
// rule saw, applied whole or not at all.
type Fix struct {
	Title         string         `json:"title"` // a verb phrase: "Add --no-install-recommends"
	Applicability Applicability  `json:"applicability"`
	Edits         []rewrite.Edit `json:"edits"`
	// Instructions is how the fix changes the instruction list, by keyword: {"run": -1}
	// for a merge of two RUNs, {"workdir": 1} for a new WORKDIR. The driver checks the
	// re-parsed file against it; a fix without it must keep the list exactly.
	Instructions map[string]int `json:"instructions,omitempty"`
}

// Diagnostic is one finding of a rule.
type Diagnostic struct {
	Rule    *Rule
	Start   int // file offsets of the text the finding is about
	End     int
	Message string
	Help    string // advice when there is no applicable fix
	Fix     *Fix   // nil when the rule cannot propose one
}

// Position is a finding's place in a file, for output.
type Position struct {
	Line, Column       int
	EndLine, EndColumn int
}

// PositionIn returns the diagnostic's position in doc.
func (d *Diagnostic) PositionIn(doc *rewrite.Document) Position {
	return Position{
		Line: doc.LineOf(d.Start), Column: doc.Column(d.Start),
		EndLine: doc.LineOf(max(d.Start, d.End-1)), EndColumn: doc.Column(d.End),
	}
}

// Fixable reports whether the diagnostic's fix would be applied with or without
// --unsafe-fixes.
func (d *Diagnostic) Fixable(unsafe bool) bool {
	if d.Fix == nil {
		return false
	}
	return d.Fix.Applicability == Safe || unsafe && d.Fix.Applicability == Unsafe
}

// Pass is what a rule's check sees of one file.
type Pass struct {
	Doc   *rewrite.Document
	Facts *Facts
	// Pin is the pin-digest rule's resolver and settings (nil: look nothing up).
	Pin    *PinOptions
	report func(Diagnostic)
	// context is the build context, for rules that look at its files.
	context *buildContext
}

// Report records a finding.
func (p *Pass) Report(d Diagnostic) { p.report(d) }

// Rule is a rule declared as data: everything the CLI, the docs and SARIF say about
// it comes from here.
type Rule struct {
	Name          string        `json:"name"`  // kebab-case, the name users select
	Title         string        `json:"title"` // one line
	Doc           string        `json:"doc"`   // why it matters and what the fix does
	Before        string        `json:"before"`
	After         string        `json:"after"`
	Hadolint      []string      `json:"hadolint,omitempty"` // hadolint codes, DLxxxx
	BuildKit      []string      `json:"buildkit,omitempty"` // BuildKit check names
	Applicability Applicability `json:"applicability"`      // of the fix the rule proposes at best
	// FixNote qualifies the applicability when it depends on the case
	// ("unsafe for ENTRYPOINT").
	FixNote string      `json:"fix_note,omitempty"`
	Default bool        `json:"default"` // enabled without --select
	Check   func(*Pass) `json:"-"`
}

// FixSummary is the applicability as shown to people: "safe (unsafe for ENTRYPOINT)".
func (r *Rule) FixSummary() string {
	if r.FixNote != "" {
		return r.Applicability.String() + " (" + r.FixNote + ")"
	}
	return r.Applicability.String()
}

// Codes returns every name the rule answers to.
func (r *Rule) Codes() []string {
	return append(append([]string{r.Name}, r.Hadolint...), r.BuildKit...)
}

// Matches reports whether name (a rule name, hadolint code or BuildKit check, in any
// case) designates r.
func (r *Rule) Matches(name string) bool {
	for _, c := range r.Codes() {
		if strings.EqualFold(c, name) {
			return true
		}
	}
	return false
}

// Equivalents returns "DL3015, JSONArgsRecommended" for display.
func (r *Rule) Equivalents() string {
	return strings.Join(append(append([]string{}, r.Hadolint...), r.BuildKit...), ", ")
}

func (r *Rule) String() string { return r.Name }

// Problem is something that went wrong inside dfix while fixing a file: a fix that
// broke the file and was dropped, or rules that did not settle. The file is still
// written without the offending fix.
type Problem struct {
	Rule    string
	Line    int
	Message string
}

func (p Problem) String() string {
	if p.Line > 0 {
		return fmt.Sprintf("line %d: %s: %s", p.Line, p.Rule, p.Message)
	}
	return fmt.Sprintf("%s: %s", p.Rule, p.Message)
}
