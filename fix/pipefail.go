package fix

import (
	"encoding/json"
	"os"
	"path"
	"strings"

	"github.com/dfix-dev/dfix/fix/shell"
	"github.com/dfix-dev/dfix/rewrite"
	"mvdan.cc/sh/v3/syntax"
)

// runStage is what the RUN rules need to know about one build stage.
type runStage struct {
	from   *rewrite.Instruction
	parent int    // index of the stage it is built FROM, -1 for an image
	image  string // the base image reference, build args expanded ("" when FROM names a stage)
	// shell is the SHELL argv in effect at the end of the stage (inherited from the
	// parent stage), nil for the default /bin/sh -c. hasShell tells that a SHELL
	// instruction set it, in this stage or one it derives from.
	shell    []string
	hasShell bool
	// derived tells that a later stage is built FROM this one: it inherits the stage's
	// WORKDIR and SHELL.
	derived bool
}

// runStages describes every stage of doc, and shells[i] is the SHELL argv in effect at
// instruction i (nil: the default /bin/sh -c; an empty slice: a SHELL dfix could not
// read).
type runStages struct {
	stages []*runStage
	shells [][]string
}

func stagesOf(doc *rewrite.Document) *runStages {
	st := &runStages{shells: make([][]string, len(doc.Instructions))}
	names := map[string]int{}
	globalArgs := map[string]string{}
	var cur *runStage
	for _, in := range doc.Instructions {
		switch in.Keyword {
		case "arg":
			if in.Stage < 0 {
				for _, w := range nodeWords(in) {
					k, v, ok := strings.Cut(w, "=")
					if ok {
						globalArgs[k] = strings.Trim(v, `"'`)
					}
				}
			}
		case "from":
			cur = &runStage{from: in, parent: -1}
			words := fromWords(in)
			if len(words) > 0 {
				if idx, ok := names[strings.ToLower(words[0])]; ok {
					parent := st.stages[idx]
					cur.parent = idx
					cur.shell, cur.hasShell = parent.shell, parent.hasShell
					parent.derived = true
				} else {
					cur.image = os.Expand(words[0], func(k string) string {
						if v, ok := globalArgs[k]; ok {
							return v
						}
						return "${" + k + "}" // unknown: keep it visible
					})
				}
			}
			if len(words) == 3 && strings.EqualFold(words[1], "as") {
				names[strings.ToLower(words[2])] = len(st.stages)
			}
			st.stages = append(st.stages, cur)
		case "shell":
			if cur != nil {
				var argv []string
				if err := json.Unmarshal([]byte(in.Args()), &argv); err != nil || len(argv) == 0 {
					argv = []string{}
				}
				cur.shell, cur.hasShell = argv, true
			}
		}
		if cur != nil {
			st.shells[in.Index] = cur.shell
		}
	}
	return st
}

// fromWords returns the words of a FROM instruction without its --flags.
func fromWords(in *rewrite.Instruction) []string {
	var out []string
	for _, w := range nodeWords(in) {
		if !strings.HasPrefix(w, "--") || len(out) > 0 {
			out = append(out, w)
		}
	}
	return out
}

// root returns the stage at the top of stage i's FROM chain (the one built from an
// image).
func (st *runStages) root(i int) int {
	for n := 0; st.stages[i].parent >= 0 && n < len(st.stages); n++ {
		i = st.stages[i].parent
	}
	return i
}

