//go:build unix

package rewrite

import (
	"bytes"
	"errors"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// newDir returns a fresh folder and, when the test ends, checks that no
// temporary file of WriteFile was left behind in it.
func newDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	t.Cleanup(func() { assertNoTempFiles(t, dir) })
	return dir
}

func assertNoTempFiles(t *testing.T, dir string) {
	t.Helper()
	left, err := filepath.Glob(filepath.Join(dir, ".dfix-*"))
	if err != nil {
		t.Fatal(err)
	}
	if len(left) > 0 {
		t.Errorf("temporary files left in %s: %q", dir, left)
	}
}

// createFile writes content to path with exactly mode (whatever the umask).
func createFile(t *testing.T, path, content string, mode fs.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
}

func assertContent(t *testing.T, path, want string) {
	t.Helper()
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading back %s: %v", path, err)
	}
	if string(got) != want {
		t.Errorf("%s holds %q, want %q", path, got, want)
	}
}

func assertPathPrefix(t *testing.T, err error, path string) {
	t.Helper()
	if !strings.HasPrefix(err.Error(), path+": ") {
		t.Errorf("error %q does not start with %q", err, path+": ")
	}
}

// readFileWithin runs ReadFile and fails the test if it blocks.
func readFileWithin(t *testing.T, path string, d time.Duration) (*Snapshot, error) {
	t.Helper()
	type result struct {
		s   *Snapshot
		err error
	}
	done := make(chan result, 1)
	go func() {
		s, err := ReadFile(path)
		done <- result{s, err}
	}()
	select {
	case r := <-done:
		return r.s, r.err
	case <-time.After(d):
		t.Fatalf("ReadFile(%s) still blocked after %v", path, d)
		return nil, nil
	}
}

// permissionsAreEnforced reports whether this process is stopped by
// permission bits; root (CAP_DAC_OVERRIDE) is not.
func permissionsAreEnforced(t *testing.T) bool {
	t.Helper()
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o555); err != nil {
		t.Fatal(err)
	}
	defer os.Chmod(dir, 0o755)
	f, err := os.Create(filepath.Join(dir, "probe"))
	if err != nil {
		return true
	}
	f.Close()
	return false
}

func TestWriteFileReplacesContent(t *testing.T) {
	tests := []struct {
		name     string
		mode     fs.FileMode
		old, new string
	}{
		{"write replaces content and keeps mode 0755", 0o755, "FROM alpine\n", "FROM alpine:3.20\nRUN true\n"},
		{"write replaces content and keeps mode 0600", 0o600, "FROM alpine\nRUN a\n", "FROM alpine\n"},
		{"write replaces content and keeps mode 0644", 0o644, "FROM scratch\n", "FROM scratch\nCOPY a /\n"},
		{"write keeps the setgid bit", fs.ModeSetgid | 0o750, "FROM scratch\n", "FROM scratch\n# fixed\n"},
		{"write empties a file", 0o644, "FROM scratch\n", ""},
		{"write fills an empty file", 0o640, "", "FROM scratch\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := newDir(t)
			path := filepath.Join(dir, "Dockerfile")
			createFile(t, path, tt.old, tt.mode)

			s, err := ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if string(s.Data) != tt.old || s.Mode != tt.mode || s.Size != int64(len(tt.old)) {
				t.Fatalf("snapshot has Data %q, Mode %v, Size %d; want %q, %v, %d",
					s.Data, s.Mode, s.Size, tt.old, tt.mode, len(tt.old))
			}
			if err := s.WriteFile([]byte(tt.new)); err != nil {
				t.Fatal(err)
			}
			assertContent(t, path, tt.new)
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if got := fi.Mode() & keptModeBits; got != tt.mode {
				t.Errorf("mode after write is %v, want %v", got, tt.mode)
			}
		})
	}
}

func TestReadFileRecordsSnapshot(t *testing.T) {
	dir := newDir(t)
	path := filepath.Join(dir, "Dockerfile")
	createFile(t, path, "FROM alpine\n", 0o644)

	s, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	real, err := filepath.EvalSymlinks(path) // TempDir itself may sit behind a symlink
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	switch {
	case s.Path != path:
		t.Errorf("Path = %q, want %q", s.Path, path)
	case s.Target != real:
		t.Errorf("Target = %q, want %q", s.Target, real)
	case string(s.Data) != "FROM alpine\n":
		t.Errorf("Data = %q", s.Data)
	case s.Size != fi.Size() || !s.ModTime.Equal(fi.ModTime()):
		t.Errorf("Size, ModTime = %d, %v; want %d, %v", s.Size, s.ModTime, fi.Size(), fi.ModTime())
	case s.Hash == [len(s.Hash)]byte{}:
		t.Error("Hash not recorded")
	}
}

