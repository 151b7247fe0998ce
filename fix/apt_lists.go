package fix

import (
	"cmp"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/dfix-dev/dfix/fix/shell"
	"github.com/dfix-dev/dfix/rewrite"
	"mvdan.cc/sh/v3/syntax"
)

const aptListsClean = "rm -rf /var/lib/apt/lists/*"

// checkAptListsCleanup reports RUNs whose apt update leaves the package lists in the
// layer, and appends their removal after the last statement that runs apt. ONBUILD RUN
// triggers are checked too: the same text runs in the child's build.
func checkAptListsCleanup(p *Pass) {
	var stages *Stages
	for s := range shellRunsAndTriggers(p, "apt") {
		events := p.Facts.aptEvents(s)
		last := -1 // the last update
		for k, ev := range events {
			if ev.apt != nil && ev.apt.word == "update" {
				last = k
			}
		}
		if last < 0 || CacheMountCovers(s.In, aptListsDir) {
			continue
		}
		removed := false
		for _, ev := range events[last+1:] {
			removed = removed || ev.removes
		}
		if removed {
			continue
		}
		if stages == nil {
			stages = p.Facts.Stages()
		}
		if !stages.Live(s.In.Stage) {
			continue // like hadolint: the stage's layers reach no image
		}
		up := events[last].apt
		// The removal runs the way the last apt command ran (sudo).
		prefix := ""
		for _, ev := range events {
			if ev.apt != nil {
				prefix = pkgPrefix(ev.apt.call, ev.apt.cmd)
			}
		}
		cmd := prefix + aptListsClean
		w := up.call.Args[up.sub]
		start, end, _ := s.WordSpan(w)
		d := Diagnostic{
			Start:   start,
			End:     end,
			Message: "`" + up.what() + "` leaves the package lists in the layer: no `" + aptListsClean + "` after it",
		}
		title := "Append `" + cmd + "`"
		after := aptLastNode(s)
		edit, ok := appendCommand(p, s, after, cmd)
		switch later := aptListsNeededLater(p, stages, s.In); {
		case inFunction(s, after):
			d.Help = "apt runs inside a shell function: add `" + cmd + "` after the function's last call by hand"
		case !ok:
			d.Help = "the command runs in the background or negated: add `" + cmd + "` after it by hand"
		case later != nil:
			d.Fix = &Fix{Title: title, Applicability: DisplayOnly}
			d.Help = fmt.Sprintf("the RUN at line %d uses these lists without an update of its own: "+
				"run `apt-get update` there first (see apt-update-install), then remove the lists here", later.StartLine)
		default:
			d.Fix = &Fix{Title: title, Applicability: Safe, Edits: []rewrite.Edit{edit}}
		}
		p.Report(d)
	}
}

// aptLastNode returns the last call of the script that runs an apt front end or names
// one among its words (`xargs apt-get install`, `sh -c "apt-get ..."`): the removal of
// the lists goes after its top-level statement.
func aptLastNode(s *shell.Script) syntax.Node {
	var last syntax.Node
	s.Calls(func(c *syntax.CallExpr) {
		if last != nil && c.Pos().Offset() < last.Pos().Offset() {
			return
		}
		if name, i := shell.CommandName(c); i >= 0 && (slices.Contains(aptPrograms, name) || name == "apt-cache") {
			last = c
			return
		}
		if namesApt(c) {
			last = c
		}
	})
	return last
}

