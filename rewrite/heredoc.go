package rewrite

import "bytes"

// Heredoc is one BuildKit heredoc of an instruction (`RUN <<EOF`, `COPY <<EOF /a`)
// located in the file: its body is Src[Start:End], byte for byte the Content BuildKit
// read (line endings and, with <<-, leading tabs included).
type Heredoc struct {
	Content string
	Name    string // the delimiter word, quotes removed
	Chomp   bool   // <<-: leading tabs of every body line are stripped
	Expand  bool   // false when the delimiter is quoted: the body is taken literally
	FD      uint   // the file descriptor before <<, 0 when none

	Start, End int // file range of the body, terminator line excluded
	// NameStart, NameEnd is the file range of the delimiter on the terminator line
	// (after the tabs a <<- terminator may start with).
	NameStart, NameEnd int
}

// locateHeredocs finds the bodies BuildKit read for in's heredocs: each one starts on
// the line after the previous terminator (the first after the logical line) and ends
// before the line that is the delimiter alone, as in parser.Parse. It returns nil
// when what it finds is not what BuildKit read.
func (d *Document) locateHeredocs(in *Instruction) []Heredoc {
	var out []Heredoc
	li := in.LogicalEndLine // 0-based index of the line after the logical line
	for _, h := range in.Node.Heredocs {
		start, found := d.LineStart(li), false
		for ; li < in.EndLine && !found; li++ {
			line := bytes.TrimRight(d.lineBytes(li), "\r\n")
			lead := 0
			if h.Chomp {
				lead = len(line) - len(bytes.TrimLeft(line, "\t"))
			}
			if string(line[lead:]) == h.Name {
				ls := d.LineStart(li)
				if string(d.Src[start:ls]) != h.Content {
					return nil
				}
				out = append(out, Heredoc{Content: h.Content, Name: h.Name, Chomp: h.Chomp, Expand: h.Expand, FD: h.FileDescriptor,
					Start: start, End: ls, NameStart: ls + lead, NameEnd: ls + len(line)})
				found = true
			}
		}
		if !found {
			return nil
		}
	}
	return out
}