func TestWriteFileTwiceThroughOneSnapshot(t *testing.T) {
	dir := newDir(t)
	path := filepath.Join(dir, "Dockerfile")
	createFile(t, path, "one\n", 0o644)

	s, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, content := range []string{"two\n", "three, longer\n", "4\n"} {
		if err := s.WriteFile([]byte(content)); err != nil {
			t.Fatalf("writing %q: %v", content, err)
		}
		assertContent(t, path, content)
		if string(s.Data) != content {
			t.Errorf("snapshot Data = %q after writing %q", s.Data, content)
		}
	}
}

func TestWriteFileKeepsOwner(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("giving a file to another owner needs root")
	}
	dir := newDir(t)
	path := filepath.Join(dir, "Dockerfile")
	const mode = fs.ModeSetuid | 0o755
	createFile(t, path, "FROM alpine\n", 0o755)
	if err := os.Chown(path, 1234, 5678); err != nil {
		t.Skipf("cannot chown here: %v", err)
	}
	if err := os.Chmod(path, mode); err != nil { // after chown, which clears setuid
		t.Fatal(err)
	}

	s, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.WriteFile([]byte("FROM alpine:3\n")); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	st := fi.Sys().(*syscall.Stat_t)
	if st.Uid != 1234 || st.Gid != 5678 {
		t.Errorf("owner after write is %d:%d, want 1234:5678", st.Uid, st.Gid)
	}
	if got := fi.Mode() & keptModeBits; got != mode {
		t.Errorf("mode after write is %v, want %v", got, mode)
	}
}

func TestWriteFileThroughSymlink(t *testing.T) {
	tests := []struct {
		name string
		// setup creates the real file and the links in dir and other, and
		// returns the path to give ReadFile and the real file.
		setup func(t *testing.T, dir, other string) (link, real string)
	}{
		{"symlink in the same folder: target rewritten, link kept", func(t *testing.T, dir, other string) (string, string) {
			real := filepath.Join(dir, "Dockerfile.real")
			createFile(t, real, "FROM alpine\n", 0o640)
			link := filepath.Join(dir, "Dockerfile")
			mustSymlink(t, "Dockerfile.real", link)
			return link, real
		}},
		{"symlink into another folder: target rewritten there, link kept", func(t *testing.T, dir, other string) (string, string) {
			real := filepath.Join(other, "Dockerfile")
			createFile(t, real, "FROM alpine\n", 0o640)
			link := filepath.Join(dir, "Dockerfile")
			mustSymlink(t, real, link)
			return link, real
		}},
		{"chain of symlinks: last target rewritten, both links kept", func(t *testing.T, dir, other string) (string, string) {
			real := filepath.Join(other, "Dockerfile")
			createFile(t, real, "FROM alpine\n", 0o640)
			mid := filepath.Join(other, "Dockerfile.link")
			mustSymlink(t, "Dockerfile", mid)
			link := filepath.Join(dir, "Dockerfile")
			mustSymlink(t, mid, link)
			return link, real
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir, other := newDir(t), newDir(t)
			link, real := tt.setup(t, dir, other)
			linkText, err := os.Readlink(link)
			if err != nil {
				t.Fatal(err)
			}

			s, err := ReadFile(link)
			if err != nil {
				t.Fatal(err)
			}
			wantTarget, err := filepath.EvalSymlinks(real)
			if err != nil {
				t.Fatal(err)
			}
			if s.Target != wantTarget {
				t.Errorf("Target = %q, want %q", s.Target, wantTarget)
			}
			if err := s.WriteFile([]byte("FROM alpine:3.20\n")); err != nil {
				t.Fatal(err)
			}

			fi, err := os.Lstat(link)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode()&fs.ModeSymlink == 0 {
				t.Fatalf("%s is no longer a symlink (mode %v)", link, fi.Mode())
			}
			if got, _ := os.Readlink(link); got != linkText {
				t.Errorf("link now points to %q, want %q", got, linkText)
			}
			assertContent(t, real, "FROM alpine:3.20\n")
			if fi, err := os.Stat(real); err != nil || fi.Mode().Perm() != 0o640 {
				t.Errorf("real file after write: mode %v, err %v; want mode 0640", fi.Mode(), err)
			}
		})
	}
}

