package fix

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/dfix-dev/dfix/rewrite"
	bkshell "github.com/moby/buildkit/frontend/dockerfile/shell"
)

// MetaArgs are the ARGs declared before the first FROM, read as BuildKit reads them
// when no --build-arg is given (dockerfile2llb's buildMetaArgs): a default goes through
// BuildKit's word processing (quotes and escapes removed, earlier meta ARGs expanded);
// an ARG without a default is declared but unset, and declaring it again keeps the
// default it already has. Every rule reads them from here, so that they all agree.
type MetaArgs struct {
	vals map[string]string // names with a value
	// written is where the default in effect for each name is written, for a fix
	// that rewrites it there (pin-digest); a name declared only without a default is
	// here with no value. It leaves out the ARGs whose text dfix could not locate
	// (Instruction.Logical is nil).
	written map[string]argDefault
	escape  rune   // the file's escape char
	active  string // the chars that make a word worth giving to BuildKit's lexer
}

// argDefault is the default of a global ARG as written in the file.
type argDefault struct {
	value      string // as written, one pair of enclosing quotes removed; "" without a default
	start, end int    // file span of value
	ok         bool   // value is one unbroken range of the file, no line continuation inside
}

// metaArgsOf reads the ARGs before the first FROM of doc.
func metaArgsOf(doc *rewrite.Document) *MetaArgs {
	m := &MetaArgs{vals: map[string]string{}, written: map[string]argDefault{}, escape: rune(doc.Escape), active: "$\"'" + string(rune(doc.Escape))}
	for _, in := range doc.Instructions {
		if in.Stage >= 0 {
			break // only the ARGs before the first FROM are global
		}
		if in.Keyword != "arg" {
			continue
		}
		spans, located := nodeWordSpans(in)
		for i, w := range nodeWords(in) {
			k, v, ok := strings.Cut(w, "=")
			if k == "" {
				continue
			}
			if located {
				m.noteWritten(in, k, ok, spans[i])
			}
			if !ok {
				continue // declared without a default: unset until --build-arg sets it
			}
			if res, _, err := bkshell.NewLex(m.escape).ProcessWord(v, m.env(false)); err == nil {
				v = res
			} // else BuildKit rejects the build; the text as written is all there is
			m.vals[k] = v
		}
	}
	return m
}

// noteWritten records where the ARG word at logical span w of in writes the default
// of name, when it has one; declared again without one, a name keeps its default.
func (m *MetaArgs) noteWritten(in *rewrite.Instruction, name string, hasDefault bool, w rewrite.Span) {
	if !hasDefault {
		if _, seen := m.written[name]; !seen {
			m.written[name] = argDefault{}
		}
		return
	}
	vs, ve := w.Start+len(name)+1, w.End
	v := in.Logical.Text[vs:ve]
	if u := unquotePair(v); u != v {
		v, vs, ve = u, vs+1, ve-1
	}
	start, end, ok := in.Logical.FileSpan(vs, ve)
	m.written[name] = argDefault{value: v, start: start, end: end, ok: ok}
}

// nodeWordSpans finds the words BuildKit parsed for in (nodeWords) in its logical
// text, in order: BuildKit splits at white space outside quotes and keeps each word as
// written. ok is false when the text could not be located, or a word is not there.
func nodeWordSpans(in *rewrite.Instruction) (spans []rewrite.Span, ok bool) {
	if in.Logical == nil {
		return nil, false
	}
	t, i := in.Logical.Text, in.ArgsStart
	for n := in.Node.Next; n != nil; n = n.Next {
		for i < len(t) {
			r, size := utf8.DecodeRuneInString(t[i:])
			if !unicode.IsSpace(r) {
				break
			}
			i += size
		}
		if !strings.HasPrefix(t[i:], n.Value) {
			return nil, false
		}
		spans = append(spans, rewrite.Span{Start: i, End: i + len(n.Value)})
		i += len(n.Value)
	}
	return spans, true
}

// Value returns the default of a global ARG and whether it has one.
func (m *MetaArgs) Value(name string) (string, bool) {
	v, ok := m.vals[name]
	return v, ok
}

// Expand expands a word of a FROM line (the image, a --platform value) as BuildKit
// does: a name without a value reads as empty. A word BuildKit rejects (`${X`, an
// unknown modifier) is returned as written.
func (m *MetaArgs) Expand(word string) string {
	return m.expand(word, false)
}

// ExpandShowing is Expand, but a name without a value reads as ${NAME}, also in
// ${NAME:-default}: the result shows that it depends on a --build-arg or on the
// platform (TARGETARCH...), which dfix cannot know, and a message can show it.
func (m *MetaArgs) ExpandShowing(word string) string {
	return m.expand(word, true)
}

func (m *MetaArgs) expand(word string, show bool) string {
	if !strings.ContainsAny(word, m.active) {
		return word
	}
	// A Lex of its own: a Lex is not safe for concurrent use, MetaArgs is.
	res, _, err := bkshell.NewLex(m.escape).ProcessWord(word, m.env(show))
	if err != nil {
		return word
	}
	return res
}

// metaEnv is the environment BuildKit's lexer reads names from.
type metaEnv struct {
	m    *MetaArgs
	show bool
}

func (e metaEnv) Get(k string) (string, bool) {
	if v, ok := e.m.vals[k]; ok {
		return v, true
	}
	if e.show {
		return "${" + k + "}", true
	}
	return "", false
}

func (e metaEnv) Keys() []string {
	out := make([]string, 0, len(e.m.vals))
	for k := range e.m.vals {
		out = append(out, k)
	}
	return out
}

func (m *MetaArgs) env(show bool) metaEnv { return metaEnv{m: m, show: show} }
