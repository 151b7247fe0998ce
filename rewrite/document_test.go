package rewrite

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestDocumentKnowsTheFilesHabits(t *testing.T) {
	tests := []struct {
		name         string
		src          string
		eol          string
		bom, final   bool
		escape       byte
		instructions int
	}{
		{"an LF file", "FROM a\nRUN b\n", "\n", false, true, '\\', 2},
		{"a CRLF file", "FROM a\r\nRUN b\r\n", "\r\n", false, true, '\\', 2},
		{"a mostly CRLF file with one LF line", "FROM a\r\nRUN b\nRUN c\r\n", "\r\n", false, true, '\\', 3},
		{"a BOM", "\xEF\xBB\xBFFROM a\n", "\n", true, true, '\\', 1},
		{"no final newline", "FROM a\nRUN b", "\n", false, false, '\\', 2},
		{"a backtick escape", "# escape=`\nFROM a\nRUN b `\n  c\n", "\n", false, true, '`', 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Parse("Dockerfile", []byte(tt.src))
			if err != nil {
				t.Fatal(err)
			}
			if d.EOL != tt.eol || d.BOM != tt.bom || d.FinalNewline != tt.final || d.Escape != tt.escape || len(d.Instructions) != tt.instructions {
				t.Errorf("got eol %q bom %v final %v escape %q instructions %d", d.EOL, d.BOM, d.FinalNewline, d.Escape, len(d.Instructions))
			}
		})
	}
}

func TestInstructionsAreLocatedInTheirBytes(t *testing.T) {
	src := "# syntax=docker/dockerfile:1\nFROM alpine AS build\n\n# comment\nRUN --mount=type=cache,target=/x \\\n    # inside\n\n    echo  hi \\\n  && true\nCOPY <<EOF /a\nbody\nEOF\nCMD [\"a\"]"
	d, err := Parse("Dockerfile", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		keyword, args string
		flags         []string
		start, end    int // lines
	}{
		{"from", "alpine AS build", nil, 2, 2},
		{"run", "echo  hi   && true", []string{"--mount=type=cache,target=/x"}, 5, 9},
		{"copy", "<<EOF /a", nil, 10, 12},
		{"cmd", `["a"]`, nil, 13, 13},
	}
	if len(d.Instructions) != len(want) {
		t.Fatalf("got %d instructions", len(d.Instructions))
	}
	for i, w := range want {
		in := d.Instructions[i]
		t.Run(w.keyword+" is found where it is", func(t *testing.T) {
			if in.Logical == nil {
				t.Fatal("logical line does not match BuildKit's")
			}
			if in.Keyword != w.keyword || in.Args() != w.args || in.StartLine != w.start || in.EndLine != w.end {
				t.Errorf("got %q %q lines %d-%d", in.Keyword, in.Args(), in.StartLine, in.EndLine)
			}
			if strings.Join(in.FlagText(), " ") != strings.Join(w.flags, " ") {
				t.Errorf("flags %q, want %q", in.FlagText(), w.flags)
			}
			kw, ok := in.KeywordSpan()
			if !ok || !strings.EqualFold(src[kw.Start:kw.End], w.keyword) {
				t.Errorf("keyword span %v gives %q", kw, src[kw.Start:kw.End])
			}
			if src[in.Start:in.End] == "" || d.LineOf(in.Start) != w.start {
				t.Errorf("span %d-%d starts on line %d", in.Start, in.End, d.LineOf(in.Start))
			}
		})
	}
}

// TestLogicalOffsetsPointAtTheirBytes checks the offset map on awkward inputs: every
// logical byte maps to the same byte in the file.
func TestLogicalOffsetsPointAtTheirBytes(t *testing.T) {
	inputs := map[string]string{
		"continuations with comments and blank lines": "FROM a\nRUN a \\\n  # c\n\n  b \\\n\tc\n",
		"CRLF continuations":                          "FROM a\r\nRUN a \\\r\n  b\r\n",
		"a backtick escape":                           "# escape=`\nFROM a\nRUN a `\n  b\n",
		"trailing spaces after the escape":            "FROM a\nRUN a \\   \n  b\n",
		"a BOM and leading indentation":               "\xEF\xBB\xBF  FROM a\n   RUN b\n",
		"an escaped escape at line end":               "FROM a\nRUN echo a\\\\\nRUN b\n",
		"a continuation to the end of the file":       "FROM a\nRUN a \\",
	}
	for name, src := range inputs {
		t.Run(name, func(t *testing.T) {
			checkOffsets(t, src)
		})
	}
}

