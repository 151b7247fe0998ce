package fix

import (
	"strings"
	"testing"

	"github.com/dfix-dev/dfix/rewrite"
)

// A rule that proposes one fix per instruction of a keyword.
func fakeRule(name, keyword string, app Applicability, edit func(in *rewrite.Instruction) rewrite.Edit) *Rule {
	return &Rule{Name: name, Title: name, Applicability: app, Check: func(p *Pass) {
		for _, in := range p.Doc.Instructions {
			if in.Keyword == keyword {
				p.Report(Diagnostic{Start: in.Start, End: in.End, Message: name,
					Fix: &Fix{Title: "Do " + name, Applicability: app, Edits: []rewrite.Edit{edit(in)}}})
			}
		}
	}}
}

func TestDriver(t *testing.T) {
	src := "FROM alpine\n# keep me\nRUN echo a\nCMD x\n"
	breaker := fakeRule("breaker", "run", Safe, func(in *rewrite.Instruction) rewrite.Edit {
		return rewrite.Edit{Start: in.Start, End: in.Start, New: "RUN <<EOF\n"} // unterminated heredoc
	})
	glue := fakeRule("glue", "run", Safe, func(in *rewrite.Instruction) rewrite.Edit {
		// Removes the line break after RUN: the CMD becomes part of it and still parses.
		return rewrite.Edit{Start: in.End - 1, End: in.End, New: " "}
	})
	flip := fakeRule("flip", "cmd", Safe, func(in *rewrite.Instruction) rewrite.Edit {
		kw, _ := in.KeywordSpan()
		return rewrite.Edit{Start: kw.End, End: kw.End, New: " x"} // grows forever
	})
	upper := &Rule{Name: "upper", Check: func(p *Pass) {
		for _, in := range p.Doc.Instructions {
			if a := in.Args(); in.Keyword == "cmd" && a != strings.ToUpper(a) {
				start, end, _ := in.Logical.FileSpan(in.ArgsStart, in.ArgsStart+len(a))
				p.Report(Diagnostic{Start: start, End: end, Message: "upper", Fix: &Fix{Title: "Upper", Applicability: Safe,
					Edits: []rewrite.Edit{{Start: start, End: end, New: strings.ToUpper(a)}}}})
			}
		}
	}}
	unsafe := fakeRule("unsafe", "cmd", Unsafe, func(in *rewrite.Instruction) rewrite.Edit {
		return rewrite.Edit{Start: in.End, End: in.End, New: "USER app\n"}
	})
	tests := []struct {
		name     string
		rules    []*Rule
		unsafe   bool
		want     string
		problems []string // substrings of the problems reported
	}{
		{"a fix that breaks the file is dropped and reported", []*Rule{breaker}, false, src, []string{"breaker", "would break"}},
		{"a fix that glues two instructions is dropped even though the file parses", []*Rule{glue}, false, src, []string{"glue", "would break"}},
		{"a fix that never settles is dropped after the round limit", []*Rule{flip}, false, src, []string{"flip", "did not settle"}},
		{"a broken fix does not stop a good one", []*Rule{breaker, upper}, false, "FROM alpine\n# keep me\nRUN echo a\nCMD X\n", []string{"breaker"}},
		{"an unsafe fix waits for --unsafe-fixes", []*Rule{unsafe}, false, src, nil},
		{"an unsafe fix that changes the instruction list without saying so is dropped", []*Rule{unsafe}, true, src, []string{"unsafe", "would break"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Run("Dockerfile", []byte(src), Options{Rules: tt.rules, UnsafeFixes: tt.unsafe})
			if err != nil {
				t.Fatal(err)
			}
			if string(res.Output) != tt.want {
				t.Errorf("output %q, want %q", res.Output, tt.want)
			}
			var got []string
			for _, p := range res.Problems {
				got = append(got, p.String())
			}
			all := strings.Join(got, "\n")
			for _, w := range tt.problems {
				if !strings.Contains(all, w) {
					t.Errorf("problems %q should mention %q", got, w)
				}
			}
			if len(tt.problems) == 0 && len(got) > 0 {
				t.Errorf("unexpected problems %q", got)
			}
		})
	}
}

func TestDriverExpressesSeveralRoundsAsOneSetOfEdits(t *testing.T) {
	// Round 1 lowercases CMD's argument into "x y"; round 2 the second rule sees the
	// new text. The final edits are against the original and explain the output.
	src := "FROM alpine\nCMD A\n"
	first := &Rule{Name: "first"}
	first.Check = func(p *Pass) {
		for _, in := range p.Doc.Instructions {
			if in.Keyword == "cmd" && in.Args() == "A" {
				s, e, _ := in.Logical.FileSpan(in.ArgsStart, len(in.Logical.Text))
				p.Report(Diagnostic{Start: s, End: e, Message: "first", Fix: &Fix{Title: "lower", Applicability: Safe, Edits: []rewrite.Edit{{Start: s, End: e, New: "a"}}}})
			}
		}
	}
	second := &Rule{Name: "second", Check: func(p *Pass) {
		for _, in := range p.Doc.Instructions {
			if in.Keyword == "cmd" && in.Args() == "a" {
				e := in.Logical.FileOffset(len(in.Logical.Text)-1) + 1
				p.Report(Diagnostic{Start: e, End: e, Message: "second", Fix: &Fix{Title: "append", Applicability: Safe, Edits: []rewrite.Edit{{Start: e, End: e, New: " b"}}}})
			}
		}
	}}
	res, err := Run("Dockerfile", []byte(src), Options{Rules: []*Rule{first, second}})
	if err != nil {
		t.Fatal(err)
	}
	if string(res.Output) != "FROM alpine\nCMD a b\n" {
		t.Fatalf("output %q", res.Output)
	}
	if len(res.Edits) != 1 || res.Edits[0] != (rewrite.Edit{Start: 16, End: 17, New: "a b"}) {
		t.Errorf("edits %v, want one edit against the original", res.Edits)
	}
	if len(res.Fixed) != 2 {
		t.Errorf("fixed %d findings, want 2", len(res.Fixed))
	}
}
