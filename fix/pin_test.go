package fix

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/dfix-dev/dfix/rewrite"
)

// mapResolver answers from a map and counts the questions.
type mapResolver struct {
	mu      sync.Mutex
	digests map[string]PinResult
	asked   []string
}

func (m *mapResolver) Resolve(_ context.Context, ref, _ string) (PinResult, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.asked = append(m.asked, ref)
	if r, ok := m.digests[ref]; ok {
		return r, nil
	}
	return PinResult{}, errors.New("docker.io/library/" + ref + ": 404 Not Found (no such image or tag)")
}

var (
	d1 = "sha256:" + strings.Repeat("1", 64)
	d2 = "sha256:" + strings.Repeat("2", 64)
	d3 = "sha256:" + strings.Repeat("3", 64)
)

func runPin(t *testing.T, src string, opts *PinOptions) *Result {
	t.Helper()
	res, err := Run("Dockerfile", []byte(src), Options{Rules: []*Rule{Lookup(Rules(), "pin-digest")}, Pin: opts})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// The # syntax= directive is pinned on its own line (its tests live here: the golden
// harness promises that comment lines never change, and this is the one fix that
// edits one on purpose).
func TestPinSyntaxDirective(t *testing.T) {
	r := &mapResolver{digests: map[string]PinResult{
		"docker/dockerfile:1.7-labs": {Digest: d1}, "docker/dockerfile:latest": {Digest: d2},
		"docker/dockerfile:1": {Digest: d3, FromLock: true}, "alpine:3.20": {Digest: d1},
	}}
	for _, c := range []struct{ in, want string }{
		{"# syntax = docker/dockerfile:1.7-labs  \n# escape=\\\nFROM alpine:3.20\n",
			"# syntax = docker/dockerfile:1.7-labs@" + d1 + "  \n# escape=\\\nFROM alpine:3.20@" + d1 + "\n"},
		{"#syntax=docker/dockerfile\r\nFROM alpine:3.20\r\n",
			"#syntax=docker/dockerfile:latest@" + d2 + "\r\nFROM alpine:3.20@" + d1 + "\r\n"},
		{"\ufeff# syntax=docker/dockerfile:1\nFROM alpine:3.20",
			"\ufeff# syntax=docker/dockerfile:1@" + d3 + "\nFROM alpine:3.20@" + d1},
		// Not a directive (after an instruction or a plain comment): a comment, left alone.
		{"# a comment\n# syntax=docker/dockerfile:1\nFROM alpine:3.20\n",
			"# a comment\n# syntax=docker/dockerfile:1\nFROM alpine:3.20@" + d1 + "\n"},
	} {
		res := runPin(t, c.in, &PinOptions{Resolver: r})
		if string(res.Output) != c.want {
			t.Errorf("pinning\n%q\ngave\n%q\nwant\n%q", c.in, res.Output, c.want)
		}
		if _, err := rewrite.Parse("Dockerfile", res.Output); err != nil {
			t.Errorf("output does not parse: %v", err)
		}
	}
	// A pinned directive is updated in place with --update-pins.
	in := "# syntax=docker/dockerfile:1@" + d1 + "\nFROM alpine:3.20@" + d1 + "\n"
	res := runPin(t, in, &PinOptions{Resolver: r, Update: true})
	if want := "# syntax=docker/dockerfile:1@" + d3 + "\nFROM alpine:3.20@" + d1 + "\n"; string(res.Output) != want {
		t.Errorf("update: got %q, want %q", res.Output, want)
	}
	if len(res.Fixed) != 1 || !strings.Contains(res.Fixed[0].Fix.Title, "Update the digest to sha256:333333333333 (from the lock file)") {
		t.Errorf("fixed: %+v", res.Fixed)
	}
}

// Without a resolver nothing is looked up; with one, only unpinned references (and
// with Update the tagged pinned ones) are asked for, once per site.
func TestPinLookups(t *testing.T) {
	src := "ARG BASE=python:3.12\nFROM ${BASE} AS a\nFROM ${BASE} AS b\nFROM golang AS c\n" +
		"FROM alpine:3.20@" + d1 + "\nFROM debian@" + d1 + "\nCOPY --from=a /x /x\nFROM scratch\n"
	doc, err := rewrite.Parse("Dockerfile", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := PinReferences(doc, false), []string{"python:3.12", "golang:latest"}; !reflect.DeepEqual(got, want) {
		t.Errorf("PinReferences = %q, want %q", got, want)
	}
	if got, want := PinReferences(doc, true), []string{"python:3.12", "golang:latest", "alpine:3.20"}; !reflect.DeepEqual(got, want) {
		t.Errorf("PinReferences(update) = %q, want %q", got, want)
	}
	r := &mapResolver{digests: map[string]PinResult{"python:3.12": {Digest: d2, Platform: "linux/arm64"}}}
	res := runPin(t, src, &PinOptions{Resolver: r})
	want := strings.Replace(src, "python:3.12", "python:3.12@"+d2, 1)
	if string(res.Output) != want {
		t.Errorf("got\n%s\nwant\n%s", res.Output, want)
	}
	var msgs []string
	for _, d := range res.Findings {
		msgs = append(msgs, d.Message)
		if d.Fix != nil {
			msgs = append(msgs, "fix: "+d.Fix.Title)
		}
	}
	wantMsgs := []string{
		"ARG BASE default `python:3.12` (the image of FROM on line 2) is not pinned to a digest",
		"fix: Pin to sha256:222222222222 (the linux/arm64 manifest, not the multi-platform index)",
		"FROM image `golang` has no tag (it means golang:latest) and is not pinned to a digest; cannot pin it: docker.io/library/golang:latest: 404 Not Found (no such image or tag)",
	}
	if !reflect.DeepEqual(msgs, wantMsgs) {
		t.Errorf("findings:\n%s\nwant:\n%s", strings.Join(msgs, "\n"), strings.Join(wantMsgs, "\n"))
	}
}
