package fix

import (
	"fmt"
	"path"
	"strings"

	"github.com/dfix-dev/dfix/fix/shell"
	"github.com/dfix-dev/dfix/rewrite"
	"mvdan.cc/sh/v3/syntax"
)

// reportRules are the WORKDIR and USER rules (issue 4).
func reportRules() []*Rule {
	return []*Rule{
		{
			Name:  "workdir-absolute",
			Title: "relative WORKDIR",
			Doc: "A relative WORKDIR is taken relative to the WORKDIR before it, which for a " +
				"stage built on an image is whatever that image set: the directory depends on " +
				"something the Dockerfile does not say. When the previous WORKDIR of the stage " +
				"is known (an absolute WORKDIR earlier in the stage, in the stage it is built " +
				"FROM, or `/` for scratch), the fix writes the absolute path it resolves to, " +
				"which is exactly where BuildKit goes. Otherwise it is reported with advice only.",
			Before:        "FROM python:3.12\nWORKDIR /srv\nWORKDIR app",
			After:         "FROM python:3.12\nWORKDIR /srv\nWORKDIR /srv/app",
			Hadolint:      []string{"DL3000"},
			Applicability: Safe,
			FixNote:       "display-only when the previous WORKDIR is unknown",
			Default:       true,
			Check:         checkWorkdirAbsolute,
		},
		{
			Name:  "no-sudo",
			Title: "sudo in a RUN",
			Doc: "RUN already runs as the current USER; sudo adds a package, a TTY and " +
				"configuration quirks, and behaves differently from image to image. Switch " +
				"with USER around the steps that need root (or use gosu/su-exec in an " +
				"entrypoint). Reported only: the right USER layout is the author's choice.",
			Before:        "USER app\nRUN sudo apt-get update",
			After:         "USER root\nRUN apt-get update\nUSER app",
			Hadolint:      []string{"DL3004"},
			Applicability: DisplayOnly,
			Default:       true,
			Check:         checkNoSudo,
		},
		{
			Name:  "user-root-last",
			Title: "the image runs as root",
			Doc: "The last USER of the final stage (or of the stage it is built FROM) is root, " +
				"so containers started from the image run as root unless told otherwise. " +
				"Create an unprivileged user and switch to it at the end. Reported only: " +
				"which user the program can run as is the author's choice. Builder stages " +
				"that the final stage does not build on do not matter here.",
			Before:        "FROM debian\nUSER root\nCMD [\"app\"]",
			After:         "FROM debian\nRUN useradd --system app\nUSER app\nCMD [\"app\"]",
			Hadolint:      []string{"DL3002"},
			Applicability: DisplayOnly,
			Default:       true,
			Check:         checkUserRootLast,
		},
	}
}

// workdirState is what dfix knows of the working directory at some point of a stage.
type workdirState struct {
	known bool
	dir   string // absolute and clean when known
	why   string // why it is unknown
}

func checkWorkdirAbsolute(p *Pass) {
	walkWorkdirs(p.Doc, p.Facts.Stages(), "set by the base image", nil, func(in *rewrite.Instruction, prev workdirState) workdirState {
		return checkWorkdir(p, in, prev)
	})
}

// walkWorkdirs follows the working directory through the instructions, stage by
// stage: a stage starts from the end of the stage it is built FROM, / for scratch, or
// a base image's (unknown, baseWhy); at each WORKDIR, step returns the state after
// it. before, when not nil, sees the state each instruction runs in.
func walkWorkdirs(doc *rewrite.Document, stages *Stages, baseWhy string, before func(in *rewrite.Instruction, cur workdirState), step func(in *rewrite.Instruction, prev workdirState) workdirState) {
	ends := map[int]workdirState{} // stage -> state at its end
	cur := workdirState{why: "there is no FROM before it"}
	for _, in := range doc.Instructions {
		switch in.Keyword {
		case "from":
			cur = workdirState{why: baseWhy}
			if parent, ok := stages.parentOf(in.Stage); ok {
				cur = ends[parent]
			} else if words := nodeWords(in); len(words) > 0 && strings.EqualFold(words[0], "scratch") {
				cur = workdirState{known: true, dir: "/"}
			}
		}
		if before != nil {
			before(in, cur)
		}
		if in.Keyword == "workdir" {
			cur = step(in, cur)
		}
		ends[in.Stage] = cur
	}
}

