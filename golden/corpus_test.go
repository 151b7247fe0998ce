package golden

// The corpus suite: every promise of Check on every file of $DFIX_CORPUS (real
// Dockerfiles nobody wrote for dfix) and on the inputs of other projects' test suites
// under ../shared/suites, with the default rules and again with --unsafe-fixes.
//
//	DFIX_CORPUS=../shared/corpus go test ./golden -run 'Corpus|SuiteInputs' -v
//
// prints a table per run: files, parsed, changed, findings and fixes per rule, files
// skipped and why, broken promises.

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/dfix-dev/dfix/fix"
	"github.com/dfix-dev/dfix/rewrite"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// input is one Dockerfile text to check, named for messages.
type input struct {
	name string
	src  []byte
}

// corpusDir returns $DFIX_CORPUS resolved against the module root, or skips.
func corpusDir(t testing.TB) string {
	t.Helper()
	d := os.Getenv("DFIX_CORPUS")
	if d == "" {
		t.Skip("DFIX_CORPUS is not set: skipping the corpus of real Dockerfiles (CI sets DFIX_CORPUS=../shared/corpus)")
	}
	d = fromModuleRoot(t, d)
	if fi, err := os.Stat(d); err != nil || !fi.IsDir() {
		t.Fatalf("DFIX_CORPUS=%s: not a folder", d)
	}
	return d
}

// loadCorpus reads every regular file under dir, except the corpus's own
// documentation (*.md, *.tsv), which is listed in skipped with the reason.
func loadCorpus(t testing.TB, dir string) (files []input, skipped map[string]int) {
	t.Helper()
	skipped = map[string]int{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(dir, p)
		switch {
		case !d.Type().IsRegular():
			skipped["not a regular file"]++
			return nil
		case strings.HasSuffix(p, ".md") || strings.HasSuffix(p, ".tsv"):
			skipped["the corpus's documentation (*.md, *.tsv), not a Dockerfile"]++
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		files = append(files, input{name: filepath.ToSlash(rel), src: b})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files, skipped
}

// tally counts what a run over many inputs did, for the table.
type tally struct {
	label string
	mu    sync.Mutex

	files, parsedBK, read, changed, patched int
	refused                                 map[string]int // dfix's parse errors by message
	refusedParsed                           map[string]int // ... of files BuildKit parses
	skipped                                 map[string]int // not checked at all, by reason
	findings, fixable, fixed, remaining     map[string]int // by rule
	problems                                map[string]int // dfix's own failures, by rule
	broken                                  map[string]int // broken promises, by promise
	shown                                   map[string]int // messages printed per promise
	elapsed                                 time.Duration
}

func newTally(label string) *tally {
	return &tally{label: label, refused: map[string]int{}, refusedParsed: map[string]int{},
		skipped: map[string]int{}, findings: map[string]int{}, fixable: map[string]int{},
		fixed: map[string]int{}, remaining: map[string]int{}, problems: map[string]int{},
		broken: map[string]int{}, shown: map[string]int{}}
}

// maxShown bounds the messages printed per broken promise; the table has the count.
const maxShown = 15

// checkAll runs Check on every input with a pool of workers, reports every broken
// promise and every dfix problem as a test error (the first few of each kind in full),
// and returns the counts. The --diff output goes through `patch -p1` for every
// changed file when patchEvery is 1, else for one changed file in patchEvery (picked
// by name, the same each run): patch is two thirds of the time.
func checkAll(t *testing.T, label string, inputs []input, fo fix.Options, patchEvery uint32) *tally {
	t.Helper()
	_, perr := exec.LookPath("patch")
	co := Options{Patch: perr == nil}
	tl := newTally(label)
	start := time.Now()
	work := make(chan input)
	var wg sync.WaitGroup
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for in := range work {
				c := co
				if patchEvery > 1 {
					h := fnv.New32a()
					h.Write([]byte(in.name))
					c.Patch = c.Patch && h.Sum32()%patchEvery == 0
				}
				tl.one(t, in, fo, c)
			}
		}()
	}
	for _, in := range inputs {
		work <- in
	}
	close(work)
	wg.Wait()
	tl.elapsed = time.Since(start)
	return tl
}

