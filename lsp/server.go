package lsp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"github.com/dfix-dev/dfix/fix"
	"github.com/sourcegraph/jsonrpc2"
)

// Engine is dfix as its command line runs it. The server calls it from several
// goroutines at once.
type Engine interface {
	// Configure applies the editor's settings on top of the flags the server was
	// started with and forgets every configuration file read so far (they are read
	// again as documents need them). An error leaves the previous settings in force.
	Configure(s Settings) error
	// Run runs the rules on text, the content of the document at path: as `dfix PATH`
	// does (findings only) when write is false, as `dfix -w PATH` does when it is true.
	// A non-empty note says the document was skipped and why. The error is a
	// *rewrite.ParseError when the text is not a Dockerfile.
	Run(ctx context.Context, path string, text []byte, write bool) (*fix.Result, string, error)
	// Explain returns the text of `dfix explain RULE`.
	Explain(r *fix.Rule) string
	// IsDockerfile reports whether the server handles the document at path (a file
	// name; "" for an unsaved buffer) with the client's language id.
	IsDockerfile(path, languageID string) bool
}

// Options set up a Server.
type Options struct {
	// Log receives the server's own messages (never standard output): usually stderr,
	// which editors show in their language server log.
	Log io.Writer
	// Version is dfix's version, for serverInfo.
	Version string
	// Debounce is how long after the last change diagnostics are computed (default
	// 150ms; the editor's "debounce" setting wins).
	Debounce time.Duration
}

// Server is dfix's language server: one per connection.
type Server struct {
	engine   Engine
	log      *log.Logger
	logOut   io.Writer
	version  string
	debounce time.Duration

	ctx    context.Context // cancelled when the server stops
	cancel context.CancelFunc
	exited chan struct{}

	mu          sync.Mutex
	conn        *jsonrpc2.Conn
	initialized bool // initialize answered
	shutdown    bool // shutdown answered
	exitCode    int
	enc         Encoding
	caps        ClientCapabilities
	root        string
	settings    Settings
	docs        map[string]*document // by URI
	// publishing orders the diagnostics of a URI across its documents: those of a
	// document reopened at once must not go out before the old one's clearing.
	publishing map[string]*sync.Mutex
	inflight   map[string]context.CancelFunc // requests being answered, by id
	exitOnce   sync.Once
}

// NewServer returns a server that runs engine.
func NewServer(engine Engine, opts Options) *Server {
	out := opts.Log
	if out == nil {
		out = io.Discard
	}
	if opts.Debounce <= 0 {
		opts.Debounce = 150 * time.Millisecond
	}
	return &Server{
		engine: engine, logOut: out, log: log.New(out, "dfix lsp: ", log.LstdFlags),
		version: opts.Version, debounce: opts.Debounce, enc: UTF16,
		exited: make(chan struct{}), docs: map[string]*document{}, publishing: map[string]*sync.Mutex{}, inflight: map[string]context.CancelFunc{},
	}
}

// stdio joins the two halves of standard input and output into one connection.
type stdio struct {
	io.Reader
	io.Writer
}

func (s stdio) Close() error {
	var errs []error
	if c, ok := s.Reader.(io.Closer); ok {
		errs = append(errs, c.Close())
	}
	if c, ok := s.Writer.(io.Closer); ok {
		errs = append(errs, c.Close())
	}
	return errors.Join(errs...)
}

// Serve answers the client on in and out (standard input and output) until the
// client sends exit or closes the connection. It returns the process exit code the
// protocol asks for: 0 after shutdown then exit, 1 otherwise.
func (s *Server) Serve(ctx context.Context, in io.Reader, out io.Writer) int {
	s.ctx, s.cancel = context.WithCancel(ctx)
	defer s.cancel()
	stream := jsonrpc2.NewBufferedStream(stdio{in, out}, jsonrpc2.VSCodeObjectCodec{})
	conn := jsonrpc2.NewConn(s.ctx, stream, s, jsonrpc2.SetLogger(log.New(s.logOut, "dfix lsp: ", log.LstdFlags)))
	s.mu.Lock()
	s.conn = conn
	s.mu.Unlock()
	select {
	case <-conn.DisconnectNotify():
	case <-s.exited:
		_ = conn.Close()
	case <-ctx.Done():
		_ = conn.Close()
	}
	s.cancel()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, d := range s.docs {
		if d.timer != nil {
			d.timer.Stop()
		}
	}
	select {
	case <-s.exited:
		return s.exitCode
	default:
		if s.shutdown {
			return 0
		}
		return 1
	}
}

