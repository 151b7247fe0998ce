package fix

import (
	"bufio"
	"bytes"
	"encoding/json"
	"path"
	"regexp"
	"sort"
	"strings"

	"github.com/dfix-dev/dfix/fix/shell"
	"mvdan.cc/sh/v3/syntax"
)

// depInstall is a command that installs dependencies from manifest files.
type depInstall struct {
	tool   string // for messages: "pip install", "npm ci"
	cwd    string // image folder it runs in
	wants  []depWant
	refuse string // why it reads more than its manifests, found in the command itself
	// installDirs are folders (relative to cwd) the install fills: a copy of them in the
	// build context would replace the installed ones once the source is copied after.
	installDirs []string
	// need checks the set of manifests found: has tells whether a file (relative to
	// cwd) is there. It returns why the fix cannot be made.
	need func(has func(rel string) bool) string
}

// depWant is a file (or folder) an install reads.
type depWant struct {
	rel      string // relative to the install's folder, or absolute
	required bool   // the install fails without it
	dir      bool
	// inspect reads the file's content: why the install reads more than the
	// manifests, and further files it names (relative to the file's folder).
	inspect func(data []byte) (refuse string, more []depWant)
}

// depArg is one word of a command, as text when it is literal.
type depArg struct {
	v   string
	lit bool
}

func depArgs(words []*syntax.Word) []depArg {
	out := make([]depArg, len(words))
	for i, w := range words {
		out[i].v, out[i].lit = shell.PlainWord(w)
		if !out[i].lit {
			out[i].v, _ = shell.ReadWord(w, depWord)
		}
	}
	return out
}

// depOptionValue reads an option that takes a value in any of its spellings: `-r FILE`,
// `-rFILE`, `--requirement FILE`, `--requirement=FILE`. It returns the value, how many
// words were used, and whether args[i] is that option.
func depOptionValue(args []depArg, i int, short string, long ...string) (string, int, bool) {
	v := args[i].v
	for _, l := range long {
		if v == l {
			if i+1 < len(args) {
				return args[i+1].v, 2, true
			}
			return "", 1, true
		}
		if strings.HasPrefix(v, l+"=") {
			return v[len(l)+1:], 1, true
		}
	}
	if short != "" {
		if v == short {
			if i+1 < len(args) {
				return args[i+1].v, 2, true
			}
			return "", 1, true
		}
		if strings.HasPrefix(v, short) && !strings.HasPrefix(v, "--") && len(v) > len(short) {
			return strings.TrimPrefix(v[len(short):], "="), 1, true
		}
	}
	return "", 0, false
}

// depOperands returns the words that are not options, skipping the values of the options
// in valueOpts (given without =).
func depOperands(args []depArg, valueOpts map[string]bool) []depArg {
	var out []depArg
	for i := 0; i < len(args); i++ {
		v := args[i].v
		if strings.HasPrefix(v, "-") && args[i].lit {
			if valueOpts[v] {
				i++
			}
			continue
		}
		out = append(out, args[i])
	}
	return out
}

func depHasFlag(args []depArg, names ...string) bool {
	for _, a := range args {
		for _, n := range names {
			if a.v == n || strings.HasPrefix(a.v, n+"=") && !strings.HasSuffix(a.v, "=false") {
				return true
			}
		}
	}
	return false
}

// depRecognize returns the dependency install a call runs, or nil.
func depRecognize(rc depCall) *depInstall {
	if rc.idx < 0 {
		return nil
	}
	read := depReader(rc.name)
	if read == nil {
		return nil
	}
	d := read(rc, depArgs(rc.call.Args[rc.idx+1:]))
	if d != nil {
		d.cwd = rc.cwd
	}
	return d
}

