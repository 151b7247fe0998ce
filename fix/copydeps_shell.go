package fix

import (
	"path"
	"regexp"
	"strings"

	"github.com/dfix-dev/dfix/fix/shell"
	"mvdan.cc/sh/v3/syntax"
)

// depCall is one simple command of a RUN, with the folder it runs in.
type depCall struct {
	call *syntax.CallExpr
	name string // program name, as shell.CommandName finds it ("" when computed)
	idx  int    // index of the program word in call.Args
	cwd  string // image path ("" when unknown)
	text string // the script's text, to read computed words
	env  Vars   // variables known at the RUN
}

// depFlatten lists the simple commands of a script in the order they run, following
// `cd` through && / || / ; chains. Commands inside if/for/while/case, functions,
// pipelines and subshells are listed too; a `cd` there does not carry on. It also
// returns every redirection.
func depFlatten(s *shell.Script, cwd string, env Vars) (calls []depCall, redirs []*syntax.Redirect) {
	var walk func(st *syntax.Stmt, cwd *string)
	walk = func(st *syntax.Stmt, cwd *string) {
		redirs = append(redirs, st.Redirs...)
		switch c := st.Cmd.(type) {
		case *syntax.CallExpr:
			if len(c.Args) == 0 {
				return // assignments only
			}
			name, idx := shell.CommandName(c)
			calls = append(calls, depCall{call: c, name: name, idx: idx, cwd: *cwd, text: s.Text, env: env})
			if name == "cd" {
				*cwd = depCdTarget(c, idx, *cwd)
			}
		case *syntax.BinaryCmd:
			if c.Op == syntax.AndStmt || c.Op == syntax.OrStmt {
				walk(c.X, cwd)
				walk(c.Y, cwd)
				return
			}
			x, y := *cwd, *cwd // a pipeline runs its parts in subshells
			walk(c.X, &x)
			walk(c.Y, &y)
		case *syntax.Block:
			for _, s := range c.Stmts {
				walk(s, cwd)
			}
		case *syntax.Subshell:
			local := *cwd
			for _, s := range c.Stmts {
				walk(s, &local)
			}
		case nil:
		default:
			changed := false
			syntax.Walk(c, func(n syntax.Node) bool {
				switch n := n.(type) {
				case *syntax.Stmt:
					redirs = append(redirs, n.Redirs...)
				case *syntax.CallExpr:
					if len(n.Args) > 0 {
						name, idx := shell.CommandName(n)
						calls = append(calls, depCall{call: n, name: name, idx: idx, cwd: *cwd, text: s.Text, env: env})
						changed = changed || name == "cd"
					}
				}
				return true
			})
			if changed {
				*cwd = ""
			}
		}
	}
	for _, st := range s.File.Stmts {
		walk(st, &cwd)
	}
	return calls, redirs
}

// depCdTarget returns the folder a `cd` call moves to.
func depCdTarget(c *syntax.CallExpr, idx int, cwd string) string {
	for _, w := range c.Args[idx+1:] {
		v, ok := shell.PlainWord(w)
		if !ok {
			return ""
		}
		if v == "-P" || v == "-L" || v == "-e" {
			continue
		}
		if v == "-" {
			return ""
		}
		return depResolve(cwd, v)
	}
	return "" // the home folder
}

// depWord reads a word made of literal and quoted text, globs included (a path such as
// /var/lib/apt/lists/* is still a path), escapes kept as written; not expansions.
var depWord = shell.WordOptions{Globs: true, Escapes: shell.EscapesKeep, DollarDouble: true}

// depCallText is a short rendering of a call for messages: `npm run build`.
func depCallText(rc depCall) string {
	var words []string
	for i, w := range rc.call.Args {
		if i < rc.idx {
			continue
		}
		v, ok := shell.ReadWord(w, depWord)
		if !ok {
			v = "…"
		}
		words = append(words, v)
		if len(words) == 4 && i+1 < len(rc.call.Args) {
			words = append(words, "…")
			break
		}
	}
	return "`" + strings.Join(words, " ") + "`"
}

