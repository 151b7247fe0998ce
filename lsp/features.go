package lsp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/dfix-dev/dfix/fix"
	"github.com/dfix-dev/dfix/rewrite"
	"github.com/sourcegraph/jsonrpc2"
)

// Commands of workspace/executeCommand.
const (
	// CommandFixAll applies what `dfix -w` would to a document: arguments
	// [{"uri": URI}] or [URI].
	CommandFixAll = "dfix.fixAll"
	// CommandApplyEdit applies a workspace edit (the code actions' edits, for clients
	// that take commands rather than code action literals): arguments [WorkspaceEdit].
	CommandApplyEdit = "dfix.applyEdit"
)

// RuleURL returns the address of a rule's documentation, the code description of its
// diagnostics.
var RuleURL = func(r *fix.Rule) string {
	return "https://github.com/dfix-dev/dfix/blob/main/README.md#rules"
}

// ruleTags are the diagnostic tags of the rules whose findings are deprecated or
// unnecessary text (editors strike it through or fade it).
var ruleTags = map[string]int{
	"maintainer-to-label":       TagDeprecated,
	"legacy-key-value":          TagDeprecated,
	"redundant-target-platform": TagUnnecessary,
	"no-empty-continuation":     TagUnnecessary,
}

// diagnostics converts what dfix found in a version of a document.
func (s *Server) diagnostics(a *analysis, out outcome) []Diagnostic {
	diags := []Diagnostic{}
	if out.err != nil {
		return append(diags, errorDiagnostic(a, out.err))
	}
	if out.note != "" {
		return append(diags, Diagnostic{Range: a.lines.Range(0, a.lines.contentEnd(0)), Severity: SeverityInformation,
			Source: "dfix", Message: out.note})
	}
	for _, f := range out.res.Findings {
		diags = append(diags, findingDiagnostic(a, f))
	}
	return diags
}

// errorDiagnostic is the one diagnostic of a document dfix cannot read: at the line
// the parser names (the first line when it names none), or a configuration error.
func errorDiagnostic(a *analysis, err error) Diagnostic {
	off := 0
	msg := err.Error()
	var pe *rewrite.ParseError
	if errors.As(err, &pe) {
		msg = "cannot parse the Dockerfile: " + pe.Err.Error()
		// The parser's line n starts after its (n-1)th LF: it takes no lone CR for a
		// line break, where the editor does.
		for n := 1; n < pe.Line; n++ {
			i := bytes.IndexByte(a.text[off:], '\n')
			if i < 0 {
				break
			}
			off += i + 1
		}
	}
	line := a.lines.lineOf(off)
	start := a.lines.starts[line]
	return Diagnostic{Range: a.lines.Range(start, a.lines.contentEnd(line)), Severity: SeverityError,
		Source: "dfix", Message: msg}
}

func findingDiagnostic(a *analysis, f fix.Diagnostic) Diagnostic {
	r := f.Rule
	msg := f.Message
	if f.Help != "" {
		msg += " (" + f.Help + ")"
	}
	data := &DiagnosticData{Rule: r.Name}
	codes := append(append([]string{}, r.Hadolint...), r.BuildKit...)
	if f.Fix != nil {
		data.Applicability = f.Fix.Applicability.String()
		if f.Fix.Applicability != fix.DisplayOnly {
			msg += " [fix: " + f.Fix.Title
			if f.Fix.Applicability == fix.Unsafe {
				msg += ", unsafe"
			}
			msg += "]"
		}
	}
	if len(codes) > 0 {
		msg += " (" + strings.Join(codes, ", ") + ")"
	}
	d := Diagnostic{
		Range: a.lines.Range(f.Start, f.End), Severity: SeverityWarning, Code: r.Name,
		CodeDescription: &CodeDescription{Href: RuleURL(r)}, Source: "dfix", Message: msg, Data: data,
	}
	if t, ok := ruleTags[r.Name]; ok {
		d.Tags = []int{t}
	}
	return d
}

