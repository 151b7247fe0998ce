package fix

import (
	"bytes"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/dfix-dev/dfix/fix/shell"
	"github.com/dfix-dev/dfix/rewrite"
)

// MaxRounds bounds the fix loop: a file that still changes after this many rounds has
// rules that do not settle, which is a dfix bug.
const MaxRounds = 10

// Options choose what the driver does.
type Options struct {
	Rules       []*Rule // the enabled rules
	UnsafeFixes bool    // also apply Unsafe fixes
	NoFix       bool    // only report; do not compute the fixed text
	// Pin is the pin-digest rule's registry resolver and settings for the run
	// (nil: unpinned images are reported, nothing is looked up).
	Pin *PinOptions
	// Context is the build context folder (what `docker build` is given), for rules
	// that look at its files (copy-deps-first); "" means the Dockerfile's folder.
	Context string

	// scriptBudget overrides how much shell text a pass keeps parsed (Facts.Script):
	// 0 is defaultScriptBudget, a negative value keeps none (tests: the rules must
	// give the same results whatever is kept).
	scriptBudget int

	// reparsed, when set, is told of every re-parse of a fix round: tests compare it
	// with a full Parse of the same text and count the partial ones.
	reparsed func(old *rewrite.Document, edits []rewrite.Edit, out []byte, doc *rewrite.Document, partial bool, err error)
}

// Result is the outcome of running the rules over one file.
type Result struct {
	Doc *Document // the input as read
	// UnsafeFixes is the setting the file was fixed with (Options.UnsafeFixes): the
	// report counts what is fixable by it.
	UnsafeFixes bool
	// Findings are the diagnostics on the input, in file order.
	Findings []Diagnostic
	// Output is the fixed text, Edits the same change as edits against the input.
	Output []byte
	Edits  []rewrite.Edit
	// Fixed are the findings whose fixes were applied (possibly in a later round).
	Fixed []Diagnostic
	// Remaining are the diagnostics still found in Output, positions in OutputDoc.
	Remaining []Diagnostic
	OutputDoc *Document
	// Problems are dfix's own failures: fixes dropped because they broke the file, or
	// rules that did not settle.
	Problems []Problem
}

// Document is a parsed file with the facts rules need.
type Document = rewrite.Document

// Changed reports whether the fixes changed the file.
func (r *Result) Changed() bool { return len(r.Edits) > 0 }

// Run parses src and runs the rules, applying their fixes until nothing changes.
// The error is a *rewrite.ParseError when the input cannot be read as a Dockerfile.
func Run(path string, src []byte, opts Options) (*Result, error) {
	doc, err := rewrite.Parse(path, src)
	if err != nil {
		return nil, err
	}
	res := &Result{Doc: doc, UnsafeFixes: opts.UnsafeFixes, Output: src, OutputDoc: doc}
	var trees *shell.Trees
	res.Findings, trees = checkRound(doc, opts, nil)
	if opts.NoFix {
		res.Remaining = res.Findings
		return res, nil
	}
	blocked := map[string]bool{} // rules whose fixes are dropped for this file
	for attempt := 0; attempt < 2; attempt++ {
		settled := fixLoop(res, opts, blocked, trees)
		if settled {
			break
		}
	}
	return res, nil
}

// Check runs the rules over doc once and returns their findings, suppressions applied,
// in file order.
func Check(doc *rewrite.Document, rules []*Rule) []Diagnostic {
	return check(doc, Options{Rules: rules})
}

// check is Check with the run's options (the pin-digest rule's resolver).
func check(doc *rewrite.Document, opts Options) []Diagnostic {
	diags, _ := checkRound(doc, opts, nil)
	return diags
}

