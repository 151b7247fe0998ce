package fix

import (
	"path"
	"sort"
	"strings"

	"github.com/dfix-dev/dfix/fix/shell"
	"github.com/dfix-dev/dfix/rewrite"
	"mvdan.cc/sh/v3/syntax"
)

// apkValueOpts are apk options whose value is the next word.
var apkValueOpts = map[string]bool{
	"-X": true, "--repository": true, "-p": true, "--root": true, "--arch": true,
	"--cache-dir": true, "--keys-dir": true, "--repositories-file": true, "--wait": true,
	"--progress-fd": true, "--cache-max-age": true, "--timeout": true, "-t": true, "--virtual": true,
}

// apkCall is one call of apk.
type apkCall struct {
	call    *syntax.CallExpr
	cmd     int
	sub     int    // index of the subcommand word, -1 when unreadable
	verb    string // the subcommand, "" when unreadable
	noCache bool   // --no-cache
	update  bool   // -U, --update, --update-cache: fetches the index itself
}

// readsIndex reports whether the call needs a package index it does not fetch itself.
func (a apkCall) readsIndex() bool {
	return a.verb != "del" && a.verb != "update" && !a.noCache && !a.update
}

// writesCache reports whether the call may leave files in /var/cache/apk.
func (a apkCall) writesCache() bool { return a.verb != "del" && !a.noCache }

func apkCalls(s *shell.Script) []apkCall {
	if !s.Runs("apk") {
		return nil
	}
	var out []apkCall
	s.Commands(func(c *syntax.CallExpr, name string, i int) {
		if name != "apk" {
			return
		}
		a := apkCall{call: c, cmd: i, sub: shell.Subcommand(c, i+1, apkValueOpts)}
		if a.sub >= 0 {
			a.verb, _ = shell.PlainWord(c.Args[a.sub])
		}
		a.noCache = shell.HasWord(c, i+1, []string{"--no-cache"})
		a.update = shell.HasWord(c, i+1, []string{"--update", "--update-cache"}) || shell.HasShortFlag(c, i+1, 'U')
		out = append(out, a)
	})
	return out
}

// apkRun is what apk-no-cache knows of one RUN of the file.
type apkRun struct {
	in     *rewrite.Instruction
	s      *shell.Script // nil when the body cannot be read
	calls  []apkCall
	opaque bool // mentions apk but cannot be read
}

func apkRuns(p *Pass) []apkRun {
	var out []apkRun
	for _, in := range p.Doc.Instructions {
		if in.Keyword != "run" {
			continue
		}
		r := apkRun{in: in}
		if !p.Facts.mayHold(in, "apk") {
			out = append(out, r) // no apk call, nothing it could be confused with
			continue
		}
		if p.Facts.shellRunCandidate(in) {
			if s, err := p.Facts.Script(in); err == nil {
				r.s, r.calls = s, apkCalls(s)
			}
		}
		if r.s == nil {
			r.opaque = strings.Contains(in.Node.Original, "apk")
			for _, h := range in.Node.Heredocs { // Original is the first line only
				r.opaque = r.opaque || strings.Contains(h.Content, "apk")
			}
		}
		out = append(out, r)
	}
	return out
}

// leavesCache reports whether the RUN may leave apk's cache behind: a call that
// writes it with no rm of /var/cache/apk/... after it.
func (r apkRun) leavesCache() bool {
	if r.opaque {
		return true
	}
	for _, a := range r.calls {
		if !a.writesCache() {
			continue
		}
		removed := false
		r.s.Calls(func(c *syntax.CallExpr) {
			if c.Pos().Offset() > a.call.Pos().Offset() && len(apkCacheOperands(c)) > 0 {
				removed = true
			}
		})
		if !removed {
			return true
		}
	}
	return false
}

func checkApkNoCache(p *Pass) {
	runs := apkRuns(p)
	for ri, r := range runs {
		if r.s == nil || CacheMountCovers(r.in, "/var/cache/apk", "/etc/apk/cache") {
			continue
		}
		var lacking []apkCall
		for _, a := range r.calls {
			if a.verb == "add" && !a.noCache {
				lacking = append(lacking, a)
			}
		}
		if len(lacking) == 0 {
			continue
		}
		var edits []rewrite.Edit
		for _, a := range lacking {
			at := r.s.FileEnd(a.call.Args[a.sub].End())
			edits = append(edits, rewrite.Edit{Start: at, End: at, New: " --no-cache"})
		}
		removals, removedRm := apkRemovals(p, runs, ri)
		edits = append(edits, removals...)
		first := lacking[0].call.Args[lacking[0].sub]
		start, end, _ := r.s.WordSpan(first)
		d := Diagnostic{
			Start:   start,
			End:     end,
			Message: "apk add without --no-cache: the package index stays in /var/cache/apk in the layer",
		}
		title := "Add --no-cache"
		if len(removals) > 0 {
			title += " and remove the steps it makes redundant"
		}
		if apkRmWouldFail(r, removedRm) {
			d.Fix = &Fix{Title: title, Applicability: DisplayOnly}
			d.Help = "with --no-cache, /var/cache/apk stays empty and `rm /var/cache/apk/*` (without -f) " +
				"fails: add --no-cache and drop that rm by hand"
		} else {
			d.Fix = &Fix{Title: title, Applicability: Safe, Edits: edits}
		}
		p.Report(d)
	}
}

