package main

// --format markdown: a summary for a pull request comment (or a CI job summary) of what
// dfix fixed, or would fix, and what it left: a headline, the files with their fixes and
// the findings left, grouped by owner where the repository has a CODEOWNERS file, the
// fixes per rule with each rule's title and a link to it, and with -w --verify the
// image sizes before and after; with --diff, the diff itself, folded.

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/dfix-dev/dfix/fix"
	"github.com/dfix-dev/dfix/rewrite"
	"github.com/dfix-dev/dfix/verify"
)

// mdFile is one file of the summary.
type mdFile struct {
	path     string
	owners   []string
	fixes    []fix.Diagnostic // fixed (-w), would be fixed (--diff, -l) or fixable (check)
	left     []mdLeft
	ignored  int // findings turned off by --add-ignore comments
	verified *verify.Report
	written  bool   // -w wrote the file
	diff     string // --diff: the file's diff
}

// mdLeft is a finding left in a file.
type mdLeft struct {
	line    int
	rule    string
	message string
	why     string // the advice, or why the fix was not applied
}

// maxLeft is how many findings left a group lists; maxDiff how many bytes of diff the
// summary holds (GitHub takes comments up to 65536 characters).
const (
	maxLeft = 50
	maxDiff = 40000
)

// markdownFile gathers one file for the summary.
func (rp *reporter) markdownFile(fr *fileResult, shown []fix.Diagnostic, doc *rewrite.Document, unsafe, unwritten bool) *mdFile {
	cfg := rp.cfg
	res := fr.res
	f := &mdFile{path: displayPath(fr.path), verified: fr.verified, written: fr.written}
	if owners, known := cfg.ownersOf(fr.path); known {
		f.owners = owners
		if f.owners == nil {
			f.owners = []string{} // no owner, where a CODEOWNERS file says who owns what
		}
	}
	left, leftDoc := res.Remaining, res.OutputDoc
	switch {
	case cfg.mode == modeCheck:
		left, leftDoc = nil, res.Doc
		for _, d := range res.Findings {
			if d.Fixable(unsafe) {
				f.fixes = append(f.fixes, d)
			} else {
				left = append(left, d)
			}
		}
	case unwritten:
		left, leftDoc = shown, doc
	default:
		f.fixes = res.Fixed
		if fr.ignores != nil {
			f.ignored = len(fr.ignores.findings)
		}
	}
	for _, d := range left {
		f.left = append(f.left, mdLeft{line: d.PositionIn(leftDoc).Line, rule: d.Rule.Name, message: d.Message, why: leftWhy(d, unsafe)})
	}
	if cfg.mode == modeDiff && fr.changed {
		f.diff = rewrite.UnifiedDiff(diffLabel(fr.path), res.Doc.Src, res.Output)
	}
	return f
}

// leftWhy says why a finding is left: the advice, or the fix that was not applied.
func leftWhy(d fix.Diagnostic, unsafe bool) string {
	switch {
	case d.Fix == nil:
		return d.Help
	case d.Fix.Applicability == fix.DisplayOnly:
		if d.Help == "" {
			return d.Fix.Title
		}
		return d.Fix.Title + ": " + d.Help
	case d.Fix.Applicability == fix.Unsafe && !unsafe:
		return d.Fix.Title + " (unsafe fix: applied with `--unsafe-fixes`)"
	}
	return d.Fix.Title
}

// mdGroup is the files of one owner (or of everyone, without CODEOWNERS).
type mdGroup struct {
	title string
	files []*mdFile
}

// groupByOwner returns the files with something to say, grouped by owners where a CODEOWNERS
// file says who they are, in order of owners (files without one last).
func groupByOwner(files []*mdFile) []*mdGroup {
	known := false
	for _, f := range files {
		known = known || f.owners != nil
	}
	if !known {
		return []*mdGroup{{title: "Files", files: files}}
	}
	byOwner := map[string]*mdGroup{}
	var keys []string
	for _, f := range files {
		key := strings.Join(f.owners, " ")
		g := byOwner[key]
		if g == nil {
			title := "Owned by " + strings.Join(f.owners, ", ")
			if len(f.owners) == 0 {
				title = "No owner"
			}
			g = &mdGroup{title: title}
			byOwner[key] = g
			keys = append(keys, key)
		}
		g.files = append(g.files, f)
	}
	sort.Slice(keys, func(i, j int) bool {
		if (keys[i] == "") != (keys[j] == "") {
			return keys[j] == ""
		}
		return keys[i] < keys[j]
	})
	var out []*mdGroup
	for _, k := range keys {
		out = append(out, byOwner[k])
	}
	return out
}