func checkOffsets(t *testing.T, src string) {
	t.Helper()
	d, err := Parse("Dockerfile", []byte(src))
	if err != nil {
		return
	}
	for _, in := range d.Instructions {
		if in.Logical == nil {
			t.Errorf("line %d: logical line does not match BuildKit's %q", in.StartLine, in.Node.Original)
			continue
		}
		l := in.Logical
		for i := 0; i < len(l.Text); i++ {
			at := l.FileOffset(i)
			if at < in.Start || at >= in.End || src[at] != l.Text[i] {
				t.Fatalf("logical byte %d (%q) maps to offset %d", i, l.Text[i], at)
			}
			if i > 0 && at <= l.FileOffset(i-1) {
				t.Fatalf("offsets go backwards at %d", i)
			}
		}
		if end := l.FileOffset(len(l.Text)); end > in.End || len(l.Text) > 0 && end != l.FileOffset(len(l.Text)-1)+1 {
			t.Fatalf("the end of the logical line maps to offset %d", end)
		}
	}
}

func FuzzLogicalOffsets(f *testing.F) {
	f.Add("FROM a\nRUN a \\\n  # c\n\n  b \\\n\tc\n")
	f.Add("# escape=`\nFROM a\nRUN a `\r\n  b\r\n")
	f.Add("\xEF\xBB\xBFFROM a\nRUN <<EOF\nx\nEOF\n")
	for _, s := range fuzzSeeds(f) {
		f.Add(string(s))
	}
	f.Fuzz(func(t *testing.T, src string) {
		checkOffsets(t, src)
	})
}

func TestBadInputIsAParseErrorNamingTheFileAndLine(t *testing.T) {
	tests := []struct {
		name, src string
		line      int
		want      error
		text      string
	}{
		{"an empty file", "", 0, ErrEmpty, "empty file"},
		{"only blank lines", "\n \n", 0, ErrEmpty, "empty file"},
		{"only comments", "# a\n# b\n", 0, nil, "file with no instructions"},
		{"a NUL byte", "FROM a\nRUN b\x00\n", 2, ErrBinary, "binary"},
		{"invalid UTF-8", "FROM a\nRUN \xff\n", 2, ErrInvalidUTF, "invalid UTF-8"},
		{"a UTF-16 BOM", "\xFF\xFEF\x00", 0, ErrUTF16, "UTF-16"},
		{"CR-only line endings", "FROM a\rRUN b\rCMD c\r", 0, ErrCROnly, "CR only"},
		{"a line over 64 KiB", "FROM a\nRUN " + strings.Repeat("x", MaxLine) + "\n", 2, ErrLineTooBig, "longer than"},
		{"an unterminated heredoc", "FROM a\nRUN <<EOF\necho\n", 2, nil, "unterminated heredoc"},
		{"an invalid escape directive", "# escape=x\nFROM a\n", 1, nil, "invalid escape token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("dir/Dockerfile", []byte(tt.src))
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("got %v, want a *ParseError", err)
			}
			if pe.Path != "dir/Dockerfile" || pe.Line != tt.line {
				t.Errorf("got path %q line %d, want line %d", pe.Path, pe.Line, tt.line)
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("got %v, want %v", err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.text) || !strings.HasPrefix(err.Error(), "dir/Dockerfile") {
				t.Errorf("message %q should name the file and say %q", err, tt.text)
			}
		})
	}
}