// kindWanted reports whether a code action of kind is among those asked for: "only"
// names kinds and their parents ("source" asks for "source.fixAll.dfix").
func kindWanted(kind string, only []string) bool {
	if len(only) == 0 {
		return true
	}
	for _, o := range only {
		if kind == o || strings.HasPrefix(kind, o+".") {
			return true
		}
	}
	return false
}

// edit wraps text edits of a version of a document as a workspace edit.
func (s *Server) edit(a *analysis, edits []TextEdit) *WorkspaceEdit {
	s.mu.Lock()
	versioned := s.caps.Workspace.WorkspaceEdit.DocumentChanges
	s.mu.Unlock()
	if versioned {
		return &WorkspaceEdit{DocumentChanges: []TextDocumentEdit{{
			TextDocument: VersionedTextDocumentIdentifier{URI: a.doc.uri, Version: a.version}, Edits: edits}}}
	}
	return &WorkspaceEdit{Changes: map[string][]TextEdit{a.doc.uri: edits}}
}

func (s *Server) codeAction(p CodeActionParams) answerFunc {
	a := s.snapshot(p.TextDocument.URI)
	return func(ctx context.Context) (any, error) {
		actions := []CodeAction{}
		if a == nil {
			return actions, nil
		}
		out, err := s.checked(ctx, a)
		if err != nil {
			return nil, err
		}
		if out.err != nil || out.note != "" {
			return actions, nil
		}
		from, to := a.lines.Offset(p.Range.Start), a.lines.Offset(p.Range.End)
		if kindWanted(KindQuickFix, p.Context.Only) {
			ignores := map[string]bool{} // two findings of a rule: one "ignore" each way
			for _, f := range out.res.Findings {
				// A finding is at the cursor when the ranges meet (an empty range at its
				// end included).
				if f.Start > to || max(f.End, f.Start) < from {
					continue
				}
				for _, ca := range s.findingActions(a, out.res.Doc, f) {
					if strings.HasPrefix(ca.Title, "dfix: ignore ") {
						if ignores[ca.Title] {
							continue
						}
						ignores[ca.Title] = true
					}
					actions = append(actions, ca)
				}
			}
		}
		if kindWanted(KindFixAll, p.Context.Only) {
			fixed, err := s.fixed(ctx, a)
			if err != nil {
				return nil, err
			}
			if fixed.err == nil && fixed.note == "" && fixed.res.Changed() {
				title := "dfix: fix all (safe fixes)"
				for _, f := range fixed.res.Fixed {
					if f.Fix.Applicability == fix.Unsafe {
						title = "dfix: fix all (safe and unsafe fixes, as configured)"
						break
					}
				}
				actions = append(actions, CodeAction{Title: title, Kind: KindFixAll,
					Edit: s.edit(a, a.lines.TextEdits(fixed.res.Edits))})
			}
		}
		return s.literalsOrCommands(actions), nil
	}
}

// findingActions are the quick fixes of one finding: its fix when it has one that can
// be applied, and the comments that turn its rule off here or in the whole file.
func (s *Server) findingActions(a *analysis, doc *rewrite.Document, f fix.Diagnostic) []CodeAction {
	diag := []Diagnostic{findingDiagnostic(a, f)}
	var out []CodeAction
	if f.Fix != nil && f.Fix.Applicability != fix.DisplayOnly && len(f.Fix.Edits) > 0 && fixKeepsFile(doc, f.Fix) {
		title := "dfix: " + f.Fix.Title
		if f.Fix.Applicability == fix.Unsafe {
			title += " (unsafe: may change what gets built)"
		}
		out = append(out, CodeAction{
			Title: title, Kind: KindQuickFix, Diagnostics: diag,
			IsPreferred: f.Fix.Applicability == fix.Safe,
			Edit:        s.edit(a, a.lines.TextEdits(f.Fix.Edits)),
		})
	}
	if e, ok := IgnoreHere(doc, f); ok {
		out = append(out, CodeAction{Title: "dfix: ignore " + f.Rule.Name + " here", Kind: KindQuickFix,
			Diagnostics: diag, Edit: s.edit(a, a.lines.TextEdits([]rewrite.Edit{e}))})
	}
	if e, ok := IgnoreInFile(doc, f.Rule); ok {
		out = append(out, CodeAction{Title: "dfix: ignore " + f.Rule.Name + " in this file", Kind: KindQuickFix,
			Diagnostics: diag, Edit: s.edit(a, a.lines.TextEdits([]rewrite.Edit{e}))})
	}
	return out
}

