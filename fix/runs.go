package fix

import (
	"encoding/csv"
	"errors"
	"iter"
	"path"
	"slices"
	"strings"

	"github.com/dfix-dev/dfix/fix/shell"
	"github.com/dfix-dev/dfix/rewrite"
	"mvdan.cc/sh/v3/syntax"
)

// shellRunCandidate reports whether dfix may read and change a RUN's shell text:
// located exactly (heredoc bodies too), shell form, under a POSIX shell.
func (f *Facts) shellRunCandidate(in *rewrite.Instruction) bool {
	return in.Keyword == "run" && in.Logical != nil && !in.Node.Attributes["json"] &&
		(!in.Heredoc || len(in.Heredocs) == len(in.Node.Heredocs)) &&
		f.PosixShell(in) && in.Args() != ""
}

// shellRuns yields the RUN instructions whose shell-form body dfix may read and
// change, parsed by mvdan/sh (Facts.Script). RUNs whose body is not valid shell are
// left out (the shell-syntax rule reports them). With words, a RUN not parsed yet is
// parsed only when its text holds one of them (Facts.mayHold): a rule that looks for
// calls of some programs names them (and still asks each script whether it runs them).
func shellRuns(p *Pass, words ...string) iter.Seq[*shell.Script] {
	return func(yield func(*shell.Script) bool) {
		f := p.Facts
		for _, in := range f.shellRunList() {
			if !f.mayHold(in, words...) {
				continue
			}
			if s, err := f.Script(in); err == nil && !yield(s) {
				return
			}
		}
	}
}

// shellRunList returns the RUNs whose shell body dfix may read (shellRunCandidate),
// worked out once per pass. When their text fits the budget of kept scripts (every
// Dockerfile but generated giants), they are all parsed now, once for every rule, and
// no rule reads their text to choose what to parse.
func (f *Facts) shellRunList() []*rewrite.Instruction {
	if f.shellRunInsDone {
		return f.shellRunIns
	}
	f.shellRunInsDone = true
	size := 0
	for _, in := range f.doc.Instructions {
		if f.shellRunCandidate(in) {
			f.shellRunIns = append(f.shellRunIns, in)
			size += len(in.Logical.Text)
			for _, h := range in.Node.Heredocs {
				size += len(h.Content)
			}
		}
	}
	if size <= f.scriptBudget {
		for _, in := range f.shellRunIns {
			_, _ = f.Script(in)
		}
	}
	return f.shellRunIns
}

// mayHold reports whether a rule that looks for words should read the RUN in: it is
// parsed already (shellRunList has parsed them all when they fit the budget), or its
// text holds one of them (textHolds).
func (f *Facts) mayHold(in *rewrite.Instruction, words ...string) bool {
	f.shellRunList()
	return f.scripts[in.Index].done || textHolds(in, words...)
}

// shellRunsAndTriggers yields shellRuns, then the RUN triggers of ONBUILD
// instructions (onbuildRuns), for the rules checked for triggers.
func shellRunsAndTriggers(p *Pass, words ...string) iter.Seq[*shell.Script] {
	return func(yield func(*shell.Script) bool) {
		for s := range shellRuns(p, words...) {
			if !yield(s) {
				return
			}
		}
		for _, s := range onbuildRuns(p) {
			if !yield(s) {
				return
			}
		}
	}
}

// textHolds reports whether the text of a RUN (its logical line and its heredoc
// bodies) holds one of words, or words is empty. A call's program name as
// shell.CommandName reads it is a literal word of the script, so it is in the text:
// a RUN without the name of a program does not call it.
func textHolds(in *rewrite.Instruction, words ...string) bool {
	return len(words) == 0 || anyRunText(in, func(text string) bool {
		return slices.ContainsFunc(words, func(w string) bool { return strings.Contains(text, w) })
	})
}

// anyRunText reports whether has is true of one of the texts of a RUN: its logical
// line (its first line as BuildKit has it when it could not be located) and its
// heredoc bodies.
func anyRunText(in *rewrite.Instruction, has func(text string) bool) bool {
	text := in.Node.Original
	if in.Logical != nil {
		text = in.Logical.Text
	}
	if has(text) {
		return true
	}
	for _, h := range in.Node.Heredocs {
		if has(h.Content) {
			return true
		}
	}
	return false
}

