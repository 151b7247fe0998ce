package fix

import (
	"errors"
	"path"
	"slices"
	"strings"

	"github.com/dfix-dev/dfix/fix/shell"
	"github.com/dfix-dev/dfix/rewrite"
	"mvdan.cc/sh/v3/syntax"
)

func runRules() []*Rule {
	return []*Rule{
		{
			Name:  "run-merge",
			Title: "Consecutive RUN instructions that can be one",
			Doc: "Every RUN adds a layer; files deleted in a later RUN still take space in the " +
				"earlier one. Two RUNs in a row with the same flags are merged: the second one's " +
				"keyword becomes a continuation `&&`, in the file's style (`&& \\` at line end or " +
				"`&&` leading, its indent, its escape char); comment lines between them stay " +
				"where they are and blank lines between them go (an empty continuation line is a " +
				"BuildKit warning). The merged program means what the two did: the second part " +
				"runs only when the first succeeded, as before. A first RUN ending in `a; b` gets " +
				"`&& c` after `b`, which is what decided its status; a second RUN with a top-level " +
				"`;` or `||` is grouped as `{ ...; }` so that `&&` guards all of it (`a || b && c` " +
				"means `(a || b) && c` in the shell). A first RUN that changes the shell's state " +
				"(cd, export, umask, ulimit, source, trap, alias, shopt, unset, read, variable " +
				"assignments, functions, exit, exec, a computed command name) runs in a subshell " +
				"`( ... )` so nothing leaks into the second (a sourced file is taken not to turn " +
				"on -e). Never merged: exec-form RUNs, heredocs, a RUN ending in a shell " +
				"comment (the joined text would be commented out), a backgrounded `&`, `set`, " +
				"`shopt -o` or `eval` in the first RUN (errexit is ignored inside a list followed by `&&`), " +
				"a first RUN that replaces the shell program (`ln -sf bash /bin/sh`, `dpkg-reconfigure dash`: " +
				"the merged rest would go on in the old shell), and, " +
				"when the SHELL has -e, anything that would need a group or a subshell. The fix is " +
				"unsafe: the layers change and the build cache is used differently. Like hadolint, " +
				"a pair of one-command RUNs that cannot be merged is still reported, with the reason. " +
				"Off by default: separate RUNs are often a deliberate cache boundary, and on real " +
				"files the rule fires about three times as often as hadolint's DL3059 (which skips " +
				"RUNs of several commands); enable it with --select run-merge.",
			Before:        "RUN apt-get update && apt-get install -y curl\nRUN curl -fsSLo /tmp/x.tgz https://example.com/x.tgz",
			After:         "RUN apt-get update && apt-get install -y curl \\\n    && curl -fsSLo /tmp/x.tgz https://example.com/x.tgz",
			Hadolint:      []string{"DL3059"},
			Applicability: Unsafe,
			FixNote:       "display-only when the merge would change the shell program",
			Default:       false,
			Check:         checkRunMerge,
		},
		{
			Name:  "cd-to-workdir",
			Title: "cd in a RUN instead of WORKDIR",
			Doc: "A `cd` in a RUN lasts only for that RUN, which is easy to forget, and hides where " +
				"the build works. A RUN that starts with `cd DIR && rest` (after `set` options such " +
				"as `set -eux;`, or right after a `mkdir [-p] DIR` that WORKDIR replaces) becomes " +
				"`WORKDIR DIR` and `RUN rest` (flags kept on the RUN). DIR may be absolute, relative " +
				"to a known WORKDIR (written absolute, never through `..`), or made of variables an " +
				"ENV sets to plain text. `cd DIR; rest` is rewritten only under `set -e` or a SHELL " +
				"with -e, where a failing cd fails the RUN as `&&` does; a trailing `cd -`, `cd ..` " +
				"or `cd /` goes with it. When something later in " +
				"the stage depends on the working directory (a RUN, CMD, ENTRYPOINT, HEALTHCHECK, " +
				"ONBUILD, relative COPY/ADD destination, relative WORKDIR or VOLUME before an " +
				"absolute WORKDIR resets it, or the stage is the last one or the base of another " +
				"stage; not a later RUN that starts with its own absolute cd), the previous WORKDIR " +
				"is written back right after the RUN, when it is known " +
				"exactly: the stage's last WORKDIR before the RUN (a relative one joined onto the " +
				"one before, ENV variables expanded), or the one of the earlier stage it is built " +
				"FROM. A base image's WORKDIR is not known: advice then. A cd to the " +
				"directory the RUN already works in is removed. It is unsafe: WORKDIR creates a " +
				"missing directory where `cd` failed the build, and a path through a symlink is " +
				"resolved in $PWD. Refused with the reason: `cd X && a || b` (the build goes on " +
				"when the cd fails), a relative --mount target, a rest that reads $PWD, $OLDPWD or " +
				"`cd -`, `~`, build ARGs and shell-only expansions, heredoc RUNs. A cd in the " +
				"middle of the command, in a subshell, if, case or group has no WORKDIR form: " +
				"advice with the reason.",
			Before:        "RUN cd /src && make install\nWORKDIR /app",
			After:         "WORKDIR /src\nRUN make install\nWORKDIR /app",
			Hadolint:      []string{"DL3003"},
			Applicability: Unsafe,
			FixNote:       "display-only when the cd does not lead the RUN, or a later instruction depends on the working directory and the previous WORKDIR is unknown",
			Default:       true,
			Check:         checkCdToWorkdir,
		},
		{
			Name:  "pipefail",
			Title: "RUN with a pipe and no pipefail",
			Doc: "In `RUN curl -fsSL URL | tar -xz` the RUN's status is tar's: when curl fails, " +
				"the build goes on with a half-made layer. With `-o pipefail` a pipeline fails " +
				"when any of its commands fails. A RUN is reported when it has a pipe before any " +
				"`set -o pipefail` of its own and no SHELL with `-o pipefail` (bash, zsh, ash, ksh) " +
				"is in effect in its stage (stages built FROM another stage inherit its SHELL). " +
				"The fix names the shell of the base image's family: on Debian and Ubuntu " +
				"(and the Debian variants of the official language images) it adds " +
				"`SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]` on its own line right after " +
				"FROM, once per stage; on the Red Hat family (CentOS, Fedora, Rocky, Alma, " +
				"Oracle Linux, Amazon Linux, UBI, Azure Linux) and Arch, where /bin/sh is bash, " +
				"the same; on Alpine and busybox `SHELL [\"/bin/ash\", \"-o\", \"pipefail\", " +
				"\"-c\"]`, ash being their /bin/sh. Under a SHELL instruction whose program has " +
				"the option (bash, ash, zsh, ksh) it adds `\"-o\", \"pipefail\"` to that SHELL. " +
				"Unknown images (distroless, an unknown tag or one from a build arg) get advice. " +
				"It is unsafe: every later RUN of the stage (and of stages built from it) then " +
				"runs with pipefail, and on Debian under bash instead of dash, so a stage where " +
				"bash would read a RUN differently from dash (echo's escapes and -e, brace " +
				"expansion, $'...', &>, == in test, [[ ]], bash's own variables) gets advice " +
				"only; Debian's dash has no pipefail to put in the RUN instead. So does a stage " +
				"(with the stages built from it) where " +
				"pipefail would break a pipeline by design: a writer killed by SIGPIPE when " +
				"its reader stops early (`yes | cmd`, `cmd | head`, `grep -q`/`-m N`/`-l`, a " +
				"sed script with `q`, awk with `exit`, `read`, a group starting with one of them, " +
				"a while loop left with break), or a pipeline whose status is " +
				"ignored on purpose (`a | b || true`); the advice names that pipeline. The " +
				"other RUNs with pipes in such a stage start with `set -o pipefail &&` " +
				"instead when their shell has it (ash or bash as /bin/sh, or the SHELL's " +
				"program): pipefail for that RUN alone.",
			Before:        "FROM debian:bookworm\nRUN curl -fsSL https://example.com/x.tgz | tar -xz",
			After:         "FROM debian:bookworm\nSHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]\nRUN curl -fsSL https://example.com/x.tgz | tar -xz",
			Hadolint:      []string{"DL4006"},
			Applicability: Unsafe,
			FixNote:       "display-only unless the base image's shells are known and no pipeline stops its writer early",
			Default:       true,
			Check:         checkPipefail,
		},
	}
}

