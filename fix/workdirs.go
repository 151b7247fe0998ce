package fix

import (
	"path"
	"strings"

	"github.com/dfix-dev/dfix/rewrite"
)

// The variables and the working directory at each instruction, as far as the
// Dockerfile says: facts computed once per pass (Facts.Env, Facts.WorkdirBefore).

// cdVar is what is known of a variable at an instruction: its value, or why not.
type cdVar struct{ val, why string }

// cdEnv maps variable names to what is known of them; a name not in it is set by
// nothing in the Dockerfile.
type cdEnv map[string]cdVar

// Env returns the variables known at an instruction (see knownEnv).
func (f *Facts) Env(in *rewrite.Instruction) cdEnv {
	if f.env == nil {
		f.env = knownEnv(f.doc, f.Stages())
	}
	return f.env[in.Index]
}

// WorkdirBefore returns what is known of the working directory an instruction runs
// in: the last WORKDIR of its stage (relative ones joined onto the one before, ENV
// values expanded), the end of the stage it is built FROM, or / for scratch. A base
// image's WORKDIR is unknown, and so is a WORKDIR with quotes, escapes or variables no
// ENV sets to a literal value.
func (f *Facts) WorkdirBefore(in *rewrite.Instruction) workdirState {
	if f.workdirs == nil {
		f.workdirs = make([]workdirState, len(f.doc.Instructions))
		walkWorkdirs(f.doc, f.Stages(), "the base image sets it", func(in *rewrite.Instruction, cur workdirState) {
			f.workdirs[in.Index] = cur
		}, func(in *rewrite.Instruction, prev workdirState) workdirState {
			return nextWorkdir(f.doc, f, in, prev, f.Env(in))
		})
	}
	return f.workdirs[in.Index]
}

// knownEnv returns, for each instruction, the variables the Dockerfile sets before it
// in its stage (and the stages it is built FROM): an ENV with a literal value is
// known; an ENV made of other values, or an ARG (a build argument can change it), is
// not. ENV wins over an ARG of the same name, as in BuildKit.
func knownEnv(doc *rewrite.Document, stages *Stages) []cdEnv {
	out := make([]cdEnv, len(doc.Instructions))
	ends := map[int]cdEnv{} // stage -> ENV at its end
	cur := cdEnv{}
	set := func(k string, v cdVar) {
		next := make(cdEnv, len(cur)+1)
		for a, b := range cur {
			next[a] = b
		}
		next[k] = v
		cur = next
	}
	for _, in := range doc.Instructions {
		switch in.Keyword {
		case "from":
			cur = cdEnv{}
			if parent, ok := stages.parentOf(in.Stage); ok {
				cur = ends[parent]
			}
		case "env":
			words := nodeWords(in)
			for i := 0; i+1 < len(words); i += 3 {
				v := unquotePair(words[i+1])
				if strings.ContainsAny(v, "$\\'\"`") {
					set(words[i], cdVar{why: "set by an ENV from other values"})
				} else {
					set(words[i], cdVar{val: v})
				}
			}
		case "arg":
			if in.Stage < 0 {
				break
			}
			for _, w := range nodeWords(in) {
				k, _, _ := strings.Cut(w, "=")
				if e, ok := cur[k]; !ok || e.why != "" {
					set(k, cdVar{why: "a build argument"})
				}
			}
		}
		out[in.Index] = cur
		ends[in.Stage] = cur
	}
	return out
}

// nextWorkdir returns the working directory after WORKDIR in, given the one before it.
func nextWorkdir(doc *rewrite.Document, f *Facts, in *rewrite.Instruction, prev workdirState, env cdEnv) workdirState {
	raw := strings.TrimSpace(in.Args())
	if in.Logical == nil || raw == "" {
		return workdirState{why: "set by a WORKDIR dfix cannot read"}
	}
	value, plain := unquoteWord(raw, doc.Escape)
	if plain {
		value, plain = expandKnown(value, env)
	}
	switch {
	case !plain || f.Windows(in) || windowsAbsolute(value) || strings.HasPrefix(value, `\`):
		return workdirState{why: "set by WORKDIR " + raw}
	case strings.HasPrefix(value, "/"):
		return workdirState{known: true, dir: path.Clean(value)}
	case !prev.known:
		return workdirState{why: "set by WORKDIR " + raw + ", relative to an unknown one"}
	}
	return workdirState{known: true, dir: path.Join(prev.dir, value)}
}
