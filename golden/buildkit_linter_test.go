package golden

// BuildKit's real linter as the judge of dfix's BuildKit fixes: the full
// dockerfile2llb.DockerfileLint (what `docker build --check` runs), offline, before and
// after `dfix -w`.
//
//	DFIX_CORPUS=../shared/corpus go test ./golden -run BuildKitLinter -v
//
// Deliberate differences are listed in testdata/buildkit-linter.txt, KEY<tab>reason:
//
//	case <func>:<line> <Check> found|fixed   a lint case (TestBuildKitLinterAgreesAfterFix)
//	corpus <mode> <Check>                    more warnings after on the corpus
//	corpus <mode> <Check> <file>             more warnings after in one corpus file

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/dfix-dev/dfix/fix"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/client/llb/sourceresolver"
	"github.com/moby/buildkit/frontend/dockerfile/dockerfile2llb"
	"github.com/moby/buildkit/solver/pb"
	digest "github.com/opencontainers/go-digest"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// offlineResolver answers every image lookup without the network: a fixed image
// config for the platform asked for (linux/amd64 by default), with the usual PATH, and
// a digest derived from the reference.
type offlineResolver struct{}

func (offlineResolver) ResolveImageConfig(_ context.Context, ref string, opt sourceresolver.Opt) (string, digest.Digest, []byte, error) {
	p := ocispecs.Platform{OS: "linux", Architecture: "amd64"}
	if opt.ImageOpt != nil && opt.ImageOpt.Platform != nil {
		p = *opt.ImageOpt.Platform
	}
	cfg := map[string]any{
		"os":           p.OS,
		"architecture": p.Architecture,
		"rootfs":       map[string]any{"type": "layers"},
		"config": map[string]any{
			"Env": []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"},
		},
	}
	if p.Variant != "" {
		cfg["variant"] = p.Variant
	}
	dt, err := json.Marshal(cfg)
	if err != nil {
		return "", "", nil, err
	}
	return ref, digest.FromString(ref), dt, nil
}

var (
	lintDefOnce sync.Once
	lintDef     *llb.Definition // the SourceMap's Definition: BuildKit needs one
)

// bkWarning is one warning of BuildKit's linter: the check and the first line.
type bkWarning struct {
	Check  string
	Line   int
	Detail string
}

// buildkitLint runs BuildKit's full linter over src. BuildKit's own parse or build
// errors (the file is not a Dockerfile it accepts) come back as err.
func buildkitLint(src []byte) (ws []bkWarning, err error) {
	lintDefOnce.Do(func() {
		st := llb.Scratch()
		def, derr := st.Marshal(context.Background())
		if derr != nil {
			panic(derr)
		}
		lintDef = def
	})
	caps := pb.Caps.CapSet(pb.Caps.All())
	sm := llb.NewSourceMap(nil, "Dockerfile", "Dockerfile", src)
	sm.Definition = lintDef
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("BuildKit's linter panicked: %v", r)
		}
	}()
	res, err := dockerfile2llb.DockerfileLint(context.Background(), src, dockerfile2llb.ConvertOpt{
		SourceMap:      sm,
		MetaResolver:   offlineResolver{},
		LLBCaps:        &caps,
		TargetPlatform: &ocispecs.Platform{OS: "linux", Architecture: "amd64"},
	})
	if err != nil {
		return nil, err
	}
	for _, w := range res.Warnings {
		line := 0
		if w.Location != nil && len(w.Location.Ranges) > 0 {
			line = int(w.Location.Ranges[0].Start.Line)
		}
		ws = append(ws, bkWarning{Check: w.RuleName, Line: line, Detail: w.Detail})
	}
	if res.Error != nil {
		return ws, fmt.Errorf("%s", res.Error.Message)
	}
	return ws, nil
}

// buildkitCovered maps each BuildKit check name a dfix rule declares to the rule.
func buildkitCovered() map[string]*fix.Rule {
	covered := map[string]*fix.Rule{}
	for _, r := range fix.Rules() {
		for _, b := range r.BuildKit {
			covered[b] = r
		}
	}
	return covered
}