// depReader returns the reader of a program's dependency installs, nil for a program
// that installs none dfix knows: the one list of the programs copy-deps-first reads.
func depReader(name string) func(rc depCall, args []depArg) *depInstall {
	switch {
	case depPipName(name):
		return func(_ depCall, args []depArg) *depInstall { return depPipInstall("pip", args) }
	case name == "python" || name == "python3" || strings.HasPrefix(name, "python3.") || strings.HasPrefix(name, "python2"):
		return func(_ depCall, args []depArg) *depInstall {
			if len(args) >= 2 && args[0].v == "-m" && args[1].v == "pip" {
				return depPipInstall("pip", args[2:])
			}
			return nil
		}
	case name == "uv":
		return func(_ depCall, args []depArg) *depInstall {
			if len(args) >= 1 && args[0].v == "pip" {
				return depPipInstall("uv pip", args[1:])
			}
			return depUvSync(args)
		}
	case name == "poetry":
		return func(_ depCall, args []depArg) *depInstall { return depPoetry(args) }
	case name == "pipenv":
		return func(_ depCall, args []depArg) *depInstall { return depPipenv(args) }
	case name == "npm":
		return func(_ depCall, args []depArg) *depInstall { return depNpm(args) }
	case name == "yarn":
		return func(_ depCall, args []depArg) *depInstall { return depYarn(args) }
	case name == "pnpm":
		return func(_ depCall, args []depArg) *depInstall { return depPnpm(args) }
	case name == "go":
		return func(_ depCall, args []depArg) *depInstall { return depGoMod(args) }
	case name == "bundle" || name == "bundler":
		return func(_ depCall, args []depArg) *depInstall { return depBundle(args) }
	case name == "composer" || name == "composer.phar":
		return func(_ depCall, args []depArg) *depInstall { return depComposer(args) }
	case name == "php":
		return func(_ depCall, args []depArg) *depInstall {
			if len(args) >= 1 && path.Base(args[0].v) == "composer.phar" {
				return depComposer(args[1:])
			}
			return nil
		}
	case name == "cargo":
		return func(_ depCall, args []depArg) *depInstall { return depCargo(args) }
	case name == "mvn" || name == "mvnw":
		return func(rc depCall, args []depArg) *depInstall { return depMaven(name, rc, args) }
	case name == "gradle" || name == "gradlew":
		return func(rc depCall, args []depArg) *depInstall { return depGradle(name, rc, args) }
	}
	return nil
}

// ---- Python ----

var depPipValueOpts = map[string]bool{
	"-i": true, "--index-url": true, "--extra-index-url": true, "-t": true, "--target": true,
	"--prefix": true, "--root": true, "--src": true, "--platform": true, "--python-version": true,
	"--implementation": true, "--abi": true, "--no-binary": true, "--only-binary": true,
	"--progress-bar": true, "--log": true, "--cache-dir": true, "--trusted-host": true,
	"--upgrade-strategy": true, "--global-option": true, "--install-option": true,
	"--config-settings": true, "-C": true, "--report": true, "--proxy": true, "--retries": true,
	"--timeout": true, "--exists-action": true, "--cert": true, "--client-cert": true,
	"--python": true, "-p": true, "--index-strategy": true, "--keyring-provider": true,
	"--resolution": true, "--prerelease": true, "--link-mode": true,
	"--group": true, "--extra": true,
}

// depPipInstall reads `pip install -r FILE ...` (and uv pip install / uv pip sync).
func depPipInstall(tool string, args []depArg) *depInstall {
	sub := -1
	for i, a := range args {
		if !strings.HasPrefix(a.v, "-") {
			sub = i
			break
		}
	}
	if sub < 0 {
		return nil
	}
	verb := args[sub].v
	if verb != "install" && !(tool == "uv pip" && verb == "sync") {
		return nil
	}
	d := &depInstall{tool: tool + " " + verb}
	rest := args[sub+1:]
	for i := 0; i < len(rest); i++ {
		a := rest[i]
		if !a.lit {
			if strings.HasPrefix(a.v, "-") || a.v == "" {
				d.refuse = "`" + d.tool + "` reads a file named by a variable"
			}
			continue
		}
		if v, n, ok := depOptionValue(rest, i, "-r", "--requirement", "--requirements"); ok {
			d.wants = append(d.wants, depPipWant(v))
			i += n - 1
			continue
		}
		if v, n, ok := depOptionValue(rest, i, "-c", "--constraint", "--constraints", "--override", "--overrides", "--build-constraint", "--build-constraints"); ok {
			d.wants = append(d.wants, depPipWant(v))
			i += n - 1
			continue
		}
		if v, n, ok := depOptionValue(rest, i, "-e", "--editable"); ok {
			if !depRemoteSpec(v) {
				d.refuse = "`" + d.tool + " -e " + v + "` installs a local project"
			}
			i += n - 1
			continue
		}
		if v, n, ok := depOptionValue(rest, i, "-f", "--find-links"); ok {
			if !depRemoteSpec(v) {
				d.refuse = "`" + d.tool + "` finds packages in the folder " + v
			}
			i += n - 1
			continue
		}
		if _, n, ok := depOptionValue(rest, i, "", "--group"); ok {
			d.wants = append(d.wants, depWant{rel: "pyproject.toml", required: true})
			i += n - 1
			continue
		}
		if strings.HasPrefix(a.v, "-") {
			if depPipValueOpts[a.v] {
				i++
			}
			continue
		}
		if verb == "sync" { // uv pip sync requirements.txt
			d.wants = append(d.wants, depPipWant(a.v))
			continue
		}
		if depLocalSpec(a.v) {
			d.refuse = "`" + d.tool + " " + a.v + "` installs a local project"
		}
	}
	if len(d.wants) == 0 {
		return nil // pip install of named packages: it reads no file
	}
	return d
}

func depPipWant(file string) depWant {
	return depWant{rel: file, required: true, inspect: depRequirements}
}