// shellName returns the base name of a SHELL argv's program ("bash").
func shellName(argv []string) string {
	if len(argv) == 0 {
		return ""
	}
	return strings.TrimSuffix(path.Base(strings.ReplaceAll(argv[0], `\`, "/")), ".exe")
}

// pipefailShells are the shells whose -o pipefail dfix trusts (hadolint trusts bash,
// zsh and ash; ksh and mksh have it too). A plain `sh` may be dash, which rejects it.
var pipefailShells = map[string]bool{"bash": true, "zsh": true, "ash": true, "ksh": true, "mksh": true}

// shellOption reports whether a SHELL argv (or the words of a `set` call) turns on the
// option named long (`-o pipefail`, `-eo pipefail`), or, when short is not 0, its
// one-letter form (`-e`, `-ex`).
func shellOption(args []string, long string, short byte) bool {
	on := false
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" || a == "-c" || !strings.HasPrefix(a, "-") && !strings.HasPrefix(a, "+") {
			if a == "-c" || a == "--" {
				break // what follows is the command and its arguments
			}
			continue
		}
		if strings.HasPrefix(a, "--") {
			continue
		}
		flags := a[1:]
		enable := a[0] == '-'
		if strings.Contains(flags, "o") && i+1 < len(args) {
			if args[i+1] == long {
				on = enable
			}
			i++
		}
		if short != 0 && strings.IndexByte(flags, short) >= 0 {
			on = enable
		}
	}
	return on
}

// shellPipefail reports whether a SHELL argv runs a shell with pipefail on.
func shellPipefail(argv []string) bool {
	return pipefailShells[shellName(argv)] && shellOption(argv[1:], "pipefail", 0)
}

// bashImage reports whether an image reference is known to have bash at /bin/bash:
// Debian and Ubuntu images (bash is Essential there, also in -slim variants), and the
// official language images whose default variants are built on them. Anything else
// (alpine, busybox, distroless, chiseled, scratch, UBI minimal, an unknown tag, a tag
// hidden behind a build arg or a bare digest) is not known.
func bashImage(ref string) bool {
	if ref == "" || strings.Contains(ref, "$") {
		return false
	}
	ref = strings.ToLower(ref)
	name, tag := ref, ""
	if i := strings.Index(name, "@"); i >= 0 {
		name = name[:i] // a digest alone does not say which variant it is
	}
	if i := strings.LastIndex(name, ":"); i > strings.LastIndex(name, "/") {
		name, tag = name[:i], name[i+1:]
	}
	if tag == "" && strings.Contains(ref, "@") {
		return false
	}
	name = strings.TrimPrefix(name, "docker.io/")
	name = strings.TrimPrefix(name, "index.docker.io/")
	name = strings.TrimPrefix(name, "library/")
	for _, bad := range []string{"alpine", "busybox", "distroless", "chiseled", "scratch", "minimal", "micro", "musl", "windows", "nanoserver", "servercore", "ubi", "static"} {
		if strings.Contains(tag, bad) || strings.Contains(path.Base(name), bad) {
			return false
		}
	}
	switch name {
	case "debian", "ubuntu", "buildpack-deps":
		return true
	}
	if debianTag(tag) {
		return true // nvidia/cuda:12.2.0-devel-ubuntu22.04, dotnet/sdk:8.0-jammy, ...
	}
	if officialDebianDefault[name] {
		// The default variant of these images is Debian: a version, a Debian
		// codename or -slim, and nothing unknown.
		return tag == "" || tag == "latest" || versionTag(tag)
	}
	return false
}

// officialDebianDefault are official images whose default variant (`python:3.12`,
// `node:20-slim`) is built on Debian.
var officialDebianDefault = map[string]bool{
	"python": true, "node": true, "golang": true, "ruby": true, "php": true, "perl": true,
	"rust": true, "gcc": true, "openjdk": true, "haskell": true, "elixir": true, "erlang": true,
	"julia": true, "r-base": true, "swift": true, "clojure": true, "pypy": true, "hylang": true,
}

var debianCodenames = []string{"debian", "ubuntu", "buster", "bullseye", "bookworm", "trixie", "stretch", "jessie", "xenial", "bionic", "focal", "jammy", "noble"}

// debianTag reports whether a tag names a Debian or Ubuntu release.
func debianTag(tag string) bool {
	for _, part := range strings.FieldsFunc(tag, func(r rune) bool { return r == '-' || r == '_' || r == '.' }) {
		for _, c := range debianCodenames {
			if part == c || strings.HasPrefix(part, c) && strings.Trim(part[len(c):], "0123456789") == "" {
				return true
			}
		}
	}
	return false
}

// versionTag reports whether a tag is a version with at most a Debian codename or
// `slim` after it: 3.12, 3.12.1-slim, 20-bookworm-slim, 1.22-bullseye.
func versionTag(tag string) bool {
	parts := strings.Split(tag, "-")
	if strings.Trim(parts[0], "0123456789.") != "" || parts[0] == "" {
		return false
	}
	for _, p := range parts[1:] {
		if p != "slim" && !debianTag(p) {
			return false
		}
	}
	return true
}

// pipes returns the pipelines (`a | b`, `a |& b`) of a script that run without
// pipefail: those before any `set -o pipefail` among the script's top-level commands.
func unprotectedPipes(s *shell.Script) []*syntax.BinaryCmd {
	guard := -1 // offset of the first top-level `set -o pipefail`
	var leaves func(st *syntax.Stmt)
	leaves = func(st *syntax.Stmt) {
		switch c := st.Cmd.(type) {
		case *syntax.BinaryCmd:
			if c.Op == syntax.AndStmt || c.Op == syntax.OrStmt {
				leaves(c.X)
				leaves(c.Y)
			}
		case *syntax.CallExpr:
			if guard >= 0 || len(c.Args) == 0 {
				return
			}
			if v, _ := shell.Lit(c.Args[0]); v != "set" {
				return
			}
			var words []string
			for _, w := range c.Args[1:] {
				v, _ := shell.PlainWord(w)
				words = append(words, v)
			}
			if shellOption(words, "pipefail", 0) {
				guard = int(c.Pos().Offset())
			}
		}
	}
	for _, st := range s.File.Stmts {
		leaves(st)
	}
	var out []*syntax.BinaryCmd
	syntax.Walk(s.File, func(n syntax.Node) bool {
		if b, ok := n.(*syntax.BinaryCmd); ok && (b.Op == syntax.Pipe || b.Op == syntax.PipeAll) {
			if guard < 0 || int(b.Pos().Offset()) < guard {
				out = append(out, b)
			}
			return false // one finding per pipeline, not per `|`
		}
		return true
	})
	return out
}

func checkPipefail(p *Pass) {
	st := stagesOf(p.Doc)
	type finding struct {
		in   *rewrite.Instruction
		pipe *syntax.BinaryCmd
		s    *shell.Script
	}
	var found []finding
	byStage := map[int]bool{} // stages with a finding
	for _, s := range shellRuns(p) {
		in := s.In
		if in.Stage < 0 || shellPipefail(st.shells[in.Index]) {
			continue
		}
		if argv := st.shells[in.Index]; argv != nil && !posixShells[shellName(argv)] {
			continue // a SHELL dfix cannot read, or not a POSIX shell
		}
		pipes := unprotectedPipes(s)
		if len(pipes) == 0 {
			continue
		}
		found = append(found, finding{in, pipes[0], s})
		byStage[in.Stage] = true
	}
	for _, f := range found {
		start, end, _ := f.s.WordSpan(pipeWord(f.pipe))
		d := Diagnostic{
			Start:   start,
			End:     end,
			Message: "RUN with a pipe and no pipefail: the pipeline's status is only the last command's, so a failure before `|` goes unnoticed",
		}
		d.Fix, d.Help = pipefailFix(p, st, f.in.Stage, byStage)
		p.Report(d)
	}
}

// pipeWord returns the first word of a pipeline, where its finding points.
func pipeWord(b *syntax.BinaryCmd) *syntax.Word {
	var w *syntax.Word
	syntax.Walk(b, func(n syntax.Node) bool {
		if w != nil {
			return false
		}
		if x, ok := n.(*syntax.Word); ok {
			w = x
			return false
		}
		return true
	})
	if w == nil {
		return &syntax.Word{}
	}
	return w
}

// pipefailFix returns the fix for the RUNs of a stage: one SHELL with pipefail right
// after the FROM of the stage, or of the highest stage it derives from that needs the
// same fix (stages built FROM it inherit the SHELL), so a file gets one SHELL per chain
// of stages, not one per RUN.
func pipefailFix(p *Pass, st *runStages, stage int, needs map[int]bool) (*Fix, string) {
	const title = `Add SHELL ["/bin/bash", "-o", "pipefail", "-c"] after FROM`
	display := func(why string) (*Fix, string) {
		return &Fix{Title: title, Applicability: DisplayOnly}, why
	}
	target := stage
	for i := stage; i >= 0; i = st.stages[i].parent {
		if needs[i] {
			target = i
		}
		if st.stages[i].parent < 0 {
			break
		}
	}
	s := st.stages[target]
	if st.stages[stage].hasShell || s.hasShell {
		return display("the stage has a SHELL instruction: add \"-o\", \"pipefail\" to it (with bash), or `set -o pipefail &&` at the start of the RUN")
	}
	root := st.stages[st.root(target)]
	if !bashImage(root.image) {
		return display("dfix cannot tell that the base image " + quoteImage(root.image) + " has bash: add `set -o pipefail &&` at the start of the RUN (bash, ash and zsh have it), or a SHELL with -o pipefail")
	}
	from := s.from
	if from.Logical == nil {
		return display("the FROM line could not be located exactly")
	}
	li := from.LogicalEndLine - 1 // 0-based last line of the FROM
	at := p.Doc.LineStart(li) + len(p.Doc.Line(li))
	first := p.Doc.Line(from.StartLine - 1)
	indent := first[:len(first)-len(strings.TrimLeft(first, " \t"))]
	kw := "SHELL"
	if k, ok := from.KeywordSpan(); ok && strings.ToLower(string(p.Doc.Src[k.Start:k.End])) == string(p.Doc.Src[k.Start:k.End]) {
		kw = "shell" // a file written in lower case
	}
	text := p.Doc.LineEOL(li) + indent + kw + ` ["/bin/bash", "-o", "pipefail", "-c"]`
	return &Fix{
		Title:         title,
		Applicability: Unsafe,
		Edits:         []rewrite.Edit{{Start: at, End: at, New: text}},
		Instructions:  map[string]int{"shell": 1},
	}, ""
}

func quoteImage(ref string) string {
	if ref == "" {
		return "(none)"
	}
	return "`" + ref + "`"
}