func (tl *tally) one(t *testing.T, in input, fo fix.Options, co Options) {
	parsed := buildkitParses(in.src)
	var (
		res *fix.Result
		vs  []Violation
	)
	func() {
		defer func() {
			if p := recover(); p != nil {
				vs = append(vs, Violation{"no panic", fmt.Sprint(p)})
			}
		}()
		res, vs = Check(in.name, in.src, fo, co)
	}()
	var refusal string
	if res == nil {
		if _, err := fix.Run(in.name, in.src, fix.Options{}); err != nil {
			var pe *rewrite.ParseError
			if errors.As(err, &pe) {
				refusal = pe.Err.Error()
				if pe.Path != in.name {
					vs = append(vs, Violation{"a parse error names the file", fmt.Sprintf("%q names %q", err, pe.Path)})
				}
			} else {
				refusal = err.Error()
			}
		}
	}

	tl.mu.Lock()
	defer tl.mu.Unlock()
	tl.files++
	if parsed {
		tl.parsedBK++
	}
	for _, v := range vs {
		tl.broken[v.Promise]++
		if tl.shown[v.Promise] < maxShown {
			tl.shown[v.Promise]++
			t.Errorf("%s: %s: broken promise: %v", tl.label, in.name, v)
		}
	}
	if res == nil {
		if refusal != "" {
			tl.refused[refusal]++
			if parsed {
				tl.refusedParsed[refusal]++
			}
		}
		return
	}
	tl.read++
	if res.Changed() {
		tl.changed++
		if co.Patch {
			tl.patched++
		}
	}
	for _, d := range res.Findings {
		tl.findings[d.Rule.Name]++
		if d.Fixable(fo.UnsafeFixes) {
			tl.fixable[d.Rule.Name]++
		}
	}
	for _, d := range res.Fixed {
		tl.fixed[d.Rule.Name]++
	}
	for _, d := range res.Remaining {
		tl.remaining[d.Rule.Name]++
	}
	for _, p := range res.Problems {
		tl.problems[p.Rule]++
		const promise = "no internal problems"
		tl.broken[promise]++
		if tl.shown[promise] < maxShown {
			tl.shown[promise]++
			t.Errorf("%s: %s: dfix problem: %s", tl.label, in.name, p)
		}
	}
}

func buildkitParses(src []byte) bool {
	res, err := parser.Parse(bytes.NewReader(src))
	return err == nil && res != nil && res.AST != nil && len(res.AST.Children) > 0
}

// table renders the counts.
func (tl *tally) table() string {
	var b strings.Builder
	fmt.Fprintf(&b, "\n== %s (%.2fs) ==\n", tl.label, tl.elapsed.Seconds())
	w := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintf(w, "files checked\t%d\n", tl.files)
	fmt.Fprintf(w, "parsed by BuildKit\t%d\n", tl.parsedBK)
	fmt.Fprintf(w, "read by dfix\t%d\n", tl.read)
	fmt.Fprintf(w, "changed by the fixes\t%d\t(--diff checked with patch -p1 on %d)\n", tl.changed, tl.patched)
	w.Flush()
	if len(tl.skipped) > 0 {
		b.WriteString("skipped, not checked:\n")
		writeCounts(&b, tl.skipped)
	}
	if len(tl.refused) > 0 {
		b.WriteString("refused by dfix (the promise is then: a parse error naming the file, nothing written):\n")
		writeCounts(&b, tl.refused)
	}
	if len(tl.refusedParsed) > 0 {
		b.WriteString("  of which BuildKit parses (dfix is stricter):\n")
		writeCounts(&b, tl.refusedParsed)
	}
	rules := map[string]bool{}
	for _, m := range []map[string]int{tl.findings, tl.fixed, tl.remaining, tl.problems} {
		for r := range m {
			rules[r] = true
		}
	}
	names := make([]string, 0, len(rules))
	for r := range rules {
		names = append(names, r)
	}
	sort.Strings(names)
	w = tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(w, "rule\tfindings\tfixable\tfixed\tremaining\tproblems\t\n")
	var tf, tx, td, tr, tp int
	for _, r := range names {
		fmt.Fprintf(w, "%s\t%d\t%d\t%d\t%d\t%d\t\n", r, tl.findings[r], tl.fixable[r], tl.fixed[r], tl.remaining[r], tl.problems[r])
		tf, tx, td, tr, tp = tf+tl.findings[r], tx+tl.fixable[r], td+tl.fixed[r], tr+tl.remaining[r], tp+tl.problems[r]
	}
	fmt.Fprintf(w, "total\t%d\t%d\t%d\t%d\t%d\t\n", tf, tx, td, tr, tp)
	w.Flush()
	if len(tl.broken) == 0 {
		b.WriteString("broken promises: none\n")
	} else {
		b.WriteString("broken promises:\n")
		writeCounts(&b, tl.broken)
	}
	return b.String()
}

