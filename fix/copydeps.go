package fix

import (
	"errors"
	"fmt"
	"path"
	"regexp"
	"strings"

	"github.com/dfix-dev/dfix/fix/shell"
	"github.com/dfix-dev/dfix/rewrite"
)

// copyRules are the COPY-ordering fixes.
func copyRules() []*Rule {
	return []*Rule{{
		Name:  "copy-deps-first",
		Title: "source COPY before the dependency install",
		Doc: "When `COPY . .` (or `COPY src/ ...`) comes before the step that installs the " +
			"dependencies, every change to any source file invalidates the install's layer " +
			"cache and the dependencies are installed again. The fix copies only the files the " +
			"install reads (the requirements files pip is given, pyproject.toml and its lock file, " +
			"package.json and its lock file, go.mod and " +
			"go.sum, Gemfile, composer.json, pom.xml, ...) right before the install, with the " +
			"same --chown/--chmod/--link, and moves the source COPY (with the comment lines " +
			"above it) after the install. The files are those the install command reads that " +
			"exist in the build context (the Dockerfile's folder, or --context DIR) and that " +
			".dockerignore lets through. It is unsafe: the install then runs without the rest " +
			"of the source. It is only reported when the install reads more than its manifests " +
			"(`pip install .`, a package.json with a postinstall or prepare script, " +
			"workspaces, local path dependencies, a build in the same RUN), when a step between " +
			"the COPY and the install may use the source, or when the build context is unknown.",
		Before:        "WORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt",
		After:         "WORKDIR /app\nCOPY requirements.txt ./\nRUN pip install -r requirements.txt\nCOPY . .",
		Applicability: Unsafe,
		FixNote:       "display-only when the install needs more than its manifests, or the build context is unknown",
		Default:       true,
		Check:         checkCopyDepsFirst,
	}}
}

// depCopy is a COPY or ADD from the build context.
type depCopy struct {
	in       *rewrite.Instruction
	keyword  string   // as written
	srcs     []string // context paths
	rawSrcs  []string // as written (expanded)
	destText string
	dest     string // image path ("" unknown)
	destDir  bool   // the destination is a folder
	relative bool   // the destination is written relative to WORKDIR
	vars     bool   // a $ in the sources, destination or flags
	flags    []string
	badFlag  string // a flag the fix does not carry over
}

var depKeptFlags = map[string]bool{"--chown": true, "--chmod": true, "--link": true}

// depParseCopy reads a COPY or ADD whose sources are all in the build context. ok is false
// for anything else: --from, heredocs, URLs, globs, quoted or unknown names.
func depParseCopy(in *rewrite.Instruction, se *depStageEnv) (*depCopy, bool) {
	if in.Keyword != "copy" && in.Keyword != "add" || in.Logical == nil || in.Heredoc || in.Stage < 0 {
		return nil, false
	}
	kw, ok := in.KeywordSpan()
	if !ok {
		return nil, false
	}
	c := &depCopy{in: in, keyword: in.Logical.Text[:kw.End-kw.Start]}
	for _, f := range in.FlagText() {
		name, _, _ := strings.Cut(f, "=")
		name = strings.ToLower(name)
		switch {
		case name == "--from" || name == "--checksum" || name == "--keep-git-dir" || name == "--unpack":
			return nil, false
		case depKeptFlags[name]:
			c.flags = append(c.flags, f)
			c.vars = c.vars || strings.Contains(f, "$")
		default:
			c.badFlag = name
		}
	}
	words := nodeWords(in)
	if len(words) < 2 {
		return nil, false
	}
	env := se.env[in.Index]
	json := in.Node.Attributes["json"]
	for i, w := range words {
		if !json && strings.ContainsAny(w, `"'`) {
			return nil, false
		}
		if strings.Contains(w, "$") {
			c.vars = true
			w = depExpand(w, env)
			if strings.ContainsAny(w, "$"+depUnknown) {
				return nil, false
			}
		}
		if i == len(words)-1 {
			c.destText = w
			break
		}
		l := strings.ToLower(w)
		if strings.Contains(l, "://") || strings.HasPrefix(l, "git@") || strings.ContainsAny(w, "*?[") || w == "" {
			return nil, false
		}
		cp, ok := depContextPath(w)
		if !ok {
			return nil, false
		}
		c.srcs = append(c.srcs, cp)
		c.rawSrcs = append(c.rawSrcs, w)
	}
	c.destDir = strings.HasSuffix(c.destText, "/") || len(c.srcs) > 1 || c.destText == "." || c.destText == ".."
	c.relative = !strings.HasPrefix(c.destText, "/")
	c.dest = depResolve(se.wd[in.Index], c.destText)
	return c, c.dest != ""
}

