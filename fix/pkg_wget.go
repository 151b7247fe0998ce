package fix

import (
	"strings"

	"github.com/dfix-dev/dfix/fix/shell"
	"github.com/dfix-dev/dfix/rewrite"
	"mvdan.cc/sh/v3/syntax"
)

// wgetShortValue are GNU wget's short options that take a value (glued or as the next
// word).
const wgetShortValue = "aABDeiIlnoOPQRtTUwX"

// wgetReports reports whether a wget call already says how to report progress: quiet
// (-q, --quiet), not verbose (-nv, --no-verbose), a --progress style, or a log file
// (-o, --output-file, -a, --append-output).
func wgetReports(c *syntax.CallExpr, from int) bool {
	for j := from; j < len(c.Args); j++ {
		v, ok := shell.PlainWord(c.Args[j])
		if !ok {
			continue
		}
		if v == "--" {
			return false
		}
		if strings.HasPrefix(v, "--") {
			name, _, _ := strings.Cut(v, "=")
			switch name {
			case "--quiet", "--no-verbose", "--progress", "--output-file", "--append-output":
				return true
			}
			continue
		}
		if len(v) < 2 || v[0] != '-' {
			continue
		}
		for k := 1; k < len(v); k++ {
			ch := v[k]
			switch {
			case ch == 'q' || ch == 'o' || ch == 'a':
				return true
			case ch == 'n':
				rest := v[k+1:]
				if rest == "" && j+1 < len(c.Args) {
					rest, _ = shell.PlainWord(c.Args[j+1])
					j++
				}
				if strings.ContainsRune(rest, 'v') {
					return true
				}
			case strings.IndexByte(wgetShortValue, ch) >= 0:
				if k == len(v)-1 {
					j++ // the value is the next word
				}
			default:
				continue
			}
			break // the rest of the word is the option's value
		}
	}
	return false
}

func checkWgetProgress(p *Pass) {
	var stages *Stages
	for s := range shellRuns(p, "wget") {
		if !s.Runs("wget") {
			continue
		}
		s.Commands(func(c *syntax.CallExpr, name string, i int) {
			if name != "wget" || wgetReports(c, i+1) {
				return
			}
			if stages == nil {
				stages = p.Facts.Stages()
			}
			w := c.Args[i]
			start, end, _ := s.WordSpan(w)
			at := s.FileEnd(w.End())
			d := Diagnostic{
				Start:   start,
				End:     end,
				Message: "wget without --progress: its progress bar floods the build log",
				Fix: &Fix{
					Title:         "Add --progress=dot:giga",
					Applicability: Safe,
					Edits:         []rewrite.Edit{{Start: at, End: at, New: " --progress=dot:giga"}},
				},
			}
			stage := ""
			switch {
			case wgetBusybox(p, stages, s, c):
				stage = "this looks like an Alpine or busybox stage, whose wget (busybox's) does not know --progress"
			case wgetMaybeWget2(p, stages, s):
				// Found by building: wget2 exits 2 on "Unknown progress type 'dot:giga'".
				stage = "this looks like a Fedora or Red Hat family stage, whose wget may be wget2 (Fedora 40 on, " +
					"RHEL 10), which rejects --progress=dot:giga"
			}
			if stage != "" {
				// -q (no progress bar, no "Connecting to" chatter) is what hadolint also
				// accepts, and busybox's wget, GNU wget and wget2 all know it.
				d.Help = stage + ": -q turns its progress bar off"
				d.Fix = &Fix{
					Title:         "Add -q",
					Applicability: Safe,
					Edits:         []rewrite.Edit{{Start: at, End: at, New: " -q"}},
				}
				if stderrCaptured(s, c) {
					d.Fix = &Fix{Title: "Add -q", Applicability: DisplayOnly}
					d.Help = stage + ", and the command's standard error is redirected or piped: -q would also take away " +
						"the messages read there; add -q by hand if nothing reads them"
				}
			}
			p.Report(d)
		})
	}
}