// depRemoteSpec reports whether a pip requirement or link names something remote (a URL,
// a VCS link) rather than a local path.
func depRemoteSpec(v string) bool {
	return strings.Contains(v, "://") || strings.HasPrefix(v, "git+") || strings.HasPrefix(v, "hg+") ||
		strings.HasPrefix(v, "svn+") || strings.HasPrefix(v, "bzr+")
}

// depLocalSpec reports whether a pip operand is a local path (a folder or an archive file).
func depLocalSpec(v string) bool {
	if depRemoteSpec(v) {
		return strings.HasPrefix(v, "file:")
	}
	return v == "." || strings.HasPrefix(v, "./") || strings.HasPrefix(v, "../") || strings.HasPrefix(v, "/") ||
		strings.HasPrefix(v, "~") || strings.Contains(v, "/") || strings.HasSuffix(v, ".whl") ||
		strings.HasSuffix(v, ".tar.gz") || strings.HasSuffix(v, ".zip") || v == "setup.py"
}

// depRequirements reads a requirements file: nested -r / -c files, and lines that
// install local projects.
func depRequirements(data []byte) (string, []depWant) {
	var more []depWant
	lines := strings.Split(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n")
	for n := 0; n < len(lines); n++ {
		line := lines[n]
		for strings.HasSuffix(line, `\`) && n+1 < len(lines) { // continuation
			n++
			line = strings.TrimSuffix(line, `\`) + lines[n]
		}
		if i := strings.Index(line, " #"); i >= 0 {
			line = line[:i]
		}
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		words := make([]depArg, len(f))
		for i, w := range f {
			words[i] = depArg{v: w, lit: true}
		}
		if v, _, ok := depOptionValue(words, 0, "-r", "--requirement"); ok {
			more = append(more, depPipWant(v))
			continue
		}
		if v, _, ok := depOptionValue(words, 0, "-c", "--constraint"); ok {
			more = append(more, depPipWant(v))
			continue
		}
		if v, _, ok := depOptionValue(words, 0, "-e", "--editable"); ok {
			if !depRemoteSpec(v) {
				return "the requirements install a local project (`-e " + v + "`)", nil
			}
			continue
		}
		if v, _, ok := depOptionValue(words, 0, "-f", "--find-links"); ok {
			if !depRemoteSpec(v) {
				return "the requirements find packages in the folder " + v, nil
			}
			continue
		}
		if strings.HasPrefix(line, "-") {
			continue
		}
		if strings.Contains(line, "@ file:") || depLocalSpec(f[0]) && !strings.Contains(f[0], "@") && !strings.Contains(line, ";") || strings.HasPrefix(f[0], "file:") {
			return "the requirements install a local path (`" + f[0] + "`)", nil
		}
	}
	return "", more
}

// depTomlScan walks a TOML file line by line, telling the table each key is in. It is
// enough to find tables and keys; values are not parsed.
func depTomlScan(data []byte, fn func(table, line string)) {
	table := ""
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64*1024), depMaxContextFile)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if strings.HasPrefix(line, "[") {
			table = strings.Trim(strings.TrimSpace(strings.SplitN(line, "#", 2)[0]), "[] ")
			table = strings.ReplaceAll(table, `"`, "")
			fn(table, "")
			continue
		}
		fn(table, line)
	}
}

// depTomlKey returns the key and value of a `key = value` line.
func depTomlKey(line string) (string, string) {
	k, v, ok := strings.Cut(line, "=")
	if !ok {
		return "", ""
	}
	return strings.Trim(strings.TrimSpace(k), `"'`), strings.TrimSpace(v)
}

var depInlinePath = regexp.MustCompile(`(^|[{,\s])path\s*=`)

// depTomlPathDependency finds a dependency given by a local path: a `path =` key in a
// dependency or source table, inline or not. It returns the line.
func depTomlPathDependency(data []byte, tableWords ...string) string {
	found := ""
	depTomlScan(data, func(table, line string) {
		if found != "" || line == "" {
			return
		}
		in := false
		for _, w := range tableWords {
			if strings.Contains(strings.ToLower(table), w) {
				in = true
			}
		}
		if !in {
			return
		}
		if k, _ := depTomlKey(line); k == "path" || depInlinePath.MatchString(line) && strings.Contains(line, "{") {
			found = line
		}
	})
	return found
}

func depTomlHasTable(data []byte, name string) bool {
	found := false
	depTomlScan(data, func(table, line string) {
		if line == "" && (table == name || strings.HasPrefix(table, name+".")) {
			found = true
		}
	})
	return found
}

func depTomlValue(data []byte, table, key string) string {
	val := ""
	depTomlScan(data, func(t, line string) {
		if t == table && line != "" {
			if k, v := depTomlKey(line); k == key {
				val = strings.Trim(strings.SplitN(v, "#", 2)[0], ` "'`)
			}
		}
	})
	return val
}

func depPoetry(args []depArg) *depInstall {
	ops := depOperands(args, map[string]bool{"--with": true, "--without": true, "--only": true, "-E": true, "--extras": true, "-C": true, "--directory": true, "-P": true, "--project": true})
	if len(ops) == 0 || ops[0].v != "install" && ops[0].v != "sync" {
		return nil
	}
	d := &depInstall{tool: "poetry " + ops[0].v, installDirs: []string{".venv"}}
	noRoot := depHasFlag(args, "--no-root")
	if depHasFlag(args, "-C", "--directory", "-P", "--project") {
		d.refuse = "`" + d.tool + "` runs in another folder"
	}
	if depHasFlag(args, "--only-root") {
		d.refuse = "`" + d.tool + " --only-root` installs the project itself"
	}
	d.wants = []depWant{
		{rel: "pyproject.toml", required: true, inspect: func(b []byte) (string, []depWant) {
			if l := depTomlPathDependency(b, "dependencies", "packages"); l != "" {
				return "pyproject.toml has a local path dependency (`" + l + "`)", nil
			}
			if !noRoot && depTomlValue(b, "tool.poetry", "package-mode") != "false" {
				return "`poetry install` also installs the project itself (add --no-root)", nil
			}
			return "", nil
		}},
		{rel: "poetry.lock"},
		{rel: "poetry.toml"},
	}
	return d
}

func depPipenv(args []depArg) *depInstall {
	ops := depOperands(args, map[string]bool{"--python": true, "--pypi-mirror": true, "--categories": true, "-r": true, "--requirements": true})
	if len(ops) == 0 || ops[0].v != "install" && ops[0].v != "sync" {
		return nil
	}
	d := &depInstall{tool: "pipenv " + ops[0].v}
	for _, o := range ops[1:] {
		if depLocalSpec(o.v) {
			d.refuse = "`" + d.tool + " " + o.v + "` installs a local project"
		}
	}
	if depHasFlag(args, "-e", "--editable") {
		d.refuse = "`" + d.tool + " -e` installs a local project"
	}
	for i := range args {
		if v, _, ok := depOptionValue(args, i, "-r", "--requirements"); ok {
			d.wants = append(d.wants, depPipWant(v))
		}
	}
	d.wants = append(d.wants,
		depWant{rel: "Pipfile", required: true, inspect: func(b []byte) (string, []depWant) {
			if l := depTomlPathDependency(b, "packages"); l != "" {
				return "the Pipfile has a local path dependency (`" + l + "`)", nil
			}
			return "", nil
		}},
		depWant{rel: "Pipfile.lock"})
	return d
}

func depUvSync(args []depArg) *depInstall {
	ops := depOperands(args, map[string]bool{"--extra": true, "--group": true, "--only-group": true, "--no-group": true, "--python": true, "-p": true, "--package": true, "--directory": true, "--project": true, "--index-url": true, "--extra-index-url": true, "--link-mode": true})
	if len(ops) == 0 || ops[0].v != "sync" {
		return nil
	}
	d := &depInstall{tool: "uv sync", installDirs: []string{".venv"}}
	noProject := depHasFlag(args, "--no-install-project", "--no-install-workspace", "--only-dev")
	if depHasFlag(args, "--directory", "--project") {
		d.refuse = "`uv sync` runs in another folder"
	}
	if depHasFlag(args, "--package", "--all-packages") {
		d.refuse = "`uv sync` works on a workspace"
	}
	d.wants = []depWant{
		{rel: "pyproject.toml", required: true, inspect: func(b []byte) (string, []depWant) {
			if depTomlHasTable(b, "tool.uv.workspace") {
				return "pyproject.toml declares a uv workspace, whose members are in the source", nil
			}
			if l := depTomlPathDependency(b, "tool.uv.sources"); l != "" {
				return "pyproject.toml has a local path source (`" + l + "`)", nil
			}
			pkg := depTomlValue(b, "tool.uv", "package")
			if !noProject && (pkg == "true" || pkg != "false" && depTomlHasTable(b, "build-system")) {
				return "`uv sync` also installs the project itself (add --no-install-project)", nil
			}
			return "", nil
		}},
		{rel: "uv.lock"},
		{rel: ".python-version"},
		{rel: "uv.toml"},
	}
	return d
}

// ---- JavaScript ----

// depLifecycleScripts run during an install of the package itself.
var depLifecycleScripts = []string{"preinstall", "install", "postinstall", "prepublish", "preprepare", "prepare", "postprepare"}

// depPackageJSON refuses packages whose install runs their own scripts (unless
// scripts are off), workspaces and local path dependencies.
func depPackageJSON(ignoreScripts bool) func([]byte) (string, []depWant) {
	return func(b []byte) (string, []depWant) {
		var pkg struct {
			Scripts    map[string]any `json:"scripts"`
			Workspaces any            `json:"workspaces"`
			Deps       map[string]any `json:"dependencies"`
			DevDeps    map[string]any `json:"devDependencies"`
			OptDeps    map[string]any `json:"optionalDependencies"`
			Gypfile    bool           `json:"gypfile"`
		}
		if err := json.Unmarshal(b, &pkg); err != nil {
			return "package.json is not valid JSON", nil
		}
		if !ignoreScripts {
			for _, s := range depLifecycleScripts {
				if _, ok := pkg.Scripts[s]; ok {
					return "package.json has a `" + s + "` script, which the install runs (it may read the source)", nil
				}
			}
			if pkg.Gypfile {
				return "package.json builds a native addon (gypfile) during the install", nil
			}
		}
		if pkg.Workspaces != nil {
			return "package.json declares workspaces, whose packages are in the source", nil
		}
		for _, deps := range []map[string]any{pkg.Deps, pkg.DevDeps, pkg.OptDeps} {
			names := make([]string, 0, len(deps))
			for k := range deps {
				names = append(names, k)
			}
			sort.Strings(names)
			for _, k := range names {
				v, _ := deps[k].(string)
				for _, p := range []string{"file:", "link:", "portal:", "./", "../", "/", "~/"} {
					if strings.HasPrefix(v, p) {
						return "package.json has a local path dependency (`" + k + "`: `" + v + "`)", nil
					}
				}
			}
		}
		return "", nil
	}
}

// depNodeNeed refuses a package with a binding.gyp: npm builds it during the install.
func depNodeNeed(ignoreScripts bool) func(func(string) bool) string {
	return func(has func(string) bool) string {
		if !ignoreScripts && has("binding.gyp") {
			return "binding.gyp is built during the install (it reads the source)"
		}
		return ""
	}
}

func depNpm(args []depArg) *depInstall {
	ops := depOperands(args, map[string]bool{"--prefix": true, "-C": true, "-w": true, "--workspace": true, "--omit": true, "--include": true, "--install-strategy": true, "--registry": true, "--cache": true, "--loglevel": true})
	if len(ops) == 0 {
		return nil
	}
	verb := ops[0].v
	switch verb {
	case "install", "i", "ci", "isntall", "add", "clean-install", "install-clean", "ic", "in":
	default:
		return nil
	}
	if depHasFlag(args, "-g", "--global", "--location=global") {
		return nil
	}
	ignore := depHasFlag(args, "--ignore-scripts")
	d := &depInstall{tool: "npm " + verb, installDirs: []string{"node_modules"}, need: depNodeNeed(ignore)}
	if depHasFlag(args, "--prefix", "-C") {
		d.refuse = "`npm " + verb + "` runs in another folder (--prefix)"
	}
	if depHasFlag(args, "-w", "--workspace", "--workspaces") {
		d.refuse = "`npm " + verb + "` works on workspaces, whose packages are in the source"
	}
	for _, o := range ops[1:] {
		if depPathLike(o.v) || strings.HasPrefix(o.v, "file:") {
			d.refuse = "`npm " + verb + " " + o.v + "` installs a local package"
		}
	}
	d.wants = []depWant{
		{rel: "package.json", required: true, inspect: depPackageJSON(ignore)},
		{rel: "package-lock.json"},
		{rel: "npm-shrinkwrap.json"},
		{rel: ".npmrc"},
	}
	return d
}

func depYarn(args []depArg) *depInstall {
	ops := depOperands(args, map[string]bool{"--cwd": true, "--modules-folder": true, "--cache-folder": true, "--network-timeout": true, "--mutex": true, "--registry": true, "--mode": true})
	verb := ""
	if len(ops) > 0 {
		verb = ops[0].v
	}
	if verb != "" && verb != "install" {
		return nil
	}
	tool := "yarn install"
	if verb == "" {
		tool = "yarn"
	}
	ignore := depHasFlag(args, "--ignore-scripts")
	for i, a := range args {
		if v, _, ok := depOptionValue(args, i, "", "--mode"); ok && v == "skip-build" || a.v == "--mode=skip-build" {
			ignore = true
		}
	}
	d := &depInstall{tool: tool, installDirs: []string{"node_modules"}, need: depNodeNeed(ignore)}
	if depHasFlag(args, "--cwd") {
		d.refuse = "`" + tool + "` runs in another folder (--cwd)"
	}
	d.wants = []depWant{
		{rel: "package.json", required: true, inspect: depPackageJSON(ignore)},
		{rel: "yarn.lock"},
		{rel: ".yarnrc.yml", inspect: depYarnrc},
		{rel: ".yarnrc"},
		{rel: ".npmrc"},
	}
	return d
}

// depYarnrc finds the files a .yarnrc.yml makes yarn read: its own release
// (yarnPath) and plugins.
func depYarnrc(b []byte) (string, []depWant) {
	var more []depWant
	for _, line := range strings.Split(string(b), "\n") {
		t := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), "-"))
		k, v, ok := strings.Cut(t, ":")
		if !ok {
			continue
		}
		k, v = strings.TrimSpace(k), strings.Trim(strings.TrimSpace(v), `"'`)
		if (k == "yarnPath" || k == "path") && v != "" {
			if strings.HasPrefix(v, "/") || strings.HasPrefix(v, "../") {
				return ".yarnrc.yml names a file outside the project (" + v + ")", nil
			}
			more = append(more, depWant{rel: v, required: true})
		}
	}
	return "", more
}

