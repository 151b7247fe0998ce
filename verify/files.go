package verify

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"
)

// FileSet is an image's filesystem as a list: every file and symlink with its size,
// and which Debian package owns each path (from /var/lib/dpkg/info/*.list).
type FileSet struct {
	Files map[string]int64  // path without leading slash -> size (symlinks: 0)
	Owner map[string]string // path without leading slash -> package
}

// ReadFileSet reads a tar stream of a filesystem (what `docker export` writes).
func ReadFileSet(r io.Reader) (*FileSet, error) {
	fs := &FileSet{Files: map[string]int64{}, Owner: map[string]string{}}
	lists := map[string]string{} // package -> its .list file
	usrLinks := map[string]bool{}
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("reading the image's files: %w", err)
		}
		name := strings.TrimPrefix(path.Clean("/"+h.Name), "/")
		switch h.Typeflag {
		case tar.TypeReg, tar.TypeSymlink, tar.TypeLink:
		default:
			continue
		}
		if h.Typeflag == tar.TypeSymlink && !strings.Contains(name, "/") && h.Linkname == "usr/"+name {
			usrLinks[name] = true // merged /usr: /lib -> usr/lib
		}
		fs.Files[name] = h.Size
		if dir, file := path.Split(name); dir == "var/lib/dpkg/info/" && strings.HasSuffix(file, ".list") && h.Size < 16<<20 {
			b, err := io.ReadAll(tr)
			if err != nil {
				return nil, fmt.Errorf("reading %s: %w", name, err)
			}
			pkg, _, _ := strings.Cut(strings.TrimSuffix(file, ".list"), ":") // libc6:amd64
			lists[pkg] = string(b)
		}
	}
	for pkg, list := range lists {
		for _, p := range strings.Split(list, "\n") {
			p = strings.TrimPrefix(p, "/")
			if p == "" || p == "." {
				continue
			}
			if first, rest, ok := strings.Cut(p, "/"); ok && usrLinks[first] {
				p = "usr/" + first + "/" + rest
			}
			if _, ok := fs.Owner[p]; !ok {
				fs.Owner[p] = pkg
			}
		}
	}
	return fs, nil
}

// Group is a set of paths one image has and the other lacks: the files of one Debian
// package, or those under one folder.
type Group struct {
	Name     string   `json:"name"` // package name, or a folder such as /var/lib/apt/lists
	Package  bool     `json:"package"`
	Files    int      `json:"files"`
	Bytes    int64    `json:"bytes"`
	Examples []string `json:"examples,omitempty"` // a few of the paths
}

// FileDiff is what the fixed image lacks and adds compared with the original.
type FileDiff struct {
	Lacks      []Group `json:"lacks"`
	Adds       []Group `json:"adds"`
	LacksFiles int     `json:"lacks_files"`
	LacksBytes int64   `json:"lacks_bytes"`
	AddsFiles  int     `json:"adds_files"`
	AddsBytes  int64   `json:"adds_bytes"`
}

// noise are paths the engine writes into every container; they say nothing of the build.
var noise = map[string]bool{".dockerenv": true, "etc/hostname": true, "etc/hosts": true, "etc/resolv.conf": true}

// CompareFiles returns what fixed lacks and adds compared with orig, grouped by owning
// package (the owner in the image that has the path) or else by folder.
func CompareFiles(orig, fixed *FileSet) *FileDiff {
	fd := &FileDiff{}
	fd.Lacks, fd.LacksFiles, fd.LacksBytes = only(orig, fixed)
	fd.Adds, fd.AddsFiles, fd.AddsBytes = only(fixed, orig)
	return fd
}

// only groups the paths a has and b lacks.
func only(a, b *FileSet) ([]Group, int, int64) {
	groups := map[string]*Group{}
	files, bytes := 0, int64(0)
	for p, size := range a.Files {
		if _, ok := b.Files[p]; ok || noise[p] {
			continue
		}
		files++
		bytes += size
		key, pkg := a.Owner[p], true
		if key == "" {
			key, pkg = "/"+folderOf(p), false
		}
		g := groups[key]
		if g == nil {
			g = &Group{Name: key, Package: pkg}
			groups[key] = g
		}
		g.Files++
		g.Bytes += size
		g.Examples = append(g.Examples, "/"+p)
	}
	out := make([]Group, 0, len(groups))
	for _, g := range groups {
		sort.Strings(g.Examples)
		g.Examples = g.Examples[:min(3, len(g.Examples))]
		out = append(out, *g)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Bytes != out[j].Bytes {
			return out[i].Bytes > out[j].Bytes
		}
		return out[i].Name < out[j].Name
	})
	return out, files, bytes
}

// folderOf is the folder that names a path's group: at most three levels deep
// (/var/lib/apt/lists/x -> var/lib/apt, /root/.cache/pip/x -> root/.cache/pip).
func folderOf(p string) string {
	dir := path.Dir(p)
	if dir == "." {
		return ""
	}
	parts := strings.Split(dir, "/")
	if len(parts) > 3 {
		parts = parts[:3]
	}
	return strings.Join(parts, "/")
}