// runShape is what a merge needs to know about one RUN.
type runShape struct {
	in       *rewrite.Instruction
	why      string // not empty: the RUN cannot take part in a merge, and why
	commands int    // simple commands, as hadolint counts them (reporting only)

	comment    bool     // a shell comment: it runs to the end of the logical line
	background bool     // a command run with & (or a coprocess)
	heredoc    bool     // a shell heredoc
	refuse     string   // a command that must not run inside a list followed by && (set, eval)
	leak       string   // the first command that changes the shell's state, outside a subshell
	compound   bool     // the last statement holds nested command lists (matters under -e)
	group      bool     // as the second RUN, it needs { ...; } so && guards all of it
	writes     []string // literal paths the RUN replaces, moves or removes (ln, rm, mv... or >)
	dashConf   bool     // dpkg-reconfigure dash: /bin/sh may stop being dash

	body    int  // file offset of the shell text's first statement
	cut     int  // file offset just after the last statement, before its `;`
	tailEnd int  // end of the content of the line holding cut
	tailOK  bool // only blanks and the last statement's `;` follow cut, on the RUN's last line
	headOK  bool // the keyword and flags can be replaced (body on their line, or flags on one line)
}

// leakCommands change the state of the shell that runs them, so a command after them
// in the same shell sees a different shell than a new RUN would.
var leakCommands = map[string]bool{
	"cd": true, "pushd": true, "popd": true, "export": true, "readonly": true, "declare": true,
	"typeset": true, "local": true, "unset": true, "umask": true, "ulimit": true, "source": true,
	".": true, "shopt": true, "trap": true, "alias": true, "unalias": true, "read": true,
	"mapfile": true, "readarray": true, "getopts": true, "let": true, "shift": true, "hash": true,
	"enable": true, "exec": true, "exit": true, "return": true, "logout": true,
}

