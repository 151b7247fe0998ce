package fix

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/dfix-dev/dfix/fix/shell"
	"github.com/dfix-dev/dfix/rewrite"
	"mvdan.cc/sh/v3/syntax"
)

// shellOnly are commands that exist only inside a shell: in exec form there is no
// program of that name to run (or running it outside the shell does nothing useful).
// `exec` is here for `CMD exec` alone and `CMD exec exec ...`; a leading `exec` before
// a program is dropped instead.
var shellOnly = map[string]bool{
	"cd": true, "export": true, "set": true, "unset": true, "source": true, ".": true,
	"eval": true, "exit": true, "alias": true, "ulimit": true, "umask": true, "trap": true,
	"read": true, "shift": true, "wait": true, "return": true, "readonly": true, "local": true,
	"declare": true, "typeset": true, "builtin": true, "let": true, ":": true, "shopt": true,
	"exec": true, "command": true, "break": true, "continue": true, "times": true, "hash": true,
	"type": true, "getopts": true, "jobs": true, "fg": true, "bg": true, "disown": true,
	"pushd": true, "popd": true, "dirs": true, "unalias": true, "enable": true, "mapfile": true,
	"readarray": true, "history": true, "caller": true, "complete": true, "compgen": true,
	"compopt": true, "bind": true, "logout": true, "suspend": true, "help": true,
}