// mayRun reports whether a RUN's text has a word whose base name match accepts: a
// program's name as shell.CommandName reads it is a literal word of the script, cut
// off by blanks or shell operators, so a RUN without such a word runs no program that
// match accepts.
func mayRun(in *rewrite.Instruction, match func(name string) bool) bool {
	return anyRunText(in, func(text string) bool { return hasWord(text, match) })
}

// hasWord reports whether a word of text (cut at blanks and shell operators) has a
// base name that match accepts.
func hasWord(text string, match func(name string) bool) bool {
	start := -1
	for i := 0; i <= len(text); i++ {
		if i < len(text) && !isWordBreak(text[i]) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 && match(path.Base(text[start:i])) {
			return true
		}
		start = -1
	}
	return false
}

// isWordBreak reports whether c ends a shell word: a blank or an operator character.
func isWordBreak(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '\r', ';', '&', '|', '(', ')', '<', '>', '`':
		return true
	}
	return false
}

// defaultScriptBudget is how much shell text (bytes) a pass keeps parsed. A parsed
// body takes about five times its text: within the budget (every Dockerfile but
// generated giants) each RUN is parsed once for all the rules; past it, a RUN is
// parsed again for each rule that reads it, and the memory of a huge file stays that
// of its text and a few parsed RUNs, not of all its shell trees at once.
const defaultScriptBudget = 1 << 20

// Script returns the parsed shell body of a RUN, kept for the other rules while the
// budget lasts. A script past the budget is the caller's alone: what is worked out
// from it is not kept either (keptScript), so that nothing holds its tree.
func (f *Facts) Script(in *rewrite.Instruction) (*shell.Script, error) {
	if e := f.scripts[in.Index]; e.done {
		return e.s, e.err
	}
	s, err := shell.ParseRunWith(in, f.trees)
	if err == nil && s.EndsInLoneBackslash() {
		// Shell fixes append at the end of a body: a lone backslash there would escape
		// what they add. The shell-syntax rule reports it.
		s, err = nil, shell.ErrLoneBackslash
	}
	if s == nil || f.scriptBytes+len(s.Text) <= f.scriptBudget {
		f.scripts[in.Index] = scriptEntry{s, err, true}
		if s != nil {
			f.scriptBytes += len(s.Text)
			f.trees.Keep(s)
		}
	}
	return s, err
}

// scriptRunning returns the parsed body of a RUN that runs a program match accepts
// (shell.Script.RunsAny), nil for any other. A RUN not parsed yet is first read as
// text (mayRun): a rule that looks for a few programs does not parse the others.
func (f *Facts) scriptRunning(in *rewrite.Instruction, match func(name string) bool) *shell.Script {
	f.shellRunList()
	if !f.scripts[in.Index].done && !mayRun(in, match) {
		return nil
	}
	if s, err := f.Script(in); err == nil && s.RunsAny(match) {
		return s
	}
	return nil
}

// keptScript reports whether the pass keeps s (Facts.Script): only then may a fact
// worked out from it be kept.
func (f *Facts) keptScript(s *shell.Script) bool { return f.scripts[s.In.Index].s == s }

// perScript returns what work gives for the script s, worked out once for a script
// the pass keeps.
func perScript[V any](f *Facts, memo *map[*shell.Script]V, s *shell.Script, work func() V) V {
	if v, ok := (*memo)[s]; ok {
		return v
	}
	v := work()
	if f.keptScript(s) {
		if *memo == nil {
			*memo = map[*shell.Script]V{}
		}
		(*memo)[s] = v
	}
	return v
}

type scriptEntry struct {
	s    *shell.Script
	err  error
	done bool // parsed and kept
}

// Mount is one --mount flag of a RUN.
type Mount struct {
	Type   string // bind (the default), cache, tmpfs, secret, ssh
	Target string
}

