package pin

// Tests against a real registry server: the CNCF distribution registry of Debian's
// docker-registry package, started on 127.0.0.1 by the test with its storage in a
// temporary folder. They skip when /usr/bin/docker-registry is missing, and fail
// instead under CI=true (.ci/run installs it).

import (
	"strings"
	"testing"

	"github.com/dfix-dev/dfix/internal/registrytest"
	"github.com/google/go-containerregistry/pkg/authn"
)

func TestDistributionPinsTheIndexDigest(t *testing.T) {
	reg := registrytest.Distribution(t, false)
	listIdx, listKids := reg.PushIndex(t, "library/multi:list", false)
	ociIdx, ociKids := reg.PushIndex(t, "library/multi:oci", true)
	single := reg.PushImage(t, "library/single:1")

	// The registry answers a narrower Accept with another digest: a client that only
	// takes single manifests gets the linux/amd64 manifest of the list, not the list.
	narrow, _, code := reg.ManifestDigest(t, "library/multi:list", mtDockerV2)
	if code != 200 || narrow == "" || narrow == listIdx {
		t.Fatalf("distribution answered a Docker v2 manifest Accept with %d %q; the test expects another digest than the list's %s", code, narrow, listIdx)
	}
	if narrow != listKids["linux/amd64"] {
		t.Logf("narrow Accept gave %s (the amd64 manifest is %s)", narrow, listKids["linux/amd64"])
	}
	wide, ct, _ := reg.ManifestDigest(t, "library/multi:list", Accept)
	if wide != listIdx || ct != mtDockerList {
		t.Fatalf("with dfix's Accept: %s %s, want %s %s", wide, ct, listIdx, mtDockerList)
	}

	r := newResolver(t, reg, Options{})
	for ref, want := range map[string]string{"multi:list": listIdx, "multi:oci": ociIdx, "single:1": single} {
		res := mustResolve(t, r, ref)
		if res.Digest != want {
			t.Errorf("%s: pinned %s, want %s", ref, res.Digest, want)
		}
		if res.Digest == narrow {
			t.Errorf("%s: pinned the single-platform manifest a narrow Accept gets", ref)
		}
	}
	arm := newResolver(t, reg, Options{Platform: "linux/arm64"})
	if res := mustResolve(t, arm, "multi:list"); res.Digest != listKids["linux/arm64/v8"] {
		t.Errorf("linux/arm64 of the list: %s, want %s", res.Digest, listKids["linux/arm64/v8"])
	}
	if res := mustResolve(t, arm, "multi:oci"); res.Digest != ociKids["linux/arm64/v8"] {
		t.Errorf("linux/arm64 of the OCI index: %s, want %s", res.Digest, ociKids["linux/arm64/v8"])
	}
	if _, err := resolve(t, r, "nope:1"); err == nil || !strings.Contains(err.Error(), "404 Not Found") {
		t.Errorf("unknown image: %v", err)
	}
}

func TestDistributionBasicAuth(t *testing.T) {
	reg := registrytest.Distribution(t, true)
	idx, _ := reg.PushIndex(t, "library/private:1", true)

	t.Setenv("DOCKER_CONFIG", registrytest.DockerConfig(t, reg.Host, registrytest.User, registrytest.Password))
	r := newResolver(t, reg, Options{Keychain: authn.DefaultKeychain})
	if res := mustResolve(t, r, "private:1"); res.Digest != idx {
		t.Errorf("pinned %s, want %s", res.Digest, idx)
	}

	t.Setenv("DOCKER_CONFIG", t.TempDir())
	r = newResolver(t, reg, Options{Keychain: authn.DefaultKeychain})
	_, err := resolve(t, r, "private:1")
	if err == nil || !strings.Contains(err.Error(), "401 Unauthorized") {
		t.Errorf("without credentials: %v", err)
	}

	t.Setenv("DOCKER_CONFIG", registrytest.DockerConfig(t, reg.Host, registrytest.User, "not-the-password"))
	r = newResolver(t, reg, Options{Keychain: authn.DefaultKeychain})
	_, err = resolve(t, r, "private:1")
	if err == nil || !strings.Contains(err.Error(), "401") || strings.Contains(err.Error(), "not-the-password") {
		t.Errorf("wrong password: %v", err)
	}
}
