package main

// Tests of `dfix lsp` with the real engine: the Go test client drives the server over
// pipes (in-process, and as a separate process whose whole standard output must be
// protocol messages), formatting and "fix all" are compared byte for byte with what
// `dfix -w` writes, pinning is checked never to reach a registry unless asked, and
// Neovim's own LSP client runs a session end to end where nvim is installed.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dfix-dev/dfix/lsp"
	"github.com/dfix-dev/dfix/lsp/lsptest"
	"github.com/pelletier/go-toml/v2"
	"golang.org/x/tools/txtar"
)

// syncBuffer is a bytes.Buffer safe for a writer and a reader in two goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// lspSession is `dfix lsp` run in-process on pipes, with a test client.
type lspSession struct {
	t      testing.TB
	c      *lsptest.Client
	code   chan int
	stderr *syncBuffer
	toSrv  io.WriteCloser
}

func startLSP(t testing.TB, args ...string) *lspSession {
	t.Helper()
	cr, sw := io.Pipe()
	sr, cw := io.Pipe()
	s := &lspSession{t: t, code: make(chan int, 1), stderr: &syncBuffer{}, toSrv: cw}
	go func() {
		code := run(append([]string{"dfix", "lsp"}, args...), sr, sw, s.stderr)
		sw.Close()
		s.code <- code
	}()
	s.c = lsptest.New(cr, cw)
	t.Cleanup(func() {
		cw.Close()
		cr.Close()
		if t.Failed() {
			t.Logf("server stderr:\n%s", s.stderr.String())
		}
	})
	return s
}

func fileURI(path string) string {
	abs, _ := filepath.Abs(path)
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}).String()
}

func (s *lspSession) initialize(root string, options any) {
	s.t.Helper()
	caps := map[string]any{
		"workspace": map[string]any{"applyEdit": true, "workspaceEdit": map[string]any{"documentChanges": true},
			"didChangeWatchedFiles": map[string]any{"dynamicRegistration": true}},
		"textDocument": map[string]any{
			"codeAction":         map[string]any{"codeActionLiteralSupport": map[string]any{}},
			"publishDiagnostics": map[string]any{"versionSupport": true},
		},
	}
	params := map[string]any{"processId": os.Getpid(), "rootUri": fileURI(root), "capabilities": caps}
	if options != nil {
		params["initializationOptions"] = options
	}
	var res lsp.InitializeResult
	if err := s.c.Call("initialize", params, &res); err != nil {
		s.t.Fatal(err)
	}
	if err := s.c.Notify("initialized", map[string]any{}); err != nil {
		s.t.Fatal(err)
	}
}

func (s *lspSession) open(path, text string, version int) string {
	s.t.Helper()
	uri := fileURI(path)
	if err := s.c.Notify("textDocument/didOpen", map[string]any{"textDocument": map[string]any{
		"uri": uri, "languageId": "dockerfile", "version": version, "text": text}}); err != nil {
		s.t.Fatal(err)
	}
	return uri
}

func (s *lspSession) diagnostics(uri string, version int) []lsp.Diagnostic {
	s.t.Helper()
	return s.diagnosticsSince(0, uri, version)
}

// diagnosticsSince waits for the diagnostics of a version of a document among the
// notifications received after mark (lsptest.Client.Mark).
func (s *lspSession) diagnosticsSince(mark int, uri string, version int) []lsp.Diagnostic {
	s.t.Helper()
	var head struct {
		URI     string `json:"uri"`
		Version *int   `json:"version"`
	}
	raw, err := s.c.WaitNotificationSince(mark, "textDocument/publishDiagnostics", func(p json.RawMessage) bool {
		// The version is written before the diagnostics: decode the head only.
		dec := json.NewDecoder(bytes.NewReader(p))
		if t, err := dec.Token(); err != nil || t != json.Delim('{') {
			return false
		}
		head.URI, head.Version = "", nil
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				return false
			}
			switch k {
			case "uri":
				_ = dec.Decode(&head.URI)
			case "version":
				_ = dec.Decode(&head.Version)
			default:
				return head.URI == uri && head.Version != nil && *head.Version == version
			}
		}
		return head.URI == uri && head.Version != nil && *head.Version == version
	})
	if err != nil {
		s.t.Fatal(err)
	}
	var d lsp.PublishDiagnosticsParams
	_ = json.Unmarshal(raw, &d)
	return d.Diagnostics
}

