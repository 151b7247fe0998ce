package fix

import (
	"fmt"
	"path"
	"strings"

	"github.com/dfix-dev/dfix/fix/shell"
	"github.com/dfix-dev/dfix/rewrite"
	"mvdan.cc/sh/v3/syntax"
)

func checkCdToWorkdir(p *Pass) {
	var st *Stages
	for _, s := range shellRuns(p) {
		var cd *syntax.CallExpr
		s.Calls(func(c *syntax.CallExpr) {
			if name, i := shell.CommandName(c); cd == nil && name == "cd" && i >= 0 {
				cd = c
			}
		})
		if cd == nil {
			continue
		}
		if st == nil {
			st = p.Facts.Stages()
		}
		start, end, _ := s.WordSpan(cd.Args[0])
		d := Diagnostic{
			Start:   start,
			End:     end,
			Message: "cd in a RUN: the directory change lasts only for this RUN; WORKDIR says where the build works",
		}
		fix, why := cdWorkdirFix(p, st, s)
		if fix != nil {
			d.Fix = fix
		} else {
			d.Fix = &Fix{Title: "Use WORKDIR", Applicability: DisplayOnly}
			d.Help = why
		}
		p.Report(d)
	}
}

// cdWorkdirFix turns `RUN cd /dir && rest` into `WORKDIR /dir` and `RUN rest`, or says
// why it does not.
func cdWorkdirFix(p *Pass, st *Stages, s *shell.Script) (*Fix, string) {
	const advice = "use WORKDIR for a directory the following instructions work in, or keep a temporary cd in a subshell: (cd dir && ...)"
	in := s.In
	stmts := s.File.Stmts
	if len(stmts) != 1 || stmts[0].Background || stmts[0].Negated || len(stmts[0].Redirs) > 0 {
		return nil, advice
	}
	// The leftmost command of the list, and the && right after it.
	var first *syntax.Stmt
	var and *syntax.BinaryCmd
	for cur := stmts[0]; ; {
		b, ok := cur.Cmd.(*syntax.BinaryCmd)
		if !ok || b.Op != syntax.AndStmt && b.Op != syntax.OrStmt {
			first = cur
			break
		}
		and, cur = b, b.X
	}
	c, ok := first.Cmd.(*syntax.CallExpr)
	if !ok || len(c.Args) == 0 {
		return nil, advice
	}
	if v, _ := shell.Lit(c.Args[0]); v != "cd" {
		return nil, "the cd is not the first command of the RUN: the commands before it run in the previous directory, so no WORKDIR says the same; " + advice
	}
	if and == nil {
		if len(c.Args) == 2 {
			return nil, "a RUN that only changes directory does nothing: remove it, or use WORKDIR if the following instructions should work there"
		}
		return nil, advice
	}
	if and.Op != syntax.AndStmt || first.Negated || first.Background || len(first.Redirs) > 0 || len(c.Assigns) > 0 || len(c.Args) != 2 {
		return nil, advice
	}
	dir, ok := shell.Lit(c.Args[1])
	if !ok || !strings.HasPrefix(dir, "/") || strings.Trim(dir, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._+@%,:=-") != "" {
		return nil, "the directory is not a plain absolute path: " + advice
	}
	doc := p.Doc
	cdStart := s.FileOffset(first.Pos())
	restStart := s.FileOffset(and.Y.Pos())
	for li := doc.LineOf(cdStart); li < doc.LineOf(restStart)-1; li++ { // 0-based lines strictly between
		if doc.IsComment(li) || doc.IsBlank(li) {
			return nil, "comment lines between the cd and the rest of the RUN: " + advice
		}
	}
	// restore is the WORKDIR to write back after the RUN, when a later instruction
	// depends on the working directory the RUN started in.
	restore := ""
	prev := workdirBefore(p, in)
	if prev.known && prev.dir == path.Clean(dir) {
		return &Fix{
			Title:         "Remove the cd: the working directory is already " + prev.dir,
			Applicability: Unsafe,
			Edits:         []rewrite.Edit{{Start: cdStart, End: restStart, New: ""}},
		}, ""
	}
	if why := laterUsesWorkdir(doc, st, in); why != "" {
		switch {
		case !prev.known:
			return nil, "WORKDIR " + dir + " would also apply to " + why + ", and the working directory to restore after the RUN is unknown (" + prev.why + "): " + advice
		case !plainPath(prev.dir):
			return nil, "WORKDIR " + dir + " would also apply to " + why + ", and the working directory to restore after the RUN, " + prev.dir + ", is not a plain path: " + advice
		}
		restore = prev.dir
	}
	kw, ok := in.KeywordSpan()
	if !ok {
		return nil, advice
	}
	kwText := string(doc.Src[kw.Start:kw.End])
	line := doc.Line(in.StartLine - 1)
	indent := line[:len(line)-len(strings.TrimLeft(line, " \t"))]
	if lineStart := doc.LineStart(in.StartLine - 1); kw.Start-lineStart != len(indent) {
		indent = "" // a BOM before the keyword
	}
	workdir := "WORKDIR"
	if strings.ToLower(kwText) == kwText {
		workdir = "workdir"
	}
	eol := doc.LineEOL(in.StartLine - 1)
	fix := &Fix{
		Title:         "Use WORKDIR " + dir,
		Applicability: Unsafe,
		Edits: []rewrite.Edit{
			{Start: kw.Start, End: kw.End, New: workdir + " " + dir + eol + indent + kwText},
			{Start: cdStart, End: restStart, New: ""},
		},
		Instructions: map[string]int{"workdir": 1},
	}
	if restore != "" {
		line := indent + workdir + " " + restore + doc.LineEOL(in.EndLine-1)
		if in.End >= len(doc.Src) && !strings.HasSuffix(string(doc.Src), "\n") {
			line = doc.LineEOL(in.EndLine-1) + indent + workdir + " " + restore // no final newline: keep it so
		}
		fix.Title = "Use WORKDIR " + dir + " for this RUN, then WORKDIR " + restore + " again"
		fix.Edits = append(fix.Edits, rewrite.Edit{Start: in.End, End: in.End, New: line})
		fix.Instructions["workdir"] = 2
	}
	return fix, ""
}

