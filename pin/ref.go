// Package pin looks up the digests of container image references in their registries,
// for dfix's pin-digest rule: one lookup per unique reference per run, bounded
// concurrency, a timeout per request, retries on 429 and 5xx honouring Retry-After,
// registry mirrors, a platform choice and a lock file.
//
// A Resolver is made per run by the CLI and handed down to the rule; there is no
// global state.
package pin

import (
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// dockerHub is the name Docker users know Docker Hub by; index.docker.io and
// registry-1.docker.io are the same registry.
const dockerHub = "docker.io"

func canonicalRegistry(r string) string {
	switch r {
	case "index.docker.io", "registry-1.docker.io", dockerHub:
		return dockerHub
	}
	return r
}

// Normalize returns the reference the way Docker spells it in full:
// python -> docker.io/library/python:latest, ghcr.io/a/b:1 stays. The digest, if any,
// is dropped: dfix looks tags up. It is the key of the lock file.
func Normalize(ref string) (string, error) {
	t, err := parseTag(ref)
	if err != nil {
		return "", err
	}
	return normalTag(t), nil
}

func parseTag(ref string) (name.Tag, error) {
	if i := strings.IndexByte(ref, '@'); i >= 0 {
		ref = ref[:i]
	}
	t, err := name.NewTag(ref, name.WeakValidation)
	if err != nil {
		return name.Tag{}, &InvalidError{Ref: ref}
	}
	return t, nil
}

// InvalidError is a reference that is not a valid image reference: nothing to look
// up, and a build would fail on it too.
type InvalidError struct{ Ref string }

func (e *InvalidError) Error() string { return fmt.Sprintf("%q is not a valid image reference", e.Ref) }

// Help says what to do.
func (e *InvalidError) Help() string {
	return "left as it is; image names are lower case: [registry[:port]/]name[:tag]"
}

func normalTag(t name.Tag) string {
	return canonicalRegistry(t.Context().RegistryStr()) + "/" + t.RepositoryStr() + ":" + t.TagStr()
}

// mirror is where the references of one registry are looked up instead.
type mirror struct {
	host     string // host[:port]
	prefix   string // path inside the mirror, "" or "dockerhub/"
	insecure bool   // plain http
}

// ParseMirror reads a --registry-mirror value: REGISTRY=HOST[:PORT][/PATH], with an
// optional http:// (plain HTTP) or https:// in front of HOST. It returns the registry
// (docker.io for Docker Hub and its aliases).
func parseMirror(s string) (string, mirror, error) {
	reg, target, ok := strings.Cut(s, "=")
	reg, target = strings.TrimSpace(reg), strings.TrimSpace(target)
	if !ok || reg == "" || target == "" {
		return "", mirror{}, fmt.Errorf("--registry-mirror: %q is not REGISTRY=HOST[:PORT]", s)
	}
	var m mirror
	switch {
	case strings.HasPrefix(target, "http://"):
		m.insecure = true
		target = strings.TrimPrefix(target, "http://")
	case strings.HasPrefix(target, "https://"):
		target = strings.TrimPrefix(target, "https://")
	case strings.Contains(target, "://"):
		return "", mirror{}, fmt.Errorf("--registry-mirror: %q: only http:// and https:// are known", s)
	}
	target = strings.TrimRight(target, "/")
	host, prefix, _ := strings.Cut(target, "/")
	if _, err := name.NewRegistry(host, name.StrictValidation); err != nil || host == "" {
		return "", mirror{}, fmt.Errorf("--registry-mirror: %q: %q is not a registry host", s, host)
	}
	if prefix != "" {
		prefix += "/"
	}
	m.host, m.prefix = host, prefix
	if isLoopback(host) {
		m.insecure = true // test and local mirrors speak plain HTTP
	}
	return canonicalRegistry(strings.ToLower(reg)), m, nil
}

// isLoopback reports whether host[:port] names this machine.
func isLoopback(host string) bool {
	h := host
	if sh, _, err := net.SplitHostPort(host); err == nil {
		h = sh
	}
	h = strings.Trim(h, "[]")
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// ParsePlatform reads a --platform value, os/arch[/variant].
func ParsePlatform(s string) (*v1.Platform, error) {
	parts := strings.Split(s, "/")
	if len(parts) < 2 || len(parts) > 3 {
		return nil, fmt.Errorf("--platform: %q is not os/arch[/variant] (for example linux/amd64 or linux/arm/v7)", s)
	}
	for _, p := range parts {
		if p == "" || strings.ContainsAny(p, " \t:,") || strings.ToLower(p) != p {
			return nil, fmt.Errorf("--platform: %q is not os/arch[/variant] (for example linux/amd64 or linux/arm/v7)", s)
		}
	}
	p := &v1.Platform{OS: parts[0], Architecture: parts[1]}
	if len(parts) == 3 {
		p.Variant = parts[2]
	}
	return p, nil
}

func platformString(p *v1.Platform) string {
	if p == nil {
		return ""
	}
	s := p.OS + "/" + p.Architecture
	if p.Variant != "" {
		s += "/" + p.Variant
	}
	return s
}

// matches reports whether an image of platform have runs where want is asked for.
// arm64's default variant is v8, so linux/arm64 and linux/arm64/v8 are the same.
func matches(have *v1.Platform, want *v1.Platform) bool {
	if have == nil {
		return false
	}
	norm := func(p v1.Platform) v1.Platform {
		if p.Architecture == "arm64" && p.Variant == "v8" {
			p.Variant = ""
		}
		return p
	}
	h, w := norm(*have), norm(*want)
	if h.OS != w.OS || h.Architecture != w.Architecture {
		return false
	}
	return w.Variant == "" || h.Variant == w.Variant
}

// redactURL keeps a URL's scheme, host and path: never its user information or query
// (where a token could be).
func redactURL(u *url.URL) string {
	if u == nil {
		return ""
	}
	return u.Scheme + "://" + u.Host + u.Path
}