// Handle is called by the connection for every message, in the order they arrive.
// Notifications that change the server's state are handled here, before the next
// message is read; requests take what they need of that state here too (the
// document's text at this point of the stream) and are answered in their own
// goroutine, so that a slow one never holds up the rest and $/cancelRequest can reach
// it.
func (s *Server) Handle(ctx context.Context, conn *jsonrpc2.Conn, req *jsonrpc2.Request) {
	s.mu.Lock()
	if s.conn == nil {
		s.conn = conn
	}
	s.mu.Unlock()
	if req.Notif {
		s.notification(req)
		return
	}
	answer, rerr := s.prepare(req)
	if rerr != nil {
		s.replyError(req.ID, rerr)
		return
	}
	rctx, cancel := context.WithCancel(s.ctx)
	key := req.ID.String()
	s.mu.Lock()
	s.inflight[key] = cancel
	s.mu.Unlock()
	go func() {
		defer func() {
			s.mu.Lock()
			delete(s.inflight, key)
			s.mu.Unlock()
			cancel()
		}()
		var result any
		var err error
		func() {
			defer func() {
				if p := recover(); p != nil {
					buf := make([]byte, 4096)
					buf = buf[:runtime.Stack(buf, false)]
					s.log.Printf("internal error in %s (a dfix bug, please report it): %v\n%s", req.Method, p, buf)
					err = &jsonrpc2.Error{Code: codeInternalError, Message: fmt.Sprintf("dfix: internal error: %v", p)}
				}
			}()
			result, err = answer(rctx)
		}()
		if rctx.Err() != nil && s.ctx.Err() == nil {
			s.replyError(req.ID, &jsonrpc2.Error{Code: codeRequestCancelled, Message: "request cancelled"})
			return
		}
		if err != nil {
			var je *jsonrpc2.Error
			if !errors.As(err, &je) {
				je = &jsonrpc2.Error{Code: codeInternalError, Message: err.Error()}
			}
			s.replyError(req.ID, je)
			return
		}
		if err := conn.Reply(s.ctx, req.ID, result); err != nil && !errors.Is(err, jsonrpc2.ErrClosed) {
			s.log.Printf("replying to %s: %v", req.Method, err)
		}
	}()
}

// answerFunc computes a request's result once its part of the server's state is taken.
type answerFunc func(ctx context.Context) (any, error)

func done(v any) answerFunc { return func(context.Context) (any, error) { return v, nil } }

// prepare handles what a request must do in stream order and returns what is left to
// do in its own goroutine.
func (s *Server) prepare(req *jsonrpc2.Request) (answerFunc, *jsonrpc2.Error) {
	s.mu.Lock()
	initialized, shutdown := s.initialized, s.shutdown
	s.mu.Unlock()
	switch {
	case req.Method == "initialize":
		if initialized {
			return nil, &jsonrpc2.Error{Code: codeInvalidRequest, Message: "initialize was already received"}
		}
		var p InitializeParams
		if err := decode(req, &p); err != nil {
			return nil, err
		}
		return done(s.initialize(p)), nil
	case !initialized:
		return nil, &jsonrpc2.Error{Code: codeServerNotInitialized, Message: "the server is not initialized"}
	case shutdown:
		return nil, &jsonrpc2.Error{Code: codeInvalidRequest, Message: "the server is shutting down"}
	}
	switch req.Method {
	case "shutdown":
		s.mu.Lock()
		s.shutdown = true
		s.mu.Unlock()
		return done(nil), nil
	case "textDocument/codeAction":
		var p CodeActionParams
		if err := decode(req, &p); err != nil {
			return nil, err
		}
		return s.codeAction(p), nil
	case "textDocument/formatting":
		var p DocumentFormattingParams
		if err := decode(req, &p); err != nil {
			return nil, err
		}
		return s.formatting(p), nil
	case "textDocument/hover":
		var p TextDocumentPositionParams
		if err := decode(req, &p); err != nil {
			return nil, err
		}
		return s.hover(p), nil
	case "workspace/executeCommand":
		var p ExecuteCommandParams
		if err := decode(req, &p); err != nil {
			return nil, err
		}
		return s.executeCommand(p)
	}
	return nil, &jsonrpc2.Error{Code: codeMethodNotFound, Message: "dfix does not handle " + req.Method}
}

func decode(req *jsonrpc2.Request, v any) *jsonrpc2.Error {
	if req.Params == nil {
		return &jsonrpc2.Error{Code: codeInvalidParams, Message: req.Method + ": no params"}
	}
	if err := json.Unmarshal(*req.Params, v); err != nil {
		return &jsonrpc2.Error{Code: codeInvalidParams, Message: req.Method + ": " + err.Error()}
	}
	return nil
}

func (s *Server) replyError(id jsonrpc2.ID, e *jsonrpc2.Error) {
	s.mu.Lock()
	conn := s.conn
	s.mu.Unlock()
	if err := conn.ReplyWithError(s.ctx, id, e); err != nil && !errors.Is(err, jsonrpc2.ErrClosed) {
		s.log.Printf("replying: %v", err)
	}
}

