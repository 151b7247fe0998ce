package fix

import (
	"bytes"
	"path"
	"strings"

	"github.com/dfix-dev/dfix/fix/shell"
	"github.com/dfix-dev/dfix/rewrite"
)

// Facts are what several rules need to know about a file, computed once per pass.
type Facts struct {
	// posix[i] tells whether instruction i runs its shell form with a POSIX shell
	// (sh, bash, ...). False in a Windows stage and under a SHELL such as cmd or
	// powershell: shell fixes stay away from those. The `# escape=` char plays no
	// part: it says how the Dockerfile continues lines, not which OS runs them.
	posix []bool
	// Args are the ARGs before the first FROM.
	Args *MetaArgs

	doc      *rewrite.Document
	stages   *Stages               // computed on first use (Stages)
	vars     map[VarOptions][]Vars // computed on first use, for each way of reading them (Vars)
	workdirs []workdirState        // computed on first use (WorkdirBefore)

	// scripts are the parsed shell bodies kept, by instruction index, up to
	// scriptBudget bytes of shell text (scriptBytes so far): see Facts.Script.
	scripts                   []scriptEntry
	scriptBudget, scriptBytes int
	trees                     *shell.Trees // the shell trees of the round before, and this round's kept
	// shellRunIns are the RUNs whose shell body dfix may read (shellRuns).
	shellRunIns     []*rewrite.Instruction
	shellRunInsDone bool
	aptEv           map[*shell.Script][]aptEvent // computed on first use (aptEvents)
	apt             map[*shell.Script][]aptCall  // computed on first use (aptCalls)
	// otherShell[i] tells that a SHELL instruction in effect at instruction i names a
	// shell that is not POSIX: the shell form then runs a program the author chose.
	otherShell []bool
	// windows[i] tells that instruction i is in a Windows stage: a Windows base image,
	// FROM --platform=windows/..., a Windows parent stage, or a file that says so by
	// its name or hadolint's shell pragma.
	windows []bool
}

// OtherShell reports whether a SHELL instruction set a non-POSIX shell for in.
func (f *Facts) OtherShell(in *rewrite.Instruction) bool { return f.otherShell[in.Index] }

// Windows reports whether in belongs to a Windows stage, as far as dfix can tell.
func (f *Facts) Windows(in *rewrite.Instruction) bool { return f.windows[in.Index] }

// PosixShell reports whether shell fixes may touch instruction in.
func (f *Facts) PosixShell(in *rewrite.Instruction) bool { return f.posix[in.Index] }

// windowsImage guesses whether a base image is Windows, whose default shell is cmd:
// mcr.microsoft.com/windows/*, the nanoserver and servercore images and the tags
// built on them (python:3.12-windowsservercore, ...:nanoserver-ltsc2022), the
// Windows-only .NET Framework images and the ltsc20xx tags of Windows releases.
// An image named after PowerShell is not enough: mcr.microsoft.com/powershell and
// its kin are Linux images too (lts-debian-11, ...), run by /bin/sh.
func windowsImage(ref string) bool {
	ref = strings.ToLower(ref)
	for _, w := range []string{"windows", "nanoserver", "servercore", "/dotnet/framework/", "ltsc20"} {
		if strings.Contains(ref, w) {
			return true
		}
	}
	return false
}

// windowsPlatform reports a FROM --platform=windows/... flag.
func windowsPlatform(in *rewrite.Instruction, expand func(string) string) bool {
	for _, fl := range in.Node.Flags {
		if v, ok := strings.CutPrefix(fl, "--platform="); ok && strings.HasPrefix(strings.ToLower(expand(v)), "windows") {
			return true
		}
	}
	return false
}

// computeFacts works out, instruction by instruction, the OS family of the stage and
// the shell that runs the shell form.
//
// The OS comes from the base image (windowsImage), FROM --platform=windows/... or the
// parent stage; the shell from SHELL, which a child stage inherits from its parent.
// The `# escape=` char says nothing about either: a backtick-escape file on a Linux
// image is read like any other (its RUN bodies joined on the backtick, which the shell
// never sees), and a Windows image is Windows whatever its escape char. Two file-wide
// signals stay, as they were: a file whose name says windows, and hadolint's
// `# hadolint shell=NAME` pragma naming a shell that is not POSIX, make every stage
// Windows with no POSIX shell.
func computeFacts(doc *rewrite.Document) *Facts {
	f := &Facts{doc: doc, posix: make([]bool, len(doc.Instructions)), scripts: make([]scriptEntry, len(doc.Instructions)), scriptBudget: defaultScriptBudget, otherShell: make([]bool, len(doc.Instructions)), windows: make([]bool, len(doc.Instructions))}
	stageWindows := map[int]bool{}
	fileWindows := strings.Contains(strings.ToLower(path.Base(doc.Path)), "windows") || pragmaNonPosix(doc)
	windows := fileWindows
	f.Args = metaArgsOf(doc)
	expand := f.Args.Expand
	stages := f.Stages()
	for _, in := range doc.Instructions {
		if in.Keyword == "from" {
			windows = fileWindows || windowsPlatform(in, expand)
			if idx, ok := stages.parentOf(in.Stage); ok {
				windows = stageWindows[idx] || windows
			} else if words := nodeWords(in); len(words) > 0 && windowsImage(expand(words[0])) {
				windows = true
			}
		}
		// The SHELL in effect (inherited from a parent stage too): the default /bin/sh,
		// a POSIX shell, or another program (an unreadable SHELL counts as one).
		argv := stages.Shell(in)
		posixShell := argv == nil || len(argv) > 0 && shell.Posix(shellName(argv))
		// A Windows stage has no POSIX shell dfix may rewrite for, whatever SHELL says.
		f.posix[in.Index] = posixShell && !windows
		f.otherShell[in.Index] = !posixShell
		f.windows[in.Index] = windows
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
	for _, li := range doc.CommentLines() {
		if !bytes.Contains(doc.LineBytes(li), []byte("hadolint")) {
			continue
		}
		t := strings.Fields(strings.TrimPrefix(strings.TrimSpace(doc.Line(li)), "#"))
		if len(t) == 2 && t[0] == "hadolint" && strings.HasPrefix(t[1], "shell=") {
			return !shell.Posix(strings.TrimPrefix(t[1], "shell="))
		}
	}
	return false
}
