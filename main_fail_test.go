package main

// Failure handling that a script cannot set up reliably: a file edited between dfix's
// read and its write, a disk that fills up, a rename that fails (faults injected at
// the write layer through fileWriter), and SIGINT / SIGTERM in the middle of `dfix -w`
// over a large tree. Also the custom script commands genbig and tmpfs used by
// testdata/script/fail_*.txtar.

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/dfix-dev/dfix/fix"
	"github.com/dfix-dev/dfix/rewrite"
	"github.com/rogpeppe/go-internal/testscript"
)

// genbig [-fixed] FILE SIZE
func cmdGenbig(ts *testscript.TestScript, neg bool, args []string) {
	fixed := len(args) > 0 && args[0] == "-fixed"
	if fixed {
		args = args[1:]
	}
	if neg || len(args) != 2 {
		ts.Fatalf("usage: genbig [-fixed] file size")
	}
	size, err := parseSize(args[1])
	if err != nil {
		ts.Fatalf("genbig: %v", err)
	}
	writeFile(ts, args[0], string(bigDockerfile(size, fixed)))
}

// bigDockerfile returns a Dockerfile of at least size bytes: FROM, RUN lines of about
// 1 KB each with a comment line every ten, and a last `CMD a b` that exec-form fixes
// (already fixed when fixed is set).
func bigDockerfile(size int, fixed bool) []byte {
	var b bytes.Buffer
	b.Grow(size + 2048)
	b.WriteString("FROM alpine:3.20\n")
	word := strings.Repeat("x", 64)
	for i := 0; b.Len() < size; i++ {
		if i%10 == 0 {
			fmt.Fprintf(&b, "# step %d\n", i)
		}
		fmt.Fprintf(&b, "RUN echo %d", i)
		for j := 0; j < 15; j++ {
			b.WriteString(" " + word)
		}
		b.WriteString("\n")
	}
	if fixed {
		b.WriteString("CMD [\"a\", \"b\"]\n")
	} else {
		b.WriteString("CMD a b\n")
	}
	return b.Bytes()
}

func parseSize(s string) (int, error) {
	mult := 1
	switch {
	case strings.HasSuffix(s, "k"):
		mult, s = 1<<10, strings.TrimSuffix(s, "k")
	case strings.HasSuffix(s, "M"):
		mult, s = 1<<20, strings.TrimSuffix(s, "M")
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("bad size %q", s)
	}
	return n * mult, nil
}

// tmpfs DIR SIZE | tmpfs -ro DIR
func cmdTmpfs(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! tmpfs")
	}
	if len(args) == 2 && args[0] == "-ro" {
		dir := ts.MkAbs(args[1])
		if out, err := exec.Command("mount", "-o", "remount,ro", dir).CombinedOutput(); err != nil {
			ts.Fatalf("tmpfs -ro: %v: %s", err, out)
		}
		return
	}
	if len(args) != 2 {
		ts.Fatalf("usage: tmpfs dir size | tmpfs -ro dir")
	}
	dir := ts.MkAbs(args[0])
	ts.Check(os.MkdirAll(dir, 0o755))
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+args[1], "tmpfs", dir).CombinedOutput(); err != nil {
		ts.Fatalf("tmpfs: %v: %s", err, out)
	}
	ts.Defer(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			ts.Logf("umount %s: %v: %s", dir, err, out)
		}
	})
}

var tmpfsOnce struct {
	sync.Once
	ok bool
}

// canMountTmpfs reports whether a tmpfs can be mounted (and unmounted) here.
func canMountTmpfs() bool {
	tmpfsOnce.Do(func() {
		if runtime.GOOS != "linux" || os.Geteuid() != 0 {
			return
		}
		dir, err := os.MkdirTemp("", "dfix-tmpfs-")
		if err != nil {
			return
		}
		defer os.Remove(dir)
		if exec.Command("mount", "-t", "tmpfs", "-o", "size=16k", "tmpfs", dir).Run() != nil {
			return
		}
		tmpfsOnce.ok = exec.Command("umount", dir).Run() == nil
	})
	return tmpfsOnce.ok
}

// faultyTemp is a temporary file whose Write writes half and then fails.
type faultyTemp struct {
	*os.File
	err error
}

func (f faultyTemp) Write(p []byte) (int, error) {
	n, _ := f.File.Write(p[:len(p)/2])
	return n, f.err
}

func createTemp(dir, pattern string) (rewrite.TempFile, error) {
	f, err := os.CreateTemp(dir, pattern)
	if err != nil {
		return nil, err
	}
	return f, nil
}

