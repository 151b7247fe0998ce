package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/dfix-dev/dfix/fix"
	"github.com/pelletier/go-toml/v2"
)

// tree writes files (slash paths relative to a new temporary folder, which is made a
// repository root with a .git folder) and returns the folder.
func tree(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	if err := os.Mkdir(filepath.Join(root, ".git"), 0o777); err != nil {
		t.Fatal(err)
	}
	for name, content := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o777); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func loader(t *testing.T, opts Options) *Loader {
	t.Helper()
	l, err := NewLoader(fix.Rules(), opts)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func settings(t *testing.T, l *Loader, path string) *Settings {
	t.Helper()
	s, err := l.For(path)
	if err != nil {
		t.Fatalf("For(%s): %v", path, err)
	}
	return s
}

func enabled(s *Settings, name string) bool {
	for _, r := range s.Rules {
		if r.Name == name {
			return true
		}
	}
	return false
}

// defaults are the names of the rules on by default.
func defaults() []string {
	var out []string
	for _, r := range fix.Rules() {
		if r.Default {
			out = append(out, r.Name)
		}
	}
	return out
}

func allRules() []string { return RuleNames(fix.Rules()) }

func wantRules(t *testing.T, s *Settings, want []string) {
	t.Helper()
	got := RuleNames(s.Rules)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("rules = %v, want %v", got, want)
	}
}

func without(names []string, drop ...string) []string {
	var out []string
	for _, n := range names {
		if !slices.Contains(drop, n) {
			out = append(out, n)
		}
	}
	return out
}

func TestNearestConfigWins(t *testing.T) {
	root := tree(t, map[string]string{
		".dfix.toml":           "ignore = [\"DL3025\"]\n",
		"a/.dfix.toml":         "select = [\"all\"]\n",
		"a/b/Dockerfile":       "FROM a\n",
		"c/Dockerfile":         "FROM a\n",
		"c/d/e/f/g.dockerfile": "FROM a\n",
	})
	l := loader(t, Options{})
	wantRules(t, settings(t, l, filepath.Join(root, "a/b/Dockerfile")), allRules())
	s := settings(t, l, filepath.Join(root, "c/Dockerfile"))
	wantRules(t, s, without(defaults(), "exec-form"))
	if want := []string{filepath.Join(root, ".dfix.toml")}; !slices.Equal(s.Sources, want) {
		t.Errorf("sources = %v, want %v", s.Sources, want)
	}
	// Deep folders share the root's settings value.
	if s2 := settings(t, l, filepath.Join(root, "c/d/e/f/g.dockerfile")); s2 != s {
		t.Errorf("settings of the same configuration are not shared")
	}
}