// copyDeps is one run of the rule over a file.
type copyDeps struct {
	p   *Pass
	se  *depStageEnv // see stageEnv
	ctx *buildContext
}

// stageEnv returns the working folder and variables at each instruction, worked out
// when first needed: most files install no dependencies and never ask.
func (a *copyDeps) stageEnv() *depStageEnv {
	if a.se == nil {
		a.se = depStageEnvOf(a.p.Facts)
	}
	return a.se
}

// depKnownFiles are manifest names without a dot, which are files, not folders.
var depKnownFiles = map[string]bool{"Gemfile": true, "Pipfile": true, "mvnw": true, "gradlew": true, "Makefile": true, "Dockerfile": true, "LICENSE": true}

// isDir tells whether a source names a folder: from the build context when it is
// there, else from its spelling (".", a trailing slash, a name without a dot).
func (a *copyDeps) isDir(c *depCopy, i int) bool {
	if fi, ok := a.ctx.stat(c.srcs[i]); ok {
		return fi.IsDir()
	}
	raw := c.rawSrcs[i]
	base := path.Base(c.srcs[i])
	return c.srcs[i] == "." || strings.HasSuffix(raw, "/") || !strings.Contains(base, ".") && !depKnownFiles[base]
}

// delivery is what a COPY puts at an image path.
type delivery struct {
	covered bool   // a source of the COPY lands there
	ctx     string // the context path it comes from
	exists  bool   // that path is in the context (and not ignored)
}

// deliver tells what the COPY c puts at the image path p.
func (a *copyDeps) deliver(c *depCopy, p string) delivery {
	var out delivery
	for i, s := range c.srcs {
		var cp string
		if a.isDir(c, i) {
			if !depUnder(p, c.dest) {
				continue
			}
			cp = path.Join(s, depRel(p, c.dest))
		} else {
			target := path.Join(c.dest, path.Base(s))
			if !c.destDir && len(c.srcs) == 1 {
				target = c.dest
			}
			if p != target && p != path.Join(c.dest, path.Base(s)) {
				continue
			}
			cp = s
		}
		d := delivery{covered: true, ctx: cp}
		d.exists, _ = a.ctx.exists(cp)
		if d.exists || !out.exists {
			out = d // a later source wins
		}
	}
	return out
}

// earlier returns the context path a COPY of the stage before S puts at p.
func (a *copyDeps) earlier(s *depCopy, p string) (string, bool) {
	found, ok := "", false
	for _, in := range a.p.Doc.Instructions[:s.in.Index] {
		if in.Stage != s.in.Stage {
			continue
		}
		c, isCopy := depParseCopy(in, a.stageEnv())
		if !isCopy {
			continue
		}
		if d := a.deliver(c, p); d.covered && d.exists {
			found, ok = d.ctx, true
		}
	}
	return found, ok
}

// installsOf returns the dependency installs of a RUN.
func (a *copyDeps) installsOf(in *rewrite.Instruction) []*depInstall {
	if !a.p.Facts.shellRunCandidate(in) {
		return nil
	}
	for _, m := range Mounts(in) {
		if m.Type == "bind" {
			return nil // the install reads what the mount brings, not the COPY
		}
	}
	s := a.p.Facts.scriptRunning(in, func(name string) bool { return depReader(name) != nil })
	if s == nil {
		return nil
	}
	calls, _ := depFlatten(s, a.stageEnv().wd[in.Index], a.stageEnv().env[in.Index])
	var out []*depInstall
	for _, rc := range calls {
		if d := depRecognize(rc); d != nil {
			out = append(out, d)
		}
	}
	return out
}

// broadCover reports whether the source COPY c fills the folder the installs run in
// (or a parent of it) and lands on one of the files they read.
func (a *copyDeps) broadCover(c *depCopy, installs []*depInstall) bool {
	hasDir := false
	for i := range c.srcs {
		hasDir = hasDir || a.isDir(c, i)
	}
	if !hasDir {
		return false
	}
	for _, d := range installs {
		if !depUnder(d.cwd, c.dest) {
			continue
		}
		for _, w := range d.wants {
			if p := depResolve(d.cwd, w.rel); p != "" && a.deliver(c, p).covered {
				return true
			}
		}
	}
	return false
}

