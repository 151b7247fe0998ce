// Package rewrite knows Dockerfiles as text: where each instruction, its keyword, flags
// and arguments are in the file's bytes, and how to change those bytes by small edits.
// It knows nothing about fixes.
package rewrite

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

var bom = []byte{0xEF, 0xBB, 0xBF}

// MaxLine is the longest line BuildKit's scanner accepts.
const MaxLine = 64*1024 - 1

// Document is a Dockerfile as read: its exact bytes, a line index, the habits of the
// file (line ending, BOM, final newline, escape token) and its instructions located in
// those bytes.
type Document struct {
	Path         string
	Src          []byte
	EOL          string // the file's dominant line ending: "\n" or "\r\n"
	BOM          bool
	FinalNewline bool
	Escape       byte // '\\' or '`'
	Result       *parser.Result
	Instructions []*Instruction

	lineStarts []int // offset of the first byte of every line
	comments   []int // the comment lines (0-based), in order
}

// Instruction is one top-level Dockerfile instruction located in the file.
type Instruction struct {
	Node    *parser.Node
	Keyword string // lower case: "run", "from", ...
	Index   int    // position in Document.Instructions
	Stage   int    // index of the build stage (-1 before the first FROM)

	Start, End         int // bytes of every line of the instruction, End after the last EOL
	StartLine, EndLine int // 1-based, as BuildKit reports them (heredoc bodies included)
	LogicalEndLine     int // 1-based last line of the logical line (before heredoc bodies)

	// Logical is the logical line with its offset map. It is nil when the rebuilt line
	// does not match what BuildKit parsed; such an instruction is left alone by fixes.
	Logical   *Logical
	Flags     []Span // logical spans of the --flags, in order
	ArgsStart int    // logical offset where the arguments begin
	Heredoc   bool
	// Heredocs are the heredoc bodies located in the file, in order; nil when the
	// instruction has none or they could not be located exactly.
	Heredocs []Heredoc
}

// Span is a half-open range [Start, End).
type Span struct{ Start, End int }

// Args returns the logical text of the arguments.
func (in *Instruction) Args() string {
	if in.Logical == nil {
		return ""
	}
	return strings.TrimRight(in.Logical.Text[in.ArgsStart:], " \t\r\v\f")
}

// FlagText returns the text of every flag, as written (quotes kept).
func (in *Instruction) FlagText() []string {
	var out []string
	for _, f := range in.Flags {
		out = append(out, in.Logical.Text[f.Start:f.End])
	}
	return out
}

// ParseError is an error found while reading a Dockerfile, with the line when known.
type ParseError struct {
	Path string
	Line int // 1-based; 0 when unknown
	Err  error
}

func (e *ParseError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %v", e.Path, e.Line, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.Path, e.Err)
}

func (e *ParseError) Unwrap() error { return e.Err }

// Errors a Document can report before BuildKit sees the file.
var (
	ErrBinary     = errors.New("binary file (NUL byte)")
	ErrInvalidUTF = errors.New("invalid UTF-8")
	ErrUTF16      = errors.New("UTF-16 encoded file; only UTF-8 Dockerfiles are supported")
	ErrEmpty      = errors.New("empty file")
	ErrLineTooBig = fmt.Errorf("line longer than %d bytes (BuildKit's limit)", MaxLine)
	ErrCROnly     = errors.New("lines end in CR only (classic Mac OS line endings): BuildKit reads the whole file as one line; convert them to LF")
)

// Parse reads src as a Dockerfile. The error, when not nil, is a *ParseError.
func Parse(path string, src []byte) (*Document, error) {
	d, err := newDocument(path, src)
	if err != nil {
		return nil, err
	}
	res, err := parser.Parse(bytes.NewReader(src))
	if err != nil {
		return nil, d.parseError(err)
	}
	d.setResult(res)
	return d, nil
}

// newDocument indexes src's lines and refuses what BuildKit must not see: the steps of
// Parse before BuildKit's parse.
func newDocument(path string, src []byte) (*Document, error) {
	d := &Document{Path: path, Src: src, Escape: '\\'}
	d.indexLines()
	if err := d.check(); err != nil {
		return nil, err
	}
	return d, nil
}

// parseError turns an error of BuildKit's parse into a *ParseError with the line a
// user would look at.
func (d *Document) parseError(err error) error {
	line := 0
	var le *parser.LocationError
	if errors.As(err, &le) && len(le.Locations) > 0 && len(le.Locations[0]) > 0 {
		line = le.Locations[0][0].Start.Line
	}
	inner := errors.Unwrap(err)
	msg := inner.Error()
	switch {
	case strings.Contains(msg, "no instructions"):
		line = 0 // BuildKit points past the end; the whole file is the problem
	case strings.Contains(msg, "escape token") || strings.Contains(msg, "parser directive"):
		line++ // directive errors are reported before BuildKit counts the line
	}
	return &ParseError{Path: d.Path, Line: line, Err: inner}
}

