// Package registrytest starts container registries on 127.0.0.1 for dfix's tests and
// pushes test images to them: go-containerregistry's in-process registry, and the
// CNCF distribution registry of Debian's docker-registry package as a real server.
package registrytest

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"golang.org/x/crypto/bcrypt"
)

// Registry is a registry running for a test.
type Registry struct {
	Host string // 127.0.0.1:PORT
	// Manifests counts the manifest requests (HEAD and GET) that reached it; only
	// for registries started with a counting front (InProcess).
	Manifests atomic.Int64
	Requests  atomic.Int64
	auth      authn.Authenticator
}

// InProcess starts go-containerregistry's registry on 127.0.0.1. wrap, when not nil,
// stands in front of it (a fault injector); the manifest requests that pass it are
// counted either way.
func InProcess(t testing.TB, wrap func(http.Handler) http.Handler) *Registry {
	t.Helper()
	r := &Registry{}
	var h http.Handler = registry.New(registry.Logger(nopLogger()))
	counted := h
	h = http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.Requests.Add(1)
		if isManifest(req) {
			r.Manifests.Add(1)
		}
		counted.ServeHTTP(w, req)
	})
	if wrap != nil {
		h = wrap(h)
	}
	srv := httptest.NewUnstartedServer(h)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv.Listener = l
	srv.Start()
	t.Cleanup(srv.Close)
	r.Host = l.Addr().String()
	return r
}

// isManifest reports a manifest request: /v2/<name>/manifests/<reference>.
func isManifest(req *http.Request) bool {
	p := req.URL.Path
	return strings.HasPrefix(p, "/v2/") && strings.Contains(p, "/manifests/") &&
		(req.Method == http.MethodHead || req.Method == http.MethodGet)
}

func nopLogger() *log.Logger { return log.New(io.Discard, "", 0) }

// syncBuffer collects a child process's output.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Ref returns a reference to repo:tag in the registry.
func (r *Registry) Ref(t testing.TB, repoTag string) name.Reference {
	t.Helper()
	ref, err := name.ParseReference(r.Host+"/"+repoTag, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	return ref
}

func (r *Registry) opts() []remote.Option {
	if r.auth != nil {
		return []remote.Option{remote.WithAuth(r.auth)}
	}
	return nil
}

// Image makes a small random image for a platform (nil: none recorded), with OCI or
// Docker media types.
func Image(t testing.TB, p *v1.Platform, oci bool) v1.Image {
	t.Helper()
	layerType, mt, ct := types.DockerLayer, types.DockerManifestSchema2, types.DockerConfigJSON
	if oci {
		layerType, mt, ct = types.OCILayer, types.OCIManifestSchema1, types.OCIConfigJSON
	}
	layer, err := random.Layer(256, layerType)
	if err != nil {
		t.Fatal(err)
	}
	img, err := mutate.AppendLayers(empty.Image, layer)
	if err != nil {
		t.Fatal(err)
	}
	img = mutate.MediaType(mutate.ConfigMediaType(img, ct), mt)
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cf = cf.DeepCopy()
	if p != nil {
		cf.OS, cf.Architecture, cf.Variant = p.OS, p.Architecture, p.Variant
	}
	if img, err = mutate.ConfigFile(img, cf); err != nil {
		t.Fatal(err)
	}
	return img
}

// PushImage pushes a single-platform image (linux/amd64) and returns its digest.
func (r *Registry) PushImage(t testing.TB, repoTag string) string {
	t.Helper()
	img := Image(t, &v1.Platform{OS: "linux", Architecture: "amd64"}, false)
	if err := remote.Write(r.Ref(t, repoTag), img, r.opts()...); err != nil {
		t.Fatalf("push %s: %v", repoTag, err)
	}
	d, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return d.String()
}

// Platforms are the platforms of the test indexes.
var Platforms = []v1.Platform{{OS: "linux", Architecture: "amd64"}, {OS: "linux", Architecture: "arm64", Variant: "v8"}}

// PushIndex pushes a two-platform index (an OCI image index when oci, else a Docker
// manifest list) and returns its digest and its manifests' digests by platform
// ("linux/amd64", "linux/arm64/v8").
func (r *Registry) PushIndex(t testing.TB, repoTag string, oci bool) (string, map[string]string) {
	t.Helper()
	idx := v1.ImageIndex(empty.Index)
	mt := types.DockerManifestList
	if oci {
		mt = types.OCIImageIndex
	}
	idx = mutate.IndexMediaType(idx, mt)
	children := map[string]string{}
	for _, p := range Platforms {
		img := Image(t, &p, oci)
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: &p}})
		d, err := img.Digest()
		if err != nil {
			t.Fatal(err)
		}
		children[p.String()] = d.String()
	}
	if err := remote.WriteIndex(r.Ref(t, repoTag), idx, r.opts()...); err != nil {
		t.Fatalf("push %s: %v", repoTag, err)
	}
	d, err := idx.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return d.String(), children
}

