package main

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
)

// writeTree makes the files (slash-separated paths) under root.
func writeTree(t *testing.T, root string, files []string) {
	t.Helper()
	for _, f := range files {
		p := filepath.Join(root, filepath.FromSlash(f))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("FROM a\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// The walk gives the files as they are found, without a list to sort, in the order
// sorting their paths gives: a folder's entries as if its name ended in "/".
func TestWalkGivesFilesInPathOrder(t *testing.T) {
	tests := []struct {
		name  string
		files []string
	}{
		{"a folder comes after a sibling whose name has a byte below the separator", []string{
			"a/b/Dockerfile", "a-c/Dockerfile", "a.dockerfile", "a/Dockerfile", "ab/Dockerfile", "a+/Dockerfile", "a0/Dockerfile",
		}},
		{"a file named like the start of a folder's name comes before the folder", []string{
			"Dockerfile", "Dockerfile-a/Dockerfile", "Dockerfile.d/Dockerfile", "Dockerfile0/Dockerfile", "Dockerfile.dev",
		}},
		{"upper case sorts before lower case, as bytes", []string{
			"Dockerfile", "DOCKERFILE", "b/Dockerfile", "B/Dockerfile", "dockerfile",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			writeTree(t, root, tt.files)
			want := make([]string, len(tt.files))
			for i, f := range tt.files {
				want[i] = filepath.Join(root, filepath.FromSlash(f))
			}
			sort.Strings(want)
			got, errs := discover([]string{root})
			if len(errs) > 0 || !slices.Equal(got, want) {
				t.Errorf("got\n%s\nwant\n%s\nerrors %v", strings.Join(got, "\n"), strings.Join(want, "\n"), errs)
			}
		})
	}
	t.Run("random trees come out sorted too", func(t *testing.T) {
		// Names from a small alphabet with the bytes around "/" and "." make
		// prefixes and near-ties likely.
		alphabet := []string{"a", "b", "-", ".", "0", "A", "_", "~"}
		r := rand.New(rand.NewPCG(1, 2))
		for round := range 20 {
			root := t.TempDir()
			seen := map[string]bool{}
			var files []string
			for range 40 {
				var parts []string
				for range 1 + r.IntN(3) {
					var b strings.Builder
					for range 1 + r.IntN(3) {
						b.WriteString(alphabet[r.IntN(len(alphabet))])
					}
					parts = append(parts, "d"+b.String())
				}
				f := strings.Join(parts, "/") + "/" + []string{"Dockerfile", "x.dockerfile", "Dockerfile.a"}[r.IntN(3)]
				// A path may not run through a file: a folder may not have a file's name.
				clash := false
				for p := range seen {
					if strings.HasPrefix(f, p+"/") || strings.HasPrefix(p, f+"/") {
						clash = true
					}
				}
				if !clash && !seen[f] {
					seen[f] = true
					files = append(files, f)
				}
			}
			writeTree(t, root, files)
			var want []string
			for _, f := range files {
				want = append(want, filepath.Join(root, filepath.FromSlash(f)))
			}
			sort.Strings(want)
			got, errs := discover([]string{root})
			if len(errs) > 0 || !slices.Equal(got, want) {
				t.Fatalf("round %d: got\n%s\nwant\n%s\nerrors %v", round, strings.Join(got, "\n"), strings.Join(want, "\n"), errs)
			}
		}
	})
}

func TestComparePathKeys(t *testing.T) {
	tests := []struct {
		a    string
		aDir bool
		b    string
		bDir bool
		want int
	}{
		{"a", true, "a-c", true, 1},  // "a/" after "a-c/"
		{"a", true, "a0", false, -1}, // "a/" before "a0"
		{"a", false, "a-c", true, -1},
		{"a", false, "a", true, -1}, // cannot both be, but a file's end comes first
		{"ab", false, "ab", false, 0},
		{"b", false, "a", true, 1},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s (folder %v) against %s (folder %v) is %d", tt.a, tt.aDir, tt.b, tt.bDir, tt.want), func(t *testing.T) {
			if got := comparePathKeys(tt.a, tt.aDir, tt.b, tt.bDir); got != tt.want {
				t.Errorf("got %d", got)
			}
			if got := comparePathKeys(tt.b, tt.bDir, tt.a, tt.aDir); got != -tt.want {
				t.Errorf("swapped: got %d, want %d", got, -tt.want)
			}
		})
	}
}

// With one folder named, no key per file is kept: a symlink to a Dockerfile the walk
// gives by itself is passed over wherever it sorts, and two symlinks to one file
// outside give it once.
func TestWalkSymlinksToAFileGiveItOnce(t *testing.T) {
	root := t.TempDir()
	writeTree(t, root, []string{"tree/z/Dockerfile", "tree/ignored/Dockerfile", "outside/Dockerfile"})
	if err := os.WriteFile(filepath.Join(root, "tree", ".gitignore"), []byte("ignored/\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(root, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	tree := filepath.Join(root, "tree")
	for link, target := range map[string]string{
		"a.dockerfile":       "z/Dockerfile",          // sorts before its target
		"zz.dockerfile":      "z/Dockerfile",          // after it
		"b.dockerfile":       "ignored/Dockerfile",    // the walk does not give the target
		"c.dockerfile":       "../outside/Dockerfile", // outside the walk
		"d.dockerfile":       "../outside/Dockerfile", // the same again
		"z/Dockerfile.other": "../../outside/Dockerfile",
	} {
		if err := os.Symlink(target, filepath.Join(tree, link)); err != nil {
			t.Skip("no symlinks here:", err)
		}
	}
	got, errs := discover([]string{tree})
	var rel []string
	for _, f := range got {
		r, _ := filepath.Rel(tree, f)
		rel = append(rel, filepath.ToSlash(r))
	}
	want := []string{"b.dockerfile", "c.dockerfile", "z/Dockerfile"}
	if len(errs) > 0 || !slices.Equal(rel, want) {
		t.Errorf("got %q, want %q (errors %v)", rel, want, errs)
	}
}

// A folder whose Dockerfiles were all given before (by a path named earlier) holds
// Dockerfiles all the same: it is no "no Dockerfiles under" error, and each file is
// still given once.
func TestWalkFolderOfFilesGivenBeforeIsNotEmpty(t *testing.T) {
	tests := []struct {
		name  string
		paths []string // slash-separated, below the tree
		want  []string
	}{
		{"a folder named twice gives its files once and no error", []string{".", "."}, []string{"Dockerfile", "sub/Dockerfile"}},
		{"a folder inside a folder named before gives no error", []string{".", "sub"}, []string{"Dockerfile", "sub/Dockerfile"}},
		{"a folder named after its only Dockerfile gives no error", []string{"sub/Dockerfile", "sub"}, []string{"sub/Dockerfile"}},
		{"a folder named with and without a trailing slash gives no error", []string{"sub", "sub/"}, []string{"sub/Dockerfile"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			writeTree(t, root, []string{"Dockerfile", "sub/Dockerfile"})
			var paths []string
			for _, p := range tt.paths {
				path := filepath.Join(root, filepath.FromSlash(p))
				if strings.HasSuffix(p, "/") {
					path += string(filepath.Separator)
				}
				paths = append(paths, path)
			}
			got, errs := discover(paths)
			var rel []string
			for _, f := range got {
				r, _ := filepath.Rel(root, f)
				rel = append(rel, filepath.ToSlash(r))
			}
			if len(errs) > 0 || !slices.Equal(rel, tt.want) {
				t.Errorf("got %q, want %q (errors %v)", rel, tt.want, errs)
			}
		})
	}
}

// A symlink to a Dockerfile that the walk gives by itself is passed over whether one
// path is named or several; a symlink that resolves to nothing is given, so that
// reading it reports what is wrong, whether one path is named or several.
func TestWalkSymlinksWithOneOrSeveralPaths(t *testing.T) {
	tests := []struct {
		name  string
		links map[string]string // link -> target, in the folder "tree"
		want  []string          // what the walk of "tree" gives
	}{
		{"a symlink sorting before its target is passed over", map[string]string{"Dockerfile.a": "Dockerfile.b"}, []string{"Dockerfile.b"}},
		{"a symlink sorting after its target is passed over", map[string]string{"Dockerfile.c": "Dockerfile.b"}, []string{"Dockerfile.b"}},
		{"a dangling symlink is given", map[string]string{"Dockerfile.a": "missing"}, []string{"Dockerfile.a", "Dockerfile.b"}},
		{"a symlink to itself is given", map[string]string{"Dockerfile.a": "Dockerfile.a"}, []string{"Dockerfile.a", "Dockerfile.b"}},
		{"two symlinks to each other are both given", map[string]string{"Dockerfile.a": "Dockerfile.z", "Dockerfile.z": "Dockerfile.a"}, []string{"Dockerfile.a", "Dockerfile.b", "Dockerfile.z"}},
	}
	for _, tt := range tests {
		for _, other := range []bool{false, true} {
			name := tt.name + " with one path named"
			if other {
				name = tt.name + " with another path named after it"
			}
			t.Run(name, func(t *testing.T) {
				root := t.TempDir()
				writeTree(t, root, []string{"tree/Dockerfile.b", "other/Dockerfile"})
				tree := filepath.Join(root, "tree")
				for link, target := range tt.links {
					if err := os.Symlink(target, filepath.Join(tree, link)); err != nil {
						t.Skip("no symlinks here:", err)
					}
				}
				paths := []string{tree}
				if other {
					paths = append(paths, filepath.Join(root, "other"))
				}
				got, errs := discover(paths)
				var rel []string
				for _, f := range got {
					if r, err := filepath.Rel(tree, f); err == nil && !strings.HasPrefix(r, "..") {
						rel = append(rel, filepath.ToSlash(r))
					}
				}
				if len(errs) > 0 || !slices.Equal(rel, tt.want) {
					t.Errorf("got %q, want %q (errors %v)", rel, tt.want, errs)
				}
			})
		}
	}
}
