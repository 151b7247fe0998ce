package verify

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
	"time"
)

// fakeEngine builds "Dockerfiles" that are lists of rule names, one a line, after a
// first line "base". A line's effects are scripted by its name:
//
//	breaks      the build fails
//	pair-a + pair-b   the build fails when both are there
//	net         the build fails with a network error (netOK: the next try passes)
//	nosmoke     the smoke command fails
//	exits       the image's command exits at once with code 1
//	shrink-N    the image is N bytes smaller than 1000000
type fakeEngine struct {
	builds  []string // every text built, in order
	removed []string
	netOK   bool
	smoke   []string
}

func lines(b []byte) []string { return strings.Split(strings.TrimSpace(string(b)), "\n") }

func (f *fakeEngine) Build(_ context.Context, req BuildRequest) (*Image, error) {
	text := string(req.Dockerfile)
	f.builds = append(f.builds, text)
	ls := lines(req.Dockerfile)
	switch {
	case slices.Contains(ls, "breaks"), slices.Contains(ls, "pair-a") && slices.Contains(ls, "pair-b"):
		return nil, &BuildError{Log: "ERROR: process \"/bin/sh -c false\" did not complete", Err: errors.New("exit 1")}
	case slices.Contains(ls, "net") && !f.netOK:
		f.netOK = true
		return nil, &BuildError{Log: "Temporary failure resolving 'deb.debian.org'", Network: true, Err: errors.New("exit 100")}
	}
	size := int64(1000000)
	for _, l := range ls {
		var n int64
		if _, err := fmt.Sscanf(l, "shrink-%d", &n); err == nil {
			size -= n
		}
	}
	return &Image{ID: "sha256:" + text, Tag: req.Tag, Size: size, Layers: make([]Layer, len(ls))}, nil
}

func (f *fakeEngine) Files(_ context.Context, img *Image, fn func(io.Reader) error) error {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	add := func(name string, body string) {
		_ = tw.WriteHeader(&tar.Header{Name: name, Typeflag: tar.TypeReg, Size: int64(len(body)), Mode: 0o644})
		_, _ = tw.Write([]byte(body))
	}
	add("bin/sh", "shell")
	if !strings.Contains(img.ID, "shrink") {
		add("var/lib/apt/lists/deb.debian.org_Packages", strings.Repeat("x", 500))
	}
	_ = tw.Close()
	return fn(&buf)
}

func (f *fakeEngine) Smoke(_ context.Context, img *Image, cmd string, _ RunOptions) (string, error) {
	f.smoke = append(f.smoke, img.Tag)
	if strings.Contains(img.ID, "nosmoke") {
		return "smoke: not found", errors.New("exit 127")
	}
	return "ok", nil
}

func (f *fakeEngine) Stop(_ context.Context, img *Image, timeout time.Duration, _ RunOptions) (*StopResult, error) {
	if strings.Contains(img.ID, "exits") {
		return &StopResult{ExitCode: 1}, nil
	}
	return &StopResult{Running: true, Took: 100 * time.Millisecond, ExitCode: 143}, nil
}

func (f *fakeEngine) Remove(_ context.Context, imgs ...*Image) error {
	for _, img := range imgs {
		if img != nil {
			f.removed = append(f.removed, img.Tag)
		}
	}
	return nil
}

// job makes a job whose fixed text adds one line per rule to "base".
func job(rules ...string) *Job {
	text := func(keep func(string) bool) []byte {
		out := "base\n"
		for _, r := range rules {
			if keep(r) {
				out += r + "\n"
			}
		}
		return []byte(out)
	}
	return &Job{
		Path: "Dockerfile", Context: ".", Original: []byte("base\n"), Fixed: text(func(string) bool { return true }),
		Rules: rules,
		Without: func(without []string) ([]byte, error) {
			return text(func(r string) bool { return !slices.Contains(without, r) }), nil
		},
		Only: func(rule string) ([]byte, error) {
			return text(func(r string) bool { return r == rule }), nil
		},
	}
}

