package fix

import (
	"strings"
	"testing"

	"github.com/dfix-dev/dfix/rewrite"
	"mvdan.cc/sh/v3/syntax"
)

func cdPass(t *testing.T, src string) *Pass {
	t.Helper()
	doc, err := rewrite.Parse("Dockerfile", []byte(src))
	if err != nil {
		t.Fatalf("%q: %v", src, err)
	}
	return &Pass{Doc: doc, Facts: computeFacts(doc)}
}

// TestWorkdirBefore checks what cd-to-workdir knows of the working directory before
// the last instruction of each file: the WORKDIR it would write back after the RUN.
func TestWorkdirBefore(t *testing.T) {
	for _, tc := range []struct {
		name string
		src  string
		want string // the directory, or "?" when unknown
	}{
		{"a base image's WORKDIR is unknown", "FROM debian\nRUN make\n", "?"},
		{"scratch starts at /", "FROM scratch\nRUN make\n", "/"},
		{"a trailing slash is cleaned", "FROM debian\nWORKDIR /app/\nRUN make\n", "/app"},
		{"a relative WORKDIR joins onto the one before", "FROM debian\nWORKDIR /srv\nWORKDIR app/../api\nRUN make\n", "/srv/api"},
		{"a relative WORKDIR on an unknown one is unknown", "FROM debian\nWORKDIR app\nRUN make\n", "?"},
		{"a quoted path with a space is known", "FROM debian\nWORKDIR \"/opt/my app\"\nRUN make\n", "/opt/my app"}, // not written back: not a plain path
		{"a variable an ENV sets to a literal is known", "FROM debian\nENV D=/x\nWORKDIR $D\nRUN make\n", "/x"},
		{"a legacy ENV counts too", "FROM debian\nENV D /x\nWORKDIR ${D}/y\nRUN make\n", "/x/y"},
		{"an ENV made of other values is unknown", "FROM debian\nENV D=$HOME/x\nWORKDIR $D\nRUN make\n", "?"},
		{"a build argument is unknown", "FROM debian\nARG D=/x\nWORKDIR $D\nRUN make\n", "?"},
		// Built: ENV D=/x, ARG D=/y, WORKDIR $D: pwd prints /y, and /z with --build-arg D=/z.
		{"an ARG after an ENV of the same name makes it a build argument", "FROM debian\nENV D=/x\nARG D=/y\nWORKDIR $D\nRUN make\n", "?"},
		{"an ARG of the parent stage is a build argument in the child", "FROM debian AS a\nARG D=/x\nFROM a\nWORKDIR $D\nRUN make\n", "?"},
		{"a child stage has the parent's ENV value, whatever an ARG after it", "FROM debian AS a\nENV D=/x\nARG D=/y\nFROM a\nWORKDIR $D\nRUN make\n", "/x"},
		{"a variable nothing sets is unknown", "FROM debian\nWORKDIR /x/${D}\nRUN make\n", "?"},
		{"a default value form is unknown", "FROM debian\nENV D=/x\nWORKDIR ${D:-/y}\nRUN make\n", "?"},
		{"an unknown WORKDIR replaces a known one", "FROM debian\nWORKDIR /x\nWORKDIR /y/$D\nRUN make\n", "?"},
		{"a stage inherits its parent stage's WORKDIR", "FROM debian AS base\nWORKDIR /ws\nFROM base\nRUN make\n", "/ws"},
		{"a stage inherits its parent stage's ENV", "FROM debian AS base\nENV W=/ws\nFROM base\nWORKDIR $W\nRUN make\n", "/ws"},
		{"a relative WORKDIR joins onto the parent stage's", "FROM debian AS base\nWORKDIR /ws\nFROM base AS dev\nWORKDIR sub\nRUN make\n", "/ws/sub"},
		{"another image does not inherit a stage's WORKDIR", "FROM debian AS base\nWORKDIR /ws\nFROM debian\nRUN make\n", "?"},
		{"a relative WORKDIR on scratch joins onto /", "FROM scratch AS base\nFROM base\nWORKDIR rel\nRUN make\n", "/rel"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := cdPass(t, tc.src)
			st := p.Facts.WorkdirBefore(p.Doc.Instructions[len(p.Doc.Instructions)-1])
			got := "?"
			if st.known {
				got = st.dir
			} else if st.why == "" {
				t.Errorf("unknown without a reason")
			}
			if got != tc.want {
				t.Errorf("got %s, want %s (%s)", got, tc.want, st.why)
			}
		})
	}
}