// apkRmWouldFail reports whether, once every apk add of the RUN has --no-cache, an rm
// without -f of /var/cache/apk/* that the fix keeps would find nothing to delete and
// fail: nothing left in the RUN writes the cache.
func apkRmWouldFail(r apkRun, removed map[*syntax.CallExpr]bool) bool {
	for _, a := range r.calls {
		if a.verb != "add" && a.writesCache() && !removed[a.call] {
			return false // apk update, upgrade...: the cache gets files
		}
	}
	fails := false
	r.s.Calls(func(c *syntax.CallExpr) {
		if removed[c] || len(apkCacheOperands(c)) == 0 {
			return
		}
		_, i := shell.CommandName(c)
		if !shell.HasShortFlag(c, i+1, 'f') && !shell.HasWord(c, i+1, []string{"--force"}) {
			fails = true
		}
	})
	return fails
}

// apkCacheOperands returns the indexes of the words of an rm call that name files
// inside /var/cache/apk (not the folder itself).
func apkCacheOperands(c *syntax.CallExpr) []int {
	name, i := shell.CommandName(c)
	if name != "rm" {
		return nil
	}
	var out []int
	for j := i + 1; j < len(c.Args); j++ {
		v, ok := shell.ReadWord(c.Args[j], pkgPathWord)
		if ok && strings.HasPrefix(path.Clean(v), "/var/cache/apk/") {
			out = append(out, j)
		}
	}
	return out
}

// apkRemovals returns the edits that remove what --no-cache makes redundant in RUN
// runs[ri]: `apk update` steps of && chains, and the rm of /var/cache/apk/... (the
// whole step, or just those words when it deletes other files too). It removes nothing
// when that is not safe:
//   - another apk command of the RUN needs the index (upgrade, search...);
//   - a later RUN reads the index this one would have left (apk update removal);
//   - an earlier RUN left files in the cache that the rm deletes (rm removal);
//   - a step is not its own && step, or removing it would take a comment line or a
//     blank line with it.
//
// It also returns the calls that no longer touch the cache once the edits are applied.
func apkRemovals(p *Pass, runs []apkRun, ri int) ([]rewrite.Edit, map[*syntax.CallExpr]bool) {
	r := runs[ri]
	var updates []*syntax.CallExpr
	for _, a := range r.calls {
		switch {
		case a.verb == "update" && !a.noCache:
			updates = append(updates, a.call)
		case a.verb == "add", a.verb == "del", a.noCache:
		default:
			return nil, nil // apk upgrade, search, $CMD...: keep the index around
		}
	}
	for _, later := range runs[ri+1:] {
		if later.opaque {
			return nil, nil
		}
		for _, a := range later.calls {
			if a.readsIndex() && !apkUpdatedBefore(later.calls, a) && !CacheMountCovers(later.in, "/var/cache/apk") {
				return nil, nil
			}
		}
	}
	leaves := map[*syntax.CallExpr]bool{} // whole steps to remove
	for _, u := range updates {
		leaves[u] = true
	}
	words := map[*syntax.CallExpr][]int{} // rm words to remove
	earlierClean := true
	for _, earlier := range runs[:ri] {
		if earlier.leavesCache() {
			earlierClean = false
		}
	}
	if earlierClean {
		r.s.Calls(func(c *syntax.CallExpr) {
			ops := apkCacheOperands(c)
			if len(ops) == 0 {
				return
			}
			_, i := shell.CommandName(c)
			others := 0
			for j := i + 1; j < len(c.Args); j++ {
				if v, ok := shell.PlainWord(c.Args[j]); ok && strings.HasPrefix(v, "-") {
					continue
				}
				others++
			}
			if others == len(ops) {
				leaves[c] = true
			} else {
				words[c] = ops
			}
		})
	}
	edits, ok := apkRemoveSteps(p, r.s, leaves)
	if !ok {
		// Try again without the rm steps: the update must go, or nothing.
		for c := range leaves {
			if !pkgContainsCall(updates, c) {
				delete(leaves, c)
			}
		}
		words = nil
		if edits, ok = apkRemoveSteps(p, r.s, leaves); !ok {
			return nil, nil
		}
	}
	gone := map[*syntax.CallExpr]bool{} // calls that no longer touch the cache
	for c := range leaves {
		gone[c] = true
	}
	for c, ops := range words {
		var we []rewrite.Edit
		for _, j := range ops {
			start, end := r.s.FileEnd(c.Args[j-1].End()), r.s.FileEnd(c.Args[j].End())
			if !pkgRemovable(p.Doc, start, end) {
				we = nil
				break
			}
			we = append(we, rewrite.Edit{Start: start, End: end})
		}
		if we != nil {
			edits = append(edits, we...)
			gone[c] = true
		}
	}
	return edits, gone
}