func depPnpm(args []depArg) *depInstall {
	ops := depOperands(args, map[string]bool{"-C": true, "--dir": true, "--filter": true, "-F": true, "--reporter": true, "--store-dir": true, "--registry": true})
	if len(ops) == 0 {
		return nil
	}
	verb := ops[0].v
	if depHasFlag(args, "-g", "--global") {
		return nil
	}
	ignore := depHasFlag(args, "--ignore-scripts")
	d := &depInstall{tool: "pnpm " + verb, installDirs: []string{"node_modules"}}
	if depHasFlag(args, "-C", "--dir") {
		d.refuse = "`pnpm " + verb + "` runs in another folder"
	}
	if depHasFlag(args, "-r", "--recursive", "--filter", "-F") {
		d.refuse = "`pnpm " + verb + "` works on workspace packages, which are in the source"
	}
	workspace := func(b []byte) (string, []depWant) {
		for _, line := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(strings.TrimSpace(line), "packages:") && verb != "fetch" {
				return "pnpm-workspace.yaml declares workspace packages, which are in the source", nil
			}
		}
		return "", nil
	}
	switch verb {
	case "install", "i":
		d.need = depNodeNeed(ignore)
		d.wants = []depWant{
			{rel: "package.json", required: true, inspect: depPackageJSON(ignore)},
			{rel: "pnpm-lock.yaml"},
			{rel: "pnpm-workspace.yaml", inspect: workspace},
			{rel: ".npmrc"},
			{rel: ".pnpmfile.cjs"},
		}
	case "fetch":
		d.installDirs = nil
		d.wants = []depWant{
			{rel: "pnpm-lock.yaml", required: true},
			{rel: "pnpm-workspace.yaml"},
			{rel: ".npmrc"},
		}
	default:
		return nil
	}
	return d
}