func checkExecForm(p *Pass) {
	execEntrypoint := map[int]bool{} // stages whose ENTRYPOINT is in exec form
	// stages whose shell-form ENTRYPOINT reads its positional parameters, which the
	// CMD fills: `/bin/sh -c TEXT` + the CMD's words are $0 $1...
	argsEntrypoint := map[int]bool{}
	ownEntrypoint := map[int]bool{}
	for _, in := range p.Doc.Instructions {
		if in.Keyword == "entrypoint" {
			execEntrypoint[in.Stage] = in.Node.Attributes["json"]
			argsEntrypoint[in.Stage] = !in.Node.Attributes["json"] && readsPositional(in)
			ownEntrypoint[in.Stage] = true
		}
	}
	// stages whose base image has an ENTRYPOINT script that looks at its first argument
	// (imageEntrypointReadsArgs), which the Dockerfile does not replace.
	imageEntrypoint := map[int]string{}
	// A stage built FROM another keeps its ENTRYPOINT unless it sets one: a shell-form
	// CMD there is also handed to that ENTRYPOINT as `/bin/sh -c TEXT`.
	for i, st := range p.Facts.Stages().List {
		if ownEntrypoint[i] {
			continue
		}
		if parent, ok := p.Facts.Stages().parentOf(i); ok {
			execEntrypoint[i] = execEntrypoint[parent]
			argsEntrypoint[i] = argsEntrypoint[parent]
			imageEntrypoint[i] = imageEntrypoint[parent]
		} else if name := imageEntrypointReadsArgs(st.ref); name != "" {
			imageEntrypoint[i] = name
		}
	}
	cmdArgs := stagesWithCmdArgs(p)
	shells := p.Facts.Stages().shells // the SHELL argv in effect at each instruction
	for _, in := range p.Doc.Instructions {
		start, name := in.ArgsStart, strings.ToUpper(in.Keyword)
		switch in.Keyword {
		case "cmd", "entrypoint":
		case "healthcheck":
			var ok bool
			if start, ok = healthcheckCommand(in); !ok {
				continue
			}
			name = "HEALTHCHECK CMD"
		default:
			continue
		}
		if in.Logical == nil || in.Node.Attributes["json"] || strings.TrimSpace(in.Logical.Text[start:]) == "" {
			continue
		}
		kw, _ := in.KeywordSpan()
		if p.Facts.OtherShell(in) && !p.Facts.Windows(in) {
			continue // SHELL chose the program that runs the shell form, as BuildKit sees it
		}
		if !p.Facts.PosixShell(in) {
			// Windows shells split and quote words by other rules: advice only.
			p.Report(Diagnostic{
				Start: kw.Start, End: kw.End,
				Message: fmt.Sprintf("%s in shell form: the command runs under the image's shell (cmd or PowerShell) and does not receive signals", name),
				Help:    "write the JSON form by hand; dfix does not rewrite commands for Windows shells",
				Fix:     &Fix{Title: "Use the JSON (exec) form", Applicability: DisplayOnly},
			})
			continue
		}
		d := Diagnostic{
			Start:   kw.Start,
			End:     kw.End,
			Message: fmt.Sprintf("%s in shell form: the command runs under /bin/sh -c and does not receive signals", name),
		}
		// After an exec-form ENTRYPOINT, a shell-form CMD is passed to it as
		// `/bin/sh -c "..."`: its words were meant as the ENTRYPOINT's arguments.
		argsOnly := in.Keyword == "cmd" && execEntrypoint[in.Stage]
		if in.Keyword == "healthcheck" {
			d.Message = "HEALTHCHECK CMD in shell form: every check starts a /bin/sh -c process first"
		}
		if argsOnly {
			d.Message = "CMD in shell form after an exec-form ENTRYPOINT: the ENTRYPOINT receives /bin/sh -c and the text as its arguments"
		}
		fix, why := execFormFix(in, start, argsOnly)
		if fix != nil && in.Keyword == "cmd" && argsEntrypoint[in.Stage] && fix.Applicability == Safe {
			// The shell-form ENTRYPOINT gets the CMD as $0 $1...: `/bin/sh`, `-c`, TEXT in
			// shell form, the words in JSON form. Checked on the engine: `ENTRYPOINT echo
			// "$0 | $@"` printed "/bin/sh | -c serve --port 1", then "serve | --port 1".
			fix.Applicability = Unsafe
			d.Help = "the shell-form ENTRYPOINT reads its positional parameters ($0, $1, $@...), which the CMD fills: " +
				"`/bin/sh -c TEXT` in shell form, the words in JSON form"
		}
		if img := imageEntrypoint[in.Stage]; fix != nil && in.Keyword == "cmd" && img != "" && fix.Applicability == Safe {
			// The image's entrypoint gets `/bin/sh -c TEXT` in shell form and the words in
			// JSON form: redis's drops root (gosu) and postgres's sets the database up only
			// when "$1" is their program, nginx's runs /docker-entrypoint.d then.
			fix.Applicability = Unsafe
			d.Help = "the " + img + " image's ENTRYPOINT receives the CMD: `/bin/sh -c TEXT` in shell form, the words in JSON form; " +
				"its script sets up (drops root, initialises, runs its hooks) only when the first word is its program"
		}
		if fix != nil && !argsOnly {
			if w := shellStartup(p, in, shells[in.Index]); w != "" {
				// The exec form would skip what that shell does before the command.
				// Found by building: a program on a PATH that /etc/profile sets was not
				// found in exec form under SHELL ["/bin/bash", "--login", "-c"].
				fix, why = nil, w
			}
		}
		if fix != nil && in.Keyword == "entrypoint" && cmdArgs[in.Stage] {
			// A shell-form ENTRYPOINT ignores CMD; in exec form the CMD's words become
			// its arguments. Found by building: `ENTRYPOINT python3 server.py --port 1`
			// with `CMD ["python3", "server.py"]` then exited at once on a usage error.
			fix, why = nil, "the image has a CMD, which a shell-form ENTRYPOINT ignores and an exec-form one receives as arguments"
		}
		if fix == nil && !argsOnly && in.Keyword != "healthcheck" {
			// The command needs the shell (or its words cannot be the ENTRYPOINT's
			// arguments): write the shell explicitly, with `exec` before the last
			// command so that the program gets the signals.
			sfix, swhy := shellExecFix(p, in, start, shells)
			if sfix != nil {
				fix = sfix
				if swhy != "" {
					// The JSON form keeps the command exactly, but without `exec`.
					d.Help = "the JSON form keeps the command as it is, without `exec` (" + swhy + "): the program still does not receive the signals"
				}
			} else if swhy != "" && swhy != why {
				why += "; " + swhy
			}
		}
		if fix == nil && in.Keyword == "healthcheck" {
			// A health check that needs the shell (`|| exit 1`) is fine as it is: no
			// signals to deliver, and advice would be noise.
			continue
		}
		if fix == nil {
			d.Help = why + "; write the JSON form by hand, or make the shell explicit: " +
				name + ` ["/bin/sh", "-c", "..."]`
			d.Fix = &Fix{Title: "Use the JSON (exec) form", Applicability: DisplayOnly}
		} else {
			d.Fix = fix
		}
		p.Report(d)
	}
}