func (s *lspSession) format(uri, text string) string {
	s.t.Helper()
	var edits []lsptest.TextEdit
	if err := s.c.Call("textDocument/formatting", map[string]any{"textDocument": map[string]any{"uri": uri},
		"options": map[string]any{"tabSize": 4, "insertSpaces": true}}, &edits); err != nil {
		s.t.Fatal(err)
	}
	out, err := lsptest.Apply(text, edits, "utf-16")
	if err != nil {
		s.t.Fatal(err)
	}
	return out
}

func (s *lspSession) fixAll(uri, text string) string {
	s.t.Helper()
	var actions []lsp.CodeAction
	if err := s.c.Call("textDocument/codeAction", map[string]any{"textDocument": map[string]any{"uri": uri},
		"range": lsp.Range{}, "context": map[string]any{"diagnostics": []any{}, "only": []string{"source.fixAll"}}}, &actions); err != nil {
		s.t.Fatal(err)
	}
	if len(actions) == 0 {
		return text
	}
	if len(actions) != 1 || actions[0].Kind != lsp.KindFixAll || actions[0].Edit == nil {
		s.t.Fatalf("fix-all actions: %+v", actions)
	}
	var edits []lsptest.TextEdit
	b, _ := json.Marshal(actions[0].Edit.DocumentChanges[0].Edits)
	_ = json.Unmarshal(b, &edits)
	out, err := lsptest.Apply(text, edits, "utf-16")
	if err != nil {
		s.t.Fatal(err)
	}
	return out
}

func (s *lspSession) close() int {
	s.t.Helper()
	if err := s.c.Call("shutdown", nil, nil); err != nil {
		s.t.Fatal(err)
	}
	_ = s.c.Notify("exit", nil)
	select {
	case code := <-s.code:
		return code
	case <-time.After(20 * time.Second):
		s.t.Fatal("dfix lsp did not exit")
	}
	return -1
}

// dashW returns what `dfix -w ARGS... path` writes over a copy of the file, without
// touching it.
func dashW(t testing.TB, path string, args ...string) string {
	t.Helper()
	orig, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	code := run(append(append([]string{"dfix", "-w", "-q", "-j", "1"}, args...), path), nil, io.Discard, &stderr)
	if code == exitError && !strings.Contains(stderr.String(), path) {
		t.Fatalf("dfix -w %s: exit %d: %s", path, code, stderr.String())
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, orig, 0o644); err != nil {
		t.Fatal(err)
	}
	return string(got)
}

// lspCase is a Dockerfile with the files of its build context.
type lspCase struct {
	name  string
	files map[string][]byte // relative path -> content; "Dockerfile" is the one opened
}

// lspCases are every golden case's input and the shipped examples, plus variants that
// stress positions (CRLF, non-ASCII text before findings, a BOM).
func lspCases(t testing.TB) []lspCase {
	var cases []lspCase
	archives, _ := filepath.Glob("golden/*/*.txtar")
	sort.Strings(archives)
	for _, a := range archives {
		ar, err := txtar.ParseFile(a)
		if err != nil {
			t.Fatal(err)
		}
		c := lspCase{name: a, files: map[string][]byte{}}
		for _, f := range ar.Files {
			switch f.Name {
			case "want", "findings", "want-unsafe", "findings-unsafe", "problems":
				continue
			}
			if strings.HasPrefix(f.Name, "want") || strings.HasPrefix(f.Name, "findings") {
				continue
			}
			c.files[f.Name] = f.Data
		}
		if _, ok := c.files["Dockerfile"]; ok {
			cases = append(cases, c)
		}
	}
	for _, ex := range []string{"python-app", "debian-tools"} {
		c := lspCase{name: "examples/" + ex, files: map[string][]byte{}}
		entries, _ := os.ReadDir(filepath.Join("examples", ex))
		for _, e := range entries {
			b, _ := os.ReadFile(filepath.Join("examples", ex, e.Name()))
			c.files[e.Name()] = b
		}
		cases = append(cases, c)
		df := string(c.files["Dockerfile"])
		for _, v := range []struct{ name, text string }{
			{"crlf", strings.ReplaceAll(df, "\n", "\r\n")},
			{"non-ascii", strings.ReplaceAll(strings.ReplaceAll(df, "# ", "# ünïcödé 😀 "), "RUN ", "RUN echo '日本 😀' && ")},
			{"bom", "\ufeff" + df},
		} {
			vc := lspCase{name: c.name + "/" + v.name, files: map[string][]byte{}}
			for k, b := range c.files {
				vc.files[k] = b
			}
			vc.files["Dockerfile"] = []byte(v.text)
			cases = append(cases, vc)
		}
	}
	return cases
}

