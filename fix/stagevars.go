package fix

import (
	"strings"

	"github.com/dfix-dev/dfix/rewrite"
)

// The variables ENV and ARG set at each instruction, as far as the Dockerfile says:
// one walk through the stages for each way of reading them (VarOptions), done once
// per pass (Facts.Vars). The rules read them differently for reasons of their own: a
// WORKDIR that dfix writes must mean what the cd meant whatever the build arguments
// (VarOptions{}), copy-deps-first compares the paths a default build uses, and the
// package rules look names up as written.

// Var is what is known of a variable at an instruction: its value, or why not.
type Var struct {
	Value string
	Why   string // why the value is not known; "" when it is
}

// Vars maps the names the Dockerfile sets to what is known of them; a name not in it
// is set by nothing in the Dockerfile. Instructions share one map until an ENV or ARG
// changes it: it is read-only.
type Vars map[string]Var

// Known returns the value of a variable and whether it is known.
func (v Vars) Known(name string) (string, bool) {
	e, ok := v[name]
	return e.Value, ok && e.Why == ""
}

// value returns the known value a reference $NAME or ${...} reads, the text between
// the braces taken as the name; false when it is unclosed or names no known value.
func (v Vars) value(r varRef) (string, bool) {
	val, ok := v.Known(r.Inner)
	return val, ok && !r.Unclosed && r.Inner != ""
}

// Expand replaces each $NAME and ${NAME} of s by the variable's known value. ok is
// false when a name has no known value, or a reference is anything else (${NAME:-x},
// an unclosed ${, a $ before a char that starts no name).
func (v Vars) Expand(s string) (string, bool) {
	return expandVars(s, func(r varRef) (string, bool) {
		if strings.ContainsAny(r.Inner, ":-+?#%/") {
			return "", false // ${X:-default} and friends: not worth guessing
		}
		return v.value(r)
	})
}

// ArgRead says what an ARG in a stage does to its variable. Whatever it says, an ARG
// that gives its variable a value writes where ENV writes (BuildKit's dispatchArg adds
// it to the stage's env), so of an ENV and an ARG of one name the later one wins, and
// the stages built FROM the stage see the ARG's value too, unless an ENV of the stage
// or of those it is built FROM set the name (Facts.Vars).
type ArgRead int

const (
	// ArgUnknown: the variable is unknown from the ARG on, in the stage and the stages
	// built FROM it: a --build-arg can set it. The ARGs before the first FROM are global
	// ARGs only (Facts.Args).
	ArgUnknown ArgRead = iota
	// ArgDefault: the variable takes the ARG's default, read as VarOptions.Values says;
	// without one, the non-empty default of the global ARG of that name, and without
	// that it is unknown. In a snippet without FROM (an ONBUILD body, a linter's test
	// case) the ARGs count as the stage's.
	ArgDefault
	// ArgDefaultIfAny is ArgDefault, but an ARG with neither a default nor a global
	// one leaves its variable as it was.
	ArgDefaultIfAny
)

// ValueRead says how the value an ENV writes, or an ARG's default, is read. One pair
// of enclosing quotes is always removed.
type ValueRead int

const (
	// ValuesLiteral: a value with a $, a quote, a backslash or a backtick inside is
	// unknown, any other is known as written.
	ValuesLiteral ValueRead = iota
	// ValuesExpanded: each $NAME and ${NAME} takes the known value the variable has
	// (the pairs of one ENV read each other left to right); a value that names a
	// variable without one, or uses another form (${NAME:-x}), is unknown (Vars.Expand).
	ValuesExpanded
	// ValuesAsWritten: every value is known, as written, $ and all.
	ValuesAsWritten
)

// VarOptions say how Facts.Vars reads ENV and ARG, the way shell.WordOptions say how
// shell.ReadWord reads a word. The zero value knows only what no build argument can
// change: literal ENV values, ARGs unknown.
type VarOptions struct {
	Args   ArgRead
	Values ValueRead
}

// Vars returns the variables instruction in sees, read as o says: what the
// instructions before it in its stage set, over what the stage starts with. A stage
// built FROM another starts with the variables at the end of that one, and the values
// the ENVs of that chain wrote over them: BuildKit starts the stage from the parent's
// state and then applies the image config's Env, which ENV writes and ARG does not. A
// FROM sees what its stage starts with.
func (f *Facts) Vars(in *rewrite.Instruction, o VarOptions) Vars {
	return f.varsOf(o)[in.Index]
}

