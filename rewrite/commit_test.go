//go:build unix

package rewrite

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// A batch is all or nothing per file, never for the batch: each file is either
// written whole or left as it was, and one failure does not stop the others.
func TestCommitBatch(t *testing.T) {
	tests := []struct {
		name string
		// spoil is done to file 3 of the batch after it is staged, before the commit.
		spoil   func(t *testing.T, path string)
		rename  func(oldpath, newpath string) error
		wantErr error // file 3's error; nil: every file is written
	}{
		{name: "every staged file is in place after the commit, with its mode"},
		{
			name:    "a file edited after it was staged is left as edited and the others are written",
			spoil:   func(t *testing.T, path string) { createFile(t, path, "edited\n", 0o640) },
			wantErr: ErrChangedOnDisk,
		},
		{
			name: "a failed rename leaves that file as it was and the others are written",
			rename: func(oldpath, newpath string) error {
				if filepath.Base(newpath) == "Dockerfile.3" {
					return &os.LinkError{Op: "rename", Old: oldpath, New: newpath, Err: syscall.EIO}
				}
				return os.Rename(oldpath, newpath)
			},
			wantErr: syscall.EIO,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := newDir(t)
			w := Writer{Rename: tt.rename}
			var staged []*Staged
			var paths []string
			for i := range 8 {
				dir := filepath.Join(root, fmt.Sprintf("d%d", i%4)) // two files a folder
				if err := os.MkdirAll(dir, 0o755); err != nil {
					t.Fatal(err)
				}
				p := filepath.Join(dir, fmt.Sprintf("Dockerfile.%d", i))
				createFile(t, p, "FROM a\n", 0o640)
				s, err := ReadFile(p)
				if err != nil {
					t.Fatal(err)
				}
				st, err := w.Stage(s, []byte(fmt.Sprintf("FROM b%d\n", i)))
				if err != nil {
					t.Fatal(err)
				}
				staged = append(staged, st)
				paths = append(paths, p)
			}
			if tt.spoil != nil {
				tt.spoil(t, paths[3])
			}
			errs := w.Commit(staged)
			for i, p := range paths {
				b, err := os.ReadFile(p)
				if err != nil {
					t.Fatal(err)
				}
				want, wantErr := fmt.Sprintf("FROM b%d\n", i), error(nil)
				if i == 3 && tt.wantErr != nil {
					want, wantErr = "FROM a\n", tt.wantErr
					if tt.spoil != nil {
						want = "edited\n"
					}
				}
				if string(b) != want {
					t.Errorf("%s holds %q, want %q", p, b, want)
				}
				if (errs[i] == nil) != (wantErr == nil) || wantErr != nil && !errors.Is(errs[i], wantErr) {
					t.Errorf("file %d: error %v, want %v", i, errs[i], wantErr)
				}
				if fi, err := os.Stat(p); err != nil || fi.Mode()&fs.ModePerm != 0o640 {
					t.Errorf("%s: mode %v (%v), want 0640", p, fi.Mode(), err)
				}
			}
			for i := range 4 {
				assertNoTempFiles(t, filepath.Join(root, fmt.Sprintf("d%d", i)))
			}
		})
	}
}