// The editor's formatting and "fix all" give exactly what `dfix -w` writes, for every
// golden input and example, with the default settings and with every rule and unsafe
// fixes (given as the editor's settings on one side, as flags on the other).
func TestLSPMatchesWrite(t *testing.T) {
	cases := lspCases(t)
	if len(cases) < 100 {
		t.Fatalf("only %d cases", len(cases))
	}
	for _, mode := range []struct {
		name     string
		settings any
		flags    []string
	}{
		{"default", nil, nil},
		{"all-unsafe", map[string]any{"select": []string{"all"}, "unsafeFixes": true}, []string{"--select", "all", "--unsafe-fixes"}},
	} {
		t.Run(mode.name, func(t *testing.T) {
			root := t.TempDir()
			if err := os.Mkdir(filepath.Join(root, ".git"), 0o755); err != nil { // the configuration lookup stops here
				t.Fatal(err)
			}
			s := startLSP(t)
			s.initialize(root, mode.settings)
			changed := 0
			for i, c := range cases {
				dir := filepath.Join(root, fmt.Sprint(i))
				for name, data := range c.files {
					p := filepath.Join(dir, filepath.FromSlash(name))
					if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(p, data, 0o644); err != nil {
						t.Fatal(err)
					}
				}
				df := filepath.Join(dir, "Dockerfile")
				text := string(c.files["Dockerfile"])
				uri := s.open(df, text, 1)
				s.diagnostics(uri, 1)
				want := dashW(t, df, mode.flags...)
				if got := s.format(uri, text); got != want {
					t.Errorf("%s: formatting:\n%q\nwant (dfix -w)\n%q", c.name, got, want)
				}
				if got := s.fixAll(uri, text); got != want {
					t.Errorf("%s: fix all:\n%q\nwant (dfix -w)\n%q", c.name, got, want)
				}
				if want != text {
					changed++
				}
				_ = s.c.Notify("textDocument/didClose", map[string]any{"textDocument": map[string]any{"uri": uri}})
			}
			if changed < 50 {
				t.Errorf("only %d of %d cases changed: the comparison proves little", changed, len(cases))
			}
			if code := s.close(); code != 0 {
				t.Errorf("exit code %d", code)
			}
		})
	}
}

