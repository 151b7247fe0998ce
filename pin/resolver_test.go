package pin

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dfix-dev/dfix/internal/registrytest"
	"github.com/google/go-containerregistry/pkg/authn"
)

// newResolver makes a resolver that looks docker.io images up in reg.
func newResolver(t *testing.T, reg *registrytest.Registry, opts Options) *Resolver {
	t.Helper()
	if reg != nil {
		opts.Mirrors = append(opts.Mirrors, "docker.io="+reg.Host)
	}
	if opts.Keychain == nil {
		opts.Keychain = authn.NewMultiKeychain() // anonymous: no host credentials in unit tests
	}
	if opts.Backoff == 0 {
		opts.Backoff = 10 * time.Millisecond
	}
	r, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func resolve(t *testing.T, r *Resolver, ref string) (Result, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return r.Resolve(ctx, ref, "Dockerfile")
}

func mustResolve(t *testing.T, r *Resolver, ref string) Result {
	t.Helper()
	res, err := resolve(t, r, ref)
	if err != nil {
		t.Fatalf("Resolve(%s): %v", ref, err)
	}
	return res
}

func TestNormalize(t *testing.T) {
	for in, want := range map[string]string{
		"python":                        "docker.io/library/python:latest",
		"python:3.12":                   "docker.io/library/python:3.12",
		"library/python:3.12":           "docker.io/library/python:3.12",
		"docker.io/python:3.12":         "docker.io/library/python:3.12",
		"index.docker.io/library/p:1":   "docker.io/library/p:1",
		"bitnami/redis:7":               "docker.io/bitnami/redis:7",
		"ghcr.io/astral-sh/uv:0.4":      "ghcr.io/astral-sh/uv:0.4",
		"localhost:5000/a/b":            "localhost:5000/a/b:latest",
		"python:3.12@sha256:" + hex64(): "docker.io/library/python:3.12",
	} {
		got, err := Normalize(in)
		if err != nil || got != want {
			t.Errorf("Normalize(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"Python:3", "a b", "", ":tag"} {
		if got, err := Normalize(bad); err == nil {
			t.Errorf("Normalize(%q) = %q, want an error", bad, got)
		}
	}
}

func hex64() string { return strings.Repeat("ab", 32) }

func TestParseMirrorAndPlatform(t *testing.T) {
	for _, c := range []struct {
		in, reg, host, prefix string
		insecure              bool
	}{
		{"docker.io=127.0.0.1:5000", "docker.io", "127.0.0.1:5000", "", true},
		{"index.docker.io=mirror.corp:443", "docker.io", "mirror.corp:443", "", false},
		{"docker.io=https://mirror.corp/dockerhub/", "docker.io", "mirror.corp", "dockerhub/", false},
		{"ghcr.io=http://cache.corp:8080", "ghcr.io", "cache.corp:8080", "", true},
		{"docker.io=localhost:5000", "docker.io", "localhost:5000", "", true},
	} {
		reg, m, err := parseMirror(c.in)
		if err != nil || reg != c.reg || m.host != c.host || m.prefix != c.prefix || m.insecure != c.insecure {
			t.Errorf("parseMirror(%q) = %q, %+v, %v", c.in, reg, m, err)
		}
	}
	for _, bad := range []string{"docker.io", "=x", "docker.io=", "docker.io=ftp://x", "docker.io=bad host"} {
		if _, _, err := parseMirror(bad); err == nil {
			t.Errorf("parseMirror(%q): want an error", bad)
		}
	}
	for _, good := range []string{"linux/amd64", "linux/arm/v7", "windows/amd64"} {
		if _, err := ParsePlatform(good); err != nil {
			t.Errorf("ParsePlatform(%q): %v", good, err)
		}
	}
	for _, bad := range []string{"linux", "linux/", "/amd64", "a/b/c/d", "Linux/AMD64", "linux:amd64"} {
		if _, err := ParsePlatform(bad); err == nil {
			t.Errorf("ParsePlatform(%q): want an error", bad)
		}
	}
}

// The digest pinned is the one of the index (or manifest list) for multi-platform
// images, of the manifest for single-platform ones, and with a platform the one of
// that platform's manifest.
func TestResolveKinds(t *testing.T) {
	reg := registrytest.InProcess(t, nil)
	ociIdx, ociKids := reg.PushIndex(t, "library/multi:oci", true)
	listIdx, listKids := reg.PushIndex(t, "library/multi:list", false)
	single := reg.PushImage(t, "library/single:1")

	r := newResolver(t, reg, Options{})
	for ref, want := range map[string]string{"multi:oci": ociIdx, "docker.io/library/multi:list": listIdx, "single:1": single} {
		res := mustResolve(t, r, ref)
		if res.Digest != want || res.Source != "registry" || res.Platform != "" {
			t.Errorf("%s: got %+v, want digest %s", ref, res, want)
		}
	}
	if res := mustResolve(t, r, "multi:oci"); !res.Index() {
		t.Errorf("multi:oci: media type %q is not an index", res.MediaType)
	}

	arm := newResolver(t, reg, Options{Platform: "linux/arm64"})
	if res := mustResolve(t, arm, "multi:oci"); res.Digest != ociKids["linux/arm64/v8"] || res.Platform != "linux/arm64" {
		t.Errorf("linux/arm64 of the OCI index: got %+v, want %s", res, ociKids["linux/arm64/v8"])
	}
	if res := mustResolve(t, arm, "multi:list"); res.Digest != listKids["linux/arm64/v8"] {
		t.Errorf("linux/arm64 of the manifest list: got %+v, want %s", res, listKids["linux/arm64/v8"])
	}
	_, err := resolve(t, arm, "single:1")
	if err == nil || !strings.Contains(err.Error(), "single-platform linux/amd64 image, not linux/arm64") {
		t.Errorf("single amd64 image for linux/arm64: err = %v", err)
	}
	amd := newResolver(t, reg, Options{Platform: "linux/amd64"})
	if res := mustResolve(t, amd, "single:1"); res.Digest != single || res.Platform != "linux/amd64" {
		t.Errorf("single amd64 image for linux/amd64: got %+v", res)
	}
	s390 := newResolver(t, reg, Options{Platform: "linux/s390x"})
	_, err = resolve(t, s390, "multi:oci")
	if err == nil || !strings.Contains(err.Error(), "no linux/s390x image in the index (it has linux/amd64, linux/arm64/v8)") {
		t.Errorf("missing platform: err = %v", err)
	}
}

// A mirror of another registry than Docker Hub, with a path prefix.
func TestResolveMirrorPrefix(t *testing.T) {
	reg := registrytest.InProcess(t, nil)
	want := reg.PushImage(t, "ghcr/astral-sh/uv:0.4")
	r := newResolver(t, nil, Options{Mirrors: []string{"ghcr.io=" + reg.Host + "/ghcr"}})
	if res := mustResolve(t, r, "ghcr.io/astral-sh/uv:0.4"); res.Digest != want {
		t.Errorf("got %+v, want %s", res, want)
	}
	_, err := resolve(t, r, "ghcr.io/astral-sh/nope:1")
	var le *LookupError
	if !errors.As(err, &le) || le.Ref != "ghcr.io/astral-sh/nope:1" || le.Lookup != reg.Host {
		t.Errorf("err = %#v", err)
	}
}

// Every unique reference is looked up once, however many callers ask at once.
func TestResolveOncePerReference(t *testing.T) {
	reg := registrytest.InProcess(t, nil)
	want := map[string]string{}
	for i := range 20 {
		want[fmt.Sprintf("img%d:1", i)] = reg.PushImage(t, fmt.Sprintf("library/img%d:1", i))
	}
	reg.Manifests.Store(0)
	r := newResolver(t, reg, Options{Jobs: 4})
	var wg sync.WaitGroup
	var bad atomic.Int64
	for i := range 1000 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ref := fmt.Sprintf("img%d:1", i%20)
			if i%3 == 0 {
				ref = "docker.io/library/" + ref // another spelling of the same image
			}
			res, err := r.Resolve(context.Background(), ref, fmt.Sprintf("f%d/Dockerfile", i))
			if err != nil || res.Digest != want[fmt.Sprintf("img%d:1", i%20)] {
				bad.Add(1)
			}
		}()
	}
	wg.Wait()
	if bad.Load() != 0 {
		t.Errorf("%d wrong answers", bad.Load())
	}
	if n := reg.Manifests.Load(); n != 20 {
		t.Errorf("%d manifest requests for 20 unique images, want 20", n)
	}
	if s := r.Stats(); s.Lookups != 20 || s.ManifestRequests != 20 {
		t.Errorf("stats %+v", s)
	}
}

// At most Jobs lookups run at once.
func TestResolveBoundedConcurrency(t *testing.T) {
	var cur, peak atomic.Int64
	reg := registrytest.InProcess(t, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			if strings.Contains(req.URL.Path, "/manifests/") && req.Method == http.MethodHead {
				n := cur.Add(1)
				for {
					p := peak.Load()
					if n <= p || peak.CompareAndSwap(p, n) {
						break
					}
				}
				time.Sleep(20 * time.Millisecond)
				defer cur.Add(-1)
			}
			h.ServeHTTP(w, req)
		})
	})
	for i := range 12 {
		reg.PushImage(t, fmt.Sprintf("library/c%d:1", i))
	}
	r := newResolver(t, reg, Options{Jobs: 3})
	ctx := context.Background()
	for i := range 12 {
		r.Prefetch(ctx, fmt.Sprintf("c%d:1", i))
	}
	for i := range 12 {
		mustResolve(t, r, fmt.Sprintf("c%d:1", i))
	}
	if p := peak.Load(); p > 3 || p < 2 {
		t.Errorf("peak concurrency %d, want 2..3 with Jobs 3", p)
	}
}

