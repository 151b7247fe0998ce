package lsp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dfix-dev/dfix/fix"
	"github.com/dfix-dev/dfix/lsp/lsptest"
	"github.com/dfix-dev/dfix/rewrite"
)

// testEngine runs the default rules with fix.Run, as the command line does without a
// configuration file. block, when set, holds every run until its context ends.
type testEngine struct {
	rules      []*fix.Rule
	unsafe     bool
	configured atomic.Int32
	settings   atomic.Value // Settings
	block      atomic.Bool
	runs       atomic.Int32
}

func newTestEngine() *testEngine {
	rules, _ := fix.Select(fix.Rules(), nil, nil)
	return &testEngine{rules: rules}
}

func (e *testEngine) Configure(s Settings) error {
	for _, n := range s.Select {
		if fix.Lookup(fix.Rules(), n) == nil {
			return errors.New("--select: unknown rule " + n)
		}
	}
	e.configured.Add(1)
	e.settings.Store(s)
	return nil
}

func (e *testEngine) Run(ctx context.Context, path string, text []byte, write bool) (*fix.Result, string, error) {
	e.runs.Add(1)
	if e.block.Load() {
		<-ctx.Done()
		return nil, "", ctx.Err()
	}
	unsafe := e.unsafe
	if s, ok := e.settings.Load().(Settings); ok && s.UnsafeFixes != nil {
		unsafe = *s.UnsafeFixes
	}
	res, err := fix.Run(path, text, fix.Options{Rules: e.rules, UnsafeFixes: unsafe, NoFix: !write})
	return res, "", err
}

func (e *testEngine) Explain(r *fix.Rule) string { return "EXPLAIN " + r.Name + ": " + r.Doc }

func (e *testEngine) IsDockerfile(path, languageID string) bool {
	return languageID == "dockerfile"
}

// session is a server on a pipe with a test client.
type session struct {
	t      *testing.T
	c      *lsptest.Client
	srv    *Server
	eng    *testEngine
	code   chan int
	toSrv  io.WriteCloser
	enc    string
	closed sync.Once
}

func start(t *testing.T, eng *testEngine) *session {
	t.Helper()
	cr, sw := io.Pipe() // server -> client
	sr, cw := io.Pipe() // client -> server
	srv := NewServer(eng, Options{Log: testLog{t}, Version: "test", Debounce: 5 * time.Millisecond})
	s := &session{t: t, srv: srv, eng: eng, code: make(chan int, 1), toSrv: cw, enc: "utf-16"}
	go func() { s.code <- srv.Serve(context.Background(), sr, sw) }()
	s.c = lsptest.New(cr, cw)
	t.Cleanup(func() { cw.Close(); cr.Close() })
	return s
}

type testLog struct{ t *testing.T }

func (l testLog) Write(b []byte) (int, error) {
	l.t.Log(strings.TrimRight(string(b), "\n"))
	return len(b), nil
}

// initialize sends initialize and initialized with client capabilities caps.
func (s *session) initialize(caps map[string]any, options any) InitializeResult {
	s.t.Helper()
	var res InitializeResult
	params := map[string]any{"processId": nil, "rootUri": "file:///work", "capabilities": caps}
	if options != nil {
		params["initializationOptions"] = options
	}
	if err := s.c.Call("initialize", params, &res); err != nil {
		s.t.Fatal(err)
	}
	if res.Capabilities.PositionEncoding != "" {
		s.enc = res.Capabilities.PositionEncoding
	}
	if err := s.c.Notify("initialized", map[string]any{}); err != nil {
		s.t.Fatal(err)
	}
	return res
}

// fullCaps are the capabilities of a modern client.
func fullCaps() map[string]any {
	return map[string]any{
		"workspace": map[string]any{"applyEdit": true, "workspaceEdit": map[string]any{"documentChanges": true},
			"didChangeWatchedFiles": map[string]any{"dynamicRegistration": true}},
		"textDocument": map[string]any{
			"codeAction":         map[string]any{"codeActionLiteralSupport": map[string]any{}, "isPreferredSupport": true},
			"publishDiagnostics": map[string]any{"versionSupport": true},
			"hover":              map[string]any{"contentFormat": []string{"markdown", "plaintext"}},
		},
	}
}

func (s *session) shutdown() int {
	s.t.Helper()
	if err := s.c.Call("shutdown", nil, nil); err != nil {
		s.t.Fatal(err)
	}
	if err := s.c.Notify("exit", nil); err != nil {
		s.t.Fatal(err)
	}
	select {
	case code := <-s.code:
		return code
	case <-time.After(10 * time.Second):
		s.t.Fatal("the server did not stop after exit")
	}
	return -1
}