// checkWorkdir reports one WORKDIR when it is relative, and returns the state after it.
func checkWorkdir(p *Pass, in *rewrite.Instruction, prev workdirState) workdirState {
	raw := strings.TrimSpace(in.Args())
	if in.Logical == nil || raw == "" {
		return workdirState{why: "set by a WORKDIR dfix cannot read"}
	}
	value, plain := unquoteWord(raw, p.Doc.Escape)
	switch {
	case strings.HasPrefix(value, "$"):
		return workdirState{why: "set by WORKDIR " + raw} // hadolint: a variable may well be absolute
	case strings.HasPrefix(value, "/"):
		if !plain || strings.Contains(value, "$") {
			return workdirState{why: "set by WORKDIR " + raw}
		}
		return workdirState{known: true, dir: path.Clean(value)}
	case windowsAbsolute(value) || strings.HasPrefix(value, `\`):
		return workdirState{why: "set by WORKDIR " + raw}
	}
	kw, _ := in.KeywordSpan()
	argStart := in.ArgsStart + strings.Index(in.Logical.Text[in.ArgsStart:], raw)
	start, end, spanOK := in.Logical.FileSpan(argStart, argStart+len(raw))
	d := Diagnostic{Start: kw.Start, End: kw.End,
		Message: fmt.Sprintf("WORKDIR %s is relative: where it leads depends on the WORKDIR before it", raw)}
	if spanOK {
		d.Start, d.End = start, end
	}
	next := workdirState{why: "set by WORKDIR " + raw}
	switch {
	case !prev.known:
		d.Help = fmt.Sprintf("the previous WORKDIR of this stage is unknown (%s): write the absolute path", prev.why)
	case !plain || strings.Contains(value, "$"):
		d.Help = fmt.Sprintf("it resolves against %s: write the absolute path", prev.dir)
	case p.Facts.Windows(in):
		d.Help = "write the absolute path"
	default:
		abs := path.Join(prev.dir, value)
		next = workdirState{known: true, dir: abs}
		if spanOK {
			word := abs
			if strings.ContainsAny(abs, " \t\"'") || strings.IndexByte(abs, p.Doc.Escape) >= 0 {
				word = quoteValue(abs, p.Doc.Escape, true)
			}
			d.Fix = &Fix{Title: "Write " + abs, Applicability: Safe,
				Edits: []rewrite.Edit{{Start: start, End: end, New: word}}}
		} else {
			d.Help = "write WORKDIR " + abs
		}
	}
	if d.Fix == nil {
		d.Fix = &Fix{Title: "Use an absolute path", Applicability: DisplayOnly}
	}
	p.Report(d)
	return next
}

// unquoteWord removes the quotes around a WORKDIR argument. plain is false when the
// text has quotes or escapes inside, whose meaning dfix does not work out.
func unquoteWord(s string, escape byte) (string, bool) {
	if len(s) >= 2 && (s[0] == '"' || s[0] == '\'') && s[len(s)-1] == s[0] {
		s = s[1 : len(s)-1]
	}
	return s, !strings.ContainsAny(s, "\"'") && strings.IndexByte(s, escape) < 0
}

// windowsAbsolute reports a path such as C:\ or C:/app.
func windowsAbsolute(s string) bool {
	return len(s) >= 2 && s[1] == ':' && (s[0] >= 'a' && s[0] <= 'z' || s[0] >= 'A' && s[0] <= 'Z')
}

func checkNoSudo(p *Pass) {
	for s := range shellRuns(p, "sudo") {
		var first *syntax.CallExpr
		n := 0
		s.Calls(func(c *syntax.CallExpr) {
			if v, ok := shell.Lit(c.Args[0]); ok && path.Base(v) == "sudo" {
				if first == nil {
					first = c
				}
				n++
			}
		})
		if first == nil {
			continue
		}
		start, end, ok := s.WordSpan(first.Args[0])
		if !ok {
			kw, _ := s.In.KeywordSpan()
			start, end = kw.Start, kw.End
		}
		msg := "sudo in a RUN: its behaviour depends on the image, and RUN does not need it to run as root"
		if n > 1 {
			msg = fmt.Sprintf("sudo in a RUN (%d times): its behaviour depends on the image, and RUN does not need it to run as root", n)
		}
		p.Report(Diagnostic{Start: start, End: end, Message: msg,
			Help: "switch with USER root before the step and back to the unprivileged USER after it",
			Fix:  &Fix{Title: "Use USER instead of sudo", Applicability: DisplayOnly}})
	}
}

func checkUserRootLast(p *Pass) {
	stages := p.Facts.Stages()
	ends := map[int]*rewrite.Instruction{} // stage -> root USER at its end
	var root *rewrite.Instruction          // the USER root in effect, nil when not root
	seenFrom := false
	for _, in := range p.Doc.Instructions {
		switch in.Keyword {
		case "from":
			seenFrom = true
			root = nil
			if parent, ok := stages.parentOf(in.Stage); ok {
				root = ends[parent]
			}
		case "user":
			if !seenFrom {
				continue
			}
			root = nil
			if words := nodeWords(in); len(words) == 1 && isRootUser(words[0]) {
				root = in
			}
		}
		ends[in.Stage] = root
	}
	if root == nil {
		return
	}
	kw, _ := root.KeywordSpan()
	d := Diagnostic{Start: kw.Start, End: kw.End,
		Message: "the last USER of the final stage is root: containers run as root",
		Help:    "create an unprivileged user and switch to it with USER at the end of the final stage",
		Fix:     &Fix{Title: "Switch to an unprivileged USER", Applicability: DisplayOnly}}
	if args := root.Args(); args != "" {
		if s, e, ok := root.Logical.FileSpan(root.ArgsStart, root.ArgsStart+len(args)); ok {
			d.Start, d.End = s, e
		}
	}
	p.Report(d)
}

// isRootUser reports USER root, 0, root:GROUP or 0:GROUP.
func isRootUser(u string) bool {
	u = strings.Trim(u, `"'`)
	user, _, _ := strings.Cut(u, ":")
	return user == "root" || user == "0"
}