// writeMarkdown writes the summary.
func (rp *reporter) writeMarkdown(w io.Writer) {
	cfg := rp.cfg
	var files []*mdFile
	var fixes, left, ignored, fileCount int
	verified := false
	for _, f := range rp.mdFiles {
		fixes += len(f.fixes)
		left += len(f.left)
		ignored += f.ignored
		verified = verified || f.verified != nil
		if len(f.fixes)+len(f.left)+f.ignored > 0 || f.verified != nil {
			files = append(files, f)
			if len(f.fixes) > 0 || f.ignored > 0 {
				fileCount++
			}
		}
	}
	fmt.Fprintf(w, "### dfix\n\n**%s**\n", rp.markdownHeadline(fixes, fileCount, left, ignored))
	if verified {
		var reports []*verify.Report
		for _, f := range rp.mdFiles {
			if f.verified != nil {
				reports = append(reports, f.verified)
			}
		}
		fmt.Fprintf(w, "\nImages built before and after the fixes (`--verify`): %s.\n", verify.Summarize(reports).Headline())
	}
	if len(files) == 0 {
		return
	}
	fixedHead := map[mode]string{modeWrite: "Fixed", modeDiff: "Fixes", modeList: "Fixes", modeCheck: "Fixable"}[cfg.mode]
	for _, g := range groupByOwner(files) {
		fmt.Fprintf(w, "\n#### %s\n\n", mdText(g.title))
		head := []string{"File", fixedHead, "Left"}
		align := []string{"---", "--:", "--:"}
		if ignored > 0 {
			head, align = append(head, "Ignored"), append(align, "--:")
		}
		if verified {
			head, align = append(head, "Build", "Image before", "Image after"), append(align, "---", "--:", "--:")
		}
		fmt.Fprintf(w, "| %s |\n|%s|\n", strings.Join(head, " | "), strings.Join(align, "|"))
		var lefts []string
		for _, f := range g.files {
			row := []string{mdCell(f.path), fmt.Sprint(len(f.fixes)), fmt.Sprint(len(f.left))}
			if ignored > 0 {
				row = append(row, fmt.Sprint(f.ignored))
			}
			if verified {
				row = append(row, buildCells(f.verified, f.written)...)
			}
			fmt.Fprintf(w, "| %s |\n", strings.Join(row, " | "))
			for _, l := range f.left {
				item := fmt.Sprintf("- %s %s: %s", mdCode(fmt.Sprintf("%s:%d", f.path, l.line)), mdCode(l.rule), mdText(l.message))
				if l.why != "" {
					item += " — " + mdText(l.why)
				}
				lefts = append(lefts, item)
			}
		}
		if len(lefts) > 0 {
			fmt.Fprintf(w, "\n<details><summary>%s left</summary>\n\n", plural(len(lefts), "finding"))
			for i, l := range lefts {
				if i == maxLeft {
					fmt.Fprintf(w, "- and %d more: run dfix on these files to see them all\n", len(lefts)-maxLeft)
					break
				}
				fmt.Fprintln(w, l)
			}
			fmt.Fprintln(w, "\n</details>")
		}
	}
	rp.writeRuleTable(w, files, fixedHead)
	if cfg.mode == modeDiff {
		writeDiffs(w, files)
	}
}

// markdownHeadline is the summary's first line.
func (rp *reporter) markdownHeadline(fixes, files, left, ignored int) string {
	cfg := rp.cfg
	var b strings.Builder
	switch {
	case cfg.mode == modeCheck && fixes+left == 0, cfg.mode != modeCheck && fixes+left+ignored == 0:
		fmt.Fprintf(&b, "No findings in %s.", plural(rp.files, "file"))
	case cfg.mode == modeCheck:
		fmt.Fprintf(&b, "%s in %s, %d fixable with `dfix -w`", plural(fixes+left, "finding"), plural(rp.filesWithFindings, "file"), fixes)
		if rp.unsafeOnly > 0 {
			fmt.Fprintf(&b, ", %d more with `--unsafe-fixes`", rp.unsafeOnly)
		}
		fmt.Fprintf(&b, " (%s checked).", plural(rp.files, "file"))
	default:
		verb := "Fixed"
		if cfg.mode != modeWrite {
			verb = "Would fix"
		}
		fmt.Fprintf(&b, "%s %s in %s", verb, plural(fixes, "finding"), plural(files, "file"))
		if ignored > 0 {
			verb := "added"
			if cfg.mode != modeWrite {
				verb = "would add"
			}
			fmt.Fprintf(&b, "; %s %s for %s", verb, plural(rp.ignoreComments, "ignore comment"), plural(ignored, "finding"))
		}
		if left > 0 {
			fmt.Fprintf(&b, "; %d left", left)
		}
		fmt.Fprintf(&b, " (%s checked).", plural(rp.files, "file"))
	}
	if rp.errors > 0 {
		fmt.Fprintf(&b, " %s could not be processed.", capitalize(plural(rp.errors, "file")))
	}
	return b.String()
}