// A .dfix.toml applies as on the command line, and is read again when the client says
// it changed.
func TestLSPConfigReload(t *testing.T) {
	root := t.TempDir()
	_ = os.Mkdir(filepath.Join(root, ".git"), 0o755)
	df := filepath.Join(root, "app", "Dockerfile")
	_ = os.MkdirAll(filepath.Dir(df), 0o755)
	text := "FROM debian:12\nRUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*\nCMD run it\n"
	_ = os.WriteFile(df, []byte(text), 0o644)
	cfg := filepath.Join(root, ".dfix.toml")
	_ = os.WriteFile(cfg, []byte("unsafe-fixes = true\n"), 0o644)

	s := startLSP(t)
	s.initialize(root, nil)
	uri := s.open(df, text, 1)
	codes := func(ds []lsp.Diagnostic) []string {
		var out []string
		for _, d := range ds {
			out = append(out, d.Code)
		}
		return out
	}
	if got := codes(s.diagnostics(uri, 1)); !slices.Contains(got, "exec-form") || !slices.Contains(got, "no-install-recommends") {
		t.Fatalf("diagnostics %v", got)
	}
	if got, want := s.format(uri, text), dashW(t, df); got != want || !strings.Contains(got, "--no-install-recommends") {
		t.Errorf("formatting with unsafe-fixes = true:\n%q\nwant\n%q", got, want)
	}

	// The file changes: exec-form off, unsafe fixes off.
	_ = os.WriteFile(cfg, []byte("ignore = [\"DL3025\"]\n"), 0o644)
	_ = s.c.Notify("workspace/didChangeWatchedFiles", map[string]any{"changes": []any{
		map[string]any{"uri": fileURI(cfg), "type": lsp.FileChanged}}})
	raw, err := s.c.WaitNotification("textDocument/publishDiagnostics", 0, func(p json.RawMessage) bool {
		var d lsp.PublishDiagnosticsParams
		_ = json.Unmarshal(p, &d)
		return d.URI == uri && !slices.Contains(codes(d.Diagnostics), "exec-form")
	})
	if err != nil {
		t.Fatal(err)
	}
	var d lsp.PublishDiagnosticsParams
	_ = json.Unmarshal(raw, &d)
	if !slices.Contains(codes(d.Diagnostics), "no-install-recommends") {
		t.Errorf("after the reload: %v", codes(d.Diagnostics))
	}
	if got, want := s.format(uri, text), dashW(t, df); got != want || strings.Contains(got, "--no-install-recommends") || got != text {
		t.Errorf("formatting after the reload:\n%q\nwant\n%q", got, want)
	}

	// A broken .dfix.toml is one diagnostic on the document, naming the file.
	_ = os.WriteFile(cfg, []byte("select = [\"no-such-rule\"]\n"), 0o644)
	_ = s.c.Notify("workspace/didChangeWatchedFiles", map[string]any{"changes": []any{
		map[string]any{"uri": fileURI(cfg), "type": lsp.FileChanged}}})
	if _, err := s.c.WaitNotification("textDocument/publishDiagnostics", 0, func(p json.RawMessage) bool {
		var d lsp.PublishDiagnosticsParams
		_ = json.Unmarshal(p, &d)
		return d.URI == uri && len(d.Diagnostics) == 1 && strings.Contains(d.Diagnostics[0].Message, ".dfix.toml") &&
			d.Diagnostics[0].Severity == lsp.SeverityError
	}); err != nil {
		t.Error(err)
	}
	if code := s.close(); code != 0 {
		t.Errorf("exit code %d", code)
	}
}

// Pinning looks nothing up from the editor, even with `pin = true` in .dfix.toml,
// unless the settings ask for it with a lock file; from the lock, it pins offline as
// -w does.
func TestLSPPinning(t *testing.T) {
	var hits atomic.Int32
	reg := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.NotFound(w, r)
	}))
	defer reg.Close()
	host := strings.TrimPrefix(reg.URL, "http://")
	root := t.TempDir()
	_ = os.Mkdir(filepath.Join(root, ".git"), 0o755)
	cfg := filepath.Join(root, ".dfix.toml")
	_ = os.WriteFile(cfg, []byte(fmt.Sprintf("pin = true\nregistry-mirrors = [\"docker.io=%s\"]\n", host)), 0o644)
	df := filepath.Join(root, "Dockerfile")
	text := "FROM alpine:3.20\nCMD [\"true\"]\n"
	_ = os.WriteFile(df, []byte(text), 0o644)

	// The command line does look it up (so the counter would see the editor do it).
	run([]string{"dfix", "-l", "--config", cfg, df}, nil, io.Discard, io.Discard)
	if hits.Load() == 0 {
		t.Fatal("dfix --config with pin = true made no registry request: the test cannot see lookups")
	}
	hits.Store(0)

	s := startLSP(t)
	s.initialize(root, map[string]any{"config": cfg})
	uri := s.open(df, text, 1)
	s.diagnostics(uri, 1)
	if got := s.format(uri, text); got != text {
		t.Errorf("formatting pinned without --pin: %q", got)
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the editor made %d registry requests without --pin", n)
	}

	// pin without a lock file: refused, said in the editor.
	_ = s.c.Notify("workspace/didChangeConfiguration", map[string]any{"settings": map[string]any{"dfix": map[string]any{"config": cfg, "pin": true}}})
	raw, err := s.c.WaitNotification("window/showMessage", 0, nil)
	if err != nil || !strings.Contains(string(raw), "lock file") {
		t.Errorf("pin without a lock: %s %v", raw, err)
	}

	// pin with a lock file, offline: pinned from the lock, nothing looked up.
	lock := filepath.Join(root, "dfix.lock")
	digest := "sha256:" + strings.Repeat("ab", 32)
	_ = os.WriteFile(lock, []byte(`{"docker.io/library/alpine:3.20": {"digest": "`+digest+`", "resolved_at": "2025-06-02T09:14:27Z"}}`+"\n"), 0o644)
	_ = s.c.Notify("workspace/didChangeConfiguration", map[string]any{"settings": map[string]any{"dfix": map[string]any{
		"config": cfg, "pin": true, "pinLock": "dfix.lock", "offline": true}}})
	if _, err := s.c.WaitNotification("textDocument/publishDiagnostics", 1, nil); err != nil {
		t.Fatal(err)
	}
	got := s.format(uri, text)
	want := dashW(t, df, "--config", cfg, "--pin", "--offline", "--pin-lock", lock)
	if got != want || !strings.Contains(got, "alpine:3.20@"+digest) {
		t.Errorf("pinned from the lock:\n%q\nwant\n%q", got, want)
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("%d registry requests offline", n)
	}
	s.close()
}