func pkgContainsCall(list []*syntax.CallExpr, c *syntax.CallExpr) bool {
	for _, x := range list {
		if x == c {
			return true
		}
	}
	return false
}

// apkUpdatedBefore reports whether an `apk update` of the same RUN comes before a.
func apkUpdatedBefore(calls []apkCall, a apkCall) bool {
	for _, b := range calls {
		if b.verb == "update" && !b.noCache && b.call.Pos().Offset() < a.call.Pos().Offset() {
			return true
		}
	}
	return false
}

// apkRemoveSteps returns edits removing the given calls, each of which must be a
// whole step of a top-level && chain that keeps at least one step. A step goes with
// the && that joins it to the previous step (to the next one for the first step), and
// the continuation between them, so the other lines stay as they are.
func apkRemoveSteps(p *Pass, s *shell.Script, calls map[*syntax.CallExpr]bool) ([]rewrite.Edit, bool) {
	if len(calls) == 0 {
		return nil, true
	}
	found := 0
	var edits []rewrite.Edit
	for _, st := range s.File.Stmts {
		leaves := pkgAndLeaves(st)
		remove := make([]bool, len(leaves))
		n := 0
		for k, leaf := range leaves {
			c, ok := leaf.Cmd.(*syntax.CallExpr)
			if !ok || !calls[c] {
				continue
			}
			if leaf.Negated || leaf.Background || leaf.Coprocess || len(leaf.Redirs) > 0 || len(c.Assigns) > 0 || len(leaves) < 2 {
				return nil, false
			}
			remove[k] = true
			n++
		}
		if n == 0 {
			continue
		}
		if n == len(leaves) {
			return nil, false
		}
		found += n
		for k := 0; k < len(leaves); k++ {
			if !remove[k] {
				continue
			}
			j := k
			for j+1 < len(leaves) && remove[j+1] {
				j++
			}
			var start, end int
			if k == 0 {
				start, end = s.FileOffset(leaves[0].Pos()), s.FileOffset(leaves[j+1].Pos())
			} else {
				start, end = s.FileEnd(leaves[k-1].End()), s.FileEnd(leaves[j].End())
			}
			if !pkgRemovable(p.Doc, start, end) {
				return nil, false
			}
			edits = append(edits, rewrite.Edit{Start: start, End: end})
			k = j
		}
	}
	if found != len(calls) {
		return nil, false // some step is not a top-level && step
	}
	sort.Slice(edits, func(i, j int) bool { return edits[i].Start < edits[j].Start })
	return edits, true
}

// pkgAndLeaves returns the steps of a statement that is a chain of && (the statement
// itself when it is not one).
func pkgAndLeaves(st *syntax.Stmt) []*syntax.Stmt {
	var out []*syntax.Stmt
	var walk func(x *syntax.Stmt)
	walk = func(x *syntax.Stmt) {
		if b, ok := x.Cmd.(*syntax.BinaryCmd); ok && b.Op == syntax.AndStmt && !x.Negated && !x.Background && !x.Coprocess && len(x.Redirs) == 0 {
			walk(b.X)
			walk(b.Y)
			return
		}
		out = append(out, x)
	}
	walk(st)
	return out
}

// pkgRemovable reports whether deleting the file bytes [start, end) keeps every
// comment line and blank line: no line that the range touches is one.
func pkgRemovable(doc *rewrite.Document, start, end int) bool {
	if end <= start {
		return false
	}
	for li := doc.LineOf(start) - 1; li <= doc.LineOf(end-1)-1; li++ {
		if doc.IsComment(li) || doc.IsBlank(li) {
			return false
		}
	}
	return true
}
