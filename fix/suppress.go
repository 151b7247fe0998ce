package fix

import (
	"bytes"
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
//	# check=skip=JSONArgsRecommended     (BuildKit: as the parser directive at the top, it
//	                                     applies to the file; right above an instruction,
//	                                     to that instruction, as BuildKit's linter reads it)
type Suppressions struct {
	global    []string
	checkSkip []string         // from # check=skip=: "all" there means every BuildKit check
	byLine    map[int][]string // 1-based instruction start line -> names
	checkLine map[int][]string // 1-based instruction start line -> check=skip names
}

var checkRe = regexp.MustCompile(`^#\s*check\s*=\s*(.*)$`)

// checkSkips returns the names of a BuildKit check value: "skip=A,B;error=true".
func checkSkips(value string) []string {
	var out []string
	for _, part := range strings.Split(value, ";") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if ok && strings.TrimSpace(k) == "skip" {
			out = append(out, splitNames(v)...)
		}
	}
	return out
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
	s := &Suppressions{byLine: map[int][]string{}, checkLine: map[int][]string{}}
	for _, dir := range doc.Directives() {
		if dir.Name == "check" {
			s.checkSkip = append(s.checkSkip, checkSkips(dir.Value)...)
		}
	}
	local := map[int][]string{}      // comment line (1-based) -> names
	localCheck := map[int][]string{} // comment line (1-based) -> check=skip names
	for _, li := range doc.CommentLines() {
		raw := doc.LineBytes(li)
		hasCheck, hasIgnore := bytes.Contains(raw, []byte("check")), bytes.Contains(raw, []byte("ignore"))
		if !hasCheck && !hasIgnore {
			continue // neither expression can match: they need these words
		}
		line := strings.TrimSpace(string(raw))
		if m := checkRe.FindStringSubmatch(line); m != nil {
			localCheck[li+1] = checkSkips(m[1])
		}
		if !hasIgnore {
			continue
		}
		m := suppressRe.FindStringSubmatch(line)
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
			s.checkLine[in.StartLine] = append(s.checkLine[in.StartLine], localCheck[l]...)
		}
	}
	return s
}

// Suppressed reports whether rule r is turned off for the instruction starting at line.
func (s *Suppressions) Suppressed(r *Rule, line int) bool {
	for _, n := range append(s.checkSkip, s.checkLine[line]...) {
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
