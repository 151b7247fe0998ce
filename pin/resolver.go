package pin

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// The manifest media types dfix accepts, in this order: a registry given a narrower
// Accept answers with another digest (the amd64 manifest instead of the index), and
// the index is what keeps a pinned multi-platform image working everywhere.
const (
	mtOCIIndex      = "application/vnd.oci.image.index.v1+json"
	mtDockerList    = "application/vnd.docker.distribution.manifest.list.v2+json"
	mtOCIManifest   = "application/vnd.oci.image.manifest.v1+json"
	mtDockerV2      = "application/vnd.docker.distribution.manifest.v2+json"
	mtDockerSchema1 = "application/vnd.docker.distribution.manifest.v1+json"
	mtSchema1Signed = "application/vnd.docker.distribution.manifest.v1+prettyjws"
)

// Accept is the Accept header of every manifest request.
var Accept = strings.Join([]string{mtOCIIndex, mtDockerList, mtOCIManifest, mtDockerV2}, ", ")

// maxManifest bounds a manifest body read (registries limit them to 4 MiB).
const maxManifest = 4 << 20

// Options configure a Resolver. The zero value of each field is a sensible default.
type Options struct {
	// Mirrors are --registry-mirror values: REGISTRY=HOST[:PORT][/PATH]. References of
	// REGISTRY are looked up there; the file keeps the original reference.
	Mirrors []string
	// Platform, os/arch[/variant]: pin that platform's manifest instead of the index.
	Platform string
	// Jobs bounds the lookups running at once (default 8).
	Jobs int
	// Timeout bounds each HTTP request (default 20s).
	Timeout time.Duration
	// Retries is how many times a request answered with 429 or 5xx is tried again
	// (default 3; negative: never).
	Retries int
	// Backoff is the wait before the first retry, doubled each time (default 1s).
	// A Retry-After header replaces it, up to MaxRetryAfter (default 60s).
	Backoff       time.Duration
	MaxRetryAfter time.Duration
	// Keychain finds credentials (default authn.DefaultKeychain: the Docker config
	// in $DOCKER_CONFIG or ~/.docker, and its credential helpers).
	Keychain authn.Keychain
	// Transport is the HTTP transport under authentication (default: a clone of
	// http.DefaultTransport).
	Transport http.RoundTripper
	// Lock, when set, answers first and records new lookups.
	Lock *Lock
	// Offline answers from Lock only; nothing is looked up.
	Offline bool
	// Refresh asks the registry even when Lock knows the reference (--update-pins).
	Refresh bool
	// Now stamps lock entries (default time.Now).
	Now func() time.Time
}

// Result is a resolved reference.
type Result struct {
	Digest string // sha256:...
	// Source is "registry" or "lock".
	Source string
	// Platform is set when the digest is that platform's manifest.
	Platform string
	// MediaType is the media type of the manifest the registry answered with ("" when
	// it came from the lock).
	MediaType string
}

// Index reports whether the digest is a multi-platform index or manifest list.
func (r Result) Index() bool { return r.MediaType == mtOCIIndex || r.MediaType == mtDockerList }

// Resolver looks references up, each unique one once per run however many files and
// workers ask for it. It is safe for concurrent use.
type Resolver struct {
	opts     Options
	mirrors  map[string]mirror
	platform *v1.Platform
	sem      chan struct{}

	mu      sync.Mutex
	entries map[string]*entry
	repos   map[string]*repoEntry // authenticated transports by repository

	lookups, requests, manifestRequests atomic.Int64
}

type entry struct {
	ref   string // normalised
	done  chan struct{}
	res   Result
	err   error
	files map[string]bool // files whose rule asked (under Resolver.mu)
	asked bool            // a rule asked for it, not only a prefetch
	// platform is the platform whose manifest is looked up (nil: the index); it is
	// Resolver.platform except for ResolveIndex.
	platform *v1.Platform
}

