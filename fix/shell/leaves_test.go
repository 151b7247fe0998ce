package shell

import (
	"strings"
	"testing"

	"mvdan.cc/sh/v3/syntax"
)

func TestLeaves(t *testing.T) {
	tests := []struct {
		name, run string
		want      string // each leaf followed by the operator after it; "." after the last
		whole     bool
		// set marks the list itself: the parser gives a `!` or a redirection to one
		// command of a list, never to the list, so only a built tree has one there.
		set func(*syntax.Stmt)
	}{
		{"a single command is its own leaf, with nothing after it",
			"RUN make", "make .", true, nil},
		{"each command of an && / || list comes with the operator that follows it",
			"RUN a && b || c && d", "a && b || c && d .", true, nil},
		{"a pipeline is one leaf", "RUN a | b && c", "a | b && c .", true, nil},
		{"a group is one leaf, its own list not split",
			"RUN { a && b; } || c", "{ a && b; } || c .", true, nil},
		{"a subshell is one leaf", "RUN (cd /x && make) && d", "(cd /x && make) && d .", true, nil},
		{"a negated command is a leaf of its own", "RUN ! a && b", "! a && b .", true, nil},
		{"a list run in the background is not whole",
			"RUN a && b &", "a && b .", false, nil},
		{"a list negated as a whole is not whole",
			"RUN a && b", "a && b .", false, func(st *syntax.Stmt) { st.Negated = true }},
		{"a list redirected as a whole is not whole",
			"RUN a || b", "a || b .", false, func(st *syntax.Stmt) { st.Redirs = []*syntax.Redirect{{}} }},
		{"a list inside a list that is not whole makes the whole list not whole",
			"RUN a && b || c", "a && b || c .", false, func(st *syntax.Stmt) { st.Cmd.(*syntax.BinaryCmd).X.Background = true }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := parseRun(t, "FROM x\n"+tt.run+"\n")
			st := s.File.Stmts[0]
			if tt.set != nil {
				tt.set(st)
			}
			leaves, whole := Leaves(st)
			var got []string
			for _, l := range leaves {
				op := "."
				if l.Next != 0 {
					op = l.Next.String()
				}
				got = append(got, s.Text[l.Stmt.Pos().Offset():l.Stmt.End().Offset()], op)
			}
			if g := strings.Join(got, " "); g != tt.want {
				t.Errorf("leaves %q, want %q", g, tt.want)
			}
			if whole != tt.whole {
				t.Errorf("whole = %v, want %v", whole, tt.whole)
			}
		})
	}
}

// TestListLeavesIsLeaves holds the two readings of a list to one walk: ListLeaves
// visits exactly the statements Leaves returns.
func TestListLeavesIsLeaves(t *testing.T) {
	for _, run := range []string{"RUN a", "RUN a && b || c", "RUN a && b &", "RUN { a || b; } && c | d"} {
		t.Run(run, func(t *testing.T) {
			st := parseRun(t, "FROM x\n"+run+"\n").File.Stmts[0]
			leaves, _ := Leaves(st)
			var visited []*syntax.Stmt
			ListLeaves(st, func(s *syntax.Stmt) { visited = append(visited, s) })
			if len(visited) != len(leaves) {
				t.Fatalf("ListLeaves visits %d statements, Leaves returns %d", len(visited), len(leaves))
			}
			for i := range leaves {
				if visited[i] != leaves[i].Stmt {
					t.Errorf("statement %d differs", i)
				}
			}
		})
	}
}