// faultRegistry puts handler in front of an in-process registry holding
// library/app:1; handler decides per request and calls next to pass it on.
func faultRegistry(t *testing.T, handler func(w http.ResponseWriter, req *http.Request, next http.Handler)) (*registrytest.Registry, string) {
	t.Helper()
	var on atomic.Bool
	reg := registrytest.InProcess(t, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			if on.Load() {
				handler(w, req, h)
				return
			}
			h.ServeHTTP(w, req)
		})
	})
	d := reg.PushImage(t, "library/app:1")
	reg.Manifests.Store(0)
	on.Store(true)
	return reg, d
}

func isManifestReq(req *http.Request) bool { return strings.Contains(req.URL.Path, "/manifests/") }

func TestFaultRegistryDown(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	host := l.Addr().String()
	l.Close() // nothing listens there now
	r := newResolver(t, nil, Options{Mirrors: []string{"docker.io=" + host}})
	start := time.Now()
	_, err = resolve(t, r, "app:1")
	if err == nil || !strings.Contains(err.Error(), "connection refused") || !strings.Contains(err.Error(), "docker.io/library/app:1 (via "+host+")") {
		t.Errorf("err = %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %s: a refused connection is not retried", d)
	}
	fs := r.Failures()
	if len(fs) != 1 || fs[0].Ref != "docker.io/library/app:1" || strings.Join(fs[0].Files, ",") != "Dockerfile" {
		t.Errorf("failures = %+v", fs)
	}
}