// New returns a Resolver for one run.
func New(opts Options) (*Resolver, error) {
	r := &Resolver{opts: opts, mirrors: map[string]mirror{}, entries: map[string]*entry{}, repos: map[string]*repoEntry{}}
	for _, m := range opts.Mirrors {
		reg, mi, err := parseMirror(m)
		if err != nil {
			return nil, err
		}
		r.mirrors[reg] = mi
	}
	if opts.Platform != "" {
		p, err := ParsePlatform(opts.Platform)
		if err != nil {
			return nil, err
		}
		r.platform = p
	}
	if opts.Offline && opts.Lock == nil {
		return nil, errors.New("--offline needs --pin-lock FILE: the lock is the only source of digests offline")
	}
	if r.opts.Jobs <= 0 {
		r.opts.Jobs = 8
	}
	if r.opts.Timeout <= 0 {
		r.opts.Timeout = 20 * time.Second
	}
	if r.opts.Retries == 0 {
		r.opts.Retries = 3
	}
	if r.opts.Backoff <= 0 {
		r.opts.Backoff = time.Second
	}
	if r.opts.MaxRetryAfter <= 0 {
		r.opts.MaxRetryAfter = time.Minute
	}
	if r.opts.Keychain == nil {
		r.opts.Keychain = authn.DefaultKeychain
	}
	if r.opts.Transport == nil {
		r.opts.Transport = http.DefaultTransport.(*http.Transport).Clone()
	}
	if r.opts.Now == nil {
		r.opts.Now = time.Now
	}
	r.sem = make(chan struct{}, r.opts.Jobs)
	return r, nil
}

// Platform returns the --platform asked for, or "".
func (r *Resolver) Platform() string { return platformString(r.platform) }

// lockKey is the lock file's key of a normalised reference looked up for platform
// (nil: the index).
func lockKey(ref string, platform *v1.Platform) string {
	if platform != nil {
		return ref + " platform=" + platformString(platform)
	}
	return ref
}

// Resolve returns the digest of ref (an image reference without digest, as written in
// a Dockerfile: python:3.12, ghcr.io/o/r:1). file names the Dockerfile that asks, for
// the report of failed lookups. Concurrent and later calls for the same image share
// one lookup.
func (r *Resolver) Resolve(ctx context.Context, ref, file string) (Result, error) {
	return r.wait(ctx, r.start(ctx, ref, file, true, false))
}

// ResolveIndex is Resolve for an image that does not run on the --platform asked for
// (a FROM with a --platform of its own, the # syntax= frontend, which runs on the
// builder): the digest of the multi-platform index, whatever --platform says.
func (r *Resolver) ResolveIndex(ctx context.Context, ref, file string) (Result, error) {
	return r.wait(ctx, r.start(ctx, ref, file, true, true))
}

func (r *Resolver) wait(ctx context.Context, e *entry) (Result, error) {
	select {
	case <-e.done:
		return e.res, e.err
	case <-ctx.Done():
		return Result{}, ctx.Err()
	}
}

// Prefetch starts looking ref up without waiting, so that lookups run concurrently
// (up to Jobs) while files are processed. A prefetched reference no rule asks for is
// never reported as a failure.
func (r *Resolver) Prefetch(ctx context.Context, ref string) { r.start(ctx, ref, "", false, false) }

// PrefetchIndex is Prefetch for ResolveIndex.
func (r *Resolver) PrefetchIndex(ctx context.Context, ref string) { r.start(ctx, ref, "", false, true) }

func (r *Resolver) start(ctx context.Context, ref, file string, asked, index bool) *entry {
	key := ref
	t, perr := parseTag(ref)
	if perr == nil {
		key = normalTag(t)
	}
	platform := r.platform
	if index {
		platform = nil
	}
	entryKey := lockKey(key, platform) // the index and a platform's manifest are two lookups
	r.mu.Lock()
	e := r.entries[entryKey]
	if e == nil {
		e = &entry{ref: key, platform: platform, done: make(chan struct{}), files: map[string]bool{}}
		r.entries[entryKey] = e
		if perr != nil {
			e.err = perr
			close(e.done)
		} else {
			go r.lookup(ctx, e, t)
		}
	}
	if asked {
		e.asked = true
		if file != "" {
			e.files[file] = true
		}
	}
	r.mu.Unlock()
	return e
}

// NotInLockError is the answer for a reference the lock does not know, offline.
type NotInLockError struct{ Ref, Lock string }

func (e *NotInLockError) Error() string {
	return fmt.Sprintf("%s is not in the lock file %s (--offline looks nothing up)", e.Ref, e.Lock)
}

// Help says how to get the reference into the lock.
func (e *NotInLockError) Help() string {
	return "left as it is; a run with --pin --pin-lock " + e.Lock + " without --offline adds it to the lock"
}

