package main

// --add-ignore (ruff's --add-noqa): after the fixes, a `# dfix ignore=RULE[,RULE]`
// comment above every instruction that still has findings, so that CI can fail on new
// findings from the first day. The comments are byte-range edits like every fix: a new
// line takes the instruction's indentation and line ending, an existing
// `# dfix ignore=` comment right above the instruction is extended instead, and nothing
// else in the file moves. The result is parsed and checked again: it must have the same
// instructions, and the findings the comments are for must be gone, so that a second
// run changes nothing.

import (
	"slices"
	"sort"
	"strings"

	"github.com/dfix-dev/dfix/fix"
	"github.com/dfix-dev/dfix/rewrite"
)

// addedIgnores is what --add-ignore did to one file.
type addedIgnores struct {
	comments int              // comment lines added or extended
	findings []ignoredFinding // the findings they turn off
}

// ignoredFinding is a finding turned off by an added comment, with the document its
// position is in (the fixed text before the comments).
type ignoredFinding struct {
	d   fix.Diagnostic
	doc *rewrite.Document
}

// addIgnores adds the comments to fr's fixed text and updates its result: the output,
// the edits against the input, and the findings left (those no comment can turn off:
// a finding outside any instruction).
func (cfg *config) addIgnores(fr *fileResult) {
	res := fr.res
	if len(res.Remaining) == 0 {
		return
	}
	rules, unsafe, err := cfg.fileOptions(fr.path)
	if err != nil {
		fr.err = asFileError(err)
		return
	}
	opts := fix.Options{Rules: rules, UnsafeFixes: unsafe, NoFix: true, Pin: cfg.pinOpts, Context: cfg.context}
	comp := rewrite.NewComposer(res.Doc.Src)
	if err := comp.Apply(res.Edits); err != nil {
		res.Problems = append(res.Problems, fix.Problem{Rule: "add-ignore", Message: err.Error()})
		return
	}
	added := &addedIgnores{}
	doc, remaining := res.OutputDoc, res.Remaining
	// One round is enough; a second one covers a finding that only shows once the first
	// comments are there.
	for round := 0; round < 2 && len(remaining) > 0; round++ {
		edits, targets, n := ignoreEdits(doc, remaining)
		if len(edits) == 0 {
			break
		}
		out, err := rewrite.Apply(doc.Src, edits)
		if err != nil {
			res.Problems = append(res.Problems, fix.Problem{Rule: "add-ignore", Message: err.Error()})
			break
		}
		again, err := fix.Run(doc.Path, out, opts)
		if err != nil || !sameInstructions(doc, again.Doc) {
			msg := "the ignore comments changed the instructions; left out (a dfix bug, please report it)"
			if err != nil {
				msg = "the ignore comments broke the file; left out (a dfix bug, please report it): " + err.Error()
			}
			res.Problems = append(res.Problems, fix.Problem{Rule: "add-ignore", Message: msg})
			break
		}
		if err := comp.Apply(edits); err != nil {
			res.Problems = append(res.Problems, fix.Problem{Rule: "add-ignore", Message: err.Error()})
			break
		}
		added.comments += n
		for _, d := range targets {
			added.findings = append(added.findings, ignoredFinding{d: d, doc: doc})
		}
		doc, remaining = again.Doc, again.Findings
	}
	if added.comments == 0 {
		return
	}
	res.Output, res.OutputDoc, res.Remaining, res.Edits = doc.Src, doc, remaining, comp.Edits()
	fr.ignores = added
}

// ignoreEdits returns the edits that add or extend a `# dfix ignore=` comment above
// every instruction with findings, the findings they are for, and how many comment
// lines they touch. Findings outside an instruction (none a comment can turn off) and
// rules that a comment there already names are left out.
func ignoreEdits(doc *rewrite.Document, diags []fix.Diagnostic) ([]rewrite.Edit, []fix.Diagnostic, int) {
	byInstr := map[*rewrite.Instruction][]fix.Diagnostic{}
	var order []*rewrite.Instruction
	for _, d := range diags {
		in := fix.InstructionAt(doc, d.Start)
		if in == nil {
			continue
		}
		if _, ok := byInstr[in]; !ok {
			order = append(order, in)
		}
		byInstr[in] = append(byInstr[in], d)
	}
	var edits []rewrite.Edit
	var targets []fix.Diagnostic
	for _, in := range order {
		existing, have := fix.IgnoreComment(doc, in)
		var names []string
		for _, d := range byInstr[in] {
			n := d.Rule.Name
			if slices.ContainsFunc(have, func(h string) bool { return strings.EqualFold(h, n) }) {
				continue // named already, and still found: nothing a comment can do
			}
			targets = append(targets, d)
			if !slices.Contains(names, n) {
				names = append(names, n)
			}
		}
		if len(names) == 0 {
			continue
		}
		sort.Strings(names)
		if existing >= 0 {
			edits = append(edits, fix.ExtendIgnore(doc, existing, names))
			continue
		}
		edits = append(edits, fix.IgnoreAbove(doc, in, names))
	}
	return edits, targets, len(edits)
}

// sameInstructions reports whether two documents have the same instructions, as
// BuildKit reads them.
func sameInstructions(a, b *rewrite.Document) bool {
	if len(a.Instructions) != len(b.Instructions) {
		return false
	}
	for i, in := range a.Instructions {
		o := b.Instructions[i]
		if in.Keyword != o.Keyword || in.Node.Original != o.Node.Original || len(in.Node.Heredocs) != len(o.Node.Heredocs) {
			return false
		}
		for j, h := range in.Node.Heredocs {
			if h.Content != o.Node.Heredocs[j].Content {
				return false
			}
		}
	}
	return true
}
