package main

import (
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dfix-dev/dfix/fix"
	"github.com/dfix-dev/dfix/internal/registrytest"
	"github.com/dfix-dev/dfix/pin"
	"github.com/dfix-dev/dfix/rewrite"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// TestPinCorpusMeasure pins a copy of $DFIX_CORPUS against a real registry (Debian's
// docker-registry on 127.0.0.1) and reports the request count and wall time. Every
// registry the corpus names is mapped to the local one with --registry-mirror (so no
// lookup leaves this machine), and every image it names is pushed there first, as one
// two-platform OCI index. It runs with DFIX_PIN_MEASURE=1 only (it pushes hundreds of
// images); the numbers go to the test log.
func TestPinCorpusMeasure(t *testing.T) {
	if os.Getenv("DFIX_PIN_MEASURE") == "" {
		t.Skip("DFIX_PIN_MEASURE is not set: skipping the corpus pinning measurement")
	}
	corpus := os.Getenv("DFIX_CORPUS")
	if corpus == "" {
		t.Skip("DFIX_CORPUS is not set")
	}
	pinHermetic(t)
	reg := registrytest.Distribution(t, false)

	// Two copies of the corpus.
	tree, tree2 := pinCopyTree(t, corpus), pinCopyTree(t, corpus)

	// The images the rule would look up, by the files dfix walks.
	files, _ := discover([]string{tree})
	refs := map[string]bool{}
	mentions := 0
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		doc, err := rewrite.Parse(f, src)
		if err != nil {
			continue
		}
		for _, r := range fix.PinReferences(doc, false) {
			mentions++
			if n, err := pin.Normalize(r); err == nil {
				refs[n] = true
			}
		}
	}
	// Every registry goes to the local one: docker.io's repositories as they are, the
	// others under a folder named after the registry.
	prefix := func(registry string) string {
		if registry == "docker.io" {
			return ""
		}
		return strings.NewReplacer(":", "-", "[", "", "]", "").Replace(strings.ToLower(registry)) + "/"
	}
	registries := map[string]bool{}
	var pushes []string
	for r := range refs {
		registry, rest, _ := strings.Cut(r, "/")
		registries[registry] = true
		pushes = append(pushes, prefix(registry)+rest)
	}
	sort.Strings(pushes)

	// Push one two-platform OCI index under every name: per repository one push and
	// then tags (distribution rejects concurrent uploads of the same blobs to one
	// repository), 8 repositories at a time.
	idx := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	for _, p := range registrytest.Platforms {
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{Add: registrytest.Image(t, &p, true), Descriptor: v1.Descriptor{Platform: &p}})
	}
	byRepo := map[string][]string{}
	for _, p := range pushes {
		i := strings.LastIndex(p, ":")
		byRepo[p[:i]] = append(byRepo[p[:i]], p)
	}
	start := time.Now()
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	var pushErrs atomic.Int64
	for _, names := range byRepo {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			for i, p := range names {
				var err error
				if i == 0 {
					err = remote.WriteIndex(reg.Ref(t, p), idx)
				} else {
					err = remote.Tag(reg.Ref(t, p).(name.Tag), idx)
				}
				if err != nil {
					pushErrs.Add(1)
					t.Logf("push %s: %v", p, err)
				}
			}
		}()
	}
	wg.Wait()
	pushTime := time.Since(start)

	// A counting proxy in front of the registry.
	var requests, manifests, latencyMS atomic.Int64
	target, _ := url.Parse("http://" + reg.Host)
	proxy := httputil.NewSingleHostReverseProxy(target)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		requests.Add(1)
		if d := latencyMS.Load(); d > 0 {
			time.Sleep(time.Duration(d) * time.Millisecond)
		}
		if strings.Contains(req.URL.Path, "/manifests/") {
			manifests.Add(1)
		}
		proxy.ServeHTTP(w, req)
	}))
	defer front.Close()
	frontHost := strings.TrimPrefix(front.URL, "http://")
	args := []string{"--pin", "--select", "pin-digest", "-w", "-q", "--pin-lock", filepath.Join(t.TempDir(), "dfix.lock")}
	var regs []string
	for r := range registries {
		regs = append(regs, r)
	}
	sort.Strings(regs)
	for _, r := range regs {
		args = append(args, "--registry-mirror", r+"="+frontHost+"/"+strings.TrimSuffix(prefix(r), "/"))
	}
	lock := args[6]

	measure := func(label, dir string, extra ...string) {
		requests.Store(0)
		manifests.Store(0)
		start := time.Now()
		var stdout, stderr strings.Builder
		code := pinDfixOut(append(append(append([]string{}, args...), extra...), dir), &stdout, &stderr)
		elapsed := time.Since(start)
		failed := 0
		for _, l := range strings.Split(stderr.String(), "\n") {
			if strings.HasPrefix(l, "dfix: pin: cannot resolve") {
				failed++
			}
		}
		// The findings left, by why they are left.
		left := map[string]int{}
		for _, l := range strings.Split(stdout.String(), "\n") {
			if !strings.Contains(l, ": pin-digest: ") {
				continue
			}
			why := "other"
			for _, k := range []string{"build argument", "which has no default", "not declared before the first FROM",
				"split over a line continuation", "not a plain image reference", "not a valid image reference",
				"not in the lock file", "cannot pin it"} {
				if strings.Contains(l, k) {
					why = k
					break
				}
			}
			left[why]++
		}
		var whys []string
		for k, n := range left {
			whys = append(whys, fmt.Sprintf("%d %s", n, k))
		}
		sort.Strings(whys)
		t.Logf("%s: exit %d, %s, %d HTTP requests (%d manifest requests), %d images failed; findings left: %s",
			label, code, elapsed.Round(time.Millisecond), requests.Load(), manifests.Load(), failed, strings.Join(whys, ", "))
	}
	t.Logf("corpus: %d files dfix walks, %d image mentions to pin, %d unique images in %d registries; pushed %d names in %s (%d failed)",
		len(files), mentions, len(refs), len(registries), len(pushes), pushTime.Round(time.Millisecond), pushErrs.Load())
	// The same files without --pin, for the cost of dfix itself.
	start = time.Now()
	var so, se strings.Builder
	pinDfixOut([]string{"--select", "pin-digest", "-q", pinCopyTree(t, corpus)}, &so, &se)
	t.Logf("baseline: --select pin-digest without --pin (report only): %s", time.Since(start).Round(time.Millisecond))
	measure("pin -w, lookups in the registry, lock written", tree)
	if b, err := os.ReadFile(lock); err == nil {
		t.Logf("lock file: %d bytes", len(b))
	}
	measure("again on the pinned copy (nothing to look up)", tree)
	measure("a fresh copy with --offline from the lock", tree2, "--offline")

	// With 20ms added to every request, as a registry across a network: the lookups
	// run --pin-jobs at a time, whatever -j is.
	latencyMS.Store(20)
	for _, jobs := range []string{"8", "1"} {
		args[6] = filepath.Join(t.TempDir(), "dfix.lock") // a new, empty lock
		measure("20ms per request, --pin-jobs "+jobs, pinCopyTree(t, corpus), "--pin-jobs", jobs)
	}
}

// pinCopyTree copies the regular files under dir into a new temporary folder.
func pinCopyTree(t *testing.T, dir string) string {
	t.Helper()
	tree := t.TempDir()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		dst := filepath.Join(tree, rel)
		if d.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return tree
}

// pinDfixOut runs the CLI with args and no standard input.
func pinDfixOut(args []string, stdout, stderr io.Writer) int {
	return run(append([]string{"dfix"}, args...), strings.NewReader(""), stdout, stderr)
}