// fileWriters replace, move or remove the files named in their arguments.
var fileWriters = map[string]bool{
	"ln": true, "rm": true, "mv": true, "cp": true, "unlink": true, "install": true,
	"update-alternatives": true, "dpkg-divert": true,
}

// refuseCommands cannot be isolated in a subshell: `set -e` (and whatever eval runs) is
// ignored inside a subshell or group that is followed by &&.
var refuseCommands = map[string]bool{"set": true, "eval": true}

// specialBuiltins keep the variable assignments written before them (POSIX).
var specialBuiltins = map[string]bool{
	":": true, ".": true, "break": true, "continue": true, "eval": true, "exec": true, "exit": true,
	"export": true, "readonly": true, "return": true, "set": true, "shift": true, "times": true,
	"trap": true, "unset": true,
}

func analyzeRun(p *Pass, in *rewrite.Instruction) *runShape {
	r := &runShape{in: in, commands: 1}
	switch {
	case in.Node.Attributes["json"]:
		r.why = "exec-form RUN (a JSON array) cannot be joined with &&"
		return r
	case in.Heredoc:
		// Never merged: `&&` after a heredoc RUN would go on its first line, before
		// the body. Its commands are counted as hadolint counts them.
		r.why = "heredoc RUN"
		r.commands = 2 // a body dfix does not read as shell: taken as several
		if s, err := p.Facts.Script(in); err == nil {
			r.commands = 0
			s.Calls(func(*syntax.CallExpr) { r.commands++ })
		}
		return r
	case !p.Facts.PosixShell(in):
		r.why = "the RUN is not run by a POSIX shell (Windows, or a SHELL dfix does not merge for)"
		r.commands = roughCommands(in)
		return r
	case in.Logical == nil:
		r.why = "the RUN's text could not be located exactly"
		return r
	}
	s, err := p.Facts.Script(in)
	if err != nil {
		r.why = "the RUN's body is not valid shell"
		if errors.Is(err, shell.ErrLoneBackslash) {
			r.why = "the RUN's text ends in a backslash that continues nothing: it would escape the joined text"
		}
		r.commands = roughCommands(in)
		return r
	}
	if len(s.File.Stmts) == 0 {
		r.why = "the RUN has no command"
		return r
	}
	r.commands = 0
	var stack []syntax.Node
	isolated := func() bool {
		for _, n := range stack {
			switch n.(type) {
			case *syntax.Subshell, *syntax.CmdSubst, *syntax.ProcSubst:
				return true
			}
		}
		return false
	}
	leak := func(what string) {
		if r.leak == "" && !isolated() {
			r.leak = what
		}
	}
	syntax.Walk(s.File, func(n syntax.Node) bool {
		if n == nil {
			stack = stack[:len(stack)-1]
			return true
		}
		switch n := n.(type) {
		case *syntax.Comment:
			r.comment = true
		case *syntax.Stmt:
			if n.Background || n.Coprocess || n.Disown {
				r.background = true
			}
		case *syntax.CoprocClause:
			r.background = true
		case *syntax.Redirect:
			if n.Op == syntax.Hdoc || n.Op == syntax.DashHdoc {
				r.heredoc = true
			}
			if n.Word != nil {
				if v, ok := shell.Lit(n.Word); ok {
					r.writes = append(r.writes, v)
				}
			}
		case *syntax.CallExpr:
			r.commands++
			if len(n.Args) == 0 {
				leak("a variable assignment")
				break
			}
			name, ok := commandWord(n)
			if ok && fileWriters[name] {
				for _, w := range n.Args[1:] {
					if v, ok := shell.Lit(w); ok {
						r.writes = append(r.writes, v)
					}
				}
			}
			if ok && name == "dpkg-reconfigure" && shell.HasWord(n, 1, []string{"dash"}) {
				r.dashConf = true
			}
			switch {
			case !ok:
				// A computed command name could be a builtin: keep it in a subshell.
				leak("a computed command name")
			case refuseCommands[name] || name == "shopt" && shell.HasShortFlag(n, 1, 'o'):
				// `shopt -o` sets the same options as `set`.
				if r.refuse == "" {
					r.refuse = name
				}
			case leakCommands[name]:
				leak(name)
			case specialBuiltins[name] && len(n.Assigns) > 0:
				leak("an assignment before " + name)
			case name == "printf" && shell.HasWord(n, 1, []string{"-v"}):
				leak("printf -v")
			}
		case *syntax.DeclClause:
			r.commands++
			leak(n.Variant.Value)
		case *syntax.LetClause:
			r.commands++
			leak("let")
		case *syntax.FuncDecl:
			leak("a function definition")
		case *syntax.BinaryArithm:
			switch n.Op {
			case syntax.Assgn, syntax.AddAssgn, syntax.SubAssgn, syntax.MulAssgn, syntax.QuoAssgn,
				syntax.RemAssgn, syntax.AndAssgn, syntax.OrAssgn, syntax.XorAssgn, syntax.ShlAssgn, syntax.ShrAssgn:
				leak("an arithmetic assignment")
			}
		case *syntax.UnaryArithm:
			if n.Op == syntax.Inc || n.Op == syntax.Dec {
				leak("an arithmetic assignment")
			}
		case *syntax.ParamExp:
			if n.Exp != nil && (n.Exp.Op == syntax.AssignUnset || n.Exp.Op == syntax.AssignUnsetOrNull) {
				leak("${VAR:=value}")
			}
		}
		stack = append(stack, n)
		return true
	})

	stmts := s.File.Stmts
	last := stmts[len(stmts)-1]
	syntax.Walk(last, func(n syntax.Node) bool {
		switch n := n.(type) {
		case *syntax.IfClause, *syntax.WhileClause, *syntax.ForClause, *syntax.CaseClause,
			*syntax.Block, *syntax.Subshell, *syntax.FuncDecl:
			r.compound = true
		case *syntax.CmdSubst:
			r.compound = r.compound || len(n.Stmts) > 1
		case *syntax.ProcSubst:
			r.compound = r.compound || len(n.Stmts) > 1
		}
		return !r.compound
	})
	r.group = len(stmts) > 1 || orInList(stmts[0])
	if _, ok := stmts[0].Cmd.(*syntax.FuncDecl); ok {
		r.group = true
	}

	doc := p.Doc
	r.body = s.FileOffset(stmts[0].Pos())
	r.cut = s.FileEnd(contentEnd(last))
	li := doc.LineOf(r.cut) - 1
	r.tailEnd = doc.LineStart(li) + len(doc.Line(li))
	r.tailOK = li+1 == in.LogicalEndLine && in.EndLine == in.LogicalEndLine && r.cut <= r.tailEnd
	if r.tailOK {
		semi := -1
		if last.Semicolon.IsValid() {
			semi = s.FileOffset(last.Semicolon)
		}
		for i := r.cut; i < r.tailEnd; i++ {
			if c := doc.Src[i]; c != ' ' && c != '\t' && !(c == ';' && i == semi) {
				r.tailOK = false
			}
		}
	}
	j := in.ArgsStart - 1
	for j > 0 && isBlank(in.Logical.Text[j]) {
		j--
	}
	headLine := doc.LineOf(in.Logical.FileOffset(j))
	r.headOK = headLine == in.StartLine && doc.LineOf(r.body) >= in.StartLine
	return r
}