func TestStopsAtRepositoryRoot(t *testing.T) {
	outer := t.TempDir()
	if err := os.WriteFile(filepath.Join(outer, FileName), []byte("select = [\"exec-form\"]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	repo := filepath.Join(outer, "repo")
	for _, d := range []string{filepath.Join(repo, ".git"), filepath.Join(repo, "sub")} {
		if err := os.MkdirAll(d, 0o777); err != nil {
			t.Fatal(err)
		}
	}
	l := loader(t, Options{})
	s := settings(t, l, filepath.Join(repo, "sub", "Dockerfile"))
	wantRules(t, s, defaults())
	if len(s.Sources) != 0 {
		t.Errorf("a configuration above the repository root was used: %v", s.Sources)
	}
	// Outside the repository, the file above applies.
	wantRules(t, settings(t, l, filepath.Join(outer, "Dockerfile")), []string{"exec-form"})
}

func TestExtend(t *testing.T) {
	root := tree(t, map[string]string{
		".dfix.toml": `ignore = ["exec-form"]
unsafe-fixes = true
pin-lock = "locks/pins.json"
[rules.exec-form]
[[overrides]]
files = ["svc/legacy/*"]
select = ["shell-syntax"]
`,
		"svc/.dfix.toml": `extend = ".."
unsafe-fixes = false
[[overrides]]
files = ["legacy/Dockerfile"]
ignore = ["shell-syntax"]
`,
		"svc/deep/.dfix.toml": "extend = \"../../.dfix.toml\"\nselect = [\"DL3015\", \"DL3025\"]\n",
	})
	l := loader(t, Options{})
	s := settings(t, l, filepath.Join(root, "svc/app/Dockerfile"))
	wantRules(t, s, without(defaults(), "exec-form"))
	if s.UnsafeFixes {
		t.Error("the child's unsafe-fixes = false did not win")
	}
	if want := filepath.Join(root, "locks/pins.json"); s.PinLock != want {
		t.Errorf("pin-lock = %q, want %q (relative to the file that sets it)", s.PinLock, want)
	}
	if _, ok := s.RuleOptions["exec-form"]; !ok {
		t.Errorf("rule tables are not inherited: %v", s.RuleOptions)
	}
	want := []string{filepath.Join(root, "svc/.dfix.toml"), filepath.Join(root, ".dfix.toml")}
	if !slices.Equal(s.Sources, want) {
		t.Errorf("sources = %v, want %v", s.Sources, want)
	}
	// The parent's override (relative to the parent's folder) applies first, then the
	// child's (relative to the child's): select shell-syntax, then ignore it.
	s = settings(t, l, filepath.Join(root, "svc/legacy/Dockerfile"))
	wantRules(t, s, []string{})
	if len(s.Overrides) != 2 {
		t.Errorf("overrides = %v, want both", s.Overrides)
	}
	// select replaces the inherited selection; the inherited ignore still applies.
	s = settings(t, l, filepath.Join(root, "svc/deep/Dockerfile"))
	wantRules(t, s, []string{"no-install-recommends"})
	if !s.UnsafeFixes {
		t.Error("unsafe-fixes not inherited through a file path extend")
	}
}

func TestExtendErrors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"cycle", map[string]string{
			"a/.dfix.toml": "# a\nextend = \"../b\"\n",
			"b/.dfix.toml": "extend = \"../a/.dfix.toml\"\n",
		}, "b/.dfix.toml:1: extend: cycle: a/.dfix.toml -> b/.dfix.toml -> a/.dfix.toml"},
		{"self", map[string]string{
			"a/.dfix.toml": "extend = \".\"\n",
		}, "a/.dfix.toml:1: extend: cycle: a/.dfix.toml -> a/.dfix.toml"},
		{"missing", map[string]string{
			"a/.dfix.toml": "\n\nextend = \"../nowhere\"\n",
		}, "a/.dfix.toml:3: extend: ../nowhere does not exist"},
		{"folder without config", map[string]string{
			"a/.dfix.toml": "extend = \"../b\"\n",
			"b/x":          "",
		}, "a/.dfix.toml:1: extend: ../b has no .dfix.toml"},
		{"broken parent", map[string]string{
			"a/.dfix.toml": "extend = \"../b\"\n",
			"b/.dfix.toml": "selct = []\n",
		}, `b/.dfix.toml:1: unknown key "selct" (did you mean "select"?)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := tree(t, tc.files)
			t.Chdir(root)
			_, err := loader(t, Options{}).For("a/Dockerfile")
			if err == nil || err.Error() != tc.want {
				t.Fatalf("err = %v, want %s", err, tc.want)
			}
		})
	}
}

func TestFileErrors(t *testing.T) {
	for _, tc := range []struct {
		name, src, want string
	}{
		{"unknown top-level key", "select = [\"all\"]\n\nfoo = 1\n", `.dfix.toml:3: unknown key "foo"`},
		{"misspelt key", "[[overrides]]\nfiles = [\"*\"]\nunsafe-fix = true\n", `.dfix.toml:3: unknown key "unsafe-fix" in [[overrides]] (did you mean "unsafe-fixes"?)`},
		{"key with _", "unsafe_fixes = true\n", `.dfix.toml:1: unknown key "unsafe_fixes" (did you mean "unsafe-fixes"?)`},
		{"several unknown keys", "a = 1\n[[overrides]]\nfiles = [\"*\"]\nfile = 2\n",
			".dfix.toml:1: unknown key \"a\"\n.dfix.toml:4: unknown key \"file\" in [[overrides]] (did you mean \"files\"?)"},
		{"wrong type", "\nselect = \"exec-form\"\n", ".dfix.toml:2: select: expected an array of rule names, found a string"},
		{"wrong bool", "unsafe-fixes = 1\n", ".dfix.toml:1: unsafe-fixes: expected true or false, found an integer"},
		{"rule not a table", "[rules]\nexec-form = true\n", ".dfix.toml:2: rules.exec-form: expected a table ([rules.exec-form]), found a boolean"},
		{"syntax", "select = [\n", ".dfix.toml:1: invalid TOML: array is incomplete"},
		{"duplicate", "pin = true\npin = false\n", ".dfix.toml:2: invalid TOML: key pin is already defined"},
		{"unknown rule in select", "select = [\n  \"exec-form\",\n  \"nope\",\n]\n", ".dfix.toml:3: select: unknown rule \"nope\" (see `dfix rules`)"},
		{"all in ignore", "ignore = [\"all\"]\n", ".dfix.toml:1: ignore: unknown rule \"all\" (see `dfix rules`)"},
		{"unknown rule table", "\n[rules.nope]\n", ".dfix.toml:2: [rules.nope]: unknown rule \"nope\" (see `dfix rules`)"},
		{"rule option", "[rules.DL3025]\n\nstyle = \"x\"\n", ".dfix.toml:3: unknown key \"style\" in [rules.DL3025] (rule exec-form takes no options)"},
		{"override without files", "[[overrides]]\nselect = [\"all\"]\n", ".dfix.toml:1: [[overrides]]: files is missing or empty (an array of glob patterns, relative to this file's folder)"},
		{"bad glob", "[[overrides]]\nfiles = [\n \"ok/*\",\n \"bad[\",\n]\n", ".dfix.toml:4: [[overrides]]: files: \"bad[\" is not a valid glob pattern"},
		{"unknown rule in override", "[[overrides]]\nfiles = [\"*\"]\n[[overrides]]\nfiles = [\"*\"]\nignore = [\"x\"]\n", ".dfix.toml:5: ignore: unknown rule \"x\" (see `dfix rules`)"},
		{"inline override", "overrides = [\n  {files = [\"*\"]},\n  {files = [\"*\"], select = [\"zz\"]},\n]\n", ".dfix.toml:3: select: unknown rule \"zz\" (see `dfix rules`)"},
		{"bad mirror", "registry-mirrors = [\"mirror.gcr.io\"]\n", ".dfix.toml:1: registry-mirrors: \"mirror.gcr.io\" is not REGISTRY=HOST[:PORT][/PATH]"},
		{"empty pin-lock", "pin-lock = \"\"\n", ".dfix.toml:1: pin-lock: empty path"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := tree(t, map[string]string{".dfix.toml": tc.src})
			t.Chdir(root)
			_, err := loader(t, Options{}).For("Dockerfile")
			if err == nil || err.Error() != tc.want {
				t.Fatalf("err =\n%v\nwant\n%s", err, tc.want)
			}
			// --config reports the same error, at once.
			if _, err := NewLoader(fix.Rules(), Options{Config: ".dfix.toml"}); err == nil || err.Error() != tc.want {
				t.Fatalf("--config: err =\n%v\nwant\n%s", err, tc.want)
			}
		})
	}
}

func TestOverrides(t *testing.T) {
	root := tree(t, map[string]string{
		".dfix.toml": `[[overrides]]
files = ["services/**/Dockerfile"]
select = ["exec-form"]
unsafe-fixes = true

[[overrides]]
files = ["*.dev.dockerfile"]
ignore = ["exec-form"]
`,
	})
	l := loader(t, Options{})
	for _, tc := range []struct {
		path   string
		rules  []string
		unsafe bool
	}{
		{"services/api/Dockerfile", []string{"exec-form"}, true},
		{"services/a/b/c/Dockerfile", []string{"exec-form"}, true},
		{"services/Dockerfile", []string{"exec-form"}, true}, // ** matches no folder too
		{"services/api/Dockerfile.prod", defaults(), false},
		{"Dockerfile", defaults(), false},
		{"tools/x.dev.dockerfile", without(defaults(), "exec-form"), false}, // a base-name glob matches anywhere
		{"services/api/app.dev.dockerfile", without(defaults(), "exec-form"), false},
	} {
		s := settings(t, l, filepath.Join(root, tc.path))
		t.Run(tc.path, func(t *testing.T) {
			wantRules(t, s, tc.rules)
			if s.UnsafeFixes != tc.unsafe {
				t.Errorf("unsafe = %v, want %v", s.UnsafeFixes, tc.unsafe)
			}
		})
	}
}

func TestFlagsWin(t *testing.T) {
	root := tree(t, map[string]string{
		".dfix.toml": "select = [\"exec-form\", \"shell-syntax\"]\nunsafe-fixes = true\npin = true\nregistry-mirrors = [\"docker.io=mirror.gcr.io\"]\n",
	})
	f := filepath.Join(root, "Dockerfile")
	no := false
	s := settings(t, loader(t, Options{Flags: Flags{Layer: Layer{Ignore: []string{"shell-syntax"}}, UnsafeFixes: &no}}), f)
	wantRules(t, s, []string{"exec-form"}) // --ignore removes from the configured selection
	if !slices.Equal(s.Ignored, []string{"shell-syntax"}) {
		t.Errorf("ignored = %v", s.Ignored)
	}
	if s.UnsafeFixes || !s.Pin || !slices.Equal(s.RegistryMirrors, []string{"docker.io=mirror.gcr.io"}) {
		t.Errorf("settings = %+v", s)
	}
	lock, mirrors := "my.lock", []string{"docker.io=localhost:5000"}
	s = settings(t, loader(t, Options{Flags: Flags{Layer: Layer{Select: []string{"DL3015"}, HasSelect: true}, PinLock: &lock, RegistryMirrors: mirrors}}), f)
	wantRules(t, s, []string{"no-install-recommends"}) // --select replaces
	if !filepath.IsAbs(s.PinLock) || filepath.Base(s.PinLock) != "my.lock" || !slices.Equal(s.RegistryMirrors, mirrors) {
		t.Errorf("settings = %+v", s)
	}
	if _, err := NewLoader(fix.Rules(), Options{Flags: Flags{Layer: Layer{Select: []string{"nope"}}}}); err == nil || !strings.Contains(err.Error(), `--select: unknown rule "nope"`) {
		t.Errorf("err = %v", err)
	}
}

func TestExplicitAndNoConfig(t *testing.T) {
	root := tree(t, map[string]string{
		".dfix.toml":       "select = [\"exec-form\"]\n",
		"a/.dfix.toml":     "select = [\"shell-syntax\"]\n",
		"a/.hadolint.yaml": "ignored: [DL3025]\n",
		"conf/ci.toml":     "ignore = [\"exec-form\"]\n[[overrides]]\nfiles = [\"../a/**\"]\nselect = [\"DL3015\"]\n",
	})
	f := filepath.Join(root, "a", "Dockerfile")
	s := settings(t, loader(t, Options{Config: filepath.Join(root, "conf/ci.toml")}), f)
	wantRules(t, s, []string{"no-install-recommends"}) // overrides relative to conf/
	s = settings(t, loader(t, Options{Config: filepath.Join(root, "conf/ci.toml")}), filepath.Join(root, "Dockerfile"))
	wantRules(t, s, without(defaults(), "exec-form"))
	s = settings(t, loader(t, Options{Config: filepath.Join(root, "a")}), filepath.Join(root, "Dockerfile"))
	wantRules(t, s, []string{"shell-syntax"}) // --config FOLDER reads its .dfix.toml
	noted := false
	s = settings(t, loader(t, Options{NoConfig: true, Note: func(string) { noted = true }}), f)
	wantRules(t, s, defaults())
	if noted || len(s.Sources) != 0 || s.Hadolint != "" {
		t.Errorf("--no-config read a file: %+v", s)
	}
	if _, err := NewLoader(fix.Rules(), Options{Config: filepath.Join(root, "nope.toml")}); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("err = %v", err)
	}
	if _, err := NewLoader(fix.Rules(), Options{Config: "x", NoConfig: true}); err == nil {
		t.Error("--config with --no-config accepted")
	}
}

func TestHadolintImport(t *testing.T) {
	root := tree(t, map[string]string{
		".hadolint.yaml":             "# hadolint\nignored:\n  - DL3025\n  - DL3008\n  - DL3015\ntrustedRegistries:\n  - docker.io\n",
		"a/Dockerfile":               "",
		"b/.hadolint.yml":            "ignored: []\n",
		"withdfix/.dfix.toml":        "ignore = [\"shell-syntax\"]\n",
		"withdfix/sub/.hadolint.yml": "ignored: [DL3025]\n",
		"broken/.hadolint.yaml":      "ignored: [DL3025\n",
	})
	var notes []string
	var mu sync.Mutex
	l := loader(t, Options{Note: func(m string) { mu.Lock(); notes = append(notes, m); mu.Unlock() }})
	t.Chdir(root)
	for _, f := range []string{"Dockerfile", "a/Dockerfile", "a/b/c/Dockerfile"} {
		s := settings(t, l, f)
		wantRules(t, s, without(defaults(), "exec-form", "no-install-recommends"))
		if s.Hadolint != filepath.Join(root, ".hadolint.yaml") {
			t.Errorf("%s: hadolint = %q", f, s.Hadolint)
		}
	}
	wantRules(t, settings(t, l, "b/Dockerfile"), defaults()) // the nearest hadolint file wins
	// A .dfix.toml, even further up, wins over a .hadolint.yml.
	wantRules(t, settings(t, l, "withdfix/sub/Dockerfile"), without(defaults(), "shell-syntax"))
	want := []string{
		"note: no .dfix.toml applies, using the ignored: list of .hadolint.yaml: ignoring exec-form, no-install-recommends (1 more codes have no dfix rule)",
		"note: no .dfix.toml applies, using the ignored: list of b/.hadolint.yml: its ignored: list is empty",
	}
	if !slices.Equal(notes, want) {
		t.Errorf("notes =\n%s\nwant\n%s", strings.Join(notes, "\n"), strings.Join(want, "\n"))
	}
	_, err := l.For("broken/Dockerfile")
	if err == nil || !strings.HasPrefix(err.Error(), "broken/.hadolint.yaml: not a hadolint configuration: ") {
		t.Errorf("err = %v", err)
	}
}

func TestConcurrentUse(t *testing.T) {
	files := map[string]string{".dfix.toml": "ignore = [\"exec-form\"]\n"}
	for i := range 20 {
		files[fmt.Sprintf("d%d/.dfix.toml", i)] = "extend = \"..\"\n[[overrides]]\nfiles = [\"x/*\"]\nselect = [\"exec-form\"]\n"
	}
	root := tree(t, files)
	l := loader(t, Options{})
	var wg sync.WaitGroup
	errs := make(chan error, 400)
	for i := range 400 {
		wg.Go(func() {
			d := fmt.Sprintf("d%d", i%20)
			want := len(defaults()) - 1
			if i%2 == 0 {
				d += "/x"
				want = 1
			}
			s, err := l.For(filepath.Join(root, d, "Dockerfile"))
			if err != nil {
				errs <- err
			} else if len(s.Rules) != want {
				errs <- fmt.Errorf("%s: %d rules, want %d", d, len(s.Rules), want)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestPrint(t *testing.T) {
	root := tree(t, map[string]string{
		".dfix.toml":     "ignore = [\"exec-form\"]\npin-lock = \"pins.json\"\nregistry-mirrors = [\"docker.io=mirror.gcr.io\"]\n[rules.shell-syntax]\n",
		"svc/.dfix.toml": "extend = \"..\"\n[[overrides]]\nfiles = [\"api/*\"]\nunsafe-fixes = true\n",
	})
	t.Chdir(root)
	s := settings(t, loader(t, Options{}), "svc/api/Dockerfile")
	var b bytes.Buffer
	if err := s.WriteTOML(&b, "svc/api/Dockerfile"); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"# Effective dfix settings for svc/api/Dockerfile\n",
		"# from: svc/.dfix.toml, .dfix.toml\n",
		"# overrides applied: svc/.dfix.toml:2\n",
		"unsafe-fixes = true\n", "pin-lock = 'pins.json'\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("TOML output lacks %q:\n%s", want, out)
		}
	}
	// The TOML output is a configuration with the same effect.
	if err := os.WriteFile(filepath.Join(root, "printed.toml"), b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	s2 := settings(t, loader(t, Options{Config: "printed.toml"}), "elsewhere/Dockerfile")
	if !slices.Equal(RuleNames(s2.Rules), RuleNames(s.Rules)) || s2.UnsafeFixes != s.UnsafeFixes || s2.PinLock != s.PinLock {
		t.Errorf("reading the printed settings back gives %+v, want %+v", s2, s)
	}
	var doc map[string]any
	if err := toml.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	b.Reset()
	if err := s.WriteJSON(&b, "svc/api/Dockerfile"); err != nil {
		t.Fatal(err)
	}
	var j struct {
		Path      string   `json:"path"`
		Sources   []string `json:"sources"`
		Select    []string `json:"select"`
		Unsafe    bool     `json:"unsafe-fixes"`
		PinLock   string   `json:"pin-lock"`
		Mirrors   []string `json:"registry-mirrors"`
		Overrides []string `json:"overrides"`
		Rules     map[string]any
	}
	if err := json.Unmarshal(b.Bytes(), &j); err != nil {
		t.Fatal(err)
	}
	if j.Path != "svc/api/Dockerfile" || len(j.Sources) != 2 || !j.Unsafe || j.PinLock != "pins.json" ||
		slices.Contains(j.Select, "exec-form") || len(j.Mirrors) != 1 || len(j.Overrides) != 1 || j.Rules["shell-syntax"] == nil {
		t.Errorf("JSON output: %s", b.String())
	}
}

func TestForAnswersEachPathForItselfWhenAskedInTurn(t *testing.T) {
	root := tree(t, map[string]string{
		".dfix.toml": "[[overrides]]\nfiles = [\"*.dev.dockerfile\"]\nunsafe-fixes = true\n",
	})
	l := loader(t, Options{})
	dev, plain := filepath.Join(root, "a.dev.dockerfile"), filepath.Join(root, "Dockerfile")
	for i, p := range []string{dev, dev, plain, plain, dev, plain} {
		s := settings(t, l, p)
		if want := p == dev; s.UnsafeFixes != want {
			t.Errorf("ask %d, %s: unsafe = %v, want %v", i, filepath.Base(p), s.UnsafeFixes, want)
		}
	}
}
