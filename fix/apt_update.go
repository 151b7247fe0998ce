package fix

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/dfix-dev/dfix/fix/shell"
	"github.com/dfix-dev/dfix/rewrite"
	"mvdan.cc/sh/v3/syntax"
)

// aptLists is what a stage's image holds of the package lists at some point of the
// build, as far as its RUNs tell.
type aptLists struct {
	update *rewrite.Instruction // the last RUN that ran an apt update
	gone   *rewrite.Instruction // a RUN that removed the lists after it
}

// checkAptUpdateInstall reports installs that rely on the package lists of an update
// in an earlier RUN, and merges a RUN that is only `apt-get update` into the install
// RUN right after it.
func checkAptUpdateInstall(p *Pass) {
	ins := p.Doc.Instructions
	var stages *Stages
	state := map[int]aptLists{} // by stage
	for i, in := range ins {
		if in.Keyword == "from" {
			if stages == nil {
				stages = p.Facts.Stages()
			}
			// A stage built on another starts with what that one ended with.
			if parent, ok := stages.parentOf(in.Stage); ok {
				state[in.Stage] = state[parent]
			}
			continue
		}
		if !p.Facts.shellRunCandidate(in) || !p.Facts.mayHold(in, "apt") {
			continue // no apt call, no removal of its lists
		}
		s, err := p.Facts.Script(in)
		if err != nil {
			continue
		}
		st := state[in.Stage]
		before := st
		var consumer *aptCall
		updated := false
		for _, ev := range p.Facts.aptEvents(s) {
			switch {
			case ev.removes:
				st.gone = in
			case ev.apt.word == "update":
				updated = true
				st = aptLists{update: in}
			case aptConsumers[ev.apt.word] && !updated && consumer == nil:
				consumer = ev.apt
			}
		}
		state[in.Stage] = st
		if consumer == nil || before.update == nil {
			continue
		}
		w := consumer.call.Args[consumer.sub]
		start, end, _ := s.WordSpan(w)
		d := Diagnostic{Start: start, End: end}
		if before.gone != nil {
			d.Message = fmt.Sprintf("`%s` without an update in its RUN: the package lists were removed at line %d",
				consumer.what(), before.gone.StartLine)
			d.Fix = &Fix{Title: "Run `apt-get update` in this RUN", Applicability: DisplayOnly}
			d.Help = "put `apt-get update &&` before the install"
			p.Report(d)
			continue
		}
		d.Message = fmt.Sprintf("`%s` uses the package lists of the update at line %d: once that RUN comes from the build cache, they are stale",
			consumer.what(), before.update.StartLine)
		prev := ins[max(i-1, 0)]
		if up := aptUpdateOnly(p, prev); i > 0 && up != nil && prev == before.update && prev.Stage == in.Stage && sameFlags(prev, in) {
			fix, why := mergeFix(p, analyzeRun(p, prev), analyzeRun(p, in), errexitShell(p.Facts.Stages().Shell(in)))
			if fix != nil {
				fix.Title = "Merge the `" + up.what() + "` RUN above into this one"
				fix.Applicability = Safe
				d.Fix = fix
				p.Report(d)
				continue
			}
			d.Help = "dfix does not merge these RUNs: " + why
		} else {
			d.Help = "put `apt-get update &&` before the install"
		}
		d.Fix = &Fix{Title: "Run `apt-get update` in this RUN", Applicability: DisplayOnly}
		p.Report(d)
	}
}

// aptUpdateOnly returns the update of a RUN that is a single `apt-get update` (or apt,
// aptitude), with options, wrappers and assignments as they may be; nil for any other
// RUN.
func aptUpdateOnly(p *Pass, in *rewrite.Instruction) *aptCall {
	if !p.Facts.shellRunCandidate(in) {
		return nil
	}
	s, err := p.Facts.Script(in)
	if err != nil || len(s.File.Stmts) != 1 {
		return nil
	}
	st := s.File.Stmts[0]
	c, ok := st.Cmd.(*syntax.CallExpr)
	if !ok || st.Negated || st.Background || st.Coprocess {
		return nil
	}
	calls := p.Facts.aptCalls(s)
	n := 0
	s.Calls(func(*syntax.CallExpr) { n++ })
	if n != 1 || len(calls) != 1 || calls[0].call != c || calls[0].word != "update" || !pkgPlainFrom(c, calls[0].cmd) {
		return nil
	}
	return &calls[0]
}

// aptEvent is a call of a RUN that matters to the package lists: an apt call, or a
// removal of the lists.
type aptEvent struct {
	apt     *aptCall
	removes bool
}

// aptEvents returns the apt calls and the removals of the lists of a script, in
// source order, worked out once per pass: apt-lists-cleanup and apt-update-install
// both read them. The events are shared; they are not to be changed.
func (f *Facts) aptEvents(s *shell.Script) []aptEvent {
	return perScript(f, &f.aptEv, s, func() []aptEvent { return aptEvents(s, f.aptCalls(s)) })
}

func aptEvents(s *shell.Script, calls []aptCall) []aptEvent {
	byCall := map[*syntax.CallExpr]*aptCall{}
	for k := range calls {
		byCall[calls[k].call] = &calls[k]
	}
	var all []*syntax.CallExpr
	s.Calls(func(c *syntax.CallExpr) { all = append(all, c) })
	slices.SortStableFunc(all, func(a, b *syntax.CallExpr) int { return cmp.Compare(a.Pos().Offset(), b.Pos().Offset()) })
	var out []aptEvent
	for _, c := range all {
		if ac, ok := byCall[c]; ok && ac.word != "distclean" && ac.word != "dist-clean" {
			out = append(out, aptEvent{apt: ac})
		} else if aptRemovesLists(c) || aptRemovesListsInside(c) {
			out = append(out, aptEvent{removes: true})
		}
	}
	return out
}