// `dfix lsp` as a process: everything on its standard output is a protocol message
// (the client's reader fails on anything else), it exits 0 after shutdown and exit,
// and a document that does not parse gets one diagnostic at the parser's line.
func TestLSPProcess(t *testing.T) {
	bin, err := exec.LookPath("dfix")
	if err != nil {
		t.Skip("no dfix on PATH (run through go test, whose TestMain provides it)")
	}
	root := t.TempDir()
	cmd := exec.Command(bin, "lsp")
	cmd.Dir = root
	in, _ := cmd.StdinPipe()
	out, _ := cmd.StdoutPipe()
	var stderr syncBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	s := &lspSession{t: t, c: lsptest.New(out, in)}
	s.initialize(root, nil)
	good := filepath.Join(root, "Dockerfile")
	text := "# ünïcödé\nFROM python:3.12\nRUN pip install -r requirements.txt\nCMD python app.py\n"
	_ = os.WriteFile(good, []byte(text), 0o644)
	uri := s.open(good, text, 1)
	if ds := s.diagnostics(uri, 1); len(ds) < 2 {
		t.Errorf("diagnostics: %+v", ds)
	}
	if got, want := s.format(uri, text), dashW(t, good); got != want {
		t.Errorf("formatting %q, want %q", got, want)
	}
	broken := filepath.Join(root, "broken.dockerfile")
	uri = s.open(broken, "FROM alpine\nRUN true\nRUN <<EOF\necho\n", 1)
	ds := s.diagnostics(uri, 1)
	if len(ds) != 1 || ds[0].Severity != lsp.SeverityError || ds[0].Range.Start.Line != 2 {
		t.Errorf("a file that does not parse: %+v", ds)
	}
	if err := s.c.Call("shutdown", nil, nil); err != nil {
		t.Fatal(err)
	}
	_ = s.c.Notify("exit", nil)
	if err := s.c.WaitClosed(); err != nil {
		t.Errorf("standard output: %v", err)
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("dfix lsp: %v; stderr:\n%s", err, stderr.String())
	}
	if strings.Contains(stderr.String(), "panic") {
		t.Errorf("stderr:\n%s", stderr.String())
	}
}