// setResult takes BuildKit's parse of the file and locates its instructions: the
// steps of Parse after BuildKit's parse.
func (d *Document) setResult(res *parser.Result) {
	d.Result = res
	d.Escape = byte(res.EscapeToken)
	d.locate()
}

func (d *Document) check() error {
	src := d.Src
	if bytes.HasPrefix(src, []byte{0xFF, 0xFE}) || bytes.HasPrefix(src, []byte{0xFE, 0xFF}) {
		return &ParseError{Path: d.Path, Err: ErrUTF16}
	}
	if len(bytes.TrimSpace(src)) == 0 {
		return &ParseError{Path: d.Path, Err: ErrEmpty}
	}
	if i := bytes.IndexByte(src, 0); i >= 0 {
		return &ParseError{Path: d.Path, Line: d.LineOf(i), Err: ErrBinary}
	}
	if crOnly(src) {
		return &ParseError{Path: d.Path, Err: ErrCROnly}
	}
	valid := utf8.Valid(src) // else the first line at fault is found below
	for li := 0; li < d.NumLines(); li++ {
		b := d.lineBytes(li)
		if len(trimEOL(b)) > MaxLine {
			return &ParseError{Path: d.Path, Line: li + 1, Err: ErrLineTooBig}
		}
		if !valid && !utf8.Valid(b) {
			return &ParseError{Path: d.Path, Line: li + 1, Err: ErrInvalidUTF}
		}
	}
	return nil
}

// crOnly reports whether the file's line breaks are mostly lone CRs (a CR followed by
// more text, not by LF): BuildKit splits lines on LF only, so such a file is one long
// line to it, which no fix should touch.
func crOnly(src []byte) bool {
	lone := loneCRs(src)
	if bytes.HasSuffix(src, []byte{'\r'}) {
		lone-- // a CR that ends the file breaks no line
	}
	return lone > 0 && lone > bytes.Count(src, []byte{'\n'})
}

// loneCRs counts the CRs of b that no LF follows in b (a CR that ends b counts).
func loneCRs(b []byte) int {
	lone := 0
	for i := bytes.IndexByte(b, '\r'); i >= 0; {
		if i+1 == len(b) || b[i+1] != '\n' {
			lone++
		}
		k := bytes.IndexByte(b[i+1:], '\r')
		if k < 0 {
			break
		}
		i += 1 + k
	}
	return lone
}

func (d *Document) indexLines() {
	src := d.Src
	d.BOM = bytes.HasPrefix(src, bom)
	d.lineStarts = d.lineStarts[:0]
	if len(src) > 0 {
		d.lineStarts = append(d.lineStarts, 0)
	}
	crlf, lf := 0, 0
	for i, c := range src {
		if c != '\n' {
			continue
		}
		if i > 0 && src[i-1] == '\r' {
			crlf++
		} else {
			lf++
		}
		if i+1 < len(src) {
			d.lineStarts = append(d.lineStarts, i+1)
		}
	}
	d.FinalNewline = len(src) > 0 && src[len(src)-1] == '\n'
	d.EOL = "\n"
	if crlf > lf {
		d.EOL = "\r\n"
	}
	d.comments = d.comments[:0]
	for li := range d.lineStarts {
		if d.IsComment(li) {
			d.comments = append(d.comments, li)
		}
	}
}

// CommentLines returns the 0-based indexes of the comment lines (IsComment), in
// order: the readers of suppressions and pragmas look at these alone.
func (d *Document) CommentLines() []int { return d.comments }

// NumLines returns the number of lines (a last line without newline counts).
func (d *Document) NumLines() int { return len(d.lineStarts) }

// LineStart returns the offset of the first byte of line li (0-based).
func (d *Document) LineStart(li int) int {
	if li >= len(d.lineStarts) {
		return len(d.Src)
	}
	return d.lineStarts[li]
}

// LineEnd returns the offset just after line li's line ending.
func (d *Document) LineEnd(li int) int { return d.LineStart(li + 1) }

// lineEndNoEOL returns the offset of line li's line ending (or of its end).
func (d *Document) lineEndNoEOL(li int) int {
	b := d.lineBytes(li)
	return d.LineStart(li) + len(trimEOL(b))
}

func (d *Document) lineBytes(li int) []byte { return d.Src[d.LineStart(li):d.LineEnd(li)] }

// Line returns line li (0-based) without its line ending.
func (d *Document) Line(li int) string {
	return string(d.LineBytes(li))
}

// LineBytes is Line without the copy: the bytes of the file, not to be changed.
func (d *Document) LineBytes(li int) []byte {
	return trimEOL(d.lineBytes(li))
}