// buildCells are the -w --verify columns of a file: the verdict and the image sizes.
// written is true when the file was written (for a broken one: without the rules to
// blame).
func buildCells(r *verify.Report, written bool) []string {
	if r == nil {
		return []string{"—", "—", "—"}
	}
	status := map[verify.Status]string{
		verify.Pass: "✅ builds", verify.Broken: "❌ broken by a fix", verify.OriginalFails: "⚠️ fails before the fix",
		verify.Unverified: "❔ unverified",
	}[r.Status]
	if r.Status == verify.Broken && len(r.Blame) > 0 {
		var names []string
		for _, b := range r.Blame {
			names = append(names, mdCell(b))
		}
		status = "❌ broken by " + strings.Join(names, ", ")
		if written {
			status += ": written without"
		} else {
			status += ": not written"
		}
	}
	size := func(b *verify.Build) string {
		switch {
		case b == nil:
			return "—"
		case !b.OK:
			return "fails"
		}
		return verify.Bytes(b.Size)
	}
	after := size(r.Fixed)
	if s := r.Saved(); s > 0 {
		after += fmt.Sprintf(" (−%s)", verify.Bytes(s))
	} else if s < 0 {
		after += fmt.Sprintf(" (+%s)", verify.Bytes(-s))
	}
	return []string{status, size(r.Original), after}
}

// writeRuleTable writes the fixes per rule, most first, with each rule's title and link.
func (rp *reporter) writeRuleTable(w io.Writer, files []*mdFile, fixedHead string) {
	type total struct {
		rule         string
		count, files int
	}
	totals := map[string]*total{}
	for _, f := range files {
		seen := map[string]bool{}
		for _, d := range f.fixes {
			t := totals[d.Rule.Name]
			if t == nil {
				t = &total{rule: d.Rule.Name}
				totals[d.Rule.Name] = t
			}
			t.count++
			if !seen[d.Rule.Name] {
				seen[d.Rule.Name] = true
				t.files++
			}
		}
	}
	if len(totals) == 0 {
		return
	}
	list := make([]*total, 0, len(totals))
	for _, t := range totals {
		list = append(list, t)
	}
	sort.Slice(list, func(i, j int) bool {
		if list[i].count != list[j].count {
			return list[i].count > list[j].count
		}
		return list[i].rule < list[j].rule
	})
	title := map[string]string{"Fixed": "Fixes", "Fixes": "Fixes", "Fixable": "Fixable findings"}[fixedHead]
	fmt.Fprintf(w, "\n#### %s per rule\n\n| Rule | %s | Files |\n|---|--:|--:|\n", title, fixedHead)
	for _, t := range list {
		fmt.Fprintf(w, "| %s %s | %d | %d |\n", mdCell(t.rule), ruleTitle(t.rule), t.count, t.files)
	}
}

// writeDiffs writes the --diff output, folded, up to maxDiff bytes.
func writeDiffs(w io.Writer, files []*mdFile) {
	var b strings.Builder
	omitted := 0
	for _, f := range files {
		if f.diff == "" {
			continue
		}
		if b.Len()+len(f.diff) > maxDiff {
			omitted++
			continue
		}
		b.WriteString(f.diff)
	}
	if b.Len() == 0 && omitted == 0 {
		return
	}
	fence := "```"
	for strings.Contains(b.String(), fence) {
		fence += "`"
	}
	fmt.Fprintf(w, "\n<details><summary>Diff</summary>\n\n%sdiff\n%s%s\n", fence, b.String(), fence)
	if omitted > 0 {
		fmt.Fprintf(w, "\nThe diffs of %s more are left out: run `dfix --diff` to see them.\n", plural(omitted, "file"))
	}
	fmt.Fprintln(w, "\n</details>")
}

// mdText escapes text for a table cell or a list item: no line breaks, no table
// separators, no HTML.
func mdText(s string) string {
	return strings.NewReplacer("\r\n", " ", "\n", " ", "|", `\|`, "<", "&lt;", ">", "&gt;").Replace(s)
}

// mdCode writes s as inline code, fenced with more backticks than any run of them in s.
func mdCode(s string) string {
	s = strings.ReplaceAll(s, "\n", " ")
	longest, run := 0, 0
	for _, c := range s {
		if c == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	if longest > 0 {
		fence := strings.Repeat("`", longest+1)
		return fence + " " + s + " " + fence
	}
	return "`" + s + "`"
}

// mdCell writes s as inline code in a table cell, where a "|" must be escaped even in
// code (elsewhere the backslash would show).
func mdCell(s string) string { return mdCode(strings.ReplaceAll(s, "|", `\|`)) }