// fixKeepsFile reports whether a fix applied alone leaves a Dockerfile that parses,
// as the driver requires of every fix it applies.
func fixKeepsFile(doc *rewrite.Document, fx *fix.Fix) bool {
	out, err := rewrite.Apply(doc.Src, fx.Edits)
	if err != nil {
		return false
	}
	_, err = rewrite.Parse(doc.Path, out)
	return err == nil
}

// literalsOrCommands returns the actions as they are, or as commands for a client
// that does not take code action literals.
func (s *Server) literalsOrCommands(actions []CodeAction) any {
	s.mu.Lock()
	literals := s.caps.TextDocument.CodeAction.CodeActionLiteralSupport != nil
	s.mu.Unlock()
	if literals {
		return actions
	}
	cmds := []Command{}
	for _, ca := range actions {
		cmds = append(cmds, Command{Title: ca.Title, Command: CommandApplyEdit, Arguments: []any{ca.Edit}})
	}
	return cmds
}

// IgnoreHere returns the edit that turns f's rule off for its instruction, as
// fix/suppress.go reads it: the rule is added
// to a `# dfix ignore=` comment in the block of comment lines right above the
// instruction, or a new comment line is written above it, with the instruction's
// indentation and its line's line ending. ok is false for a finding outside every
// instruction (a parser directive), which no such comment turns off, and when a
// comment there names the rule already.
func IgnoreHere(doc *rewrite.Document, f fix.Diagnostic) (rewrite.Edit, bool) {
	in := fix.InstructionAt(doc, f.Start)
	if in == nil {
		return rewrite.Edit{}, false
	}
	if li, names := fix.IgnoreComment(doc, in); li >= 0 {
		if named(names, f.Rule.Name) {
			return rewrite.Edit{}, false
		}
		return fix.ExtendIgnore(doc, li, []string{f.Rule.Name}), true
	}
	return fix.IgnoreAbove(doc, in, []string{f.Rule.Name}), true
}

// IgnoreInFile returns the edit that turns rule r off for the whole file: added to a
// `# dfix global ignore=` comment, or a new one after the parser directives (a comment
// before them would end them). ok is false when a comment names the rule already.
func IgnoreInFile(doc *rewrite.Document, r *fix.Rule) (rewrite.Edit, bool) {
	if li, names := fix.GlobalIgnoreComment(doc); li >= 0 {
		if named(names, r.Name) {
			return rewrite.Edit{}, false
		}
		return fix.ExtendIgnore(doc, li, []string{r.Name}), true
	}
	li := len(doc.Directives())
	at := doc.LineStart(li)
	eol := doc.EOL
	if li < doc.NumLines() {
		eol = doc.LineEOL(li)
	}
	prefix := ""
	if li == 0 && doc.BOM {
		at += len("\ufeff")
		prefix = eol
	}
	return rewrite.Edit{Start: at, End: at, New: prefix + "# dfix global ignore=" + r.Name + eol}, true
}

// named reports whether a comment's list names the rule already.
func named(names []string, rule string) bool {
	return slices.ContainsFunc(names, func(n string) bool { return strings.EqualFold(n, rule) })
}

func (s *Server) formatting(p DocumentFormattingParams) answerFunc {
	a := s.snapshot(p.TextDocument.URI)
	return func(ctx context.Context) (any, error) {
		if a == nil {
			return nil, nil
		}
		out, err := s.fixed(ctx, a)
		if err != nil {
			return nil, err
		}
		if out.err != nil || out.note != "" {
			return []TextEdit{}, nil // left as it is, as -w leaves it
		}
		return a.lines.TextEdits(out.res.Edits), nil
	}
}