// diagnostics waits for the diagnostics of a version of a document.
func (s *session) diagnostics(uri string, version int) PublishDiagnosticsParams {
	s.t.Helper()
	raw, err := s.c.WaitNotification("textDocument/publishDiagnostics", 0, func(p json.RawMessage) bool {
		var d PublishDiagnosticsParams
		return json.Unmarshal(p, &d) == nil && d.URI == uri && (version < 0 || d.Version != nil && *d.Version == version)
	})
	if err != nil {
		s.t.Fatal(err)
	}
	var d PublishDiagnosticsParams
	if err := json.Unmarshal(raw, &d); err != nil {
		s.t.Fatal(err)
	}
	return d
}

func toClient(tes []TextEdit) []lsptest.TextEdit {
	var out []lsptest.TextEdit
	for _, e := range tes {
		out = append(out, lsptest.TextEdit{Range: lsptest.Range{Start: lsptest.Position(e.Range.Start),
			End: lsptest.Position(e.Range.End)}, NewText: e.NewText})
	}
	return out
}

func (s *session) apply(text string, tes []TextEdit) string {
	s.t.Helper()
	out, err := lsptest.Apply(text, toClient(tes), s.enc)
	if err != nil {
		s.t.Fatal(err)
	}
	return out
}

func (s *session) open(uri, text string) {
	s.t.Helper()
	if err := s.c.Notify("textDocument/didOpen", map[string]any{"textDocument": map[string]any{
		"uri": uri, "languageId": "dockerfile", "version": 1, "text": text}}); err != nil {
		s.t.Fatal(err)
	}
}

// The Dockerfile of the protocol tests: a non-ASCII comment (2-unit characters in
// UTF-16 before the findings on the same line would shift every column), CRLF lines.
const protoSrc = "# sévère 😀 comment\r\nFROM debian:12\r\nRUN echo \"😀\" && apt-get update && apt-get install -y curl\r\n" +
	"MAINTAINER me 😀\r\n    CMD python app.py\r\n"

func wantOutput(t *testing.T, src string, unsafe bool) string {
	t.Helper()
	res, err := fix.Run("Dockerfile", []byte(src), fix.Options{Rules: newTestEngine().rules, UnsafeFixes: unsafe})
	if err != nil {
		t.Fatal(err)
	}
	return string(res.Output)
}

func TestProtocol(t *testing.T) {
	for _, enc := range []string{"utf-16", "utf-8", "utf-32"} {
		t.Run(enc, func(t *testing.T) { testProtocol(t, enc) })
	}
}