// ---- Go, Ruby, PHP, Rust ----

func depGoMod(args []depArg) *depInstall {
	if len(args) < 2 || args[0].v != "mod" || args[1].v != "download" {
		return nil
	}
	d := &depInstall{tool: "go mod download"}
	if depHasFlag(args, "-modfile") {
		d.refuse = "`go mod download` reads another go.mod (-modfile)"
	}
	d.wants = []depWant{
		{rel: "go.mod", required: true, inspect: func(b []byte) (string, []depWant) {
			inReplace := false
			for _, line := range strings.Split(string(b), "\n") {
				t := strings.TrimSpace(strings.SplitN(line, "//", 2)[0])
				switch {
				case strings.HasPrefix(t, "replace ("), t == "replace(":
					inReplace = true
					continue
				case inReplace && t == ")":
					inReplace = false
					continue
				case !inReplace && !strings.HasPrefix(t, "replace "):
					continue
				}
				if _, to, ok := strings.Cut(t, "=>"); ok {
					to = strings.TrimSpace(to)
					if strings.HasPrefix(to, "./") || strings.HasPrefix(to, "../") || strings.HasPrefix(to, "/") || to == "." {
						return "go.mod replaces a module with a local folder (`" + t + "`)", nil
					}
				}
			}
			return "", nil
		}},
		{rel: "go.sum"},
	}
	d.need = func(has func(string) bool) string {
		if has("go.work") {
			return "go.work makes this a workspace, whose modules are in the source"
		}
		return ""
	}
	return d
}