func TestVerify(t *testing.T) {
	tests := []struct {
		name      string
		job       *Job
		opts      Options
		status    Status
		blame     []string
		fallback  []string // rules kept in the fallback (nil: no fallback)
		noFallbck bool
		builds    int // how many builds it takes, when it matters
		saved     int64
	}{
		{name: "a fixed file that builds passes and its saving is measured",
			job: job("shrink-300"), status: Pass, builds: 2, saved: 300},
		{name: "the one rule that breaks the build is blamed and the others kept",
			job: job("shrink-10", "breaks", "shrink-20"), status: Broken,
			blame: []string{"breaks"}, fallback: []string{"shrink-10", "shrink-20"}},
		{name: "two rules that break the build only together are both named",
			job: job("pair-a", "pair-b", "shrink-5"), status: Broken,
			blame: []string{"pair-a", "pair-b"}, fallback: []string{"pair-b", "shrink-5"}},
		{name: "with one rule, no build without it is needed to blame it",
			job: job("breaks"), status: Broken, blame: []string{"breaks"}, fallback: []string{}, builds: 2},
		{name: "a fixed image whose smoke command fails is broken",
			job: job("nosmoke", "shrink-1"), opts: Options{Smoke: "true"}, status: Broken,
			blame: []string{"nosmoke"}, fallback: []string{"shrink-1"}},
		{name: "an original that does not build blames nothing",
			job:    func() *Job { j := job("shrink-1"); j.Original = []byte("base\nbreaks\n"); return j }(),
			status: OriginalFails, builds: 2, noFallbck: true},
		{name: "a network failure is retried once, then the build passes",
			job: job("net", "shrink-7"), status: Pass, builds: 3, saved: 7},
		{name: "a command that now exits at once breaks the signal check",
			job: func() *Job { j := job("exits", "shrink-2"); j.CommandChanged = true; return j }(), status: Broken,
			blame: []string{"exits"}, fallback: []string{"shrink-2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			eng := &fakeEngine{}
			v := &Verifier{Engine: eng, Opts: tt.opts}
			rep := v.Verify(context.Background(), tt.job)
			if rep.Status != tt.status {
				t.Fatalf("status %s (%s), want %s", rep.Status, rep.Reason, tt.status)
			}
			if !slices.Equal(rep.Blame, tt.blame) {
				t.Errorf("blame %v, want %v", rep.Blame, tt.blame)
			}
			switch {
			case tt.fallback != nil:
				var dropped []string
				for _, r := range tt.job.Rules {
					if !slices.Contains(rep.FallbackRules, r) {
						dropped = append(dropped, r)
					}
				}
				want, _ := tt.job.Without(dropped)
				if !bytes.Equal(rep.Fallback, want) {
					t.Errorf("fallback %q, want %q", rep.Fallback, want)
				}
				if len(rep.FallbackRules) != len(tt.fallback) || len(tt.fallback) > 0 && !slices.Equal(rep.FallbackRules, tt.fallback) {
					t.Errorf("fallback rules %v, want %v", rep.FallbackRules, tt.fallback)
				}
			case tt.noFallbck && rep.Fallback != nil:
				t.Errorf("fallback %q, want none", rep.Fallback)
			}
			if tt.builds > 0 && len(eng.builds) != tt.builds {
				t.Errorf("%d builds, want %d: %q", len(eng.builds), tt.builds, eng.builds)
			}
			if tt.status == Pass && rep.Saved() != tt.saved {
				t.Errorf("saved %d, want %d", rep.Saved(), tt.saved)
			}
			// Every image built is removed (the blame builds remove their own).
			if len(eng.removed) == 0 {
				t.Errorf("no image removed")
			}
		})
	}
}

func TestVerifyComparesFilesOfPassingBuilds(t *testing.T) {
	eng := &fakeEngine{}
	rep := (&Verifier{Engine: eng}).Verify(context.Background(), job("shrink-500"))
	if rep.Files == nil {
		t.Fatal("no file comparison")
	}
	if rep.Files.LacksFiles != 1 || rep.Files.LacksBytes != 500 || rep.Files.AddsFiles != 0 {
		t.Fatalf("files %+v, want the apt list lacking", rep.Files)
	}
	if g := rep.Files.Lacks[0]; g.Name != "/var/lib/apt" || g.Package {
		t.Errorf("group %+v, want the folder /var/lib/apt", g)
	}
}

func TestVerifyKeepsImagesWhenAsked(t *testing.T) {
	eng := &fakeEngine{}
	rep := (&Verifier{Engine: eng, Opts: Options{KeepImages: true, RunID: "r1"}}).Verify(context.Background(), job("shrink-1"))
	if len(eng.removed) != 0 {
		t.Errorf("removed %v with KeepImages", eng.removed)
	}
	if !strings.HasPrefix(rep.Fixed.Image, "dfix-verify:r1-") || rep.Fixed.Image == rep.Original.Image {
		t.Errorf("image tags %q and %q, want two dfix-verify:r1-... tags", rep.Original.Image, rep.Fixed.Image)
	}
}

func TestPerRuleAttributesTheSavingToEachRule(t *testing.T) {
	eng := &fakeEngine{}
	rep := (&Verifier{Engine: eng, Opts: Options{PerRule: true}}).Verify(context.Background(), job("shrink-100", "shrink-30"))
	want := []RuleSize{{Rule: "shrink-100", OK: true, Saved: 100}, {Rule: "shrink-30", OK: true, Saved: 30}}
	if !slices.Equal(rep.PerRule, want) {
		t.Fatalf("per rule %+v, want %+v", rep.PerRule, want)
	}
	s := Summarize([]*Report{rep})
	if s.Rules["shrink-100"].Saved != 100 || s.Rules["shrink-30"].Saved != 30 || s.Saved != 130 {
		t.Errorf("summary %+v", s)
	}
}

func TestSummaryHeadline(t *testing.T) {
	pass := func(saved int64) *Report {
		return &Report{Status: Pass, Original: &Build{OK: true, Size: 1000 + saved}, Fixed: &Build{OK: true, Size: 1000}}
	}
	tests := []struct {
		name    string
		reports []*Report
		want    string
	}{
		{"no report says nothing was built", nil, "no Dockerfile changed, nothing to build"},
		{"one passing image", []*Report{pass(2_500_000)}, "1 image rebuilt, it passes, 2.5 MB smaller in total"},
		{"all pass", []*Report{pass(1_000_000), pass(500_000)}, "2 images rebuilt, all pass, 1.5 MB smaller in total"},
		{"a broken and an original failure are counted apart",
			[]*Report{pass(0), {Status: Broken}, {Status: OriginalFails}},
			"3 images rebuilt: 1 pass, 1 broken by a fix, 1 fail before any fix"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Summarize(tt.reports).Headline(); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