// depIndependentTools never read the build's files: package managers of the system,
// user management, and the like. A path among their words is still checked.
var depIndependentTools = map[string]bool{
	"apt-get": true, "apt": true, "aptitude": true, "apk": true, "yum": true, "dnf": true,
	"microdnf": true, "zypper": true, "pacman": true, "tdnf": true, "apt-key": true,
	"add-apt-repository": true, "update-ca-certificates": true, "ldconfig": true,
	"locale-gen": true, "localedef": true, "update-locale": true, "dpkg-reconfigure": true,
	"useradd": true, "groupadd": true, "adduser": true, "addgroup": true, "usermod": true,
	"groupmod": true, "chsh": true, "true": true, "false": true, ":": true, "echo": true,
	"printf": true, "sleep": true, "set": true, "export": true, "unset": true, "rustup": true,
	"virtualenv": true,
}

// depPathTools take paths as their words: each one is checked.
var depPathTools = map[string]bool{
	"mkdir": true, "rm": true, "rmdir": true, "touch": true, "chmod": true, "chown": true,
	"chgrp": true, "ln": true, "curl": true, "wget": true,
}

// depToolSubcommands are tools that are independent only with some subcommands.
var depToolSubcommands = map[string]map[string]bool{
	"npm":      {"config": true, "cache": true, "set": true},
	"yarn":     {"config": true, "cache": true, "global": true},
	"pnpm":     {"config": true},
	"corepack": {"enable": true, "prepare": true},
	"gem":      {"install": true, "update": true, "sources": true},
	"bundle":   {"config": true},
	"composer": {"config": true, "global": true, "clear-cache": true, "clearcache": true, "self-update": true, "selfupdate": true, "diagnose": true},
	"git":      {"config": true},
	"pip":      {"install": true, "config": true, "cache": true},
	"go":       {"env": true, "version": true},
	"cargo":    {"install": true},
	"poetry":   {"config": true, "self": true},
	"pipx":     {"install": true},
	"uv":       {"venv": true, "python": true, "tool": true},
}

var depModeWord = regexp.MustCompile(`^([0-7]{3,4}|[ugoa]*[-+=][rwxXst]*(,[ugoa]*[-+=][rwxXst]*)*)$`)

// depDependsOn returns why a command of a RUN may read (or write) the tree under dest, the
// folder the source COPY fills: "" when it surely does not. The RUN's redirections are
// checked by the caller.
func depDependsOn(rc depCall, dest string) string {
	c := rc.call
	if rc.idx < 0 {
		return depCallText(rc) + " is a computed command"
	}
	name := rc.name
	if depPipName(name) {
		name = "pip"
	}
	args := c.Args[rc.idx+1:]
	if name == "python" || name == "python3" || strings.HasPrefix(name, "python3.") {
		if len(args) >= 2 {
			if v, _ := shell.PlainWord(args[0]); v == "-m" {
				switch m, _ := shell.PlainWord(args[1]); m {
				case "pip":
					name, args = "pip", args[2:]
				case "venv", "virtualenv":
					name, args = "virtualenv", args[2:]
				}
			}
		}
	}
	switch {
	case name == "cd", name == "mkdir":
		return "" // an empty folder, which the source COPY fills all the same
	case depIndependentTools[name], depPathTools[name]:
	case depToolSubcommands[name] != nil:
		sub := shell.Subcommand(&syntax.CallExpr{Args: args}, 0, nil)
		v := ""
		if sub >= 0 {
			v, _ = shell.PlainWord(args[sub])
		}
		global := shell.HasWord(&syntax.CallExpr{Args: args}, 0, []string{"-g", "--global"})
		ok := depToolSubcommands[name][v] ||
			(name == "npm" || name == "pnpm") && global && (v == "install" || v == "i" || v == "add") ||
			name == "go" && v == "install" && depAllVersioned(args[sub+1:])
		if name == "cargo" && v == "install" && shell.HasWord(&syntax.CallExpr{Args: args}, 0, []string{"--path"}) {
			ok = false
		}
		if name == "pip" && v == "install" && depPipReadsFiles(args) {
			ok = false
		}
		if !ok {
			return depCallText(rc) + " may read the source"
		}
	default:
		return depCallText(rc) + " may read the source"
	}
	// Every word that is a path must stay out of dest.
	firstOperand := true
	for _, w := range args {
		v, ok := rc.value(w)
		if !ok {
			if depPathTools[name] {
				return depCallText(rc) + " works on a path dfix cannot tell"
			}
			continue
		}
		if strings.HasPrefix(v, "-") {
			if _, val, ok := strings.Cut(v, "="); ok && depPathLike(val) {
				v = val
			} else {
				continue
			}
		}
		if strings.Contains(v, "://") || v == "/dev/null" {
			continue
		}
		skip := false
		if depPathTools[name] && firstOperand && (name == "chmod" || name == "chown" || name == "chgrp") {
			skip = true // the mode or the owner
		}
		firstOperand = false
		if skip || depModeWord.MatchString(v) && name == "chmod" {
			continue
		}
		if !depPathTools[name] && !depPathLike(v) {
			continue
		}
		if name == "curl" || name == "wget" {
			if !depPathLike(v) {
				continue // a host name
			}
		}
		p := depResolve(rc.cwd, v)
		if strings.HasPrefix(v, "~") {
			continue // a home folder; the source does not go there
		}
		if p == "" || depUnder(p, dest) || depUnder(dest, p) {
			return depCallText(rc) + " works on " + v + ", where the source goes"
		}
	}
	return ""
}

