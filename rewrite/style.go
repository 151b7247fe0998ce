package rewrite

import (
	"strings"
)

// Style is how a file continues an instruction over several lines.
type Style struct {
	Indent     string // leading white space of continuation lines
	LeadingOps bool   // `&& cmd` starts continuation lines (else `cmd && \` ends them)
}

// StyleOf returns the continuation style of an instruction, from its own lines when it
// has several, else from the file's other multi-line RUNs, else the common default
// (four spaces, leading &&).
func (d *Document) StyleOf(in *Instruction) Style {
	own, evidence := d.styleFromLines(in)
	if evidence == byOperators {
		return own
	}
	// No operator at a line start or end here (a package list, say): the file's
	// other instructions of the kind tell which way it joins commands.
	for _, other := range d.Instructions {
		if other == in || other.Keyword != in.Keyword {
			continue
		}
		if st, ev := d.styleFromLines(other); ev == byOperators {
			if evidence == byIndent {
				st.Indent = own.Indent
			}
			return st
		}
	}
	if evidence == byIndent {
		return own
	}
	return Style{Indent: "    ", LeadingOps: true}
}

// How much an instruction's own lines say about its style.
const (
	noEvidence  = iota
	byIndent    // continuation lines, but no operator at their start or end
	byOperators // a line starts with && (leading) or ends with && \ (trailing)
)

func (d *Document) styleFromLines(in *Instruction) (Style, int) {
	// The lines after the first, without comment and blank lines.
	var lines []string
	for li := in.StartLine; li < in.LogicalEndLine; li++ { // 0-based: the lines after the first
		if !d.IsComment(li) && !d.IsBlank(li) {
			lines = append(lines, d.Line(li))
		}
	}
	if len(lines) == 0 {
		return Style{}, noEvidence
	}
	indent := func(line string) string {
		if body := strings.TrimLeft(line, " \t"); len(body) < len(line) {
			return line[:len(line)-len(body)]
		}
		return "    "
	}
	// A line that starts with an operator shows the leading style, whatever the
	// indentation of package-list lines around it.
	for _, line := range lines {
		body := strings.TrimLeft(line, " \t")
		if strings.HasPrefix(body, "&&") || strings.HasPrefix(body, "||") || strings.HasPrefix(body, ";") {
			return Style{Indent: indent(line), LeadingOps: true}, byOperators
		}
	}
	// Else a line that ends in `&& \`: the next line shows the trailing style's indent.
	esc := string(d.Escape)
	for li := in.StartLine - 1; li < in.LogicalEndLine-1; li++ {
		t := strings.TrimRight(strings.TrimSuffix(strings.TrimRight(d.Line(li), " \t"), esc), " \t")
		if strings.HasSuffix(t, "&&") || strings.HasSuffix(t, ";") || strings.HasSuffix(t, "||") {
			for next := li + 1; next < in.LogicalEndLine; next++ {
				if !d.IsComment(next) && !d.IsBlank(next) {
					return Style{Indent: indent(d.Line(next)), LeadingOps: false}, byOperators
				}
			}
		}
	}
	return Style{Indent: indent(lines[0]), LeadingOps: true}, byIndent
}

// ContinuationText returns the text to insert at file offset at to run cmd after what
// precedes it, joined by op (such as "&&"). With newLine, cmd goes on a continuation
// line of its own in the instruction's style, with the file's escape char and the line
// ending of the line it is added to; otherwise it stays on the same line.
func (d *Document) ContinuationText(in *Instruction, at int, op, cmd string, newLine bool) string {
	if !newLine {
		return " " + op + " " + cmd
	}
	eol := d.LineEOL(d.LineOf(at) - 1)
	esc := string(d.Escape)
	st := d.StyleOf(in)
	if st.LeadingOps {
		return " " + esc + eol + st.Indent + op + " " + cmd
	}
	return " " + op + " " + esc + eol + st.Indent + cmd
}