// runDfix runs dfix in this process and returns its exit code and output.
func runDfix(args ...string) (int, string, string) {
	var stdout, stderr bytes.Buffer
	code := run(append([]string{"dfix"}, args...), strings.NewReader(""), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// TestWriteFaultsNameTheFileAndKeepTheBatch injects faults into the write of one file
// of a batch: the error names the file, exit 2, that file is as it was on disk (dfix
// wrote nothing), no temporary file is left, and the other file is still fixed.
func TestWriteFaultsNameTheFileAndKeepTheBatch(t *testing.T) {
	const (
		orig = "FROM alpine\nCMD ./run\n"
		want = "FROM alpine\nCMD [\"./run\"]\n"
	)
	tests := []struct {
		name string
		// writer returns the faulty writer for the bad file's folder and what the bad
		// file must hold afterwards.
		writer  func(t *testing.T, badDir, bad string) rewrite.Writer
		after   string
		message string
	}{
		{
			name: "file changed between read and write",
			writer: func(t *testing.T, badDir, bad string) rewrite.Writer {
				return rewrite.Writer{CreateTemp: func(dir, pattern string) (rewrite.TempFile, error) {
					if dir == badDir {
						// Somebody saves the file while dfix is fixing it.
						if err := os.WriteFile(bad, []byte(orig+"# edited meanwhile\n"), 0o644); err != nil {
							t.Error(err)
						}
					}
					return createTemp(dir, pattern)
				}}
			},
			after:   orig + "# edited meanwhile\n",
			message: "dfix: bad/Dockerfile: file changed on disk since it was read; not overwritten (size 41, was 22)\n",
		},
		{
			name: "disk full",
			writer: func(t *testing.T, badDir, bad string) rewrite.Writer {
				return rewrite.Writer{CreateTemp: func(dir, pattern string) (rewrite.TempFile, error) {
					f, err := os.CreateTemp(dir, pattern)
					if err != nil || dir != badDir {
						return f, err
					}
					return faultyTemp{f, syscall.ENOSPC}, nil
				}}
			},
			after:   orig,
			message: "dfix: bad/Dockerfile: writing temporary file: no space left on device\n",
		},
		{
			name: "rename fails",
			writer: func(t *testing.T, badDir, bad string) rewrite.Writer {
				return rewrite.Writer{Rename: func(oldpath, newpath string) error {
					if filepath.Dir(newpath) == badDir {
						return &os.LinkError{Op: "rename", Old: oldpath, New: newpath, Err: syscall.EIO}
					}
					return os.Rename(oldpath, newpath)
				}}
			},
			after:   orig,
			message: "dfix: bad/Dockerfile: replacing file: input/output error\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			t.Chdir(dir)
			for _, d := range []string{"bad", "good"} {
				if err := os.Mkdir(d, 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(d, "Dockerfile"), []byte(orig), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			badDir, err := filepath.EvalSymlinks(filepath.Join(dir, "bad"))
			if err != nil {
				t.Fatal(err)
			}
			saved := fileWriter
			fileWriter = tt.writer(t, badDir, filepath.Join(badDir, "Dockerfile"))
			defer func() { fileWriter = saved }()

			code, stdout, stderr := runDfix("-w", "bad/Dockerfile", "good/Dockerfile")
			if code != exitError {
				t.Errorf("exit code %d, want 2", code)
			}
			wantErr := tt.message + "Fixed 1 finding in 1 file; 1 file could not be processed.\n"
			if stderr != wantErr || stdout != "" {
				t.Errorf("stdout %q, stderr:\n%s\nwant stderr:\n%s", stdout, stderr, wantErr)
			}
			assertFile(t, "bad/Dockerfile", tt.after)
			assertFile(t, "good/Dockerfile", want)
			assertNoTemp(t, dir)
		})
	}
}

func assertFile(t *testing.T, path, want string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != want {
		t.Errorf("%s holds %q, want %q", path, b, want)
	}
}

// assertNoTemp fails if a temporary file of dfix's is left anywhere under dir.
func assertNoTemp(t *testing.T, dir string) {
	t.Helper()
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && strings.HasPrefix(d.Name(), ".dfix-") {
			t.Errorf("temporary file left behind: %s", p)
		}
		return nil
	})
}

// TestInterruptLeavesEveryFileOriginalOrFixed sends SIGINT, then SIGTERM, to `dfix -w`
// in the middle of a tree of 3,000 fixable files: every file is then either exactly as
// it was or exactly what dfix makes of it (never half written), no temporary file is
// left, and dfix says it was interrupted and exits 2.
func TestInterruptLeavesEveryFileOriginalOrFixed(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no SIGINT to send on Windows")
	}
	if testing.Short() {
		t.Skip("-short: writes 3,000 files")
	}
	bin, err := exec.LookPath("dfix") // the test binary as dfix, put on PATH by testscript.Main
	if err != nil {
		t.Fatalf("dfix not on PATH: %v", err)
	}
	rules, err := fix.Select(fix.Rules(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			dir := t.TempDir()
			const n = 3000
			paths := make([]string, n)
			orig := make([][]byte, n)
			want := make([][]byte, n)
			for i := range n {
				paths[i] = filepath.Join(dir, fmt.Sprintf("d%02d", i/100), fmt.Sprintf("s%03d", i%100), "Dockerfile")
				orig[i] = fmt.Appendf(nil, "FROM alpine:3.%d\n# service %d\nRUN echo %d \\\n  && true\nCMD ./run-%d --port %d\n", i%20, i, i, i, 8000+i)
				res, err := fix.Run(paths[i], orig[i], fix.Options{Rules: rules})
				if err != nil {
					t.Fatal(err)
				}
				if !res.Changed() {
					t.Fatalf("generated file %d is not fixable: %q", i, orig[i])
				}
				want[i] = res.Output
				if err := os.MkdirAll(filepath.Dir(paths[i]), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(paths[i], orig[i], 0o644); err != nil {
					t.Fatal(err)
				}
			}

			cmd := exec.Command(bin, "-w", dir)
			cmd.Env = append(os.Environ(), "NO_COLOR=1")
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			// Signal once dfix has written the first file: it is then surely busy with
			// the rest. (The deadline only stops a hung test; nothing is timed.)
			deadline := time.Now().Add(time.Minute)
			for time.Now().Before(deadline) {
				if b, err := os.ReadFile(paths[0]); err == nil && bytes.Equal(b, want[0]) {
					break
				}
				time.Sleep(time.Millisecond)
			}
			if err := cmd.Process.Signal(sig); err != nil {
				t.Logf("signal: %v (dfix already done?)", err)
			}
			err := cmd.Wait()
			code := 0
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}

			fixed, untouched := 0, 0
			for i, p := range paths {
				b, err := os.ReadFile(p)
				switch {
				case err != nil:
					t.Errorf("%s: %v", p, err)
				case bytes.Equal(b, want[i]):
					fixed++
				case bytes.Equal(b, orig[i]):
					untouched++
				default:
					t.Errorf("%s is neither the original nor the fixed file:\n%s", p, b)
				}
			}
			assertNoTemp(t, dir)
			t.Logf("%v after the first write: %d files fixed, %d left as they were; exit %d", sig, fixed, untouched, code)
			if untouched == 0 {
				t.Logf("dfix had finished before the signal arrived; nothing was interrupted")
				return
			}
			if code != exitError {
				t.Errorf("exit code %d, want 2\nstderr:\n%s", code, stderr.String())
			}
			const msg = "dfix: interrupted; files not yet processed were left as they were\n"
			if !strings.HasSuffix(stderr.String(), msg) {
				t.Errorf("stderr does not end with %q:\n%s", msg, stderr.String())
			}
			if strings.Contains(stderr.String(), "panic") {
				t.Errorf("stderr:\n%s", stderr.String())
			}
		})
	}
}

