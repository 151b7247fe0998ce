package fix

import (
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/dfix-dev/dfix/fix/shell"
	"github.com/dfix-dev/dfix/rewrite"
	"mvdan.cc/sh/v3/syntax"
)

// checkPkgClean reports RUNs where a package manager fills its cache and nothing
// after it empties the cache, and appends the clean command after the last such call.
func checkPkgClean(p *Pass, managers []*pkgManager) {
	var stages *Stages
	for s := range shellRuns(p, pkgCommands(managers)...) {
		for _, m := range managers {
			calls := pkgCalls(s, m)
			last, lastWord := -1, -1
			for k, pc := range calls {
				if w, ok := pc.match(m.fills); ok && !shell.HasWord(pc.call, pc.cmd+1, m.cacheOnly) {
					last, lastWord = k, w
				}
			}
			if last < 0 || pkgCacheMount(s.In, m.cacheDirs) {
				continue
			}
			if stages == nil {
				stages = p.Facts.Stages()
			}
			if m.liveStagesOnly && !stages.Live(s.In.Stage) {
				continue
			}
			lc := calls[last]
			vars := pkgVars(p, s.In)
			if pkgMovedCacheMounted(s, lc.call, vars, m.cacheEnv) {
				continue
			}
			if pkgCleanedAfter(s, calls, last, m) {
				continue
			}
			w := lc.call.Args[lastWord]
			start, end, _ := s.WordSpan(w)
			word, _ := shell.Lit(lc.call.Args[lc.cmd])
			// The clean runs in the install's environment: `PATH=/opt/node/bin:$PATH npm
			// install` finds npm there only, and `npm_config_cache=/x npm install` fills /x.
			env, prefix := assignsText(s, lc.call), pkgPrefix(lc.call, lc.cmd)
			var cmds []string
			for _, tmpl := range m.clean {
				cmds = append(cmds, env+prefix+strings.ReplaceAll(tmpl, "%s", word))
			}
			what := path.Base(word)
			if lastWord != lc.cmd {
				what += " " + strings.Join(lc.words[:pkgIndex(lc.sub, lastWord)+1], " ")
			}
			d := Diagnostic{
				Start:   start,
				End:     end,
				Message: "`" + what + "` leaves its cache in the layer: no `" + strings.TrimPrefix(cmds[0], env) + "` after it",
			}
			title := "Append `" + strings.Join(cmds, " && ") + "`"
			edit, ok := pkgAppend(p, s, lc.call, cmds)
			switch {
			case ok && pkgOfflineLater(p, s, m, edit.Start):
				d.Fix = &Fix{Title: title, Applicability: DisplayOnly}
				d.Help = "a later " + m.name + " command reads the cache (" + strings.Join(m.offline, ", ") +
					"): cleaning it here would break that command"
			case !ok:
				d.Help = "the command runs in the background or negated: add `" + strings.Join(cmds, " && ") + "` after it by hand"
			case m.berryAdvice && yarnBerry(p, stages, s.In):
				d.Fix = &Fix{Title: title, Applicability: DisplayOnly}
				d.Help = "this stage looks like Yarn 2+: with Plug'n'Play, packages are loaded from the cache; " +
					"clean it only if the project installs into node_modules"
			default:
				d.Fix = &Fix{Title: title, Applicability: Safe, Edits: []rewrite.Edit{edit}}
			}
			p.Report(d)
		}
	}
}

// pkgAppend returns an edit that runs cmds, chained with &&, after the top-level
// statement holding node, in the instruction's style (as appendCommand does, on the
// same line in a heredoc script, before a `;` that ends the statement and before a
// heredoc body it reads).
func pkgAppend(p *Pass, s *shell.Script, node syntax.Node, cmds []string) (rewrite.Edit, bool) {
	st := topStmt(s, node)
	if st == nil || st.Background || st.Coprocess || st.Negated {
		return rewrite.Edit{}, false
	}
	at := s.FileEnd(stmtEnd(st))
	last := st == s.File.Stmts[len(s.File.Stmts)-1] && len(s.File.Last) == 0
	newLine := last && s.In.StartLine != s.In.LogicalEndLine && !s.IsHeredoc()
	var b strings.Builder
	for _, c := range cmds {
		b.WriteString(p.Doc.ContinuationText(s.In, at, "&&", c, newLine))
	}
	return rewrite.Edit{Start: at, End: at, New: b.String()}, true
}