// roughCommands counts the commands of a RUN the way hadolint does, reading its text
// as POSIX shell even when another shell runs it (only to decide whether to report a
// pair dfix does not merge); 1 when it does not parse.
func roughCommands(in *rewrite.Instruction) int {
	if in.Logical == nil {
		return 1
	}
	s, err := shell.Parse(in)
	if err != nil {
		return 1
	}
	n := 0
	s.Calls(func(*syntax.CallExpr) { n++ })
	return max(n, 1)
}

// commandWord returns the command a call runs as written (through `builtin` and
// `command`), and false when it is computed ($CMD, "$(which x)"). A computed word with
// a slash in its literal text (`$HOME/bin/tool`) names a program file, not a builtin.
func commandWord(c *syntax.CallExpr) (string, bool) {
	i := 0
	for i < len(c.Args) {
		v, ok := shell.Lit(c.Args[i])
		if !ok {
			for _, part := range c.Args[i].Parts {
				if l, ok := part.(*syntax.Lit); ok && strings.Contains(l.Value, "/") {
					return "/", true
				}
			}
			return "", false
		}
		if (v == "builtin" || v == "command") && i+1 < len(c.Args) {
			if w, _ := shell.Lit(c.Args[i+1]); strings.HasPrefix(w, "-") {
				return v, true
			}
			i++
			continue
		}
		return v, true
	}
	return "", false
}