// checkRound is check in a round of fixes: earlier are the shell trees the round
// before kept (nil in the first), and it returns those this round keeps, for the next
// (none when no fix is to follow).
func checkRound(doc *rewrite.Document, opts Options, earlier *shell.Trees) ([]Diagnostic, *shell.Trees) {
	rules := opts.Rules
	facts := computeFacts(doc)
	if !opts.NoFix {
		facts.trees = earlier.Next()
	}
	if opts.scriptBudget != 0 {
		facts.scriptBudget = max(opts.scriptBudget, 0)
	}
	sup := parseSuppressions(doc)
	bctx := newBuildContext(doc.Path, opts.Context)
	var out []Diagnostic
	// One Pass serves the rules in turn: r is the rule running.
	var r *Rule
	pass := &Pass{Doc: doc, Facts: facts, Pin: opts.Pin, context: bctx}
	pass.report = func(d Diagnostic) {
		d.Rule = r
		line := 0
		if in := instructionAt(doc, d.Start); in != nil {
			line = in.StartLine
		}
		if sup.Suppressed(r, line) {
			return
		}
		out = append(out, d)
	}
	for _, r = range rules {
		r.Check(pass)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Start != out[j].Start {
			return out[i].Start < out[j].Start
		}
		return out[i].Rule.Name < out[j].Rule.Name
	})
	return out, facts.trees
}

// instructionAt returns the instruction whose bytes hold off, or nil. Instructions are
// in file order and do not overlap, so this is a binary search: a linear scan per
// finding made a file with many findings quadratic (minutes for a 10 MB file).
func instructionAt(doc *rewrite.Document, off int) *rewrite.Instruction {
	ins := doc.Instructions
	i := sort.Search(len(ins), func(i int) bool { return ins[i].End > off })
	if i < len(ins) && off >= ins[i].Start && off < ins[i].End {
		return ins[i]
	}
	return nil
}

// fixLoop applies fixes round after round. It returns false when the rules did not
// settle; it then blocks them and resets res so that the caller can try again.
func fixLoop(res *Result, opts Options, blocked map[string]bool, trees *shell.Trees) bool {
	orig := res.Doc.Src
	comp := rewrite.NewComposer(orig)
	doc := res.Doc
	diags := res.Findings
	var fixed []Diagnostic
	var problems []Problem
	for round := 0; ; round++ {
		chosen := choose(diags, opts.UnsafeFixes, blocked)
		if len(chosen) == 0 {
			break
		}
		if round == MaxRounds {
			names := map[string]bool{}
			var list []string
			for _, d := range chosen {
				if !names[d.Rule.Name] {
					names[d.Rule.Name] = true
					list = append(list, d.Rule.Name)
					blocked[d.Rule.Name] = true
				}
			}
			sort.Strings(list)
			// Fixes dropped on the way stay blocked in the next attempt: keep their reports.
			res.Problems = append(res.Problems, problems...)
			res.Problems = append(res.Problems, Problem{Rule: strings.Join(list, ","),
				Message: fmt.Sprintf("fixes did not settle after %d rounds; dropped (this is a dfix bug)", MaxRounds)})
			return false
		}
		nextDoc, applied, dropped := applyRound(doc, chosen, opts)
		for _, d := range dropped {
			blocked[d.Rule.Name] = true
			problems = append(problems, Problem{Rule: d.Rule.Name, Line: doc.LineOf(d.Start),
				Message: "fix \"" + d.Fix.Title + "\" would break the Dockerfile; dropped (this is a dfix bug)"})
		}
		if len(applied) == 0 {
			diags, trees = checkRound(doc, opts, trees)
			continue
		}
		var edits []rewrite.Edit
		for _, d := range applied {
			edits = append(edits, d.Fix.Edits...)
		}
		if err := comp.Apply(edits); err != nil {
			// choose() never picks overlapping edits; reaching this is a bug.
			problems = append(problems, Problem{Rule: applied[0].Rule.Name, Message: err.Error()})
			break
		}
		fixed = append(fixed, applied...)
		doc = nextDoc
		diags, trees = checkRound(doc, opts, trees)
	}
	res.Output = comp.Text()
	res.Edits = comp.Edits()
	res.OutputDoc = doc
	res.Fixed = fixed
	res.Remaining = diags
	res.Problems = append(res.Problems, problems...)
	return true
}