// pkgOfflineLater reports whether a command of m that reads the cache instead of the
// network (yum -C, npm --offline) runs after file offset at: later in the same RUN or
// in a later RUN.
func pkgOfflineLater(p *Pass, s *shell.Script, m *pkgManager, at int) bool {
	if len(m.offline) == 0 {
		return false
	}
	for _, in := range p.Doc.Instructions {
		if in.Keyword != "run" || in.Index < s.In.Index || !p.Facts.shellRunCandidate(in) {
			continue
		}
		o, err := p.Facts.Script(in)
		if err != nil {
			continue
		}
		for _, pc := range pkgCalls(o, m) {
			if (in.Index > s.In.Index || o.FileOffset(pc.call.Pos()) >= at) && shell.HasWord(pc.call, pc.cmd+1, m.offline) {
				return true
			}
		}
	}
	return false
}

// pkgCleanedAfter reports whether the script empties m's cache after calls[last]: the
// manager's own clean subcommand, or an rm of its cache folder.
func pkgCleanedAfter(s *shell.Script, calls []pkgCall, last int, m *pkgManager) bool {
	after := calls[last].call.Pos().Offset()
	for _, pc := range calls[last+1:] {
		if _, ok := pc.match(m.cleans); ok && pc.call.Pos().Offset() > after {
			return true
		}
	}
	cleaned := false
	s.Calls(func(c *syntax.CallExpr) {
		if c.Pos().Offset() > after && pkgRmCleans(c, m.cacheDirs, m.commands) {
			cleaned = true
		}
	})
	return cleaned
}

// pkgMovedCacheMounted reports whether the cache was moved (by an environment
// variable) to a folder that a cache or tmpfs mount of the RUN holds.
func pkgMovedCacheMounted(s *shell.Script, c *syntax.CallExpr, vars Vars, env []string) bool {
	for _, name := range env {
		if v, ok := pkgEnvSet(s, c, vars, name); ok && strings.HasPrefix(v, "/") && CacheMountCovers(s.In, v) {
			return true
		}
	}
	return false
}

// berryPackageManager finds a package.json's `"packageManager": "yarn@N..."` with N >= 2.
var berryPackageManager = regexp.MustCompile(`"packageManager"\s*:\s*"yarn@([2-9]|[1-9][0-9])`)

// copiesBerryProject reports whether a COPY or ADD from the build context brings in a
// folder (`COPY . .`) that holds a Yarn 2+ project, or a package.json that asks for
// Yarn 2+: a .yarnrc.yml, a .yarn/releases folder, or packageManager yarn@2 or later.
// There `yarn cache clean` may empty the project's own cache, which Plug'n'Play loads
// packages from.
func copiesBerryProject(ctx *buildContext, in *rewrite.Instruction) bool {
	if !ctx.known() || slices.ContainsFunc(in.Node.Flags, func(f string) bool { return strings.HasPrefix(f, "--from") }) {
		return false
	}
	words := nodeWords(in)
	if len(words) < 2 {
		return false
	}
	berryJSON := func(rel string) bool {
		b, ok := ctx.read(rel)
		return ok && !ctx.ignored(rel) && berryPackageManager.Match(b)
	}
	for _, src := range words[:len(words)-1] {
		rel, ok := depContextPath(strings.Trim(src, `"'`))
		if !ok {
			continue
		}
		if path.Base(rel) == "package.json" {
			if berryJSON(rel) {
				return true
			}
			continue
		}
		if ok, dir := ctx.exists(rel); !ok || !dir {
			continue
		}
		if ok, _ := ctx.exists(path.Join(rel, ".yarnrc.yml")); ok {
			return true
		}
		if ok, dir := ctx.exists(path.Join(rel, ".yarn/releases")); ok && dir {
			return true
		}
		if berryJSON(path.Join(rel, "package.json")) {
			return true
		}
	}
	return false
}

