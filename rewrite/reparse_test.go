package rewrite

import (
	"math/rand/v2"
	"sort"
	"strings"
	"testing"

	"github.com/dfix-dev/dfix/internal/deepdiff"
)

// replace is the edit that turns the n-th (0-based) occurrence of old in src into new.
func replace(t *testing.T, src, old string, n int, new string) Edit {
	t.Helper()
	at := -1
	for i := 0; i <= n; i++ {
		k := strings.Index(src[at+1:], old)
		if k < 0 {
			t.Fatalf("%q: no occurrence %d of %q", src, n, old)
		}
		at += 1 + k
	}
	return Edit{Start: at, End: at + len(old), New: new}
}

// insertAfter is the edit that inserts text after the first occurrence of mark.
func insertAfter(t *testing.T, src, mark, text string) Edit {
	e := replace(t, src, mark, 0, mark)
	return Edit{Start: e.End, End: e.End, New: text}
}

func TestReparseIsParse(t *testing.T) {
	const plain = "FROM alpine AS build\n# fetch\nRUN apk add curl\n\nCOPY a /a\nCOPY b /b\nRUN make \\\n  all\nCMD [\"x\"]\n"
	const heredoc = "FROM alpine\nRUN echo a\nRUN <<EOF\necho b\nEOF\nRUN echo c\nCMD x\n"
	const backtick = "# escape=`\nFROM mcr.microsoft.com/windows\nRUN dir `\n  c:\\\nRUN echo a\nCMD x\n"
	const warned = "FROM alpine\nRUN echo a \\\n\n  b\nRUN echo c\nRUN echo d \\\n\n  e\nCMD x\n"
	crlf := strings.ReplaceAll(plain, "\n", "\r\n")
	noEOL := strings.TrimSuffix(plain, "\n")
	tests := []struct {
		name    string
		src     string
		edits   func(src string) []Edit
		partial bool // the shortcut is expected to be taken
	}{
		{"an edit in the first instruction reads only it", plain, func(s string) []Edit {
			return []Edit{replace(t, s, "alpine", 0, "alpine:3.20")}
		}, true},
		{"an edit in the last instruction reads only it", plain, func(s string) []Edit {
			return []Edit{replace(t, s, `["x"]`, 0, `["y", "z"]`)}
		}, true},
		{"an edit in a comment between instructions gives the next one its new comment", plain, func(s string) []Edit {
			return []Edit{replace(t, s, "fetch", 0, "fetch the tools\n# twice")}
		}, true},
		{"an empty comment line clears the comments of the next instruction", plain, func(s string) []Edit {
			return []Edit{replace(t, s, "# fetch\n", 0, "# fetch\n#\n")}
		}, true},
		{"a SHELL line added after FROM shifts every later line", plain, func(s string) []Edit {
			return []Edit{insertAfter(t, s, "AS build\n", "SHELL [\"/bin/ash\", \"-eo\", \"pipefail\", \"-c\"]\n")}
		}, true},
		{"a line added before the first instruction is left to Parse", plain, func(s string) []Edit {
			return []Edit{{Start: 0, End: 0, New: "# syntax=docker/dockerfile:1\n"}}
		}, false},
		{"a comment added at the start of the first instruction is left to Parse", plain, func(s string) []Edit {
			return []Edit{{Start: 0, End: 0, New: "# base\n"}}
		}, false},
		{"an instruction added before the first one takes its comments", "# top\n\nFROM alpine\nRUN x\n", func(s string) []Edit {
			return []Edit{replace(t, s, "FROM", 0, "ARG V=1\nFROM")}
		}, true},
		{"COPY lines moved up shorten one region and lengthen another", plain, func(s string) []Edit {
			cp := replace(t, s, "COPY a /a\nCOPY b /b\n", 0, "")
			at := replace(t, s, "RUN apk", 0, "RUN apk")
			return []Edit{{Start: at.Start, End: at.Start, New: "COPY a /a\nCOPY b /b\n"}, cp}
		}, true},
		{"two RUNs joined into one lose an instruction", plain, func(s string) []Edit {
			return []Edit{replace(t, s, "curl\n\nCOPY a /a\nCOPY b /b\nRUN make", 0, "curl \\\n && make")}
		}, true},
		{"a line break removed glues an instruction to the next one", plain, func(s string) []Edit {
			return []Edit{replace(t, s, "/b\n", 0, "/b ")}
		}, true},
		{"a line that now continues into the instruction after the region is left to Parse", plain, func(s string) []Edit {
			return []Edit{replace(t, s, "/a\n", 0, "/a \\\n")}
		}, false},
		{"an edit next to a heredoc is left to Parse", heredoc, func(s string) []Edit {
			return []Edit{replace(t, s, "echo a", 0, "echo A")}
		}, false},
		{"an edit after the instruction after a heredoc is read alone", heredoc, func(s string) []Edit {
			return []Edit{replace(t, s, "CMD x", 0, "CMD y")}
		}, true},
		{"an edit that starts a heredoc is left to Parse", plain, func(s string) []Edit {
			return []Edit{replace(t, s, "RUN apk add curl", 0, "RUN <<EOF\napk add curl\nEOF")}
		}, false},
		{"an unterminated heredoc gets Parse's error", plain, func(s string) []Edit {
			return []Edit{replace(t, s, "RUN apk add curl", 0, "RUN <<EOF")}
		}, false},
		{"a file with a backtick escape keeps it in the region", backtick, func(s string) []Edit {
			return []Edit{replace(t, s, "echo a", 0, "echo b `\n  c")}
		}, true},
		{"an edit of the escape directive is left to Parse", backtick, func(s string) []Edit {
			return []Edit{replace(t, s, "escape=`", 0, "escape=\\")}
		}, false},
		{"a CRLF file keeps its line ends in the region", crlf, func(s string) []Edit {
			return []Edit{replace(t, s, "apk add curl", 0, "apk add --no-cache curl")}
		}, true},
		{"a CRLF file gets an instruction added", crlf, func(s string) []Edit {
			return []Edit{insertAfter(t, s, "COPY b /b\r\n", "USER app\r\n")}
		}, true},
		{"a file without a final newline has its last instruction read to the end", noEOL, func(s string) []Edit {
			return []Edit{replace(t, s, `["x"]`, 0, `["y"]`)}
		}, true},
		{"text added after a last line without newline continues it", noEOL, func(s string) []Edit {
			return []Edit{{Start: len(s), End: len(s), New: " \\\n  more"}}
		}, true},
		{"an instruction added at the end of a file", plain, func(s string) []Edit {
			return []Edit{{Start: len(s), End: len(s), New: "USER app\n"}}
		}, true},
		{"a comment added at the end of a file is read with the last instruction", plain, func(s string) []Edit {
			return []Edit{{Start: len(s), End: len(s), New: "# end\n"}}
		}, true},
		{"a BOM is left to Parse", "\xEF\xBB\xBF" + plain, func(s string) []Edit {
			return []Edit{replace(t, s, "curl", 0, "wget")}
		}, false},
		{"warnings before and after the region keep their lines", warned, func(s string) []Edit {
			return []Edit{replace(t, s, "echo c", 0, "echo c\nRUN echo c2")}
		}, true},
		{"a warning in the region is read again", warned, func(s string) []Edit {
			return []Edit{replace(t, s, "echo d \\\n\n", 0, "echo d \\\n")}
		}, true},
		{"a lone CR in the region is left to Parse", plain, func(s string) []Edit {
			return []Edit{replace(t, s, "apk add curl", 0, "apk add\rcurl")}
		}, false},
		{"edits in instructions apart are read as two regions", plain, func(s string) []Edit {
			return []Edit{replace(t, s, "curl", 0, "wget"), replace(t, s, "all", 0, "install")}
		}, true},
		{"edits in neighbouring instructions are read as one region", plain, func(s string) []Edit {
			return []Edit{replace(t, s, "/a", 0, "/aa\nCOPY c /c"), replace(t, s, "/b", 0, "/bb")}
		}, true},
		{"edits in every instruction, given in reverse order", plain, func(s string) []Edit {
			return []Edit{replace(t, s, `"x"`, 0, `"y"`), replace(t, s, "make", 0, "gmake"), replace(t, s, "/b", 0, "/c"),
				replace(t, s, "/a", 0, "/d"), replace(t, s, "curl", 0, "wget"), replace(t, s, "alpine", 0, "debian")}
		}, true},
		{"regions that grow and shrink shift the instructions between them", warned, func(s string) []Edit {
			return []Edit{replace(t, s, "echo a", 0, "echo a\nRUN echo a2\nRUN echo a3"), replace(t, s, "echo d \\\n\n  e", 0, "echo d e"),
				replace(t, s, "CMD x", 0, "CMD y")}
		}, true},
		{"text inserted before an instruction without a line break joins it to the region", plain, func(s string) []Edit {
			return []Edit{replace(t, s, "curl", 0, "wget"), insertAfter(t, s, "\n\n", "ONBUILD ")}
		}, true},
		{"text inserted before the instruction after the region without a line break joins it", plain, func(s string) []Edit {
			return []Edit{replace(t, s, "curl", 0, "wget \\\n"), insertAfter(t, s, "\n\n", "  ")}
		}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			old, err := Parse("Dockerfile", []byte(tt.src))
			if err != nil {
				t.Fatal(err)
			}
			edits := tt.edits(tt.src)
			out, err := Apply(old.Src, edits)
			if err != nil {
				t.Fatal(err)
			}
			partial, d := reparseAgainstParse(t, old, edits, out)
			if d != "" {
				t.Errorf("Reparse differs from Parse at %s\nnew text:\n%s", d, out)
			}
			if partial != tt.partial {
				t.Errorf("partial = %v, want %v", partial, tt.partial)
			}
			again, _ := Parse("Dockerfile", []byte(tt.src))
			if d := deepdiff.Diff(old, again); d != "" {
				t.Errorf("Reparse changed the old document at %s", d)
			}
		})
	}
}