func depPathLike(v string) bool {
	return v == "." || v == ".." || strings.HasPrefix(v, "/") || strings.HasPrefix(v, "./") ||
		strings.HasPrefix(v, "../") || strings.HasPrefix(v, "~")
}

// depAllVersioned reports whether every operand is module@version (go install of a tool).
func depAllVersioned(args []*syntax.Word) bool {
	n := 0
	for _, w := range args {
		v, ok := shell.PlainWord(w)
		if !ok {
			return false
		}
		if strings.HasPrefix(v, "-") {
			continue
		}
		if !strings.Contains(v, "@") {
			return false
		}
		n++
	}
	return n > 0
}

// depPipReadsFiles reports whether a pip install reads files: requirement files,
// constraints, editable or local projects.
func depPipReadsFiles(args []*syntax.Word) bool {
	for _, w := range args {
		v, ok := shell.ReadWord(w, depWord)
		if !ok {
			return true
		}
		for _, p := range []string{"-r", "--requirement", "-c", "--constraint", "-e", "--editable"} {
			if v == p || strings.HasPrefix(v, p+"=") || len(p) == 2 && strings.HasPrefix(v, p) {
				return true
			}
		}
	}
	return false
}

// depPipName reports whether a program is pip: pip, pip3, pip3.12.
func depPipName(name string) bool {
	if !strings.HasPrefix(name, "pip") {
		return false
	}
	return strings.Trim(name[3:], "0123456789.") == ""
}

// depRedirectTarget returns the path a redirection writes or reads, "" for none (2>&1,
// heredocs), and false when it is computed.
func depRedirectTarget(r *syntax.Redirect) (string, bool) {
	switch r.Op {
	case syntax.DplIn, syntax.DplOut, syntax.Hdoc, syntax.DashHdoc, syntax.WordHdoc:
		return "", true
	}
	if r.Word == nil {
		return "", true
	}
	v, ok := shell.ReadWord(r.Word, depWord)
	if !ok {
		return "", false
	}
	return path.Clean(v), true
}

// value returns the text of a word, with $VAR and ${VAR} replaced by the values the
// Dockerfile gives them; false when it is computed otherwise or a value is unknown.
func (rc depCall) value(w *syntax.Word) (string, bool) {
	if v, ok := shell.ReadWord(w, depWord); ok {
		return v, true
	}
	start, end := int(w.Pos().Offset()), int(w.End().Offset())
	if rc.text == "" || start < 0 || end > len(rc.text) || start >= end {
		return "", false
	}
	raw := rc.text[start:end]
	if strings.ContainsAny(raw, "`'\\") || strings.Contains(raw, "$(") {
		return "", false
	}
	v := depExpand(strings.ReplaceAll(raw, `"`, ""), rc.env)
	if strings.ContainsAny(v, "$"+depUnknown) {
		return "", false
	}
	return v, true
}