// looksLikeJSON reports whether shell-form arguments were meant as a JSON array that
// BuildKit rejected (`['a']`, `["a",]`, `["a"] # comment`): it then silently runs the
// text with /bin/sh -c. Fixing it would change what runs, so it is only reported.
// `[ -f x ] && run` is a shell test, not a broken array.
func looksLikeJSON(args string) bool {
	rest, ok := strings.CutPrefix(args, "[")
	if !ok {
		return false
	}
	rest = strings.TrimLeft(rest, " \t")
	return rest == "" || strings.ContainsRune(`"'],`, rune(rest[0]))
}

// execFormFix converts a shell-form command made only of plain words to exec form. Each
// word is replaced where it stands, so line continuations and comment lines between the
// words stay as they are. It returns the reason when it cannot.
//
// start is where the command begins in the logical line. With argsOnly the words are
// arguments for an exec-form ENTRYPOINT, not a program: they may look like options or
// builtins, and the fix changes what runs (the arguments the ENTRYPOINT gets), so it
// is unsafe.
func execFormFix(in *rewrite.Instruction, start int, argsOnly bool) (*Fix, string) {
	if looksLikeJSON(strings.TrimSpace(in.Logical.Text[start:])) {
		return nil, "it starts with [ but is not valid JSON (single quotes, a trailing comma, a # comment after the ]...), so BuildKit runs the whole text with /bin/sh -c"
	}
	s, err := shell.ParseAt(in, start)
	if err != nil {
		return nil, "the command is not valid shell"
	}
	f := s.File
	switch {
	case len(f.Stmts) == 0:
		return nil, "the command is only a shell comment"
	case len(f.Last) > 0 || len(f.Stmts[0].Comments) > 0:
		// `CMD python app.py # start` must not become `CMD ["python", "app.py"] # start`:
		// that is not JSON, and BuildKit would run the whole text with /bin/sh -c.
		return nil, "the command ends in a shell comment, which the JSON form cannot keep"
	case len(f.Stmts) != 1:
		return nil, "the command is a list of several commands"
	}
	st := f.Stmts[0]
	var call *syntax.CallExpr
	switch c := st.Cmd.(type) {
	case *syntax.CallExpr:
		call = c
	case *syntax.DeclClause: // export, readonly, local, declare, typeset
		return nil, fmt.Sprintf("%q is a shell builtin", c.Variant.Value)
	case *syntax.LetClause:
		return nil, `"let" is a shell builtin`
	default:
		return nil, "the command uses shell syntax (a pipe, && or ||, if, a loop, a function...)"
	}
	switch {
	case st.Negated || st.Background || st.Coprocess || st.Disown:
		return nil, "the command uses a shell operator (!, &)"
	case st.Semicolon.IsValid():
		// Only the words are replaced: `CMD ./serve;` would become `["./serve"];`.
		return nil, "the command ends in ;"
	case len(st.Redirs) > 0:
		return nil, "the command uses a redirection"
	case len(call.Assigns) > 0:
		return nil, "the command sets shell variables (NAME=value)"
	}
	words := make([]string, len(call.Args))
	for i, w := range call.Args {
		v, ok := shell.PlainWord(w)
		if !ok {
			return nil, "a word needs the shell to expand it (a $variable, a glob, ~, a backslash escape or braces)"
		}
		if _, _, ok := s.WordSpan(w); !ok {
			return nil, "a word is split across lines"
		}
		words[i] = v
	}
	first := 0
	if words[0] == "exec" && len(words) > 1 && !argsOnly {
		first = 1 // exec is a shell builtin; the exec form runs the program directly
	}
	switch name := words[first]; {
	case argsOnly:
	case shellOnly[name]:
		return nil, fmt.Sprintf("%q is a shell builtin", name)
	case strings.HasPrefix(name, "-") && first == 1:
		return nil, "`exec` has options"
	case strings.HasPrefix(name, "-"):
		return nil, "the command name starts with -"
	}
	if first == 1 && !in.Logical.Contiguous(s.Logical(call.Args[0].Pos()), s.Logical(call.Args[1].End())) {
		return nil, "`exec` is on another line than the command"
	}

	// Each replacement as a span of the shell text and its new text. The first one also
	// covers a dropped `exec`.
	type repl struct {
		from, to syntax.Pos
		text     string
	}
	var repls []repl
	last := len(words) - 1
	for i := first; i <= last; i++ {
		w := call.Args[i]
		from := w.Pos()
		if i == first {
			from = call.Args[0].Pos()
		}
		text := jsonString(words[i])
		if i == first {
			text = "[" + text
		}
		if i < last {
			text += ","
		} else {
			text += "]"
		}
		repls = append(repls, repl{from, w.End(), text})
	}

	// Check the result before proposing it: the new arguments must be exactly a JSON
	// array of the words. Anything else left between or after the words (a `;` ending
	// the command, say) would make BuildKit fall back to the shell form and run
	// `["./serve"];` with /bin/sh -c, and that still parses as a Dockerfile.
	var b strings.Builder
	prev := 0
	for _, r := range repls {
		b.WriteString(s.Text[prev:r.from.Offset()])
		b.WriteString(r.text)
		prev = int(r.to.Offset())
	}
	b.WriteString(s.Text[prev:])
	var got []string
	if err := json.Unmarshal([]byte(b.String()), &got); err != nil || !slices.Equal(got, words[first:]) {
		return nil, "the command has shell syntax around its words"
	}

	var edits []rewrite.Edit
	for _, r := range repls {
		// Every word lies on one line (checked above), and so does `exec` with the
		// command after it.
		start, end, _ := in.Logical.FileSpan(s.Logical(r.from), s.Logical(r.to))
		edits = append(edits, rewrite.Edit{Start: start, End: end, New: r.text})
	}
	app := Safe
	if in.Keyword == "entrypoint" || argsOnly {
		app = Unsafe
	}
	return &Fix{Title: "Use the JSON (exec) form", Applicability: app, Edits: edits}, ""
}

