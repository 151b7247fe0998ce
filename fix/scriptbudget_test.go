package fix

import (
	"fmt"
	"strings"
	"testing"

	"github.com/dfix-dev/dfix/rewrite"
)

// A pass keeps the parsed RUNs up to a budget of shell text (Facts.Script); past it,
// each rule parses a RUN again and nothing worked out from it is kept. The rules must
// give the same findings, fixes and output whatever is kept: these tests run every
// golden case and corpus file with nothing kept and compare with a normal run.
func TestRulesGiveTheSameResultsWithNoScriptKept(t *testing.T) {
	p := newBudgetProof(t)
	n := forEachGoldenInput(t, func(path string, src []byte, context string) { p.compare(t, path, src, context) })
	t.Logf("%d golden cases compared", n)
}

func TestRulesGiveTheSameResultsWithNoScriptKeptOnCorpus(t *testing.T) {
	p := newBudgetProof(t)
	n := forEachCorpusFile(t, func(path string, src []byte) { p.compare(t, path, src, "") })
	t.Logf("%d corpus files compared", n)
}

type budgetProof struct{ runs []Options }

func newBudgetProof(t *testing.T) *budgetProof { return &budgetProof{runs: allAndDefaultRuns(t)} }

func (p *budgetProof) compare(t *testing.T, name string, src []byte, context string) {
	t.Helper()
	for _, opts := range p.runs {
		opts.Context = context
		kept, errKept := Run(name, src, opts)
		opts.scriptBudget = -1
		none, errNone := Run(name, src, opts)
		if fmt.Sprint(errKept) != fmt.Sprint(errNone) {
			t.Errorf("%s: error %v with scripts kept, %v with none", name, errKept, errNone)
			continue
		}
		if errKept != nil {
			continue
		}
		if a, b := resultText(kept), resultText(none); a != b {
			t.Errorf("%s (unsafe fixes %v): results differ with no script kept\n--- kept\n%s\n--- none kept\n%s", name, opts.UnsafeFixes, a, b)
		}
	}
}

// resultText is what a run gives, as text: findings with their fixes, the fixed text,
// the findings left and the problems.
func resultText(r *Result) string {
	var b strings.Builder
	diags := func(title string, ds []Diagnostic) {
		fmt.Fprintf(&b, "%s:\n", title)
		for _, d := range ds {
			fmt.Fprintf(&b, "  %s %d-%d %q %q", d.Rule.Name, d.Start, d.End, d.Message, d.Help)
			if d.Fix != nil {
				fmt.Fprintf(&b, " fix %+v", *d.Fix)
			}
			b.WriteByte('\n')
		}
	}
	diags("findings", r.Findings)
	diags("fixed", r.Fixed)
	diags("remaining", r.Remaining)
	fmt.Fprintf(&b, "problems: %+v\noutput:\n%s", r.Problems, r.Output)
	return b.String()
}

func TestFactsKeepScriptsWithinTheBudget(t *testing.T) {
	doc, err := rewrite.Parse("Dockerfile", []byte("FROM debian\nRUN apt-get update\nRUN echo two\nRUN echo three\n"))
	if err != nil {
		t.Fatal(err)
	}
	runs := doc.Instructions[1:]
	tests := []struct {
		name   string
		budget int
		kept   []bool // per RUN
	}{
		{"a budget that holds every body keeps them all", 1 << 20, []bool{true, true, true}},
		{"a budget of one body and a bit keeps the first only", len("apt-get update") + 3, []bool{true, false, false}},
		{"no budget keeps none", 0, []bool{false, false, false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := computeFacts(doc)
			f.scriptBudget = tt.budget
			for i, in := range runs {
				s1, err := f.Script(in)
				if err != nil {
					t.Fatal(err)
				}
				s2, _ := f.Script(in)
				if kept := s1 == s2 && f.keptScript(s1); kept != tt.kept[i] {
					t.Errorf("RUN %d: kept %v, want %v", i+1, kept, tt.kept[i])
				}
				calls := f.aptCalls(s1)
				if _, memo := f.apt[s1]; memo != tt.kept[i] {
					t.Errorf("RUN %d: its apt calls (%d) are remembered: %v, want %v", i+1, len(calls), memo, tt.kept[i])
				}
			}
		})
	}
}
