package fix

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/dfix-dev/dfix/fix/shell"
	"github.com/dfix-dev/dfix/rewrite"
	"mvdan.cc/sh/v3/syntax"
)

// shellOnly are commands that exist only inside a shell: in exec form there is no
// program of that name to run.
var shellOnly = map[string]bool{
	"cd": true, "export": true, "set": true, "unset": true, "source": true, ".": true,
	"eval": true, "exit": true, "alias": true, "ulimit": true, "umask": true, "trap": true,
	"read": true, "shift": true, "wait": true, "return": true, "readonly": true, "local": true,
	"declare": true, "typeset": true, "builtin": true, "let": true, ":": true, "shopt": true,
}

func checkExecForm(p *Pass) {
	for _, in := range p.Doc.Instructions {
		if in.Keyword != "cmd" && in.Keyword != "entrypoint" {
			continue
		}
		if in.Logical == nil || in.Node.Attributes["json"] || in.Args() == "" {
			continue
		}
		kw, _ := in.KeywordSpan()
		d := Diagnostic{
			Start:   kw.Start,
			End:     kw.End,
			Message: fmt.Sprintf("%s in shell form: the command runs under /bin/sh -c and does not receive signals", strings.ToUpper(in.Keyword)),
		}
		if !p.Facts.PosixShell(in) {
			continue // Windows shells: the word splitting rules differ; leave it to people
		}
		fix, why := execFormFix(in)
		if fix == nil {
			d.Help = why + "; write the JSON form by hand, or make the shell explicit: " +
				strings.ToUpper(in.Keyword) + ` ["/bin/sh", "-c", "..."]`
			d.Fix = &Fix{Title: "Use the JSON (exec) form", Applicability: DisplayOnly}
		} else {
			d.Fix = fix
		}
		p.Report(d)
	}
}

// execFormFix converts a shell-form command made only of plain words to exec form. Each
// word is replaced where it stands, so line continuations and comment lines between the
// words stay as they are. It returns the reason when it cannot.
func execFormFix(in *rewrite.Instruction) (*Fix, string) {
	s, err := shell.Parse(in)
	if err != nil {
		return nil, "the command is not valid shell"
	}
	f := s.File
	if len(f.Last) > 0 || len(f.Stmts) != 1 {
		if len(f.Last) > 0 {
			return nil, "the command ends in a shell comment"
		}
		return nil, "the command is a list of several commands"
	}
	st := f.Stmts[0]
	call, ok := st.Cmd.(*syntax.CallExpr)
	if !ok || st.Negated || st.Background || st.Coprocess || len(st.Redirs) > 0 || len(st.Comments) > 0 || len(call.Assigns) > 0 {
		return nil, "the command uses shell features (operators, redirections, variables or comments)"
	}
	words := make([]string, len(call.Args))
	for i, w := range call.Args {
		v, ok := shell.PlainWord(w)
		if !ok {
			return nil, "the command uses shell expansions, quoting or globs"
		}
		if _, _, ok := s.WordSpan(w); !ok {
			return nil, "a word is split across lines"
		}
		words[i] = v
	}
	first := 0
	if words[0] == "exec" && len(words) > 1 {
		first = 1 // exec is a shell builtin; the exec form runs the program directly
	}
	if shellOnly[words[first]] || strings.HasPrefix(words[first], "-") {
		return nil, fmt.Sprintf("%q is a shell builtin", words[first])
	}
	var edits []rewrite.Edit
	last := len(words) - 1
	for i := first; i <= last; i++ {
		start, end, _ := s.WordSpan(call.Args[i])
		if i == first && first == 1 {
			start, _, _ = s.WordSpan(call.Args[0])
			if !in.Logical.Contiguous(s.Logical(call.Args[0].Pos()), s.Logical(call.Args[1].End())) {
				return nil, "`exec` is on another line than the command"
			}
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
		edits = append(edits, rewrite.Edit{Start: start, End: end, New: text})
	}
	app := Safe
	if in.Keyword == "entrypoint" {
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