// notify sends a notification to the client; a closed connection is not an error.
func (s *Server) notify(method string, params any) {
	s.mu.Lock()
	conn := s.conn
	s.mu.Unlock()
	if err := conn.Notify(s.ctx, method, params); err != nil && !errors.Is(err, jsonrpc2.ErrClosed) && s.ctx.Err() == nil {
		s.log.Printf("sending %s: %v", method, err)
	}
}

// call sends a request to the client and waits for its answer. It must not be
// called from Handle: the answer is read by the loop that calls Handle.
func (s *Server) call(ctx context.Context, method string, params, result any) error {
	s.mu.Lock()
	conn := s.conn
	s.mu.Unlock()
	return conn.Call(ctx, method, params, result)
}

// showMessage tells the user something in the editor, and logs it.
func (s *Server) showMessage(typ int, msg string) {
	s.log.Print(msg)
	s.notify("window/showMessage", ShowMessageParams{Type: typ, Message: "dfix: " + msg})
}

func (s *Server) initialize(p InitializeParams) *InitializeResult {
	root := ""
	switch {
	case len(p.WorkspaceFolders) > 0:
		root = uriPath(p.WorkspaceFolders[0].URI)
	case p.RootURI != "":
		root = uriPath(p.RootURI)
	case p.RootPath != "":
		root = p.RootPath
	}
	enc := pickEncoding(p.Capabilities.General.PositionEncodings)
	settings, serr := parseSettings(p.InitializationOptions)
	s.mu.Lock()
	s.caps = p.Capabilities
	s.root = root
	s.enc = enc
	s.settings = settings
	s.initialized = true
	s.mu.Unlock()
	if serr == nil {
		serr = s.engine.Configure(settings.resolve(root))
	}
	if serr != nil {
		go s.showMessage(MessageError, serr.Error())
	}
	res := &InitializeResult{
		Capabilities: ServerCapabilities{
			TextDocumentSync: TextDocumentSyncOptions{OpenClose: true, Change: SyncIncremental,
				Save: SaveOptions{IncludeText: false}},
			CodeActionProvider:         CodeActionOptions{CodeActionKinds: []string{KindQuickFix, KindFixAll}},
			DocumentFormattingProvider: true,
			HoverProvider:              true,
			ExecuteCommandProvider:     ExecuteCommandOptions{Commands: []string{CommandFixAll, CommandApplyEdit}},
		},
		ServerInfo: ServerInfo{Name: "dfix", Version: s.version},
	}
	if len(p.Capabilities.General.PositionEncodings) > 0 {
		res.Capabilities.PositionEncoding = string(enc)
	}
	return res
}

// configFiles are the names whose change makes the server read the configuration again.
var configFiles = []string{".dfix.toml", ".hadolint.yaml", ".hadolint.yml"}

func isConfigFile(path string) bool {
	base := filepath.Base(path)
	for _, n := range configFiles {
		if base == n {
			return true
		}
	}
	return false
}

func (s *Server) notification(req *jsonrpc2.Request) {
	if req.Method == "exit" {
		s.mu.Lock()
		if s.shutdown {
			s.exitCode = 0
		} else {
			s.exitCode = 1
		}
		s.mu.Unlock()
		s.exitOnce.Do(func() { close(s.exited) })
		return
	}
	s.mu.Lock()
	initialized, shutdown := s.initialized, s.shutdown
	s.mu.Unlock()
	if !initialized || shutdown {
		return // dropped, as the protocol says
	}
	var err *jsonrpc2.Error
	switch req.Method {
	case "initialized":
		go s.afterInitialized()
	case "$/cancelRequest":
		var p CancelParams
		if err = decode(req, &p); err == nil {
			s.cancelRequest(p.ID)
		}
	case "textDocument/didOpen":
		var p DidOpenTextDocumentParams
		if err = decode(req, &p); err == nil {
			s.didOpen(p)
		}
	case "textDocument/didChange":
		var p DidChangeTextDocumentParams
		if err = decode(req, &p); err == nil {
			s.didChange(p)
		}
	case "textDocument/didSave":
		var p DidSaveTextDocumentParams
		if err = decode(req, &p); err == nil {
			s.didSave(p)
		}
	case "textDocument/didClose":
		var p DidCloseTextDocumentParams
		if err = decode(req, &p); err == nil {
			s.didClose(p)
		}
	case "workspace/didChangeWatchedFiles":
		var p DidChangeWatchedFilesParams
		if err = decode(req, &p); err == nil {
			for _, c := range p.Changes {
				if isConfigFile(uriPath(c.URI)) {
					s.reconfigure(nil)
					break
				}
			}
		}
	case "workspace/didChangeConfiguration":
		var p DidChangeConfigurationParams
		if err = decode(req, &p); err == nil {
			if len(p.Settings) == 0 || string(p.Settings) == "null" || string(p.Settings) == "{}" {
				go s.pullSettings() // the client expects to be asked (workspace/configuration)
			} else {
				s.reconfigure(p.Settings)
			}
		}
	}
	if err != nil {
		s.log.Printf("%s: %s", req.Method, err.Message)
	}
}