// choose picks the applicable fixes of one round: in file order, each one whole,
// skipping any whose edits overlap an already chosen fix.
func choose(diags []Diagnostic, unsafe bool, blocked map[string]bool) []Diagnostic {
	var chosen []Diagnostic
	// taken holds the chosen edits sorted by (Start, End). They do not overlap, so
	// their Ends are sorted too, and the only ones a new edit can overlap are found by
	// a binary search: checking every taken edit made a file with many fixes quadratic.
	var taken []rewrite.Edit
	overlapsTaken := func(e rewrite.Edit) bool {
		i := sort.Search(len(taken), func(i int) bool { return taken[i].End >= e.Start })
		for ; i < len(taken) && taken[i].Start <= e.End; i++ {
			if rewrite.Overlaps(e, taken[i]) {
				return true
			}
		}
		return false
	}
	for _, d := range diags {
		if !d.Fixable(unsafe) || blocked[d.Rule.Name] || len(d.Fix.Edits) == 0 {
			continue
		}
		ok := true
		for _, e := range d.Fix.Edits {
			if overlapsTaken(e) {
				ok = false
				break
			}
		}
		// A fix's own edits must not overlap each other either.
		own := append([]rewrite.Edit(nil), d.Fix.Edits...)
		if rewrite.Validate(own, 1<<62) != nil {
			ok = false
		}
		if ok {
			chosen = append(chosen, d)
			for _, e := range own { // sorted by Validate
				i := sort.Search(len(taken), func(i int) bool {
					return taken[i].Start > e.Start || taken[i].Start == e.Start && taken[i].End > e.End
				})
				taken = slices.Insert(taken, i, e)
			}
		}
	}
	return chosen
}

// applyRound applies the chosen fixes to doc and checks the result: it must parse when
// the input did, and keep the same instructions. When it does not, fixes are tried one
// by one and those that break the file are dropped. BuildKit re-reads only the
// instructions the fixes touched (rewrite.Reparse).
func applyRound(doc *rewrite.Document, chosen []Diagnostic, opts Options) (*rewrite.Document, []Diagnostic, []Diagnostic) {
	try := func(ds []Diagnostic) (*rewrite.Document, bool) {
		var edits []rewrite.Edit
		for _, d := range ds {
			edits = append(edits, d.Fix.Edits...)
		}
		out, err := rewrite.Apply(doc.Src, edits)
		if err != nil {
			return nil, false
		}
		nd, partial, err := rewrite.Reparse(doc, edits, out)
		if opts.reparsed != nil {
			opts.reparsed(doc, edits, out, nd, partial, err)
		}
		if err != nil || !sameShape(doc, nd, ds) {
			return nil, false
		}
		return nd, true
	}
	if nd, ok := try(chosen); ok {
		return nd, chosen, nil
	}
	var good, bad []Diagnostic
	for _, d := range chosen {
		if _, ok := try(append(append([]Diagnostic(nil), good...), d)); ok {
			good = append(good, d)
		} else {
			bad = append(bad, d)
		}
	}
	if len(good) == 0 {
		return doc, nil, bad
	}
	nd, _ := try(good)
	return nd, good, bad
}

// sameShape reports whether the re-parsed file has the instructions the applied fixes
// promise: the same list in the same order when no fix restructures it, else the same
// count of each keyword after the fixes' declared changes. A fix that glued two
// instructions together (and still parses) is caught here.
func sameShape(a, b *rewrite.Document, applied []Diagnostic) bool {
	delta := map[string]int{}
	for _, d := range applied {
		for k, n := range d.Fix.Instructions {
			delta[k] += n
		}
	}
	if len(delta) == 0 {
		if len(a.Instructions) != len(b.Instructions) {
			return false
		}
		for i := range a.Instructions {
			if a.Instructions[i].Keyword != b.Instructions[i].Keyword {
				return false
			}
		}
		return true
	}
	count := map[string]int{}
	for _, in := range a.Instructions {
		count[in.Keyword]++
	}
	for k, n := range delta {
		count[k] += n
	}
	for _, in := range b.Instructions {
		count[in.Keyword]--
	}
	for _, n := range count {
		if n != 0 {
			return false
		}
	}
	return true
}

// Equal reports whether the fixed output equals the input.
func (r *Result) Equal() bool { return bytes.Equal(r.Output, r.Doc.Src) }
