package shell

import (
	"testing"

	"github.com/dfix-dev/dfix/rewrite"
)

func TestTreesHandAKeptTreeToTheNextRoundOnce(t *testing.T) {
	doc, err := rewrite.Parse("Dockerfile", []byte("FROM debian\nRUN apt-get update\nRUN apt-get update\nRUN echo other\n"))
	if err != nil {
		t.Fatal(err)
	}
	a, b, other := doc.Instructions[1], doc.Instructions[2], doc.Instructions[3]
	first := (*Trees)(nil).Next()
	sa, err := ParseRunWith(a, first)
	if err != nil {
		t.Fatal(err)
	}
	if !sa.Runs("apt-get") {
		t.Fatal("the first round's script does not see its apt-get")
	}
	first.Keep(sa)
	next := first.Next()
	tests := []struct {
		name     string
		in       *rewrite.Instruction
		sameTree bool
	}{
		{"the same text takes the kept tree and its walk", a, true},
		{"a second RUN of the same text gets a tree of its own", b, false},
		{"another text is parsed anew", other, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := ParseRunWith(tt.in, next)
			if err != nil {
				t.Fatal(err)
			}
			if got := s.File == sa.File; got != tt.sameTree {
				t.Errorf("shares the first round's tree: %v, want %v", got, tt.sameTree)
			}
			if got := s.idx == sa.idx; got != tt.sameTree {
				t.Errorf("shares the first round's walk: %v, want %v", got, tt.sameTree)
			}
			if s.In != tt.in {
				t.Error("the script is not bound to its own instruction")
			}
		})
	}
	if third := next.Next(); third.earlier != nil {
		t.Error("the next round kept nothing, yet the one after it gets trees")
	}
}
