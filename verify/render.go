package verify

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"
	"time"
)

// Summary adds up the reports of a run.
type Summary struct {
	Files         int   `json:"files"`
	Pass          int   `json:"pass"`
	Broken        int   `json:"broken"`
	OriginalFails int   `json:"original_fails"`
	Unverified    int   `json:"unverified"`
	Saved         int64 `json:"saved"` // bytes, over the files that pass
	// Rules are the per-rule totals, by rule name.
	Rules map[string]*RuleTotal `json:"rules"`
}

// RuleTotal is one rule's record over a run.
type RuleTotal struct {
	Files  int `json:"files"`  // files the rule changed
	Pass   int `json:"pass"`   // of those, files whose fixed build passed
	Broken int `json:"broken"` // files where the rule is blamed
	// Saved is the bytes attributed to the rule: the whole change of files it alone
	// touched, and its --per-rule measure elsewhere.
	Saved int64 `json:"saved"`
	// Attributed counts the files whose change could be attributed to the rule.
	Attributed int `json:"attributed"`
}

// Summarize adds up reports.
func Summarize(reports []*Report) *Summary {
	s := &Summary{Rules: map[string]*RuleTotal{}}
	for _, r := range reports {
		s.Files++
		switch r.Status {
		case Pass:
			s.Pass++
			s.Saved += r.Saved()
		case Broken:
			s.Broken++
		case OriginalFails:
			s.OriginalFails++
		default:
			s.Unverified++
		}
		per := map[string]RuleSize{}
		for _, p := range r.PerRule {
			per[p.Rule] = p
		}
		for _, name := range r.Rules {
			t := s.Rules[name]
			if t == nil {
				t = &RuleTotal{}
				s.Rules[name] = t
			}
			t.Files++
			if r.Status == Pass {
				t.Pass++
				if len(r.Rules) == 1 {
					t.Saved += r.Saved()
					t.Attributed++
				} else if p, ok := per[name]; ok && p.OK {
					t.Saved += p.Saved
					t.Attributed++
				}
			}
			if slices.Contains(r.Blame, name) {
				t.Broken++
			}
		}
	}
	return s
}

// Headline is the one-line verdict: "3 images rebuilt, all pass, 48.2 MB smaller in total".
func (s *Summary) Headline() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d %s rebuilt", s.Files, plural(s.Files, "image"))
	switch {
	case s.Files == 0:
		return "no Dockerfile changed, nothing to build"
	case s.Pass == s.Files:
		if s.Files == 1 {
			b.WriteString(", it passes")
		} else {
			b.WriteString(", all pass")
		}
	default:
		var parts []string
		for _, p := range []struct {
			n    int
			what string
		}{{s.Pass, "pass"}, {s.Broken, "broken by a fix"}, {s.OriginalFails, "fail before any fix"}, {s.Unverified, "unverified"}} {
			if p.n > 0 {
				parts = append(parts, fmt.Sprintf("%d %s", p.n, p.what))
			}
		}
		b.WriteString(": " + strings.Join(parts, ", "))
	}
	switch {
	case s.Saved > 0:
		fmt.Fprintf(&b, ", %s smaller in total", Bytes(s.Saved))
	case s.Saved < 0:
		fmt.Fprintf(&b, ", %s larger in total", Bytes(-s.Saved))
	}
	return b.String()
}