// reparseAgainstParse re-parses out both ways: Reparse from old and its edits, and a
// full Parse. Their errors must agree; it returns whether Reparse took its shortcut and
// where the two documents differ ("" when they are equal).
func reparseAgainstParse(t *testing.T, old *Document, edits []Edit, out []byte) (partial bool, diff string) {
	t.Helper()
	want, wantErr := Parse("Dockerfile", out)
	got, partial, err := Reparse(old, edits, out)
	if (err == nil) != (wantErr == nil) || err != nil && err.Error() != wantErr.Error() {
		t.Fatalf("Reparse error %v, Parse error %v", err, wantErr)
	}
	return partial, deepdiff.Diff(got, want)
}

func TestReparseLeavesToParseATextTheEditsDoNotDescribe(t *testing.T) {
	const src = "FROM alpine\nRUN echo a\nRUN echo b\nCMD x\n"
	old, err := Parse("Dockerfile", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	edits := []Edit{replace(t, src, "echo a", 0, "echo A")}
	tests := []struct{ name, out string }{
		{"a change outside the edits", "FROM alpine\nRUN echo A\nRUN echo b\nCMD y\n"},
		{"a change before the edits", "FROM debian\nRUN echo A\nRUN echo b\nCMD x\n"},
		{"a text of another length", "FROM alpine\nRUN echo A\nRUN echo b\nCMD x\nUSER u\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want, _ := Parse("Dockerfile", []byte(tt.out))
			got, partial, err := Reparse(old, edits, []byte(tt.out))
			if err != nil || partial {
				t.Fatalf("partial %v, error %v; want a full parse", partial, err)
			}
			if d := deepdiff.Diff(got, want); d != "" {
				t.Errorf("differs from Parse at %s", d)
			}
		})
	}
}