func mustSymlink(t *testing.T, oldname, newname string) {
	t.Helper()
	if err := os.Symlink(oldname, newname); err != nil {
		t.Fatal(err)
	}
}

func TestReadFileRefusesNonRegularFiles(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, path string)
		want  string // the error's text after "PATH: "
		is    error  // an error the result must match, besides ErrNotRegular
	}{
		{"directory named Dockerfile is refused as a directory", func(t *testing.T, path string) {
			if err := os.Mkdir(path, 0o755); err != nil {
				t.Fatal(err)
			}
		}, "not a regular file (is a directory)", syscall.EISDIR},
		{"symlink to a directory is refused as a directory", func(t *testing.T, path string) {
			mustSymlink(t, t.TempDir(), path)
		}, "not a regular file (is a directory)", syscall.EISDIR},
		{"FIFO is refused without blocking", func(t *testing.T, path string) {
			if err := syscall.Mkfifo(path, 0o644); err != nil {
				t.Fatal(err)
			}
		}, "not a regular file (is a named pipe)", nil},
		{"symlink to a FIFO is refused without blocking", func(t *testing.T, path string) {
			fifo := filepath.Join(t.TempDir(), "fifo")
			if err := syscall.Mkfifo(fifo, 0o644); err != nil {
				t.Fatal(err)
			}
			mustSymlink(t, fifo, path)
		}, "not a regular file (is a named pipe)", nil},
		{"unix socket is refused", func(t *testing.T, path string) {
			l, err := net.Listen("unix", path)
			if err != nil {
				t.Skipf("cannot create a unix socket: %v", err)
			}
			t.Cleanup(func() { l.Close() })
		}, "not a regular file (is a socket)", nil},
		{"character device is refused", func(t *testing.T, path string) {
			if _, err := os.Stat("/dev/null"); err != nil {
				t.Skip("no /dev/null")
			}
			mustSymlink(t, "/dev/null", path)
		}, "not a regular file (is a character device)", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(newDir(t), "Dockerfile")
			tt.setup(t, path)

			s, err := readFileWithin(t, path, 5*time.Second)
			if err == nil {
				t.Fatalf("ReadFile succeeded with %q", s.Data)
			}
			if want := path + ": " + tt.want; err.Error() != want {
				t.Errorf("error is %q, want %q", err, want)
			}
			if !errors.Is(err, ErrNotRegular) {
				t.Errorf("error %q does not match ErrNotRegular", err)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %q does not match %v", err, tt.is)
			}
		})
	}
}

func TestReadFileErrors(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, path string)
		is    error
	}{
		{"symlink pointing to itself gives an error", func(t *testing.T, path string) {
			mustSymlink(t, filepath.Base(path), path)
		}, syscall.ELOOP},
		{"symlink loop of two links gives an error", func(t *testing.T, path string) {
			other := filepath.Join(filepath.Dir(path), "other")
			mustSymlink(t, other, path)
			mustSymlink(t, path, other)
		}, syscall.ELOOP},
		{"missing file gives a not-exist error", func(t *testing.T, path string) {}, fs.ErrNotExist},
		{"dangling symlink gives a not-exist error", func(t *testing.T, path string) {
			mustSymlink(t, "nowhere", path)
		}, fs.ErrNotExist},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(newDir(t), "Dockerfile")
			tt.setup(t, path)

			_, err := readFileWithin(t, path, 5*time.Second)
			if err == nil {
				t.Fatal("ReadFile succeeded")
			}
			assertPathPrefix(t, err, path)
			if !errors.Is(err, tt.is) {
				t.Errorf("error %q does not match %v", err, tt.is)
			}
		})
	}
}

func TestReadFileWithoutReadPermission(t *testing.T) {
	dir := newDir(t)
	path := filepath.Join(dir, "Dockerfile")
	createFile(t, path, "FROM alpine\n", 0o000)
	if _, err := os.ReadFile(path); err == nil {
		t.Skip("running as root: permission bits do not stop reads")
	}

	_, err := ReadFile(path)
	if err == nil {
		t.Fatal("ReadFile succeeded on a file without read permission")
	}
	assertPathPrefix(t, err, path)
	if !errors.Is(err, fs.ErrPermission) {
		t.Errorf("error %q does not match fs.ErrPermission", err)
	}
}