// wgetBusybox reports whether the wget of call c probably is busybox's: the stage is
// built on an Alpine or busybox image, or runs apk, and does not install GNU wget
// (`apk add wget`) before the call.
func wgetBusybox(p *Pass, stages *Stages, s *shell.Script, c *syntax.CallExpr) bool {
	img := stages.ref(s.In.Stage)
	busybox := strings.Contains(img, "alpine") || strings.Contains(img, "busybox")
	chain := map[int]bool{}
	for _, st := range stages.chain(s.In.Stage) {
		chain[st] = true
	}
	gnu := false
	for _, o := range p.Doc.Instructions {
		if o.Keyword != "run" || !chain[o.Stage] || !p.Facts.shellRunCandidate(o) {
			continue
		}
		sc, err := p.Facts.Script(o)
		if err != nil {
			continue
		}
		for _, a := range p.Facts.aptCalls(sc) {
			before := o.Index < s.In.Index || o.Index == s.In.Index && a.call.Pos().Offset() < c.Pos().Offset()
			if before && a.word == "install" && installsWget(a.call.Args[a.sub+1:]) {
				gnu = true
			}
		}
		for _, a := range apkCalls(sc) {
			busybox = true
			before := o.Index < s.In.Index || o.Index == s.In.Index && a.call.Pos().Offset() < c.Pos().Offset()
			if a.verb != "add" || !before {
				continue
			}
			if installsWget(a.call.Args[a.sub+1:]) {
				gnu = true
			}
		}
	}
	return busybox && !gnu
}

// wgetMaybeWget2 reports whether the wget of a RUN may be wget2, which Fedora 40 and
// later and RHEL 10 install as wget: the stage is built on a Red Hat family image, or
// runs dnf or microdnf.
func wgetMaybeWget2(p *Pass, stages *Stages, s *shell.Script) bool {
	if st := s.In.Stage; st >= 0 && st < len(stages.List) && stages.List[st].Shell == shellBash {
		return true
	}
	chain := map[int]bool{}
	for _, st := range stages.chain(s.In.Stage) {
		chain[st] = true
	}
	for _, o := range p.Doc.Instructions {
		if o.Keyword != "run" || !chain[o.Stage] || !p.Facts.shellRunCandidate(o) {
			continue
		}
		if sc, err := p.Facts.Script(o); err == nil && sc.Runs("dnf", "microdnf", "dnf5") {
			return true
		}
	}
	return false
}

// installsWget reports whether the words of a package install name GNU wget (`wget`,
// `wget=1.21-r0`, `wget~1.21`).
func installsWget(words []*syntax.Word) bool {
	for _, w := range words {
		if v, ok := shell.PlainWord(w); ok && (v == "wget" || strings.HasPrefix(v, "wget=") || strings.HasPrefix(v, "wget~")) {
			return true
		}
	}
	return false
}

// stderrCaptured reports whether the standard error of call c is redirected (2>,
// &>, 2>&1) or piped (|&) by its own statement or one that holds it: what wget
// prints there is then read by something, and a fix that silences it changes more
// than the build log.
func stderrCaptured(s *shell.Script, c *syntax.CallExpr) bool {
	found := false
	holds := func(n syntax.Node) bool {
		return n.Pos().Offset() <= c.Pos().Offset() && c.End().Offset() <= n.End().Offset()
	}
	syntax.Walk(s.File, func(n syntax.Node) bool {
		if found || n == nil || !holds(n) {
			return false
		}
		switch n := n.(type) {
		case *syntax.Stmt:
			for _, r := range n.Redirs {
				switch {
				case r.Op == syntax.RdrAll || r.Op == syntax.AppAll:
					found = true
				case r.N != nil && r.N.Value == "2":
					found = true
				}
			}
		case *syntax.BinaryCmd:
			if n.Op == syntax.PipeAll && holds(n.X) {
				found = true
			}
		}
		return !found
	})
	return found
}