func depBundle(args []depArg) *depInstall {
	ops := depOperands(args, map[string]bool{"--path": true, "--without": true, "--with": true, "--jobs": true, "-j": true, "--retry": true, "--gemfile": true, "--binstubs": true, "--standalone": true})
	verb := ""
	if len(ops) > 0 {
		verb = ops[0].v
	}
	if verb != "" && verb != "install" {
		return nil
	}
	d := &depInstall{tool: strings.TrimSpace("bundle " + verb)}
	if depHasFlag(args, "--gemfile") {
		d.refuse = "`bundle install` reads another Gemfile (--gemfile)"
	}
	d.wants = []depWant{
		{rel: "Gemfile", required: true, inspect: func(b []byte) (string, []depWant) {
			var more []depWant
			for _, line := range strings.Split(string(b), "\n") {
				t := strings.TrimSpace(strings.SplitN(line, "#", 2)[0])
				f := strings.Fields(t)
				if len(f) == 0 {
					continue
				}
				switch {
				case f[0] == "gemspec":
					return "the Gemfile reads the project's gemspec (`gemspec`)", nil
				case f[0] == "eval_gemfile":
					return "the Gemfile reads another Gemfile (`" + t + "`)", nil
				case strings.Contains(t, "path:") || strings.Contains(t, ":path"):
					return "the Gemfile has a local path dependency (`" + t + "`)", nil
				}
				for _, f := range []string{".ruby-version", ".tool-versions"} {
					if strings.Contains(t, `"`+f+`"`) || strings.Contains(t, `'`+f+`'`) {
						more = append(more, depWant{rel: f, required: true})
					}
				}
			}
			return "", more
		}},
		{rel: "Gemfile.lock"},
		{rel: ".bundle/config"},
	}
	return d
}