// orInList reports whether a statement is an and-or list with a `||` in it: `a || b`
// after `x &&` would run b when x fails.
func orInList(st *syntax.Stmt) bool {
	for st != nil {
		b, ok := st.Cmd.(*syntax.BinaryCmd)
		if !ok || b.Op != syntax.AndStmt && b.Op != syntax.OrStmt {
			return false
		}
		if b.Op == syntax.OrStmt {
			return true
		}
		st = b.X // lists are left-associative: every && and || is on the left spine
	}
	return false
}

// contentEnd is where a statement ends without its `;`.
func contentEnd(st *syntax.Stmt) syntax.Pos {
	if !st.Semicolon.IsValid() {
		return st.End()
	}
	end := st.Position
	if st.Cmd != nil {
		end = st.Cmd.End()
	}
	for _, r := range st.Redirs {
		if r.End().After(end) {
			end = r.End()
		}
	}
	return end
}

// sameFlags reports whether two RUNs have the same flags, in any order.
func sameFlags(a, b *rewrite.Instruction) bool {
	fa := slices.Clone(a.Node.Flags)
	fb := slices.Clone(b.Node.Flags)
	slices.Sort(fa)
	slices.Sort(fb)
	return slices.Equal(fa, fb)
}

// errexitShell reports whether a SHELL argv runs with -e (or -o errexit).
func errexitShell(argv []string) bool {
	return len(argv) > 0 && shellOption(argv[1:], "errexit", 'e')
}

func checkRunMerge(p *Pass) {
	ins := p.Doc.Instructions
	st := p.Facts.Stages()
	shapes := map[int]*runShape{}
	shape := func(in *rewrite.Instruction) *runShape {
		if r, ok := shapes[in.Index]; ok {
			return r
		}
		r := analyzeRun(p, in)
		shapes[in.Index] = r
		return r
	}
	for i := 1; i < len(ins); i++ {
		x, y := ins[i-1], ins[i]
		if x.Keyword != "run" || y.Keyword != "run" || x.Stage != y.Stage || !sameFlags(x, y) {
			continue
		}
		a, b := shape(x), shape(y)
		fix, why := mergeFix(p, a, b, errexitShell(st.shells[y.Index]))
		if fix == nil && (a.commands > 1 || b.commands > 1) {
			// Like hadolint, a pair with a RUN of several commands that dfix cannot merge
			// is taken as split on purpose.
			continue
		}
		kw, _ := y.KeywordSpan()
		if y.Logical == nil {
			kw = rewrite.Span{Start: y.Start, End: y.Start}
		}
		d := Diagnostic{
			Start:   kw.Start,
			End:     kw.End,
			Message: "RUN right after a RUN with the same flags: each RUN adds a layer",
			Fix:     fix,
		}
		if fix == nil {
			d.Fix = &Fix{Title: "Merge with the RUN above", Applicability: DisplayOnly}
			d.Help = "dfix does not merge these RUNs: " + why
		}
		p.Report(d)
	}
}

