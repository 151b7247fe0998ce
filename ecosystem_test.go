package main

// Tests of what dfix ships for the tools around it: the pre-commit hooks, the GitHub
// Action, its own Dockerfile, the GoReleaser configuration and --version, shell
// completion and the man page. pre-commit, GitHub Actions and GoReleaser themselves
// are not available here, so each test does what they would do with these files.

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/dfix-dev/dfix/fix"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"gopkg.in/yaml.v3"
)

// ecoRun runs the CLI in-process and returns its exit code, stdout and stderr.
func ecoRun(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(append([]string{"dfix"}, args...), strings.NewReader(""), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func ecoWriteTree(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o777); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func ecoReadYAML(t *testing.T, name string, v any) {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

// preCommitHook is a hook of .pre-commit-hooks.yaml, with the keys pre-commit reads.
type preCommitHook struct {
	ID                      string   `yaml:"id"`
	Name                    string   `yaml:"name"`
	Description             string   `yaml:"description"`
	Entry                   string   `yaml:"entry"`
	Language                string   `yaml:"language"`
	Files                   string   `yaml:"files"`
	Exclude                 string   `yaml:"exclude"`
	Types                   []string `yaml:"types"`
	Args                    []string `yaml:"args"`
	PassFilenames           *bool    `yaml:"pass_filenames"`
	RequireSerial           bool     `yaml:"require_serial"`
	MinimumPreCommitVersion string   `yaml:"minimum_pre_commit_version"`
	AdditionalDependencies  []string `yaml:"additional_dependencies"`
	AlwaysRun               bool     `yaml:"always_run"`
	Stages                  []string `yaml:"stages"`
	Verbose                 bool     `yaml:"verbose"`
	LanguageVersion         string   `yaml:"language_version"`
}

// TestPreCommitHooks runs the hooks the way pre-commit does: the staged files of a
// repository, filtered by the hook's files and exclude patterns (Python's re.search,
// which Go's regexp matches for these patterns), appended to entry and args, run from
// the repository root with the hook's binary on PATH. For `language: golang`
// pre-commit installs the module's main package as `dfix` (the last element of the
// module path); here the test binary stands in for it (testscript's TestMain puts it
// on PATH as dfix).
func TestPreCommitHooks(t *testing.T) {
	var hooks []preCommitHook
	ecoReadYAML(t, ".pre-commit-hooks.yaml", &hooks)
	byID := map[string]preCommitHook{}
	for _, h := range hooks {
		byID[h.ID] = h
		if h.Language != "golang" || h.Name == "" || h.Files == "" {
			t.Errorf("hook %s: language %q, name %q, files %q", h.ID, h.Language, h.Name, h.Files)
		}
		if f := strings.Fields(h.Entry); len(f) == 0 || f[0] != "dfix" {
			t.Errorf("hook %s: entry %q does not run dfix", h.ID, h.Entry)
		}
	}
	if len(byID) != 2 || byID["dfix"].ID == "" || byID["dfix-fix"].ID == "" {
		t.Fatalf("hooks = %v, want dfix and dfix-fix", hooks)
	}
	if !slices.Contains(strings.Fields(byID["dfix-fix"].Entry), "-w") {
		t.Errorf("dfix-fix entry %q does not fix in place", byID["dfix-fix"].Entry)
	}
	mod, err := os.ReadFile("go.mod")
	if err != nil || !regexp.MustCompile(`(?m)^module \S+/dfix$`).Match(mod) {
		t.Fatalf("language: golang installs the module's binary by the module path's last element; go.mod: %v", err)
	}
	bin, err := exec.LookPath("dfix")
	if err != nil {
		t.Skip("no dfix on PATH (run through go test, whose TestMain provides it)")
	}
	git, err := exec.LookPath("git")
	if err != nil {
		t.Skip("git not installed")
	}

	repo := t.TempDir()
	src := "FROM alpine:3.20\nCMD python app.py\n"
	ecoWriteTree(t, repo, map[string]string{
		".dfix.toml":                      "select = [\"exec-form\"]\n", // hooks read the configuration
		"Dockerfile":                      src,
		"services/api/Containerfile.prod": src,
		"build/app.dockerfile":            src,
		"Dockerfile.j2":                   "FROM {{ base }}\nCMD {{ cmd }}\n", // a template: excluded
		"docker/Dockerfile.sh":            "#!/bin/sh\n",
		"README.md":                       "# app\n",
		"dockerfiles/notes.txt":           "",
	})
	gitRun := func(args ...string) string {
		cmd := exec.Command(git, args...)
		cmd.Dir = repo
		cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	gitRun("init", "-q")
	gitRun("add", "-A")
	staged := strings.Fields(gitRun("diff", "--cached", "--name-only"))

	selectFiles := func(h preCommitHook) []string {
		files := regexp.MustCompile(h.Files)
		exclude := regexp.MustCompile("^$")
		if h.Exclude != "" {
			exclude = regexp.MustCompile(h.Exclude)
		}
		var out []string
		for _, f := range staged {
			if files.MatchString(f) && !exclude.MatchString(f) {
				out = append(out, f)
			}
		}
		return out
	}
	runHook := func(h preCommitHook) (int, string) {
		files := selectFiles(h)
		if h.PassFilenames != nil && !*h.PassFilenames {
			files = nil
		}
		argv := append(append(strings.Fields(h.Entry), h.Args...), files...)
		cmd := exec.Command(bin, argv[1:]...)
		cmd.Dir = repo
		out, err := cmd.CombinedOutput()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return code, string(out)
	}

	want := []string{"Dockerfile", "build/app.dockerfile", "services/api/Containerfile.prod"}
	for _, h := range hooks {
		if got := selectFiles(h); !slices.Equal(got, want) {
			t.Errorf("hook %s selects %v, want %v", h.ID, got, want)
		}
	}
	// The check hook fails on findings and changes nothing.
	code, out := runHook(byID["dfix"])
	if code != exitFindings || strings.Count(out, "exec-form") != 3 {
		t.Errorf("dfix hook: exit %d, want 1:\n%s", code, out)
	}
	for _, f := range want {
		if b, _ := os.ReadFile(filepath.Join(repo, f)); string(b) != src {
			t.Errorf("the check hook changed %s", f)
		}
	}
	// The fix hook fixes everything (exit 0; pre-commit then fails the commit because
	// files changed, as for every formatter); then the check hook passes.
	code, out = runHook(byID["dfix-fix"])
	if code != exitClean {
		t.Errorf("dfix-fix hook: exit %d, want 0:\n%s", code, out)
	}
	for _, f := range want {
		if b, _ := os.ReadFile(filepath.Join(repo, f)); !strings.Contains(string(b), `CMD ["python", "app.py"]`) {
			t.Errorf("dfix-fix did not fix %s:\n%s", f, b)
		}
	}
	if code, out = runHook(byID["dfix"]); code != exitClean {
		t.Errorf("dfix hook after dfix-fix: exit %d, want 0:\n%s", code, out)
	}
}

// ghAction is the part of action.yml this test reads.
type ghAction struct {
	Name        string `yaml:"name"`
	Description string `yaml:"description"`
	Author      string `yaml:"author"`
	Branding    map[string]string
	Inputs      map[string]struct {
		Description string `yaml:"description"`
		Required    bool   `yaml:"required"`
		Default     string `yaml:"default"`
	} `yaml:"inputs"`
	Outputs map[string]struct {
		Description string `yaml:"description"`
		Value       string `yaml:"value"`
	} `yaml:"outputs"`
	Runs struct {
		Using string `yaml:"using"`
		Steps []struct {
			Name             string            `yaml:"name"`
			ID               string            `yaml:"id"`
			Uses             string            `yaml:"uses"`
			With             map[string]string `yaml:"with"`
			Shell            string            `yaml:"shell"`
			WorkingDirectory string            `yaml:"working-directory"`
			Env              map[string]string `yaml:"env"`
			Run              string            `yaml:"run"`
		} `yaml:"steps"`
	} `yaml:"runs"`
}

// TestGitHubAction checks action.yml and runs its dfix step's script as a GitHub
// runner would (bash --noprofile --norc -eo pipefail), with the inputs in the
// environment and the test binary as the installed dfix.
func TestGitHubAction(t *testing.T) {
	var a ghAction
	ecoReadYAML(t, "action.yml", &a)
	if a.Name == "" || a.Description == "" || a.Runs.Using != "composite" {
		t.Fatalf("action.yml: name %q, description %q, runs.using %q", a.Name, a.Description, a.Runs.Using)
	}
	for _, in := range []string{"paths", "args", "sarif-file"} {
		if a.Inputs[in].Description == "" {
			t.Errorf("input %s missing or undocumented", in)
		}
	}
	installs, step := false, -1
	for i, s := range a.Runs.Steps {
		if s.Run == "" {
			continue
		}
		if s.Shell == "" {
			t.Errorf("step %q: a composite run step needs a shell", s.Name)
		}
		// Expressions pasted into a script are a script-injection hole: inputs go
		// through env.
		if strings.Contains(s.Run, "${{") {
			t.Errorf("step %q: ${{ }} inside run:", s.Name)
		}
		if strings.Contains(s.Run, "go install") && s.WorkingDirectory == "${{ github.action_path }}" {
			installs = true
		}
		if s.ID == "dfix" {
			step = i
		}
	}
	if !installs {
		t.Error("no step installs dfix from the action's own source (go install in github.action_path)")
	}
	if step < 0 {
		t.Fatal("no step with id dfix")
	}
	script := a.Runs.Steps[step].Run
	for _, want := range []string{"--format github", "--format sarif", "$INPUT_PATHS", "$INPUT_SARIF_FILE"} {
		if !strings.Contains(script, want) {
			t.Errorf("the dfix step does not use %s", want)
		}
	}
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash not installed")
	}
	if _, err := exec.LookPath("dfix"); err != nil {
		t.Skip("no dfix on PATH (run through go test, whose TestMain provides it)")
	}
	ws := t.TempDir()
	ecoWriteTree(t, ws, map[string]string{
		"Dockerfile":        "FROM alpine:3.20\nCMD python app.py\n",
		"sub/Dockerfile":    "FROM alpine:3.20\nCMD [\"python\", \"app.py\"]\n",
		"other/Dockerfile":  "FROM alpine:3.20\nCMD python other.py\n", // not in paths
		"script.sh":         script,
		"github_output.txt": "",
	})
	runStep := func(paths, args, sarif string) (int, string) {
		cmd := exec.Command(bash, "--noprofile", "--norc", "-eo", "pipefail", "script.sh")
		cmd.Dir = ws
		cmd.Env = append(os.Environ(), "INPUT_PATHS="+paths, "INPUT_ARGS="+args, "INPUT_SARIF_FILE="+sarif,
			"GITHUB_OUTPUT="+filepath.Join(ws, "github_output.txt"))
		out, err := cmd.CombinedOutput()
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode(), string(out)
		} else if err != nil {
			t.Fatal(err)
		}
		return 0, string(out)
	}
	code, out := runStep("Dockerfile\nsub", "--select exec-form --no-config", "dfix.sarif")
	if code != exitFindings {
		t.Errorf("exit %d, want 1:\n%s", code, out)
	}
	if !regexp.MustCompile(`(?m)^::warning file=Dockerfile,line=2,col=1,.*title=dfix exec-form::`).MatchString(out) ||
		strings.Count(out, "::warning") != 1 {
		t.Errorf("annotations:\n%s", out)
	}
	var sarif struct {
		Version string `json:"version"`
		Runs    []struct {
			Results []json.RawMessage `json:"results"`
		} `json:"runs"`
	}
	b, err := os.ReadFile(filepath.Join(ws, "dfix.sarif"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &sarif); err != nil || sarif.Version != "2.1.0" || len(sarif.Runs) != 1 || len(sarif.Runs[0].Results) != 1 {
		t.Errorf("SARIF file (%v):\n%s", err, b)
	}
	if b, _ := os.ReadFile(filepath.Join(ws, "github_output.txt")); string(b) != "exit-code=1\n" {
		t.Errorf("GITHUB_OUTPUT = %q", b)
	}
	// Nothing to report: exit 0 and no SARIF asked for.
	if code, out := runStep("sub", "--no-config", ""); code != 0 || strings.Contains(out, "::") {
		t.Errorf("clean run: exit %d:\n%s", code, out)
	}
	// An error (a path that does not exist) fails with 2 even with a SARIF file.
	if code, _ := runStep("nowhere", "", "x.sarif"); code != exitError {
		t.Errorf("missing path: exit %d, want 2", code)
	}
}

// networkRules need a registry to fix anything (pin-digest looks digests up with
// --pin; without it, it reports every image that is not pinned). dfix's own Dockerfile
// names its images by tag and leaves pinning to the user's registry policy, so the
// self-check leaves these rules out.
var networkRules = []string{"pin-digest"}

// TestOwnDockerfile checks dfix's own Dockerfile for what the issue asks of it, and
// that dfix --select all (but the rules that need the network) finds nothing in it.
func TestOwnDockerfile(t *testing.T) {
	src, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	res, err := parser.Parse(bytes.NewReader(src))
	if err != nil {
		t.Fatal(err)
	}
	var froms, users, entrypoints []*parser.Node
	text := string(src)
	for _, n := range res.AST.Children {
		switch strings.ToLower(n.Value) {
		case "from":
			froms = append(froms, n)
		case "user":
			users = append(users, n)
		case "entrypoint":
			entrypoints = append(entrypoints, n)
		}
	}
	if len(froms) < 2 {
		t.Errorf("%d FROM instructions, want a multi-stage build", len(froms))
	}
	final := froms[len(froms)-1].Next.Value
	if !strings.HasPrefix(final, "gcr.io/distroless/static") && final != "scratch" {
		t.Errorf("final stage FROM %s, want distroless static or scratch", final)
	}
	if len(users) == 0 || users[len(users)-1].StartLine < froms[len(froms)-1].StartLine {
		t.Error("no USER in the final stage")
	} else if u := users[len(users)-1].Next.Value; u == "root" || u == "0" || strings.HasPrefix(u, "0:") || strings.HasPrefix(u, "root:") {
		t.Errorf("USER %s is root", u)
	}
	if len(entrypoints) != 1 || entrypoints[0].Attributes["json"] != true {
		t.Error("want one exec-form (JSON) ENTRYPOINT")
	}
	for _, want := range []string{"CGO_ENABLED=0", "-trimpath", "-X main.version=", "-X main.commit=",
		"org.opencontainers.image.source", "org.opencontainers.image.version", "org.opencontainers.image.revision"} {
		if !strings.Contains(text, want) {
			t.Errorf("Dockerfile lacks %s", want)
		}
	}
	download, copyAll := strings.Index(text, "go mod download"), strings.Index(text, "COPY . .")
	if download < 0 || copyAll < 0 || download > copyAll {
		t.Error("go mod download must come before COPY . . (dependencies cached apart from the source)")
	}
	args := []string{"--no-config", "--select", "all"}
	for _, r := range networkRules {
		if fix.Lookup(fix.Rules(), r) != nil {
			args = append(args, "--ignore", r)
		}
	}
	code, stdout, stderr := ecoRun(t, append(args, "Dockerfile")...)
	if code != exitClean || stdout != "" {
		t.Errorf("dfix %s Dockerfile: exit %d\n%s%s", strings.Join(args, " "), code, stdout, stderr)
	}
}

// goreleaserConfig is the part of .goreleaser.yaml this test reads.
type goreleaserConfig struct {
	Version     int    `yaml:"version"`
	ProjectName string `yaml:"project_name"`
	Builds      []struct {
		ID      string   `yaml:"id"`
		Main    string   `yaml:"main"`
		Binary  string   `yaml:"binary"`
		Env     []string `yaml:"env"`
		Flags   []string `yaml:"flags"`
		Ldflags []string `yaml:"ldflags"`
		Goos    []string `yaml:"goos"`
		Goarch  []string `yaml:"goarch"`
	} `yaml:"builds"`
	Archives []map[string]any `yaml:"archives"`
	Checksum map[string]any   `yaml:"checksum"`
	Rest     map[string]any   `yaml:",inline"`
}

// TestGoReleaser checks .goreleaser.yaml (GoReleaser itself is not installed here):
// valid YAML, the platforms, version stamping, archives and checksums. Then it builds
// dfix with the configuration's own flags and ldflags, values in place of the
// templates, and checks what --version prints.
func TestGoReleaser(t *testing.T) {
	var g goreleaserConfig
	b, err := os.ReadFile(".goreleaser.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, &g); err != nil {
		t.Fatalf(".goreleaser.yaml: %v", err)
	}
	if g.Version != 2 || g.ProjectName != "dfix" || len(g.Builds) != 1 || len(g.Archives) == 0 || g.Checksum == nil {
		t.Fatalf(".goreleaser.yaml: version %d, project %q, %d builds, %d archives, checksum %v",
			g.Version, g.ProjectName, len(g.Builds), len(g.Archives), g.Checksum)
	}
	bd := g.Builds[0]
	slices.Sort(bd.Goos)
	slices.Sort(bd.Goarch)
	if !slices.Equal(bd.Goos, []string{"darwin", "linux", "windows"}) || !slices.Equal(bd.Goarch, []string{"amd64", "arm64"}) {
		t.Errorf("platforms %v x %v", bd.Goos, bd.Goarch)
	}
	ldflags := strings.Join(bd.Ldflags, " ")
	for _, want := range []string{"-X main.version={{.Version}}", "-X main.commit={{.Commit}}"} {
		if !strings.Contains(ldflags, want) {
			t.Errorf("ldflags %q lack %s", ldflags, want)
		}
	}
	if !slices.Contains(bd.Env, "CGO_ENABLED=0") || !slices.Contains(bd.Flags, "-trimpath") {
		t.Errorf("build env %v, flags %v: want a static, trimmed build", bd.Env, bd.Flags)
	}
	if testing.Short() {
		t.Skip("-short: not building a release binary")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go not on PATH")
	}
	// Only the ldflags: the release's -trimpath and CGO_ENABLED=0 would miss the build
	// cache of the tests and rebuild every package (a minute and more on two cores).
	ld := strings.NewReplacer("{{.Version}}", "1.2.3-test", "{{.Commit}}", "abc1234").Replace(ldflags)
	out := filepath.Join(t.TempDir(), "dfix")
	cmd := exec.Command(goBin, "build", "-ldflags", ld, "-o", out, bd.Main)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, msg)
	}
	got, err := exec.Command(out, "--version").Output()
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^dfix version 1\.2\.3-test \(abc1234\), BuildKit parser v\d+\.\d+\.\d+\S*\n$`).Match(got) {
		t.Errorf("--version = %q", got)
	}
}

func TestVersion(t *testing.T) {
	defer func(v, c string) { version, commit = v, c }(version, commit)
	version, commit = "1.2.3", "abc1234"
	code, stdout, _ := ecoRun(t, "--version")
	if code != 0 || !regexp.MustCompile(`^dfix version 1\.2\.3 \(abc1234\), BuildKit parser v\d+\.\d+\.\d+\S*\n$`).MatchString(stdout) {
		t.Errorf("dfix --version: exit %d, %q", code, stdout)
	}
	version, commit = "dev", ""
	if v := versionString(); !strings.HasPrefix(v, "dev") || !strings.Contains(v, ", BuildKit parser v") {
		t.Errorf("versionString() = %q", v)
	}
}

// helpFlags returns every flag spelling (--diff, -d) and command in dfix --help.
func helpFlags(t *testing.T) (flags, commands []string) {
	t.Helper()
	_, help, _ := ecoRun(t, "--help")
	section := ""
	flagRE := regexp.MustCompile(`(?:^|[ ,\[])(--?[a-z][a-z0-9-]*)`)
	for _, line := range strings.Split(help, "\n") {
		if line != "" && line[0] != ' ' {
			section = line
			continue
		}
		head, _, _ := strings.Cut(strings.TrimSpace(line), "  ")
		switch {
		case strings.HasPrefix(section, "GLOBAL OPTIONS"):
			for _, m := range flagRE.FindAllStringSubmatch(head, -1) {
				if !slices.Contains(flags, m[1]) {
					flags = append(flags, m[1])
				}
			}
		case strings.HasPrefix(section, "COMMANDS"):
			if name, _, _ := strings.Cut(head, ","); name != "" {
				commands = append(commands, name)
			}
		}
	}
	if len(flags) < 10 || !slices.Contains(flags, "--diff") || !slices.Contains(flags, "-d") || !slices.Contains(commands, "config") {
		t.Fatalf("cannot read the flags from --help: %v %v\n%s", flags, commands, help)
	}
	return flags, commands
}

func TestCompletionAndManMentionEveryFlag(t *testing.T) {
	flags, commands := helpFlags(t)
	outputs := map[string]string{}
	for _, args := range [][]string{{"completion", "bash"}, {"completion", "zsh"}, {"completion", "fish"}, {"man"}} {
		code, out, stderr := ecoRun(t, args...)
		if code != 0 || out == "" {
			t.Fatalf("dfix %v: exit %d\n%s", args, code, stderr)
		}
		outputs[strings.Join(args, " ")] = out
	}
	for name, out := range outputs {
		for _, f := range flags {
			spelled := f
			if name == "completion fish" { // complete -c dfix -l diff -s d
				if strings.HasPrefix(f, "--") {
					spelled = "-l " + f[2:]
				} else {
					spelled = "-s " + f[1:]
				}
			}
			if !regexp.MustCompile(`(^|[^a-z0-9-])` + regexp.QuoteMeta(spelled) + `([^a-z0-9-]|$)`).MatchString(out) {
				t.Errorf("dfix %s does not mention %s", name, f)
			}
		}
		for _, c := range commands {
			if c != "help" && !strings.Contains(out, c) {
				t.Errorf("dfix %s does not mention the command %s", name, c)
			}
		}
	}
	for _, r := range fix.Rules() {
		for _, name := range []string{"completion bash", "completion zsh", "completion fish"} {
			if !regexp.MustCompile(`[ ("]` + regexp.QuoteMeta(r.Name) + `[ )"\n]`).MatchString(outputs[name]) {
				t.Errorf("dfix %s does not complete the rule %s", name, r.Name)
			}
		}
	}
	if !strings.HasPrefix(outputs["man"], ".nh\n.TH dfix 1") || !strings.Contains(outputs["man"], ".SH EXIT STATUS") {
		t.Errorf("man page head or sections:\n%.300s", outputs["man"])
	}
	if code, _, stderr := ecoRun(t, "completion", "tcsh"); code != exitError || !strings.Contains(stderr, "bash, zsh or fish") {
		t.Errorf("completion tcsh: exit %d, %s", code, stderr)
	}

	// The scripts parse in their shells, where installed.
	for shell, script := range map[string]string{"bash": outputs["completion bash"], "zsh": outputs["completion zsh"], "fish": outputs["completion fish"]} {
		path, err := exec.LookPath(shell)
		if err != nil {
			t.Logf("%s not installed: its completion script is not parsed", shell)
			continue
		}
		if out, err := exec.Command(path, "-n", "-c", script).CombinedOutput(); err != nil {
			t.Errorf("%s -n: %v\n%s", shell, err, out)
		}
	}
	// The man page renders without warnings, where groff is installed.
	if groff, err := exec.LookPath("groff"); err == nil {
		cmd := exec.Command(groff, "-man", "-Tutf8", "-ww", "-z")
		cmd.Stdin = strings.NewReader(outputs["man"])
		if out, err := cmd.CombinedOutput(); err != nil || len(out) > 0 {
			t.Errorf("groff: %v\n%s", err, out)
		}
	}
}

// TestBashCompletion runs the bash completion function on command lines.
func TestBashCompletion(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash not installed")
	}
	_, script, _ := ecoRun(t, "completion", "bash")
	dir := t.TempDir()
	ecoWriteTree(t, dir, map[string]string{"dfix.bash": script, "ci.toml": "", "Dockerfile": ""})
	complete := func(line string) []string {
		t.Helper()
		cmd := exec.Command(bash, "--norc", "-c", `source dfix.bash
read -ra COMP_WORDS <<<"$1"
[[ "$1" == *" " ]] && COMP_WORDS+=("")
COMP_CWORD=$((${#COMP_WORDS[@]}-1))
_dfix
printf '%s\n' "${COMPREPLY[@]}"`, "bash", line)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%q: %v\n%s", line, err, out)
		}
		return strings.Fields(string(out))
	}
	rules := ruleNames()
	for _, tc := range []struct {
		line string
		want []string
	}{
		{"dfix --sel", []string{"--select"}},
		{"dfix --format ", []string{"text", "json", "sarif", "github", "markdown"}},
		{"dfix --color a", []string{"auto", "always"}},
		{"dfix explain ", rules},
		{"dfix completion ", []string{"bash", "zsh", "fish"}},
		{"dfix --config ci", []string{"ci.toml"}},
		{"dfix con", []string{"config"}},
		{"dfix -w Dock", []string{"Dockerfile"}},
	} {
		got := complete(tc.line)
		slices.Sort(got)
		want := slices.Clone(tc.want)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("%q completes to %v, want %v", tc.line, got, want)
		}
	}
	if got := complete("dfix --select exec-form,DL"); len(got) != 0 {
		t.Errorf("rule names only: %v", got)
	}
	got := complete("dfix --ignore exec-form,no-install-r")
	if !slices.Equal(got, []string{"exec-form,no-install-recommends"}) {
		t.Errorf("comma list completes to %v", got)
	}
}

// TestREADMEConfigExample reads the README's .dfix.toml example as a configuration:
// every key and rule name in it must exist.
func TestREADMEConfigExample(t *testing.T) {
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	i := strings.Index(readme, "\n## Configuration\n")
	if i < 0 {
		t.Fatal("README.md has no Configuration section")
	}
	j := strings.Index(readme[i:], "```toml\n")
	if j < 0 {
		t.Fatal("no TOML example in the Configuration section")
	}
	example := readme[i+j+len("```toml\n"):]
	example = example[:strings.Index(example, "```")]
	root := t.TempDir()
	ecoWriteTree(t, root, map[string]string{
		".git/HEAD":                 "",
		".dfix.toml":                "", // what extend = "../.." names
		"a/b/.dfix.toml":            example,
		"a/b/Dockerfile":            "FROM alpine:3.20\n",
		"a/b/services/x/Dockerfile": "FROM alpine:3.20\n",
	})
	for _, f := range []string{"a/b/Dockerfile", "a/b/services/x/Dockerfile"} {
		code, stdout, stderr := ecoRun(t, "config", filepath.Join(root, f))
		if code != 0 {
			t.Fatalf("dfix config %s: exit %d\n%s%s", f, code, stdout, stderr)
		}
	}
}
