package rewrite

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// ErrChangedOnDisk reports that the file on disk is no longer what ReadFile
// read, so writing would lose somebody else's edit. Nothing is written.
var ErrChangedOnDisk = errors.New("file changed on disk since it was read; not overwritten")

// ErrNotRegular reports that a path names something other than a regular file
// (a directory, named pipe, socket, device, ...). Errors for directories also
// match syscall.EISDIR.
var ErrNotRegular = errors.New("not a regular file")

// ErrReadOnly is returned for a file without write permission (no owner write bit, or
// none for the user running dfix): renaming a new file over it would work (the folder
// is writable), but its owner said not to change it.
var ErrReadOnly = errors.New("file is read-only; not overwritten")

// tempPattern is the name pattern of the temporary files WriteFile creates
// next to the target; a leftover file matching it is always garbage.
const tempPattern = ".dfix-*.tmp"

// keptModeBits are the mode bits a rewrite carries over to the new file.
const keptModeBits = fs.ModePerm | fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky

// Snapshot is a file as ReadFile read it: its content plus enough metadata to
// notice, before writing, that the file changed on disk in the meantime.
// Obtain snapshots with ReadFile; a Snapshot built by hand never matches the
// file on disk, so writing through it fails with ErrChangedOnDisk.
type Snapshot struct {
	Path    string      // the path as given
	Target  string      // the resolved real file (absolute, symlinks followed)
	Data    []byte      // the content read
	Mode    fs.FileMode // permission bits (and setuid, setgid, sticky) to keep
	Size    int64       // size on disk when read
	ModTime time.Time   // modification time on disk when read
	Hash    [sha256.Size]byte

	info     fs.FileInfo // identity of the file read, for os.SameFile
	uid, gid int         // owner when read, if hasOwner
	hasOwner bool
}

// ReadFile reads path for later rewriting. It refuses non-regular files
// (directories, FIFOs, devices, sockets) with a clear error, follows symlinks
// (the link is kept, the target is what gets read and later written), and
// records what it read.
//
// Nothing is opened before it is known to be a regular file, so a named pipe
// cannot make ReadFile block.
func ReadFile(path string) (*Snapshot, error) {
	// Stat, not open: opening a FIFO would block until a writer shows up.
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("%s: reading: %w", path, bare(err))
	}
	if err := checkRegular(path, fi); err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("%s: resolving path: %w", path, err)
	}
	target, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return nil, fmt.Errorf("%s: resolving symlinks: %w", path, bare(err))
	}
	data, info, err := readRegular(path, target)
	if err != nil {
		return nil, err
	}
	s := &Snapshot{Path: path, Target: target}
	s.record(data, info)
	return s, nil
}

// ReadBytes reads path for a run that writes nothing (check, --diff, -l): the same
// refusals and messages as ReadFile, without what only a later write needs (the
// resolved target, the content hash). Resolving symlinks costs a stat per folder of
// the path, which was a tenth of a check run over a tree of small files.
func ReadBytes(path string) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("%s: reading: %w", path, bare(err))
	}
	if err := checkRegular(path, fi); err != nil {
		return nil, err
	}
	data, _, err := readOpened(path, path, fi)
	return data, err
}

// record sets everything the snapshot remembers about the file from its
// content and the metadata of the file it now is on disk.
func (s *Snapshot) record(data []byte, info fs.FileInfo) {
	s.Data = data
	s.Mode = info.Mode() & keptModeBits
	s.Size = info.Size()
	s.ModTime = info.ModTime()
	s.Hash = sha256.Sum256(data)
	s.info = info
	s.uid, s.gid, s.hasOwner = ownerOf(info)
}

// readRegular reads the real file target (no symlinks left in the path),
// reporting problems against path. It checks the file is regular before
// opening it and again through the open handle, in case the file was swapped
// in between; O_NONBLOCK keeps even a swapped-in FIFO from blocking the open.
// The returned FileInfo describes the file after reading.
func readRegular(path, target string) ([]byte, fs.FileInfo, error) {
	lfi, err := os.Lstat(target)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: reading: %w", path, bare(err))
	}
	if err := checkRegular(path, lfi); err != nil {
		return nil, nil, err
	}
	return readOpened(path, target, lfi)
}