// Mounts returns the --mount flags of a RUN as BuildKit reads them.
func Mounts(in *rewrite.Instruction) []Mount {
	var out []Mount
	for _, f := range in.Node.Flags {
		v, ok := strings.CutPrefix(f, "--mount=")
		if !ok {
			continue
		}
		fields, err := mountFields(v)
		if err != nil {
			continue
		}
		m := Mount{Type: "bind"}
		for _, field := range fields {
			k, val, _ := strings.Cut(field, "=")
			switch strings.ToLower(strings.TrimSpace(k)) {
			case "type":
				m.Type = strings.ToLower(val)
			case "target", "dst", "destination":
				m.Target = path.Clean(val)
			}
		}
		out = append(out, m)
	}
	return out
}

// mountFields splits a --mount value into its comma-separated fields as BuildKit does,
// with encoding/csv; a value without quotes or line breaks is split by hand, as csv
// would split it, without the reader's 4 KB buffer per RUN and rule.
func mountFields(v string) ([]string, error) {
	if v != "" && !strings.ContainsAny(v, "\"\r\n") {
		return strings.Split(v, ","), nil
	}
	return csv.NewReader(strings.NewReader(v)).Read()
}

// CacheMountCovers reports whether a cache or tmpfs mount of the RUN holds dir (or a
// folder inside it, or one of its parents): cleaning a cache there is then wrong, and
// keeping it is the point.
func CacheMountCovers(in *rewrite.Instruction, dirs ...string) bool {
	for _, m := range Mounts(in) {
		if m.Type != "cache" && m.Type != "tmpfs" || m.Target == "" {
			continue
		}
		for _, d := range dirs {
			d = path.Clean(d)
			if m.Target == d || strings.HasPrefix(d, m.Target+"/") || strings.HasPrefix(m.Target, d+"/") || m.Target == "/" {
				return true
			}
		}
	}
	return false
}

// topStmt returns the top-level statement of the script that holds node.
func topStmt(s *shell.Script, node syntax.Node) *syntax.Stmt {
	for _, st := range s.File.Stmts {
		if st.Pos().Offset() <= node.Pos().Offset() && node.End().Offset() <= st.End().Offset() {
			return st
		}
	}
	return nil
}

// stmtEnd returns where a statement's command and redirections end, before a `;` or
// `&` that ends the statement (mvdan counts those in Stmt.End), and before the body
// of a heredoc it reads, which mvdan counts in the redirection: that comes on the
// lines after.
func stmtEnd(st *syntax.Stmt) syntax.Pos {
	end := st.Cmd.End()
	for _, r := range st.Redirs {
		e := r.End()
		if r.Hdoc != nil {
			e = r.Word.End()
		}
		if e.After(end) {
			end = e
		}
	}
	return end
}

// appendCommand returns an edit that runs cmd after the top-level statement holding
// node, chained with &&, so it runs only when that statement succeeded. It goes on a
// continuation line of its own, in the instruction's style, when the statement ends
// the RUN and the RUN already spans lines; otherwise on the same line, as always in a
// heredoc script, whose lines the Dockerfile's continuation style does not apply to.
// ok is false when the statement cannot be extended safely (backgrounded, negated).
func appendCommand(p *Pass, s *shell.Script, node syntax.Node, cmd string) (rewrite.Edit, bool) {
	st := topStmt(s, node)
	if st == nil || st.Background || st.Coprocess || st.Negated {
		return rewrite.Edit{}, false
	}
	at := s.FileEnd(stmtEnd(st))
	last := st == s.File.Stmts[len(s.File.Stmts)-1] && len(s.File.Last) == 0
	newLine := last && s.In.StartLine != s.In.LogicalEndLine && !s.IsHeredoc()
	text := p.Doc.ContinuationText(s.In, at, "&&", cmd, newLine)
	return rewrite.Edit{Start: at, End: at, New: text}, true
}