func TestFaultSlowRegistryTimesOut(t *testing.T) {
	reg, _ := faultRegistry(t, func(w http.ResponseWriter, req *http.Request, next http.Handler) {
		if isManifestReq(req) {
			select {
			case <-time.After(10 * time.Second):
			case <-req.Context().Done():
				return
			}
		}
		next.ServeHTTP(w, req)
	})
	r := newResolver(t, reg, Options{Timeout: 300 * time.Millisecond})
	start := time.Now()
	_, err := resolve(t, r, "app:1")
	if err == nil || !strings.Contains(err.Error(), "no answer within 300ms (--pin-timeout)") {
		t.Errorf("err = %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %s with a 300ms timeout", d)
	}
}

func TestFaultStatusErrors(t *testing.T) {
	for _, c := range []struct {
		code int
		want string
	}{
		{http.StatusUnauthorized, "401 Unauthorized (the registry wants credentials"},
		{http.StatusForbidden, "403 Forbidden (the credentials found are not allowed"},
		{http.StatusNotFound, "404 Not Found (no such image or tag)"},
	} {
		t.Run(fmt.Sprint(c.code), func(t *testing.T) {
			reg, _ := faultRegistry(t, func(w http.ResponseWriter, req *http.Request, next http.Handler) {
				if isManifestReq(req) {
					w.WriteHeader(c.code)
					return
				}
				next.ServeHTTP(w, req)
			})
			r := newResolver(t, reg, Options{})
			_, err := resolve(t, r, "app:1")
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %v, want %q", err, c.want)
			}
			if n := reg.Manifests.Load(); n != 0 { // the fault answered before the registry
				t.Errorf("%d manifest requests reached the registry", n)
			}
		})
	}
	// A real 404 from the registry: an unknown tag.
	reg := registrytest.InProcess(t, nil)
	r := newResolver(t, reg, Options{})
	if _, err := resolve(t, r, "nope:1"); err == nil || !strings.Contains(err.Error(), "404 Not Found (no such image or tag)") {
		t.Errorf("unknown tag: err = %v", err)
	}
}