// readOpened opens target, checks through the handle that it is still the regular
// file fi describes, and reads it; see readRegular.
func readOpened(path, target string, fi fs.FileInfo) ([]byte, fs.FileInfo, error) {
	f, err := os.OpenFile(target, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: opening: %w", path, bare(err))
	}
	defer f.Close()
	before, err := f.Stat()
	if err != nil {
		return nil, nil, fmt.Errorf("%s: reading: %w", path, bare(err))
	}
	if err := checkRegular(path, before); err != nil {
		return nil, nil, err
	}
	if !os.SameFile(fi, before) {
		return nil, nil, fmt.Errorf("%s: %w (replaced while being opened)", path, ErrChangedOnDisk)
	}
	// Sized from the stat: io.ReadAll's doublings cost a 10 MB file 20 MB of garbage.
	buf := bytes.NewBuffer(make([]byte, 0, before.Size()+bytes.MinRead))
	_, err = buf.ReadFrom(f)
	data := buf.Bytes()
	if err != nil {
		return nil, nil, fmt.Errorf("%s: reading: %w", path, bare(err))
	}
	after, err := f.Stat()
	if err != nil {
		return nil, nil, fmt.Errorf("%s: reading: %w", path, bare(err))
	}
	if after.Size() != before.Size() || !after.ModTime().Equal(before.ModTime()) ||
		int64(len(data)) != after.Size() {
		return nil, nil, fmt.Errorf("%s: %w (modified while being read)", path, ErrChangedOnDisk)
	}
	return data, after, nil
}

// checkRegular returns a "PATH: not a regular file (is a ...)" error unless
// fi describes a regular file.
func checkRegular(path string, fi fs.FileInfo) error {
	m := fi.Mode()
	switch {
	case m.IsRegular():
		return nil
	case m.IsDir():
		// syscall.EISDIR reads "is a directory".
		return fmt.Errorf("%s: %w (%w)", path, ErrNotRegular, syscall.EISDIR)
	case m&fs.ModeNamedPipe != 0:
		return fmt.Errorf("%s: %w (is a named pipe)", path, ErrNotRegular)
	case m&fs.ModeSocket != 0:
		return fmt.Errorf("%s: %w (is a socket)", path, ErrNotRegular)
	case m&fs.ModeCharDevice != 0:
		return fmt.Errorf("%s: %w (is a character device)", path, ErrNotRegular)
	case m&fs.ModeDevice != 0:
		return fmt.Errorf("%s: %w (is a block device)", path, ErrNotRegular)
	case m&fs.ModeSymlink != 0:
		return fmt.Errorf("%s: %w (is a symbolic link)", path, ErrNotRegular)
	default:
		return fmt.Errorf("%s: %w (file type %v)", path, ErrNotRegular, m.Type())
	}
}

// TempFile is the part of *os.File that WriteFile uses on the temporary file.
// It exists so tests can inject faults through Writer.CreateTemp.
type TempFile interface {
	Name() string
	Write(p []byte) (n int, err error)
	Chown(uid, gid int) error
	Chmod(mode fs.FileMode) error
	Sync() error
	Stat() (fs.FileInfo, error)
	Close() error
}

// Writer replaces files atomically. Its zero value uses the os package and is
// what (*Snapshot).WriteFile uses; the fields exist for fault injection in
// tests.
type Writer struct {
	// CreateTemp creates the temporary file in dir, like os.CreateTemp.
	// Nil means os.CreateTemp.
	CreateTemp func(dir, pattern string) (TempFile, error)
	// Rename moves the finished temporary file over the target, like
	// os.Rename. Nil means os.Rename.
	Rename func(oldpath, newpath string) error
}

// WriteFile replaces the snapshot's target with data using the default
// Writer; see Writer.WriteFile.
func (s *Snapshot) WriteFile(data []byte) error {
	return Writer{}.WriteFile(s, data)
}

// WriteFile replaces the snapshot's target with data, atomically: it writes a
// temporary file in the same folder, fsyncs it, gives it the original
// permission bits (and, best-effort, the original owner), checks that the
// target on disk is still exactly what was read (same file, size, mtime and
// content hash; otherwise ErrChangedOnDisk, and nothing is written), then
// renames it over the target. A symlink given to ReadFile stays a symlink; the
// file it points to is replaced.
//
// On any error the temporary file is removed and the original is untouched.
// On success the snapshot is updated to describe the new file, so it can be
// written through again.
//
// A change made to the target in the short window between the final check
// and the rename cannot be detected.
func (w Writer) WriteFile(s *Snapshot, data []byte) error {
	st, err := w.Stage(s, data)
	if err != nil {
		return err
	}
	return w.Commit([]*Staged{st})[0]
}

