package rewrite

import (
	"bytes"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/sergi/go-diff/diffmatchpatch"
)

// diffContext is the number of unchanged lines shown around each change.
const diffContext = 3

// noNewlineMarker follows a hunk line that is the last line of its file and
// has no terminating newline, exactly as GNU diff writes it.
const noNewlineMarker = "\\ No newline at end of file\n"

// UnifiedDiff renders a unified diff from old to new, labelled "a/"+name and "b/"+name,
// with 3 lines of context, in the exact format `patch -p1` and `git apply` accept.
// It returns "" when old and new are equal.
//
// Lines are split on "\n" only; everything else, including a "\r" before the
// "\n", is part of the line and is reproduced byte for byte, so CRLF and mixed
// line endings survive a round trip through patch. A last line without a
// final newline is followed by `\ No newline at end of file`.
func UnifiedDiff(name string, old, new []byte) string {
	if bytes.Equal(old, new) {
		return ""
	}
	a := splitLines(string(old))
	b := splitLines(string(new))
	changedA, changedB := diffLines(a, b)

	var sb strings.Builder
	sb.WriteString("--- a/")
	sb.WriteString(name)
	sb.WriteString("\n+++ b/")
	sb.WriteString(name)
	sb.WriteString("\n")
	writeHunks(&sb, a, b, changes(changedA, changedB))
	return sb.String()
}

// splitLines splits s after every "\n". The last line lacks the "\n" when s
// does not end with one; an empty s has no lines.
func splitLines(s string) []string {
	lines := make([]string, 0, strings.Count(s, "\n")+1)
	for len(s) > 0 {
		i := strings.IndexByte(s, '\n')
		if i < 0 {
			lines = append(lines, s)
			break
		}
		lines = append(lines, s[:i+1])
		s = s[i+1:]
	}
	return lines
}

// diffLines reports which lines of a are deleted and which lines of b are
// inserted by a line diff from a to b. The unmarked lines of a and b, taken
// in order, are pairwise equal.
func diffLines(a, b []string) (changedA, changedB []bool) {
	changedA = make([]bool, len(a))
	changedB = make([]bool, len(b))

	// Common prefix and suffix are cheap to strip and are the usual case for
	// a fixer that touches a few lines of a file.
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	diffMiddle(a[pre:len(a)-suf], b[pre:len(b)-suf],
		changedA[pre:len(a)-suf], changedB[pre:len(b)-suf])
	return changedA, changedB
}

// maxLineRunes is how many distinct lines can be encoded as runes: every
// code point except the surrogates.
const maxLineRunes = utf8.MaxRune + 1 - (0xE000 - 0xD800)

// lineRune encodes the line class k (0 <= k < maxLineRunes) as a valid rune.
func lineRune(k int) rune {
	if k >= 0xD800 {
		k += 0xE000 - 0xD800
	}
	return rune(k)
}

// diffMiddle marks the changed lines of a and b in changedA and changedB.
//
// It uses go-diff's line mode: each line becomes one rune and
// DiffMainRunes diffs the rune strings. The encoding is done here rather
// than with DiffLinesToRunes, which panics once the two texts have more than
// about 1.1 million distinct lines (a 10 MB file can). Lines that occur on
// only one side can never be matched, so, as GNU diff does, they are marked
// changed up front and left out of the rune strings; that keeps a wholesale
// rewrite linear and leaves only lines common to both sides to encode.
func diffMiddle(a, b []string, changedA, changedB []bool) {
	if len(a) == 0 || len(b) == 0 {
		markAll(changedA, changedB)
		return
	}

	// class numbers the distinct lines of a in order of first appearance.
	class := make(map[string]int, len(a))
	classA := make([]int, len(a))
	for i, line := range a {
		k, ok := class[line]
		if !ok {
			k = len(class)
			class[line] = k
		}
		classA[i] = k
	}
	inB := make([]bool, len(class))
	classB := make([]int, len(b))
	for j, line := range b {
		k, ok := class[line]
		if !ok {
			k = -1
		} else {
			inB[k] = true
		}
		classB[j] = k
	}

	// Number the classes common to both sides densely, in order of first
	// appearance in a, so that the numbering is deterministic.
	rank := make([]int, len(class))
	common := 0
	for k := range rank {
		rank[k] = -1
		if inB[k] {
			rank[k] = common
			common++
		}
	}
	if common > maxLineRunes {
		// Not representable. Astronomically unlikely for real files; fall
		// back to replacing the whole middle, which is still a correct diff.
		markAll(changedA, changedB)
		return
	}

	var runesA, runesB []rune
	var posA, posB []int
	for i, k := range classA {
		if !inB[k] {
			changedA[i] = true
			continue
		}
		runesA = append(runesA, lineRune(rank[k]))
		posA = append(posA, i)
	}
	for j, k := range classB {
		if k < 0 {
			changedB[j] = true
			continue
		}
		runesB = append(runesB, lineRune(rank[k]))
		posB = append(posB, j)
	}

	dmp := diffmatchpatch.New()
	dmp.DiffTimeout = 0 // no deadline: always the same, minimal answer
	ia, ib := 0, 0
	for _, d := range dmp.DiffMainRunes(runesA, runesB, false) {
		n := utf8.RuneCountInString(d.Text)
		switch d.Type {
		case diffmatchpatch.DiffEqual:
			ia += n
			ib += n
		case diffmatchpatch.DiffDelete:
			for _, i := range posA[ia : ia+n] {
				changedA[i] = true
			}
			ia += n
		case diffmatchpatch.DiffInsert:
			for _, j := range posB[ib : ib+n] {
				changedB[j] = true
			}
			ib += n
		}
	}
	if ia != len(posA) || ib != len(posB) {
		panic("rewrite: go-diff returned a diff that does not cover its input")
	}
}

