package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/dfix-dev/dfix/fix"
	"github.com/dfix-dev/dfix/rewrite"
	"github.com/dfix-dev/dfix/verify"
)

// reporter prints each file's result as it arrives and a summary at the end.
type reporter struct {
	cfg   *config
	stdin bool // the fixed text goes to stdout: findings go to stderr
	// text holds a file's findings as printed, written out in one piece: a write per
	// line was a write system call per line (55,000 for three copies of the corpus).
	text bytes.Buffer

	files, filesWithFindings, findings, fixable, unsafeOnly int
	changed, fixedFindings, remaining, errors               int
	records                                                 []findingRecord
	saidConfig                                              saidOnce // the configuration mistakes printed
	monorepoReport                                                   // --add-ignore, --statistics, --format markdown (statistics.go)
}

func newReporter(cfg *config) *reporter { return &reporter{cfg: cfg, saidConfig: saidOnce{}} }

// findingRecord is one finding in the JSON output (and the source of SARIF and GitHub
// annotations).
type findingRecord struct {
	Path      string     `json:"path"`
	Rule      string     `json:"rule"`
	Codes     []string   `json:"codes,omitempty"`
	Line      int        `json:"line"`
	Column    int        `json:"column"`
	EndLine   int        `json:"end_line"`
	EndColumn int        `json:"end_column"`
	Message   string     `json:"message"`
	Help      string     `json:"help,omitempty"`
	Fix       *fixRecord `json:"fix"`
	Fixed     bool       `json:"fixed"`
	Ignored   bool       `json:"ignored,omitempty"` // turned off by a comment --add-ignore added
	Owners    []string   `json:"owners,omitzero"`   // from the repository's CODEOWNERS: empty for no owner, nil without one
	rule      *fix.Rule  `json:"-"`
	diag      fix.Diagnostic
	doc       *rewrite.Document
}

type fixRecord struct {
	Title         string            `json:"title"`
	Applicability fix.Applicability `json:"applicability"`
	Edits         []editRecord      `json:"edits"`
}

type editRecord struct {
	rewrite.Edit
	Line      int `json:"line"`
	Column    int `json:"column"`
	EndLine   int `json:"end_line"`
	EndColumn int `json:"end_column"`
}

func record(path string, doc *rewrite.Document, d fix.Diagnostic, fixed bool) findingRecord {
	pos := d.PositionIn(doc)
	r := findingRecord{
		Path: displayPath(path), Rule: d.Rule.Name, Codes: append(append([]string{}, d.Rule.Hadolint...), d.Rule.BuildKit...),
		Line: pos.Line, Column: pos.Column, EndLine: pos.EndLine, EndColumn: pos.EndColumn,
		Message: d.Message, Help: d.Help, Fixed: fixed, rule: d.Rule, diag: d, doc: doc,
	}
	if d.Fix != nil {
		fr := &fixRecord{Title: d.Fix.Title, Applicability: d.Fix.Applicability, Edits: []editRecord{}}
		for _, e := range d.Fix.Edits {
			fr.Edits = append(fr.Edits, editRecord{Edit: e,
				Line: doc.LineOf(e.Start), Column: doc.Column(e.Start), EndLine: doc.LineOf(e.End), EndColumn: doc.Column(e.End)})
		}
		r.Fix = fr
	}
	return r
}