func depComposer(args []depArg) *depInstall {
	ops := depOperands(args, map[string]bool{"-d": true, "--working-dir": true})
	if len(ops) == 0 || ops[0].v != "install" && ops[0].v != "i" {
		return nil
	}
	d := &depInstall{tool: "composer install", installDirs: []string{"vendor"}}
	if depHasFlag(args, "-d", "--working-dir") {
		d.refuse = "`composer install` runs in another folder (--working-dir)"
	}
	noScripts := depHasFlag(args, "--no-scripts")
	noAutoloader := depHasFlag(args, "--no-autoloader")
	optimize := depHasFlag(args, "-o", "--optimize-autoloader", "-a", "--classmap-authoritative", "--apcu-autoloader")
	d.wants = []depWant{
		{rel: "composer.json", required: true, inspect: func(b []byte) (string, []depWant) {
			var c struct {
				Scripts      map[string]any `json:"scripts"`
				Autoload     map[string]any `json:"autoload"`
				AutoloadDev  map[string]any `json:"autoload-dev"`
				Repositories any            `json:"repositories"`
				Config       map[string]any `json:"config"`
			}
			if err := json.Unmarshal(b, &c); err != nil {
				return "composer.json is not valid JSON", nil
			}
			if !noScripts {
				for _, s := range []string{"pre-install-cmd", "post-install-cmd", "pre-autoload-dump", "post-autoload-dump"} {
					if _, ok := c.Scripts[s]; ok {
						return "composer.json has a `" + s + "` script, which the install runs (add --no-scripts)", nil
					}
				}
			}
			if !noAutoloader {
				if optimize || c.Config["optimize-autoloader"] == true || c.Config["classmap-authoritative"] == true {
					return "the optimized autoloader scans the source for classes (add --no-autoloader)", nil
				}
				for _, a := range []map[string]any{c.Autoload, c.AutoloadDev} {
					if _, ok := a["classmap"]; ok {
						return "the classmap autoloader scans the source for classes (add --no-autoloader)", nil
					}
				}
			}
			if r, _ := json.Marshal(c.Repositories); bytes.Contains(r, []byte(`"type":"path"`)) {
				return "composer.json has a path repository, which is in the source", nil
			}
			return "", nil
		}},
		{rel: "composer.lock"},
		{rel: "auth.json"},
	}
	return d
}

func depCargo(args []depArg) *depInstall {
	ops := depOperands(args, map[string]bool{"--target": true, "--manifest-path": true, "--color": true, "--config": true, "-Z": true})
	if len(ops) == 0 || ops[0].v != "fetch" {
		return nil
	}
	d := &depInstall{tool: "cargo fetch"}
	if depHasFlag(args, "--manifest-path") {
		d.refuse = "`cargo fetch` reads another Cargo.toml (--manifest-path)"
	}
	d.wants = []depWant{
		{rel: "Cargo.toml", required: true, inspect: func(b []byte) (string, []depWant) {
			if depTomlHasTable(b, "workspace") {
				return "Cargo.toml declares a workspace, whose members are in the source", nil
			}
			if l := depTomlPathDependency(b, "dependencies", "patch"); l != "" {
				return "Cargo.toml has a local path dependency (`" + l + "`)", nil
			}
			explicit := false
			depTomlScan(b, func(table, line string) {
				if line != "" && (table == "lib" || table == "bin") {
					if k, _ := depTomlKey(line); k == "path" {
						explicit = true
					}
				}
			})
			if !explicit {
				return "cargo needs the crate's source files (src/main.rs or src/lib.rs) to read Cargo.toml", nil
			}
			return "", nil
		}},
		{rel: "Cargo.lock"},
		{rel: "rust-toolchain.toml"},
		{rel: "rust-toolchain"},
		{rel: ".cargo/config.toml"},
		{rel: ".cargo/config"},
	}
	return d
}

// ---- Java ----

var depMavenValueOpts = map[string]bool{
	"-s": true, "--settings": true, "-gs": true, "--global-settings": true, "-P": true,
	"--activate-profiles": true, "-pl": true, "--projects": true, "-T": true, "--threads": true,
	"-l": true, "--log-file": true, "-t": true, "--toolchains": true, "-b": true, "--builder": true,
	"-rf": true, "--resume-from": true, "-f": true, "--file": true, "-D": true, "--define": true,
}

