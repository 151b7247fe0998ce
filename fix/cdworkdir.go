package fix

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/dfix-dev/dfix/fix/shell"
	"github.com/dfix-dev/dfix/rewrite"
	"mvdan.cc/sh/v3/syntax"
)

func checkCdToWorkdir(p *Pass) {
	for s := range shellRuns(p, "cd") {
		if !s.Runs("cd") {
			continue
		}
		var cd *syntax.CallExpr
		s.Commands(func(x *syntax.CallExpr, name string, i int) {
			if cd == nil && name == "cd" && i >= 0 {
				cd = x
			}
		})
		if cd == nil {
			continue
		}
		start, end, _ := s.WordSpan(cd.Args[0])
		d := Diagnostic{
			Start:   start,
			End:     end,
			Message: "cd in a RUN: the directory change lasts only for this RUN; WORKDIR says where the build works",
		}
		fix, why := cdFix(p, s, cd)
		if fix != nil {
			d.Fix = fix
		} else {
			d.Fix = &Fix{Title: "Use WORKDIR", Applicability: DisplayOnly}
			d.Help = why
		}
		p.Report(d)
	}
}

const cdAdvice = "use WORKDIR where the following instructions should work too; a cd that only this RUN needs can stay (hadolint flags it in a subshell as well)"

// leafCall returns the leaf's simple command when it is a plain one (no assignments,
// redirections, negation or background), and its name when that is literal.
func leafCall(l shell.Leaf) (*syntax.CallExpr, string) {
	c, ok := l.Stmt.Cmd.(*syntax.CallExpr)
	if !ok || len(c.Args) == 0 || len(c.Assigns) > 0 || l.Stmt.Negated || l.Stmt.Background || l.Stmt.Coprocess || len(l.Stmt.Redirs) > 0 {
		return nil, ""
	}
	name, _ := shell.Lit(c.Args[0])
	return c, name
}

// runLeaves flattens the statements of a script into their &&/|| commands, in order.
// ok is false when a whole list is negated, backgrounded or redirected.
func runLeaves(stmts []*syntax.Stmt) ([]shell.Leaf, bool) {
	var out []shell.Leaf
	for _, st := range stmts {
		leaves, whole := shell.Leaves(st)
		if !whole {
			return nil, false
		}
		out = append(out, leaves...)
	}
	return out, true
}

// setErrexit reads a `set` command made only of options that do not change what a
// following `cd DIR` does (-e, -u, -x, -v and -o errexit/nounset/xtrace/verbose/
// pipefail, or their + forms): ok is false for anything else. on tells whether
// errexit is on after it, starting from was.
func setErrexit(c *syntax.CallExpr, was bool) (on, ok bool) {
	on = was
	for i := 1; i < len(c.Args); i++ {
		v, lit := shell.Lit(c.Args[i])
		if !lit || len(v) < 2 || v[0] != '-' && v[0] != '+' {
			return false, false
		}
		if v[1:] == "o" {
			i++
			if i == len(c.Args) {
				return false, false
			}
			name, _ := shell.Lit(c.Args[i])
			switch name {
			case "errexit":
				on = v[0] == '-'
			case "nounset", "xtrace", "verbose", "pipefail":
			default:
				return false, false
			}
			continue
		}
		if strings.Trim(v[1:], "euxv") != "" {
			return false, false
		}
		if strings.Contains(v, "e") {
			on = v[0] == '-'
		}
	}
	return on, true
}

// mkdirDir returns the one directory of `mkdir [-p] [-v] DIR`, "" for any other mkdir
// (a mode, several directories, words that are not literal).
func mkdirDir(c *syntax.CallExpr) string {
	dir := ""
	for _, w := range c.Args[1:] {
		v, ok := shell.Lit(w)
		switch {
		case !ok:
			return ""
		case v == "-p" || v == "-v" || v == "-pv" || v == "-vp" || v == "--parents" || v == "--verbose":
		case strings.HasPrefix(v, "-") || dir != "":
			return ""
		default:
			dir = v
		}
	}
	return dir
}