// LookupError is a failed lookup: what was asked, where, and why.
type LookupError struct {
	Ref    string // normalised reference
	Lookup string // where it was looked up when not where the reference says (a mirror)
	Err    error
}

func (e *LookupError) Error() string {
	if e.Lookup != "" {
		return fmt.Sprintf("%s (via %s): %v", e.Ref, e.Lookup, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.Ref, e.Err)
}

func (e *LookupError) Unwrap() error { return e.Err }

func (r *Resolver) lookup(ctx context.Context, e *entry, t name.Tag) {
	defer close(e.done)
	lk := lockKey(e.ref, e.platform)
	if l := r.opts.Lock; l != nil && (!r.opts.Refresh || r.opts.Offline) {
		if le, ok := l.Get(lk); ok {
			e.res = Result{Digest: le.Digest, Source: "lock", Platform: le.Platform}
			return
		}
	}
	if r.opts.Offline {
		e.err = &NotInLockError{Ref: e.ref, Lock: r.opts.Lock.Path()}
		return
	}
	select {
	case r.sem <- struct{}{}:
	case <-ctx.Done():
		e.err = ctx.Err()
		return
	}
	defer func() { <-r.sem }()
	r.lookups.Add(1)
	target, err := r.target(t)
	if err != nil {
		e.err = &LookupError{Ref: e.ref, Err: err}
		return
	}
	res, err := r.fetch(ctx, target, e.platform)
	if err != nil {
		le := &LookupError{Ref: e.ref, Err: err}
		if target.Name() != t.Name() {
			le.Lookup = target.Context().RegistryStr()
		}
		e.err = le
		return
	}
	e.res = res
	if l := r.opts.Lock; l != nil {
		l.Put(lk, LockEntry{Digest: res.Digest, ResolvedAt: r.opts.Now().UTC().Truncate(time.Second), Platform: res.Platform})
	}
}

// target returns where t is looked up: t itself, or its name at a mirror.
func (r *Resolver) target(t name.Tag) (name.Tag, error) {
	m, ok := r.mirrors[canonicalRegistry(t.Context().RegistryStr())]
	if !ok {
		return t, nil
	}
	var opts []name.Option
	if m.insecure {
		opts = append(opts, name.Insecure)
	}
	return name.NewTag(m.host+"/"+m.prefix+t.RepositoryStr()+":"+t.TagStr(), opts...)
}

// Failure is a reference that could not be looked up, and the files that name it.
type Failure struct {
	Ref   string
	Err   error
	Files []string
}

// Failures returns the lookups that failed for the rules that asked, by reference.
// References missing from the lock offline, and invalid references, are not failed
// lookups (nothing was looked up): they are findings.
func (r *Resolver) Failures() []Failure {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []Failure
	for _, e := range r.entries {
		select {
		case <-e.done:
		default:
			continue
		}
		var notInLock *NotInLockError
		var invalid *InvalidError
		if !e.asked || e.err == nil || errors.As(e.err, &notInLock) || errors.As(e.err, &invalid) {
			continue
		}
		f := Failure{Ref: e.ref, Err: e.err}
		for file := range e.files {
			f.Files = append(f.Files, file)
		}
		sort.Strings(f.Files)
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Ref < out[j].Ref })
	return out
}

// Stats counts what a run did.
type Stats struct {
	Refs             int   // unique references asked for or prefetched
	Lookups          int64 // references that went to a registry
	Requests         int64 // HTTP requests dfix made itself (authentication not counted)
	ManifestRequests int64 // of which manifest HEAD and GET requests
}

// Stats returns the counts so far.
func (r *Resolver) Stats() Stats {
	r.mu.Lock()
	n := len(r.entries)
	r.mu.Unlock()
	return Stats{Refs: n, Lookups: r.lookups.Load(), Requests: r.requests.Load(), ManifestRequests: r.manifestRequests.Load()}
}

// retryable is a status worth trying again.
func retryable(code int) bool {
	return code == http.StatusTooManyRequests || code >= 500 && code <= 599
}

// statusError is an HTTP answer that is not what dfix asked for.
type statusError struct {
	method, url string
	code        int
	detail      string
	retryAfter  time.Duration
}

