package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dfix-dev/dfix/verify"
)

func writeTestFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// These need no engine: they are about what verify refuses before building anything.
func TestVerifyUsage(t *testing.T) {
	dir := t.TempDir()
	df := filepath.Join(dir, "Dockerfile")
	writeTestFile(t, df, "FROM debian:bookworm\nRUN apt-get update && apt-get install -y curl\n")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"verify flags without --verify are refused", []string{"dfix", "--smoke", "true", df}, "--smoke needs --verify"},
		{"--verify without -w is refused", []string{"dfix", "--verify", df}, "--verify goes with -w"},
		{"a missing docker client is named", []string{"dfix", "verify", "--docker", "/nonexistent/docker", df}, `no docker client "/nonexistent/docker"`},
		{"an unreachable engine is named with its DOCKER_HOST", []string{"dfix", "-w", "--verify", "--docker", "/bin/false", df}, "cannot reach the Docker Engine"},
		{"standard input cannot be verified", []string{"dfix", "verify", "-"}, "standard input cannot be verified"},
		{"verify's formats are text, json and markdown", []string{"dfix", "verify", "--format", "sarif", df}, `"sarif" is not text, json or markdown`},
		{"verify needs a path", []string{"dfix", "verify"}, "no PATH given"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr strings.Builder
			code := run(tt.args, strings.NewReader(""), &stdout, &stderr)
			if code != exitError {
				t.Errorf("exit %d, want %d", code, exitError)
			}
			if !strings.Contains(stderr.String(), tt.want) {
				t.Errorf("stderr %q does not say %q", stderr.String(), tt.want)
			}
		})
	}
	b, _ := os.ReadFile(df)
	if !strings.Contains(string(b), "install -y curl") {
		t.Errorf("a refused run changed the file:\n%s", b)
	}
}