// changesShell reports whether RUN a replaces or removes the program of the SHELL argv
// (nil: /bin/sh), as `rm /bin/sh && ln -s /bin/bash /bin/sh` or `dpkg-reconfigure dash`
// do: a later RUN runs the new program, the rest of a merged RUN the old one.
func changesShell(a *runShape, argv []string) bool {
	prog := "/bin/sh"
	if len(argv) > 0 {
		prog = argv[0]
	}
	base := path.Base(prog)
	if a.dashConf && base == "sh" {
		return true
	}
	for _, w := range a.writes {
		w = path.Clean(w)
		if w == prog || w == "/bin/"+base || w == "/usr/bin/"+base {
			return true
		}
	}
	return false
}

// mergeFix returns the fix that merges RUN b into RUN a right above it, or why it
// cannot keep the meaning of the two.
func mergeFix(p *Pass, a, b *runShape, errexit bool) (*Fix, string) {
	switch {
	case a.why != "":
		return nil, a.why
	case b.why != "":
		return nil, b.why
	case a.heredoc || b.heredoc:
		return nil, "a shell heredoc would be cut by the joined lines"
	case a.background || b.background:
		return nil, "a command runs in the background (&): it would still run during the second RUN, or take the first with it"
	case a.comment:
		return nil, "the first RUN ends in a shell comment, which would swallow the joined text"
	case a.refuse != "":
		return nil, "the first RUN runs `" + a.refuse + "`: shell options such as -e are ignored inside a list followed by &&"
	case !a.tailOK:
		return nil, "the first RUN's last line has more after its last command"
	case !b.headOK:
		return nil, "the second RUN's flags span several lines"
	case b.group && (b.comment || !b.tailOK):
		return nil, "the second RUN would need a { ...; } group, and it ends in a shell comment"
	case changesShell(a, p.Facts.Stages().Shell(b.in)):
		return nil, "the first RUN changes the shell program the second RUN is run by (a new RUN starts the new one; a merged RUN goes on in the old one)"
	case errexit && a.leak != "":
		return nil, "the first RUN runs " + a.leak + " and would need a subshell, where the SHELL's -e is ignored before &&"
	case errexit && b.group:
		return nil, "the second RUN would need a { ...; } group, where the SHELL's -e is ignored once more RUNs are merged"
	case errexit && a.compound:
		return nil, "the first RUN ends in a compound command, where the SHELL's -e is ignored before &&"
	}
	doc := p.Doc
	x, y := a.in, b.in
	// The continuation in the file's style: the part that ends the first RUN's last line,
	// and the part that starts the second RUN's text.
	styleIn := x
	if x.StartLine == x.LogicalEndLine && y.StartLine != y.LogicalEndLine {
		styleIn = y
	}
	cont := doc.ContinuationText(styleIn, a.cut, "&&", "", true)
	eol := doc.LineEOL(doc.LineOf(a.cut) - 1)
	end, start, _ := strings.Cut(cont, eol)

	var edits []rewrite.Edit
	if a.leak != "" {
		open := "("
		if doc.Src[a.body] == '(' {
			open = "( " // `((` would start an arithmetic command
		}
		edits = append(edits, rewrite.Edit{Start: a.body, End: a.body, New: open})
		end = ")" + end
	}
	edits = append(edits, rewrite.Edit{Start: a.cut, End: a.tailEnd, New: end})
	// Blank lines between the two go; comment lines stay.
	for li := x.EndLine; li < y.StartLine-1; li++ {
		if doc.IsBlank(li) {
			edits = append(edits, rewrite.Edit{Start: doc.LineStart(li), End: doc.LineEnd(li), New: ""})
		}
	}
	group := ""
	if b.group {
		group = "{ "
	}
	yLine := doc.LineStart(y.StartLine - 1)
	if doc.LineOf(b.body) == y.StartLine {
		edits = append(edits, rewrite.Edit{Start: yLine, End: b.body, New: start + group})
	} else {
		// `RUN --flags \` on a line of its own: the line goes, the text stays where it is.
		edits = append(edits, rewrite.Edit{Start: yLine, End: doc.LineStart(y.StartLine), New: ""})
		if lead := strings.TrimLeft(start, " \t") + group; lead != "" {
			edits = append(edits, rewrite.Edit{Start: b.body, End: b.body, New: lead})
		}
	}
	if b.group {
		edits = append(edits, rewrite.Edit{Start: b.cut, End: b.tailEnd, New: "; }"})
	}
	return &Fix{
		Title:         "Merge with the RUN above",
		Applicability: Unsafe,
		Edits:         edits,
		Instructions:  map[string]int{"run": -1},
	}, ""
}