// dockerfile300 is a Dockerfile of about 300 lines as long ones are written: a few
// stages, long package lists one per line, multi-line RUN scripts with comments,
// ENV blocks, COPY and a handful of findings in each stage. dense is the worst case
// instead: short instructions, nearly every one a finding.
func dockerfile300(dense bool) string {
	var b strings.Builder
	b.WriteString("# syntax=docker/dockerfile:1\n")
	lines := func() int { return strings.Count(b.String(), "\n") }
	for stage := 0; lines() < 290; stage++ {
		if dense {
			fmt.Fprintf(&b, "\n# stage %d: build tools\nFROM debian:12 AS s%d\n", stage, stage)
			b.WriteString("ENV LANG C.UTF-8\nWORKDIR /src\n")
			b.WriteString("RUN apt-get update \\\n    # compilers\n    && apt-get install -y gcc make libpq-dev \\\n    && rm -rf /var/lib/apt/lists/*\n")
			b.WriteString("COPY . .\nRUN pip install -r requirements.txt\nRUN cd /src && make\n")
			b.WriteString("RUN wget https://example.com/x.tar.gz | tar xz\nADD app.tar.gz /opt/\n")
			b.WriteString("EXPOSE 8000\nUSER app\nCMD exec gunicorn --bind 0.0.0.0:8000 app:app\n")
			continue
		}
		fmt.Fprintf(&b, "\n# ---- stage %d ----\nFROM debian:12-slim AS stage%d\n", stage, stage)
		b.WriteString("ENV DEBIAN_FRONTEND=noninteractive \\\n    LANG=C.UTF-8 \\\n    PYTHONUNBUFFERED=1 \\\n    PIP_DISABLE_PIP_VERSION_CHECK=1\n")
		b.WriteString("# system packages, one per line to keep diffs small\nRUN apt-get update \\\n    && apt-get install -y \\\n")
		for i := 0; i < 22; i++ {
			fmt.Fprintf(&b, "        package-number-%02d \\\n", i)
		}
		b.WriteString("    && rm -rf /var/lib/apt/lists/*\n")
		b.WriteString("WORKDIR /opt/app\nCOPY requirements.txt ./\nRUN pip install --no-cache-dir -r requirements.txt\nCOPY . .\n")
		b.WriteString("RUN set -eux; \\\n    # build the assets\n    ./configure --prefix=/usr/local; \\\n    make -j\"$(nproc)\"; \\\n" +
			"    make install; \\\n    # strip what the image does not need\n    rm -rf /usr/local/share/doc /usr/local/share/man; \\\n" +
			"    find /usr/local -name '*.a' -delete\n")
		b.WriteString("HEALTHCHECK CMD curl -f http://localhost:8000/health || exit 1\nEXPOSE 8000\nUSER app\nCMD gunicorn app:app\n")
	}
	return b.String()
}

// The time from a change to its diagnostics, through the protocol (the client's
// JSON decoding included), for a 300-line Dockerfile: the issue asks for well under
// 20 ms.
func BenchmarkLSPDiagnostics300(b *testing.B) {
	b.Run("typical", func(b *testing.B) { benchDiagnostics(b, dockerfile300(false)) })
	b.Run("dense", func(b *testing.B) { benchDiagnostics(b, dockerfile300(true)) })
}

func benchDiagnostics(b *testing.B, text string) {
	root := b.TempDir()
	s := startLSP(b)
	s.initialize(root, map[string]any{"debounce": 0})
	uri := s.open(filepath.Join(root, "Dockerfile"), text, 1)
	findings := len(s.diagnostics(uri, 1))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		v := i + 2
		mark := s.c.Mark()
		_ = s.c.Notify("textDocument/didChange", map[string]any{"textDocument": map[string]any{"uri": uri, "version": v},
			"contentChanges": []any{map[string]any{"text": text + strings.Repeat("#\n", i%2)}}})
		s.diagnosticsSince(mark, uri, v)
	}
	b.StopTimer()
	b.ReportMetric(float64(findings), "findings")
	s.close()
}

// TestLSPDiagnosticsOnALargeFile publishes diagnostics for every change of a 300-line
// file and logs how long each took.
func TestLSPDiagnosticsOnALargeFile(t *testing.T) {
	for _, dense := range []bool{false, true} {
		root := t.TempDir()
		text := dockerfile300(dense)
		if n := strings.Count(text, "\n"); n < 290 || n > 330 {
			t.Fatalf("%d lines", n)
		}
		s := startLSP(t)
		s.initialize(root, map[string]any{"debounce": 0})
		uri := s.open(filepath.Join(root, "Dockerfile"), text, 1)
		findings := len(s.diagnostics(uri, 1))
		if findings < 10 {
			t.Fatalf("only %d findings in the benchmark file", findings)
		}
		var times []time.Duration
		for v := 2; v < 17; v++ {
			mark := s.c.Mark()
			start := time.Now()
			_ = s.c.Notify("textDocument/didChange", map[string]any{"textDocument": map[string]any{"uri": uri, "version": v},
				"contentChanges": []any{map[string]any{"text": text + strings.Repeat("#\n", v%2)}}})
			s.diagnosticsSince(mark, uri, v)
			times = append(times, time.Since(start))
		}
		slices.Sort(times)
		median := times[len(times)/2]
		t.Logf("dense=%v: %d lines, %d findings: diagnostics in median %v, min %v, max %v", dense,
			strings.Count(text, "\n"), findings, median, times[0], times[len(times)-1])
		// No timing assertion: the machines are shared and noisy. The number is
		// measured by BenchmarkLSPDiagnostics and read by people.
		s.close()
	}
}

