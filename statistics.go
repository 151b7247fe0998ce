package main

// --statistics (ruff's): instead of the findings, one line per rule that has any: how
// many, how many with a safe and with an unsafe fix, in how many files; sorted by count.
// Also what the reporter gathers for --add-ignore and --format markdown.

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/dfix-dev/dfix/fix"
	"github.com/dfix-dev/dfix/rewrite"
)

// monorepoReport is the reporter's part for --add-ignore, --statistics and
// --format markdown.
type monorepoReport struct {
	ignoreComments, ignoredFindings int
	stats                           map[string]*ruleStat
	mdFiles                         []*mdFile
}

// ruleStat is one line of --statistics.
type ruleStat struct {
	Rule   string   `json:"rule"`
	Codes  []string `json:"codes,omitempty"`
	Title  string   `json:"title"`
	Count  int      `json:"count"`
	Safe   int      `json:"safe"`   // findings with a safe fix
	Unsafe int      `json:"unsafe"` // findings with an unsafe fix
	Files  int      `json:"files"`
	last   string   // the last file counted
}

// collect gathers what --add-ignore, --statistics and --format markdown need of one
// file: shown are the findings listed for it (in doc), unwritten is true when
// -w --verify kept the file as it was.
func (rp *reporter) collect(fr *fileResult, shown []fix.Diagnostic, doc *rewrite.Document, unsafe, unwritten bool) {
	cfg := rp.cfg
	if fr.ignores != nil && !unwritten {
		rp.ignoreComments += fr.ignores.comments
		rp.ignoredFindings += len(fr.ignores.findings)
	}
	if cfg.statistics {
		if rp.stats == nil {
			rp.stats = map[string]*ruleStat{}
		}
		for _, d := range fr.res.Findings {
			st := rp.stats[d.Rule.Name]
			if st == nil {
				st = &ruleStat{Rule: d.Rule.Name, Codes: append(append([]string{}, d.Rule.Hadolint...), d.Rule.BuildKit...), Title: d.Rule.Title}
				rp.stats[d.Rule.Name] = st
			}
			st.Count++
			if d.Fix != nil {
				switch d.Fix.Applicability {
				case fix.Safe:
					st.Safe++
				case fix.Unsafe:
					st.Unsafe++
				}
			}
			if st.last != fr.path {
				st.last = fr.path
				st.Files++
			}
		}
	}
	if cfg.format == "markdown" {
		rp.mdFiles = append(rp.mdFiles, rp.markdownFile(fr, shown, doc, unsafe, unwritten))
	}
}

// ignoreSummary is the --add-ignore part of the summary: " and added 2 ignore
// comments for 3 findings".
func (rp *reporter) ignoreSummary(verb string) string {
	if rp.ignoredFindings == 0 {
		return ""
	}
	return fmt.Sprintf(" and %s %s for %s", verb, plural(rp.ignoreComments, "ignore comment"), plural(rp.ignoredFindings, "finding"))
}

// statistics returns the lines of --statistics, most findings first.
func (rp *reporter) statistics() []*ruleStat {
	out := make([]*ruleStat, 0, len(rp.stats))
	for _, st := range rp.stats {
		out = append(out, st)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Rule < out[j].Rule
	})
	return out
}

// writeStatistics prints --statistics as a table, or as a JSON array.
func (rp *reporter) writeStatistics(w io.Writer, format string) error {
	stats := rp.statistics()
	if format == "json" {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(stats)
	}
	if len(stats) == 0 {
		return nil
	}
	rows := [][]string{{"COUNT", "SAFE", "UNSAFE", "FILES", "RULE", "CODES"}}
	for _, st := range stats {
		rows = append(rows, []string{fmt.Sprint(st.Count), fmt.Sprint(st.Safe), fmt.Sprint(st.Unsafe), fmt.Sprint(st.Files),
			st.Rule, strings.Join(st.Codes, ", ")})
	}
	widths := make([]int, len(rows[0]))
	for _, r := range rows {
		for i, c := range r {
			widths[i] = max(widths[i], len(c))
		}
	}
	for _, r := range rows {
		var b strings.Builder
		for i, c := range r {
			switch {
			case i < 4: // numbers, right-aligned
				fmt.Fprintf(&b, "%*s  ", widths[i], c)
			case i == len(r)-1:
				b.WriteString(c)
			default:
				fmt.Fprintf(&b, "%-*s  ", widths[i], c)
			}
		}
		if _, err := fmt.Fprintln(w, strings.TrimRight(b.String(), " ")); err != nil {
			return err
		}
	}
	return nil
}

// record is a finding's JSON record, with the owners of its file when the repository
// has a CODEOWNERS file.
func (rp *reporter) record(path string, doc *rewrite.Document, d fix.Diagnostic, fixed bool) findingRecord {
	r := record(path, doc, d, fixed)
	if owners, known := rp.cfg.ownersOf(path); known {
		r.Owners = append([]string{}, owners...) // [] for a file no line owns
	}
	return r
}