// TestClosedOutputStillWritesEveryFile runs `dfix -w` over a tree whose files keep
// findings to print, with standard output a pipe whose reader stops after the first
// line (`dfix -w . | head -1`): the writes do not depend on anybody reading the report,
// so every file is fixed and no temporary file is left. SIGPIPE used to kill dfix in
// the middle of the batch, leaving the files staged for writing as .dfix-*.tmp litter
// and most of the tree unfixed.
func TestClosedOutputStillWritesEveryFile(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no SIGPIPE on Windows")
	}
	bin, err := exec.LookPath("dfix") // the test binary as dfix, put on PATH by testscript.Main
	if err != nil {
		t.Fatalf("dfix not on PATH: %v", err)
	}
	rules, err := fix.Select(fix.Rules(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
	}{
		{"a reader that stops after the first line leaves every file fixed", []string{"-w"}},
		{"a reader that stops after the first line leaves every file fixed with one job", []string{"-w", "-j", "1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			const n = 600
			paths := make([]string, n)
			want := make([][]byte, n)
			for i := range n {
				paths[i] = filepath.Join(dir, fmt.Sprintf("d%02d", i/20), fmt.Sprintf("s%02d", i%20), "Dockerfile")
				// An unsafe finding stays: each file prints a line with -w.
				orig := fmt.Appendf(nil, "FROM debian:12\nRUN apt-get install -y curl%d\nCMD ./run-%d --port %d\n", i, i, 8000+i)
				res, err := fix.Run(paths[i], orig, fix.Options{Rules: rules})
				if err != nil {
					t.Fatal(err)
				}
				if !res.Changed() {
					t.Fatalf("generated file %d is not fixable: %q", i, orig)
				}
				want[i] = res.Output
				if err := os.MkdirAll(filepath.Dir(paths[i]), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(paths[i], orig, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			r, w, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(bin, append(tt.args, dir)...)
			cmd.Env = append(os.Environ(), "NO_COLOR=1")
			var stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = w, &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			w.Close()
			line := make([]byte, 1)
			for line[0] != '\n' { // the first line, then the reader is gone
				if _, err := r.Read(line); err != nil {
					t.Fatalf("reading dfix's output: %v\nstderr:\n%s", err, stderr.String())
				}
			}
			r.Close()
			err = cmd.Wait()
			t.Logf("dfix: %v", err)
			assertNoTemp(t, dir)
			unfixed := 0
			for i, p := range paths {
				if b, err := os.ReadFile(p); err != nil || !bytes.Equal(b, want[i]) {
					unfixed++
				}
			}
			if unfixed > 0 {
				t.Errorf("%d of %d files not fixed\nstderr:\n%s", unfixed, n, stderr.String())
			}
		})
	}
}