// The settings an editor can give are lsp.Settings' keys, and each is the flag it
// says it is.
func TestLSPSettingsAreFlags(t *testing.T) {
	yes := true
	s := lsp.Settings{UnsafeFixes: &yes, Select: []string{"all"}, Ignore: []string{"DL3015", "exec-form"}, Config: "c.toml",
		NoConfig: true, Context: "ctx", Pin: true, PinLock: "l.json", Offline: true, Args: []string{"--platform", "linux/arm64"}}
	want := []string{"--unsafe-fixes=true", "--select=all", "--ignore=DL3015,exec-form", "--config=c.toml", "--no-config",
		"--context=ctx", "--pin", "--pin-lock=l.json", "--offline", "--platform", "linux/arm64"}
	if got := settingsArgs(s); !reflect.DeepEqual(got, want) {
		t.Errorf("settingsArgs = %q, want %q", got, want)
	}
	if got := lspFlags([]string{"dfix", "--unsafe-fixes", "lsp", "--select", "lsp", "-q"}); !reflect.DeepEqual(got, []string{"--unsafe-fixes", "--select", "lsp", "-q"}) {
		t.Errorf("lspFlags = %q", got)
	}
	eng := &lspEngine{}
	for _, c := range []struct {
		path, lang string
		want       bool
	}{
		{"/a/Dockerfile", "", true}, {"/a/Containerfile", "plaintext", true}, {"/a/api.dockerfile", "", true},
		{"/a/Dockerfile.prod", "", true}, {"/a/build.docker", "dockerfile", true}, {"", "dockerfile", true},
		{"/a/Dockerfile.j2", "dockerfile", false}, {"/a/Dockerfile.sh", "dockerfile", false}, {"/a/notes.txt", "plaintext", false},
	} {
		if got := eng.IsDockerfile(c.path, c.lang); got != c.want {
			t.Errorf("IsDockerfile(%q, %q) = %v", c.path, c.lang, got)
		}
	}
}

// The VS Code extension's package.json is a valid extension manifest whose settings
// are the server's, and its code is valid JavaScript (where node is installed).
func TestVSCodeExtension(t *testing.T) {
	dir := filepath.Join("editors", "vscode")
	b, err := os.ReadFile(filepath.Join(dir, "package.json"))
	if err != nil {
		t.Fatal(err)
	}
	var pkg struct {
		Name             string            `json:"name"`
		DisplayName      string            `json:"displayName"`
		Publisher        string            `json:"publisher"`
		Version          string            `json:"version"`
		Main             string            `json:"main"`
		Engines          map[string]string `json:"engines"`
		ActivationEvents []string          `json:"activationEvents"`
		Dependencies     map[string]string `json:"dependencies"`
		Contributes      struct {
			Configuration struct {
				Title      string `json:"title"`
				Properties map[string]struct {
					Type        any    `json:"type"`
					Description string `json:"description"`
					Default     any    `json:"default"`
				} `json:"properties"`
			} `json:"configuration"`
			Commands []struct {
				Command string `json:"command"`
				Title   string `json:"title"`
			} `json:"commands"`
		} `json:"contributes"`
	}
	if err := json.Unmarshal(b, &pkg); err != nil {
		t.Fatalf("package.json: %v", err)
	}
	if pkg.Name != "dfix" || pkg.Publisher == "" || pkg.DisplayName == "" ||
		!regexpMatch(`^\d+\.\d+\.\d+$`, pkg.Version) || !regexpMatch(`^\^\d+\.\d+\.\d+$`, pkg.Engines["vscode"]) {
		t.Errorf("package.json header: %+v", pkg)
	}
	if _, err := os.Stat(filepath.Join(dir, pkg.Main)); err != nil {
		t.Errorf("main %q: %v", pkg.Main, err)
	}
	if !slices.Contains(pkg.ActivationEvents, "onLanguage:dockerfile") {
		t.Errorf("activationEvents %q", pkg.ActivationEvents)
	}
	if pkg.Dependencies["vscode-languageclient"] == "" {
		t.Errorf("dependencies %v", pkg.Dependencies)
	}
	settings := map[string]bool{}
	st := reflect.TypeOf(lsp.Settings{})
	for i := 0; i < st.NumField(); i++ {
		name, _, _ := strings.Cut(st.Field(i).Tag.Get("json"), ",")
		settings[name] = true
	}
	js, err := os.ReadFile(filepath.Join(dir, pkg.Main))
	if err != nil {
		t.Fatal(err)
	}
	for key, p := range pkg.Contributes.Configuration.Properties {
		name, ok := strings.CutPrefix(key, "dfix.")
		if !ok || p.Type == nil || p.Description == "" {
			t.Errorf("setting %s: %+v", key, p)
		}
		switch name {
		case "path", "trace.server":
			continue // the extension's own
		}
		if !settings[name] {
			t.Errorf("setting %s is not a server setting (lsp.Settings)", key)
		}
	}
	for _, c := range pkg.Contributes.Commands {
		if !strings.Contains(string(js), c.Command) {
			t.Errorf("command %s is declared but extension.js does not register it", c.Command)
		}
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed: extension.js not syntax-checked")
	}
	if out, err := exec.Command(node, "--check", filepath.Join(dir, pkg.Main)).CombinedOutput(); err != nil {
		t.Errorf("node --check %s: %v\n%s", pkg.Main, err, out)
	}
}