// plainPath reports whether an absolute path can be written in a Dockerfile or a shell
// word as it is, without quotes or escapes.
func plainPath(dir string) bool {
	return strings.HasPrefix(dir, "/") && strings.Trim(dir, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._+@%,:=-") == ""
}

// workdirBefore returns what is known of the working directory right before target:
// the last WORKDIR of its stage (relative ones joined onto the one before), the end of
// the stage it is built FROM, or / for scratch. A base image's WORKDIR is unknown, and
// so is a WORKDIR with variables, quotes or escapes.
func workdirBefore(p *Pass, target *rewrite.Instruction) workdirState {
	return walkWorkdirs(p, target.Index, "the base image sets it", func(in *rewrite.Instruction, prev workdirState) workdirState {
		return nextWorkdir(p, in, prev)
	})
}

// nextWorkdir returns the working directory after WORKDIR in, given the one before it.
func nextWorkdir(p *Pass, in *rewrite.Instruction, prev workdirState) workdirState {
	raw := strings.TrimSpace(in.Args())
	if in.Logical == nil || raw == "" {
		return workdirState{why: "set by a WORKDIR dfix cannot read"}
	}
	value, plain := unquoteWord(raw, p.Doc.Escape)
	switch {
	case !plain || strings.Contains(value, "$") || p.Facts.Windows(in) || windowsAbsolute(value) || strings.HasPrefix(value, `\`):
		return workdirState{why: "set by WORKDIR " + raw}
	case strings.HasPrefix(value, "/"):
		return workdirState{known: true, dir: path.Clean(value)}
	case !prev.known:
		return workdirState{why: "set by WORKDIR " + raw + ", relative to an unknown one"}
	}
	return workdirState{known: true, dir: path.Join(prev.dir, value)}
}

// laterUsesWorkdir returns the first instruction after in, in its stage, that depends
// on the working directory, before an absolute WORKDIR resets it ("" when none). The
// end of the stage counts when the stage is the image (the last stage) or the base of
// another stage.
func laterUsesWorkdir(doc *rewrite.Document, st *Stages, in *rewrite.Instruction) string {
	at := func(x *rewrite.Instruction) string {
		return fmt.Sprintf("the %s on line %d", strings.ToUpper(x.Keyword), x.StartLine)
	}
	if in.Stage < 0 || in.Stage >= len(st.List) {
		return "the build stage (there is no FROM above the RUN)"
	}
	for _, x := range doc.Instructions[in.Index+1:] {
		if x.Stage != in.Stage {
			break
		}
		switch x.Keyword {
		case "workdir":
			if x.Node.Next == nil {
				return at(x)
			}
			if strings.HasPrefix(strings.TrimSpace(x.Node.Next.Value), "/") && !strings.Contains(x.Node.Next.Value, "$") {
				return ""
			}
			return at(x)
		case "run", "cmd", "entrypoint", "healthcheck", "onbuild":
			return at(x)
		case "copy", "add":
			words := fromWords(x)
			if len(words) < 2 || !strings.HasPrefix(words[len(words)-1], "/") || strings.Contains(words[len(words)-1], "$") {
				return at(x)
			}
		case "volume":
			for _, w := range fromWords(x) {
				if !strings.HasPrefix(w, "/") || strings.Contains(w, "$") {
					return at(x)
				}
			}
		}
	}
	switch s := st.List[in.Stage]; {
	case in.Stage == len(st.List)-1:
		return "the image (the containers it starts)"
	case s.Derived:
		return "the stages built FROM this one"
	}
	return ""
}
