//go:build unix

package rewrite

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// otherUser is the user (nobody) a test runs a write as, to meet the permission bits
// that root does not.
const otherUser = 65534

// writeAsOtherEnv names the file that the test binary, started again as otherUser,
// reads and writes (see TestWriteFileAsAnotherUser).
const writeAsOtherEnv = "DFIX_TEST_WRITE_AS_OTHER"

// A file the user may not write is never replaced, even in a folder that would let them
// rename a new file over it (where they would also become its owner); a file they may
// write through its group or other bits is written.
func TestWriteFileAsAnotherUser(t *testing.T) {
	if p := os.Getenv(writeAsOtherEnv); p != "" {
		// The test binary started again as otherUser: write and say how it went.
		s, err := ReadFile(p)
		if err == nil {
			err = s.WriteFile([]byte("FROM b\n"))
		}
		switch {
		case err == nil:
			fmt.Println("RESULT: written")
		case errors.Is(err, ErrReadOnly):
			fmt.Println("RESULT: read-only:", err)
		default:
			fmt.Println("RESULT: error:", err)
		}
		return
	}
	if os.Geteuid() != 0 {
		t.Skip("making a file of another user needs root")
	}
	tests := []struct {
		name     string
		mode     fs.FileMode
		uid, gid int
		want     string // the file's content after the write
		result   string // what the write said
	}{
		{"a file of another user that only its owner may write is left alone", 0o644, 0, 0, "FROM a\n", "read-only"},
		{"a file of another user that nobody may write is left alone", 0o444, 0, 0, "FROM a\n", "read-only"},
		{"a file the user's group may write is written", 0o664, 0, otherUser, "FROM b\n", "written"},
		{"a file anybody may write is written", 0o666, 0, 0, "FROM b\n", "written"},
		{"a file of the user's own is written", 0o644, otherUser, otherUser, "FROM b\n", "written"},
	}
	exe := runnableCopy(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(openDir(t), "work")
			if err := os.Mkdir(dir, 0o777); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(dir, 0o777); err != nil { // whatever the umask
				t.Fatal(err)
			}
			t.Cleanup(func() { assertNoTempFiles(t, dir) })
			path := filepath.Join(dir, "Dockerfile")
			createFile(t, path, "FROM a\n", tt.mode)
			if err := os.Chown(path, tt.uid, tt.gid); err != nil {
				t.Skipf("cannot chown here: %v", err)
			}
			if err := os.Chmod(path, tt.mode); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(exe, "-test.run=^TestWriteFileAsAnotherUser$")
			cmd.Env = append(os.Environ(), writeAsOtherEnv+"="+path)
			cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: otherUser, Gid: otherUser}}
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("running as user %d: %v\n%s", otherUser, err, out)
			}
			_, result, ok := strings.Cut(string(out), "RESULT: ")
			if !ok {
				t.Fatalf("no result from the test run as user %d:\n%s", otherUser, out)
			}
			result, _, _ = strings.Cut(result, "\n")
			if !strings.HasPrefix(result, tt.result) {
				t.Errorf("the write said %q, want %q", result, tt.result)
			}
			assertContent(t, path, tt.want)
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if tt.result != "written" {
				if st := fi.Sys().(*syscall.Stat_t); int(st.Uid) != tt.uid || int(st.Gid) != tt.gid {
					t.Errorf("owner is %d:%d, want %d:%d", st.Uid, st.Gid, tt.uid, tt.gid)
				}
			}
		})
	}
}

// openDir is a temporary folder that every user may enter.
func openDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, d := range []string{filepath.Dir(dir), dir} { // the test's folder, then this one
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// runnableCopy copies the test binary where otherUser can run it.
func runnableCopy(t *testing.T) string {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Skip("no path to the test binary:", err)
	}
	src, err := os.Open(self)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	exe := filepath.Join(openDir(t), "rewrite.test")
	dst, err := os.OpenFile(exe, os.O_CREATE|os.O_WRONLY, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
	return exe
}
