package fix

import (
	"encoding/json"
	"os"
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

	scripts map[int]scriptEntry // parsed shell bodies by instruction index
	// otherShell[i] tells that a SHELL instruction in effect at instruction i names a
	// shell that is not POSIX: the shell form then runs a program the author chose.
	otherShell []bool
	// windows[i] tells that instruction i is in a Windows stage (image, escape, name).
	windows []bool
}

// OtherShell reports whether a SHELL instruction set a non-POSIX shell for in.
func (f *Facts) OtherShell(in *rewrite.Instruction) bool { return f.otherShell[in.Index] }

// Windows reports whether in belongs to a Windows stage, as far as dfix can tell.
func (f *Facts) Windows(in *rewrite.Instruction) bool { return f.windows[in.Index] }

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
	f := &Facts{posix: make([]bool, len(doc.Instructions)), StageNames: map[string]int{}, scripts: map[int]scriptEntry{}, otherShell: make([]bool, len(doc.Instructions)), windows: make([]bool, len(doc.Instructions))}
	stageShell := map[int]bool{} // shell of each stage at its end
	stageOther := map[int]bool{} // whether a SHELL set it to another shell
	stageWindows := map[int]bool{}
	// A backtick escape, a Windows-named file or hadolint's `# hadolint shell=` pragma
	// naming another shell mean Windows shells: no POSIX shell anywhere.
	filePosix := doc.Escape != '`' && !strings.Contains(strings.ToLower(path.Base(doc.Path)), "windows") && !pragmaNonPosix(doc)
	posix, other, windows := filePosix, false, !filePosix
	globalArgs := map[string]string{}
	for _, in := range doc.Instructions {
		switch in.Keyword {
		case "arg":
			if in.Stage < 0 {
				for _, w := range nodeWords(in) {
					k, v, _ := strings.Cut(w, "=")
					globalArgs[k] = strings.Trim(v, `"'`)
				}
			}
		case "from":
			words := nodeWords(in)
			posix, other, windows = filePosix, false, !filePosix
			if len(words) > 0 {
				image := os.Expand(words[0], func(k string) string { return globalArgs[k] })
				if idx, ok := f.StageNames[strings.ToLower(words[0])]; ok {
					posix = stageShell[idx] && posix
					other = stageOther[idx]
					windows = stageWindows[idx] || windows
				} else if windowsImage(image) {
					posix, windows = false, true
				}
			}
			if len(words) == 3 && strings.EqualFold(words[1], "as") {
				f.StageNames[strings.ToLower(words[2])] = in.Stage
			}
		case "shell":
			var argv []string
			if err := json.Unmarshal([]byte(in.Args()), &argv); err == nil && len(argv) > 0 {
				posix = posixShells[strings.TrimSuffix(path.Base(strings.ReplaceAll(argv[0], `\`, "/")), ".exe")] && filePosix
			} else {
				posix = false
			}
			other = !posix
		}
		f.posix[in.Index] = posix
		f.otherShell[in.Index] = other
		f.windows[in.Index] = windows
		stageShell[in.Stage] = posix
		stageOther[in.Stage] = other
		stageWindows[in.Stage] = windows
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

// pragmaNonPosix reports a hadolint `# hadolint shell=NAME` pragma naming a shell that
// is not POSIX (powershell, pwsh, cmd).
func pragmaNonPosix(doc *rewrite.Document) bool {
	for li := 0; li < doc.NumLines(); li++ {
		if !doc.IsComment(li) {
			continue
		}
		t := strings.Fields(strings.TrimPrefix(strings.TrimSpace(doc.Line(li)), "#"))
		if len(t) == 2 && t[0] == "hadolint" && strings.HasPrefix(t[1], "shell=") {
			return !posixShells[strings.TrimPrefix(t[1], "shell=")]
		}
	}
	return false
}
