package fix

import (
	"reflect"
	"strings"
	"testing"

	"github.com/dfix-dev/dfix/rewrite"
)

// The readings of the rules that use Facts.Vars.
var (
	certainVars = VarOptions{}                                               // cd-to-workdir, WorkdirBefore
	depsVars    = VarOptions{Args: ArgDefault, Values: ValuesExpanded}       // copy-deps-first
	pkgReadVars = VarOptions{Args: ArgDefaultIfAny, Values: ValuesAsWritten} // the package rules (pkgVars)
)

func varsFacts(t testing.TB, src string) (*Facts, *rewrite.Document) {
	t.Helper()
	doc, err := rewrite.Parse("Dockerfile", []byte(src))
	if err != nil {
		t.Fatalf("%q: %v", src, err)
	}
	return computeFacts(doc), doc
}

// showVar shows what vars know of V: its value, "?" and why it is unknown, or "-" when
// nothing sets it.
func showVar(vars Vars) string {
	v, ok := vars["V"]
	switch {
	case !ok:
		return "-"
	case v.Why != "":
		return "?" + v.Why
	}
	return v.Value
}

// TestVars checks each reading of the variables at the first RUN of a file, side by
// side: certain (VarOptions{}), deps (ArgDefault, ValuesExpanded) and written
// (ArgDefaultIfAny, ValuesAsWritten).
func TestVars(t *testing.T) {
	const argWhy, envWhy = "?a build argument", "?set by an ENV from other values"
	for _, tc := range []struct {
		name, src              string
		certain, deps, written string
	}{
		// Of an ENV and an ARG of one name the later wins. Built with BuildKit (busybox):
		// ENV X=env, ARG X=arg, RUN echo $X prints arg; ARG Y=arg, ENV Y=env prints env.
		{"an ENV then an ARG of the same name: the later ARG wins",
			"FROM debian\nENV V=env\nARG V=arg\nRUN make\n", argWhy, "arg", "arg"},
		{"an ARG then an ENV of the same name: the later ENV wins",
			"FROM debian\nARG V=arg\nENV V=env\nRUN make\n", "env", "env", "env"},
		// Built: ENV X=env, ARG X (no default, no global ARG), RUN prints env, and cli
		// with --build-arg X=cli.
		{"an ARG without a default after an ENV keeps the ENV's value in a default build",
			"FROM debian\nENV V=env\nARG V\nRUN make\n", argWhy, "?a build argument without a default", "env"},
		{"an ARG with a default",
			"FROM debian\nARG V=arg\nRUN make\n", argWhy, "arg", "arg"},
		// Built (busybox): ENV A=old, ENV A=new B=$A C=${A}x, RUN prints B=old C=oldx; and
		// ARG A=old, ARG A=new B=$A prints B=old.
		{"the pairs of one ENV read the variables from before it, not each other",
			"FROM debian\nENV A=old\nENV A=new V=$A\nRUN make\n", envWhy, "old", "$A"},
		{"the pairs of one ARG read the variables from before it, not each other",
			"FROM debian\nARG A=old\nARG A=new V=${A}x\nRUN make\n", argWhy, "oldx", "${A}x"},
		{"an ARG without a default takes the global ARG's default",
			"ARG V=1\nFROM alpine\nARG V\nRUN make\n", argWhy, "1", "1"},
		{"a global ARG declared again without a default keeps its default",
			"ARG V=1\nARG V\nFROM alpine\nARG V\nRUN make\n", argWhy, "1", "1"},
		{"an ARG without a default and without a global ARG",
			"FROM debian\nARG V\nRUN make\n", argWhy, "?a build argument without a default", "-"},
		{"an ARG without a default and a global ARG with an empty default",
			"ARG V=\nFROM debian\nARG V\nRUN make\n", argWhy, "?a build argument without a default", "-"},
		{"an ARG without a default after one with a default in the stage",
			"FROM debian\nARG V=1\nARG V\nRUN make\n", argWhy, "?a build argument without a default", "1"},
		{"an ARG after an ENV made of other values replaces it",
			"FROM debian\nENV V=$HOME/x\nARG V=/y\nRUN make\n", argWhy, "/y", "/y"},
		{"an ENV reaches a stage built FROM its stage",
			"FROM debian AS base\nENV V=env\nFROM base\nRUN make\n", "env", "env", "env"},
		// Built: FROM a (with ENV V=env), ARG V=arg, RUN prints arg.
		{"an ARG replaces the value an ENV of the parent stage set",
			"FROM debian AS base\nENV V=env\nFROM base\nARG V=arg\nRUN make\n", argWhy, "arg", "arg"},
		// Built: ARG X=1, ENV E=2, then FROM a, RUN prints X=1 E=2.
		{"an ARG reaches a stage built FROM its stage",
			"FROM debian AS base\nARG V=arg\nFROM base\nRUN make\n", argWhy, "arg", "arg"},
		// Built: a has ENV X=env then ARG X=arg; FROM a AS c, RUN prints env, also with
		// --build-arg X=cli: the child starts with the parent's image config Env over its
		// state.
		{"a stage built FROM another has the ENV's value, not that of an ARG after it",
			"FROM debian AS a\nENV V=env\nARG V=arg\nFROM a\nRUN make\n", "env", "env", "env"},
		{"the parent stage keeps its ARG's value when a child starts with the ENV's",
			"FROM debian AS a\nENV V=env\nARG V=arg\nRUN make\nFROM a\nRUN make\n", argWhy, "arg", "arg"},
		// Built: b has ENV X=env, ARG X=arg; FROM b AS c with ARG X=c: RUN prints c
		// (cli with --build-arg X=cli); FROM c, RUN prints env.
		{"a grandchild stage has the ENV's value over its parent's ARG",
			"FROM debian AS a\nENV V=env\nARG V=arg\nFROM a AS b\nARG V=b\nFROM b\nRUN make\n", "env", "env", "env"},
		// Built: a has ARG X=1; FROM a with ARG X prints 1, FROM a with ARG X=3 prints 3.
		{"an ARG without a default in a child keeps the parent's ARG value, unknown to ArgDefault",
			"FROM debian AS a\nARG V=1\nFROM a\nARG V\nRUN make\n", argWhy, "?a build argument without a default", "1"},
		{"an ARG with a default in a child replaces the parent's ARG value",
			"FROM debian AS a\nARG V=1\nFROM a\nARG V=3\nRUN make\n", argWhy, "3", "3"},
		// Built: b has ARG Y=arg then ENV Y=env; FROM b with ARG Y prints env.
		{"an ARG without a default in a child keeps the parent's ENV value",
			"FROM debian AS b\nARG V=arg\nENV V=env\nFROM b\nARG V\nRUN make\n", argWhy, "?a build argument without a default", "env"},
		{"a stage built FROM an image inherits nothing",
			"FROM debian AS base\nENV V=env\nFROM debian\nRUN make\n", "-", "-", "-"},
		{"a double-quoted value loses its quotes",
			"FROM debian\nENV V=\"a b\"\nRUN make\n", "a b", "a b", "a b"},
		{"a single-quoted ARG default loses its quotes",
			"FROM debian\nARG V='x'\nRUN make\n", argWhy, "x", "x"},
		{"a legacy ENV without =",
			"FROM debian\nENV V /x\nRUN make\n", "/x", "/x", "/x"},
		{"quotes inside a value",
			"FROM debian\nENV V=a\"b\"\nRUN make\n", envWhy, "a\"b\"", "a\"b\""},
		{"${NAME} of a known ENV",
			"FROM debian\nENV D=/app\nENV V=${D}/src\nRUN make\n", envWhy, "/app/src", "${D}/src"},
		{"$NAME of an ARG default",
			"FROM debian\nARG D=/app\nARG V=$D/src\nRUN make\n", argWhy, "/app/src", "$D/src"},
		{"an ENV reads the default of an ARG before it",
			"FROM debian\nARG D=/app\nENV V=$D\nRUN make\n", envWhy, "/app", "$D"},
		{"a name nothing sets",
			"FROM debian\nENV V=$NOPE/x\nRUN make\n", envWhy, "?set by an ENV from a value dfix cannot expand", "$NOPE/x"},
		{"${NAME:-default} is not expanded",
			"FROM debian\nENV D=/app\nENV V=${D:-/x}\nRUN make\n", envWhy, "?set by an ENV from a value dfix cannot expand", "${D:-/x}"},
		// BuildKit reads every pair of an ENV with the variables before the ENV: here $D
		// is whatever the base image sets, which dfix does not know.
		{"a pair of an ENV does not read the pair before it",
			"FROM debian\nENV D=/app V=$D/src\nRUN make\n", envWhy, "?set by an ENV from a value dfix cannot expand", "$D/src"},
		{"an instruction does not see what comes after it",
			"FROM debian\nRUN make\nENV V=1\n", "-", "-", "-"},
		{"in a snippet without FROM an ARG counts as the image's, but not to cd-to-workdir",
			"ARG V=1\nRUN make\n", "-", "1", "1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, doc := varsFacts(t, tc.src)
			var run *rewrite.Instruction
			for _, in := range doc.Instructions {
				if run == nil && in.Keyword == "run" {
					run = in
				}
			}
			for _, r := range []struct {
				reading string
				o       VarOptions
				want    string
			}{{"certain", certainVars, tc.certain}, {"deps", depsVars, tc.deps}, {"written", pkgReadVars, tc.written}} {
				if got := showVar(f.Vars(run, r.o)); got != r.want {
					t.Errorf("%s: V = %q, want %q", r.reading, got, r.want)
				}
			}
		})
	}
}