func TestWriteFileRefusesFileChangedOnDisk(t *testing.T) {
	const original = "FROM alpine\n"
	tests := []struct {
		name string
		// change modifies path after ReadFile and returns what it should
		// then hold ("" and exists false if it should be gone).
		change func(t *testing.T, path string) (want string, exists bool)
	}{
		{"content rewritten with a different size is not overwritten", func(t *testing.T, path string) (string, bool) {
			createFile(t, path, "FROM debian:12\n", 0o644)
			return "FROM debian:12\n", true
		}},
		{"content rewritten with the same size and old mtime is not overwritten", func(t *testing.T, path string) (string, bool) {
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			createFile(t, path, "FROM ALPINE\n", 0o644)
			if err := os.Chtimes(path, fi.ModTime(), fi.ModTime()); err != nil {
				t.Fatal(err)
			}
			return "FROM ALPINE\n", true
		}},
		{"file only touched is not overwritten", func(t *testing.T, path string) (string, bool) {
			later := time.Now().Add(time.Hour)
			if err := os.Chtimes(path, later, later); err != nil {
				t.Fatal(err)
			}
			return original, true
		}},
		{"file replaced by a copy with the same mtime is not overwritten", func(t *testing.T, path string) (string, bool) {
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			copy := path + ".copy"
			createFile(t, copy, original, 0o644)
			if err := os.Chtimes(copy, fi.ModTime(), fi.ModTime()); err != nil {
				t.Fatal(err)
			}
			if err := os.Rename(copy, path); err != nil {
				t.Fatal(err)
			}
			return original, true
		}},
		{"deleted file is not recreated", func(t *testing.T, path string) (string, bool) {
			if err := os.Remove(path); err != nil {
				t.Fatal(err)
			}
			return "", false
		}},
		{"file replaced by a symlink to another file is not overwritten", func(t *testing.T, path string) (string, bool) {
			elsewhere := filepath.Join(t.TempDir(), "Dockerfile")
			createFile(t, elsewhere, "FROM other\n", 0o644)
			if err := os.Remove(path); err != nil {
				t.Fatal(err)
			}
			mustSymlink(t, elsewhere, path)
			return "FROM other\n", true
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(newDir(t), "Dockerfile")
			createFile(t, path, original, 0o644)
			s, err := ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			want, exists := tt.change(t, path)

			err = s.WriteFile([]byte("FROM alpine:3.20\n"))
			if !errors.Is(err, ErrChangedOnDisk) {
				t.Fatalf("WriteFile returned %v, want ErrChangedOnDisk", err)
			}
			assertPathPrefix(t, err, path)
			if !exists {
				if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
					t.Errorf("%s exists again after WriteFile (Lstat: %v)", path, err)
				}
				return
			}
			assertContent(t, path, want)
		})
	}
}

func TestWriteFileRefusesRetargetedSymlink(t *testing.T) {
	dir := newDir(t)
	first, second := filepath.Join(dir, "a.Dockerfile"), filepath.Join(dir, "b.Dockerfile")
	createFile(t, first, "FROM a\n", 0o644)
	createFile(t, second, "FROM b\n", 0o644)
	link := filepath.Join(dir, "Dockerfile")
	mustSymlink(t, "a.Dockerfile", link)
	s, err := ReadFile(link)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(link); err != nil {
		t.Fatal(err)
	}
	mustSymlink(t, "b.Dockerfile", link)

	err = s.WriteFile([]byte("FROM c\n"))
	if !errors.Is(err, ErrChangedOnDisk) {
		t.Fatalf("WriteFile returned %v, want ErrChangedOnDisk", err)
	}
	assertContent(t, first, "FROM a\n")
	assertContent(t, second, "FROM b\n")
}

func TestWriteFileInReadOnlyFolder(t *testing.T) {
	if !permissionsAreEnforced(t) {
		t.Skip("running as root: a 0555 folder does not stop writes")
	}
	dir := newDir(t)
	path := filepath.Join(dir, "Dockerfile")
	createFile(t, path, "FROM alpine\n", 0o644)
	s, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o555); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(dir, 0o755) }) // runs before the temp file check

	err = s.WriteFile([]byte("FROM alpine:3.20\n"))
	if err == nil {
		t.Fatal("WriteFile succeeded in a read-only folder")
	}
	assertPathPrefix(t, err, path)
	if !errors.Is(err, fs.ErrPermission) {
		t.Errorf("error %q does not match fs.ErrPermission", err)
	}
	assertContent(t, path, "FROM alpine\n")
}

// faultyFile is a temporary file whose operations can be made to fail.
type faultyFile struct {
	*os.File
	write, chmod, sync, close error
	short                     bool // write half the data and report no error
}