func TestFaultRetryAfter(t *testing.T) {
	var tries atomic.Int64
	var first time.Time
	var gap time.Duration
	reg, want := faultRegistry(t, func(w http.ResponseWriter, req *http.Request, next http.Handler) {
		if isManifestReq(req) {
			switch tries.Add(1) {
			case 1:
				first = time.Now()
				w.Header().Set("Retry-After", "1")
				w.WriteHeader(http.StatusTooManyRequests)
				return
			case 2:
				gap = time.Since(first)
			}
		}
		next.ServeHTTP(w, req)
	})
	// A backoff of 30s would time the test out: the 1s of Retry-After is what counts.
	r := newResolver(t, reg, Options{Backoff: 30 * time.Second})
	if res := mustResolve(t, r, "app:1"); res.Digest != want {
		t.Errorf("got %+v, want %s", res, want)
	}
	if tries.Load() != 2 || gap < 900*time.Millisecond || gap > 5*time.Second {
		t.Errorf("%d tries, retried after %s; want 2 tries, about 1s apart", tries.Load(), gap)
	}
}

func TestFault500ThenSuccess(t *testing.T) {
	var tries atomic.Int64
	reg, want := faultRegistry(t, func(w http.ResponseWriter, req *http.Request, next http.Handler) {
		if isManifestReq(req) && tries.Add(1) <= 2 {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		next.ServeHTTP(w, req)
	})
	r := newResolver(t, reg, Options{})
	if res := mustResolve(t, r, "app:1"); res.Digest != want {
		t.Errorf("got %+v, want %s", res, want)
	}
	if tries.Load() != 3 {
		t.Errorf("%d tries, want 3", tries.Load())
	}
}

func TestFault503GivesUp(t *testing.T) {
	var tries atomic.Int64
	reg, _ := faultRegistry(t, func(w http.ResponseWriter, req *http.Request, next http.Handler) {
		if isManifestReq(req) {
			tries.Add(1)
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		next.ServeHTTP(w, req)
	})
	r := newResolver(t, reg, Options{Retries: 2})
	_, err := resolve(t, r, "app:1")
	if err == nil || !strings.Contains(err.Error(), "503 Service Unavailable (gave up after 3 tries)") {
		t.Errorf("err = %v", err)
	}
	if tries.Load() != 3 {
		t.Errorf("%d tries, want 3", tries.Load())
	}
}

// The ping (GET /v2/) failing with 5xx is retried too.
func TestFaultPing500ThenSuccess(t *testing.T) {
	var tries atomic.Int64
	reg, want := faultRegistry(t, func(w http.ResponseWriter, req *http.Request, next http.Handler) {
		if req.URL.Path == "/v2/" && tries.Add(1) == 1 {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		next.ServeHTTP(w, req)
	})
	r := newResolver(t, reg, Options{})
	if res := mustResolve(t, r, "app:1"); res.Digest != want {
		t.Errorf("got %+v, want %s", res, want)
	}
}

// HEAD without Docker-Content-Digest: dfix GETs the manifest and hashes it.
func TestFaultHeadWithoutDigestFallsBackToGet(t *testing.T) {
	var gets atomic.Int64
	reg, want := faultRegistry(t, func(w http.ResponseWriter, req *http.Request, next http.Handler) {
		if isManifestReq(req) && req.Method == http.MethodHead {
			w.Header().Set("Content-Type", "application/vnd.docker.distribution.manifest.v2+json")
			w.WriteHeader(http.StatusOK)
			return
		}
		if isManifestReq(req) {
			gets.Add(1)
		}
		next.ServeHTTP(w, req)
	})
	r := newResolver(t, reg, Options{})
	if res := mustResolve(t, r, "app:1"); res.Digest != want {
		t.Errorf("got %+v, want %s", res, want)
	}
	if gets.Load() != 1 {
		t.Errorf("%d GETs, want 1", gets.Load())
	}
}

// A registry whose Docker-Content-Digest does not match the manifest it sends is not
// believed.
func TestFaultDigestMismatch(t *testing.T) {
	wrong := "sha256:" + hex64()
	reg, _ := faultRegistry(t, func(w http.ResponseWriter, req *http.Request, next http.Handler) {
		if isManifestReq(req) && req.Method == http.MethodHead {
			w.Header().Set("Content-Type", "application/vnd.docker.distribution.manifest.v2+json")
			w.WriteHeader(http.StatusOK)
			return
		}
		if isManifestReq(req) {
			next.ServeHTTP(&digestRewriter{ResponseWriter: w, digest: wrong}, req)
			return
		}
		next.ServeHTTP(w, req)
	})
	r := newResolver(t, reg, Options{})
	_, err := resolve(t, r, "app:1")
	if err == nil || !strings.Contains(err.Error(), "the registry says the manifest is "+wrong+", but the manifest it sent is sha256:") ||
		!strings.Contains(err.Error(), "refusing to pin") {
		t.Errorf("err = %v", err)
	}
}

// digestRewriter replaces the Docker-Content-Digest header of a response.
type digestRewriter struct {
	http.ResponseWriter
	digest string
}

func (d *digestRewriter) WriteHeader(code int) {
	d.Header().Set("Docker-Content-Digest", d.digest)
	d.ResponseWriter.WriteHeader(code)
}

// Basic auth from a Docker config in DOCKER_CONFIG; no credentials: a clear 401.
// The password never shows in an error.
func TestAuthFromDockerConfig(t *testing.T) {
	var locked atomic.Bool
	reg := registrytest.InProcess(t, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			if u, p, ok := req.BasicAuth(); locked.Load() && (!ok || u != registrytest.User || p != registrytest.Password) {
				w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			h.ServeHTTP(w, req)
		})
	})
	want := reg.PushImage(t, "library/private:1")
	locked.Store(true)

	t.Setenv("DOCKER_CONFIG", registrytest.DockerConfig(t, reg.Host, registrytest.User, registrytest.Password))
	r := newResolver(t, reg, Options{Keychain: authn.DefaultKeychain})
	if res := mustResolve(t, r, "private:1"); res.Digest != want {
		t.Errorf("got %+v, want %s", res, want)
	}

	t.Setenv("DOCKER_CONFIG", registrytest.DockerConfig(t, reg.Host, registrytest.User, "wrong-password"))
	r = newResolver(t, reg, Options{Keychain: authn.DefaultKeychain})
	_, err := resolve(t, r, "private:1")
	if err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("wrong password: err = %v", err)
	}
	if err != nil && (strings.Contains(err.Error(), "wrong-password") || strings.Contains(err.Error(), "ZGZpeC")) {
		t.Errorf("the error shows credentials: %v", err)
	}

	t.Setenv("DOCKER_CONFIG", t.TempDir()) // no config at all
	r = newResolver(t, reg, Options{Keychain: authn.DefaultKeychain})
	if _, err := resolve(t, r, "private:1"); err == nil || !strings.Contains(err.Error(), "401 Unauthorized (the registry wants credentials") {
		t.Errorf("no credentials: err = %v", err)
	}
}