func markAll(changedA, changedB []bool) {
	for i := range changedA {
		changedA[i] = true
	}
	for j := range changedB {
		changedB[j] = true
	}
}

// change replaces a[a1:a2] with b[b1:b2].
type change struct{ a1, a2, b1, b2 int }

// changes groups runs of changed lines into changes, in order.
func changes(changedA, changedB []bool) []change {
	var cs []change
	i, j := 0, 0
	for i < len(changedA) || j < len(changedB) {
		if i < len(changedA) && j < len(changedB) && !changedA[i] && !changedB[j] {
			i++
			j++
			continue
		}
		c := change{a1: i, b1: j}
		for i < len(changedA) && changedA[i] {
			i++
		}
		for j < len(changedB) && changedB[j] {
			j++
		}
		c.a2, c.b2 = i, j
		if c.a1 == c.a2 && c.b1 == c.b2 {
			panic("rewrite: unchanged lines of the two sides do not pair up")
		}
		cs = append(cs, c)
	}
	return cs
}

// writeHunks writes the hunks for cs, merging changes whose context would
// overlap or touch, as GNU diff does.
func writeHunks(sb *strings.Builder, a, b []string, cs []change) {
	for k := 0; k < len(cs); {
		first, last := cs[k], cs[k]
		end := k + 1
		for end < len(cs) && cs[end].a1-last.a2 <= 2*diffContext {
			last = cs[end]
			end++
		}
		// Unchanged stretches have the same length on both sides, so the
		// context extends equally far in a and b.
		a1 := max(first.a1-diffContext, 0)
		b1 := first.b1 - (first.a1 - a1)
		a2 := min(last.a2+diffContext, len(a))
		b2 := last.b2 + (a2 - last.a2)

		sb.WriteString("@@ -")
		writeRange(sb, a1, a2-a1)
		sb.WriteString(" +")
		writeRange(sb, b1, b2-b1)
		sb.WriteString(" @@\n")
		i := a1
		for _, c := range cs[k:end] {
			writeLines(sb, ' ', a[i:c.a1])
			writeLines(sb, '-', a[c.a1:c.a2])
			writeLines(sb, '+', b[c.b1:c.b2])
			i = c.a2
		}
		writeLines(sb, ' ', a[i:a2])
		k = end
	}
}

// writeRange writes a hunk range for the n lines starting at 0-based line
// start. An empty range names the line before it; ",1" is omitted.
func writeRange(sb *strings.Builder, start, n int) {
	switch n {
	case 0:
		sb.WriteString(strconv.Itoa(start))
		sb.WriteString(",0")
	case 1:
		sb.WriteString(strconv.Itoa(start + 1))
	default:
		sb.WriteString(strconv.Itoa(start + 1))
		sb.WriteByte(',')
		sb.WriteString(strconv.Itoa(n))
	}
}

func writeLines(sb *strings.Builder, prefix byte, lines []string) {
	for _, line := range lines {
		sb.WriteByte(prefix)
		sb.WriteString(line)
		if !strings.HasSuffix(line, "\n") {
			sb.WriteByte('\n')
			sb.WriteString(noNewlineMarker)
		}
	}
}