// file reports one file and returns its exit code.
func (rp *reporter) file(fr *fileResult) int {
	cfg := rp.cfg
	switch {
	case fr.walkErr != nil:
		fmt.Fprintln(cfg.stderr, "dfix:", fr.walkErr)
		return exitError
	case fr.configErr != nil:
		// The files below a broken configuration are not processed; each of its
		// mistakes is said once, not once per file.
		rp.errors++
		rp.saidConfig.say(cfg.stderr, fr.configErr)
		return exitError
	}
	if fr.err != nil {
		rp.errors++
		fmt.Fprintln(cfg.stderr, "dfix:", fr.err)
		return exitError
	}
	if fr.note != "" {
		fmt.Fprintf(cfg.stderr, "dfix: %s: %s\n", displayPath(fr.path), fr.note)
		return exitClean
	}
	rp.files++ // checked: not the files that failed or were skipped
	res := fr.res
	for _, p := range res.Problems {
		fmt.Fprintf(cfg.stderr, "dfix: %s: internal error: %s\n", displayPath(fr.path), p)
	}
	code := exitClean
	if len(res.Findings) > 0 {
		rp.filesWithFindings++
	}
	rp.findings += len(res.Findings)
	unsafe := res.UnsafeFixes // per file: .dfix.toml may set unsafe-fixes
	for _, d := range res.Findings {
		switch {
		case d.Fixable(unsafe):
			rp.fixable++
		case d.Fix != nil && d.Fix.Applicability == fix.Unsafe:
			rp.unsafeOnly++
		}
	}
	if fr.changed {
		rp.changed++
	}
	rp.fixedFindings += len(res.Fixed)
	writing := cfg.mode == modeWrite || rp.stdin && cfg.mode == modeCheck && cfg.format == "text"

	// What is listed: the findings of the input, or after -w those still in the output.
	shown, doc := res.Findings, res.Doc
	unwritten := fr.verified != nil && !fr.written // -w --verify kept the file as it was
	if writing && !unwritten {
		shown, doc = res.Remaining, res.OutputDoc
	}
	if writing {
		rp.remaining += len(shown)
	}
	if fr.verifyNote != "" {
		fmt.Fprintf(cfg.stderr, "dfix: %s: %s\n", displayPath(fr.path), fr.verifyNote)
	}
	if unwritten {
		rp.fixedFindings -= len(res.Fixed)
	}
	rp.collect(fr, shown, doc, unsafe, unwritten)
	switch cfg.format {
	case "text":
		switch cfg.mode {
		case modeDiff:
			if fr.changed {
				fmt.Fprint(cfg.stdout, rewrite.UnifiedDiff(diffLabel(fr.path), res.Doc.Src, res.Output))
			}
		case modeList:
			if fr.changed {
				fmt.Fprintln(cfg.stdout, displayPath(fr.path))
			}
		default:
			out := cfg.stdout
			if rp.stdin {
				out = cfg.stderr
			}
			for _, d := range shown {
				if !cfg.statistics { // printed per rule at the end instead
					rp.printFinding(&rp.text, fr.path, doc, d, unsafe)
				}
			}
			out.Write(rp.text.Bytes()) //nolint:errcheck // as fmt.Fprintf's were
			rp.text.Reset()
		}
	case "markdown":
	default:
		if cfg.statistics {
			break
		}
		if writing {
			for _, d := range res.Fixed {
				rp.records = append(rp.records, rp.record(fr.path, res.Doc, d, true))
			}
		}
		if writing && fr.ignores != nil && !unwritten {
			for _, ig := range fr.ignores.findings {
				r := rp.record(fr.path, ig.doc, ig.d, false)
				r.Ignored = true
				rp.records = append(rp.records, r)
			}
		}
		for _, d := range shown {
			rp.records = append(rp.records, rp.record(fr.path, doc, d, false))
		}
	}
	switch {
	case cfg.mode == modeDiff || cfg.mode == modeList:
		if fr.changed {
			code = exitFindings
		}
	case len(shown) > 0:
		code = exitFindings
	}
	if fr.verified != nil {
		switch fr.verified.Status {
		case verify.Broken:
			code = max(code, exitFindings)
		case verify.Unverified:
			code = exitError
		}
	}
	return code
}

const (
	ansiBold  = "\x1b[1m"
	ansiRed   = "\x1b[31m"
	ansiCyan  = "\x1b[36m"
	ansiReset = "\x1b[0m"
)

func (rp *reporter) paint(code, s string) string {
	if !rp.cfg.color {
		return s
	}
	return code + s + ansiReset
}

func (rp *reporter) printFinding(w io.Writer, path string, doc *rewrite.Document, d fix.Diagnostic, unsafe bool) {
	pos := d.PositionIn(doc)
	mark := ""
	if d.Fixable(unsafe) {
		mark = rp.paint(ansiCyan, "[*]") + " "
	}
	fmt.Fprintf(w, "%s:%d:%d: %s: %s%s\n", rp.paint(ansiBold, displayPath(path)), pos.Line, pos.Column,
		rp.paint(ansiRed, d.Rule.Name), mark, d.Message)
	switch {
	case d.Fix == nil:
		if d.Help != "" {
			fmt.Fprintf(w, "  help: %s\n", d.Help)
		}
	case d.Fix.Applicability == fix.DisplayOnly:
		fmt.Fprintf(w, "  help: %s: %s\n", d.Fix.Title, d.Help)
	case d.Fix.Applicability == fix.Unsafe && !unsafe:
		fmt.Fprintf(w, "  help: %s (unsafe fix: applied with --unsafe-fixes)\n", d.Fix.Title)
	default:
		fmt.Fprintf(w, "  help: %s\n", d.Fix.Title)
	}
}