func TestLock(t *testing.T) {
	reg := registrytest.InProcess(t, nil)
	idx, kids := reg.PushIndex(t, "library/python:3.12", true)
	path := filepath.Join(t.TempDir(), "dfix.lock")
	lock, err := LoadLock(path)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	r := newResolver(t, reg, Options{Lock: lock, Now: func() time.Time { return now }})
	if res := mustResolve(t, r, "python:3.12"); res.Digest != idx || res.Source != "registry" {
		t.Fatalf("got %+v", res)
	}
	arm := newResolver(t, reg, Options{Lock: lock, Platform: "linux/arm64", Now: func() time.Time { return now }})
	mustResolve(t, arm, "python:3.12")
	if err := lock.Save(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf(`{
  "docker.io/library/python:3.12": {
    "digest": "%s",
    "resolved_at": "2025-01-02T03:04:05Z"
  },
  "docker.io/library/python:3.12 platform=linux/arm64": {
    "digest": "%s",
    "resolved_at": "2025-01-02T03:04:05Z",
    "platform": "linux/arm64"
  }
}
`, idx, kids["linux/arm64/v8"])
	if string(b) != want {
		t.Errorf("lock file:\n%s\nwant:\n%s", b, want)
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".dfix-lock-*")); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}

	// Offline: the lock answers, nothing reaches the registry; a reference the lock
	// does not know is not a failure but a NotInLockError.
	lock2, err := LoadLock(path)
	if err != nil {
		t.Fatal(err)
	}
	reg.Manifests.Store(0)
	off := newResolver(t, nil, Options{Lock: lock2, Offline: true})
	if res := mustResolve(t, off, "docker.io/library/python:3.12"); res.Digest != idx || res.Source != "lock" {
		t.Errorf("offline: got %+v", res)
	}
	_, err = resolve(t, off, "python:3.13")
	var notInLock *NotInLockError
	if !errors.As(err, &notInLock) || !strings.Contains(err.Error(), "docker.io/library/python:3.13 is not in the lock file") {
		t.Errorf("offline miss: err = %v", err)
	}
	if fs := off.Failures(); len(fs) != 0 {
		t.Errorf("offline misses reported as failures: %+v", fs)
	}
	if n := reg.Manifests.Load(); n != 0 {
		t.Errorf("%d manifest requests offline", n)
	}

	// The lock wins over the registry unless Refresh: the tag moved, the lock did not.
	newIdx, _ := reg.PushIndex(t, "library/python:3.12", true)
	later := now.Add(time.Hour)
	stay := newResolver(t, reg, Options{Lock: lock2, Now: func() time.Time { return later }})
	if res := mustResolve(t, stay, "python:3.12"); res.Digest != idx {
		t.Errorf("lock: got %s, want the locked %s", res.Digest, idx)
	}
	refresh := newResolver(t, reg, Options{Lock: lock2, Refresh: true, Now: func() time.Time { return later }})
	if res := mustResolve(t, refresh, "python:3.12"); res.Digest != newIdx {
		t.Errorf("refresh: got %s, want %s", res.Digest, newIdx)
	}
	if e, _ := lock2.Get("docker.io/library/python:3.12"); e.Digest != newIdx || !e.ResolvedAt.Equal(later) {
		t.Errorf("lock entry after refresh: %+v", e)
	}
	// An unchanged digest keeps its resolved_at.
	lock2.Put("docker.io/library/python:3.12", LockEntry{Digest: newIdx, ResolvedAt: later.Add(time.Hour)})
	if e, _ := lock2.Get("docker.io/library/python:3.12"); !e.ResolvedAt.Equal(later) {
		t.Errorf("resolved_at changed for the same digest: %+v", e)
	}
}

func TestLockErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.lock")
	os.WriteFile(bad, []byte(`{"python:3": {"digest": "md5:1"}}`), 0o644)
	if _, err := LoadLock(bad); err == nil || !strings.Contains(err.Error(), `"md5:1" is not a sha256 digest`) {
		t.Errorf("err = %v", err)
	}
	os.WriteFile(bad, []byte(`[1,2]`), 0o644)
	if _, err := LoadLock(bad); err == nil || !strings.Contains(err.Error(), "not a dfix lock file") {
		t.Errorf("err = %v", err)
	}
	if _, err := New(Options{Offline: true}); err == nil || !strings.Contains(err.Error(), "--offline needs --pin-lock") {
		t.Errorf("offline without lock: err = %v", err)
	}
	// A read-only lock file keeps its mode when rewritten.
	ro := filepath.Join(dir, "ro.lock")
	os.WriteFile(ro, []byte("{}"), 0o600)
	l, err := LoadLock(ro)
	if err != nil {
		t.Fatal(err)
	}
	l.Put("docker.io/library/a:1", LockEntry{Digest: "sha256:" + hex64()})
	if err := l.Save(); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(ro); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}
	// A lock that is a symbolic link is written through it.
	link := filepath.Join(dir, "link.lock")
	if err := os.Symlink("ro.lock", link); err != nil {
		t.Fatal(err)
	}
	l, err = LoadLock(link)
	if err != nil {
		t.Fatal(err)
	}
	l.Put("docker.io/library/b:1", LockEntry{Digest: "sha256:" + hex64()})
	if err := l.Save(); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link was replaced: %v %v", fi, err)
	}
	if b, _ := os.ReadFile(ro); !strings.Contains(string(b), "docker.io/library/b:1") {
		t.Errorf("target not written: %s", b)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Duration{
		"":                              0,
		"3":                             3 * time.Second,
		"-1":                            0,
		"soon":                          0,
		"Wed, 01 Jan 2025 00:00:10 GMT": 10 * time.Second,
	} {
		if got := parseRetryAfter(in, now); got != want {
			t.Errorf("parseRetryAfter(%q) = %s, want %s", in, got, want)
		}
	}
}