// cdFix turns `RUN cd DIR && rest` into `WORKDIR DIR` and `RUN rest`, or says why it
// does not. Before the cd it accepts `set` options (kept) and a `mkdir [-p] DIR` of
// the same directory (removed: WORKDIR creates it, owned by the USER as mkdir would).
func cdFix(p *Pass, s *shell.Script, cd *syntax.CallExpr) (*Fix, string) {
	in := s.In
	// No WORKDIR form is proven for a heredoc script (its lines follow no continuation
	// style), nor for a RUN whose first line feeds a heredoc to a command.
	if s.IsHeredoc() || in.Heredoc {
		return nil, "the RUN has a heredoc, which cd-to-workdir does not rewrite: " + cdAdvice
	}
	leaves, ok := runLeaves(s.File.Stmts)
	if !ok {
		return nil, "the RUN's command list is negated, backgrounded or redirected as a whole, so the cd is part of something WORKDIR cannot say: " + cdAdvice
	}
	errexit := errexitShell(p.Facts.Stages().shells[in.Index])
	k, mkdir := 0, -1
	for ; k < len(leaves); k++ {
		x, name := leafCall(leaves[k])
		if x == cd {
			break
		}
		switch {
		case name == "set" && leaves[k].Next != syntax.OrStmt:
			on, ok := setErrexit(x, errexit)
			if !ok {
				return nil, notFirst
			}
			errexit = on
			continue
		case name == "mkdir" && mkdir < 0 && mkdirDir(x) != "" && leaves[k].Next == syntax.AndStmt:
			mkdir = k
			continue
		}
		break
	}
	if k == len(leaves) || leaves[k].Stmt.Cmd != cd {
		if cdTopLevel(leaves, cd) {
			return nil, notFirst
		}
		return nil, "the cd is inside " + cdContainer(leaves, cd) + ": it changes the directory for part of the RUN only, and a WORKDIR cannot end before the RUN does, so no WORKDIR says the same: " + cdAdvice
	}
	first := leaves[k]
	if v, _ := shell.Lit(cd.Args[0]); v != "cd" {
		return nil, "the cd runs through " + v + ", which WORKDIR has no form for: " + cdAdvice
	}
	if x, _ := leafCall(first); x == nil || len(cd.Args) != 2 {
		if len(cd.Args) > 2 {
			if v, _ := shell.Lit(cd.Args[1]); strings.HasPrefix(v, "-") {
				return nil, "the cd has options (" + v + "), which WORKDIR has no form for: " + cdAdvice
			}
			return nil, "the cd has more than one argument: " + cdAdvice
		}
		return nil, "the cd has a redirection, an assignment or a negation, which WORKDIR has no form for: " + cdAdvice
	}
	if k == len(leaves)-1 {
		if k == 0 {
			return nil, "a RUN that only changes directory does nothing: remove it, or use WORKDIR if the following instructions should work there"
		}
		return nil, "the cd is the last command of the RUN, so it changes nothing: remove it"
	}
	// WORKDIR creates a missing directory where the cd fails. That is only a repair when
	// a failing cd (or mkdir) fails the RUN: `cd DIR && rest` with no || or ; after it,
	// or `cd DIR;` under set -e.
	switch {
	case first.Next == syntax.OrStmt:
		return nil, "`cd DIR || ...` handles a failing cd itself, and WORKDIR never fails that way: " + cdAdvice
	case first.Next == 0 && (!errexit || mkdir >= 0):
		return nil, "`cd DIR; rest` runs the rest even when the cd fails (in the directory the RUN started in), while WORKDIR would create DIR and run it there; `cd DIR && rest` would be rewritten: " + cdAdvice
	case first.Next == syntax.AndStmt && !andToEnd(leaves[k:]):
		return nil, "a `||` or `;` after `cd DIR &&` runs more of the RUN even when the cd fails (in the directory the RUN started in), while WORKDIR would create DIR and run it there: " + cdAdvice
	}
	for _, m := range Mounts(in) {
		if m.Target != "" && !strings.HasPrefix(m.Target, "/") {
			return nil, "the RUN mounts at a relative target (" + m.Target + "), which resolves against the WORKDIR: a WORKDIR would move the mount: " + cdAdvice
		}
	}
	prev := p.Facts.WorkdirBefore(in)
	dir, text, why := cdTarget(p, s, in, cd.Args[1], prev)
	if why != "" {
		return nil, why + ": " + cdAdvice
	}
	if mkdir >= 0 {
		// Only right before the cd: the text from the mkdir to the rest goes.
		x, _ := leafCall(leaves[mkdir])
		md, ok := resolveDir(mkdirDir(x), prev)
		if !ok || md != dir || mkdir != k-1 {
			return nil, notFirst
		}
	}
	rest := leaves[k+1:]
	// A `cd -`, `cd ..` or `cd /` that ends the RUN changes the directory of a shell
	// that is about to exit: it goes with the leading cd (`cd -` would fail without it).
	dropLast := len(rest) > 1 && isReturnCd(rest[len(rest)-1]) && rest[len(rest)-2].Next == syntax.AndStmt
	if dropLast {
		rest = rest[:len(rest)-1]
	}
	if why := readsDirName(rest); why != "" {
		return nil, why + ": " + cdAdvice
	}
	doc := p.Doc
	delStart := s.FileOffset(first.Stmt.Pos())
	if mkdir >= 0 {
		delStart = s.FileOffset(leaves[mkdir].Stmt.Pos())
	}
	restStart := s.FileOffset(rest[0].Stmt.Pos())
	if commentBetween(doc, delStart, restStart) {
		return nil, "comment lines between the cd and the rest of the RUN: " + cdAdvice
	}
	edits := []rewrite.Edit{}
	if dropLast {
		end := s.FileEnd(rest[len(rest)-1].Stmt.End())
		cdEnd := s.FileEnd(leaves[len(leaves)-1].Stmt.End())
		if commentBetween(doc, end, cdEnd) {
			return nil, "comment lines before the cd that ends the RUN: " + cdAdvice
		}
		edits = append(edits, rewrite.Edit{Start: end, End: cdEnd, New: ""})
	}
	if prev.known && prev.dir == dir {
		// Keep a mkdir -p: the directory exists anyway, and the RUN stays as it was.
		edits = append(edits, rewrite.Edit{Start: s.FileOffset(first.Stmt.Pos()), End: restStart, New: ""})
		return &Fix{
			Title:         "Remove the cd: the working directory is already " + prev.dir,
			Applicability: Unsafe,
			Edits:         sortEdits(edits),
		}, ""
	}
	// restore is the WORKDIR to write back after the RUN, when a later instruction
	// depends on the working directory the RUN started in.
	restore := ""
	if why := laterUsesWorkdir(p, in); why != "" {
		switch {
		case !prev.known:
			return nil, "WORKDIR " + text + " would also apply to " + why + ", and the working directory to restore after the RUN is unknown (" + prev.why + "): " + cdAdvice
		case !plainPath(prev.dir):
			return nil, "WORKDIR " + text + " would also apply to " + why + ", and the working directory to restore after the RUN, " + prev.dir + ", is not a plain path: " + cdAdvice
		}
		restore = prev.dir
	}
	kw, ok := in.KeywordSpan()
	if !ok {
		return nil, "dfix cannot locate the RUN keyword: " + cdAdvice
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
	edits = append(edits,
		rewrite.Edit{Start: kw.Start, End: kw.End, New: workdir + " " + text + eol + indent + kwText},
		rewrite.Edit{Start: delStart, End: restStart, New: ""})
	fix := &Fix{
		Title:         "Use WORKDIR " + text,
		Applicability: Unsafe,
		Instructions:  map[string]int{"workdir": 1},
	}
	if restore != "" {
		fix.Title = "Use WORKDIR " + text + " for this RUN, then WORKDIR " + restore + " again"
		line := indent + workdir + " " + restore + doc.LineEOL(in.EndLine-1)
		if in.End >= len(doc.Src) && !strings.HasSuffix(string(doc.Src), "\n") {
			line = doc.LineEOL(in.EndLine-1) + indent + workdir + " " + restore // no final newline: keep it so
		}
		edits = append(edits, rewrite.Edit{Start: in.End, End: in.End, New: line})
		fix.Instructions["workdir"] = 2
	}
	if dropLast {
		fix.Title += " (the cd that ends the RUN goes too)"
	}
	fix.Edits = sortEdits(edits)
	return fix, ""
}

const notFirst = "the cd is not the first command of the RUN: the commands before it run in the directory the RUN starts in, and a WORKDIR would move them too, so no WORKDIR says the same: " + cdAdvice

func sortEdits(edits []rewrite.Edit) []rewrite.Edit {
	slices.SortStableFunc(edits, func(a, b rewrite.Edit) int { return a.Start - b.Start })
	return edits
}

// andToEnd reports whether the commands are one && list to the end of the RUN: when
// the first fails, the RUN fails.
func andToEnd(leaves []shell.Leaf) bool {
	for _, l := range leaves[:len(leaves)-1] {
		if l.Next != syntax.AndStmt {
			return false
		}
	}
	return true
}

// cdTopLevel reports whether cd is one of the RUN's top-level commands.
func cdTopLevel(leaves []shell.Leaf, cd *syntax.CallExpr) bool {
	for _, l := range leaves {
		if l.Stmt.Cmd == cd {
			return true
		}
	}
	return false
}

// cdContainer names the compound command of the RUN's top level that holds cd.
func cdContainer(leaves []shell.Leaf, cd *syntax.CallExpr) string {
	for _, l := range leaves {
		found := false
		syntax.Walk(l.Stmt, func(n syntax.Node) bool {
			found = found || n == cd
			return !found
		})
		if !found {
			continue
		}
		switch x := l.Stmt.Cmd.(type) {
		case *syntax.Subshell:
			return "a subshell ( ... )"
		case *syntax.Block:
			return "a group { ... }"
		case *syntax.IfClause:
			return "an if"
		case *syntax.ForClause, *syntax.WhileClause:
			return "a loop"
		case *syntax.CaseClause:
			return "a case"
		case *syntax.FuncDecl:
			return "a function"
		case *syntax.BinaryCmd:
			if x.Op == syntax.Pipe || x.Op == syntax.PipeAll {
				return "a pipeline"
			}
		case *syntax.CallExpr, *syntax.DeclClause:
			return "a command substitution"
		}
		break
	}
	return "a compound command"
}

// commentBetween reports a comment or blank line strictly between the lines of two
// offsets: removing the text between them would take it along.
func commentBetween(doc *rewrite.Document, from, to int) bool {
	for li := doc.LineOf(from); li < doc.LineOf(to)-1; li++ { // 0-based lines strictly between
		if doc.IsComment(li) || doc.IsBlank(li) {
			return true
		}
	}
	return false
}

// isReturnCd reports `cd -`, `cd ..` or `cd /`: a cd back out, with nothing after it.
func isReturnCd(l shell.Leaf) bool {
	c, name := leafCall(l)
	if c == nil || name != "cd" || len(c.Args) != 2 {
		return false
	}
	v, _ := shell.Lit(c.Args[1])
	return v == "-" || v == ".." || v == "/"
}

// readsDirName returns why the commands after the cd would see the directory change
// differently with a WORKDIR: it leaves OLDPWD unset (`cd -` fails), and the shell
// starts with the resolved path in PWD where cd keeps the name it was given.
func readsDirName(rest []shell.Leaf) string {
	why := ""
	for _, l := range rest {
		syntax.Walk(l.Stmt, func(n syntax.Node) bool {
			switch x := n.(type) {
			case *syntax.ParamExp:
				if x.Param != nil && (x.Param.Value == "OLDPWD" || x.Param.Value == "PWD") && why == "" {
					why = "the rest of the RUN reads $" + x.Param.Value
				}
			case *syntax.CallExpr:
				if len(x.Args) == 0 {
					break
				}
				name, _ := shell.Lit(x.Args[0])
				arg := ""
				if len(x.Args) > 1 {
					arg, _ = shell.Lit(x.Args[1])
				}
				switch {
				case why != "":
				case name == "pwd":
					why = "the rest of the RUN runs `pwd`"
				case name == "cd" && arg == "-":
					why = "the rest of the RUN runs `cd -`"
				case name == "cd" && !strings.HasPrefix(arg, "/") && strings.Contains("/"+arg+"/", "/../"):
					why = "the rest of the RUN runs `cd " + arg + "`, which goes up from PWD"
				}
			}
			return why == ""
		})
	}
	if why == "" {
		return ""
	}
	return why + ", which can differ after a WORKDIR (OLDPWD is unset, and PWD is the resolved path where cd keeps the name it was given)"
}

// resolveDir returns the absolute, clean directory a literal cd or mkdir word names,
// relative ones joined onto the known working directory. A relative path with `..`
// is refused: the shell resolves it from the physical directory, WORKDIR by name.
func resolveDir(v string, prev workdirState) (string, bool) {
	switch {
	case v == "" || strings.Trim(v, plainPathChars) != "" || strings.HasPrefix(v, "-"):
		return "", false
	case strings.HasPrefix(v, "/"):
		return path.Clean(v), true
	case !prev.known || strings.Contains("/"+v+"/", "/../"):
		return "", false
	}
	return path.Join(prev.dir, v), true
}

// cdTarget returns the directory a cd word leads to and the text to write after
// WORKDIR, or why no WORKDIR says the same.
func cdTarget(p *Pass, s *shell.Script, in *rewrite.Instruction, w *syntax.Word, prev workdirState) (dir, text, why string) {
	if v, ok := shell.Lit(w); ok {
		switch {
		case v == "-":
			return "", "", "`cd -` goes back to a directory the RUN's shell never had"
		case strings.HasPrefix(v, "~"):
			return "", "", "~ is the home directory of the user the RUN runs as, which WORKDIR does not expand"
		case strings.Trim(v, plainPathChars) != "":
			return "", "", "the directory " + v + " is not a plain path"
		case strings.HasPrefix(v, "/"):
			return path.Clean(v), v, ""
		case strings.Contains("/"+v+"/", "/../"):
			return "", "", "the relative directory " + v + " goes up with ..: the shell resolves it from the directory's real path, WORKDIR from its name, and these differ through a symlink"
		case !prev.known:
			return "", "", "the directory " + v + " is relative to the working directory, which is unknown (" + prev.why + "), and a relative WORKDIR without an absolute one before it is a BuildKit warning"
		}
		d, _ := resolveDir(v, prev)
		return d, d, ""
	}
	// Literal text and $NAME or ${NAME} whose value an ENV of the Dockerfile sets: WORKDIR
	// expands the same variable to the same value.
	env := p.Facts.Vars(in, VarOptions{})
	var val, raw strings.Builder
	var add func(parts []syntax.WordPart) string
	add = func(parts []syntax.WordPart) string {
		for _, part := range parts {
			switch x := part.(type) {
			case *syntax.Lit:
				if strings.Trim(x.Value, plainPathChars) != "" {
					return "the directory is not a plain path"
				}
				val.WriteString(x.Value)
				raw.WriteString(x.Value)
			case *syntax.DblQuoted:
				if x.Dollar {
					return "the directory is not a plain path"
				}
				if why := add(x.Parts); why != "" {
					return why
				}
			case *syntax.ParamExp:
				if x.Param == nil || x.Exp != nil || x.Repl != nil || x.Slice != nil || x.Index != nil || x.Length || x.Width || x.Excl || x.Names != 0 {
					return "the directory has a shell expansion (" + s.Text[x.Pos().Offset():x.End().Offset()] + ") that WORKDIR does not do the same way"
				}
				name := x.Param.Value
				e, ok := env[name]
				if !ok {
					return "the directory has $" + name + ", which no ENV of the Dockerfile sets: the shell or the base image gives it, and dfix cannot tell that WORKDIR would see the same value"
				}
				if e.Why != "" {
					return "the directory has $" + name + ", whose value is not known (" + e.Why + ")"
				}
				val.WriteString(e.Value)
				raw.WriteString(s.Text[x.Pos().Offset():x.End().Offset()])
			default:
				return "the directory is computed by the shell (a command substitution, arithmetic or quoting), which WORKDIR does not do"
			}
		}
		return ""
	}
	if why := add(w.Parts); why != "" {
		return "", "", why
	}
	v := val.String()
	if !plainPath(v) {
		return "", "", "the directory " + raw.String() + " is " + v + ", not a plain absolute path"
	}
	return path.Clean(v), raw.String(), ""
}

const plainPathChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._+@%,:=-"

// plainPath reports whether an absolute path can be written in a Dockerfile or a shell
// word as it is, without quotes or escapes.
func plainPath(dir string) bool {
	return strings.HasPrefix(dir, "/") && strings.Trim(dir, plainPathChars) == ""
}

// expandKnown replaces $NAME and ${NAME} by the known values of env; ok is false when
// a name has no known value or the expansion is anything fancier. Unlike Vars.Expand
// it takes all the text between braces for the name: ${X:-d} reads a variable named
// "X:-d", which only an ENV with that very name sets.
func expandKnown(s string, env Vars) (string, bool) {
	return expandVars(s, env.value)
}

// laterUsesWorkdir returns the first instruction after in, in its stage, that depends
// on the working directory, before an absolute WORKDIR resets it ("" when none). The
// end of the stage counts when the stage is the image (the last stage) or the base of
// another stage.
func laterUsesWorkdir(p *Pass, in *rewrite.Instruction) string {
	doc, st := p.Doc, p.Facts.Stages()
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
			v, ok := unquoteWord(strings.TrimSpace(x.Node.Next.Value), doc.Escape)
			if ok {
				v, ok = expandKnown(v, p.Facts.Vars(x, VarOptions{}))
			}
			if ok && strings.HasPrefix(v, "/") {
				return ""
			}
			return at(x)
		case "run":
			if !leadsWithAbsoluteCd(p, x) {
				return at(x)
			}
		case "cmd", "entrypoint", "healthcheck", "onbuild":
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

// leadsWithAbsoluteCd reports a RUN that does not depend on the directory it starts
// in: `cd /abs && rest`, with no relative mount and nothing reading the directory it
// came from.
func leadsWithAbsoluteCd(p *Pass, in *rewrite.Instruction) bool {
	if !p.Facts.shellRunCandidate(in) {
		return false
	}
	s, err := p.Facts.Script(in)
	if err != nil {
		return false
	}
	leaves, ok := runLeaves(s.File.Stmts)
	if !ok || len(leaves) < 2 || !andToEnd(leaves) {
		return false
	}
	x, name := leafCall(leaves[0])
	if x == nil || name != "cd" || len(x.Args) != 2 {
		return false
	}
	if v, ok := shell.Lit(x.Args[1]); !ok || !plainPath(v) {
		return false
	}
	for _, m := range Mounts(in) {
		if m.Target != "" && !strings.HasPrefix(m.Target, "/") {
			return false
		}
	}
	for _, l := range leaves[1:] {
		if !leafNoOldDir(l) {
			return false
		}
	}
	return true
}

// noOldDir reports that a command does not go back to the directory the shell had
// before its last cd (`cd -`, $OLDPWD).
func leafNoOldDir(l shell.Leaf) bool {
	ok := true
	syntax.Walk(l.Stmt, func(n syntax.Node) bool {
		switch x := n.(type) {
		case *syntax.ParamExp:
			ok = ok && (x.Param == nil || x.Param.Value != "OLDPWD")
		case *syntax.CallExpr:
			if len(x.Args) < 2 {
				break
			}
			if name, _ := shell.Lit(x.Args[0]); name == "cd" {
				v, _ := shell.Lit(x.Args[1])
				ok = ok && v != "-"
			}
		}
		return ok
	})
	return ok
}
