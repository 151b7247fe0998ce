package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// TestWalkListingAgreesWithTheFileSystem walks a tree with configuration names in
// some folders, pruned and version-control folders, a symlinked folder and a symlinked
// configuration, then asks the listing about every folder of it (and above it) and
// every name: what it says it knows must be what a stat says, at every file the walk
// gives and at its end.
func TestWalkListingAgreesWithTheFileSystem(t *testing.T) {
	root := t.TempDir()
	mk := func(rel, content string) {
		p := filepath.Join(root, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	mk("repo/Dockerfile", "FROM a\n")
	mk("repo/.dfix.toml", "")
	mk("repo/svc/Dockerfile", "FROM a\n")
	mk("repo/svc/.hadolint.yaml", "")
	mk("repo/svc/deep/Dockerfile", "FROM a\n")
	mk("repo/svc/plain/Dockerfile", "FROM a\n")
	mk("repo/node_modules/x/.dfix.toml", "")
	mk("repo/node_modules/x/Dockerfile", "FROM a\n")
	mk("repo/.git/HEAD", "")
	mk("repo/sub/.git", "gitdir: x\n") // a submodule's .git file
	mk("repo/sub/Dockerfile", "FROM a\n")
	mk("repo/dirconf/.hadolint.yml/keep", "") // a folder with a configuration's name
	mk("repo/dirconf/Dockerfile", "FROM a\n")
	mk("elsewhere/.dfix.toml", "")
	mk("elsewhere/Dockerfile", "FROM a\n")
	if err := os.Symlink(filepath.Join(root, "elsewhere"), filepath.Join(root, "repo", "linked")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(root, "elsewhere", ".dfix.toml"), filepath.Join(root, "repo", "svc", "deep", ".dfix.toml")); err != nil {
		t.Fatal(err)
	}

	mk("repo/-x/Dockerfile", "FROM a\n") // walked before repo/.dfix.toml is met in the order

	ls := newWalkListing()
	// agrees checks what the listing knows of dir against the file system.
	agrees := func(dir, name string) (known bool) {
		present, typ, known := ls.Entry(dir, name)
		if !known {
			return false
		}
		fi, err := os.Lstat(filepath.Join(dir, name))
		if present != (err == nil) {
			t.Errorf("%s/%s: listing says present=%v, the file system %v", dir, name, present, err == nil)
		} else if present && typ.Type() != fi.Mode().Type() {
			t.Errorf("%s/%s: listing says type %v, the file system %v", dir, name, typ.Type(), fi.Mode().Type())
		}
		return true
	}
	// The configuration of a file is looked up as the walk gives it: the listing must
	// already know its folder and those above it.
	for f, err := range discoverWith([]string{filepath.Join(root, "repo")}, walkOptions{listing: ls}) {
		if err != nil {
			t.Fatal(err)
		}
		for dir := filepath.Dir(f); dir != root; dir = filepath.Dir(dir) {
			for _, name := range ls.names {
				agrees(dir, name)
			}
		}
	}
	var dirs []string
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error { //nolint:errcheck // a test tree
		if err == nil && d.IsDir() {
			dirs = append(dirs, p)
		}
		return nil
	})
	dirs = append(dirs, filepath.Join(root, "repo", "linked"), filepath.Dir(root))
	knownSome, plain := 0, 0
	for _, dir := range dirs {
		if ls.Plain(dir) {
			plain++
			for _, name := range ls.names {
				if _, err := os.Lstat(filepath.Join(dir, name)); err == nil {
					t.Errorf("%s: the listing says it holds no configuration name, but it holds %s", dir, name)
				}
			}
		}
		for _, name := range ls.names {
			if agrees(dir, name) {
				knownSome++
			}
		}
	}
	for _, dir := range []string{"repo/node_modules/x", "repo/.git", "repo/linked"} {
		if _, _, known := ls.Entry(filepath.Join(root, dir), ".dfix.toml"); known {
			t.Errorf("%s: the walk did not read it, but the listing claims to know it", dir)
		}
	}
	if _, _, known := ls.Entry(root, ".dfix.toml"); known {
		t.Error("the folder above the walked one: the listing claims to know it")
	}
	if !ls.Plain(filepath.Join(root, "repo", "svc", "plain")) || ls.Plain(filepath.Join(root, "repo", "svc")) ||
		ls.Plain(filepath.Join(root, "repo", "node_modules", "x")) || ls.Plain(root) {
		t.Error("Plain: of repo/svc/plain, repo/svc, repo/node_modules/x and the folder above the walk, only the first holds no name and was read")
	}
	if plain < 2 {
		t.Errorf("only %d plain folders: the test tree has more", plain)
	}
	if knownSome < 20 {
		t.Errorf("the listing knew only %d answers: it should know every read folder", knownSome)
	}
}
