package fix

import (
	"encoding/json"
	"strings"

	"github.com/dfix-dev/dfix/rewrite"
)

// Stage is what the rules know of one build stage, computed once per pass
// (Facts.Stages).
type Stage struct {
	From   *rewrite.Instruction
	Name   string // the AS name, lower case; "" without one
	Parent int    // the stage it is built FROM, -1 when it is built from an image
	// Image is the base image reference with the global ARGs expanded (a name without
	// a value shown as ${NAME}); for a stage built FROM another stage, the image at the
	// root of the chain.
	Image string
	// Shell is what /bin/sh is in Image (dash, bash, ash or unknown).
	Shell imageShell
	// ref is Image lower case with a name without a value read as empty, as BuildKit
	// reads it when no --build-arg sets it.
	ref string
	// Derived: a later stage is built FROM this one, and inherits its WORKDIR, SHELL,
	// ENV and ARG values and files.
	Derived bool
	// Live: the stage reaches an image, as the last stage or one a later stage is built
	// FROM (a stage that only gives files to COPY --from is not live).
	Live bool

	// shell is the SHELL argv in effect at the end of the stage (inherited from the
	// parent stage), nil for the default; hasShell tells that a SHELL instruction set
	// it, shellIn which one.
	shell    []string
	hasShell bool
	shellIn  *rewrite.Instruction
}

// Stages are the build stages of a file, and the SHELL in effect at each instruction.
type Stages struct {
	List []*Stage
	// shells[i] is the SHELL argv in effect at instruction i: nil for the default
	// (/bin/sh -c), an empty slice for a SHELL dfix could not read.
	shells   [][]string
	shellIns []*rewrite.Instruction // the SHELL instruction in effect at instruction i, or nil
}

// Stages returns the stages of the pass's document, computing them once.
func (f *Facts) Stages() *Stages {
	if f.stages == nil {
		f.stages = stagesOfDoc(f.doc, f.Args)
	}
	return f.stages
}

// stagesOfDoc reads the stages of doc. A FROM names a stage when its word, or the word
// with the global ARGs expanded, is the name of an earlier stage, compared without
// case, as BuildKit resolves it.
func stagesOfDoc(doc *rewrite.Document, args *MetaArgs) *Stages {
	st := &Stages{shells: make([][]string, len(doc.Instructions)), shellIns: make([]*rewrite.Instruction, len(doc.Instructions))}
	names := map[string]int{}
	var cur *Stage
	for _, in := range doc.Instructions {
		switch in.Keyword {
		case "from":
			cur = &Stage{From: in, Parent: -1}
			words := fromWords(in)
			if len(words) > 0 {
				idx, ok := names[strings.ToLower(words[0])]
				if !ok {
					idx, ok = names[strings.ToLower(args.Expand(words[0]))]
				}
				if ok {
					parent := st.List[idx]
					cur.Parent = idx
					cur.Image, cur.Shell, cur.ref = parent.Image, parent.Shell, parent.ref
					cur.shell, cur.hasShell, cur.shellIn = parent.shell, parent.hasShell, parent.shellIn
					parent.Derived, parent.Live = true, true
				} else {
					cur.Image = args.ExpandShowing(words[0]) // a name without a value stays visible
					cur.Shell = baseImageShell(cur.Image)
					cur.ref = strings.ToLower(args.Expand(words[0]))
				}
			}
			if len(words) == 3 && strings.EqualFold(words[1], "as") {
				cur.Name = strings.ToLower(words[2])
				names[cur.Name] = len(st.List)
			}
			st.List = append(st.List, cur)
		case "shell":
			if cur != nil {
				var argv []string
				if err := json.Unmarshal([]byte(in.Args()), &argv); err != nil || len(argv) == 0 {
					argv = []string{}
				}
				cur.shell, cur.hasShell, cur.shellIn = argv, true, in
			}
		}
		if cur != nil {
			st.shells[in.Index] = cur.shell
			st.shellIns[in.Index] = cur.shellIn
		}
	}
	if n := len(st.List); n > 0 {
		st.List[n-1].Live = true
	}
	return st
}

// Shell returns the SHELL argv in effect at an instruction: nil for the default
// (/bin/sh -c), an empty slice for a SHELL dfix could not read.
func (st *Stages) Shell(in *rewrite.Instruction) []string { return st.shells[in.Index] }

// chain returns the stage and the stages it is built on, nearest first.
func (st *Stages) chain(stage int) []int {
	if stage < 0 || stage >= len(st.List) {
		return []int{stage}
	}
	out := []int{stage}
	for n := 0; n < len(st.List); n++ {
		p := st.List[stage].Parent
		if p < 0 || p >= stage {
			break
		}
		out = append(out, p)
		stage = p
	}
	return out
}

// Live reports whether a stage reaches an image (see Stage.Live). In a snippet
// without FROM (an ONBUILD body, a linter's test case) the instructions are taken as
// the image's.
func (st *Stages) Live(stage int) bool {
	if len(st.List) == 0 {
		return true
	}
	return stage >= 0 && stage < len(st.List) && st.List[stage].Live
}

// parentOf returns the stage a stage is built FROM, and false when it is built from an
// image.
func (st *Stages) parentOf(stage int) (int, bool) {
	if stage < 0 || stage >= len(st.List) || st.List[stage].Parent < 0 {
		return -1, false
	}
	return st.List[stage].Parent, true
}

// ref returns the base image reference of a stage as the package rules compare it:
// lower case, through parent stages, a name without a value read as empty.
func (st *Stages) ref(stage int) string {
	if stage < 0 || stage >= len(st.List) {
		return ""
	}
	return st.List[stage].ref
}
