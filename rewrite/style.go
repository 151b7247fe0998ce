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
	if st, ok := d.styleFromLines(in); ok {
		return st
	}
	for _, other := range d.Instructions {
		if other.Keyword == in.Keyword {
			if st, ok := d.styleFromLines(other); ok {
				return st
			}
		}
	}
	return Style{Indent: "    ", LeadingOps: true}
}

func (d *Document) styleFromLines(in *Instruction) (Style, bool) {
	for li := in.StartLine; li < in.LogicalEndLine; li++ { // 0-based: the lines after the first
		if d.IsComment(li) || d.IsBlank(li) {
			continue
		}
		line := d.Line(li)
		body := strings.TrimLeft(line, " \t")
		st := Style{Indent: line[:len(line)-len(body)]}
		st.LeadingOps = strings.HasPrefix(body, "&&") || strings.HasPrefix(body, "||") || strings.HasPrefix(body, ";")
		if st.Indent == "" {
			st.Indent = "    "
		}
		return st, true
	}
	return Style{}, false
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
