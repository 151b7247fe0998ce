package fix

import (
	"encoding/json"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/dfix-dev/dfix/fix/shell"
	"github.com/dfix-dev/dfix/rewrite"
	"mvdan.cc/sh/v3/syntax"
)

// fromWords returns the words of a FROM instruction without its --flags.
func fromWords(in *rewrite.Instruction) []string {
	var out []string
	for _, w := range nodeWords(in) {
		if !strings.HasPrefix(w, "--") || len(out) > 0 {
			out = append(out, w)
		}
	}
	return out
}

// shellName returns the base name of a SHELL argv's program ("bash").
func shellName(argv []string) string {
	if len(argv) == 0 {
		return ""
	}
	return strings.TrimSuffix(path.Base(strings.ReplaceAll(argv[0], `\`, "/")), ".exe")
}

// pipefailShells are the shells whose -o pipefail dfix trusts (hadolint trusts bash,
// zsh and ash; ksh and mksh have it too). A plain `sh` may be dash, which rejects it.
var pipefailShells = map[string]bool{"bash": true, "zsh": true, "ash": true, "ksh": true, "mksh": true}

// shellOption reports whether a SHELL argv (or the words of a `set` call) turns on the
// option named long (`-o pipefail`, `-eo pipefail`), or, when short is not 0, its
// one-letter form (`-e`, `-ex`).
func shellOption(args []string, long string, short byte) bool {
	on, _ := shellOptionState(args, long, short)
	return on
}

// shellOptionState is shellOption, and whether the arguments name the option at all
// (`+o pipefail` turns it off on purpose).
func shellOptionState(args []string, long string, short byte) (on, named bool) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" || a == "-c" || !strings.HasPrefix(a, "-") && !strings.HasPrefix(a, "+") {
			if a == "-c" || a == "--" {
				break // what follows is the command and its arguments
			}
			continue
		}
		if strings.HasPrefix(a, "--") {
			continue
		}
		flags := a[1:]
		enable := a[0] == '-'
		if strings.Contains(flags, "o") && i+1 < len(args) {
			if args[i+1] == long {
				on, named = enable, true
			}
			i++
		}
		if short != 0 && strings.IndexByte(flags, short) >= 0 {
			on, named = enable, true
		}
	}
	return on, named
}

// offOnPurpose reports whether a SHELL argv turns pipefail off (`+o pipefail`).
func offOnPurpose(argv []string) bool {
	on, named := shellOptionState(argv[1:], "pipefail", 0)
	return named && !on
}

// shellPipefail reports whether a SHELL argv runs a shell with pipefail on.
func shellPipefail(argv []string) bool {
	return pipefailShells[shellName(argv)] && shellOption(argv[1:], "pipefail", 0)
}

// pipefailGuard returns the offset of the script's first top-level `set -o pipefail`
// (also inside a top-level && or || chain), -1 when there is none: pipelines after it
// already run with pipefail.
func pipefailGuard(s *shell.Script) int {
	if !s.Runs("set") {
		return -1
	}
	guard := -1
	for _, st := range s.File.Stmts {
		shell.ListLeaves(st, func(leaf *syntax.Stmt) {
			c, ok := leaf.Cmd.(*syntax.CallExpr)
			if !ok || guard >= 0 || len(c.Args) == 0 {
				return
			}
			if v, _ := shell.Lit(c.Args[0]); v != "set" {
				return
			}
			var words []string
			for _, w := range c.Args[1:] {
				v, _ := shell.PlainWord(w)
				words = append(words, v)
			}
			if shellOption(words, "pipefail", 0) {
				guard = int(c.Pos().Offset())
			}
		})
	}
	return guard
}

// unprotectedPipes returns the pipelines (`a | b`, `a |& b`) of a script that run
// without pipefail: those before any `set -o pipefail` among the script's top-level
// commands.
func unprotectedPipes(s *shell.Script) []*syntax.BinaryCmd {
	if !strings.Contains(s.Text, "|") {
		return nil // no pipeline without a |: the walks are not needed
	}
	guard := pipefailGuard(s)
	var out []*syntax.BinaryCmd
	var inside *syntax.BinaryCmd // the last pipeline met: one finding per pipeline, not per `|`
	for _, b := range s.Binaries() {
		if !isPipe(b) || inside != nil && b.Pos().Offset() < inside.End().Offset() {
			continue
		}
		inside = b
		if guard < 0 || int(b.Pos().Offset()) < guard {
			out = append(out, b)
		}
	}
	return out
}

func isPipe(n syntax.Node) bool {
	b, ok := n.(*syntax.BinaryCmd)
	return ok && (b.Op == syntax.Pipe || b.Op == syntax.PipeAll)
}

// hazardRun is a RUN that a SHELL added after FROM would reach (switched), or one with
// a pipeline without pipefail (piped).
type hazardRun struct {
	in              *rewrite.Instruction // its script is read again when a fix asks
	switched, piped bool
}

// hazardList works out the hazards of a file's RUNs when a fix first asks for them:
// those of pipelines, and those of commands bash runs differently from dash, which
// only matter where the SHELL would replace dash. They come in file order, a RUN's
// shell-switch hazards before its pipelines'.
type hazardList struct {
	facts      *Facts
	runs       []hazardRun
	pipe, sw   [][]pipeHazard // per run, once worked out
	pipeDone   bool
	switchDone bool
}

func (l *hazardList) get(withSwitch bool) []pipeHazard {
	if !l.pipeDone {
		l.pipeDone = true
		l.pipe = make([][]pipeHazard, len(l.runs))
		for i, r := range l.runs {
			if !r.piped {
				continue
			}
			if s, err := l.facts.Script(r.in); err == nil {
				l.pipe[i] = pipeHazards(s)
			}
		}
	}
	if withSwitch && !l.switchDone {
		l.switchDone = true
		l.sw = make([][]pipeHazard, len(l.runs))
		for i, r := range l.runs {
			if !r.switched {
				continue
			}
			if s, err := l.facts.Script(r.in); err == nil {
				l.sw[i] = shellSwitchHazards(s)
			}
		}
	}
	var out []pipeHazard
	for i := range l.runs {
		if withSwitch {
			out = append(out, l.sw[i]...)
		}
		out = append(out, l.pipe[i]...)
	}
	return out
}

// pipeHazard is a pipeline that a SHELL with pipefail would break, or that ignores
// its status on purpose: dfix then gives advice instead of adding the SHELL.
type pipeHazard struct {
	in      *rewrite.Instruction
	text    string // the pipeline as written, shortened: "yes | sdkmanager --licenses"
	why     string // "yes is killed by SIGPIPE when sdkmanager stops reading"
	ignored bool   // `a | b || true`: the status is ignored on purpose
	// shellSwitch: not a pipeline but a command that bash runs differently from the
	// image's /bin/sh (dash on Debian and Ubuntu), which the SHELL would replace.
	shellSwitch bool
	remedy      string // for a shellSwitch hazard: how to write it for both shells
}

// shellSwitchHazards returns the commands of a script that bash runs differently from
// dash, Debian's /bin/sh, which a SHELL with bash would replace: what they do changes
// with the fix. Found by building: a SHELL with bash made
// `echo "[global]\nno-cache-dir = true" > pip.conf` write one line.
//
//   - echo: dash's expands backslash escapes (`echo "a\nb"` writes two lines) and
//     prints -e as a word; bash's does the opposite;
//   - brace expansion (`mkdir /opt/{a,b}`): dash keeps the braces as written;
//   - $'...' quoting: dash reads a `$` and a plain single-quoted string;
//   - `&>`: dash runs the command in the background and truncates the file;
//   - `[ a == b ]`: dash's test rejects == (status 2, so the condition is false);
//     `[[ ]]`, `(( ))`, let and source are not commands in dash (status 127);
//   - variables bash sets and dash leaves empty ($RANDOM, $UID, $BASH_VERSION...).
func shellSwitchHazards(s *shell.Script) []pipeHazard {
	var out []pipeHazard
	add := func(n syntax.Node, why string) {
		remedy := "write it so that dash and bash read it alike"
		if strings.Contains(why, "echo") {
			remedy = "use printf"
		}
		out = append(out, pipeHazard{in: s.In, text: shortText(s, n), shellSwitch: true, remedy: remedy,
			why: "/bin/sh (dash) and bash " + why + ", so the SHELL would change what it does"})
	}
	syntax.Walk(s.File, func(n syntax.Node) bool {
		switch x := n.(type) {
		case *syntax.CallExpr:
			name, i := shell.CommandName(x)
			switch {
			case i < 0:
			case name == "echo":
				for j, w := range x.Args[i+1:] {
					raw := s.Text[w.Pos().Offset():w.End().Offset()]
					if j == 0 && (raw == "-e" || raw == "-E" || raw == "-en" || raw == "-ne") || strings.Contains(raw, `\`) {
						add(x, "disagree on echo's backslash escapes and -e")
						break
					}
				}
			case name == "[" || name == "test":
				for _, w := range x.Args[i+1:] {
					if t, ok := shell.Lit(w); ok && t == "==" {
						add(x, "disagree on `==` in test (dash's test rejects it)")
						break
					}
				}
			case name == "let" || name == "source":
				add(x, "disagree on "+name+" (not a command in dash)")
			}
		case *syntax.TestClause:
			add(x, "disagree on [[ ]] (not a command in dash)")
		case *syntax.ArithmCmd:
			add(x, "disagree on (( )) (not a command in dash)")
		case *syntax.Redirect:
			if x.Op == syntax.RdrAll || x.Op == syntax.AppAll {
				add(x, "disagree on &> (dash runs the command in the background)")
			}
		case *syntax.SglQuoted:
			if x.Dollar {
				add(x, "disagree on $'...' quoting")
			}
		case *syntax.ParamExp:
			if x.Param != nil && bashOnlyVars[x.Param.Value] {
				add(x, "disagree on $"+x.Param.Value+" (set by bash, empty in dash)")
			}
		case *syntax.Word:
			if braceExpansion(x) {
				add(x, "disagree on brace expansion (dash keeps the braces)")
			}
		}
		return true
	})
	return out
}

// bashOnlyVars are the variables bash sets itself and dash does not.
var bashOnlyVars = map[string]bool{
	"RANDOM": true, "SECONDS": true, "UID": true, "EUID": true, "BASH": true, "BASH_VERSION": true,
	"BASH_VERSINFO": true, "BASHPID": true, "PIPESTATUS": true, "HOSTTYPE": true, "OSTYPE": true,
	"MACHTYPE": true, "HOSTNAME": true, "SHLVL": true, "GROUPS": true, "FUNCNAME": true,
}

var braceList = regexp.MustCompile(`\{[^{}]*(,|\.\.)[^{}]*\}`)

// braceExpansion reports whether bash would expand braces in a word: an unquoted
// `{a,b}` or `{1..3}` in its literal parts.
func braceExpansion(w *syntax.Word) bool {
	brace := false
	for _, part := range w.Parts {
		if l, ok := part.(*syntax.Lit); ok && strings.IndexByte(l.Value, '{') >= 0 {
			brace = true
			break
		}
	}
	if !brace {
		return false // most words: no brace, nothing to put together
	}
	var lit strings.Builder
	for _, part := range w.Parts {
		if l, ok := part.(*syntax.Lit); ok {
			lit.WriteString(l.Value)
		} else {
			lit.WriteString("\x00") // a quoted or expanded part breaks a brace list
		}
	}
	return braceList.MatchString(lit.String())
}

// pipeHazards returns the pipelines of a script, before its own `set -o pipefail`,
// whose status pipefail would change by design: a writer that is killed by SIGPIPE
// when the reader stops reading early (`yes | cmd`, `cmd | head -1`, `cmd | grep -q x`,
// `cmd | sed q`, `cmd | awk '{...; exit}'`), and pipelines whose status is ignored on
// purpose (`a | b || true`, `a | b || :`). Pipelines inside $(...), subshells and
// conditions count: pipefail reaches them too.
func pipeHazards(s *shell.Script) []pipeHazard {
	guard := pipefailGuard(s)
	before := func(n syntax.Node) bool { return guard < 0 || int(n.Pos().Offset()) < guard }
	ignored := map[*syntax.BinaryCmd]*syntax.BinaryCmd{} // pipeline -> the `|| true` holding it
	inner := map[syntax.Node]bool{}                      // pipes that are part of a longer pipeline
	var pipes []*syntax.BinaryCmd
	for _, b := range s.Binaries() {
		if isPipe(b) {
			pipes = append(pipes, b)
			inner[b.X.Cmd], inner[b.Y.Cmd] = true, true
		}
		if b.Op == syntax.OrStmt && statusIgnorer(b.Y) {
			shell.ListLeaves(b.X, func(leaf *syntax.Stmt) {
				if c, ok := leaf.Cmd.(*syntax.BinaryCmd); ok && isPipe(c) && ignored[c] == nil {
					ignored[c] = b
				}
			})
		}
	}
	var out []pipeHazard
	for _, b := range pipes {
		if inner[b] || !before(b) {
			continue
		}
		if or := ignored[b]; or != nil {
			out = append(out, pipeHazard{in: s.In, text: shortText(s, or), ignored: true,
				why: "its status is ignored on purpose (`|| " + shortText(s, or.Y) + "`)"})
			continue
		}
		if why := earlyStop(pipeElems(b)); why != "" {
			out = append(out, pipeHazard{in: s.In, text: shortText(s, b), why: why})
		}
	}
	return out
}

// statusIgnorer reports whether the right side of `||` is `true` or `:`: the left
// side's status is thrown away.
func statusIgnorer(st *syntax.Stmt) bool {
	c, ok := st.Cmd.(*syntax.CallExpr)
	if !ok || st.Negated {
		return false
	}
	name, _ := shell.CommandName(c)
	return name == "true" || name == ":"
}

// pipeElems returns the commands of a pipeline in order (`a | b | c` parses as
// `(a | b) | c`).
func pipeElems(b *syntax.BinaryCmd) []*syntax.Stmt {
	var out []*syntax.Stmt
	for _, st := range []*syntax.Stmt{b.X, b.Y} {
		if isPipe(st.Cmd) && !st.Negated {
			out = append(out, pipeElems(st.Cmd.(*syntax.BinaryCmd))...)
		} else {
			out = append(out, st)
		}
	}
	return out
}

// earlyStop says why a writer of the pipeline may be killed by SIGPIPE by design, ""
// when none is.
func earlyStop(elems []*syntax.Stmt) string {
	for k := 0; k+1 < len(elems); k++ {
		writer, _ := callName(elems[k])
		reader, args := callName(elems[k+1])
		rname := reader
		if rname == "" {
			rname = "the next command"
		}
		if writer == "yes" {
			return "yes is killed by SIGPIPE when " + rname + " stops reading"
		}
		why := ""
		if f := earlyReaders[reader]; f != nil {
			why = f(args)
		}
		if why == "" && reader == "" {
			why = compoundEarly(elems[k+1])
		}
		if why != "" {
			if writer == "" {
				writer = "the command before it"
			}
			return why + ": " + writer + " is killed by SIGPIPE if it writes after that"
		}
	}
	return ""
}

// compoundEarly says why a reader that is not a simple command may stop reading its
// input early: a `{ ...; }` or `( ... )` whose first command is an early reader
// (`{ read -r first; ...; }`), or a while/until loop left with break, exit or return
// (`while read -r l; do ...; break; done`). "" when it reads everything, as far as
// dfix can tell.
func compoundEarly(st *syntax.Stmt) string {
	switch c := st.Cmd.(type) {
	case *syntax.Block:
		if len(c.Stmts) > 0 {
			return firstEarly(c.Stmts[0])
		}
	case *syntax.Subshell:
		if len(c.Stmts) > 0 {
			return firstEarly(c.Stmts[0])
		}
	case *syntax.WhileClause:
		stop := ""
		syntax.Walk(c, func(n syntax.Node) bool {
			if x, ok := n.(*syntax.CallExpr); ok && stop == "" {
				if name, _ := shell.CommandName(x); name == "break" || name == "exit" || name == "return" {
					stop = "the loop reading it may end with " + name + " before the input does"
				}
			}
			return stop == ""
		})
		return stop
	}
	return ""
}

// firstEarly is compoundEarly for the first command of a group or subshell.
func firstEarly(st *syntax.Stmt) string {
	for _, r := range st.Redirs {
		if r.N == nil && (r.Op == syntax.RdrIn || r.Op == syntax.RdrInOut || r.Op == syntax.Hdoc ||
			r.Op == syntax.DashHdoc || r.Op == syntax.WordHdoc) {
			return "" // reads something else
		}
	}
	name, args := callName(st)
	if name == "" {
		return compoundEarly(st)
	}
	if f := earlyReaders[name]; f != nil {
		return f(args)
	}
	return ""
}

// callName returns the program a pipeline element runs and the text of its arguments
// (expansions read as a placeholder word); "" when the element is not a simple command.
func callName(st *syntax.Stmt) (string, []string) {
	c, ok := st.Cmd.(*syntax.CallExpr)
	if !ok || len(c.Args) == 0 {
		return "", nil
	}
	name, i := shell.CommandName(c)
	if i < 0 {
		return "", nil
	}
	var args []string
	for _, w := range c.Args[i+1:] {
		t, ok := shell.ReadWord(w, scriptWord)
		if !ok {
			t = "_"
		}
		args = append(args, t)
	}
	return name, args
}

// shortText returns a node's shell text (the logical line: continuations joined),
// shortened to 60 bytes.
func shortText(s *shell.Script, n syntax.Node) string {
	t := strings.TrimSpace(s.Text[n.Pos().Offset():n.End().Offset()])
	if len(t) > 60 {
		t = strings.ToValidUTF8(strings.TrimSpace(t[:57]), "") + "..."
	}
	return t
}

// earlyReaders are the programs that may stop reading their input before its end, by
// design or by the options given, each with what tells from its arguments ("" when
// it reads everything). The command writing into them is then killed by SIGPIPE if it
// writes more, which pipefail turns into a failed pipeline. Not here because they
// read to the end: tail (also -n +N), less and more (which copy everything when the
// output is not a terminal), sort, wc, cut, tr, tee, xargs, grep without -q/-m/-l,
// sed without q, awk without exit, and `while read` loops without break (see
// compoundEarly for groups and loops).
var earlyReaders = map[string]func(args []string) string{
	"head":  func([]string) string { return "head stops reading after what it prints" },
	"grep":  grepEarly,
	"egrep": grepEarly,
	"fgrep": grepEarly,
	"sed":   sedEarly,
	"awk":   awkEarly,
	"gawk":  awkEarly,
	"mawk":  awkEarly,
	"nawk":  awkEarly,
	"read":  func([]string) string { return "read reads one line" },
	"true":  func([]string) string { return "true reads nothing" },
	":":     func([]string) string { return ": reads nothing" },
}

// grepValueLetters are grep's short options whose value follows (in the same word or
// the next); grepValueLong the long ones.
const grepValueLetters = "efmABCdD"

var grepValueLong = map[string]bool{
	"regexp": true, "file": true, "max-count": true, "after-context": true, "before-context": true,
	"context": true, "directories": true, "devices": true, "label": true, "include": true,
	"exclude": true, "exclude-from": true, "exclude-dir": true, "binary-files": true, "group-separator": true,
}

// grepEarly: -q, --quiet, --silent (exit at the first match), -m N, --max-count=N (stop
// after N matches), -l, -L (stop at the first match). GNU grep takes options after
// the pattern too.
func grepEarly(args []string) string {
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			return ""
		case strings.HasPrefix(a, "--"):
			name, _, hasVal := strings.Cut(a[2:], "=")
			switch name {
			case "quiet", "silent":
				return "grep " + a + " stops reading at the first match"
			case "max-count":
				return "grep --max-count stops reading after that many matches"
			case "files-with-matches", "files-without-match":
				return "grep " + a + " stops reading at the first match"
			}
			if grepValueLong[name] && !hasVal {
				i++
			}
		case strings.HasPrefix(a, "-") && len(a) > 1:
			for k := 1; k < len(a); k++ {
				switch l := a[k]; {
				case l == 'q' || l == 'l' || l == 'L':
					return "grep -" + string(l) + " stops reading at the first match"
				case l == 'm':
					return "grep -m stops reading after that many matches"
				case strings.IndexByte(grepValueLetters, l) >= 0:
					if k == len(a)-1 {
						i++ // the value is the next word
					}
					k = len(a)
				}
			}
		}
	}
	return ""
}

// sedEarly: a sed script with a q or Q command stops reading there. A script dfix
// cannot see (-f FILE) counts as one that may.
func sedEarly(args []string) string {
	const fromFile = "sed runs a script from a file, which may quit (q) before the end of its input"
	var scripts, operands []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			operands = append(operands, args[i+1:]...)
			i = len(args)
		case a == "--file" || strings.HasPrefix(a, "--file="):
			return fromFile
		case a == "--expression" || a == "--line-length":
			if i+1 < len(args) {
				i++
				if a == "--expression" {
					scripts = append(scripts, args[i])
				}
			}
		case strings.HasPrefix(a, "--expression="):
			scripts = append(scripts, strings.TrimPrefix(a, "--expression="))
		case strings.HasPrefix(a, "--"):
		case strings.HasPrefix(a, "-") && len(a) > 1:
			// A cluster of flags (-nE); -e, -f and -l take the rest of the word or
			// the next one as their value, -i the rest of the word.
			for k := 1; k < len(a) && a[k] != 'i'; k++ {
				l := a[k]
				if l != 'e' && l != 'f' && l != 'l' {
					continue
				}
				v := a[k+1:]
				if v == "" && i+1 < len(args) {
					i++
					v = args[i]
				}
				if l == 'f' {
					return fromFile
				}
				if l == 'e' {
					scripts = append(scripts, v)
				}
				break
			}
		default:
			operands = append(operands, a)
		}
	}
	if len(scripts) == 0 && len(operands) > 0 {
		scripts = operands[:1] // without -e, the first operand is the script
	}
	for _, sc := range scripts {
		if sedQuits(sc) {
			return "sed stops reading at its q command"
		}
	}
	return ""
}

// sedQuits reports whether a sed script has a q or Q command. It reads addresses,
// s and y commands with any delimiter, text of a, i and c, labels, file names and
// comments; on anything it does not understand it answers whether a q or Q appears
// at all.
func sedQuits(script string) bool {
	s, n, i := script, len(script), 0
	skipTo := func(stops string) {
		for i < n && strings.IndexByte(stops, s[i]) < 0 {
			i++
		}
	}
	// delimited skips to just after the next unescaped d.
	delimited := func(d byte) bool {
		for i < n {
			switch s[i] {
			case '\\':
				i += 2
			case d:
				i++
				return true
			default:
				i++
			}
		}
		return false
	}
	address := func() bool {
		switch {
		case i < n && s[i] >= '0' && s[i] <= '9':
			for i < n && (s[i] >= '0' && s[i] <= '9' || s[i] == '~') {
				i++
			}
		case i < n && s[i] == '$':
			i++
		case i < n && s[i] == '/':
			i++
			if !delimited('/') {
				return false
			}
			for i < n && (s[i] == 'I' || s[i] == 'M') {
				i++
			}
		case i+1 < n && s[i] == '\\':
			i += 2
			if !delimited(s[i-1]) {
				return false
			}
			for i < n && (s[i] == 'I' || s[i] == 'M') {
				i++
			}
		}
		return true
	}
	blanks := func() {
		for i < n && (s[i] == ' ' || s[i] == '\t') {
			i++
		}
	}
	unknown := func() bool { return strings.ContainsAny(script, "qQ") }
	for {
		for i < n && strings.IndexByte(" \t\n;{}", s[i]) >= 0 {
			i++
		}
		if i >= n {
			return false
		}
		if !address() {
			return unknown()
		}
		blanks()
		if i < n && s[i] == ',' {
			i++
			blanks()
			if i < n && (s[i] == '+' || s[i] == '~') {
				i++
				for i < n && s[i] >= '0' && s[i] <= '9' {
					i++
				}
			} else if !address() {
				return unknown()
			}
			blanks()
		}
		for i < n && s[i] == '!' {
			i++
			blanks()
		}
		if i >= n {
			return unknown()
		}
		cmd := s[i]
		i++
		switch cmd {
		case 'q', 'Q':
			return true
		case '{', '}', ';', '\n':
		case '#', 'a', 'i', 'c', 'r', 'R', 'w', 'W':
			for i < n && s[i] != '\n' { // text and file names run to the end of the line
				if s[i] == '\\' {
					i++
				}
				i++
			}
		case ':', 'b', 't', 'T', 'e', 'l', 'L', 'v', 'F', 'z', '=', 'p', 'P', 'd', 'D', 'n', 'N', 'g', 'G', 'h', 'H', 'x':
			skipTo(";\n}")
		case 's', 'y':
			if i >= n {
				return unknown()
			}
			d := s[i]
			i++
			if !delimited(d) || !delimited(d) {
				return unknown()
			}
			if cmd == 's' {
				for i < n && strings.IndexByte("gpiImMe0123456789", s[i]) >= 0 {
					i++
				}
				if i < n && s[i] == 'w' {
					skipTo("\n")
				}
			}
		default:
			return unknown()
		}
	}
}

// awkEarly: an awk program with `exit` stops reading there (in an END block it does
// not, but dfix does not tell them apart). A program from a file counts as one that may.
func awkEarly(args []string) string {
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			if i+1 < len(args) {
				return awkExit(args[i+1])
			}
			return ""
		case a == "-f" || a == "--file" || strings.HasPrefix(a, "--file=") || strings.HasPrefix(a, "-f") && len(a) > 2:
			return "awk runs a program from a file, which may exit before the end of its input"
		case a == "-e" || a == "--source":
			if i+1 < len(args) {
				if why := awkExit(args[i+1]); why != "" {
					return why
				}
				i++
			}
		case a == "-F" || a == "-v" || a == "--field-separator" || a == "--assign":
			i++
		case strings.HasPrefix(a, "-") && len(a) > 1:
		default:
			return awkExit(a)
		}
	}
	return ""
}

var awkExitWord = regexp.MustCompile(`(^|[^A-Za-z0-9_])exit([^A-Za-z0-9_]|$)`)

func awkExit(program string) string {
	if awkExitWord.MatchString(program) {
		return "awk stops reading at exit"
	}
	return ""
}

func checkPipefail(p *Pass) {
	st := p.Facts.Stages()
	type finding struct {
		in   *rewrite.Instruction
		pipe *syntax.BinaryCmd
		s    *shell.Script
	}
	var found []finding
	var runs []hazardRun
	byStage := map[int]bool{} // stages with a finding
	for _, in := range p.Facts.shellRunList() {
		// Only a text with a `|` has a pipeline, and only a heredoc body a shell of its
		// own: the other RUNs matter only as RUNs a SHELL would reach, and are read
		// when a fix asks for their hazards (hazardList).
		var s *shell.Script
		if in.Heredoc || p.Facts.mayHold(in, "|") {
			var err error
			if s, err = p.Facts.Script(in); err != nil {
				continue
			}
			if s.Runner != "" {
				// A heredoc body the RUN feeds to a shell of its own (`RUN <<EOF bash`,
				// a #!/bin/bash body): no SHELL reaches it.
				if in.Stage >= 0 {
					reportRunnerPipes(p, s)
				}
				continue
			}
		}
		if in.Stage < 0 || shellPipefail(st.shells[in.Index]) {
			continue
		}
		if argv := st.shells[in.Index]; argv != nil && !shell.Posix(shellName(argv)) {
			continue // a SHELL dfix cannot read, or not a POSIX shell
		}
		// A SHELL added after FROM replaces /bin/sh for every RUN it reaches, pipes or
		// not; a RUN under a SHELL instruction keeps its program.
		r := hazardRun{in: in, switched: st.shells[in.Index] == nil}
		if s != nil {
			if pipes := unprotectedPipes(s); len(pipes) > 0 {
				found = append(found, finding{in, pipes[0], s})
				byStage[in.Stage] = true
				r.piped = true
			}
		}
		if r.switched || r.piped {
			runs = append(runs, r)
		}
	}
	if len(found) == 0 {
		return
	}
	hazards := &hazardList{facts: p.Facts, runs: runs}
	for _, f := range found {
		start, end, _ := f.s.WordSpan(pipeWord(f.pipe))
		d := Diagnostic{
			Start:   start,
			End:     end,
			Message: "RUN with a pipe and no pipefail: the pipeline's status is only the last command's, so a failure before `|` goes unnoticed",
		}
		d.Fix, d.Help = pipefailFix(p, st, f.s, byStage, hazards)
		p.Report(d)
	}
}

// reportRunnerPipes reports the first unprotected pipeline of a heredoc body that a
// shell named by the RUN runs, with advice: a SHELL instruction does not reach it, and
// the line to add goes into the body.
func reportRunnerPipes(p *Pass, s *shell.Script) {
	pipes := unprotectedPipes(s)
	if len(pipes) == 0 {
		return
	}
	start, end, _ := s.WordSpan(pipeWord(pipes[0]))
	help := "the heredoc body is run by " + s.Runner + ", not by the SHELL in effect: add `set -o pipefail` as the first line of the body (after a #! line)"
	if !pipefailShells[s.Runner] {
		help = "the heredoc body is run by " + s.Runner + ", which dfix does not know to have pipefail"
	}
	p.Report(Diagnostic{
		Start:   start,
		End:     end,
		Message: "RUN with a pipe and no pipefail: the pipeline's status is only the last command's, so a failure before `|` goes unnoticed",
		Help:    help,
		Fix:     &Fix{Title: "Add set -o pipefail to the heredoc body", Applicability: DisplayOnly},
	})
}

// pipeWord returns the first word of a pipeline, where its finding points.
func pipeWord(b *syntax.BinaryCmd) *syntax.Word {
	var w *syntax.Word
	syntax.Walk(b, func(n syntax.Node) bool {
		if w != nil {
			return false
		}
		if x, ok := n.(*syntax.Word); ok {
			w = x
			return false
		}
		return true
	})
	if w == nil {
		return &syntax.Word{}
	}
	return w
}

// pipefailFix returns the fix for the RUNs of a stage: one SHELL with pipefail right
// after the FROM of the stage, or of the highest stage it derives from that needs the
// same fix (stages built FROM it inherit the SHELL), so a file gets one SHELL per chain
// of stages, not one per RUN. The shell is the base image's: bash where it is known to
// be there, busybox's ash on Alpine and busybox. When a RUN that SHELL would reach has
// a pipeline that pipefail would break (see pipeHazards), or a command the new shell
// would run differently from /bin/sh, there is no fix, only advice.
func pipefailFix(p *Pass, st *Stages, sc *shell.Script, needs map[int]bool, list *hazardList) (*Fix, string) {
	in := sc.In
	stage := in.Stage
	target := stage
	for i := stage; i >= 0; i = st.List[i].Parent {
		if needs[i] {
			target = i
		}
		if st.List[i].Parent < 0 {
			break
		}
	}
	// A stage built FROM another carries its root's image and what /bin/sh is there.
	kind := st.List[target].Shell
	argv := kind.pipefailShell()
	if argv == nil {
		argv = shellDash.pipefailShell() // named in the advice
	}
	shellText := `["` + strings.Join(argv, `", "`) + `"]`
	title := "Add SHELL " + shellText + " after FROM"
	display := func(why string) (*Fix, string) {
		return &Fix{Title: title, Applicability: DisplayOnly}, why
	}
	s := st.List[target]
	if st.List[stage].hasShell || s.hasShell {
		return shellOptionFix(p, st, sc, target, list.get(false))
	}
	hazards := list.get(kind.switchesShell())
	if h := stageHazard(st, target, in, hazards); h != nil {
		if kind == shellAsh || kind == shellBash {
			return runGuardFix(sc, h, kind)
		}
		return nil, hazardHelp(h, in, kind)
	}
	if kind == shellUnknown {
		return display("dfix cannot tell which shells the base image " + quoteImage(st.List[target].Image) + " has: add `set -o pipefail &&` at the start of the RUN if its /bin/sh has it (bash, ash and zsh do; Debian's dash does not), or a SHELL with -o pipefail")
	}
	from := s.From
	if from.Logical == nil {
		return display("the FROM line could not be located exactly")
	}
	li := from.LogicalEndLine - 1 // 0-based last line of the FROM
	at := p.Doc.LineStart(li) + len(p.Doc.Line(li))
	first := p.Doc.Line(from.StartLine - 1)
	indent := first[:len(first)-len(strings.TrimLeft(first, " \t"))]
	kw := "SHELL"
	if k, ok := from.KeywordSpan(); ok && strings.ToLower(string(p.Doc.Src[k.Start:k.End])) == string(p.Doc.Src[k.Start:k.End]) {
		kw = "shell" // a file written in lower case
	}
	text := p.Doc.LineEOL(li) + indent + kw + " " + shellText
	return &Fix{
		Title:         title,
		Applicability: Unsafe,
		Edits:         []rewrite.Edit{{Start: at, End: at, New: text}},
		Instructions:  map[string]int{"shell": 1},
	}, ""
}

// shellOptionFix is the fix for a RUN under a SHELL instruction: `"-o", "pipefail"`
// added to that SHELL right after its program, when the program is a shell that has
// the option. The SHELL keeps its program, so only the pipelines' status changes, and
// the hazards that hold it back are the pipelines it reaches (the stage of the SHELL
// and those built on it).
func shellOptionFix(p *Pass, st *Stages, sc *shell.Script, target int, hazards []pipeHazard) (*Fix, string) {
	in := sc.In
	const title = `Add "-o", "pipefail" to the SHELL`
	display := func(why string) (*Fix, string) {
		return &Fix{Title: title, Applicability: DisplayOnly}, why
	}
	sh := st.shellIns[in.Index]
	argv := st.shells[in.Index]
	switch {
	case sh == nil || len(argv) == 0:
		return display("the stage has a SHELL instruction dfix cannot read: add \"-o\", \"pipefail\" to it (with bash or ash)")
	case !pipefailShells[shellName(argv)]:
		return display("the SHELL runs " + argv[0] + ", which dfix does not know to have -o pipefail: use bash or ash with \"-o\", \"pipefail\"")
	case sh.Logical == nil || sh.Stage < 0:
		return display("the SHELL instruction could not be located exactly: add \"-o\", \"pipefail\" to it")
	case offOnPurpose(argv):
		// An option added before it would be turned off again: the fix never settled.
		return display("the SHELL turns pipefail off (\"+o\", \"pipefail\"): take that out if a failing pipeline should fail the RUN")
	}
	shellStage := sh.Stage
	if h := stageHazard(st, shellStage, in, hazards); h != nil {
		return runGuardFix(sc, h, shellBash) // the SHELL's program has pipefail
	}
	// The option goes after the program and its long options: bash reads `--login`,
	// `--norc`... only before its one-letter options (`bash -o pipefail --login`
	// fails with "--: invalid option").
	after := 1
	for after < len(argv) && strings.HasPrefix(argv[after], "--") && argv[after] != "--" {
		if argv[after] == "--rcfile" || argv[after] == "--init-file" {
			after++
		}
		after++
	}
	if after > len(argv) {
		return display("the SHELL instruction could not be located exactly: add \"-o\", \"pipefail\" to it")
	}
	// The end of the JSON array's string number after, in the logical text.
	text := sh.Logical.Text
	i, end := sh.ArgsStart, -1
	for n := 0; n < after; n++ {
		k := strings.IndexByte(text[i:], '"')
		if k < 0 {
			end = -1
			break
		}
		i += k
		end = -1
		for j := i + 1; j < len(text); j++ {
			if text[j] == '\\' {
				j++
				continue
			}
			if text[j] == '"' {
				end = j + 1
				break
			}
		}
		if end < 0 {
			break
		}
		if n+1 < after {
			i = end
		}
	}
	if end < 0 || !sh.Logical.Contiguous(i, end-1) {
		return display("the SHELL instruction could not be located exactly: add \"-o\", \"pipefail\" to it")
	}
	at := sh.Logical.FileOffset(end-1) + 1
	fix := &Fix{
		Title:         title,
		Applicability: Unsafe,
		Edits:         []rewrite.Edit{{Start: at, End: at, New: `, "-o", "pipefail"`}},
	}
	// Check that BuildKit reads the SHELL as meant.
	out, err := rewrite.Apply(p.Doc.Src, fix.Edits)
	if err != nil {
		return display("")
	}
	doc, err := rewrite.Parse(p.Doc.Path, out)
	want := append(append(slices.Clone(argv[:after]), "-o", "pipefail"), argv[after:]...)
	var got []string
	if err != nil || len(doc.Instructions) != len(p.Doc.Instructions) ||
		json.Unmarshal([]byte(doc.Instructions[sh.Index].Args()), &got) != nil || !slices.Equal(got, want) {
		return display("the SHELL instruction could not be rewritten exactly: add \"-o\", \"pipefail\" to it")
	}
	return fix, ""
}

// runGuardFix is the fix for a RUN whose stage cannot take a SHELL with pipefail
// because of the hazard h: when h is in another RUN and this RUN's shell has the option
// (ash, or bash as /bin/sh or as the SHELL), `set -o pipefail && ` before its first
// command gives the RUN pipefail alone; the other RUN keeps its status. Otherwise the
// advice of h.
func runGuardFix(s *shell.Script, h *pipeHazard, kind imageShell) (*Fix, string) {
	if h.in == s.In || len(s.File.Stmts) == 0 {
		return nil, hazardHelp(h, s.In, kind)
	}
	at := s.FileOffset(s.File.Stmts[0].Pos())
	return &Fix{
		Title:         "Start the RUN with `set -o pipefail &&`",
		Applicability: Unsafe,
		Edits:         []rewrite.Edit{{Start: at, End: at, New: "set -o pipefail && "}},
	}, ""
}

func quoteImage(ref string) string {
	if ref == "" {
		return "(none)"
	}
	return "`" + ref + "`"
}

// stageHazard returns the pipeline hazard of the RUN in, else the first one in a RUN
// that a SHELL added to stage target would reach (target and the stages built from
// it); nil when there is none.
func stageHazard(st *Stages, target int, in *rewrite.Instruction, hazards []pipeHazard) *pipeHazard {
	for k := range hazards {
		if hazards[k].in == in {
			return &hazards[k]
		}
	}
	for k := range hazards {
		for i, n := hazards[k].in.Stage, 0; i >= 0 && n <= len(st.List); i, n = st.List[i].Parent, n+1 {
			if i == target {
				return &hazards[k]
			}
		}
	}
	return nil
}

// hazardHelp is the advice for a RUN when a SHELL with pipefail is withheld because of
// the hazard h.
//
// The advice for this RUN depends on its shell: dash, Debian's /bin/sh, has no
// pipefail; an unknown one may have it. (With ash or bash runGuardFix fixes it.)
func hazardHelp(h *pipeHazard, in *rewrite.Instruction, kind imageShell) string {
	const only = "add `set -o pipefail` only around the pipelines that need it"
	if h.shellSwitch {
		where := "this RUN"
		if h.in != in {
			where = "line " + strconv.Itoa(h.in.StartLine)
		}
		return "no SHELL with bash and pipefail: it would also run `" + h.text + "` (" + where + ") with bash, and " + h.why +
			"; " + h.remedy + " in " + where + " first (Debian's dash has no pipefail: `set -o pipefail` cannot go in the RUN instead)"
	}
	if h.in == in {
		if h.ignored {
			return "no SHELL with pipefail: `" + h.text + "` — " + h.why + "; " + only
		}
		return "pipefail would break this build: `" + h.text + "` — " + h.why + "; " + only
	}
	what := "pipefail would break"
	if h.ignored {
		what = "the status is ignored on purpose in"
	}
	advice := "add `set -o pipefail &&` at the start of this RUN if its /bin/sh has it (bash and ash do)"
	if kind == shellDash {
		advice = "Debian's dash has no pipefail, so `set -o pipefail` cannot go in this RUN either"
	}
	return "no SHELL with pipefail: it would also reach line " + strconv.Itoa(h.in.StartLine) + ", and " +
		what + " `" + h.text + "` (" + h.why + "); " + advice
}