func (s *Server) hover(p TextDocumentPositionParams) answerFunc {
	a := s.snapshot(p.TextDocument.URI)
	return func(ctx context.Context) (any, error) {
		if a == nil {
			return nil, nil
		}
		out, err := s.checked(ctx, a)
		if err != nil {
			return nil, err
		}
		if out.res == nil {
			return nil, nil
		}
		off := a.lines.Offset(p.Position)
		var parts []string
		seen := map[string]bool{}
		var rng *Range
		for _, f := range out.res.Findings {
			if off < f.Start || off > max(f.End, f.Start) {
				continue
			}
			if rng == nil {
				r := a.lines.Range(f.Start, f.End)
				rng = &r
			}
			head := fmt.Sprintf("**dfix `%s`**: %s", f.Rule.Name, f.Message)
			if f.Help != "" {
				head += " (" + f.Help + ")"
			}
			if f.Fix != nil && f.Fix.Applicability != fix.DisplayOnly {
				head += fmt.Sprintf("\n\nFix (%s): %s", f.Fix.Applicability, f.Fix.Title)
			}
			parts = append(parts, head)
			if !seen[f.Rule.Name] {
				seen[f.Rule.Name] = true
				parts = append(parts, s.engine.Explain(f.Rule))
			}
		}
		if len(parts) == 0 {
			return nil, nil
		}
		s.mu.Lock()
		formats := s.caps.TextDocument.Hover.ContentFormat
		s.mu.Unlock()
		kind := "markdown"
		if len(formats) > 0 && formats[0] == "plaintext" {
			kind = "plaintext"
		}
		return &Hover{Contents: MarkupContent{Kind: kind, Value: strings.Join(parts, "\n\n---\n\n")}, Range: rng}, nil
	}
}

func (s *Server) executeCommand(p ExecuteCommandParams) (answerFunc, *jsonrpc2.Error) {
	bad := func(msg string) (answerFunc, *jsonrpc2.Error) {
		return nil, &jsonrpc2.Error{Code: codeInvalidParams, Message: p.Command + ": " + msg}
	}
	switch p.Command {
	case CommandFixAll:
		if len(p.Arguments) != 1 {
			return bad("takes one argument, the document's URI")
		}
		var uri string
		var td TextDocumentIdentifier
		if json.Unmarshal(p.Arguments[0], &uri) != nil {
			if json.Unmarshal(p.Arguments[0], &td) != nil || td.URI == "" {
				return bad("the argument is not a URI nor {\"uri\": URI}")
			}
			uri = td.URI
		}
		a := s.snapshot(uri)
		if a == nil {
			return bad(uri + " is not an open Dockerfile")
		}
		return func(ctx context.Context) (any, error) {
			out, err := s.fixed(ctx, a)
			if err != nil {
				return nil, err
			}
			switch {
			case out.err != nil:
				return nil, &jsonrpc2.Error{Code: codeInvalidRequest, Message: "dfix: " + out.err.Error()}
			case out.note != "" || !out.res.Changed():
				return nil, nil
			}
			return nil, s.applyEdit(ctx, "dfix: fix all", *s.edit(a, a.lines.TextEdits(out.res.Edits)))
		}, nil
	case CommandApplyEdit:
		if len(p.Arguments) != 1 {
			return bad("takes one argument, a workspace edit")
		}
		var we WorkspaceEdit
		if err := json.Unmarshal(p.Arguments[0], &we); err != nil {
			return bad(err.Error())
		}
		return func(ctx context.Context) (any, error) { return nil, s.applyEdit(ctx, "dfix", we) }, nil
	}
	return nil, &jsonrpc2.Error{Code: codeInvalidParams, Message: "unknown command " + p.Command}
}

// applyEdit asks the client to apply a workspace edit.
func (s *Server) applyEdit(ctx context.Context, label string, we WorkspaceEdit) error {
	var res ApplyWorkspaceEditResult
	if err := s.call(ctx, "workspace/applyEdit", ApplyWorkspaceEditParams{Label: label, Edit: we}, &res); err != nil {
		return err
	}
	if !res.Applied {
		msg := "the editor did not apply the edit"
		if res.FailureReason != "" {
			msg += ": " + res.FailureReason
		}
		return &jsonrpc2.Error{Code: codeContentModified, Message: msg}
	}
	return nil
}