// Tag points repoTag at what is already pushed as fromRepoTag (same repository or
// another one of the registry).
func (r *Registry) Tag(t testing.TB, fromRepoTag, repoTag string) {
	t.Helper()
	desc, err := remote.Get(r.Ref(t, fromRepoTag), r.opts()...)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Put(r.Ref(t, repoTag), desc, r.opts()...); err != nil {
		t.Fatalf("tag %s: %v", repoTag, err)
	}
}

// DistributionBinary is Debian's docker-registry package's server.
const DistributionBinary = "/usr/bin/docker-registry"

// RequireDistribution skips the test when the docker-registry binary is missing,
// except under CI (CI=true), where the test fails instead: CI installs it.
func RequireDistribution(t testing.TB) {
	t.Helper()
	if _, err := os.Stat(DistributionBinary); err == nil {
		return
	}
	msg := DistributionBinary + " is missing: install Debian's docker-registry package (apt-get install -y docker-registry) to run the real-registry tests"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg + " (CI=true: the real-registry tests must run)")
	}
	t.Skip(msg)
}

// Credentials of the registries started with auth.
const (
	User     = "dfix-user"
	Password = "s3cret-Passw0rd"
)

// Distribution starts the CNCF distribution registry (Debian's docker-registry) on a
// free 127.0.0.1 port with its storage in a temporary folder, waits until it answers,
// and stops it when the test ends. With withAuth it asks for basic auth (htpasswd,
// User and Password); pushes from this package use those credentials.
func Distribution(t testing.TB, withAuth bool) *Registry {
	t.Helper()
	RequireDistribution(t)
	dir := t.TempDir()
	port := freePort(t)
	host := fmt.Sprintf("127.0.0.1:%d", port)
	cfg := fmt.Sprintf(`version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: %s
  delete:
    enabled: true
http:
  addr: %s
  secret: dfix-test-secret
`, filepath.Join(dir, "data"), host)
	r := &Registry{Host: host}
	if withAuth {
		hash, err := bcrypt.GenerateFromPassword([]byte(Password), bcrypt.MinCost)
		if err != nil {
			t.Fatal(err)
		}
		htpasswd := filepath.Join(dir, "htpasswd")
		// distribution reads bcrypt hashes in the $2y$ form htpasswd -B writes.
		line := User + ":" + "$2y$" + string(hash[len("$2a$"):]) + "\n"
		if err := os.WriteFile(htpasswd, []byte(line), 0o600); err != nil {
			t.Fatal(err)
		}
		cfg += fmt.Sprintf("auth:\n  htpasswd:\n    realm: dfix-test\n    path: %s\n", htpasswd)
		r.auth = &authn.Basic{Username: User, Password: Password}
	}
	cfgPath := filepath.Join(dir, "config.yml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	var logBuf syncBuffer
	cmd := exec.Command(DistributionBinary, "serve", cfgPath)
	cmd.Stdout, cmd.Stderr = &logBuf, &logBuf
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", DistributionBinary, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
	})
	deadline := time.Now().Add(20 * time.Second)
	client := &http.Client{Timeout: time.Second}
	for {
		select {
		case err := <-exited:
			t.Fatalf("%s exited before it answered: %v\n%s", DistributionBinary, err, logBuf.String())
		default:
		}
		resp, err := client.Get("http://" + host + "/v2/")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK || withAuth && resp.StatusCode == http.StatusUnauthorized {
				return r
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s does not answer on %s: %v\n%s", DistributionBinary, host, err, logBuf.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// DockerConfig writes a Docker config.json into a new folder with credentials for
// host and returns the folder, for DOCKER_CONFIG.
func DockerConfig(t testing.TB, host, user, password string) string {
	t.Helper()
	dir := t.TempDir()
	cfg := map[string]any{"auths": map[string]any{
		host: map[string]string{"auth": base64.StdEncoding.EncodeToString([]byte(user + ":" + password))},
	}}
	b, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "config.json"), b, 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

// ManifestDigest asks the registry for repoTag's manifest with exactly the given
// Accept header (and the test credentials) and returns the Docker-Content-Digest it
// answers with and the media type.
func (r *Registry) ManifestDigest(t testing.TB, repoTag, accept string) (string, string, int) {
	t.Helper()
	ref := r.Ref(t, repoTag)
	u := fmt.Sprintf("http://%s/v2/%s/manifests/%s", r.Host, ref.Context().RepositoryStr(), ref.Identifier())
	req, err := http.NewRequest(http.MethodHead, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", accept)
	if r.auth != nil {
		req.SetBasicAuth(User, Password)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.Header.Get("Docker-Content-Digest"), resp.Header.Get("Content-Type"), resp.StatusCode
}