// depMavenGoal reports whether a goal only resolves dependencies.
func depMavenGoal(g string) bool {
	for _, s := range []string{":go-offline", ":resolve", ":resolve-plugins", ":resolve-dependencies", ":resolve-sources"} {
		if strings.HasSuffix(g, s) {
			return true
		}
	}
	return false
}

func depMaven(name string, rc depCall, args []depArg) *depInstall {
	goals := depOperands(args, depMavenValueOpts)
	deps := false
	var other string
	for _, g := range goals {
		if depMavenGoal(g.v) {
			deps = true
		} else if other == "" {
			other = g.v
		}
	}
	if !deps {
		return nil
	}
	d := &depInstall{tool: name + " " + goals[0].v}
	if other != "" {
		d.refuse = "`" + name + "` also runs `" + other + "`, which reads the source"
	}
	if depHasFlag(args, "-f", "--file") {
		d.refuse = "`" + name + "` reads another pom.xml (-f)"
	}
	for i := range args {
		if v, _, ok := depOptionValue(args, i, "-s", "--settings"); ok && v != "" {
			d.wants = append(d.wants, depWant{rel: v, required: true})
		}
	}
	if name == "mvnw" {
		d.wants = append(d.wants, depWant{rel: depWrapperPath(rc), required: true})
	}
	d.wants = append(d.wants,
		depWant{rel: "pom.xml", required: true, inspect: func(b []byte) (string, []depWant) {
			if bytes.Contains(b, []byte("<modules>")) {
				return "pom.xml is a multi-module build: the modules' pom.xml files are in the source", nil
			}
			return "", nil
		}},
		depWant{rel: ".mvn", dir: true, required: name == "mvnw"})
	return d
}

// depWrapperPath returns the wrapper script a call runs (./mvnw, ./gradlew), relative to
// its folder.
func depWrapperPath(rc depCall) string {
	v, _ := shell.PlainWord(rc.call.Args[rc.idx])
	return v
}

var depGradleValueOpts = map[string]bool{
	"-x": true, "--exclude-task": true, "--console": true, "--warning-mode": true, "-g": true,
	"--gradle-user-home": true, "--project-cache-dir": true, "-p": true, "--project-dir": true,
	"-b": true, "--build-file": true, "-c": true, "--settings-file": true, "-I": true, "--init-script": true,
	"-D": true, "-P": true, "--priority": true,
}

var depGradleTasks = map[string]bool{"dependencies": true, "androidDependencies": true, "resolveDependencies": true, "downloadDependencies": true}

func depGradle(name string, rc depCall, args []depArg) *depInstall {
	tasks := depOperands(args, depGradleValueOpts)
	deps := false
	var other string
	for _, t := range tasks {
		if depGradleTasks[t.v] {
			deps = true
		} else if other == "" {
			other = t.v
		}
	}
	if !deps {
		return nil
	}
	d := &depInstall{tool: name + " " + tasks[0].v}
	if other != "" {
		d.refuse = "`" + name + "` also runs `" + other + "`, which reads the source"
	}
	if depHasFlag(args, "-p", "--project-dir", "-b", "--build-file", "-c", "--settings-file", "-I", "--init-script") {
		d.refuse = "`" + name + "` reads build files from elsewhere"
	}
	scripts := func(b []byte) (string, []depWant) {
		if bytes.Contains(b, []byte("apply from:")) || bytes.Contains(b, []byte("apply(from")) {
			return "the Gradle build applies another script (`apply from`)", nil
		}
		return "", nil
	}
	settings := func(b []byte) (string, []depWant) {
		for _, line := range strings.Split(string(b), "\n") {
			t := strings.TrimSpace(line)
			if strings.HasPrefix(t, "include") || strings.HasPrefix(t, "includeBuild") {
				return "the Gradle settings include other projects, whose build files are in the source", nil
			}
		}
		return scripts(b)
	}
	if name == "gradlew" {
		d.wants = append(d.wants, depWant{rel: depWrapperPath(rc), required: true})
	}
	d.wants = append(d.wants, []depWant{
		{rel: "build.gradle", inspect: scripts},
		{rel: "build.gradle.kts", inspect: scripts},
		{rel: "settings.gradle", inspect: settings},
		{rel: "settings.gradle.kts", inspect: settings},
		{rel: "gradle.properties"},
		{rel: "gradle", dir: true, required: name == "gradlew"},
	}...)
	d.need = func(has func(string) bool) string {
		if !has("build.gradle") && !has("build.gradle.kts") {
			return "build.gradle is not in the build context"
		}
		if has("buildSrc") {
			return "buildSrc/ is compiled with the build (it is in the source)"
		}
		return ""
	}
	return d
}
