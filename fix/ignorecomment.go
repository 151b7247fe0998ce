package fix

import (
	"regexp"
	"strings"

	"github.com/dfix-dev/dfix/rewrite"
)

// The edits that write dfix's own suppression comments, for --add-ignore and the
// language server's "ignore this rule" actions, in the syntax parseSuppressions reads.

// dfixIgnoreRe is a dfix suppression comment (on the trimmed line): group 1 is
// "global" or empty, group 2 the list of names.
var dfixIgnoreRe = regexp.MustCompile(`^#\s*dfix\s+(?:(global)\s+)?ignore\s*=\s*(.*)$`)

// InstructionAt returns the instruction whose bytes hold off, or nil: the instruction a
// finding at off belongs to for its suppression comments.
func InstructionAt(doc *rewrite.Document, off int) *rewrite.Instruction {
	return instructionAt(doc, off)
}

// IgnoreComment returns the 0-based line of the `# dfix ignore=` comment in the block of
// comment lines right above in, and the names it lists; -1 when there is none.
func IgnoreComment(doc *rewrite.Document, in *rewrite.Instruction) (int, []string) {
	for l := in.StartLine - 2; l >= 0 && doc.IsComment(l); l-- {
		if m := dfixIgnoreRe.FindStringSubmatch(strings.TrimSpace(doc.Line(l))); m != nil && m[1] == "" {
			return l, splitNames(m[2])
		}
	}
	return -1, nil
}

// GlobalIgnoreComment returns the 0-based line of the first `# dfix global ignore=`
// comment and the names it lists; -1 when there is none.
func GlobalIgnoreComment(doc *rewrite.Document) (int, []string) {
	for _, li := range doc.CommentLines() {
		if m := dfixIgnoreRe.FindStringSubmatch(strings.TrimSpace(doc.Line(li))); m != nil && m[1] != "" {
			return li, splitNames(m[2])
		}
	}
	return -1, nil
}

// ExtendIgnore returns the edit that appends names to the dfix ignore comment (local or
// global) on line li, after its last name, with the separator the list already uses.
func ExtendIgnore(doc *rewrite.Document, li int, names []string) rewrite.Edit {
	line := doc.Line(li)
	at := doc.LineStart(li) + len(strings.TrimRight(line, " \t"))
	list := ""
	if m := dfixIgnoreRe.FindStringSubmatch(strings.TrimSpace(line)); m != nil {
		list = strings.TrimSpace(m[2])
	}
	sep := ","
	if strings.Contains(list, ", ") {
		sep = ", "
	}
	text := strings.Join(names, sep)
	if list != "" && !strings.HasSuffix(list, ",") {
		text = sep + text
	}
	return rewrite.Edit{Start: at, End: at, New: text}
}

// IgnoreAbove returns the edit that writes `# dfix ignore=NAMES` on a new line above in,
// with the instruction's indentation and its line's ending.
func IgnoreAbove(doc *rewrite.Document, in *rewrite.Instruction, names []string) rewrite.Edit {
	li := in.StartLine - 1
	at := doc.LineStart(li)
	line := doc.Line(li)
	prefix := ""
	if li == 0 && doc.BOM {
		// The byte order mark stays first, and a comment line that starts with it is no
		// comment to the suppression reader: the comment goes on a line of its own,
		// after a first line that is only the mark.
		at += len("\ufeff")
		line = strings.TrimPrefix(line, "\ufeff")
		prefix = doc.LineEOL(li)
	}
	indent := line[:len(line)-len(strings.TrimLeft(line, " \t"))]
	return rewrite.Edit{Start: at, End: at, New: prefix + indent + "# dfix ignore=" + strings.Join(names, ",") + doc.LineEOL(li)}
}