// Staged is a fixed file written to a temporary file beside its target, with the
// target's mode and owner, neither synced nor in place yet: Writer.Commit finishes it.
type Staged struct {
	s    *Snapshot
	data []byte
	f    TempFile // open until Commit syncs it
	tmp  string
	info fs.FileInfo
	// counted: f is open and counted in openStaged.
	counted bool
}

// Stage does the first half of WriteFile: the temporary file, written, owned and
// moded like the target. On error nothing is left behind.
func (w Writer) Stage(s *Snapshot, data []byte) (st *Staged, err error) {
	create := w.CreateTemp
	if create == nil {
		create = func(dir, pattern string) (TempFile, error) {
			f, err := os.CreateTemp(dir, pattern)
			if err != nil {
				return nil, err // not a typed nil *os.File
			}
			return f, nil
		}
	}
	// The owner's bit for root, whom the permission bits do not stop; the user's
	// permission for anybody else: a rename would replace a file they may not write.
	if s.Mode.Perm()&0o200 == 0 || !mayWrite(s.Target) {
		return nil, fmt.Errorf("%s: %w", s.Path, ErrReadOnly)
	}
	f, err := create(filepath.Dir(s.Target), tempPattern)
	if err != nil {
		return nil, fmt.Errorf("%s: creating temporary file: %w", s.Path, bare(err))
	}
	staged := &Staged{s: s, data: data, f: f, tmp: f.Name()}
	defer func() {
		if err != nil {
			staged.Abort()
		}
	}()
	st = staged
	n, err := f.Write(data)
	if err == nil && n != len(data) {
		err = io.ErrShortWrite
	}
	if err != nil {
		return nil, fmt.Errorf("%s: writing temporary file: %w", s.Path, bare(err))
	}
	if s.hasOwner {
		preserveOwner(f, s.uid, s.gid)
	}
	// After chown, which may clear setuid/setgid.
	if err := f.Chmod(s.Mode); err != nil {
		return nil, fmt.Errorf("%s: setting permissions: %w", s.Path, bare(err))
	}
	if openStaged.Add(1) > maxOpenStaged {
		// Too many files wait for a commit: this one is synced and closed now, as
		// WriteFile always did, so that a batch never runs out of file descriptors.
		openStaged.Add(-1)
		if err := staged.sync(); err != nil {
			return nil, err
		}
		return staged, nil
	}
	staged.counted = true
	return staged, nil
}

// openStaged counts the staged files still open, across writers; past
// maxOpenStaged, Stage syncs and closes at once.
var openStaged atomic.Int64

const maxOpenStaged = 256

// Abort removes a staged file's temporary file; the target is untouched.
func (st *Staged) Abort() {
	st.close()
	os.Remove(st.tmp)
}

// close closes the temporary file if it is still open.
func (st *Staged) close() error {
	if st.f == nil {
		return nil
	}
	err := st.f.Close()
	st.f = nil
	if st.counted {
		st.counted = false
		openStaged.Add(-1)
	}
	return err
}

// syncers is how many temporary files Commit syncs at once.
const syncers = 32

// Commit does the second half of WriteFile for a batch of staged files and returns
// each one's error (nil: written). The crash guarantee is WriteFile's: a temporary
// file is synced before it is renamed over its target, so a crash leaves every file
// whole, old or new. What a batch saves is waiting: the syncs are issued together
// (a journaling file system commits concurrent syncs as one), then each target is
// checked unchanged and renamed, then each folder is synced once, not once a file.
// A file that fails is left as it was and its temporary file removed.
func (w Writer) Commit(staged []*Staged) []error {
	rename := w.Rename
	if rename == nil {
		rename = os.Rename
	}
	errs := make([]error, len(staged))
	concurrently(len(staged), func(i int) { errs[i] = staged[i].sync() })
	var dirs []string
	synced := map[string]bool{}
	for i, st := range staged {
		if errs[i] == nil {
			errs[i] = st.s.checkUnchanged()
		}
		if errs[i] == nil {
			if err := rename(st.tmp, st.s.Target); err != nil {
				errs[i] = fmt.Errorf("%s: replacing file: %w", st.s.Path, bare(err))
			}
		}
		if errs[i] != nil {
			st.Abort()
			continue
		}
		if dir := filepath.Dir(st.s.Target); !synced[dir] {
			synced[dir] = true
			dirs = append(dirs, dir)
		}
		st.s.record(bytes.Clone(st.data), st.info)
	}
	concurrently(len(dirs), func(i int) { syncDir(dirs[i]) })
	return errs
}