func plural(n int, word string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// finish prints what is printed once: JSON, SARIF or GitHub output, and the summary.
func (rp *reporter) finish() int {
	cfg := rp.cfg
	if cfg.statistics {
		if err := rp.writeStatistics(cfg.stdout, cfg.format); err != nil {
			fmt.Fprintln(cfg.stderr, "dfix:", err)
			return exitError
		}
	}
	switch {
	case cfg.statistics:
	case cfg.format == "json":
		if rp.records == nil {
			rp.records = []findingRecord{}
		}
		enc := json.NewEncoder(cfg.stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(rp.records); err != nil {
			fmt.Fprintln(cfg.stderr, "dfix:", err)
			return exitError
		}
	case cfg.format == "sarif":
		if err := writeSARIF(cfg.stdout, rp.records); err != nil {
			fmt.Fprintln(cfg.stderr, "dfix:", err)
			return exitError
		}
	case cfg.format == "github":
		repos := &repoRoots{}
		for _, r := range rp.records {
			writeGitHub(cfg.stdout, repos, r)
		}
	case cfg.format == "markdown":
		rp.writeMarkdown(cfg.stdout)
	}
	if !cfg.quiet && cfg.format == "text" && !rp.stdin {
		fmt.Fprintln(cfg.stderr, rp.summary())
	}
	return exitClean
}

func (rp *reporter) summary() string {
	cfg := rp.cfg
	var b strings.Builder
	switch cfg.mode {
	case modeWrite:
		fmt.Fprintf(&b, "Fixed %s%s in %s", plural(rp.fixedFindings, "finding"), rp.ignoreSummary("added"), plural(rp.changed, "file"))
		if rp.remaining > 0 {
			fmt.Fprintf(&b, ", %d remaining", rp.remaining)
		}
	case modeDiff, modeList:
		fmt.Fprintf(&b, "Would fix %s%s in %s", plural(rp.fixedFindings, "finding"), rp.ignoreSummary("add"), plural(rp.changed, "file"))
	default:
		if rp.findings == 0 {
			fmt.Fprintf(&b, "No findings in %s", plural(rp.files, "file"))
		} else {
			fmt.Fprintf(&b, "%s in %s, %d fixable with -w", plural(rp.findings, "finding"), plural(rp.filesWithFindings, "file"), rp.fixable)
		}
	}
	if rp.unsafeOnly > 0 && cfg.mode != modeWrite { // counted only where unsafe fixes are off
		fmt.Fprintf(&b, ", %d more with --unsafe-fixes", rp.unsafeOnly)
	}
	if rp.errors > 0 {
		fmt.Fprintf(&b, "; %s could not be processed", plural(rp.errors, "file"))
	}
	b.WriteString(".")
	return b.String()
}

// progress shows "n files" on a terminal's stderr for long batches. Their number is
// known only at the end: the walk goes on while the files it found are processed.
type progress struct {
	cfg   *config
	shown bool
}

func newProgress(cfg *config) *progress { return &progress{cfg: cfg} }

func (p *progress) step(n int) {
	if p.cfg.progress && n >= 50 && n%10 == 0 {
		fmt.Fprintf(p.cfg.stderr, "\r\x1b[Kdfix: %d files", n)
		p.shown = true
	}
}

func (p *progress) done() {
	if p.shown {
		fmt.Fprint(p.cfg.stderr, "\r\x1b[K")
	}
}

func printRules(w io.Writer, rules []*fix.Rule, format string) error {
	if format == "markdown" {
		_, err := io.WriteString(w, fix.MarkdownTable(rules))
		return err
	}
	if format == "json" {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(rules)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "RULE\tFIX\tDEFAULT\tCODES\tTITLE")
	for _, r := range rules {
		def := "off"
		if r.Default {
			def = "on"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.Name, r.FixSummary(), def, r.Equivalents(), r.Title)
	}
	return tw.Flush()
}

func explain(w io.Writer, r *fix.Rule) {
	def := "off by default (enable with --select " + r.Name + ")"
	if r.Default {
		def = "on by default"
	}
	fmt.Fprintf(w, "%s: %s\n\n", r.Name, r.Title)
	fmt.Fprintf(w, "Fix: %s. %s.", r.FixSummary(), capitalize(def))
	if len(r.Hadolint) > 0 {
		fmt.Fprintf(w, " hadolint: %s.", strings.Join(r.Hadolint, ", "))
	}
	if len(r.BuildKit) > 0 {
		fmt.Fprintf(w, " BuildKit: %s.", strings.Join(r.BuildKit, ", "))
	}
	fmt.Fprintf(w, "\n\n%s\n\nBefore:\n\n%s\nAfter:\n\n%s", wrap(r.Doc, 80), indent(r.Before), indent(r.After))
}

func capitalize(s string) string { return strings.ToUpper(s[:1]) + s[1:] }

func indent(s string) string {
	var b strings.Builder
	for _, l := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		b.WriteString("    " + l + "\n")
	}
	return b.String()
}

func wrap(s string, width int) string {
	var b strings.Builder
	n := 0
	for _, w := range strings.Fields(s) {
		if n > 0 && n+1+len(w) > width {
			b.WriteString("\n")
			n = 0
		} else if n > 0 {
			b.WriteString(" ")
			n++
		}
		b.WriteString(w)
		n += len(w)
	}
	return b.String()
}