func TestReorderArgsKeepsVerifyFirst(t *testing.T) {
	tests := []struct {
		name string
		in   []string
		want []string
	}{
		{"flags after the paths of verify go after the command",
			[]string{"dfix", "verify", "Dockerfile", "--smoke", "true", "--unsafe-fixes"},
			[]string{"dfix", "verify", "--smoke", "true", "--unsafe-fixes", "Dockerfile"}},
		{"flags before verify go after it too",
			[]string{"dfix", "--unsafe-fixes", "verify", "--build-arg", "A=1", "."},
			[]string{"dfix", "verify", "--unsafe-fixes", "--build-arg", "A=1", "."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := reorderArgs(tt.in); !slices.Equal(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// The rest builds for real (DFIX_BUILD=1, see buildsuite_test.go).

// gitThenPatch is an unsafe fix that a build proves wrong: git only recommends patch,
// which a later RUN uses. no-install-recommends drops it; apt-lists-cleanup is fine.
const gitThenPatch = `FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y git
RUN patch --version
`

func TestVerifyBlamesTheRuleThatBreaksABuild(t *testing.T) {
	network := buildEnv(t)
	dir := t.TempDir()
	df := filepath.Join(dir, "Dockerfile")
	writeTestFile(t, df, gitThenPatch)
	out, code, stderr := runVerify(t, "--unsafe-fixes", "--select", "no-install-recommends,apt-lists-cleanup",
		"--network", network, "--no-files", df)
	if code != exitFindings || len(out.Files) != 1 {
		t.Fatalf("exit %d, %d reports, want 1 and one report; stderr: %s", code, len(out.Files), stderr)
	}
	rep := out.Files[0]
	if rep.Status != verify.Broken || !slices.Equal(rep.Blame, []string{"no-install-recommends"}) {
		t.Fatalf("status %s, blame %v; want broken, blamed on no-install-recommends: %s", rep.Status, rep.Blame, rep.Reason)
	}
	if !rep.Original.OK || rep.Fixed.OK || !strings.Contains(rep.Fixed.Error, "patch") {
		t.Errorf("want the original built and the fixed build failing on patch; fixed error:\n%s", rep.Fixed.Error)
	}
	if !slices.Equal(rep.FallbackRules, []string{"apt-lists-cleanup"}) {
		t.Errorf("fallback rules %v, want apt-lists-cleanup", rep.FallbackRules)
	}
	if out.Summary.Broken != 1 || out.Summary.Rules["no-install-recommends"].Broken != 1 {
		t.Errorf("summary %+v", out.Summary)
	}

	// -w --verify writes the file fixed without the rule that broke it.
	var so, se strings.Builder
	code = run([]string{"dfix", "--no-config", "-w", "--verify", "--unsafe-fixes", "--select", "no-install-recommends,apt-lists-cleanup",
		"--network", network, "--no-files", df}, strings.NewReader(""), &so, &se)
	b, _ := os.ReadFile(df)
	got := string(b)
	if code != exitFindings {
		t.Errorf("-w --verify exit %d, want %d; stderr: %s", code, exitFindings, se.String())
	}
	if strings.Contains(got, "--no-install-recommends") || !strings.Contains(got, "rm -rf /var/lib/apt/lists/*") {
		t.Errorf("-w --verify wrote:\n%s\nwant the lists cleanup without --no-install-recommends", got)
	}
	if !strings.Contains(se.String(), "written without no-install-recommends") {
		t.Errorf("stderr %q does not say what was left out", se.String())
	}
}

func TestVerifyWriteOnlyWhatBuilds(t *testing.T) {
	network := buildEnv(t)
	dir := t.TempDir()
	good := filepath.Join(dir, "good", "Dockerfile")
	writeTestFile(t, good, "FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y --no-install-recommends bzip2\n")
	// The original fails by itself: nothing is written, nothing is blamed.
	bad := filepath.Join(dir, "bad", "Dockerfile")
	badText := "FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y --no-install-recommends bzip2\nRUN false\n"
	writeTestFile(t, bad, badText)
	var so, se strings.Builder
	code := run([]string{"dfix", "--no-config", "-w", "--verify", "--network", network, "--smoke", "bzip2 --help 2>&1 | grep -q bzip2", dir},
		strings.NewReader(""), &so, &se)
	if code != exitFindings && code != exitClean {
		t.Fatalf("exit %d; stderr: %s", code, se.String())
	}
	if b, _ := os.ReadFile(good); !strings.Contains(string(b), "rm -rf /var/lib/apt/lists/*") {
		t.Errorf("the file that builds was not written:\n%s", b)
	}
	if b, _ := os.ReadFile(bad); string(b) != badText {
		t.Errorf("the file whose original does not build was written:\n%s", b)
	}
	for _, want := range []string{"good/Dockerfile: verified: builds", "bad/Dockerfile: not written: the original does not build"} {
		if !strings.Contains(se.String(), want) {
			t.Errorf("stderr does not say %q:\n%s", want, se.String())
		}
	}
}

func TestVerifyKeepImages(t *testing.T) {
	network := buildEnv(t)
	dir := t.TempDir()
	df := filepath.Join(dir, "Dockerfile")
	writeTestFile(t, df, "FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y --no-install-recommends xz-utils\n")
	out, code, stderr := runVerify(t, "--keep-images", "--network", network, df)
	if code != exitClean || len(out.Files) != 1 {
		t.Fatalf("exit %d; stderr: %s", code, stderr)
	}
	rep := out.Files[0]
	tags := []string{rep.Original.Image, rep.Fixed.Image}
	for _, tag := range tags {
		if !strings.HasPrefix(tag, "dfix-verify:") {
			t.Fatalf("kept image %q is not tagged dfix-verify:...", tag)
		}
		if _, err := exec.Command(os.Getenv("DFIX_DOCKER"), "image", "inspect", tag).Output(); err != nil {
			t.Errorf("kept image %s is not there: %v", tag, err)
		}
	}
	if b, err := exec.Command(os.Getenv("DFIX_DOCKER"), append([]string{"rmi"}, tags...)...).CombinedOutput(); err != nil {
		t.Errorf("removing the kept images: %v: %s", err, b)
	}
	if out.Summary.Saved <= 0 || rep.Files == nil || rep.Files.Lacks[0].Name != "/var/lib/apt" {
		t.Errorf("want the apt lists measured as saved; summary %+v, files %+v", out.Summary, rep.Files)
	}
}

// A fixed image whose command cannot start at all (not found in exec form, where the
// shell form found it) is broken, not passed: found when exec-form dropped a login
// shell's PATH and verify still said "builds".
func TestVerifyCommandThatCannotStartIsBroken(t *testing.T) {
	network := buildEnv(t)
	tests := []struct {
		name, fixed string
		code        int
	}{
		{"a command that is not there", "FROM busybox:latest\nCMD [\"no-such-program\", \"60\"]\n", 127},
		{"a command that is not executable", "FROM busybox:latest\nRUN touch /plain\nCMD [\"/plain\"]\n", 126},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := &verify.Verifier{Engine: &verify.Docker{Binary: os.Getenv("DFIX_DOCKER")},
				Opts: verify.Options{Network: network, NoFiles: true, StopTimeout: 2 * time.Second}}
			rep := v.Verify(context.Background(), &verify.Job{Path: "Dockerfile", Context: t.TempDir(),
				Original: []byte("FROM busybox:latest\nCMD sleep 60\n"), Fixed: []byte(tc.fixed),
				Rules: []string{"exec-form"}, CommandChanged: true})
			if rep.Status != verify.Broken {
				t.Fatalf("status %s (%s), want broken", rep.Status, rep.Reason)
			}
			if s := rep.Fixed.Stop; s == nil || s.Running || s.ExitCode != tc.code || !strings.Contains(rep.Reason, "exits at once") {
				t.Errorf("fixed stop %+v, reason %q; want it not running, exit code %d, \"exits at once\"", s, rep.Reason, tc.code)
			}
		})
	}
}