// varsOf returns Vars for every instruction, walking the document once per o.
func (f *Facts) varsOf(o VarOptions) []Vars {
	all, ok := f.vars[o]
	if !ok {
		if f.vars == nil {
			f.vars = map[VarOptions][]Vars{}
		}
		all = walkVars(f.doc, f.Stages(), f.Args, o)
		f.vars[o] = all
	}
	return all
}

// walkVars follows ENV and ARG through the instructions, stage by stage. A map is
// copied only when an instruction changes it; the instructions in between share it.
func walkVars(doc *rewrite.Document, stages *Stages, global *MetaArgs, o VarOptions) []Vars {
	out := make([]Vars, len(doc.Instructions))
	type end struct{ vars, envs Vars }
	ends := map[int]end{} // stage -> its variables at its end
	// cur are the variables; envs what the ENVs of the stage and those it is built
	// FROM wrote, the image config's Env.
	cur, envs := cowVars{m: Vars{}, owned: true}, cowVars{m: Vars{}, owned: true}
	for _, in := range doc.Instructions {
		if in.Keyword == "from" {
			cur, envs = cowVars{m: Vars{}, owned: true}, cowVars{m: Vars{}, owned: true}
			if parent, ok := stages.parentOf(in.Stage); ok {
				cur, envs = cowVars{m: ends[parent].vars}, cowVars{m: ends[parent].envs}
				for k, v := range envs.m {
					if cur.m[k] != v {
						cur.set(k, v)
					}
				}
				// The image config always has a PATH (BuildKit adds its default when the
				// base image has none): an ARG's PATH does not reach the stage.
				if _, ok := cur.m["PATH"]; ok {
					if _, ok := envs.m["PATH"]; !ok {
						cur.del("PATH")
					}
				}
			}
		}
		// The values an ENV or ARG writes read the variables from before the instruction,
		// not those its earlier pairs set (built: ENV A=old, then ENV A=new B=$A gives
		// B=old; the same with ARG).
		before := cur.share()
		out[in.Index] = before
		switch in.Keyword {
		case "env":
			words := nodeWords(in)
			for i := 0; i+1 < len(words); i += 3 {
				v := o.read(unquotePair(words[i+1]), before, "an ENV")
				cur.set(words[i], v)
				envs.set(words[i], v)
			}
		case "arg":
			if in.Stage < 0 && o.Args == ArgUnknown {
				break
			}
			for _, w := range nodeWords(in) {
				k, def, hasDefault := strings.Cut(w, "=")
				switch g, hasGlobal := global.Value(k); {
				case o.Args == ArgUnknown:
					cur.set(k, Var{Why: "a build argument"})
				case hasDefault:
					cur.set(k, o.read(unquotePair(def), before, "an ARG"))
				case hasGlobal && g != "":
					cur.set(k, Var{Value: g})
				case o.Args == ArgDefault:
					cur.set(k, Var{Why: "a build argument without a default"})
				}
			}
		}
		ends[in.Stage] = end{cur.share(), envs.share()}
	}
	return out
}

// cowVars is a Vars copied before its first change after it was shared.
type cowVars struct {
	m     Vars
	owned bool // no one else holds m
}

// share returns the map for others to hold: the next change copies it.
func (c *cowVars) share() Vars {
	c.owned = false
	return c.m
}

func (c *cowVars) own() {
	if !c.owned {
		next := make(Vars, len(c.m)+1)
		for k, v := range c.m {
			next[k] = v
		}
		c.m, c.owned = next, true
	}
}

func (c *cowVars) set(k string, v Var) {
	c.own()
	c.m[k] = v
}

func (c *cowVars) del(k string) {
	c.own()
	delete(c.m, k)
}

// read reads a value an ENV or ARG (by) writes, one pair of enclosing quotes removed,
// given the variables before it.
func (o VarOptions) read(v string, vars Vars, by string) Var {
	switch o.Values {
	case ValuesLiteral:
		if strings.ContainsAny(v, "$\\'\"`") {
			return Var{Why: "set by " + by + " from other values"}
		}
	case ValuesExpanded:
		x, ok := vars.Expand(v)
		if !ok {
			return Var{Why: "set by " + by + " from a value dfix cannot expand"}
		}
		return Var{Value: x}
	}
	return Var{Value: v}
}