func (e *statusError) Error() string {
	msg := fmt.Sprintf("%s %s: %d %s", e.method, e.url, e.code, http.StatusText(e.code))
	switch e.code {
	case http.StatusUnauthorized:
		msg += " (the registry wants credentials: `docker login`, a credential helper, or DOCKER_CONFIG)"
	case http.StatusForbidden:
		msg += " (the credentials found are not allowed to pull this image)"
	case http.StatusNotFound:
		msg += " (no such image or tag)"
	}
	if e.detail != "" {
		msg += ": " + e.detail
	}
	return msg
}

// fetch looks one reference up, trying again on 429 and 5xx.
func (r *Resolver) fetch(ctx context.Context, t name.Tag, platform *v1.Platform) (Result, error) {
	wait := r.opts.Backoff
	for attempt := 0; ; attempt++ {
		res, err := r.fetchOnce(ctx, t, platform)
		if err == nil {
			return res, nil
		}
		delay, again := r.retryDelay(err, wait)
		if !again || attempt >= r.opts.Retries {
			if again {
				err = fmt.Errorf("%w (gave up after %d tries)", err, attempt+1)
			}
			return Result{}, err
		}
		select {
		case <-time.After(delay):
		case <-ctx.Done():
			return Result{}, ctx.Err()
		}
		wait *= 2
	}
}

// retryDelay tells whether err is worth another try, and after how long.
func (r *Resolver) retryDelay(err error, backoff time.Duration) (time.Duration, bool) {
	var se *statusError
	if errors.As(err, &se) && retryable(se.code) {
		if se.retryAfter > 0 {
			return min(se.retryAfter, r.opts.MaxRetryAfter), true
		}
		return backoff, true
	}
	var te *transport.Error
	if errors.As(err, &te) && retryable(te.StatusCode) {
		return backoff, true
	}
	return 0, false
}

// parseRetryAfter reads a Retry-After header: seconds or an HTTP date.
func parseRetryAfter(h string, now time.Time) time.Duration {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0
	}
	if s, err := strconv.Atoi(h); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(h); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// repoEntry is the authenticated transport of one repository, made once: concurrent
// lookups in the same repository wait for the one that makes it.
type repoEntry struct {
	done chan struct{}
	rt   http.RoundTripper
	err  error
}

// transportFor returns an authenticated transport for t's repository, made once per
// repository (a ping and, for token registries, a token per repository). A failure
// is not kept: the next try makes it again.
func (r *Resolver) transportFor(ctx context.Context, t name.Tag) (http.RoundTripper, error) {
	repo := t.Context()
	key := repo.Name()
	r.mu.Lock()
	e := r.repos[key]
	if e != nil {
		r.mu.Unlock()
		select {
		case <-e.done:
			return e.rt, e.err
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	e = &repoEntry{done: make(chan struct{})}
	r.repos[key] = e
	r.mu.Unlock()
	defer close(e.done)
	e.rt, e.err = r.newTransport(ctx, repo)
	if e.err != nil {
		r.mu.Lock()
		delete(r.repos, key)
		r.mu.Unlock()
	}
	return e.rt, e.err
}

func (r *Resolver) newTransport(ctx context.Context, repo name.Repository) (http.RoundTripper, error) {
	auth, err := r.opts.Keychain.Resolve(repo.Registry)
	if err != nil {
		return nil, fmt.Errorf("reading credentials for %s: %v", repo.RegistryStr(), err)
	}
	cctx, cancel := context.WithTimeout(ctx, r.opts.Timeout)
	defer cancel()
	rt, err := transport.NewWithContext(cctx, repo.Registry, auth, r.opts.Transport, []string{repo.Scope(transport.PullScope)})
	if err != nil {
		return nil, describe(err, cctx, r.opts.Timeout)
	}
	return rt, nil
}

// describe makes network errors say what happened.
func describe(err error, ctx context.Context, timeout time.Duration) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("no answer within %s (--pin-timeout): %w", timeout, err)
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return fmt.Errorf("cannot find the registry host %q: %w", dnsErr.Name, err)
	}
	var certErr *tls.CertificateVerificationError
	var authErr x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	if errors.As(err, &certErr) || errors.As(err, &authErr) || errors.As(err, &hostErr) {
		return fmt.Errorf("TLS: the registry's certificate is not trusted (add its CA to the system's, or use a mirror): %w", err)
	}
	return err
}

