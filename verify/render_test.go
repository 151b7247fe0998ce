package verify

import (
	"strings"
	"testing"
	"time"
)

func sampleReports() []*Report {
	return []*Report{
		{Path: "api/Dockerfile", Rules: []string{"no-install-recommends", "apt-lists-cleanup"}, Status: Pass,
			Original: &Build{OK: true, Size: 153_300_000, Layers: make([]Layer, 5), Seconds: 31.2, Smoke: &Smoke{OK: true}},
			Fixed:    &Build{OK: true, Size: 129_000_000, Layers: make([]Layer, 5), Seconds: 12.04, Smoke: &Smoke{OK: true}},
			Files: &FileDiff{LacksFiles: 120, LacksBytes: 24_300_000,
				Lacks: []Group{{Name: "/var/lib/apt", Files: 20, Bytes: 19_000_000}, {Name: "perl-modules-5.36", Package: true, Files: 100, Bytes: 5_300_000}}},
			PerRule: []RuleSize{{Rule: "no-install-recommends", OK: true, Saved: 5_300_000}, {Rule: "apt-lists-cleanup", OK: true, Saved: 19_000_000}}},
		{Path: "worker/Dockerfile", Rules: []string{"exec-form", "pipefail"}, Status: Broken, Reason: "the fixed file does not build",
			Original: &Build{OK: true, Size: 80_000_000, Seconds: 5, Stop: &StopResult{Running: true, Killed: true, Took: 10 * time.Second, ExitCode: 137}},
			Fixed:    &Build{OK: false, Seconds: 2, Error: "#6 ERROR: process \"/bin/bash -o pipefail -c yes | head -1\" did not complete successfully: exit code: 141"},
			Blame:    []string{"pipefail"}, Fallback: []byte("FROM x\n"), FallbackRules: []string{"exec-form"}},
	}
}

func TestWriteText(t *testing.T) {
	var b strings.Builder
	for _, r := range sampleReports() {
		WriteText(&b, r)
	}
	WriteSummary(&b, sampleReports())
	want := `api/Dockerfile: pass
  rules: no-install-recommends, apt-lists-cleanup
  original: built in 31.2s, 153.3 MB, 5 layers; smoke passes
  fixed:    built in 12s, 129.0 MB, 5 layers (24.3 MB smaller); smoke passes
  lacks:    120 files, 24.3 MB: /var/lib/apt (19.0 MB), package perl-modules-5.36 (5.3 MB)
  per rule: no-install-recommends 5.3 MB smaller, apt-lists-cleanup 19.0 MB smaller
worker/Dockerfile: BROKEN: the fixed file does not build
  rules: exec-form, pipefail
  original: built in 5s, 80.0 MB, 0 layers
  fixed:    build failed after 2s
      | #6 ERROR: process "/bin/bash -o pipefail -c yes | head -1" did not complete successfully: exit code: 141
  blame:    pipefail (the file fixed by exec-form alone passes)
FILE               STATUS  ORIGINAL  FIXED     SAVED    RULES
api/Dockerfile     pass    153.3 MB  129.0 MB  24.3 MB  no-install-recommends,apt-lists-cleanup
worker/Dockerfile  broken  80.0 MB   fails     -        exec-form,pipefail
2 images rebuilt: 1 pass, 1 broken by a fix, 24.3 MB smaller in total.
`
	if b.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", b.String(), want)
	}
}

func TestWriteMarkdown(t *testing.T) {
	var b strings.Builder
	WriteMarkdown(&b, sampleReports(), func(rule string) string { return "(" + rule + " title)" })
	got := b.String()
	for _, want := range []string{
		"### dfix verify\n\n**2 images rebuilt: 1 pass, 1 broken by a fix, 24.3 MB smaller in total.**\n",
		"| `api/Dockerfile` | ✅ pass | 153.3 MB | 129.0 MB | 24.3 MB | no-install-recommends, apt-lists-cleanup |\n",
		"| `worker/Dockerfile` | ❌ broken | 80.0 MB | fails | - | exec-form, pipefail |\n",
		"| `apt-lists-cleanup` (apt-lists-cleanup title) | 1 | 1 | 0 | 19.0 MB |\n",
		"| `pipefail` (pipefail title) | 1 | 0 | 1 | - |\n",
		"<details><summary>Files that did not pass</summary>\n\n```\nworker/Dockerfile: BROKEN",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("markdown lacks %q:\n%s", want, got)
		}
	}
}

func TestBytes(t *testing.T) {
	for _, tt := range []struct {
		n    int64
		want string
	}{{0, "0 B"}, {999, "999 B"}, {1500, "1.5 kB"}, {24_300_000, "24.3 MB"}, {-2_000_000, "-2.0 MB"}, {3_210_000_000, "3.21 GB"}} {
		if got := Bytes(tt.n); got != tt.want {
			t.Errorf("Bytes(%d) = %q, want %q", tt.n, got, tt.want)
		}
	}
}