// An invalid reference is answered at once, looks nothing up and is no failed lookup.
func TestInvalidReference(t *testing.T) {
	r := newResolver(t, nil, Options{Mirrors: []string{"docker.io=127.0.0.1:1"}})
	_, err := resolve(t, r, "My_Image:1")
	var inv *InvalidError
	if !errors.As(err, &inv) || err.Error() != `"My_Image:1" is not a valid image reference` {
		t.Errorf("err = %v", err)
	}
	if fs := r.Failures(); len(fs) != 0 {
		t.Errorf("failures = %+v", fs)
	}
	if s := r.Stats(); s.Lookups != 0 || s.Requests != 0 {
		t.Errorf("stats = %+v", s)
	}
}

// Lookups of several tags of one repository share one authenticated transport: one
// ping (and one token) for the repository.
func TestOnePingPerRepository(t *testing.T) {
	var pings atomic.Int64
	reg := registrytest.InProcess(t, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			if req.URL.Path == "/v2/" {
				pings.Add(1)
			}
			h.ServeHTTP(w, req)
		})
	})
	for i := range 10 {
		reg.PushImage(t, fmt.Sprintf("library/one:%d", i))
	}
	pings.Store(0)
	r := newResolver(t, reg, Options{Jobs: 10})
	for i := range 10 {
		r.Prefetch(context.Background(), fmt.Sprintf("one:%d", i))
	}
	for i := range 10 {
		mustResolve(t, r, fmt.Sprintf("one:%d", i))
	}
	if n := pings.Load(); n != 1 {
		t.Errorf("%d pings for one repository, want 1", n)
	}
}