func (s *Server) cancelRequest(id json.RawMessage) {
	// The id is read as the connection read the request's: a string that looks like a
	// number ("5", as LSP4J sends) is still a string.
	var rid jsonrpc2.ID
	if rid.UnmarshalJSON(id) != nil {
		return
	}
	key := rid.String()
	s.mu.Lock()
	cancel := s.inflight[key]
	s.mu.Unlock()
	if cancel != nil {
		cancel()
	}
}

// afterInitialized asks the client to watch the configuration files, and for the
// settings when it keeps them (workspace/configuration) and gave none at initialize.
func (s *Server) afterInitialized() {
	s.mu.Lock()
	caps, hasSettings := s.caps, !isZeroSettings(s.settings)
	s.mu.Unlock()
	if caps.Workspace.DidChangeWatchedFiles.DynamicRegistration {
		var watchers []FileSystemWatcher
		for _, n := range configFiles {
			watchers = append(watchers, FileSystemWatcher{GlobPattern: "**/" + n})
		}
		err := s.call(s.ctx, "client/registerCapability", RegistrationParams{Registrations: []Registration{{
			ID: "dfix-config-files", Method: "workspace/didChangeWatchedFiles",
			RegisterOptions: DidChangeWatchedFilesRegistrationOptions{Watchers: watchers},
		}}}, nil)
		if err != nil && s.ctx.Err() == nil {
			s.log.Printf("registering the configuration file watchers: %v", err)
		}
	}
	if caps.Workspace.Configuration && !hasSettings {
		s.pullSettings()
	}
}

func isZeroSettings(st Settings) bool {
	b, _ := json.Marshal(st)
	return string(b) == "{}"
}

// pullSettings asks the client for the "dfix" settings section and applies it.
func (s *Server) pullSettings() {
	s.mu.Lock()
	ok := s.caps.Workspace.Configuration
	s.mu.Unlock()
	if !ok {
		return
	}
	var res []json.RawMessage
	if err := s.call(s.ctx, "workspace/configuration", ConfigurationParams{Items: []ConfigurationItem{{Section: "dfix"}}}, &res); err != nil {
		if s.ctx.Err() == nil {
			s.log.Printf("asking for the settings: %v", err)
		}
		return
	}
	if len(res) == 1 {
		s.mu.Lock()
		s.reconfigureLocked(res[0])
		s.mu.Unlock()
	}
}

// reconfigure applies new settings (nil: the same ones, with the configuration files
// read again) and diagnoses every open document again.
func (s *Server) reconfigure(raw json.RawMessage) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reconfigureLocked(raw)
}

func (s *Server) reconfigureLocked(raw json.RawMessage) {
	settings := s.settings
	if raw != nil {
		var err error
		if settings, err = parseSettings(raw); err != nil {
			go s.showMessage(MessageError, err.Error())
			return
		}
	}
	if err := s.engine.Configure(settings.resolve(s.root)); err != nil {
		go s.showMessage(MessageError, err.Error())
		return
	}
	s.settings = settings
	for _, d := range s.docs {
		d.current = newAnalysis(d, d.current.version, d.current.text, s.enc)
		s.scheduleLocked(d, 0)
	}
}

// uriPath returns the file path of a file: URI, or "" for another scheme.
func uriPath(uri string) string {
	u, err := url.Parse(uri)
	if err != nil || u.Scheme != "file" {
		return ""
	}
	p := u.Path
	if runtime.GOOS == "windows" {
		// file:///C:/x -> /C:/x -> C:/x
		if len(p) >= 3 && p[0] == '/' && p[2] == ':' {
			p = p[1:]
		}
		if u.Host != "" && u.Host != "localhost" {
			p = "//" + u.Host + p // a UNC path
		}
	}
	return filepath.FromSlash(p)
}

// documentPath is the path the engine is given for a document: its file, or for an
// unsaved buffer a Dockerfile in the workspace root (whose settings it gets).
func (s *Server) documentPath(uri string) string {
	if p := uriPath(uri); p != "" {
		return p
	}
	root := s.root
	if root == "" {
		root, _ = os.Getwd()
	}
	return filepath.Join(root, "Dockerfile")
}