// TestBuildKitLinterAgreesAfterFix runs BuildKit's real linter on every lint case of
// BuildKit's own test suite (../shared/suites/buildkit/lint_cases.jsonl) before and
// after dfix -w with every rule that covers a BuildKit check (unsafe fixes on): for
// each covered check BuildKit warns about before, dfix flags the same lines, and after
// the fix BuildKit no longer warns for that check.
func TestBuildKitLinterAgreesAfterFix(t *testing.T) {
	cases := readJSONL[buildkitLintCase](t, filepath.Join(suitesDir(t), "buildkit", "lint_cases.jsonl"))
	covered := buildkitCovered()
	var rules []*fix.Rule
	seen := map[*fix.Rule]bool{}
	for _, check := range sortedKeys(covered) {
		if r := covered[check]; !seen[r] {
			seen[r] = true
			rules = append(rules, r)
		}
	}
	ex := parseExceptionFile(t, filepath.Join("testdata", "buildkit-linter.txt"))
	used := map[string]bool{}
	exempt := func(key string) bool {
		if _, ok := ex[key]; ok {
			used[key] = true
			return true
		}
		return false
	}
	var nCases, nWarned, nFixed, nOracle int
	for _, c := range cases {
		if c.Dockerfile == nil {
			continue // built with fmt.Sprintf in BuildKit's test: no literal text
		}
		if c.OtherParams["FrontendAttrs"] != nil || c.OtherParams["UnmarshalWarnings"] != nil {
			continue // check settings passed at build time, or warnings in another form
		}
		nCases++
		name := fmt.Sprintf("%s:%d", c.Func, c.Line)
		src := []byte(*c.Dockerfile)
		before, berr := buildkitLint(src)
		if berr != nil && len(before) == 0 {
			t.Logf("%s: BuildKit's linter fails before any warning (%v): skipped", name, berr)
			continue
		}
		// Our offline linter should see what BuildKit's test expects for the checks
		// dfix covers; a mismatch means the harness is wrong, not dfix.
		for _, check := range sortedKeys(covered) {
			want, got := linesOf(c.Warnings, check), bkLines(before, check)
			nOracle++
			if fmt.Sprint(want) != fmt.Sprint(got) && !exempt(fmt.Sprintf("case %s %s linter", name, check)) {
				t.Errorf("%s %s: BuildKit's test expects warnings on lines %v, the offline linter gives %v", name, check, want, got)
			}
		}
		res, err := fix.Run("Dockerfile", src, fix.Options{Rules: rules, UnsafeFixes: true})
		if err != nil {
			for _, check := range sortedKeys(covered) {
				if len(bkLines(before, check)) > 0 && !exempt(fmt.Sprintf("case %s %s found", name, check)) {
					t.Errorf("%s: BuildKit warns %s, dfix refuses the file: %v\n%s", name, check, err, src)
				}
			}
			continue
		}
		after, aerr := buildkitLint(res.Output)
		if aerr != nil && berr == nil {
			t.Errorf("%s: BuildKit's linter accepted the input but fails on dfix's output: %v\n--- input\n%s--- output\n%s", name, aerr, src, res.Output)
		}
		// No check at all, covered or not, warns more often after the fix.
		b, a := countChecks(before), countChecks(after)
		for _, check := range sortedKeys(a) {
			if _, ok := covered[check]; !ok && a[check] > b[check] && !exempt(fmt.Sprintf("case %s %s more", name, check)) {
				t.Errorf("%s: dfix -w makes BuildKit warn %s %d times, %d before: %v\n--- input\n%s--- output\n%s", name, check, a[check], b[check], bkWarningsOf(after, check), src, res.Output)
			}
		}
		for _, check := range sortedKeys(covered) {
			r := covered[check]
			want := bkLines(before, check)
			if len(want) == 0 {
				if n := len(bkLines(after, check)); n > 0 && !exempt(fmt.Sprintf("case %s %s fixed", name, check)) {
					t.Errorf("%s: BuildKit did not warn %s before dfix -w, warns %d times after\n--- input\n%s--- output\n%s", name, check, n, src, res.Output)
				}
				continue
			}
			nWarned++
			got := map[int]bool{}
			for _, d := range res.Findings {
				if d.Rule == r {
					got[res.Doc.LineOf(d.Start)] = true
				}
			}
			var missed []int
			for _, l := range want {
				if !got[l] {
					missed = append(missed, l)
				}
			}
			if len(missed) > 0 && !exempt(fmt.Sprintf("case %s %s found", name, check)) {
				t.Errorf("%s: BuildKit warns %s on lines %v, dfix's %s does not flag %v\n%s", name, check, want, r.Name, missed, src)
			}
			if left := bkWarningsOf(after, check); len(left) > 0 {
				if !exempt(fmt.Sprintf("case %s %s fixed", name, check)) {
					t.Errorf("%s: after dfix -w BuildKit still warns %s: %v\n--- input\n%s--- output\n%s", name, check, left, src, res.Output)
				}
				continue
			}
			nFixed++
		}
	}
	for key := range ex {
		if strings.HasPrefix(key, "case ") && !used[key] {
			t.Errorf("testdata/buildkit-linter.txt lists %q, but it no longer happens: remove it", key)
		}
	}
	t.Logf("%d BuildKit lint cases, %d checks covered by dfix (%d case×check comparisons of the offline linter with BuildKit's expectations): BuildKit warned %d case×check times, dfix -w cleared %d",
		nCases, len(covered), nOracle, nWarned, nFixed)
}