// TestVarsPathInChildStage checks PATH in a stage built FROM another: BuildKit always
// has one in the image config Env, which the child starts with over the parent's
// variables. Built: a with ARG PATH=/x:/bin:/usr/bin prints that; FROM a prints
// busybox's PATH.
func TestVarsPathInChildStage(t *testing.T) {
	for _, tc := range []struct {
		name, src, want string
	}{
		{"an ARG's PATH does not reach the child: the base image's does",
			"FROM debian AS a\nARG PATH=/x\nFROM a\nRUN make\n", "-"},
		{"an ENV's PATH reaches the child",
			"FROM debian AS a\nENV PATH=/x\nARG PATH=/y\nFROM a\nRUN make\n", "/x"},
		{"an ARG's PATH in the stage itself counts",
			"FROM debian AS a\nFROM a\nARG PATH=/y\nRUN make\n", "/y"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, doc := varsFacts(t, tc.src)
			run := doc.Instructions[len(doc.Instructions)-1]
			got := "-"
			if v, ok := f.Vars(run, depsVars)["PATH"]; ok {
				got = v.Value + v.Why
			}
			if got != tc.want {
				t.Errorf("PATH = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestVarsShareOneMapUntilChanged checks that the instructions between two changes
// share one map, and that a change does not write into the map the instructions before
// it see.
func TestVarsShareOneMapUntilChanged(t *testing.T) {
	f, doc := varsFacts(t, "FROM debian\nENV A=1\nRUN a\nRUN b\nENV B=2\nRUN c\n")
	for _, o := range []VarOptions{certainVars, depsVars, pkgReadVars} {
		a, b, c := f.Vars(doc.Instructions[2], o), f.Vars(doc.Instructions[3], o), f.Vars(doc.Instructions[5], o)
		if reflect.ValueOf(a).Pointer() != reflect.ValueOf(b).Pointer() {
			t.Errorf("%+v: two RUNs with no ENV between them have maps of their own", o)
		}
		if _, ok := a["B"]; ok {
			t.Errorf("%+v: the ENV after the RUN wrote into the map the RUN sees", o)
		}
		if v, _ := c.Known("B"); v != "2" {
			t.Errorf("%+v: B = %q after ENV B=2", o, v)
		}
	}
}

// TestVarsAllocationsDoNotGrowWithInstructions checks that instructions that set no
// variable cost no allocation: a file with a hundred times as many RUNs allocates as
// much.
func TestVarsAllocationsDoNotGrowWithInstructions(t *testing.T) {
	allocs := func(o VarOptions, runs int) float64 {
		f, doc := varsFacts(t, "FROM debian AS base\nENV A=1\nARG B=2\n"+strings.Repeat("RUN make\n", runs)+"ENV C=3\nFROM base\n"+strings.Repeat("RUN make\n", runs))
		st := f.Stages()
		return testing.AllocsPerRun(20, func() { walkVars(doc, st, f.Args, o) })
	}
	for _, o := range []VarOptions{certainVars, depsVars, pkgReadVars} {
		if few, many := allocs(o, 2), allocs(o, 200); many != few {
			t.Errorf("%+v: %v allocations with 2 RUNs a stage, %v with 200", o, few, many)
		}
	}
}

// TestVarsComputedOncePerReading checks that Facts keeps each reading: asking again
// walks nothing.
func TestVarsComputedOncePerReading(t *testing.T) {
	f, _ := varsFacts(t, "FROM debian\nENV A=1\nRUN make\n")
	first := f.varsOf(depsVars)
	if again := f.varsOf(depsVars); &again[0] != &first[0] {
		t.Errorf("the same reading was computed twice")
	}
	if other := f.varsOf(certainVars); &other[0] == &first[0] {
		t.Errorf("two readings share one result")
	}
}