func (f *faultyFile) Write(p []byte) (int, error) {
	switch {
	case f.write != nil:
		n, _ := f.File.Write(p[:len(p)/2]) // a partial write, then the disk is full
		return n, f.write
	case f.short:
		return f.File.Write(p[:len(p)/2])
	}
	return f.File.Write(p)
}

func (f *faultyFile) Chmod(mode fs.FileMode) error {
	if f.chmod != nil {
		return f.chmod
	}
	return f.File.Chmod(mode)
}

func (f *faultyFile) Sync() error {
	if f.sync != nil {
		return f.sync
	}
	return f.File.Sync()
}

func (f *faultyFile) Close() error {
	err := f.File.Close()
	if f.close != nil {
		return f.close
	}
	return err
}

func TestWriteFileInjectedFaults(t *testing.T) {
	createWith := func(ff faultyFile) func(dir, pattern string) (TempFile, error) {
		return func(dir, pattern string) (TempFile, error) {
			f, err := os.CreateTemp(dir, pattern)
			if err != nil {
				return nil, err
			}
			ff.File = f
			return &ff, nil
		}
	}
	tests := []struct {
		name   string
		writer Writer
		is     error
	}{
		{"failing to create the temporary file leaves the original intact", Writer{
			CreateTemp: func(dir, pattern string) (TempFile, error) { return nil, syscall.ENOSPC },
		}, syscall.ENOSPC},
		{"disk full while writing leaves the original intact", Writer{
			CreateTemp: createWith(faultyFile{write: syscall.ENOSPC}),
		}, syscall.ENOSPC},
		{"short write leaves the original intact", Writer{
			CreateTemp: createWith(faultyFile{short: true}),
		}, nil},
		{"failing chmod leaves the original intact", Writer{
			CreateTemp: createWith(faultyFile{chmod: syscall.EPERM}),
		}, syscall.EPERM},
		{"failing fsync leaves the original intact", Writer{
			CreateTemp: createWith(faultyFile{sync: syscall.EIO}),
		}, syscall.EIO},
		{"failing close leaves the original intact", Writer{
			CreateTemp: createWith(faultyFile{close: syscall.EIO}),
		}, syscall.EIO},
		{"failing rename leaves the original intact", Writer{
			Rename: func(oldpath, newpath string) error {
				return &os.LinkError{Op: "rename", Old: oldpath, New: newpath, Err: syscall.EXDEV}
			},
		}, syscall.EXDEV},
	}
	const original = "FROM alpine\nRUN apk add curl\n"
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := newDir(t)
			path := filepath.Join(dir, "Dockerfile")
			createFile(t, path, original, 0o644)
			s, err := ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}

			err = tt.writer.WriteFile(s, []byte("FROM alpine:3.20\nRUN apk add --no-cache curl\n"))
			if err == nil {
				t.Fatal("WriteFile succeeded despite the fault")
			}
			assertPathPrefix(t, err, path)
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %q does not match %v", err, tt.is)
			}
			assertContent(t, path, original)
			assertNoTempFiles(t, dir)

			// The failed attempt did not spoil the snapshot.
			if err := s.WriteFile([]byte("FROM alpine:3.21\n")); err != nil {
				t.Fatalf("writing after the failed attempt: %v", err)
			}
			assertContent(t, path, "FROM alpine:3.21\n")
		})
	}
}

func TestZeroWriterWritesLikeSnapshotWriteFile(t *testing.T) {
	dir := newDir(t)
	path := filepath.Join(dir, "Dockerfile")
	createFile(t, path, "FROM alpine\n", 0o600)
	s, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	data := []byte("FROM alpine:3.20\n")
	if err := (Writer{}).WriteFile(s, data); err != nil {
		t.Fatal(err)
	}
	assertContent(t, path, string(data))
	data[0] = 'X' // the snapshot keeps its own copy
	if !bytes.Equal(s.Data, []byte("FROM alpine:3.20\n")) {
		t.Errorf("snapshot Data aliases the caller's slice: %q", s.Data)
	}
}

func TestWriteFileRefusesAReadOnlyFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "Dockerfile")
	if err := os.WriteFile(path, []byte("FROM a\n"), 0o444); err != nil {
		t.Fatal(err)
	}
	s, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.WriteFile([]byte("FROM b\n")); !errors.Is(err, ErrReadOnly) {
		t.Fatalf("got %v, want ErrReadOnly", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "FROM a\n" {
		t.Errorf("read-only file changed to %q", b)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".dfix-*")); len(left) > 0 {
		t.Errorf("temp files left: %v", left)
	}
}
