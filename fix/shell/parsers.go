package shell

import (
	"strings"
	"sync"

	"mvdan.cc/sh/v3/syntax"
)

// parsers keeps mvdan/sh parsers, with comments kept, for reuse, one pool per
// grammar: a Parser carries about 10 KB of buffers, and a new one per RUN was a
// twentieth of everything a check allocated. Parse resets a parser, and the trees it
// returns share nothing with it, so a pooled parser behaves as a new one.
var parsers = map[syntax.LangVariant]*sync.Pool{
	syntax.LangBash:       newParserPool(syntax.LangBash),
	syntax.LangMirBSDKorn: newParserPool(syntax.LangMirBSDKorn),
}

func newParserPool(v syntax.LangVariant) *sync.Pool {
	return &sync.Pool{New: func() any { return syntax.NewParser(syntax.KeepComments(true), syntax.Variant(v)) }}
}

// parseText parses a shell text in the grammar v, comments kept.
func parseText(text string, v syntax.LangVariant) (*syntax.File, error) {
	pool := parsers[v]
	if pool == nil {
		return syntax.NewParser(syntax.KeepComments(true), syntax.Variant(v)).Parse(strings.NewReader(text), "")
	}
	p := pool.Get().(*syntax.Parser)
	defer pool.Put(p)
	return p.Parse(strings.NewReader(text), "")
}
