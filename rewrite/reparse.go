package rewrite

import (
	"bytes"
	"sort"

	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// Reparse returns the Document of src, which is old.Src with edits applied (edits in
// old's coordinates, in any order): field for field what Parse(old.Path, src) returns.
// A fix round changes a few instructions of a file, so BuildKit, most of a parse's
// cost, reads only the regions around the edits: the nodes between them are old's,
// with their lines shifted (copies: old stays as it was), and the document layer is
// Parse's own. Whenever the shortcut cannot be shown to give what Parse gives, it is
// Parse. partial reports which way it went.
func Reparse(old *Document, edits []Edit, src []byte) (doc *Document, partial bool, err error) {
	if d := reparseRegions(old, edits, src); d != nil {
		return d, true, nil
	}
	d, err := Parse(old.Path, src)
	return d, false, err
}

// How the regions are read. BuildKit parses them in one call, as one text:
//
//	# escape=E          regionPrefix: the file's escape char, then a bare "#", which is
//	#                   no directive (the directive section ends there) and, an empty
//	                    comment, clears the comments collected, as an instruction does
//	region 1            the new text of the region
//	dfix-region-end     regionEnd, when more of the file follows the region
//	region 2 ...
//
// BuildKit reading regionEnd as an instruction of its own on the line where it is
// written proves that the region's last instruction ended where it does in the whole
// file, and that what follows starts as the next instruction of the file starts:
// between instructions, with the comments regionEnd collected before it.
const (
	regionEnd         = "dfix-region-end"
	regionPrefixLines = 2
)

func regionPrefix(escape byte) string { return "# escape=" + string(escape) + "\n#\n" }

// region is a run of instructions that the edits touched, with the comment and blank
// lines around them: Instructions[k:j] of the old document, and the lines from the end
// of Instructions[k-1] (the start of Instructions[0] when k is 0) to the start of
// Instructions[j] (the end of the file when j is len(Instructions)).
type region struct {
	k, j       int
	start, end int // old bytes
	delta      int // change of the file's length from its start to the region's end
	newStart   int // new bytes: [newStart, end+delta)

	// filled in when the region is read
	firstLine int            // 0-based line of the new text where it starts
	nodes     []*parser.Node // its instructions, lines already those of the new text
	next      *parser.Node   // its regionEnd, nil at the end of the file
	lineDelta int            // line count change of the file from its start to the region's end
	lines     int            // lines of its new text
	lastLine  int            // line of the parsed text where it ends
	shift     int            // from lines of the parsed text to lines of the new text
	warnings  []parser.Warning
}

// reparseRegions is Reparse's shortcut; it returns nil where it does not apply.
func reparseRegions(old *Document, edits []Edit, src []byte) *Document {
	if len(edits) == 0 || len(old.Instructions) == 0 || old.Result == nil || old.BOM {
		return nil
	}
	regions := findRegions(old, edits, src)
	if regions == nil {
		return nil
	}
	d, err := newDocument(old.Path, src)
	if err != nil || d.BOM {
		return nil // Parse reports it
	}
	if !readRegions(old, regions, src) {
		return nil
	}
	res := splice(old, regions)
	if res == nil {
		return nil
	}
	d.setResult(res)
	return d
}

// findRegions groups the edits into regions and checks that everything outside them is
// old's text, byte for byte: the edits only say where to look. It returns nil when the
// shortcut does not apply.
func findRegions(old *Document, edits []Edit, src []byte) []region {
	ins := old.Instructions
	n := len(ins)
	sorted := append([]Edit(nil), edits...)
	SortEdits(sorted)
	bound := func(j int) int { // where a region that keeps ins[j:] ends
		if j < n {
			return ins[j].Start
		}
		return len(old.Src)
	}
	var regions []region
	delta := 0
	for _, e := range sorted {
		// Edits before the first instruction touch the directives and the comments
		// that BuildKit reads in a mode of its own at the top of the file.
		if e.Start < ins[0].Start || e.End > len(old.Src) || e.Start > e.End {
			return nil
		}
		// Kept before: the instructions that end before the edit and have a line after
		// them (text added at the end of the file could continue the last one).
		k := sort.Search(n, func(i int) bool { return ins[i].End > e.Start })
		if k > 0 && ins[k-1].EndLine >= old.NumLines() {
			k--
		}
		j := sort.Search(n, func(i int) bool { return ins[i].Start >= e.End })
		delta += len(e.New) - (e.End - e.Start)
		if last := len(regions) - 1; last >= 0 && k <= regions[last].j {
			regions[last].j = max(regions[last].j, j)
			regions[last].delta = delta
			continue
		}
		regions = append(regions, region{k: k, j: j, delta: delta})
	}
	if delta != len(src)-len(old.Src) {
		return nil // not the text the edits make
	}
	for r := 0; r < len(regions); r++ {
		g := &regions[r]
		g.start = ins[0].Start
		if g.k > 0 {
			g.start = ins[g.k-1].End
		}
		g.newStart = g.start
		if r > 0 {
			g.newStart += regions[r-1].delta
		}
		if g.newStart > len(src) {
			return nil // not the text the edits make
		}
		// Text inserted before instruction j without a line break belongs to it.
		for g.j < n && bound(g.j)+g.delta > g.newStart && bound(g.j)+g.delta <= len(src) && src[bound(g.j)+g.delta-1] != '\n' {
			g.j++
			if r+1 < len(regions) && regions[r+1].k <= g.j {
				g.j = max(g.j, regions[r+1].j)
				g.delta = regions[r+1].delta
				regions = append(regions[:r+1], regions[r+2:]...)
			}
		}
		g.end = bound(g.j)
		if g.end+g.delta < g.newStart || g.end+g.delta > len(src) {
			return nil // not the text the edits make
		}
	}
	// What lies between the regions must be old's text.
	from, delta := 0, 0
	for _, g := range regions {
		if !bytes.Equal(src[from+delta:g.newStart], old.Src[from:g.start]) {
			return nil
		}
		from, delta = g.end, g.delta
	}
	if !bytes.Equal(src[from+delta:], old.Src[from:]) {
		return nil
	}
	for _, g := range regions {
		for i := max(g.k-1, 0); i <= min(g.j, n-1); i++ {
			if ins[i].Heredoc { // a heredoc's body is lines BuildKit reads by other rules
				return nil
			}
		}
		// A CR not followed by LF: BuildKit reads it as part of a line, a case not worth
		// proving the shortcut for.
		if loneCRs(src[g.newStart:g.end+g.delta]) > 0 {
			return nil
		}
	}
	return regions
}

// readRegions has BuildKit parse the regions and fills in their nodes. It returns false
// when the result is not what the whole file's parse would give.
func readRegions(old *Document, regions []region, src []byte) bool {
	ins := old.Instructions
	n := len(ins)
	size := len(regionPrefix(old.Escape))
	for _, g := range regions {
		size += g.end + g.delta - g.newStart + len(regionEnd) + 1
	}
	text := make([]byte, 0, size)
	text = append(text, regionPrefix(old.Escape)...)
	for _, g := range regions {
		text = append(text, src[g.newStart:g.end+g.delta]...)
		if g.j < n {
			text = append(text, regionEnd+"\n"...)
		}
	}
	res, err := parser.Parse(bytes.NewReader(text))
	if err != nil || res.EscapeToken != old.Result.EscapeToken {
		return false // Parse gives the exact error
	}
	nodes := res.AST.Children
	line := regionPrefixLines // lines of text read before the region
	lineDelta := 0
	for r := range regions {
		g := &regions[r]
		g.firstLine = lineDelta + ins[0].StartLine - 1
		if g.k > 0 {
			g.firstLine = lineDelta + ins[g.k-1].EndLine
		}
		body := src[g.newStart : g.end+g.delta]
		lines := bytes.Count(body, []byte{'\n'})
		if len(body) > 0 && body[len(body)-1] != '\n' {
			lines++ // the last line of a file without a final newline
		}
		i := 0
		for i < len(nodes) && (g.j == n || nodes[i].StartLine <= line+lines) {
			i++
		}
		g.nodes, nodes = nodes[:i], nodes[i:]
		if g.j < n {
			if len(nodes) == 0 || nodes[0].Value != regionEnd || nodes[0].StartLine != line+lines+1 || nodes[0].EndLine != line+lines+1 {
				return false // the region's last instruction did not end in it
			}
			g.next, nodes = nodes[0], nodes[1:]
			lineDelta = g.firstLine + lines - (ins[g.j].StartLine - 1)
		}
		g.lineDelta = lineDelta
		if g.k == 0 {
			// The region starts at the first instruction: what BuildKit collected
			// before it are the comments of old's first instruction, when nothing in the
			// region comes before the instruction it starts with.
			first := g.next
			if len(g.nodes) > 0 {
				first = g.nodes[0]
			}
			if first == nil || first.StartLine != line+1 {
				return false
			}
			first.PrevComment = ins[0].Node.PrevComment
		}
		g.lines, g.lastLine, g.shift = lines, line+lines, g.firstLine-line
		for _, nd := range g.nodes {
			if len(nd.Heredocs) > 0 {
				return false
			}
			nd.StartLine += g.shift
			nd.EndLine += g.shift
		}
		line += lines + 1
	}
	if len(nodes) > 0 {
		return false
	}
	// A warning is on the last line of an instruction's logical line: in a region.
	for _, w := range res.Warnings {
		if w.Location == nil {
			return false
		}
		at := w.Location.Start.Line
		r := sort.Search(len(regions), func(r int) bool { return regions[r].lastLine >= at })
		if r == len(regions) || at <= regions[r].lastLine-regions[r].lines {
			return false
		}
		regions[r].warnings = append(regions[r].warnings, shiftWarning(w, regions[r].shift))
	}
	return true
}

// splice puts old's instructions between the regions and the regions' together into
// the whole file's parse result; nil when that cannot be done.
func splice(old *Document, regions []region) *parser.Result {
	ins := old.Instructions
	n := len(ins)
	oldNodes := old.Result.AST.Children
	children := make([]*parser.Node, 0, n+8)
	children = append(children, oldNodes[:regions[0].k]...)
	for r, g := range regions {
		children = append(children, g.nodes...)
		to := n
		if r+1 < len(regions) {
			to = regions[r+1].k
		}
		for i := g.j; i < to; i++ {
			nd := *oldNodes[i]
			nd.StartLine += g.lineDelta
			nd.EndLine += g.lineDelta
			if i == g.j {
				nd.PrevComment = g.next.PrevComment
			}
			children = append(children, &nd)
		}
	}
	if len(children) == 0 {
		return nil
	}

	// Warnings are in the order of the instructions, on their lines.
	warnings := make([]parser.Warning, 0, len(old.Result.Warnings)+2)
	r := 0 // the first region not yet passed
	for _, w := range old.Result.Warnings {
		if w.Location == nil {
			return nil
		}
		at := w.Location.Start.Line
		i := sort.Search(n, func(i int) bool { return ins[i].EndLine >= at })
		if i == n || ins[i].StartLine > at {
			return nil // not on an instruction: not a warning this code knows
		}
		for r < len(regions) && regions[r].k <= i {
			warnings = append(warnings, regions[r].warnings...)
			r++
		}
		switch {
		case r == 0:
			warnings = append(warnings, w)
		case i >= regions[r-1].j:
			warnings = append(warnings, shiftWarning(w, regions[r-1].lineDelta))
		}
		// else: in the region, read again
	}
	for ; r < len(regions); r++ {
		warnings = append(warnings, regions[r].warnings...)
	}
	root := &parser.Node{StartLine: children[0].StartLine, EndLine: children[len(children)-1].EndLine, Children: children}
	return &parser.Result{AST: root, Warnings: warnings, EscapeToken: old.Result.EscapeToken}
}

func shiftWarning(w parser.Warning, lines int) parser.Warning {
	r := *w.Location
	r.Start.Line += lines
	r.End.Line += lines
	w.Location = &r
	return w
}
