package lsp

import (
	"context"
	"sync"
	"time"

	"github.com/dfix-dev/dfix/fix"
)

// document is an open Dockerfile.
type document struct {
	uri, path  string
	languageID string
	current    *analysis   // of the latest text; replaced on every change
	timer      *time.Timer // the pending diagnostics run
	publishMu  *sync.Mutex // publications for its URI go out one at a time (Server.publishing)
}

// analysis is one version of a document's text and what dfix makes of it, each
// computed at most once, when first asked for.
type analysis struct {
	doc     *document
	version int
	text    []byte
	lines   *Lines
	check   lazy // findings (dfix PATH)
	write   lazy // findings and the fixed text (dfix -w PATH)
}

func newAnalysis(d *document, version int, text []byte, enc Encoding) *analysis {
	return &analysis{doc: d, version: version, text: text, lines: NewLines(text, enc),
		check: newLazy(), write: newLazy()}
}

// outcome is what the engine returned for a text.
type outcome struct {
	res  *fix.Result
	note string
	err  error
}

// lazy is a result computed once, in the background, which callers wait for until
// their request is cancelled.
type lazy struct {
	once sync.Once
	done chan struct{}
	out  outcome
}

func newLazy() lazy { return lazy{done: make(chan struct{})} }

func (lz *lazy) get(ctx context.Context, compute func() outcome) (outcome, error) {
	lz.once.Do(func() {
		go func() {
			lz.out = compute()
			close(lz.done)
		}()
	})
	select {
	case <-lz.done:
		return lz.out, nil
	case <-ctx.Done():
		return outcome{}, ctx.Err()
	}
}

// checked returns the findings of a version of a document.
func (s *Server) checked(ctx context.Context, a *analysis) (outcome, error) {
	return a.check.get(ctx, func() outcome {
		res, note, err := s.engine.Run(s.ctx, a.doc.path, a.text, false)
		return outcome{res, note, err}
	})
}

// fixed returns the findings and the fixed text of a version of a document.
func (s *Server) fixed(ctx context.Context, a *analysis) (outcome, error) {
	return a.write.get(ctx, func() outcome {
		res, note, err := s.engine.Run(s.ctx, a.doc.path, a.text, true)
		return outcome{res, note, err}
	})
}

func (s *Server) didOpen(p DidOpenTextDocumentParams) {
	td := p.TextDocument
	path := uriPath(td.URI)
	if !s.engine.IsDockerfile(path, td.LanguageID) {
		s.log.Printf("%s: not a Dockerfile (language %q): left alone", td.URI, td.LanguageID)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.docs[td.URI]
	if d == nil {
		mu := s.publishing[td.URI]
		if mu == nil {
			mu = &sync.Mutex{}
			s.publishing[td.URI] = mu
		}
		d = &document{uri: td.URI, path: s.documentPath(td.URI), languageID: td.LanguageID, publishMu: mu}
		s.docs[td.URI] = d
	}
	d.current = newAnalysis(d, td.Version, []byte(td.Text), s.enc)
	s.scheduleLocked(d, 0)
}

func (s *Server) didChange(p DidChangeTextDocumentParams) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.docs[p.TextDocument.URI]
	if d == nil {
		return
	}
	text := d.current.text
	for _, c := range p.ContentChanges {
		if c.Range == nil {
			text = []byte(c.Text)
		} else {
			text = ApplyChange(text, *c.Range, c.Text, s.enc)
		}
	}
	d.current = newAnalysis(d, p.TextDocument.Version, text, s.enc)
	s.scheduleLocked(d, s.settings.debounce(s.debounce))
}

func (s *Server) didSave(p DidSaveTextDocumentParams) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.docs[p.TextDocument.URI]
	if d == nil {
		return
	}
	text := d.current.text
	if p.Text != nil {
		text = []byte(*p.Text)
	}
	// The files around the document may have changed too (the build context that
	// copy-deps-first reads, a .dfix.toml when the client does not watch files for the
	// server): look again.
	if !s.caps.Workspace.DidChangeWatchedFiles.DynamicRegistration {
		if err := s.engine.Configure(s.settings.resolve(s.root)); err != nil {
			go s.showMessage(MessageError, err.Error())
		}
		for _, o := range s.docs {
			if o != d {
				o.current = newAnalysis(o, o.current.version, o.current.text, s.enc)
				s.scheduleLocked(o, 0)
			}
		}
	}
	d.current = newAnalysis(d, d.current.version, text, s.enc)
	s.scheduleLocked(d, 0)
}

func (s *Server) didClose(p DidCloseTextDocumentParams) {
	s.mu.Lock()
	d := s.docs[p.TextDocument.URI]
	if d == nil {
		s.mu.Unlock()
		return
	}
	if d.timer != nil {
		d.timer.Stop()
	}
	delete(s.docs, p.TextDocument.URI)
	s.mu.Unlock()
	go func() {
		d.publishMu.Lock()
		defer d.publishMu.Unlock()
		s.mu.Lock()
		reopened := s.docs[d.uri] != nil
		s.mu.Unlock()
		if reopened {
			return // the new document's diagnostics follow, under the same lock
		}
		s.notify("textDocument/publishDiagnostics", PublishDiagnosticsParams{URI: d.uri, Diagnostics: []Diagnostic{}})
	}()
}

// scheduleLocked publishes the diagnostics of the document's current text after delay,
// replacing a publication still waiting. s.mu is held.
func (s *Server) scheduleLocked(d *document, delay time.Duration) {
	if d.timer != nil {
		d.timer.Stop()
	}
	a := d.current
	d.timer = time.AfterFunc(delay, func() { s.publish(a) })
}

// snapshot returns the current analysis of a document, or nil when it is not open.
func (s *Server) snapshot(uri string) *analysis {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d := s.docs[uri]; d != nil {
		return d.current
	}
	return nil
}

// publish sends the diagnostics of a, unless the document has changed since (the
// publication of the newer text follows).
func (s *Server) publish(a *analysis) {
	out, err := s.checked(s.ctx, a)
	if err != nil {
		return // the server is stopping
	}
	diags := s.diagnostics(a, out)
	d := a.doc
	d.publishMu.Lock()
	defer d.publishMu.Unlock()
	s.mu.Lock()
	current := s.docs[d.uri] == d && d.current == a
	versioned := s.caps.TextDocument.PublishDiagnostics.VersionSupport
	s.mu.Unlock()
	if !current {
		return
	}
	params := PublishDiagnosticsParams{URI: d.uri, Diagnostics: diags}
	if versioned {
		v := a.version
		params.Version = &v
	}
	s.notify("textDocument/publishDiagnostics", params)
}