func linesOf(ws []struct {
	RuleName string
	Line     int
}, check string) []int {
	set := map[int]bool{}
	for _, w := range ws {
		if w.RuleName == check {
			set[w.Line] = true
		}
	}
	return sortedInts(set)
}

func bkLines(ws []bkWarning, check string) []int {
	set := map[int]bool{}
	for _, w := range ws {
		if w.Check == check {
			set[w.Line] = true
		}
	}
	return sortedInts(set)
}

func bkWarningsOf(ws []bkWarning, check string) []string {
	var out []string
	for _, w := range ws {
		if w.Check == check {
			out = append(out, fmt.Sprintf("line %d: %s", w.Line, w.Detail))
		}
	}
	return out
}

func sortedInts(set map[int]bool) []int {
	out := []int{}
	for l := range set {
		out = append(out, l)
	}
	sort.Ints(out)
	return out
}

// TestBuildKitLinterNeverWarnsMoreOnCorpus runs BuildKit's linter over every file of
// $DFIX_CORPUS before and after dfix -w (default rules, then with --unsafe-fixes):
// for every check, BuildKit warns no more often after than before, file by file.
func TestBuildKitLinterNeverWarnsMoreOnCorpus(t *testing.T) {
	dir := corpusDir(t)
	files, _ := loadCorpus(t, dir)
	if len(files) == 0 {
		t.Fatalf("no files under %s", dir)
	}
	def, err := fix.Select(fix.Rules(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	ex := parseExceptionFile(t, filepath.Join("testdata", "buildkit-linter.txt"))
	used := map[string]bool{}
	start := time.Now()

	// BuildKit's warnings on the inputs, once for both modes.
	type lintOut struct {
		ws  []bkWarning
		err error
	}
	beforeOf := make([]lintOut, len(files))
	parallel(len(files), func(i int) {
		ws, err := buildkitLint(files[i].src)
		beforeOf[i] = lintOut{ws, err}
	})
	rejected := map[string]int{}
	for _, b := range beforeOf {
		if b.err != nil {
			rejected[errorKind(b.err)]++
		}
	}
	var rj strings.Builder
	for _, k := range sortedKeys(rejected) {
		fmt.Fprintf(&rj, "  %5d  %s\n", rejected[k], k)
	}
	t.Logf("BuildKit's linter on %d corpus files: %v; files it rejects (no comparison past the error), by reason:\n%s",
		len(files), time.Since(start).Round(time.Millisecond), rj.String())

	for _, mode := range []struct {
		label string
		opts  fix.Options
	}{
		{"default", fix.Options{Rules: def}},
		{"unsafe", fix.Options{Rules: def, UnsafeFixes: true}},
	} {
		modeStart := time.Now()
		afterOf := make([]lintOut, len(files))
		changed := make([]bool, len(files))
		outputs := make([][]byte, len(files))
		parallel(len(files), func(i int) {
			res, err := fix.Run(filepath.Join(dir, files[i].name), files[i].src, mode.opts)
			if err != nil || !res.Changed() {
				afterOf[i] = beforeOf[i]
				return
			}
			changed[i] = true
			outputs[i] = res.Output
			ws, err := buildkitLint(res.Output)
			afterOf[i] = lintOut{ws, err}
		})
		type row struct{ before, after, filesBefore, filesAfter, worse int }
		rows := map[string]*row{}
		get := func(c string) *row {
			if rows[c] == nil {
				rows[c] = &row{}
			}
			return rows[c]
		}
		nChanged, brokeLint, failBefore := 0, 0, 0
		shown := 0
		for i, in := range files {
			if beforeOf[i].err != nil {
				failBefore++
			}
			b, a := countChecks(beforeOf[i].ws), countChecks(afterOf[i].ws)
			for c, n := range b {
				get(c).before += n
				get(c).filesBefore++
			}
			for c, n := range a {
				get(c).after += n
				get(c).filesAfter++
			}
			if !changed[i] {
				continue
			}
			nChanged++
			if beforeOf[i].err == nil && afterOf[i].err != nil {
				brokeLint++
				t.Errorf("%s %s: BuildKit's linter accepts the input, fails on dfix's output: %v", mode.label, in.name, afterOf[i].err)
			}
			for c, n := range a {
				if n <= b[c] {
					continue
				}
				get(c).worse++
				key := fmt.Sprintf("corpus %s %s %s", mode.label, c, in.name)
				if _, ok := ex[key]; ok {
					used[key] = true
					continue
				}
				if _, ok := ex[fmt.Sprintf("corpus %s %s", mode.label, c)]; ok {
					used[fmt.Sprintf("corpus %s %s", mode.label, c)] = true
					continue
				}
				if shown < maxShown {
					shown++
					t.Errorf("%s %s: dfix -w makes BuildKit warn %s %d times, %d before\nbefore: %v\nafter:  %v\n--- output\n%s",
						mode.label, in.name, c, n, b[c], bkWarningsOf(beforeOf[i].ws, c), bkWarningsOf(afterOf[i].ws, c), outputs[i])
				} else {
					t.Errorf("%s %s: dfix -w makes BuildKit warn %s %d times, %d before", mode.label, in.name, c, n, b[c])
				}
			}
		}
		var tb strings.Builder
		w := tabwriter.NewWriter(&tb, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(w, "check\twarnings before\tafter\tfiles before\tafter\tfiles worse\t")
		tot := row{}
		for _, c := range sortedKeys(rows) {
			r := rows[c]
			fmt.Fprintf(w, "%s\t%d\t%d\t%d\t%d\t%d\t\n", c, r.before, r.after, r.filesBefore, r.filesAfter, r.worse)
			tot.before += r.before
			tot.after += r.after
			tot.worse += r.worse
		}
		fmt.Fprintf(w, "total\t%d\t%d\t\t\t%d\t\n", tot.before, tot.after, tot.worse)
		w.Flush()
		t.Logf("BuildKit's linter before/after dfix -w (default rules%s) on %d files (%d that BuildKit's linter rejects), %d changed by dfix, %d made the linter fail; %v:\n%s",
			map[bool]string{true: ", --unsafe-fixes"}[mode.opts.UnsafeFixes], len(files), failBefore, nChanged, brokeLint,
			time.Since(modeStart).Round(time.Millisecond), tb.String())
	}
	for key := range ex {
		if strings.HasPrefix(key, "corpus ") && !used[key] {
			t.Errorf("testdata/buildkit-linter.txt lists %q, but dfix no longer makes BuildKit warn more: remove it", key)
		}
	}
	t.Logf("total %v", time.Since(start).Round(time.Millisecond))
}

// errorKind is an error message with its quoted and numeric parts blanked, for counts.
func errorKind(err error) string {
	msg := err.Error()
	var b strings.Builder
	quoted := false
	for _, r := range msg {
		switch {
		case r == '"':
			if !quoted {
				b.WriteString(`"…"`)
			}
			quoted = !quoted
		case quoted:
		case r >= '0' && r <= '9':
			if !strings.HasSuffix(b.String(), "N") {
				b.WriteByte('N')
			}
		default:
			b.WriteRune(r)
		}
	}
	if s := b.String(); len(s) > 100 {
		return s[:100] + "…"
	}
	return b.String()
}

func countChecks(ws []bkWarning) map[string]int {
	m := map[string]int{}
	for _, w := range ws {
		m[w.Check]++
	}
	return m
}

// parallel calls fn(0..n-1) on GOMAXPROCS workers.
func parallel(n int, fn func(i int)) {
	work := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				fn(i)
			}
		}()
	}
	for i := 0; i < n; i++ {
		work <- i
	}
	close(work)
	wg.Wait()
}