// jsonString encodes s as a JSON string the way a person writes it in a Dockerfile:
// no \u0026 for &, no \u003c for <.
func jsonString(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // encoding a string cannot fail
	return strings.TrimSuffix(b.String(), "\n")
}

// healthcheckCommand returns where the command of `HEALTHCHECK [flags] CMD command`
// begins in the logical line; false for `HEALTHCHECK NONE`.
func healthcheckCommand(in *rewrite.Instruction) (int, bool) {
	if in.Logical == nil {
		return 0, false
	}
	t := in.Logical.Text
	i := in.ArgsStart
	if len(t) < i+3 || !strings.EqualFold(t[i:i+3], "cmd") || len(t) > i+3 && !isBlank(t[i+3]) {
		return 0, false
	}
	i += 3
	for i < len(t) && isBlank(t[i]) {
		i++
	}
	return i, true
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' }

// stagesWithCmdArgs returns the stages whose shell-form ENTRYPOINT would receive a CMD
// as arguments once in exec form: the stage sets a CMD, or a stage built FROM it sets
// one without an ENTRYPOINT of its own. (An ENTRYPOINT drops a CMD inherited from the
// base image, so only the stage's own CMD and its children's count.)
func stagesWithCmdArgs(p *Pass) map[int]bool {
	hasCmd, hasEntrypoint := map[int]bool{}, map[int]bool{}
	parent := map[int]int{}
	for _, in := range p.Doc.Instructions {
		switch in.Keyword {
		case "cmd":
			hasCmd[in.Stage] = true
		case "entrypoint":
			hasEntrypoint[in.Stage] = true
		case "from":
			if idx, ok := p.Facts.Stages().parentOf(in.Stage); ok {
				parent[in.Stage] = idx
			}
		}
	}
	out := map[int]bool{}
	last := 0
	for _, in := range p.Doc.Instructions {
		last = max(last, in.Stage)
	}
	for st := last; st >= 0; st-- { // children come after their parents
		if hasCmd[st] {
			out[st] = true
		}
		if par, ok := parent[st]; ok && out[st] && !hasEntrypoint[st] {
			out[par] = true
		}
	}
	return out
}

// notExecable are names that `exec` must not be put before: the shell-only commands,
// and the builtins that also exist as programs but behave otherwise as programs
// (`exec echo -e` runs /bin/echo, whose escapes and options are not dash's), and
// `time`, a keyword in bash, ksh and zsh.
func notExecable(name string) bool {
	switch name {
	case "echo", "printf", "test", "[", "true", "false", "kill", "pwd", "time":
		return true
	}
	return shellOnly[name]
}

// shellExecFix writes a shell-form CMD or ENTRYPOINT as the JSON form of what BuildKit
// runs for it — the SHELL in effect (["/bin/sh", "-c"] by default) and the text as its
// last argument — with `exec ` put before the last command, so that the program
// replaces the shell and receives the signals. It returns the reason when it cannot.
//
// Every byte of the text stays where it is: `["/bin/sh", "-c", "` is inserted before
// it, `"]` after it, `exec ` before the last command, and the characters JSON needs
// escaped (`"`, `\`, tabs) are escaped in place. The line continuations and the comment
// lines between them stay too: BuildKit joins the lines before it reads the JSON.
//
// The image config is then the same as the shell form's, ENTRYPOINT or CMD alike (a
// shell-form ENTRYPOINT also gets the CMD as `$0 $1...`, checked on an engine), but for
// the `exec`: the program is PID 1 instead of the shell. The fix is unsafe: the program
// now gets SIGTERM on `docker stop` (the point of it, but a change), and a function or
// alias of the same name from a sourced file would no longer be found. It also writes
// the shell this Dockerfile names, where BuildKit would take the one a base image set
// with its own SHELL.
func shellExecFix(p *Pass, in *rewrite.Instruction, start int, shells [][]string) (*Fix, string) {
	text := strings.TrimRight(in.Logical.Text[start:], " \t\r\v\f")
	if looksLikeJSON(text) {
		return nil, ""
	}
	if in.Node.Next == nil || strings.TrimSpace(in.Node.Next.Value) != text {
		return nil, ""
	}
	argv := shells[in.Index]
	switch {
	case argv == nil:
		argv = []string{"/bin/sh", "-c"}
	case len(argv) == 0:
		return nil, "a SHELL instruction dfix cannot read is in effect"
	}
	insert, noExec := execInsert(text, start, argv)
	if insert == -2 {
		return nil, noExec
	}
	// Build the edits byte by byte over the logical text, and the new logical text
	// with them, to check that BuildKit reads exactly the JSON array we mean.
	prefix := "["
	for _, a := range argv {
		prefix += jsonString(a) + ", "
	}
	prefix += `"`
	end := start + len(text)
	var edits []rewrite.Edit
	var logical strings.Builder
	logical.WriteString(in.Logical.Text[:start])
	for i := start; i < end; i++ {
		pre := ""
		if i == start {
			pre = prefix
		}
		if i == insert {
			pre += "exec "
		}
		c := in.Logical.Text[i]
		esc := jsonString(string(c))
		esc = esc[1 : len(esc)-1]
		if c >= 0x80 {
			esc = string(c) // a byte of a UTF-8 sequence: kept as it is
		}
		off := in.Logical.FileOffset(i)
		switch {
		case esc != string(c):
			edits = append(edits, rewrite.Edit{Start: off, End: off + 1, New: pre + esc})
		case pre != "":
			edits = append(edits, rewrite.Edit{Start: off, End: off, New: pre})
		}
		logical.WriteString(pre + esc)
	}
	after := in.Logical.FileOffset(end-1) + 1
	edits = append(edits, rewrite.Edit{Start: after, End: after, New: `"]`})
	logical.WriteString(`"]`)

	want := append(slices.Clone(argv), text)
	if insert >= 0 {
		want[len(want)-1] = text[:insert-start] + "exec " + text[insert-start:]
	}
	var got []string
	if err := json.Unmarshal([]byte(logical.String()[start:]), &got); err != nil || !slices.Equal(got, want) {
		return nil, "the command could not be written as a JSON string"
	}
	// And on the whole file, as BuildKit parses it.
	out, err := rewrite.Apply(p.Doc.Src, edits)
	if err != nil {
		return nil, ""
	}
	doc, err := rewrite.Parse(p.Doc.Path, out)
	if err != nil || len(doc.Instructions) != len(p.Doc.Instructions) || !doc.Instructions[in.Index].Node.Attributes["json"] ||
		!slices.Equal(nodeWords(doc.Instructions[in.Index]), want) {
		return nil, "the command could not be written as a JSON string"
	}
	title := `Run the command with "exec" through the shell, in JSON form`
	switch {
	case noExec != "":
		title = "Write the shell explicitly, in JSON form (no exec: the program still gets no signals)"
	case insert < 0:
		title = "Write the shell explicitly, in JSON form"
	}
	return &Fix{Title: title, Applicability: Unsafe, Edits: edits}, noExec
}

// execInsert returns the logical offset where `exec ` goes before the last command of
// text, -1 when it is there already or cannot go anywhere (with the reason: the JSON
// form of the shell then keeps the command as it is, the program still without the
// signals), and -2 when the text cannot be written in JSON form at all.
func execInsert(text string, start int, argv []string) (int, string) {
	var lang syntax.LangVariant
	switch path.Base(argv[0]) {
	case "sh", "dash", "ash":
		lang = syntax.LangPOSIX
	case "bash":
		lang = syntax.LangBash
	default:
		return -1, fmt.Sprintf("dfix puts `exec` in commands for sh and bash only, not %s", argv[0])
	}
	if last := argv[len(argv)-1]; len(argv) < 2 || !strings.HasPrefix(last, "-") || strings.HasPrefix(last, "--") || !strings.HasSuffix(last, "c") {
		// SHELL ["/bin/sh", "-c", "script"]: the script runs, the text is its $0.
		return -1, "the SHELL runs a script of its own, which gets the command as $0"
	}
	f, err := syntax.NewParser(syntax.KeepComments(true), syntax.Variant(lang)).Parse(strings.NewReader(text), "")
	if err != nil {
		return -2, "the command is not valid shell for " + argv[0]
	}
	if len(f.Stmts) == 0 {
		return -2, ""
	}
	var why string
	syntax.Walk(f, func(n syntax.Node) bool {
		switch n := n.(type) {
		case *syntax.CallExpr:
			if len(n.Args) > 0 {
				if v, ok := shell.Lit(n.Args[0]); ok && v == "trap" && why == "" {
					why = "the command sets a trap, which would no longer run once the program replaced the shell"
				}
			}
		case *syntax.FuncDecl:
			if why == "" {
				why = "the command defines a function"
			}
		case *syntax.Stmt:
			if (n.Background || n.Coprocess) && why == "" {
				why = "the command starts a background job"
			}
		case *syntax.Redirect:
			if (n.Op == syntax.Hdoc || n.Op == syntax.DashHdoc) && why == "" {
				why = "the command has a here-document"
			}
		}
		return true
	})
	if why != "" {
		return -1, why
	}

	// The last command of the top-level list: the last statement, and in an && chain
	// its right-hand side.
	st := f.Stmts[len(f.Stmts)-1]
	for {
		b, ok := st.Cmd.(*syntax.BinaryCmd)
		if !ok || b.Op != syntax.AndStmt || st.Negated || len(st.Redirs) > 0 {
			break
		}
		st = b.Y
	}
	call, ok := st.Cmd.(*syntax.CallExpr)
	last := "the last command" // of a list; for a single command the reasons match execFormFix's
	if len(f.Stmts) == 1 && st == f.Stmts[0] {
		last = "the command"
	}
	switch {
	case st.Cmd == nil:
		return -1, "the last command is not a program"
	case !ok:
		return -1, "the last command is not a simple program call (it is in a pipeline, a || list, a subshell, a loop...), so `exec` cannot hand it the signals"
	case st.Negated:
		return -1, "the last command is negated with !"
	case len(call.Args) == 0 || len(call.Assigns) > 0:
		return -1, last + " sets shell variables (NAME=value)"
	}
	name, ok := shell.PlainWord(call.Args[0])
	if !ok {
		return -1, "the last command's name needs the shell to expand it"
	}
	switch {
	case name == "exec":
		if len(call.Args) < 2 {
			return -1, "`exec` has no command"
		}
		return -1, ""
	case notExecable(name) && last == "the command":
		return -1, fmt.Sprintf("%q is a shell builtin", name)
	case notExecable(name):
		return -1, fmt.Sprintf("the last command, %q, is a shell builtin", name)
	case strings.HasPrefix(name, "-"):
		return -1, "the last command's name starts with -"
	}
	return start + int(call.Args[0].Pos().Offset()), ""
}

// plainShellOptions are the `-o` options of a SHELL that change nothing a single plain
// command does.
var plainShellOptions = map[string]bool{"pipefail": true, "errexit": true, "nounset": true, "xtrace": true, "noglob": true}

// shellStartup returns why the SHELL in effect at in does more before the command than
// run it, which the exec form would skip: a login or interactive shell reads profile
// files (conda, nvm and the like set PATH there), zsh reads .zshenv, bash reads the
// file an ENV BASH_ENV names, and text after -c runs instead of the command. "" for the
// default /bin/sh -c and a plain `bash -c`, `bash -o pipefail -c`, `sh -ex -c`.
func shellStartup(p *Pass, in *rewrite.Instruction, argv []string) string {
	if argv == nil {
		return ""
	}
	why := fmt.Sprintf("the SHELL %s does more than run the command (startup files, a login shell, a script of its own), which the JSON form would skip", jsonArgv(argv))
	switch shellName(argv) {
	case "sh", "bash", "dash", "ash":
	default:
		return why
	}
	args, sawC := argv[1:], false
	for i := 0; i < len(args); i++ {
		a := args[i]
		if len(a) < 2 || a[0] != '-' || a[1] == '-' {
			return why
		}
		for k := 1; k < len(a); k++ {
			switch a[k] {
			case 'e', 'u', 'x', 'f':
			case 'o':
				i++
				if i >= len(args) || !plainShellOptions[args[i]] {
					return why
				}
			case 'c':
				if k != len(a)-1 || i != len(args)-1 {
					return why
				}
				sawC = true
			default:
				return why
			}
		}
	}
	if !sawC {
		return why
	}
	if shellName(argv) == "bash" {
		if _, set := p.Facts.Vars(in, VarOptions{Values: ValuesAsWritten})["BASH_ENV"]; set {
			return "the SHELL is bash and ENV sets BASH_ENV: bash reads that file before the command, which the JSON form would skip"
		}
	}
	return ""
}

// jsonArgv writes a SHELL argv as the Dockerfile shows it.
func jsonArgv(argv []string) string {
	parts := make([]string, len(argv))
	for i, a := range argv {
		parts[i] = jsonString(a)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// readsPositional reports whether the text of a shell-form instruction reads the
// positional parameters ($0, $1, $@, $*, $#, shift, getopts, set --); true when it does
// not parse.
func readsPositional(in *rewrite.Instruction) bool {
	if in.Logical == nil {
		return true
	}
	s, err := shell.ParseAt(in, in.ArgsStart)
	if err != nil {
		return true
	}
	found := false
	syntax.Walk(s.File, func(n syntax.Node) bool {
		switch n := n.(type) {
		case *syntax.ParamExp:
			if n.Param != nil && (strings.ContainsAny(n.Param.Value, "0123456789@*#") && strings.Trim(n.Param.Value, "0123456789@*#") == "") {
				found = true
			}
		case *syntax.CallExpr:
			if len(n.Args) > 0 {
				if v, ok := shell.Lit(n.Args[0]); ok && (v == "shift" || v == "getopts" || v == "set") {
					found = true
				}
			}
		}
		return !found
	})
	return found
}

// entrypointImages are official images whose ENTRYPOINT script does more when its first
// argument is the image's program (drops root with gosu, initialises a database, runs
// /docker-entrypoint.d hooks): a shell-form CMD hands it `/bin/sh` instead, so the JSON
// form changes what runs. Keyed by the image name's last part.
var entrypointImages = map[string]bool{
	"nginx": true, "nginx-unprivileged": true, "postgres": true, "postgis": true, "timescaledb": true,
	"mysql": true, "mariadb": true, "percona": true, "mongo": true, "redis": true, "rabbitmq": true,
	"elasticsearch": true, "kibana": true, "logstash": true, "memcached": true, "haproxy": true,
	"cassandra": true, "couchdb": true, "influxdb": true, "zookeeper": true, "solr": true, "neo4j": true,
	"wordpress": true, "ghost": true, "nextcloud": true, "jenkins": true, "sonarqube": true,
	"consul": true, "vault": true, "eclipse-mosquitto": true,
}

// imageEntrypointReadsArgs returns the name of a base image (as Stage.ref reads it)
// whose ENTRYPOINT looks at its first argument, "" for any other.
func imageEntrypointReadsArgs(ref string) string {
	r, ok := parseImageRef(ref)
	if !ok {
		return ""
	}
	if base := path.Base(r.name); entrypointImages[base] {
		return base
	}
	return ""
}