func writeCounts(b *strings.Builder, m map[string]int) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if m[keys[i]] != m[keys[j]] {
			return m[keys[i]] > m[keys[j]]
		}
		return keys[i] < keys[j]
	})
	for _, k := range keys {
		fmt.Fprintf(b, "  %6d  %s\n", m[k], k)
	}
}

// configs are the rule sets every input is checked with: what `dfix -w` and
// `dfix -w --unsafe-fixes` apply, and every rule (also those off by default) with
// unsafe fixes. The first checks the --diff of every changed file with patch, the
// others one in eight.
func configs(t *testing.T) []config {
	def, err := fix.Select(fix.Rules(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	cs := []config{
		{"default rules", fix.Options{Rules: def}, 1},
		{"default rules, --unsafe-fixes", fix.Options{Rules: def, UnsafeFixes: true}, 8},
	}
	if all := allRules(t, true); len(all.Rules) != len(def) {
		cs = append(cs, config{"all rules, --unsafe-fixes", all, 8})
	}
	return cs
}

// config is one way of running every input: the rules, and how many of the changed
// files get the patch check (1: all; n: one in n).
type config struct {
	label      string
	opts       fix.Options
	patchEvery uint32
}

// TestCorpus checks every promise on every file of $DFIX_CORPUS.
func TestCorpus(t *testing.T) {
	dir := corpusDir(t)
	files, skipped := loadCorpus(t, dir)
	if len(files) == 0 {
		t.Fatalf("no files under %s", dir)
	}
	for _, c := range configs(t) {
		t.Run(c.label, func(t *testing.T) {
			tl := checkAll(t, "corpus "+os.Getenv("DFIX_CORPUS")+", "+c.label, files, c.opts, c.patchEvery)
			for k, n := range skipped {
				tl.skipped[k] += n
			}
			t.Log(tl.table())
		})
	}
}

// TestSuiteInputsKeepEveryPromise runs the Dockerfiles of other projects' test suites
// (../shared/suites: hadolint's rule specs, PARFUM's fixtures and rule tests, BuildKit's
// lint cases, the formatters' inputs and expected outputs, checkov's check fixtures)
// through the same promises. BuildKit's parser test files have their own test in
// suites_test.go.
func TestSuiteInputsKeepEveryPromise(t *testing.T) {
	dir := suitesDir(t)
	inputs, skipped := suiteInputs(t, dir)
	if len(inputs) == 0 {
		t.Fatalf("no suite inputs under %s", dir)
	}
	for _, c := range configs(t) {
		t.Run(c.label, func(t *testing.T) {
			tl := checkAll(t, "suites, "+c.label, inputs, c.opts, 1)
			for k, n := range skipped {
				tl.skipped[k] += n
			}
			t.Log(tl.table())
		})
	}
}

// suiteInputs gathers the Dockerfile texts of the suites, named SUITE:WHERE.
func suiteInputs(t testing.TB, dir string) ([]input, map[string]int) {
	var out []input
	skipped := map[string]int{}
	add := func(name, src string) { out = append(out, input{name, []byte(src)}) }

	// hadolint: each case's dockerfile text, as its test helper parses it (text + "\n").
	eachJSONL(t, filepath.Join(dir, "hadolint", "hadolint_rule_cases.jsonl"), func(i int, raw []byte) {
		var c struct {
			Source     string `json:"source"`
			Line       int    `json:"line"`
			Dockerfile string `json:"dockerfile"`
		}
		mustUnmarshal(t, raw, &c)
		add(fmt.Sprintf("hadolint:%s:%d", c.Source, c.Line), c.Dockerfile+"\n")
	})

	// PARFUM: the fixture files, the expected repairs, and the texts of its rule tests
	// (a shell snippet is wrapped into a RUN).
	for _, sub := range []string{"data", "repaired_data"} {
		paths, _ := filepath.Glob(filepath.Join(dir, "parfum", "tests", sub, "*"))
		for _, p := range paths {
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			add("parfum:tests/"+sub+"/"+filepath.Base(p), string(b))
		}
	}
	eachJSONL(t, filepath.Join(dir, "parfum", "rule_tests.jsonl"), func(i int, raw []byte) {
		var c struct {
			Source string `json:"source"`
			Line   int    `json:"line"`
			Steps  []struct {
				Op   string `json:"op"`
				Kind string `json:"kind"`
				Text string `json:"text"`
			} `json:"steps"`
		}
		mustUnmarshal(t, raw, &c)
		for _, s := range c.Steps {
			switch {
			case s.Op == "parse" && s.Kind == "docker":
				add(fmt.Sprintf("parfum:%s:%d", c.Source, c.Line), s.Text)
			case s.Op == "parse" && s.Kind == "shell":
				add(fmt.Sprintf("parfum:%s:%d (shell, in a RUN)", c.Source, c.Line), "FROM debian\nRUN "+s.Text+"\n")
			case s.Op == "parse":
				skipped["parfum: parse step of unknown kind "+s.Kind]++
			}
		}
	})

	// BuildKit's lint cases (the parser test files are checked in suites_test.go).
	eachJSONL(t, filepath.Join(dir, "buildkit", "lint_cases.jsonl"), func(i int, raw []byte) {
		var c struct {
			Source     string  `json:"source"`
			Line       int     `json:"line"`
			Dockerfile *string `json:"dockerfile"`
		}
		mustUnmarshal(t, raw, &c)
		if c.Dockerfile == nil {
			skipped["buildkit lint case built by a Go expression, no literal text"]++
			return
		}
		add(fmt.Sprintf("buildkit:%s:%d", c.Source, c.Line), *c.Dockerfile)
	})

	// Formatters: their inputs and expected outputs are awkward Dockerfiles.
	eachJSONL(t, filepath.Join(dir, "dockerfile-utils", "formatter_cases.jsonl"), func(i int, raw []byte) {
		var c struct {
			Source   string `json:"source"`
			Line     int    `json:"line"`
			Input    string `json:"input"`
			Expected string `json:"expected"`
		}
		mustUnmarshal(t, raw, &c)
		add(fmt.Sprintf("dockerfile-utils:%s:%d input", c.Source, c.Line), c.Input)
		add(fmt.Sprintf("dockerfile-utils:%s:%d expected", c.Source, c.Line), c.Expected)
	})
	eachJSONL(t, filepath.Join(dir, "dprint-plugin-dockerfile", "spec_cases.jsonl"), func(i int, raw []byte) {
		var c struct {
			Source   string `json:"source"`
			Name     string `json:"name"`
			Input    string `json:"input"`
			Expected string `json:"expected"`
		}
		mustUnmarshal(t, raw, &c)
		add(fmt.Sprintf("dprint:%s: %s: input", c.Source, c.Name), c.Input)
		add(fmt.Sprintf("dprint:%s: %s: expected", c.Source, c.Name), c.Expected)
	})
	for _, root := range []string{"dockerfmt/tests", "checkov/tests"} {
		suite := strings.SplitN(root, "/", 2)[0]
		filepath.WalkDir(filepath.Join(dir, root), func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return nil
			}
			name := strings.ToLower(d.Name())
			if !strings.Contains(name, "dockerfile") && !strings.Contains(name, "containerfile") {
				skipped[suite+": not a Dockerfile by its name"]++
				return nil
			}
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			rel, _ := filepath.Rel(dir, p)
			add(filepath.ToSlash(rel), string(b))
			return nil
		})
	}
	return out, skipped
}

func eachJSONL(t testing.TB, path string, fn func(i int, raw []byte)) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("suite file: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 1<<20), 64<<20)
	for i := 0; sc.Scan(); i++ {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		fn(i, sc.Bytes())
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func mustUnmarshal(t testing.TB, raw []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatalf("suite case %.80s: %v", raw, err)
	}
}