func checkCopyDepsFirst(p *Pass) {
	a := &copyDeps{p: p, ctx: p.context}
	if a.ctx == nil {
		a.ctx = newBuildContext(p.Doc.Path, "")
	}
	// The RUNs that install dependencies, by stage, in file order.
	installs := map[int][]*depInstall{}
	runs := map[int][]*rewrite.Instruction{}
	for _, in := range p.Doc.Instructions {
		if in.Keyword == "run" {
			if ins := a.installsOf(in); len(ins) > 0 {
				installs[in.Index] = ins
				runs[in.Stage] = append(runs[in.Stage], in)
			}
		}
	}
	for _, s := range p.Doc.Instructions {
		if len(runs[s.Stage]) == 0 {
			continue
		}
		c, ok := depParseCopy(s, a.stageEnv())
		if !ok {
			continue
		}
		for _, in := range runs[s.Stage] {
			if in.Index > s.Index && a.broadCover(c, installs[in.Index]) {
				a.report(c, in, installs[in.Index])
				break
			}
		}
	}
}

func (a *copyDeps) report(c *depCopy, run *rewrite.Instruction, installs []*depInstall) {
	kw, _ := c.in.KeywordSpan()
	tool := installs[0].tool
	d := Diagnostic{
		Start: kw.Start, End: kw.End,
		Message: fmt.Sprintf("%s of the source comes before `%s` (line %d): every change to the source installs the dependencies again",
			strings.ToUpper(c.keyword), tool, run.StartLine),
	}
	reason := a.textReason(c, run, installs)
	if reason == "" && !a.ctx.known() {
		reason = "the build context is unknown (name the file with --stdin-filename or the folder with --context)"
	}
	var items []depItem
	if reason == "" {
		items, reason = a.plan(c, installs)
	}
	var edits []rewrite.Edit
	var added int
	if reason == "" {
		edits, added, reason = a.edits(c, run, items)
	}
	if reason != "" {
		d.Help = reason
		d.Fix = &Fix{Title: "Copy the dependency manifests first by hand", Applicability: DisplayOnly}
		a.p.Report(d)
		return
	}
	title := "Copy the source after the install"
	if len(items) > 0 {
		var names []string
		for i, it := range items {
			if i == 3 {
				names = append(names, "…")
				break
			}
			names = append(names, path.Base(it.ctx))
		}
		title = "Copy " + strings.Join(names, ", ") + " first, the source after the install"
	}
	d.Fix = &Fix{Title: title, Applicability: Unsafe, Edits: edits, Instructions: map[string]int{"copy": added}}
	a.p.Report(d)
}

// textReason returns why the Dockerfile itself keeps the fix from being made.
func (a *copyDeps) textReason(c *depCopy, run *rewrite.Instruction, installs []*depInstall) string {
	if c.badFlag != "" {
		return fmt.Sprintf("the %s has %s, which dfix does not carry over", strings.ToUpper(c.keyword), c.badFlag)
	}
	for _, d := range installs {
		if d.refuse != "" {
			return d.refuse
		}
	}
	// The rest of the install's RUN must not use the source.
	if why := a.runUses(run, c.dest, true); why != "" {
		return why + " in the same RUN (the install needs a RUN of its own)"
	}
	wdAtCopy := a.stageEnv().wd[c.in.Index]
	for _, in := range a.p.Doc.Instructions[c.in.Index+1 : run.Index] {
		line := fmt.Sprintf(" (line %d)", in.StartLine)
		switch in.Keyword {
		case "run":
			if why := a.runUses(in, c.dest, false); why != "" {
				return why + line
			}
		case "copy", "add":
			o, ok := depParseCopy(in, a.stageEnv())
			dest := ""
			if ok {
				dest = o.dest
			} else if w := nodeWords(in); len(w) > 0 && !in.Heredoc && in.Logical != nil {
				last := w[len(w)-1]
				if !strings.Contains(last, "$") && !in.Node.Attributes["json"] {
					dest = depResolve(a.stageEnv().wd[in.Index], last)
				}
			}
			if dest == "" || depUnder(dest, c.dest) || depUnder(c.dest, dest) {
				return fmt.Sprintf("the %s%s writes where the source goes", strings.ToUpper(in.Keyword), line)
			}
		case "workdir":
			if c.relative && a.stageEnv().wd[run.Index] != wdAtCopy {
				return "the WORKDIR" + line + " changes where the source COPY's relative destination points"
			}
		case "env", "arg":
			if c.vars {
				return fmt.Sprintf("the %s%s may change a variable the source COPY uses", strings.ToUpper(in.Keyword), line)
			}
		case "user", "label", "expose", "shell", "stopsignal", "healthcheck", "cmd", "entrypoint", "maintainer", "onbuild":
		default:
			return fmt.Sprintf("dfix does not move the source COPY past %s%s", strings.ToUpper(in.Keyword), line)
		}
	}
	return ""
}