// concurrently runs fn(0) ... fn(n-1), at most syncers at a time, and waits for them.
func concurrently(n int, fn func(i int)) {
	sem := make(chan struct{}, syncers)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			fn(i)
		}()
	}
	wg.Wait()
}

// sync makes a staged file's content durable and closes it; a file already synced
// (see Stage) is left as it is.
func (st *Staged) sync() error {
	s, f := st.s, st.f
	if f == nil {
		return nil
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("%s: syncing temporary file: %w", s.Path, bare(err))
	}
	info, err := f.Stat()
	if err != nil {
		return fmt.Errorf("%s: checking temporary file: %w", s.Path, bare(err))
	}
	if err := st.close(); err != nil {
		return fmt.Errorf("%s: closing temporary file: %w", s.Path, bare(err))
	}
	st.info = info
	return nil
}

// checkUnchanged returns nil if s.Path still leads to the file that was read
// and that file still has the size, mtime and content that were read, and an
// error wrapping ErrChangedOnDisk otherwise.
func (s *Snapshot) checkUnchanged() error {
	changed := func(why string) error {
		return fmt.Errorf("%s: %w (%s)", s.Path, ErrChangedOnDisk, why)
	}
	abs, err := filepath.Abs(s.Path)
	if err != nil {
		return fmt.Errorf("%s: %w: %w", s.Path, ErrChangedOnDisk, err)
	}
	target, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return fmt.Errorf("%s: %w: %w", s.Path, ErrChangedOnDisk, bare(err))
	}
	if target != s.Target {
		return changed("now resolves to " + target)
	}
	fi, err := os.Lstat(s.Target)
	if err != nil {
		return fmt.Errorf("%s: %w: %w", s.Path, ErrChangedOnDisk, bare(err))
	}
	switch {
	case s.info == nil || !fi.Mode().IsRegular() || !os.SameFile(fi, s.info):
		return changed("replaced by another file")
	case fi.Size() != s.Size:
		return changed(fmt.Sprintf("size %d, was %d", fi.Size(), s.Size))
	case !fi.ModTime().Equal(s.ModTime):
		return changed("modification time differs")
	}
	// Same file, size and mtime; an error here (say, read permission
	// revoked) is not a change of content, so it is returned as it is.
	data, _, err := readRegular(s.Path, s.Target)
	if err != nil {
		return err
	}
	if sha256.Sum256(data) != s.Hash {
		return changed("content differs")
	}
	return nil
}

// preserveOwner gives the temporary file the original owner, best-effort:
// only root may give a file away, so a non-root user keeps at least the
// original group if they belong to it. Failures are ignored; ownership never
// stops a rewrite.
func preserveOwner(f TempFile, uid, gid int) {
	if fi, err := f.Stat(); err == nil {
		if u, g, ok := ownerOf(fi); ok && u == uid && g == gid {
			return
		}
	}
	if err := f.Chown(uid, gid); err != nil && errors.Is(err, fs.ErrPermission) {
		f.Chown(-1, gid)
	}
}

// ownerOf returns the numeric owner and group of fi where the platform
// reports them (the Uid and Gid fields of syscall.Stat_t on Unix). It uses
// reflection so this file builds on platforms without syscall.Stat_t.
func ownerOf(fi fs.FileInfo) (uid, gid int, ok bool) {
	v := reflect.ValueOf(fi.Sys())
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return 0, 0, false
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return 0, 0, false
	}
	u, g := v.FieldByName("Uid"), v.FieldByName("Gid")
	if !u.IsValid() || !g.IsValid() || !u.CanUint() || !g.CanUint() {
		return 0, 0, false
	}
	return int(u.Uint()), int(g.Uint()), true
}

// syncDir makes a rename in dir durable, best-effort: not every platform can
// fsync a directory, and the rename has already happened.
func syncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	d.Sync()
	d.Close()
}

// bare strips the *fs.PathError or *os.LinkError wrapper from err, whose
// message repeats the path and names the syscall, so that messages read
// "PATH: reading: permission denied". errors.Is still sees the cause.
func bare(err error) error {
	switch e := err.(type) {
	case *fs.PathError:
		return e.Err
	case *os.LinkError:
		return e.Err
	}
	return err
}