// aptListsNeededLater returns a later RUN, in the stage of in or in a stage built on
// it, that installs from the package lists without an apt update of its own before:
// removing the lists in `in` would break it. nil when there is none.
func aptListsNeededLater(p *Pass, stages *Stages, in *rewrite.Instruction) *rewrite.Instruction {
	refreshed := map[int]bool{} // stages whose lists a later RUN updated
	// reads tells whether o, a RUN or trigger whose script is s, reads the lists in
	// keeps, noting the stages whose lists it refreshes first.
	reads := func(o *rewrite.Instruction, script func() *shell.Script) bool {
		related, fresh := false, false
		for _, st := range stages.chain(o.Stage) {
			fresh = fresh || refreshed[st]
			if st == in.Stage {
				related = true
				break
			}
		}
		if !related || fresh {
			return false
		}
		s := script()
		if s == nil {
			return false
		}
		switch aptListsUse(p, s) {
		case aptListsRefreshed:
			// New lists, or none: later RUNs do not use these.
			refreshed[o.Stage] = true
		case aptListsRead:
			return true
		}
		return false
	}
	for _, o := range p.Doc.Instructions {
		if o.Index <= in.Index || !p.Facts.shellRunCandidate(o) {
			continue
		}
		script := func() *shell.Script {
			if s, err := p.Facts.Script(o); err == nil {
				return s
			}
			return nil
		}
		if reads(o, script) {
			return o
		}
	}
	// ONBUILD RUN triggers run in the builds of the images made FROM their stage, after
	// every RUN of it, in their order: they read the lists this image keeps. Those of
	// the stage of a trigger that came before in do not run after it.
	trigger := p.Doc.Instructions[in.Index].Keyword == "onbuild"
	for _, o := range p.Doc.Instructions {
		if o.Keyword != "onbuild" || trigger && o.Stage == in.Stage && o.Index <= in.Index {
			continue
		}
		if reads(o, func() *shell.Script { return onbuildRun(p, o) }) {
			return o
		}
	}
	return nil
}

// What a RUN does first with the package lists it finds.
const (
	aptListsUntouched = iota
	aptListsRefreshed // an update, or a removal
	aptListsRead      // an install, apt-cache, a list or search...
)

// aptReaders are apt subcommands that read the package lists without downloading
// packages: run without lists they find nothing (`apt-cache show x` fails).
var aptReaders = map[string]bool{
	"list": true, "search": true, "show": true, "showsrc": true, "policy": true, "depends": true,
	"rdepends": true, "madison": true, "showpkg": true, "changelog": true,
}

// aptListsUse tells what the first command of a script that touches the package lists
// does with them. apt-cache reads them, and so does a call that hands apt a command
// line (`xargs apt-get install`, `sh -c "apt-get install ..."`) unless an update came
// first: dfix does not read what such a call runs, so it counts as reading the lists.
func aptListsUse(p *Pass, s *shell.Script) int {
	byCall := map[*syntax.CallExpr]*aptCall{}
	calls := p.Facts.aptCalls(s)
	for k := range calls {
		byCall[calls[k].call] = &calls[k]
	}
	var all []*syntax.CallExpr
	s.Calls(func(c *syntax.CallExpr) { all = append(all, c) })
	slices.SortStableFunc(all, func(a, b *syntax.CallExpr) int { return cmp.Compare(a.Pos().Offset(), b.Pos().Offset()) })
	for _, c := range all {
		if aptRemovesLists(c) || aptRemovesListsInside(c) {
			return aptListsRefreshed
		}
		if ac, ok := byCall[c]; ok {
			switch {
			case ac.word == "update":
				return aptListsRefreshed
			case aptConsumers[ac.word] || aptReaders[ac.word]:
				return aptListsRead
			}
			continue
		}
		if name, _ := shell.CommandName(c); name == "apt-cache" || namesApt(c) {
			return aptListsRead
		}
	}
	return aptListsUntouched
}

// namesApt reports whether a word of a call names an apt front end or apt-cache
// (`xargs apt-get install`, `sh -c "apt-get ..."`).
func namesApt(c *syntax.CallExpr) bool {
	for _, w := range c.Args {
		v, ok := shell.PlainWord(w)
		if !ok {
			continue
		}
		for _, f := range strings.Fields(v) {
			if b := path.Base(f); slices.Contains(aptPrograms, b) || b == "apt-cache" || b == "add-apt-repository" {
				return true
			}
		}
	}
	return false
}

// inFunction reports whether node is inside a function definition of the script: what
// follows the definition runs before the function's body does.
func inFunction(s *shell.Script, node syntax.Node) bool {
	found := false
	syntax.Walk(s.File, func(n syntax.Node) bool {
		if f, ok := n.(*syntax.FuncDecl); ok && f.Pos().Offset() <= node.Pos().Offset() && node.End().Offset() <= f.End().Offset() {
			found = true
		}
		return !found
	})
	return found
}