// runUses returns why a RUN may use the tree the source COPY fills; with install, the
// dependency installs themselves are allowed.
func (a *copyDeps) runUses(in *rewrite.Instruction, dest string, install bool) string {
	if !a.p.Facts.shellRunCandidate(in) {
		return "a RUN dfix cannot read (exec form, another shell, a heredoc it cannot locate) may use the source"
	}
	s, err := a.p.Facts.Script(in)
	if errors.Is(err, shell.ErrNotShell) {
		return "a RUN whose heredoc is another program's script may use the source"
	}
	if err != nil {
		return "a RUN that is not valid shell may use the source"
	}
	calls, redirs := depFlatten(s, a.stageEnv().wd[in.Index], a.stageEnv().env[in.Index])
	for _, rc := range calls {
		if d := depRecognize(rc); d != nil && (install || !readsUnder(d, dest)) {
			continue
		}
		if why := depDependsOn(rc, dest); why != "" {
			return why
		}
	}
	for _, r := range redirs {
		t, ok := depRedirectTarget(r)
		if !ok {
			return "a redirection to a computed path may use the source"
		}
		if t == "" || t == "/dev/null" || strings.HasPrefix(t, "/dev/") {
			continue
		}
		if p := depResolve(a.stageEnv().wd[in.Index], t); p == "" || depUnder(p, dest) {
			return "a redirection to " + t + " may use the source"
		}
	}
	return ""
}

// readsUnder reports whether an install may read files under dest: it runs there or
// one of its manifests is there.
func readsUnder(d *depInstall, dest string) bool {
	if d.cwd == "" || depUnder(d.cwd, dest) || depUnder(dest, d.cwd) {
		return true
	}
	for _, w := range d.wants {
		if p := depResolve(d.cwd, w.rel); p == "" || depUnder(p, dest) {
			return true
		}
	}
	return false
}

// depItem is a manifest file (or folder) to copy before the install.
type depItem struct {
	ctx string // context path
	img string // image path
	dir bool
}

// plan decides, from the build context, which manifests to copy before the install.
func (a *copyDeps) plan(c *depCopy, installs []*depInstall) ([]depItem, string) {
	var items []depItem
	seen := map[string]bool{}
	have := map[string]bool{} // image paths the install finds
	for _, d := range installs {
		type pending struct {
			w    depWant
			base string
		}
		var queue []pending
		for _, w := range d.wants {
			queue = append(queue, pending{w, d.cwd})
		}
		for len(queue) > 0 {
			q := queue[0]
			queue = queue[1:]
			p := depResolve(q.base, q.w.rel)
			if p == "" {
				return nil, "dfix cannot tell where " + q.w.rel + " is"
			}
			if seen[p] {
				continue
			}
			seen[p] = true
			src := ""
			del := a.deliver(c, p)
			prior, hasPrior := a.earlier(c, p)
			switch {
			case del.covered && del.exists:
				if _, isDir := a.ctx.exists(del.ctx); isDir != q.w.dir {
					if q.w.required {
						return nil, del.ctx + " is not a " + map[bool]string{true: "folder", false: "file"}[q.w.dir]
					}
					continue
				}
				if !hasPrior || prior != del.ctx {
					items = append(items, depItem{ctx: del.ctx, img: p, dir: q.w.dir})
				}
				src = del.ctx
			case hasPrior:
				src = prior
			case del.covered && q.w.required:
				if _, there := a.ctx.stat(del.ctx); there {
					return nil, fmt.Sprintf("%s is excluded by %s", del.ctx, a.ctx.ignoreFile)
				}
				return nil, del.ctx + " is not in the build context"
			default:
				continue
			}
			have[p] = true
			if q.w.inspect == nil || q.w.dir {
				continue
			}
			data, ok := a.ctx.read(src)
			if !ok {
				return nil, "dfix cannot read " + src
			}
			why, more := q.w.inspect(data)
			if why != "" {
				return nil, why
			}
			for _, m := range more {
				queue = append(queue, pending{m, path.Dir(p)})
			}
		}
		for _, dir := range d.installDirs {
			p := depResolve(d.cwd, dir)
			if del := a.deliver(c, p); del.covered && del.exists {
				return nil, del.ctx + "/ is in the build context: copied after the install it would replace the installed one (add it to .dockerignore)"
			}
		}
		if d.need != nil {
			has := func(rel string) bool {
				p := depResolve(d.cwd, rel)
				if have[p] {
					return true
				}
				if del := a.deliver(c, p); del.covered && del.exists {
					return true
				}
				_, ok := a.earlier(c, p)
				return ok
			}
			if why := d.need(has); why != "" {
				return nil, why
			}
		}
	}
	return items, ""
}