// LineEOL returns the line ending of line li, or the file's dominant one when the line
// has none (the last line of a file without a final newline).
func (d *Document) LineEOL(li int) string {
	b := d.lineBytes(li)
	switch {
	case bytes.HasSuffix(b, []byte("\r\n")):
		return "\r\n"
	case bytes.HasSuffix(b, []byte("\n")):
		return "\n"
	}
	return d.EOL
}

// LineOf returns the 1-based line of a file offset.
func (d *Document) LineOf(off int) int {
	lo, hi := 0, len(d.lineStarts)
	for lo < hi {
		m := (lo + hi) / 2
		if d.lineStarts[m] <= off {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo == 0 {
		return 1
	}
	return lo
}

// Column returns the 1-based column (in characters) of a file offset.
func (d *Document) Column(off int) int {
	start := d.LineStart(d.LineOf(off) - 1)
	if off > len(d.Src) {
		off = len(d.Src)
	}
	b := d.Src[start:off]
	if start == 0 {
		b = bytes.TrimPrefix(b, bom)
	}
	return utf8.RuneCount(b) + 1
}

// IsComment reports whether line li (0-based) is a whole-line # comment.
func (d *Document) IsComment(li int) bool { return isCommentLine(d.lineBytes(li)) }

// IsBlank reports whether line li (0-based) holds only white space.
func (d *Document) IsBlank(li int) bool { return isSpaceOnly(d.lineBytes(li)) }

// locate finds each instruction BuildKit reported in the file's bytes.
func (d *Document) locate() {
	stage := -1
	var text []byte // each logical line in turn, compared with BuildKit's
	for i, n := range d.Result.AST.Children {
		in := &Instruction{
			Node:      n,
			Keyword:   strings.ToLower(n.Value),
			Index:     i,
			StartLine: n.StartLine,
			EndLine:   n.EndLine,
			Start:     d.LineStart(n.StartLine - 1),
			End:       d.LineEnd(n.EndLine - 1),
			Heredoc:   len(n.Heredocs) > 0,
		}
		if in.Keyword == "from" {
			stage++
		}
		in.Stage = stage
		var logical *Logical
		var last int
		logical, text, last = d.buildLogical(n.StartLine-1, text)
		in.LogicalEndLine = last + 1
		if string(text) == n.Original && in.LogicalEndLine <= n.EndLine {
			logical.Text = n.Original // the same bytes: no copy of them
			in.Logical = logical
			in.Flags, in.ArgsStart = ScanFlags(logical.Text, d.Escape)
		}
		if in.Heredoc {
			in.Heredocs = d.locateHeredocs(in)
		}
		d.Instructions = append(d.Instructions, in)
	}
}

func isBlankByte(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f' }

// ScanFlags finds the keyword's --flags in a logical line (or in the instruction of an
// ONBUILD, from its keyword on) the way BuildKit's extractBuilderFlags reads them, and
// where the arguments begin.
func ScanFlags(text string, escape byte) ([]Span, int) {
	i := 0
	for i < len(text) && !isBlankByte(text[i]) { // the keyword
		i++
	}
	var flags []Span
	for {
		for i < len(text) && isBlankByte(text[i]) {
			i++
		}
		if i+1 >= len(text) || text[i] != '-' || text[i+1] != '-' {
			return flags, i
		}
		start := i
		var quote byte
		for i < len(text) {
			c := text[i]
			if quote == 0 && isBlankByte(c) {
				break
			}
			switch {
			case c == escape && i+1 < len(text):
				i++
			case quote == 0 && (c == '\'' || c == '"'):
				quote = c
			case quote != 0 && c == quote:
				quote = 0
			}
			i++
		}
		if text[start:i] == "--" {
			for i < len(text) && isBlankByte(text[i]) {
				i++
			}
			return flags, i
		}
		flags = append(flags, Span{start, i})
	}
}

// KeywordSpan returns the file range of the instruction's keyword.
func (in *Instruction) KeywordSpan() (Span, bool) {
	if in.Logical == nil {
		return Span{}, false
	}
	t := in.Logical.Text
	i := 0
	for i < len(t) && !isBlankByte(t[i]) {
		i++
	}
	s, e, ok := in.Logical.FileSpan(0, i)
	return Span{s, e}, ok
}

// Directive is a parser directive at the top of the file (# syntax=, # escape=, # check=).
type Directive struct {
	Name, Value string
	Line        int // 1-based
}

// Directives returns the parser directives that BuildKit honours.
func (d *Document) Directives() []Directive {
	var out []Directive
	dp := parser.DirectiveParser{}
	for li := 0; li < d.NumLines(); li++ {
		b := trimEOL(d.lineBytes(li))
		if li == 0 {
			b = bytes.TrimPrefix(b, bom)
		}
		dir, err := dp.ParseLine(b)
		if err != nil || dir == nil {
			break
		}
		out = append(out, Directive{Name: dir.Name, Value: dir.Value, Line: li + 1})
	}
	return out
}