// fetchOnce does one lookup: HEAD the manifest; GET it when HEAD gives no digest;
// with a platform, read the index (or the image's config) to pick that platform.
func (r *Resolver) fetchOnce(ctx context.Context, t name.Tag, platform *v1.Platform) (Result, error) {
	rt, err := r.transportFor(ctx, t)
	if err != nil {
		return Result{}, err
	}
	client := &http.Client{Transport: rt}
	head, err := r.manifest(ctx, client, t, t.TagStr(), http.MethodHead, "")
	if err != nil {
		var se *statusError
		if !errors.As(err, &se) || se.code == http.StatusUnauthorized || se.code == http.StatusForbidden ||
			se.code == http.StatusNotFound || retryable(se.code) {
			return Result{}, err
		}
		head = nil // HEAD not supported (405...): GET answers the same
	}
	m := head
	if m == nil || m.digest == "" {
		if m, err = r.manifest(ctx, client, t, t.TagStr(), http.MethodGet, ""); err != nil {
			return Result{}, err
		}
	}
	if m.mediaType == mtDockerSchema1 || m.mediaType == mtSchema1Signed {
		return Result{}, fmt.Errorf("the registry only offers a schema 1 manifest, which has no stable digest")
	}
	res := Result{Digest: m.digest, Source: "registry", MediaType: m.mediaType}
	if platform == nil {
		return res, nil
	}
	if m.body == nil {
		// Read the manifest the digest names (not the tag, which may move meanwhile).
		if m, err = r.manifest(ctx, client, t, res.Digest, http.MethodGet, res.Digest); err != nil {
			return Result{}, err
		}
	}
	return r.pickPlatform(ctx, client, t, res, m, platform)
}

type manifestAnswer struct {
	digest, mediaType string
	body              []byte // nil for HEAD
}

// manifest sends one manifest request. A GET's body is hashed: it must match the
// Docker-Content-Digest header when there is one, and want when it is set.
func (r *Resolver) manifest(ctx context.Context, client *http.Client, t name.Tag, ident, method, want string) (*manifestAnswer, error) {
	u := fmt.Sprintf("%s://%s/v2/%s/manifests/%s", t.Context().Registry.Scheme(), t.Context().RegistryStr(), t.RepositoryStr(), ident)
	rctx, cancel := context.WithTimeout(ctx, r.opts.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, method, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", Accept)
	r.requests.Add(1)
	r.manifestRequests.Add(1)
	resp, err := client.Do(req)
	if err != nil {
		return nil, describe(err, rctx, r.opts.Timeout)
	}
	defer resp.Body.Close()
	shown := redactURL(req.URL)
	if resp.StatusCode != http.StatusOK {
		detail := ""
		if method == http.MethodGet {
			if te, ok := transport.CheckError(resp, http.StatusOK).(*transport.Error); ok && len(te.Errors) > 0 {
				detail = te.Errors[0].String()
			}
		}
		return nil, &statusError{method: method, url: shown, code: resp.StatusCode, detail: detail,
			retryAfter: parseRetryAfter(resp.Header.Get("Retry-After"), r.opts.Now())}
	}
	a := &manifestAnswer{mediaType: mediaTypeOf(resp.Header.Get("Content-Type"))}
	header := strings.TrimSpace(resp.Header.Get("Docker-Content-Digest"))
	if header != "" && !digestRE.MatchString(header) {
		if !strings.HasPrefix(header, "sha256:") && method == http.MethodGet {
			header = "" // another algorithm: the body's sha256 is checked against want only
		} else {
			return nil, fmt.Errorf("%s %s: Docker-Content-Digest %q is not a sha256 digest", method, shown, header)
		}
	}
	if method == http.MethodHead {
		a.digest = header
		return a, nil
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxManifest+1))
	if err != nil {
		return nil, describe(fmt.Errorf("%s %s: reading the manifest: %w", method, shown, err), rctx, r.opts.Timeout)
	}
	if len(body) > maxManifest {
		return nil, fmt.Errorf("%s %s: manifest larger than %d bytes", method, shown, maxManifest)
	}
	sum := sha256.Sum256(body)
	got := "sha256:" + hex.EncodeToString(sum[:])
	if header != "" && header != got {
		return nil, fmt.Errorf("%s %s: the registry says the manifest is %s, but the manifest it sent is %s: refusing to pin", method, shown, header, got)
	}
	if want != "" && want != got {
		return nil, fmt.Errorf("%s %s: asked for %s, got a manifest that is %s: refusing to pin", method, shown, want, got)
	}
	if a.mediaType == "" {
		var probe struct {
			MediaType string `json:"mediaType"`
		}
		_ = json.Unmarshal(body, &probe)
		a.mediaType = probe.MediaType
	}
	a.digest, a.body = got, body
	return a, nil
}

