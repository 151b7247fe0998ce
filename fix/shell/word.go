package shell

import (
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// Escapes says what ReadWord does with a backslash, and with a $ or ` that starts no
// expansion.
type Escapes int

const (
	// EscapesReject reads no word that has them: shells differ on what they mean.
	EscapesReject Escapes = iota
	// EscapesKeep reads the text as written, backslashes included.
	EscapesKeep
	// EscapesRemove removes backslashes as the shell does: before any char outside
	// quotes, before $ ` " \ and newline inside double quotes; an escaped newline goes
	// with its backslash.
	EscapesRemove
)

// WordOptions say how ReadWord reads what is not plain text. The zero value reads only
// what means the same as its text in every shell (PlainWord).
type WordOptions struct {
	// Globs reads unquoted * ? [ ] { } and ~ as written; without it a word that has
	// them is not read.
	Globs bool
	// Escapes: see Escapes.
	Escapes Escapes
	// Expansion reads a part that is neither text nor quotes ($VAR, ${...}, $(...),
	// $((...)), ...), unquoted or inside double quotes: first tells that it is the
	// first part of the word, or the first inside the double quotes that open it.
	// nil, or false from it: the word is not read.
	Expansion func(part syntax.WordPart, first bool) (string, bool)
	// DollarSingle reads $'...' as its text as written (its escapes not decoded);
	// DollarDouble reads $"..." as "...". Without them such a word is not read.
	DollarSingle, DollarDouble bool
}

// ReadWord returns the value of a word as the options read it, and false for a word
// they do not read.
func ReadWord(w *syntax.Word, o WordOptions) (string, bool) {
	var b strings.Builder
	for k, part := range w.Parts {
		switch p := part.(type) {
		case *syntax.Lit:
			if !o.text(&b, p.Value, false) {
				return "", false
			}
		case *syntax.SglQuoted:
			if p.Dollar && !o.DollarSingle {
				return "", false
			}
			b.WriteString(p.Value)
		case *syntax.DblQuoted:
			if p.Dollar && !o.DollarDouble {
				return "", false
			}
			for j, q := range p.Parts {
				if l, ok := q.(*syntax.Lit); ok {
					if !o.text(&b, l.Value, true) {
						return "", false
					}
					continue
				}
				if !o.expansion(&b, q, k == 0 && j == 0) {
					return "", false
				}
			}
		default:
			if !o.expansion(&b, part, k == 0) {
				return "", false
			}
		}
	}
	return b.String(), true
}

// globChars are the unquoted chars a shell may expand as a glob, brace or tilde.
const globChars = "*?[]{}~"

// text writes literal text, unquoted or inside double quotes.
func (o WordOptions) text(b *strings.Builder, s string, quoted bool) bool {
	switch {
	case o.Escapes == EscapesReject && strings.ContainsAny(s, "\\$`"):
		return false
	case o.Escapes == EscapesRemove:
		for k := 0; k < len(s); k++ {
			c, escaped := s[k], false
			if c == '\\' && k+1 < len(s) && (!quoted || strings.IndexByte("$`\"\\\n", s[k+1]) >= 0) {
				k++
				c, escaped = s[k], true
				if c == '\n' {
					continue
				}
			}
			if !quoted && !escaped && !o.Globs && strings.IndexByte(globChars, c) >= 0 {
				return false
			}
			b.WriteByte(c)
		}
		return true
	case !quoted && !o.Globs && strings.ContainsAny(s, globChars):
		return false
	}
	b.WriteString(s)
	return true
}

func (o WordOptions) expansion(b *strings.Builder, part syntax.WordPart, first bool) bool {
	if o.Expansion == nil {
		return false
	}
	v, ok := o.Expansion(part, first)
	b.WriteString(v)
	return ok
}