// FuzzReparse holds Reparse equal to Parse after random edits of every seed file:
// lines removed, doubled or added, comments, continuations, heredoc markers and line
// breaks written at line starts or anywhere. Without -fuzz it runs the seeds.
func FuzzReparse(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		for k := range 4 {
			f.Add(string(s), uint64(k))
		}
	}
	f.Fuzz(func(t *testing.T, src string, seed uint64) {
		old, err := Parse("Dockerfile", []byte(src))
		if err != nil {
			return
		}
		edits := linesEdits(rand.New(rand.NewPCG(seed, uint64(len(src)))), old)
		out, err := Apply(old.Src, edits)
		if err != nil {
			t.Fatal(err)
		}
		if partial, d := reparseAgainstParse(t, old, edits, out); d != "" {
			t.Fatalf("Reparse (partial %v) differs from Parse at %s\nedits %v\nold:\n%s\nnew:\n%s", partial, d, edits, src, out)
		}
	})
}

var fuzzSnippets = []string{"", "RUN x\n", "# c\n", "#\n", "\n", " \\\n", "\\\n", "`\n", " `\n", "RUN a \\\n\n  b\n",
	"COPY a /b\n", "FROM x AS y\n", "RUN <<EOF\n", "EOF\n", "\r\n", "\r", "x", "# escape=`\n", "ONBUILD RUN y\n", "  "}

// linesEdits returns one to four edits of doc, not overlapping, most at line starts.
func linesEdits(r *rand.Rand, doc *Document) []Edit {
	size := len(doc.Src)
	var starts []int
	for range 1 + r.IntN(4) {
		at := r.IntN(size + 1)
		if r.IntN(3) > 0 {
			at = doc.LineStart(r.IntN(doc.NumLines() + 1))
		}
		starts = append(starts, at)
	}
	sort.Ints(starts)
	var edits []Edit
	for i, at := range starts {
		if i > 0 && at <= edits[len(edits)-1].End {
			continue
		}
		limit := size
		if i+1 < len(starts) {
			limit = starts[i+1]
		}
		end := at
		switch r.IntN(3) {
		case 0: // to the end of the line (a whole line when at its start)
			end = doc.LineEnd(doc.LineOf(at) - 1)
		case 1:
			end = at + r.IntN(8)
		}
		edits = append(edits, Edit{Start: at, End: min(end, limit, size), New: fuzzSnippets[r.IntN(len(fuzzSnippets))]})
	}
	return edits
}