func testProtocol(t *testing.T, enc string) {
	s := start(t, newTestEngine())
	caps := fullCaps()
	if enc != "utf-16" {
		caps["general"] = map[string]any{"positionEncodings": []string{enc, "utf-16"}}
	}
	init := s.initialize(caps, nil)
	if init.Capabilities.TextDocumentSync.Change != SyncIncremental || !init.Capabilities.DocumentFormattingProvider ||
		!init.Capabilities.HoverProvider || init.ServerInfo.Name != "dfix" {
		t.Fatalf("capabilities: %+v", init)
	}
	if s.enc != enc {
		t.Fatalf("position encoding %q, want %q", s.enc, enc)
	}
	uri := "file:///work/Dockerfile"
	text := protoSrc
	s.open(uri, text)

	// Diagnostics on open: each range names the finding's bytes, in the client's
	// arithmetic.
	d := s.diagnostics(uri, 1)
	res, err := fix.Run("Dockerfile", []byte(text), fix.Options{Rules: s.eng.rules, NoFix: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Diagnostics) != len(res.Findings) || len(d.Diagnostics) < 3 {
		t.Fatalf("%d diagnostics, want %d: %+v", len(d.Diagnostics), len(res.Findings), d.Diagnostics)
	}
	byRule := map[string]Diagnostic{}
	for i, f := range res.Findings {
		g := d.Diagnostics[i]
		byRule[g.Code] = g
		start, err1 := lsptest.Offset(text, lsptest.Position(g.Range.Start), enc)
		end, err2 := lsptest.Offset(text, lsptest.Position(g.Range.End), enc)
		if err1 != nil || err2 != nil || start != f.Start || end != f.End {
			t.Errorf("%s: range %+v is bytes [%d,%d), want [%d,%d) (%v %v)", f.Rule.Name, g.Range, start, end, f.Start, f.End, err1, err2)
		}
		if g.Code != f.Rule.Name || g.Source != "dfix" || g.Severity != SeverityWarning || g.CodeDescription == nil ||
			g.Data == nil || g.Data.Rule != f.Rule.Name {
			t.Errorf("diagnostic %+v", g)
		}
	}
	m := byRule["maintainer-to-label"]
	if len(m.Tags) != 1 || m.Tags[0] != TagDeprecated || !strings.Contains(m.Message, "DL4000") || !strings.Contains(m.Message, "MaintainerDeprecated") {
		t.Errorf("maintainer-to-label: tags %v, message %q: want deprecated, both codes", m.Tags, m.Message)
	}
	if _, ok := byRule["exec-form"]; !ok {
		t.Fatalf("no exec-form diagnostic: %+v", d.Diagnostics)
	}

	// Hover on the CMD finding: the rule's explain text.
	var hover Hover
	if err := s.c.Call("textDocument/hover", map[string]any{"textDocument": map[string]any{"uri": uri},
		"position": byRule["exec-form"].Range.Start}, &hover); err != nil {
		t.Fatal(err)
	}
	if hover.Contents.Kind != "markdown" || !strings.Contains(hover.Contents.Value, "EXPLAIN exec-form") {
		t.Errorf("hover: %+v", hover)
	}

	// Code actions at the apt finding: its unsafe fix, labelled and not preferred.
	var actions []CodeAction
	nir := byRule["no-install-recommends"]
	if err := s.c.Call("textDocument/codeAction", map[string]any{"textDocument": map[string]any{"uri": uri},
		"range": nir.Range, "context": map[string]any{"diagnostics": []Diagnostic{nir}}}, &actions); err != nil {
		t.Fatal(err)
	}
	var unsafeFix, ignoreHere, fixAll *CodeAction
	for i, a := range actions {
		switch {
		case a.Kind == KindFixAll:
			fixAll = &actions[i]
		case strings.Contains(a.Title, "ignore no-install-recommends here"):
			ignoreHere = &actions[i]
		case strings.Contains(a.Title, "--no-install-recommends"):
			unsafeFix = &actions[i]
		}
	}
	if unsafeFix == nil || !strings.Contains(unsafeFix.Title, "unsafe") || unsafeFix.IsPreferred {
		t.Fatalf("no unsafe quick fix labelled as such and not preferred in %+v", actions)
	}
	if ignoreHere == nil || fixAll == nil {
		t.Fatalf("want an ignore action and a fix-all action in %+v", actions)
	}
	edits := func(a *CodeAction) []TextEdit {
		if a.Edit == nil || len(a.Edit.DocumentChanges) != 1 || a.Edit.DocumentChanges[0].TextDocument.Version != 1 {
			t.Fatalf("%q: edit %+v: want versioned document changes", a.Title, a.Edit)
		}
		return a.Edit.DocumentChanges[0].Edits
	}
	if got, want := s.apply(text, edits(fixAll)), wantOutput(t, text, false); got != want {
		t.Errorf("fix all:\n%q\nwant\n%q", got, want)
	}
	if got := s.apply(text, edits(unsafeFix)); !strings.Contains(got, "install --no-install-recommends -y curl") {
		t.Errorf("unsafe fix gave %q", got)
	}
	ignored := s.apply(text, edits(ignoreHere))
	if !strings.Contains(ignored, "\r\n# dfix ignore=no-install-recommends\r\nRUN echo") {
		t.Errorf("ignore comment: %q", ignored)
	}
	after, err := fix.Run("Dockerfile", []byte(ignored), fix.Options{Rules: s.eng.rules, NoFix: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range after.Findings {
		if f.Rule.Name == "no-install-recommends" {
			t.Errorf("the ignore comment does not turn the rule off: %q", ignored)
		}
	}

	// The safe quick fix of exec-form (indented CMD) is preferred.
	ef := byRule["exec-form"]
	actions = nil
	if err := s.c.Call("textDocument/codeAction", map[string]any{"textDocument": map[string]any{"uri": uri},
		"range": ef.Range, "context": map[string]any{"diagnostics": []Diagnostic{}, "only": []string{"quickfix"}}}, &actions); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, a := range actions {
		if a.Kind != KindQuickFix {
			t.Errorf("only quickfix asked, got %q (%s)", a.Title, a.Kind)
		}
		if strings.Contains(a.Title, "ignore exec-form here") {
			if got := s.apply(text, a.Edit.DocumentChanges[0].Edits); !strings.Contains(got, "\r\n    # dfix ignore=exec-form\r\n    CMD") {
				t.Errorf("the ignore comment does not take the instruction's indentation: %q", got)
			}
		}
		if a.IsPreferred {
			found = true
			if strings.Contains(a.Title, "unsafe") {
				t.Errorf("preferred unsafe fix %q", a.Title)
			}
		}
	}
	if !found {
		t.Errorf("no preferred safe fix for exec-form in %+v", actions)
	}

	// An incremental change (the CMD line rewritten), then diagnostics for version 2.
	lines := strings.SplitAfter(text, "\r\n")
	cmdLine := 4
	newCmd := "    CMD [\"python\", \"app.py\"]"
	change := map[string]any{"range": map[string]any{"start": map[string]any{"line": cmdLine, "character": 0},
		"end": map[string]any{"line": cmdLine, "character": 1000}}, "text": newCmd}
	if err := s.c.Notify("textDocument/didChange", map[string]any{"textDocument": map[string]any{"uri": uri, "version": 2},
		"contentChanges": []any{change}}); err != nil {
		t.Fatal(err)
	}
	lines[cmdLine] = newCmd + "\r\n"
	text = strings.Join(lines, "")
	d2 := s.diagnostics(uri, 2)
	for _, g := range d2.Diagnostics {
		if g.Code == "exec-form" {
			t.Errorf("exec-form still reported after the change: %+v", d2.Diagnostics)
		}
	}

	// Formatting = the safe fixes, as -w.
	var fmtEdits []TextEdit
	if err := s.c.Call("textDocument/formatting", map[string]any{"textDocument": map[string]any{"uri": uri},
		"options": map[string]any{"tabSize": 4, "insertSpaces": true}}, &fmtEdits); err != nil {
		t.Fatal(err)
	}
	if got, want := s.apply(text, fmtEdits), wantOutput(t, text, false); got != want {
		t.Errorf("formatting:\n%q\nwant\n%q", got, want)
	}

	// A full-text change, then dfix.fixAll through workspace/applyEdit.
	text = "FROM alpine\nMAINTAINER x\nCMD a b\n"
	if err := s.c.Notify("textDocument/didChange", map[string]any{"textDocument": map[string]any{"uri": uri, "version": 3},
		"contentChanges": []any{map[string]any{"text": text}}}); err != nil {
		t.Fatal(err)
	}
	var applied []TextEdit
	s.c.Handlers["workspace/applyEdit"] = func(p json.RawMessage) (any, *lsptest.ResponseError) {
		var ap ApplyWorkspaceEditParams
		if err := json.Unmarshal(p, &ap); err != nil || len(ap.Edit.DocumentChanges) != 1 || ap.Edit.DocumentChanges[0].TextDocument.Version != 3 {
			return nil, &lsptest.ResponseError{Code: -1, Message: "bad edit " + string(p)}
		}
		applied = ap.Edit.DocumentChanges[0].Edits
		return ApplyWorkspaceEditResult{Applied: true}, nil
	}
	if err := s.c.Call("workspace/executeCommand", map[string]any{"command": CommandFixAll,
		"arguments": []any{map[string]any{"uri": uri}}}, nil); err != nil {
		t.Fatal(err)
	}
	if got, want := s.apply(text, applied), wantOutput(t, text, false); got != want || got == text {
		t.Errorf("dfix.fixAll applied %q, want %q", got, want)
	}

	// Closing clears the document's diagnostics.
	if err := s.c.Notify("textDocument/didClose", map[string]any{"textDocument": map[string]any{"uri": uri}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.c.WaitNotification("textDocument/publishDiagnostics", 0, func(p json.RawMessage) bool {
		var d PublishDiagnosticsParams
		return json.Unmarshal(p, &d) == nil && d.Version == nil && len(d.Diagnostics) == 0
	}); err != nil {
		t.Error(err)
	}
	if code := s.shutdown(); code != 0 {
		t.Errorf("exit code %d after shutdown and exit, want 0", code)
	}
	if err := s.c.WaitClosed(); err != nil {
		t.Errorf("the server's output: %v", err)
	}
}

// A document that does not parse gets one diagnostic, at the parser's line.
func TestParseErrorDiagnostic(t *testing.T) {
	s := start(t, newTestEngine())
	s.initialize(fullCaps(), nil)
	uri := "file:///work/Dockerfile"
	s.open(uri, "FROM alpine\nRUN true\nRUN <<EOF\necho\n")
	res := s.diagnostics(uri, 1)
	if len(res.Diagnostics) != 1 {
		t.Fatalf("want one diagnostic, got %+v", res.Diagnostics)
	}
	g := res.Diagnostics[0]
	_, err := rewrite.Parse("Dockerfile", []byte("FROM alpine\nRUN true\nRUN <<EOF\necho\n"))
	var pe *rewrite.ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("the test text parses: %v", err)
	}
	if g.Severity != SeverityError || g.Range.Start.Line != max(pe.Line-1, 0) || !strings.Contains(g.Message, "cannot parse") {
		t.Errorf("diagnostic %+v, parser error %v", g, pe)
	}
	// Formatting leaves it alone, as -w does.
	var edits []TextEdit
	if err := s.c.Call("textDocument/formatting", map[string]any{"textDocument": map[string]any{"uri": uri}, "options": map[string]any{}}, &edits); err != nil {
		t.Fatal(err)
	}
	if len(edits) != 0 {
		t.Errorf("formatting a broken file: %+v", edits)
	}
	s.shutdown()
}

// The parser counts lines as BuildKit does (a lone CR breaks none), the editor as the
// protocol does (a lone CR is a line break): the error lands on the parser's line as
// the editor numbers it.
func TestParseErrorDiagnosticLine(t *testing.T) {
	for _, c := range []struct {
		name, text string
		line       int // 0-based, in the editor's lines: the RUN <<EOF line
	}{
		{"the error is on its line in a file with LF line endings", "FROM alpine\nRUN true\nRUN <<EOF\necho\n", 2},
		{"the error is on its line in a file with CRLF line endings", "FROM alpine\r\nRUN true\r\nRUN <<EOF\r\necho\r\n", 2},
		{"the error is on its line after a lone CR, a line break to the editor only", "FROM alpine\rRUN true\nRUN <<EOF\necho\n", 2},
		{"the error is on its line after CR CR LF, two line breaks to the editor", "FROM alpine\r\r\nRUN true\r\r\nRUN <<EOF\r\r\necho\r\r\n", 4},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := start(t, newTestEngine())
			s.initialize(fullCaps(), nil)
			uri := "file:///work/Dockerfile"
			s.open(uri, c.text)
			res := s.diagnostics(uri, 1)
			if len(res.Diagnostics) != 1 {
				t.Fatalf("want one diagnostic, got %+v", res.Diagnostics)
			}
			if g := res.Diagnostics[0]; g.Range.Start.Line != c.line || g.Range.End.Line != c.line {
				t.Errorf("diagnostic %q on lines %d-%d, want %d", g.Message, g.Range.Start.Line, g.Range.End.Line, c.line)
			}
			s.shutdown()
		})
	}
}

// Requests before initialize and after shutdown are refused; exit without shutdown
// ends the server with 1.
func TestLifecycle(t *testing.T) {
	s := start(t, newTestEngine())
	err := s.c.Call("textDocument/formatting", map[string]any{"textDocument": map[string]any{"uri": "file:///x"}}, nil)
	var re *lsptest.ResponseError
	if !errors.As(err, &re) || re.Code != codeServerNotInitialized {
		t.Errorf("request before initialize: %v, want code %d", err, codeServerNotInitialized)
	}
	s.initialize(map[string]any{}, nil)
	if err := s.c.Call("initialize", map[string]any{"capabilities": map[string]any{}}, nil); !errors.As(err, &re) || re.Code != codeInvalidRequest {
		t.Errorf("second initialize: %v", err)
	}
	if err := s.c.Call("textDocument/definition", map[string]any{}, nil); !errors.As(err, &re) || re.Code != codeMethodNotFound {
		t.Errorf("unknown method: %v", err)
	}
	if err := s.c.Call("shutdown", nil, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.c.Call("textDocument/hover", map[string]any{"textDocument": map[string]any{"uri": "file:///x"}}, nil); !errors.As(err, &re) || re.Code != codeInvalidRequest {
		t.Errorf("request after shutdown: %v", err)
	}
	_ = s.c.Notify("exit", nil)
	if code := <-s.code; code != 0 {
		t.Errorf("exit code %d", code)
	}

	s = start(t, newTestEngine())
	s.initialize(map[string]any{}, nil)
	_ = s.c.Notify("exit", nil)
	if code := <-s.code; code != 1 {
		t.Errorf("exit without shutdown: code %d, want 1", code)
	}

	// The client going away ends the server too.
	s = start(t, newTestEngine())
	s.initialize(map[string]any{}, nil)
	s.toSrv.Close()
	select {
	case code := <-s.code:
		if code != 1 {
			t.Errorf("closed input: code %d, want 1", code)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the server did not stop when its input closed")
	}
}

// $/cancelRequest ends a request that is still waiting for dfix, whatever the kind of
// its id: a number, or a string (LSP4J, which JetBrains' LSP client is built on, sends
// "1", "2"...).
func TestCancel(t *testing.T) {
	for _, c := range []struct {
		name string
		id   any
	}{
		{"a request with a number id is cancelled", 41},
		{"a request with a string id is cancelled", "req-7"},
		{"a request with a string id that reads as a number is cancelled", "42"},
	} {
		t.Run(c.name, func(t *testing.T) {
			eng := newTestEngine()
			eng.block.Store(true)
			s := start(t, eng)
			s.initialize(fullCaps(), nil)
			uri := "file:///work/Dockerfile"
			s.open(uri, "FROM alpine\nCMD a b\n")
			ch, err := s.c.SendID(c.id, "textDocument/formatting", map[string]any{"textDocument": map[string]any{"uri": uri}, "options": map[string]any{}})
			if err != nil {
				t.Fatal(err)
			}
			for eng.runs.Load() < 1 {
				time.Sleep(time.Millisecond)
			}
			if err := s.c.Notify("$/cancelRequest", map[string]any{"id": c.id}); err != nil {
				t.Fatal(err)
			}
			var re *lsptest.ResponseError
			if err := s.c.Wait(ch, nil); !errors.As(err, &re) || re.Code != codeRequestCancelled {
				t.Errorf("cancelled formatting: %v, want code %d", err, codeRequestCancelled)
			}
			if code := s.shutdown(); code != 0 {
				t.Errorf("exit code %d", code)
			}
		})
	}
}

// Settings come from initializationOptions and didChangeConfiguration; a change of a
// configuration file reads everything again; bad settings are shown, not applied.
func TestSettingsAndReload(t *testing.T) {
	eng := newTestEngine()
	s := start(t, eng)
	s.initialize(fullCaps(), map[string]any{"dfix": map[string]any{"unsafeFixes": true, "config": "sub/.dfix.toml", "path": "/usr/bin/dfix"}})
	st := eng.settings.Load().(Settings)
	if st.UnsafeFixes == nil || !*st.UnsafeFixes || st.Config != "/work/sub/.dfix.toml" {
		t.Errorf("settings from initializationOptions: %+v", st)
	}
	uri := "file:///work/Dockerfile"
	text := "FROM debian\nRUN apt-get install -y curl\n"
	s.open(uri, text)
	s.diagnostics(uri, 1)
	var edits []TextEdit
	if err := s.c.Call("textDocument/formatting", map[string]any{"textDocument": map[string]any{"uri": uri}, "options": map[string]any{}}, &edits); err != nil {
		t.Fatal(err)
	}
	if got := s.apply(text, edits); got != wantOutput(t, text, true) {
		t.Errorf("formatting with unsafeFixes: %q", got)
	}
	n := eng.configured.Load()
	_ = s.c.Notify("workspace/didChangeWatchedFiles", map[string]any{"changes": []any{
		map[string]any{"uri": "file:///work/sub/.dfix.toml", "type": FileChanged}}})
	_ = s.c.Notify("workspace/didChangeConfiguration", map[string]any{"settings": map[string]any{"dfix": map[string]any{"select": []string{"nonsense"}}}})
	raw, err := s.c.WaitNotification("window/showMessage", 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(raw), "nonsense") {
		t.Errorf("showMessage %s", raw)
	}
	_ = s.c.Notify("workspace/didChangeConfiguration", map[string]any{"settings": map[string]any{"dfix": map[string]any{"unknownKey": 1}}})
	if raw, err = s.c.WaitNotification("window/showMessage", 1, nil); err != nil || !strings.Contains(string(raw), "unknownKey") {
		t.Errorf("showMessage for an unknown key: %s %v", raw, err)
	}
	if got := eng.configured.Load(); got != n+1 {
		t.Errorf("Configure called %d more times, want 1 (the reload; bad settings are not applied)", got-n)
	}
	// The reload published the diagnostics again.
	if _, err := s.c.WaitNotification("textDocument/publishDiagnostics", 1, nil); err != nil {
		t.Error(err)
	}
	// The registration is the server's own request after initialized: wait for it
	// rather than read the requests received so far (a loaded machine delays it).
	if _, err := s.c.WaitRequest("client/registerCapability", "**/.dfix.toml"); err != nil {
		t.Errorf("no watcher registered for .dfix.toml: %v", err)
	}
	s.shutdown()
}

// Neovim encodes an empty Lua table as a JSON array: the documented nvim-lspconfig setup
// (`settings = { dfix = {} }`) sends {"dfix": []}. That is no settings, not an error.
func TestEmptyLuaTableSettings(t *testing.T) {
	for _, c := range []struct {
		name    string
		options any                                                 // initializationOptions
		send    func(s *session)                                    // after initialized
		answer  func(json.RawMessage) (any, *lsptest.ResponseError) // workspace/configuration
	}{
		{name: "initializationOptions with an empty dfix section are no settings",
			options: map[string]any{"dfix": []any{}}},
		{name: "initializationOptions that are an empty array are no settings",
			options: []any{}},
		{name: "didChangeConfiguration with an empty dfix section resets the settings",
			options: map[string]any{"unsafeFixes": true},
			send: func(s *session) {
				_ = s.c.Notify("workspace/didChangeConfiguration", map[string]any{"settings": map[string]any{"dfix": []any{}}})
			}},
		{name: "a workspace/configuration answer that is an empty array is no settings",
			answer: func(json.RawMessage) (any, *lsptest.ResponseError) { return []any{[]any{}}, nil }},
	} {
		t.Run(c.name, func(t *testing.T) {
			eng := newTestEngine()
			s := start(t, eng)
			caps := fullCaps()
			if c.answer != nil {
				caps["workspace"].(map[string]any)["configuration"] = true
				s.c.Handlers["workspace/configuration"] = c.answer
			}
			n := eng.configured.Load()
			s.initialize(caps, c.options)
			if c.send != nil {
				c.send(s)
			}
			want := n + 2 // at initialize, then the change or the answer
			if c.send == nil && c.answer == nil {
				want = n + 1
			}
			deadline := time.Now().Add(5 * time.Second)
			for eng.configured.Load() < want && time.Now().Before(deadline) {
				time.Sleep(time.Millisecond)
			}
			// A bad setting after them: its message must be the first one.
			_ = s.c.Notify("workspace/didChangeConfiguration", map[string]any{"settings": map[string]any{"dfix": map[string]any{"unknownKey": 1}}})
			raw, err := s.c.WaitNotification("window/showMessage", 0, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(raw), "unknownKey") {
				t.Errorf("an error was shown for empty settings: %s", raw)
			}
			if got := eng.configured.Load(); got != want {
				t.Errorf("Configure called %d times, want %d", got-n, want-n)
			}
			if st, _ := eng.settings.Load().(Settings); !isZeroSettings(st) {
				t.Errorf("settings %+v, want none", st)
			}
			s.shutdown()
		})
	}
}

// A client without code action literals gets commands that apply the same edits.
func TestCodeActionCommands(t *testing.T) {
	s := start(t, newTestEngine())
	s.initialize(map[string]any{"workspace": map[string]any{"applyEdit": true}}, nil)
	uri := "file:///work/Dockerfile"
	text := "FROM alpine\nCMD a b\n"
	s.open(uri, text)
	s.diagnostics(uri, -1)
	var cmds []Command
	if err := s.c.Call("textDocument/codeAction", map[string]any{"textDocument": map[string]any{"uri": uri},
		"range": Range{Start: Position{1, 0}, End: Position{1, 0}}, "context": map[string]any{"diagnostics": []any{}}}, &cmds); err != nil {
		t.Fatal(err)
	}
	if len(cmds) == 0 {
		t.Fatal("no commands")
	}
	var got string
	s.c.Handlers["workspace/applyEdit"] = func(p json.RawMessage) (any, *lsptest.ResponseError) {
		var ap ApplyWorkspaceEditParams
		_ = json.Unmarshal(p, &ap)
		got = s.apply(text, ap.Edit.Changes[uri])
		return ApplyWorkspaceEditResult{Applied: true}, nil
	}
	for _, c := range cmds {
		if c.Command != CommandApplyEdit {
			t.Fatalf("command %+v", c)
		}
		if strings.HasPrefix(c.Title, "dfix: Use the JSON") {
			if err := s.c.Call("workspace/executeCommand", map[string]any{"command": c.Command, "arguments": c.Arguments}, nil); err != nil {
				t.Fatal(err)
			}
		}
	}
	if got != "FROM alpine\nCMD [\"a\", \"b\"]\n" {
		t.Errorf("applied %q (commands %+v)", got, cmds)
	}
	s.shutdown()
}

func TestIgnoreEdits(t *testing.T) {
	rules, _ := fix.Select(fix.Rules(), nil, nil)
	check := func(src string) []fix.Diagnostic {
		doc, err := rewrite.Parse("Dockerfile", []byte(src))
		if err != nil {
			t.Fatalf("%q: %v", src, err)
		}
		return fix.Check(doc, rules)
	}
	for _, c := range []struct{ src, rule, here, file string }{
		{"FROM a\nCMD x y\n", "exec-form", "FROM a\n# dfix ignore=exec-form\nCMD x y\n", "# dfix global ignore=exec-form\nFROM a\nCMD x y\n"},
		{"# syntax=docker/dockerfile:1\r\nFROM a\r\n\tCMD x y\r\n", "exec-form",
			"# syntax=docker/dockerfile:1\r\nFROM a\r\n\t# dfix ignore=exec-form\r\n\tCMD x y\r\n",
			"# syntax=docker/dockerfile:1\r\n# dfix global ignore=exec-form\r\nFROM a\r\n\tCMD x y\r\n"},
		{"FROM a\n# why\n# dfix ignore=DL3015 \nCMD x y\n", "exec-form", "FROM a\n# why\n# dfix ignore=DL3015,exec-form \nCMD x y\n", ""},
		{"FROM a\n# dfix ignore=a, b\nCMD x y\n", "exec-form", "FROM a\n# dfix ignore=a, b, exec-form\nCMD x y\n", ""},
		{"\ufeffCMD x y\n", "exec-form", "\ufeff\n# dfix ignore=exec-form\nCMD x y\n", "\ufeff\n# dfix global ignore=exec-form\nCMD x y\n"},
		{"FROM a\n# dfix global ignore=DL3015\nCMD x y", "exec-form", "", "FROM a\n# dfix global ignore=DL3015,exec-form\nCMD x y"},
	} {
		doc, err := rewrite.Parse("Dockerfile", []byte(c.src))
		if err != nil {
			t.Fatal(err)
		}
		var f *fix.Diagnostic
		for _, d := range check(c.src) {
			if d.Rule.Name == c.rule {
				f = &d
			}
		}
		if f == nil {
			t.Fatalf("%q: no %s finding", c.src, c.rule)
		}
		for _, w := range []struct {
			name, want string
			edit       func() (rewrite.Edit, bool)
		}{
			{"here", c.here, func() (rewrite.Edit, bool) { return IgnoreHere(doc, *f) }},
			{"file", c.file, func() (rewrite.Edit, bool) { return IgnoreInFile(doc, f.Rule) }},
		} {
			if w.want == "" {
				continue
			}
			e, ok := w.edit()
			if !ok {
				t.Errorf("%q: no ignore %s edit", c.src, w.name)
				continue
			}
			out, _ := rewrite.Apply([]byte(c.src), []rewrite.Edit{e})
			if string(out) != w.want {
				t.Errorf("%q: ignore %s gave %q, want %q", c.src, w.name, out, w.want)
			}
			for _, d := range check(string(out)) {
				if d.Rule.Name == c.rule {
					t.Errorf("%q: %s is still found after ignore %s", out, c.rule, w.name)
				}
			}
		}
	}
}

// The rules that tag their findings exist.
func TestRuleTags(t *testing.T) {
	for name := range ruleTags {
		if fix.Lookup(fix.Rules(), name) == nil {
			t.Errorf("ruleTags names %q, which is no rule", name)
		}
	}
}

// A document closed and opened again at once ends with the new text's diagnostics,
// never with the clearing of the old one (which goes out on its own goroutine).
func TestReopenedDocumentKeepsItsDiagnostics(t *testing.T) {
	eng := newTestEngine()
	s := start(t, eng)
	s.initialize(fullCaps(), nil)
	uri := "file:///work/Dockerfile"
	s.open(uri, "FROM alpine\nCMD a b\n")
	if d := s.diagnostics(uri, 1); len(d.Diagnostics) == 0 {
		t.Fatal("no diagnostics for the first text")
	}
	s.srv.mu.Lock()
	old := s.srv.docs[uri]
	s.srv.mu.Unlock()
	// Hold the old document's publications back, as a slow writer would, so the
	// clearing cannot go out before the reopened document is there.
	old.publishMu.Lock()
	if err := s.c.Notify("textDocument/didClose", map[string]any{"textDocument": map[string]any{"uri": uri}}); err != nil {
		t.Fatal(err)
	}
	if err := s.c.Notify("textDocument/didOpen", map[string]any{"textDocument": map[string]any{
		"uri": uri, "languageId": "dockerfile", "version": 2, "text": "FROM alpine\nCMD b c\n"}}); err != nil {
		t.Fatal(err)
	}
	for eng.runs.Load() < 2 { // the reopened text is being checked
		time.Sleep(time.Millisecond)
	}
	// Give a publication that does not wait for the old one time to go out first (what
	// went wrong); nothing is timed: the outcome must be the same whenever it goes.
	for i := 0; i < 200 && len(s.c.Notifications("textDocument/publishDiagnostics")) < 2; i++ {
		time.Sleep(time.Millisecond)
	}
	old.publishMu.Unlock()
	if d := s.diagnostics(uri, 2); len(d.Diagnostics) == 0 {
		t.Fatal("no diagnostics for the reopened text")
	}
	// A change after it: its diagnostics come after whatever the close sent.
	if err := s.c.Notify("textDocument/didChange", map[string]any{
		"textDocument":   map[string]any{"uri": uri, "version": 3},
		"contentChanges": []any{map[string]any{"text": "FROM alpine\nCMD c d\n"}}}); err != nil {
		t.Fatal(err)
	}
	s.diagnostics(uri, 3)
	var versions []string
	for _, m := range s.c.Notifications("textDocument/publishDiagnostics") {
		var p PublishDiagnosticsParams
		if err := json.Unmarshal(m.Params, &p); err != nil {
			t.Fatal(err)
		}
		v := "clear"
		if p.Version != nil {
			v = fmt.Sprint(*p.Version)
		}
		versions = append(versions, v)
	}
	if i := slices.Index(versions, "2"); i < 0 || slices.Contains(versions[i:], "clear") {
		t.Errorf("publications %v: the old document's clearing came after the reopened one's diagnostics", versions)
	}
	if code := s.shutdown(); code != 0 {
		t.Errorf("exit code %d", code)
	}
}
