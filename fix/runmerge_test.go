package fix

import (
	"bytes"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dfix-dev/dfix/fix/shell"
	"github.com/dfix-dev/dfix/rewrite"
	"mvdan.cc/sh/v3/syntax"
)

// TestRunMergeKeepsMeaning builds random files of consecutive RUNs out of commands that
// change the shell's state, fail, exit or print, merges them with run-merge, and runs
// both versions the way a build does (each RUN in a fresh shell, stopping at the first
// failure): what they print and whether the build succeeds must be the same. It runs
// under dash (/bin/sh, the default shell of Debian images) and under bash -e (a SHELL
// with errexit).
func TestRunMergeKeepsMeaning(t *testing.T) {
	shells := map[string][]string{"sh": {"sh", "-c"}, "bash-e": {"bash", "-e", "-c"}}
	for name, argv := range shells {
		if _, err := exec.LookPath(argv[0]); err != nil {
			t.Logf("%s not found: skipping %s", argv[0], name)
			delete(shells, name)
		}
	}
	rule := Lookup(Rules(), "run-merge")
	rng := rand.New(rand.NewSource(1))
	n := 400
	if testing.Short() {
		n = 60
	}
	merged := 0
	for i := 0; i < n; i++ {
		for name, argv := range shells {
			src := randomRuns(rng, name == "bash-e")
			res, err := Run("Dockerfile", []byte(src), Options{Rules: []*Rule{rule}, UnsafeFixes: true})
			if err != nil {
				t.Fatalf("%v\n%s", err, src)
			}
			for _, p := range res.Problems {
				t.Errorf("problem: %v\n%s", p, src)
			}
			if !res.Changed() {
				continue
			}
			merged++
			want := simulateBuild(t, argv, []byte(src))
			got := simulateBuild(t, argv, res.Output)
			if got != want {
				t.Errorf("%s: merging changed the build\n--- input:\n%s--- output:\n%s--- input ran: %q\n--- output ran: %q", name, src, res.Output, want, got)
			}
		}
	}
	if merged < n/2 {
		t.Errorf("only %d of %d files were merged: the generator is too strict", merged, 2*n)
	}
}

var mergeTestCommands = []string{
	"echo A", "echo B", "false", "true", "cd sub", "echo d${PWD##*/}", "X=1", "echo x$X",
	"export Y=2", "echo y$Y", "exit 0", "exit 3", "set -e", "umask 077", "umask", "(false)",
	"(exit 4)", "! true", "if true; then echo i; false; fi", "f() { echo f; }",
	"f 2>/dev/null || echo nof", "{ echo g; false; }", "echo $((n=n+1))", "echo ${Z:=z}",
	"echo z$Z", "trap 'echo T' EXIT", "echo p | cat", "false | true", "read V </dev/null",
	": ${W:=w}", "echo w$W", "eval 'echo E'", ". ./lib.sh", "echo l$L", "exec 3>/dev/null",
}

// randomRuns returns a Dockerfile of 2 to 4 RUNs.
func randomRuns(rng *rand.Rand, errexit bool) string {
	var b strings.Builder
	b.WriteString("FROM debian:bookworm\n")
	if errexit {
		b.WriteString(`SHELL ["/bin/bash", "-e", "-c"]` + "\n")
	}
	leading := rng.Intn(2) == 0
	runs := 2 + rng.Intn(3)
	for r := 0; r < runs; r++ {
		switch rng.Intn(6) {
		case 0:
			b.WriteString("# between\n")
		case 1:
			b.WriteString("\n")
		}
		b.WriteString("RUN ")
		lists := 1 + rng.Intn(2)
		for l := 0; l < lists; l++ {
			if l > 0 {
				b.WriteString("; ")
			}
			cmds := 1 + rng.Intn(3)
			for c := 0; c < cmds; c++ {
				if c > 0 {
					op := "&&"
					if rng.Intn(3) == 0 {
						op = "||"
					}
					switch {
					case rng.Intn(3) > 0:
						b.WriteString(" " + op + " ")
					case leading:
						b.WriteString(" \\\n    " + op + " ")
					default:
						b.WriteString(" " + op + " \\\n    ")
					}
				}
				b.WriteString(mergeTestCommands[rng.Intn(len(mergeTestCommands))])
			}
		}
		switch rng.Intn(8) {
		case 0:
			b.WriteString(";")
		case 1:
			b.WriteString(" # note")
		}
		b.WriteString("\n")
	}
	return b.String()
}

