package fix

import (
	"encoding/json"
	"path"
	"strings"

	"github.com/dfix-dev/dfix/rewrite"
)

// Facts are what several rules need to know about a file, computed once per pass.
type Facts struct {
	// posix[i] tells whether instruction i runs its shell form with a POSIX shell
	// (sh, bash, ...). False under a backtick escape, a Windows base image or a
	// SHELL such as cmd or powershell: shell fixes stay away from those.
	posix []bool
	// StageNames maps lower-cased stage names to their stage index.
	StageNames map[string]int
}

// PosixShell reports whether shell fixes may touch instruction in.
func (f *Facts) PosixShell(in *rewrite.Instruction) bool { return f.posix[in.Index] }

var posixShells = map[string]bool{"sh": true, "bash": true, "ash": true, "dash": true, "ksh": true, "zsh": true, "mksh": true}

// windowsImage guesses whether a base image is Windows, whose default shell is cmd.
func windowsImage(ref string) bool {
	ref = strings.ToLower(ref)
	for _, w := range []string{"windows", "nanoserver", "servercore", "powershell"} {
		if strings.Contains(ref, w) {
			return true
		}
	}
	return false
}

func computeFacts(doc *rewrite.Document) *Facts {
	f := &Facts{posix: make([]bool, len(doc.Instructions)), StageNames: map[string]int{}}
	stageShell := map[int]bool{} // shell of each stage at its end
	posix := doc.Escape != '`'
	for _, in := range doc.Instructions {
		switch in.Keyword {
		case "from":
			words := nodeWords(in)
			posix = doc.Escape != '`'
			if len(words) > 0 {
				if idx, ok := f.StageNames[strings.ToLower(words[0])]; ok {
					posix = stageShell[idx] && posix
				} else if windowsImage(words[0]) {
					posix = false
				}
			}
			if len(words) == 3 && strings.EqualFold(words[1], "as") {
				f.StageNames[strings.ToLower(words[2])] = in.Stage
			}
		case "shell":
			var argv []string
			if err := json.Unmarshal([]byte(in.Args()), &argv); err == nil && len(argv) > 0 {
				posix = posixShells[strings.TrimSuffix(path.Base(strings.ReplaceAll(argv[0], `\`, "/")), ".exe")] && doc.Escape != '`'
			} else {
				posix = false
			}
		}
		f.posix[in.Index] = posix
		stageShell[in.Stage] = posix
	}
	return f
}

// nodeWords returns the words BuildKit parsed for an instruction.
func nodeWords(in *rewrite.Instruction) []string {
	var out []string
	for n := in.Node.Next; n != nil; n = n.Next {
		out = append(out, n.Value)
	}
	return out
}
