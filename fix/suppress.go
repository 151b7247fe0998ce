package fix

import (
	"regexp"
	"strings"

	"github.com/dfix-dev/dfix/rewrite"
)

// Suppressions are the rules a file turns off, globally or for one instruction, with
// dfix's own comments and the ones hadolint and BuildKit users already write:
//
//	# dfix ignore=rule[,rule]            (on the comment lines right above an instruction)
//	# dfix global ignore=rule[,rule]     (anywhere)
//	# hadolint ignore=DL3015             # hadolint global ignore=DL3015
//	# check=skip=JSONArgsRecommended     (BuildKit parser directive)
type Suppressions struct {
	global    []string
	checkSkip []string         // from # check=skip=: "all" there means every BuildKit check
	byLine    map[int][]string // 1-based instruction start line -> names
}

var suppressRe = regexp.MustCompile(`^#\s*(dfix|hadolint)\s+(global\s+)?ignore\s*=\s*(.*)$`)

func splitNames(s string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' }) {
		if f != "" {
			out = append(out, f)
		}
	}
	return out
}

// parseSuppressions reads every suppression comment of a document.
func parseSuppressions(doc *rewrite.Document) *Suppressions {
	s := &Suppressions{byLine: map[int][]string{}}
	for _, dir := range doc.Directives() {
		if dir.Name != "check" {
			continue
		}
		for _, part := range strings.Split(dir.Value, ";") {
			k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
			if ok && strings.TrimSpace(k) == "skip" {
				s.checkSkip = append(s.checkSkip, splitNames(v)...)
			}
		}
	}
	local := map[int][]string{} // comment line (1-based) -> names
	for li := 0; li < doc.NumLines(); li++ {
		if !doc.IsComment(li) {
			continue
		}
		m := suppressRe.FindStringSubmatch(strings.TrimSpace(doc.Line(li)))
		if m == nil {
			continue
		}
		names := splitNames(m[3])
		if m[2] != "" {
			s.global = append(s.global, names...)
		} else {
			local[li+1] = names
		}
	}
	// A local suppression applies to the instruction that follows its block of comment
	// lines directly.
	for _, in := range doc.Instructions {
		for l := in.StartLine - 1; l >= 1 && doc.IsComment(l-1); l-- {
			s.byLine[in.StartLine] = append(s.byLine[in.StartLine], local[l]...)
		}
	}
	return s
}

// Suppressed reports whether rule r is turned off for the instruction starting at line.
func (s *Suppressions) Suppressed(r *Rule, line int) bool {
	for _, n := range s.checkSkip {
		if strings.EqualFold(n, "all") && len(r.BuildKit) > 0 || r.Matches(n) {
			return true
		}
	}
	for _, n := range s.global {
		if strings.EqualFold(n, "all") || r.Matches(n) {
			return true
		}
	}
	for _, n := range s.byLine[line] {
		if r.Matches(n) {
			return true
		}
	}
	return false
}