func mediaTypeOf(ct string) string {
	mt, _, _ := strings.Cut(ct, ";")
	return strings.TrimSpace(mt)
}

// pickPlatform returns the digest of the manifest for platform: an entry of the
// index, or the image itself when its config says it is for that platform.
func (r *Resolver) pickPlatform(ctx context.Context, client *http.Client, t name.Tag, res Result, m *manifestAnswer, platform *v1.Platform) (Result, error) {
	want := platformString(platform)
	var doc struct {
		MediaType string `json:"mediaType"`
		Manifests []struct {
			MediaType string       `json:"mediaType"`
			Digest    string       `json:"digest"`
			Platform  *v1.Platform `json:"platform"`
		} `json:"manifests"`
		Config *struct {
			Digest string `json:"digest"`
		} `json:"config"`
	}
	if err := json.Unmarshal(m.body, &doc); err != nil {
		return Result{}, fmt.Errorf("reading the manifest of %s: %v", t, err)
	}
	if res.Index() || doc.Manifests != nil {
		var have []string
		for _, d := range doc.Manifests {
			if matches(d.Platform, platform) && digestRE.MatchString(d.Digest) {
				return Result{Digest: d.Digest, Source: res.Source, Platform: want, MediaType: d.MediaType}, nil
			}
			if d.Platform != nil && d.Platform.OS != "unknown" {
				have = append(have, platformString(d.Platform))
			}
		}
		return Result{}, fmt.Errorf("no %s image in the index (it has %s)", want, orNone(have))
	}
	if doc.Config == nil || !digestRE.MatchString(doc.Config.Digest) {
		return Result{}, fmt.Errorf("the manifest of %s names no config: cannot tell its platform", t)
	}
	cfg, err := r.blob(ctx, client, t, doc.Config.Digest)
	if err != nil {
		return Result{}, err
	}
	var c struct {
		OS           string `json:"os"`
		Architecture string `json:"architecture"`
		Variant      string `json:"variant"`
	}
	if err := json.Unmarshal(cfg, &c); err != nil {
		return Result{}, fmt.Errorf("reading the config of %s: %v", t, err)
	}
	have := &v1.Platform{OS: c.OS, Architecture: c.Architecture, Variant: c.Variant}
	if !matches(have, platform) {
		return Result{}, fmt.Errorf("the tag is a single-platform %s image, not %s", orNone([]string{platformString(have)}), want)
	}
	res.Platform = want
	return res, nil
}

func orNone(s []string) string {
	if len(s) == 0 || len(s) == 1 && s[0] == "/" {
		return "no platform listed"
	}
	return strings.Join(s, ", ")
}

// blob reads a small blob (an image config) and checks its digest.
func (r *Resolver) blob(ctx context.Context, client *http.Client, t name.Tag, digest string) ([]byte, error) {
	u := fmt.Sprintf("%s://%s/v2/%s/blobs/%s", t.Context().Registry.Scheme(), t.Context().RegistryStr(), t.RepositoryStr(), digest)
	rctx, cancel := context.WithTimeout(ctx, r.opts.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	r.requests.Add(1)
	resp, err := client.Do(req)
	if err != nil {
		return nil, describe(err, rctx, r.opts.Timeout)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, &statusError{method: http.MethodGet, url: redactURL(req.URL), code: resp.StatusCode,
			retryAfter: parseRetryAfter(resp.Header.Get("Retry-After"), r.opts.Now())}
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxManifest+1))
	if err != nil {
		return nil, describe(err, rctx, r.opts.Timeout)
	}
	sum := sha256.Sum256(body)
	if got := "sha256:" + hex.EncodeToString(sum[:]); got != digest {
		return nil, fmt.Errorf("GET %s: the config is %s, not %s", redactURL(req.URL), got, digest)
	}
	return body, nil
}