// Bytes formats a size the way `docker images` does (SI units).
func Bytes(n int64) string {
	neg := n < 0
	if neg {
		n = -n
	}
	var s string
	switch {
	case n >= 1e9:
		s = fmt.Sprintf("%.2f GB", float64(n)/1e9)
	case n >= 1e6:
		s = fmt.Sprintf("%.1f MB", float64(n)/1e6)
	case n >= 1e3:
		s = fmt.Sprintf("%.1f kB", float64(n)/1e3)
	default:
		s = fmt.Sprintf("%d B", n)
	}
	if neg {
		return "-" + s
	}
	return s
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

// WriteJSON writes the reports and their summary.
func WriteJSON(w io.Writer, reports []*Report) error {
	if reports == nil {
		reports = []*Report{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(struct {
		Files   []*Report `json:"files"`
		Summary *Summary  `json:"summary"`
	}{reports, Summarize(reports)})
}

// WriteText writes one file's report for people.
func WriteText(w io.Writer, r *Report) {
	verdict := string(r.Status)
	if r.Status == Broken {
		verdict = "BROKEN"
	}
	fmt.Fprintf(w, "%s: %s", r.Path, verdict)
	if r.Reason != "" {
		fmt.Fprintf(w, ": %s", r.Reason)
	}
	fmt.Fprintf(w, "\n  rules: %s\n", strings.Join(r.Rules, ", "))
	writeBuild(w, "original", r.Original, 0)
	if r.Fixed != nil {
		writeBuild(w, "fixed", r.Fixed, r.Saved())
	}
	if r.Original != nil && r.Fixed != nil && r.Original.Stop != nil && r.Fixed.Stop != nil {
		fmt.Fprintf(w, "  signals:  original %s; fixed %s\n", stopText(r.Original.Stop), stopText(r.Fixed.Stop))
	}
	if fd := r.Files; fd != nil {
		if fd.LacksFiles > 0 {
			fmt.Fprintf(w, "  lacks:    %d files, %s: %s\n", fd.LacksFiles, Bytes(fd.LacksBytes), groupsText(fd.Lacks, 6))
		}
		if fd.AddsFiles > 0 {
			fmt.Fprintf(w, "  adds:     %d files, %s: %s\n", fd.AddsFiles, Bytes(fd.AddsBytes), groupsText(fd.Adds, 6))
		}
	}
	if len(r.PerRule) > 0 {
		var parts []string
		for _, p := range r.PerRule {
			if p.OK {
				parts = append(parts, fmt.Sprintf("%s %s", p.Rule, savedText(p.Saved)))
			} else {
				parts = append(parts, p.Rule+" alone does not build")
			}
		}
		fmt.Fprintf(w, "  per rule: %s\n", strings.Join(parts, ", "))
	}
	if len(r.Blame) > 0 {
		fmt.Fprintf(w, "  blame:    %s", strings.Join(r.Blame, ", "))
		if r.Fallback != nil {
			if len(r.FallbackRules) > 0 {
				fmt.Fprintf(w, " (the file fixed by %s alone passes)", strings.Join(r.FallbackRules, ", "))
			} else {
				fmt.Fprint(w, " (without them nothing is left to fix)")
			}
		}
		fmt.Fprintln(w)
	}
}

func writeBuild(w io.Writer, name string, b *Build, saved int64) {
	if b == nil {
		return
	}
	pad := strings.Repeat(" ", 9-len(name))
	if !b.OK {
		fmt.Fprintf(w, "  %s:%sbuild failed after %s\n", name, pad, seconds(b.Seconds))
		for _, l := range strings.Split(strings.TrimRight(b.Error, "\n"), "\n") {
			fmt.Fprintf(w, "      | %s\n", l)
		}
		return
	}
	fmt.Fprintf(w, "  %s:%sbuilt in %s, %s, %d layers", name, pad, seconds(b.Seconds), Bytes(b.Size), len(b.Layers))
	if name == "fixed" && saved != 0 {
		fmt.Fprintf(w, " (%s)", savedText(saved))
	}
	if b.Smoke != nil {
		if b.Smoke.OK {
			fmt.Fprint(w, "; smoke passes")
		} else {
			fmt.Fprint(w, "; smoke FAILS")
		}
	}
	if b.Image != "" {
		fmt.Fprintf(w, "; image %s", b.Image)
	}
	fmt.Fprintln(w)
	if b.Smoke != nil && !b.Smoke.OK {
		for _, l := range strings.Split(strings.TrimRight(b.Smoke.Output, "\n"), "\n") {
			fmt.Fprintf(w, "      | %s\n", l)
		}
	}
}

func seconds(s float64) string {
	return (time.Duration(s*10) * time.Second / 10).String()
}

func savedText(saved int64) string {
	switch {
	case saved > 0:
		return Bytes(saved) + " smaller"
	case saved < 0:
		return Bytes(-saved) + " larger"
	}
	return "same size"
}

func stopText(s *StopResult) string {
	switch {
	case !s.Running:
		return fmt.Sprintf("exited on its own (code %d)", s.ExitCode)
	case s.Killed:
		return fmt.Sprintf("killed at the stop timeout after %s", s.Took.Round(100*time.Millisecond))
	}
	return fmt.Sprintf("stopped on SIGTERM in %s", s.Took.Round(100*time.Millisecond))
}

func groupsText(gs []Group, n int) string {
	var parts []string
	for i, g := range gs {
		if i == n {
			parts = append(parts, fmt.Sprintf("and %d more", len(gs)-n))
			break
		}
		kind := ""
		if g.Package {
			kind = "package "
		}
		parts = append(parts, fmt.Sprintf("%s%s (%s)", kind, g.Name, Bytes(g.Bytes)))
	}
	return strings.Join(parts, ", ")
}

// WriteSummary writes the table of a run and its headline, for people.
func WriteSummary(w io.Writer, reports []*Report) {
	if len(reports) > 1 {
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "FILE\tSTATUS\tORIGINAL\tFIXED\tSAVED\tRULES")
		for _, r := range reports {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.Path, r.Status, sizeCell(r.Original), sizeCell(r.Fixed),
				savedCell(r), strings.Join(r.Rules, ","))
		}
		tw.Flush()
	}
	fmt.Fprintln(w, capitalize(Summarize(reports).Headline())+".")
}

func sizeCell(b *Build) string {
	switch {
	case b == nil:
		return "-"
	case !b.OK:
		return "fails"
	}
	return Bytes(b.Size)
}

func savedCell(r *Report) string {
	if r.Status != Pass {
		return "-"
	}
	return Bytes(r.Saved())
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// WriteMarkdown writes a summary for a pull request. titles gives each rule's one-line
// title and docs link (may be nil).
func WriteMarkdown(w io.Writer, reports []*Report, title func(rule string) string) {
	s := Summarize(reports)
	fmt.Fprintf(w, "### dfix verify\n\n**%s.**\n\n", capitalize(s.Headline()))
	if len(reports) == 0 {
		return
	}
	fmt.Fprintln(w, "| File | Status | Original | Fixed | Saved | Rules |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|")
	for _, r := range reports {
		status := map[Status]string{Pass: "✅ pass", Broken: "❌ broken", OriginalFails: "⚠️ fails before the fix", Unverified: "❔ unverified"}[r.Status]
		fmt.Fprintf(w, "| `%s` | %s | %s | %s | %s | %s |\n", r.Path, status, sizeCell(r.Original), sizeCell(r.Fixed),
			savedCell(r), strings.Join(r.Rules, ", "))
	}
	names := make([]string, 0, len(s.Rules))
	for n := range s.Rules {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Fprintln(w, "\n| Rule | Files | Pass | Broken | Saved |")
	fmt.Fprintln(w, "|---|---|---|---|---|")
	for _, n := range names {
		t := s.Rules[n]
		label := "`" + n + "`"
		if title != nil {
			if tt := title(n); tt != "" {
				label += " " + tt
			}
		}
		saved := "-"
		if t.Attributed > 0 {
			saved = Bytes(t.Saved)
		}
		fmt.Fprintf(w, "| %s | %d | %d | %d | %s |\n", label, t.Files, t.Pass, t.Broken, saved)
	}
	var broken []*Report
	for _, r := range reports {
		if r.Status != Pass {
			broken = append(broken, r)
		}
	}
	if len(broken) > 0 {
		fmt.Fprintln(w, "\n<details><summary>Files that did not pass</summary>\n\n```")
		for _, r := range broken {
			WriteText(w, r)
		}
		fmt.Fprintln(w, "```\n</details>")
	}
}