var depPlainName = regexp.MustCompile(`^[A-Za-z0-9._@+/-]+$`)

// edits writes the fix: the manifest COPYs right before the install (above its comment
// lines), and the source COPY (with the comment lines above it) moved after it.
func (a *copyDeps) edits(c *depCopy, run *rewrite.Instruction, items []depItem) ([]rewrite.Edit, int, string) {
	doc := a.p.Doc
	eol := doc.EOL
	wd := a.stageEnv().wd[run.Index]
	// Group the files by destination folder; folders get a COPY of their own.
	type group struct {
		dest string
		srcs []string
	}
	var groups []*group
	byDest := map[string]*group{}
	for _, it := range items {
		target := path.Dir(it.img)
		if it.dir {
			target = it.img
		}
		dest := ""
		switch {
		case target == wd:
			dest = "./"
		case depUnder(target, wd):
			dest = depRel(target, wd) + "/"
		case strings.HasPrefix(target, "/"):
			dest = strings.TrimSuffix(target, "/") + "/"
		default:
			return nil, 0, "dfix cannot write where " + it.ctx + " goes"
		}
		if !depPlainName.MatchString(it.ctx) || strings.HasPrefix(it.ctx, "-") || !depPlainName.MatchString(dest) {
			return nil, 0, "the name " + it.ctx + " would need quoting"
		}
		g := byDest[dest]
		if g == nil || it.dir {
			g = &group{dest: dest}
			groups = append(groups, g)
			if !it.dir {
				byDest[dest] = g
			}
		}
		g.srcs = append(g.srcs, it.ctx)
	}
	indent := depLeadingBlank(doc.Line(run.StartLine - 1))
	var newCopies strings.Builder
	for _, g := range groups {
		words := []string{sameCase(c.keyword, "copy")}
		words = append(words, c.flags...)
		words = append(words, g.srcs...)
		words = append(words, g.dest)
		newCopies.WriteString(indent + strings.Join(words, " ") + eol)
	}

	// The source COPY and its comment lines leave their place.
	delStart, delEnd := depAttachedStart(doc, c.in), c.in.End
	block := depNormalizeEOL(string(doc.Src[delStart:delEnd]), eol)
	before, after := doc.LineOf(delStart)-2, doc.LineOf(delEnd)-1 // 0-based lines around the block
	if delEnd < len(doc.Src) && before >= 0 && doc.IsBlank(before) && doc.IsBlank(after) {
		delEnd = doc.LineEnd(after) // do not leave two blank lines behind
	}
	ins := depAttachedStart(doc, run)
	var edits []rewrite.Edit
	if ins == delEnd {
		edits = append(edits, rewrite.Edit{Start: delStart, End: delEnd, New: newCopies.String()})
	} else {
		edits = append(edits, rewrite.Edit{Start: delStart, End: delEnd})
		if newCopies.Len() > 0 {
			edits = append(edits, rewrite.Edit{Start: ins, End: ins, New: newCopies.String()})
		}
	}
	// ... and come back right after the install, with the blank line that set a
	// commented block apart.
	if delStart < c.in.Start && before >= 0 && doc.IsBlank(before) {
		block = eol + block
	}
	at := run.End
	if at == len(doc.Src) && !doc.FinalNewline {
		block = eol + strings.TrimSuffix(block, eol)
	}
	edits = append(edits, rewrite.Edit{Start: at, End: at, New: block})
	return edits, len(groups), ""
}

// depAttachedStart returns where the comment lines directly above an instruction begin
// (the instruction's own start when there are none).
func depAttachedStart(doc *rewrite.Document, in *rewrite.Instruction) int {
	li := in.StartLine - 1 // 0-based
	limit := 0
	if in.Index > 0 {
		limit = doc.Instructions[in.Index-1].EndLine // 0-based line after the previous one
	}
	for li-1 >= limit && doc.IsComment(li-1) {
		li--
	}
	return doc.LineStart(li)
}

func depLeadingBlank(s string) string {
	return s[:len(s)-len(strings.TrimLeft(s, " \t"))]
}

// depNormalizeEOL gives every line of s the line ending eol.
func depNormalizeEOL(s, eol string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	if eol != "\n" {
		s = strings.ReplaceAll(s, "\n", eol)
	}
	return s
}