func regexpMatch(re, s string) bool {
	m, _ := regexp.MatchString(re, s)
	return m
}

// The editors' configuration files parse, start `dfix lsp`, and are shown verbatim in
// docs/editors.md.
func TestEditorConfigs(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("docs", "editors.md"))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]func([]byte) error{
		"editors/helix/languages.toml": func(b []byte) error {
			var v struct {
				LanguageServer map[string]struct {
					Command string   `toml:"command"`
					Args    []string `toml:"args"`
				} `toml:"language-server"`
				Language []struct {
					Name            string `toml:"name"`
					LanguageServers []any  `toml:"language-servers"`
				} `toml:"language"`
			}
			if err := toml.Unmarshal(b, &v); err != nil {
				return err
			}
			ls := v.LanguageServer["dfix"]
			if ls.Command != "dfix" || !slices.Equal(ls.Args, []string{"lsp"}) || len(v.Language) == 0 {
				return fmt.Errorf("no dfix lsp server for a language: %+v", v)
			}
			return nil
		},
		"editors/zed/settings.json": func(b []byte) error {
			var v struct {
				LSP map[string]struct {
					Binary struct {
						Path      string   `json:"path"`
						Arguments []string `json:"arguments"`
					} `json:"binary"`
				} `json:"lsp"`
			}
			if err := json.Unmarshal(b, &v); err != nil {
				return err
			}
			if v.LSP["dfix"].Binary.Path != "dfix" || !slices.Equal(v.LSP["dfix"].Binary.Arguments, []string{"lsp"}) {
				return fmt.Errorf("no dfix lsp: %+v", v)
			}
			return nil
		},
		"editors/neovim/dfix.lua": func(b []byte) error {
			if !bytes.Contains(b, []byte(`{ "dfix", "lsp" }`)) {
				return fmt.Errorf("does not start dfix lsp")
			}
			if nvim, err := exec.LookPath("nvim"); err == nil {
				// Syntax only: loadfile compiles without running.
				out, err := exec.Command(nvim, "--headless", "--clean", "-u", "NONE", "-c",
					"lua local f, e = loadfile('"+filepath.Join("editors", "neovim", "dfix.lua")+"'); if not f then io.stderr:write(e) vim.cmd('cquit 3') end",
					"-c", "qa!").CombinedOutput()
				if err != nil {
					return fmt.Errorf("%v: %s", err, out)
				}
			}
			return nil
		},
	}
	for name, check := range files {
		b, err := os.ReadFile(filepath.FromSlash(name))
		if err != nil {
			t.Error(err)
			continue
		}
		if err := check(b); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if !bytes.Contains(doc, b) {
			t.Errorf("docs/editors.md does not show %s as it is", name)
		}
	}
}