// yarnBerry reports signs that the stage of in (or a stage it is built on) uses Yarn
// 2 or later: corepack, `yarn set version`, `yarn dlx`, --immutable, .yarnrc.yml or
// .yarn/ copied in, YARN_NODE_LINKER or YARN_ENABLE_* settings.
func yarnBerry(p *Pass, stages *Stages, in *rewrite.Instruction) bool {
	chain := map[int]bool{}
	for _, st := range stages.chain(in.Stage) {
		chain[st] = true
	}
	for _, o := range p.Doc.Instructions {
		if !chain[o.Stage] || o.Stage == in.Stage && o.Index > in.Index {
			continue
		}
		switch o.Keyword {
		case "copy", "add":
			for _, w := range nodeWords(o) {
				w = strings.TrimSuffix(w, "/")
				if path.Base(w) == ".yarnrc.yml" || path.Base(w) == ".yarn" || strings.Contains(w, ".yarn/") {
					return true
				}
			}
			if copiesBerryProject(p.context, o) {
				return true
			}
		case "env", "arg":
			for _, w := range nodeWords(o) {
				k, _, _ := strings.Cut(w, "=")
				if k == "YARN_NODE_LINKER" || strings.HasPrefix(k, "YARN_ENABLE_") || strings.HasPrefix(k, "YARN_PNP") {
					return true
				}
			}
		case "run":
			if !p.Facts.shellRunCandidate(o) {
				continue
			}
			s, err := p.Facts.Script(o)
			if err != nil {
				continue
			}
			berry := false
			s.Calls(func(c *syntax.CallExpr) {
				name, i := shell.CommandName(c)
				switch name {
				case "corepack":
					berry = true
				case "yarn":
					if shell.HasWord(c, i+1, []string{"--immutable", "--immutable-cache", "--check-cache", "dlx", "berry"}) {
						berry = true
					}
					if j := shell.Subcommand(c, i+1, nil); j >= 0 {
						sub, _ := shell.PlainWord(c.Args[j])
						if next := shell.Subcommand(c, j+1, nil); next >= 0 {
							v, _ := shell.PlainWord(c.Args[next])
							berry = berry || sub == "set" && v == "version" || sub == "workspaces" && v == "focus" || sub == "plugin"
						}
					}
				}
			})
			if berry {
				return true
			}
		}
	}
	return false
}

// checkPkgYes reports package manager commands that would stop at a confirmation
// prompt, and adds the manager's yes option.
func checkPkgYes(p *Pass, managers []*pkgManager) {
	for s := range shellRuns(p, pkgCommands(managers)...) {
		for _, m := range managers {
			for _, pc := range pkgCalls(s, m) {
				w, ok := pc.match(m.prompts)
				if !ok || pkgAnswersYes(pc, m) || shell.HasWord(pc.call, pc.cmd+1, m.noLong) {
					continue
				}
				word := pc.call.Args[w]
				at := s.FileEnd(word.End())
				if m.yesAfterCommand {
					at = s.FileEnd(pc.call.Args[pc.cmd].End())
				}
				start, end, _ := s.WordSpan(word)
				name, _ := shell.Lit(pc.call.Args[pc.cmd])
				p.Report(Diagnostic{
					Start: start,
					End:   end,
					Message: "`" + path.Base(name) + " " + strings.Join(pc.words[:pkgIndex(pc.sub, w)+1], " ") +
						"` without " + m.yesFlag + ": the build stops at the confirmation prompt",
					Fix: &Fix{
						Title:         "Add " + m.yesFlag,
						Applicability: Safe,
						Edits:         []rewrite.Edit{{Start: at, End: at, New: " " + m.yesFlag}},
					},
				})
			}
		}
	}
}

func pkgIndex(list []int, x int) int {
	for i, v := range list {
		if v == x {
			return i
		}
	}
	return 0
}

// pkgAnswersYes reports whether the call already answers yes: a long option of
// yesLong (also as --setopt=...), a short option cluster holding a yesShort letter,
// or a yesGlobal letter before the subcommand.
func pkgAnswersYes(pc pkgCall, m *pkgManager) bool {
	c := pc.call
	for j := pc.cmd + 1; j < len(c.Args); j++ {
		v, ok := shell.PlainWord(c.Args[j])
		if !ok {
			continue
		}
		if pkgContains(m.yesLong, v) {
			return true
		}
		if rest, ok := strings.CutPrefix(v, "--setopt="); ok && pkgContains(m.yesLong, rest) {
			return true
		}
		if !pkgShortCluster(v) {
			continue
		}
		if strings.ContainsAny(v[1:], m.yesShort) {
			return true
		}
		if m.yesGlobal != "" && (len(pc.sub) == 0 || j < pc.sub[0]) && strings.ContainsAny(v[1:], m.yesGlobal) {
			return true
		}
	}
	return false
}

// pkgShortCluster reports whether v is a cluster of short options: -y, -qy.
func pkgShortCluster(v string) bool {
	if len(v) < 2 || v[0] != '-' || v[1] == '-' {
		return false
	}
	for _, r := range v[1:] {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}

// assignsText is the call's variable assignments as written (`A=1 B="x y" `), each
// followed by a space; "" when it has none.
func assignsText(s *shell.Script, c *syntax.CallExpr) string {
	var b strings.Builder
	for _, a := range c.Assigns {
		b.WriteString(s.Text[a.Pos().Offset():a.End().Offset()])
		b.WriteByte(' ')
	}
	return b.String()
}