func checkShellSyntax(p *Pass) {
	for _, in := range p.Doc.Instructions {
		if !p.Facts.shellRunCandidate(in) {
			continue
		}
		_, err := p.Facts.Script(in)
		var perr syntax.ParseError
		crBody := errors.Is(err, shell.ErrCRBody)
		if err == nil || in.Heredoc && !errors.As(err, &perr) && !crBody {
			continue // a heredoc that is not shell, or not read: nothing wrong with the shell
		}
		kw, _ := in.KeywordSpan()
		d := Diagnostic{
			Start:   kw.Start,
			End:     kw.End,
			Message: "RUN body is not valid shell: " + shellErrorText(err),
			Help:    "shell fixes leave this RUN alone; check its quoting",
		}
		if crBody {
			// BuildKit keeps the CRs of a CRLF file in a heredoc body: `mkdir /x` makes
			// "/x\r", and the build goes on as if it had worked.
			d.Message = "RUN heredoc body has CRLF line endings: the shell reads each CR as part of the last word of its line (`mkdir /x` makes \"/x\\r\")"
			d.Help = "save the Dockerfile (or at least this heredoc) with LF line endings; shell fixes leave this RUN alone"
		}
		if errors.Is(err, shell.ErrLoneBackslash) {
			d.Message = "RUN body ends in a backslash that continues nothing: the shell gets it as a literal `\\`"
			d.Help = "shell fixes leave this RUN alone; remove the backslash"
			if p.Doc.Escape == '`' {
				d.Help = "the file's escape char is the backtick (# escape=`), so a backslash continues no line: end the line with a backtick to continue the RUN, or remove the backslash; shell fixes leave this RUN alone"
			}
		}
		p.Report(d)
	}
}

// shellErrorText drops the parser's line:col prefix, which counts in the logical line,
// not the file.
func shellErrorText(err error) string {
	msg := err.Error()
	if i := strings.Index(msg, ": "); i >= 0 && strings.Count(msg[:i], ":") <= 1 {
		return msg[i+2:]
	}
	return msg
}

// onbuildRuns returns the RUN triggers of ONBUILD instructions (`ONBUILD RUN ...`) in
// shell form, parsed by mvdan/sh. Each script's In is a copy of the ONBUILD
// instruction that reads as its RUN: keyword "run", the RUN's node (its --mount
// flags) and ArgsStart at the RUN's body, so rules that append to or insert in a RUN
// body work on the trigger's text unchanged. The trigger runs in the build of a child
// image, under the shell in effect where the ONBUILD is declared (SHELL is part of the
// image config the child starts from).
//
// Only rules that have been checked for triggers use it: shellRuns leaves ONBUILD out.
func onbuildRuns(p *Pass) []*shell.Script {
	var out []*shell.Script
	for _, in := range p.Doc.Instructions {
		if s := onbuildRun(p, in); s != nil {
			out = append(out, s)
		}
	}
	return out
}

func onbuildRun(p *Pass, in *rewrite.Instruction) *shell.Script {
	if in.Keyword != "onbuild" || in.Logical == nil || !p.Facts.PosixShell(in) ||
		in.Node.Next == nil || len(in.Node.Next.Children) != 1 {
		return nil
	}
	if in.Heredoc && len(in.Heredocs) != len(in.Node.Heredocs) {
		return nil
	}
	inner := in.Node.Next.Children[0]
	if !strings.EqualFold(inner.Value, "run") || inner.Attributes["json"] {
		return nil
	}
	body, ok := triggerBody(in.Logical.Text, in.ArgsStart, p.Doc.Escape)
	if !ok {
		return nil
	}
	run := *in
	run.Node = inner
	run.Keyword = "run"
	run.Flags = nil
	run.ArgsStart = body
	if run.Args() == "" {
		return nil
	}
	// BuildKit keeps a trigger's heredocs with it (parseOnBuild) and the child's build
	// reads them as a RUN's: run has the trigger's Heredoc and Heredocs.
	s, err := shell.ParseRun(&run)
	if err != nil || s.EndsInLoneBackslash() {
		return nil
	}
	return s
}

// triggerBody returns the logical offset where the body of the RUN of an ONBUILD
// begins: after the RUN keyword, which starts at from, and its --flags.
func triggerBody(text string, from int, escape byte) (int, bool) {
	kw := strings.Fields(text[from:])
	if len(kw) == 0 || !strings.EqualFold(kw[0], "run") {
		return 0, false
	}
	_, body := rewrite.ScanFlags(text[from:], escape)
	return from + body, true
}
