package fix

import (
	"path"
	"strings"

	"github.com/dfix-dev/dfix/rewrite"
)

// The working directory at each instruction, as far as the Dockerfile says: a fact
// computed once per pass (Facts.WorkdirBefore).

// WorkdirBefore returns what is known of the working directory an instruction runs
// in: the last WORKDIR of its stage (relative ones joined onto the one before, ENV
// values expanded), the end of the stage it is built FROM, or / for scratch. A base
// image's WORKDIR is unknown, and so is a WORKDIR with quotes, escapes, variables no
// ENV sets to a literal value, or variables an ARG sets (a --build-arg can change them).
func (f *Facts) WorkdirBefore(in *rewrite.Instruction) workdirState {
	if f.workdirs == nil {
		f.workdirs = make([]workdirState, len(f.doc.Instructions))
		walkWorkdirs(f.doc, f.Stages(), "the base image sets it", func(in *rewrite.Instruction, cur workdirState) {
			f.workdirs[in.Index] = cur
		}, func(in *rewrite.Instruction, prev workdirState) workdirState {
			return nextWorkdir(f.doc, f, in, prev, f.Vars(in, VarOptions{}))
		})
	}
	return f.workdirs[in.Index]
}

// nextWorkdir returns the working directory after WORKDIR in, given the one before it.
func nextWorkdir(doc *rewrite.Document, f *Facts, in *rewrite.Instruction, prev workdirState, env Vars) workdirState {
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