// simulateBuild runs the RUNs of a Dockerfile one after the other, each in a fresh shell
// in a fresh copy of the same folder, as far as the first one that fails, and returns
// what they printed and how the build ended.
func simulateBuild(t *testing.T, argv []string, src []byte) string {
	t.Helper()
	doc, err := rewrite.Parse("Dockerfile", src)
	if err != nil {
		t.Fatalf("%v\n%s", err, src)
	}
	dir := filepath.Join(t.TempDir(), "w")
	if err := os.MkdirAll(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "lib.sh"), []byte("L=1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	for _, in := range doc.Instructions {
		if in.Keyword != "run" {
			continue
		}
		cmd := exec.Command(argv[0], append(argv[1:], in.Args())...)
		cmd.Dir = dir
		cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
		cmd.Stdout = &out
		if err := cmd.Run(); err != nil {
			if _, ok := err.(*exec.ExitError); !ok {
				t.Fatal(err)
			}
			return out.String() + "|failed"
		}
	}
	return out.String() + "|ok"
}

// TestRunShape documents how a RUN is classified for a merge.
func TestRunShape(t *testing.T) {
	for _, tc := range []struct {
		body                          string
		leak, group, refuse, compound bool
	}{
		{body: "make"},
		{body: "make && make install"},
		{body: "a | b"},
		{body: "a || b", group: true},      // `x && a || b` would run b when x fails
		{body: "a && b || c", group: true}, // every && and || is on the left spine
		{body: "a || b && c", group: true}, // (a || b) && c
		{body: "a; b", group: true},        // as the first RUN: `a; b && c`, no group
		{body: "a;"},                       // one statement; its `;` is dropped when joined
		{body: "f() { a; }", leak: true, group: true, compound: true},
		{body: "cd /src && make", leak: true},
		{body: "command cd /src", leak: true},
		{body: "(cd /src && make)", compound: true}, // already isolated
		{body: "echo $(cd /x && pwd)"},              // a command substitution is a subshell
		{body: "X=1", leak: true},                   // an assignment without a command
		{body: "X=1 make"},                          // scoped to make
		{body: "X=1 :", leak: true},                 // kept by a special builtin
		{body: "export A=1", leak: true},            // DeclClause
		{body: "echo ${A:=1}", leak: true},          // assigns A
		{body: "echo $((n+=1))", leak: true},        // arithmetic assignment
		{body: ". /etc/os-release && echo $ID", leak: true},
		{body: "umask 022", leak: true},
		{body: "exit 0", leak: true}, // would end the merged RUN
		{body: "exec >/dev/null", leak: true},
		{body: "$TOOL build", leak: true}, // a computed command could be a builtin
		{body: "$HOME/bin/tool build"},    // a path: a program, not a builtin
		{body: "set -eux; make", group: true, refuse: true},
		{body: "(set -e; make)", refuse: true, compound: true}, // -e is ignored in a subshell before &&
		{body: "eval \"$CMD\"", refuse: true},
		{body: "shopt -so errexit", leak: false, refuse: true},
		{body: "shopt -s globstar", leak: true},
		{body: "if true; then a; fi", compound: true},
	} {
		doc, err := rewrite.Parse("Dockerfile", []byte("FROM debian\nRUN "+tc.body+"\n"))
		if err != nil {
			t.Fatal(err)
		}
		p := &Pass{Doc: doc, Facts: computeFacts(doc)}
		r := analyzeRun(p, doc.Instructions[1])
		if r.why != "" {
			t.Errorf("%q: %s", tc.body, r.why)
			continue
		}
		if got := r.leak != ""; got != tc.leak {
			t.Errorf("%q: leak %q, want leak=%v", tc.body, r.leak, tc.leak)
		}
		if r.group != tc.group {
			t.Errorf("%q: group %v, want %v", tc.body, r.group, tc.group)
		}
		if got := r.refuse != ""; got != tc.refuse {
			t.Errorf("%q: refuse %q, want refuse=%v", tc.body, r.refuse, tc.refuse)
		}
		if r.compound != tc.compound {
			t.Errorf("%q: compound %v, want %v", tc.body, r.compound, tc.compound)
		}
	}
}

// TestAndOrIsLeftAssociative checks the parse the merge relies on: `a || b && c` is
// `(a || b) && c`, so `&& c` appended to any and-or list is guarded by the whole list.
func TestAndOrIsLeftAssociative(t *testing.T) {
	doc, err := rewrite.Parse("Dockerfile", []byte("FROM debian\nRUN a || b && c\n"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := shell.Parse(doc.Instructions[1])
	if err != nil {
		t.Fatal(err)
	}
	root, ok := s.File.Stmts[0].Cmd.(*syntax.BinaryCmd)
	if !ok || root.Op != syntax.AndStmt {
		t.Fatalf("root is %#v, want &&", s.File.Stmts[0].Cmd)
	}
	if left, ok := root.X.Cmd.(*syntax.BinaryCmd); !ok || left.Op != syntax.OrStmt {
		t.Fatalf("left of && is %#v, want a || b", root.X.Cmd)
	}
}