func TestLineAndColumnOfOffsets(t *testing.T) {
	d, err := Parse("Dockerfile", []byte("\xEF\xBB\xBFFROM a\nRUN é x\n"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ off, line, col int }{
		{3, 1, 1},  // after the BOM
		{10, 2, 1}, // R
		{14, 2, 5}, // é
		{17, 2, 7}, // x, after a 2-byte character
	}
	for _, tt := range tests {
		if l, c := d.LineOf(tt.off), d.Column(tt.off); l != tt.line || c != tt.col {
			t.Errorf("offset %d: got %d:%d, want %d:%d", tt.off, l, c, tt.line, tt.col)
		}
	}
}

// A stray CR inside a line, or a lone CR ending the last line, is no CR-only file:
// BuildKit reads such files line by line as usual.
func TestStrayCRIsNotCROnly(t *testing.T) {
	for _, src := range []string{"FROM a\nRUN echo a\rb\nCMD c\n", "FROM a\r", "FROM a\r\nRUN b\r\n"} {
		if _, err := Parse("Dockerfile", []byte(src)); err != nil {
			t.Errorf("%q: %v", src, err)
		}
	}
}

func TestHeredocBodiesAreLocatedInTheirBytes(t *testing.T) {
	tests := []struct {
		name, src string
		bodies    []string // Src[Start:End] of each heredoc
		names     []string // Src[NameStart:NameEnd] of each delimiter
	}{
		{"one body", "FROM a\nRUN <<EOF\necho hi\nEOF\n", []string{"echo hi\n"}, []string{"EOF"}},
		{"a <<- body keeps its tabs, the delimiter is after them", "FROM a\nRUN <<-EOF\n\techo hi\n\t\tEOF\n", []string{"\techo hi\n"}, []string{"EOF"}},
		{"two bodies, one after the other", "FROM a\nRUN <<A cat >a && <<'B' cat >b\n1\nA\n2\nB\nCMD x\n", []string{"1\n", "2\n"}, []string{"A", "B"}},
		{"a body after a continued line", "FROM a\nRUN --mount=type=cache,target=/x \\\n  <<EOF\nmake\nEOF\n", []string{"make\n"}, []string{"EOF"}},
		{"an empty body", "FROM a\nRUN cat <<EOF >/x\nEOF\n", []string{""}, []string{"EOF"}},
		{"CRLF lines", "FROM a\r\nCOPY <<EOF /a\r\nx\r\nEOF\r\n", []string{"x\r\n"}, []string{"EOF"}},
		{"no final newline", "FROM a\nRUN <<EOF\nmake\nEOF", []string{"make\n"}, []string{"EOF"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Parse("Dockerfile", []byte(tt.src))
			if err != nil {
				t.Fatal(err)
			}
			in := d.Instructions[1]
			if len(in.Heredocs) != len(tt.bodies) {
				t.Fatalf("got %d heredocs, want %d", len(in.Heredocs), len(tt.bodies))
			}
			for i, h := range in.Heredocs {
				if got := string(d.Src[h.Start:h.End]); got != tt.bodies[i] || h.Content != got {
					t.Errorf("body %d: got %q (content %q), want %q", i, got, h.Content, tt.bodies[i])
				}
				if got := string(d.Src[h.NameStart:h.NameEnd]); got != tt.names[i] {
					t.Errorf("delimiter %d: got %q, want %q", i, got, tt.names[i])
				}
			}
		})
	}
}

func TestCommentLinesAreTheLinesIsCommentTells(t *testing.T) {
	src := "# syntax=docker/dockerfile:1\nFROM a\n  # indented\nRUN x \\\n # inside\n  y\n\n#last"
	d, err := Parse("Dockerfile", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	var want []int
	for li := 0; li < d.NumLines(); li++ {
		if d.IsComment(li) {
			want = append(want, li)
		}
	}
	if got := d.CommentLines(); !slices.Equal(got, want) || len(got) != 4 {
		t.Errorf("CommentLines = %v, want %v (4 lines)", got, want)
	}
}

func TestCrOnlyCountsLoneCRs(t *testing.T) {
	// reference is the plain loop crOnly replaced: a lone CR is one not followed by LF.
	reference := func(src []byte) bool {
		lone := 0
		for i := 0; i+1 < len(src); i++ {
			if src[i] == '\r' && src[i+1] != '\n' {
				lone++
			}
		}
		return lone > 0 && lone > bytes.Count(src, []byte{'\n'})
	}
	for _, s := range []string{"", "\r", "a\rb", "a\rb\rc\n", "a\r\nb\r\n", "a\rb\nc\n", "\r\r\r", "x\r", "a\r\rb\n", "FROM a\rRUN b\rCMD c"} {
		if got, want := crOnly([]byte(s)), reference([]byte(s)); got != want {
			t.Errorf("crOnly(%q) = %v, want %v", s, got, want)
		}
	}
}