// TestSetErrexit checks which `set` commands may stay in front of a cd that becomes a
// WORKDIR, and whether errexit is on after them.
func TestSetErrexit(t *testing.T) {
	for _, tc := range []struct {
		name, cmd string
		was       bool
		on, ok    bool
	}{
		{"set -eux turns errexit on", "set -eux", false, true, true},
		{"set -x keeps errexit off", "set -x", false, false, true},
		{"set +e turns errexit off", "set +e", true, false, true},
		{"set -o errexit turns errexit on", "set -o errexit", false, true, true},
		{"set -o pipefail keeps errexit as it was", "set -o pipefail", true, true, true},
		{"set -- args is refused", "set -- a b", false, false, false},
		{"set -P (physical cd) is refused", "set -P", false, false, false},
		{"set -o with no name is refused", "set -o", false, false, false},
		{"set -o posix is refused", "set -o posix", false, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := syntax.NewParser().Parse(strings.NewReader(tc.cmd), "")
			if err != nil {
				t.Fatal(err)
			}
			on, ok := setErrexit(f.Stmts[0].Cmd.(*syntax.CallExpr), tc.was)
			if ok != tc.ok || ok && on != tc.on {
				t.Errorf("got errexit %v, accepted %v; want %v, %v", on, ok, tc.on, tc.ok)
			}
		})
	}
}

// TestMkdirDir checks which mkdir commands before a cd WORKDIR can take over.
func TestMkdirDir(t *testing.T) {
	for _, tc := range []struct {
		name, cmd, want string
	}{
		{"mkdir -p of one directory is taken", "mkdir -p /opt/app", "/opt/app"},
		{"mkdir without -p is taken", "mkdir build", "build"},
		{"mkdir -pv is taken", "mkdir -pv /x", "/x"},
		{"a mode is refused: WORKDIR makes 0755", "mkdir -m 700 /x", ""},
		{"two directories are refused", "mkdir -p /x /y", ""},
		{"a variable is refused", "mkdir -p $D", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := syntax.NewParser().Parse(strings.NewReader(tc.cmd), "")
			if err != nil {
				t.Fatal(err)
			}
			if got := mkdirDir(f.Stmts[0].Cmd.(*syntax.CallExpr)); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// TestLaterUsesWorkdir checks what after a RUN depends on the directory it started in.
func TestLaterUsesWorkdir(t *testing.T) {
	for _, tc := range []struct {
		name, src, want string // want: "" when nothing depends on it
	}{
		{"a later RUN depends on it", "FROM debian AS b\nRUN cd /x && make\nRUN make\nFROM scratch\n", "the RUN on line 3"},
		{"a later RUN that starts with an absolute cd does not", "FROM debian AS b\nRUN cd /x && make\nRUN cd /y && make\nFROM scratch\n", ""},
		{"a later RUN that goes back with cd - does", "FROM debian AS b\nRUN cd /x && make\nRUN cd /y && make && cd - && ls\nFROM scratch\n", "the RUN on line 3"},
		{"a later RUN with cd; does", "FROM debian AS b\nRUN cd /x && make\nRUN cd /y; make\nFROM scratch\n", "the RUN on line 3"},
		{"a later RUN with a relative mount does", "FROM debian AS b\nRUN cd /x && make\nRUN --mount=type=cache,target=cache cd /y && make\nFROM scratch\n", "the RUN on line 3"},
		{"an absolute WORKDIR from a known ENV resets it", "FROM debian AS b\nENV HOME=/home/u\nRUN cd /x && make\nWORKDIR $HOME\nRUN make\nFROM scratch\n", ""},
		{"a WORKDIR from an unknown variable does not", "FROM debian AS b\nRUN cd /x && make\nWORKDIR $HOME\nRUN make\nFROM scratch\n", "the WORKDIR on line 3"},
		{"the last stage is the image", "FROM debian\nRUN cd /x && make\n", "the image (the containers it starts)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := cdPass(t, tc.src)
			var run *rewrite.Instruction
			for _, in := range p.Doc.Instructions {
				if run == nil && strings.HasPrefix(in.Args(), "cd /x") {
					run = in
				}
			}
			if got := laterUsesWorkdir(p, run); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}
