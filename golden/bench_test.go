package golden

// Benchmarks over the corpus ($DFIX_CORPUS; skipped when unset): the BuildKit parse
// alone, the floor any BuildKit-based tool pays, against dfix's document layer, its
// check-only run, and the full pipeline with the default rules and with unsafe fixes.
//
//	DFIX_CORPUS=../shared/corpus go test ./golden -run '^$' -bench Corpus -benchtime 5x
//
// Each reports ns/file, allocs/file and B/file over every corpus file, and x-parse: its
// time per file divided by the parse floor's, measured file by file alongside.
// BenchmarkLargeFile needs no corpus: one generated 1 MB file with thousands of fixes,
// which is where work that grows faster than the file shows.

import (
	"bytes"
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dfix-dev/dfix/fix"
	"github.com/dfix-dev/dfix/rewrite"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

var benchCorpus struct {
	once  sync.Once
	files []input
	// What one pass of the BuildKit parse alone over the corpus allocates.
	floorMallocs, floorBytes uint64
}

func corpusForBench(b *testing.B) []input {
	b.Helper()
	d := os.Getenv("DFIX_CORPUS")
	if d == "" {
		b.Skip("DFIX_CORPUS is not set: no corpus to benchmark on")
	}
	benchCorpus.once.Do(func() {
		benchCorpus.files, _ = loadCorpus(b, fromModuleRoot(b, d))
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		for _, f := range benchCorpus.files {
			parseBuildKit(f.src)
		}
		runtime.ReadMemStats(&after)
		benchCorpus.floorMallocs = after.Mallocs - before.Mallocs
		benchCorpus.floorBytes = after.TotalAlloc - before.TotalAlloc
	})
	if len(benchCorpus.files) == 0 {
		b.Fatalf("no files under %s", d)
	}
	return benchCorpus.files
}

func parseBuildKit(src []byte) {
	if _, err := parser.Parse(bytes.NewReader(src)); err != nil {
		_ = err // a file BuildKit refuses costs what it costs
	}
}

// perFile runs fn over every file b.N times and reports its cost per file. Before fn
// runs on a file, the BuildKit parse alone runs on it too, timed apart: x-parse is the
// ratio of the two times, measured side by side so that a noisy machine slows both
// alike. (ns/op counts both; read ns/file.) allocs/file and B/file are fn's alone.
func perFile(b *testing.B, files []input, fn func(input)) {
	b.ReportAllocs()
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	var spent, floor time.Duration
	b.ResetTimer()
	for range b.N {
		for _, f := range files {
			t0 := time.Now()
			parseBuildKit(f.src)
			t1 := time.Now()
			fn(f)
			spent += time.Since(t1)
			floor += t1.Sub(t0)
		}
	}
	b.StopTimer()
	runtime.ReadMemStats(&after)
	n := float64(b.N) * float64(len(files))
	iters := uint64(b.N)
	b.ReportMetric(float64(spent.Nanoseconds())/n, "ns/file")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs-iters*benchCorpus.floorMallocs)/n, "allocs/file")
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc-iters*benchCorpus.floorBytes)/n, "B/file")
	b.ReportMetric(float64(spent)/float64(floor), "x-parse")
}

func defaultRules(b *testing.B) []*fix.Rule {
	rules, err := fix.Select(fix.Rules(), nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	return rules
}

// BenchmarkCorpusParseBuildKit is the floor: BuildKit's parser.Parse alone.
func BenchmarkCorpusParseBuildKit(b *testing.B) {
	files := corpusForBench(b)
	perFile(b, files, func(f input) { parseBuildKit(f.src) })
}

// BenchmarkCorpusDocument is dfix's document layer: the BuildKit parse, the line
// index, every instruction located in the bytes with its logical line and offset map.
func BenchmarkCorpusDocument(b *testing.B) {
	files := corpusForBench(b)
	perFile(b, files, func(f input) { rewrite.Parse(f.name, f.src) })
}

// BenchmarkCorpusCheck is `dfix` without -w/-d/-l: the default rules report, nothing
// is fixed.
func BenchmarkCorpusCheck(b *testing.B) {
	files := corpusForBench(b)
	opts := fix.Options{Rules: defaultRules(b), NoFix: true}
	perFile(b, files, func(f input) { fix.Run(f.name, f.src, opts) })
}

// BenchmarkCorpusFixDefault is `dfix -w` (or -d, -l): the default rules, their safe
// fixes applied round after round, each round re-parsed and checked.
func BenchmarkCorpusFixDefault(b *testing.B) {
	files := corpusForBench(b)
	opts := fix.Options{Rules: defaultRules(b)}
	perFile(b, files, func(f input) { fix.Run(f.name, f.src, opts) })
}

// BenchmarkCorpusFixUnsafe is `dfix -w --unsafe-fixes`.
func BenchmarkCorpusFixUnsafe(b *testing.B) {
	files := corpusForBench(b)
	opts := fix.Options{Rules: defaultRules(b), UnsafeFixes: true}
	perFile(b, files, func(f input) { fix.Run(f.name, f.src, opts) })
}

// largeDockerfile is about size bytes of RUN lines, each with an apt-get install that
// no-install-recommends fixes (unsafe) and a comment line every ten, and a CMD that
// exec-form fixes.
func largeDockerfile(size int) []byte {
	var b strings.Builder
	b.WriteString("FROM debian:12\n")
	for i := 0; b.Len() < size; i++ {
		if i%10 == 0 {
			fmt.Fprintf(&b, "# step %d\n", i)
		}
		fmt.Fprintf(&b, "RUN apt-get update && apt-get install -y pkg%d \\\n    && rm -rf /var/lib/apt/lists/*\n", i)
	}
	b.WriteString("CMD ./run --port 8080\n")
	return []byte(b.String())
}

// BenchmarkLargeFile runs the pipeline on one 1 MB file with about 10,000 fixes, so
// that anything quadratic in the number of instructions or fixes shows (a linear
// search per finding and a per-edit rebuild of the edit table once made this take
// minutes).
func BenchmarkLargeFile(b *testing.B) {
	src := largeDockerfile(1 << 20)
	rules, err := fix.Select(fix.Rules(), nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name string
		opts fix.Options
	}{
		{"check", fix.Options{Rules: rules, NoFix: true}},
		{"default", fix.Options{Rules: rules}},
		{"unsafe", fix.Options{Rules: rules, UnsafeFixes: true}},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(src)))
			b.ReportAllocs()
			for range b.N {
				if _, err := fix.Run("Dockerfile", src, c.opts); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
