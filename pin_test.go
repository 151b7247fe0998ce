package main

// CLI tests of digest pinning against registries on 127.0.0.1: go-containerregistry's
// in-process registry, and the real distribution registry of Debian's docker-registry
// package (those tests skip without /usr/bin/docker-registry, and fail under CI=true).

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dfix-dev/dfix/internal/registrytest"
)

// pinDfix runs the CLI in-process and returns its exit code, stdout and stderr.
func pinDfix(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(append([]string{"dfix"}, args...), strings.NewReader(""), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// pinHermetic keeps the tests away from the user's Docker credentials.
func pinHermetic(t *testing.T) {
	t.Setenv("DOCKER_CONFIG", t.TempDir())
}

func pinPutFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func pinFileText(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// 1,000 Dockerfiles naming 20 unique images, processed by several workers: exactly 20
// manifest requests reach the registry, and every file is pinned.
func TestPinThousandFilesTwentyImages(t *testing.T) {
	pinHermetic(t)
	reg := registrytest.InProcess(t, nil)
	digests := map[int]string{}
	for i := range 20 {
		digests[i] = reg.PushImage(t, fmt.Sprintf("library/img%d:1.0", i))
	}
	reg.Manifests.Store(0)
	reg.Requests.Store(0)
	dir := t.TempDir()
	for i := range 1000 {
		n := i % 20
		ref := fmt.Sprintf("img%d:1.0", n)
		if i%2 == 1 {
			ref = "docker.io/library/" + ref // the same image spelt in full
		}
		pinPutFile(t, filepath.Join(dir, fmt.Sprintf("svc%04d", i), "Dockerfile"), fmt.Sprintf("FROM %s\nCOPY . /app\n", ref))
	}
	start := time.Now()
	code, _, stderr := pinDfix(t, "--pin", "-w", "-j", "4", "--pin-jobs", "4", "--registry-mirror", "docker.io="+reg.Host, dir)
	elapsed := time.Since(start)
	if code != exitClean {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if n := reg.Manifests.Load(); n != 20 {
		t.Errorf("%d manifest requests for 20 unique images in 1000 files, want 20", n)
	}
	if !strings.Contains(stderr, "Fixed 1000 findings in 1000 files.") {
		t.Errorf("stderr: %s", stderr)
	}
	for i := range 1000 {
		got := pinFileText(t, filepath.Join(dir, fmt.Sprintf("svc%04d", i), "Dockerfile"))
		if !strings.Contains(got, fmt.Sprintf("img%d:1.0@%s\n", i%20, digests[i%20])) {
			t.Fatalf("svc%04d: %q", i, got)
		}
	}
	t.Logf("1000 files, 20 images: %d manifest requests, %d requests in all, %s", reg.Manifests.Load(), reg.Requests.Load(), elapsed)
}

// A failed lookup leaves its files as they were, names the image and the files, and
// makes the run exit 2; the other images are still pinned.
func TestPinFailureExit2(t *testing.T) {
	pinHermetic(t)
	reg := registrytest.InProcess(t, nil)
	good := reg.PushImage(t, "library/good:1")
	dir := t.TempDir()
	pinPutFile(t, filepath.Join(dir, "a", "Dockerfile"), "FROM good:1\nFROM missing:1\n")
	pinPutFile(t, filepath.Join(dir, "b", "Dockerfile"), "FROM missing:1\n")
	pinPutFile(t, filepath.Join(dir, "c", "Dockerfile"), "FROM good:1\n")
	code, stdout, stderr := pinDfix(t, "--pin", "-w", "--registry-mirror", "docker.io="+reg.Host, dir)
	if code != exitError {
		t.Errorf("exit %d, want 2", code)
	}
	wantErr := fmt.Sprintf("dfix: pin: cannot resolve docker.io/library/missing:1 (via %s): HEAD http://%s/v2/library/missing/manifests/1", reg.Host, reg.Host)
	if !strings.Contains(stderr, wantErr) || !strings.Contains(stderr, "404 Not Found (no such image or tag)") ||
		!strings.Contains(stderr, "(named in "+filepath.ToSlash(filepath.Join(dir, "a", "Dockerfile"))+", "+filepath.ToSlash(filepath.Join(dir, "b", "Dockerfile"))+")") {
		t.Errorf("stderr:\n%s", stderr)
	}
	if got := pinFileText(t, filepath.Join(dir, "a", "Dockerfile")); got != "FROM good:1@"+good+"\nFROM missing:1\n" {
		t.Errorf("a: %q", got)
	}
	if got := pinFileText(t, filepath.Join(dir, "b", "Dockerfile")); got != "FROM missing:1\n" {
		t.Errorf("b: %q", got)
	}
	if got := pinFileText(t, filepath.Join(dir, "c", "Dockerfile")); got != "FROM good:1@"+good+"\n" {
		t.Errorf("c: %q", got)
	}
	if !strings.Contains(stdout, "FROM image `missing:1` is not pinned to a digest; cannot pin it: docker.io/library/missing:1 (via "+reg.Host+")") {
		t.Errorf("stdout:\n%s", stdout)
	}
}

// The registry down: every image fails fast and clearly, nothing is written.
func TestPinRegistryDown(t *testing.T) {
	pinHermetic(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	host := l.Addr().String()
	l.Close()
	dir := t.TempDir()
	pinPutFile(t, filepath.Join(dir, "Dockerfile"), "FROM python:3.12\n")
	code, _, stderr := pinDfix(t, "--pin", "-w", "--registry-mirror", "docker.io="+host, filepath.Join(dir, "Dockerfile"))
	if code != exitError || !strings.Contains(stderr, "connection refused") {
		t.Errorf("exit %d\n%s", code, stderr)
	}
	if got := pinFileText(t, filepath.Join(dir, "Dockerfile")); got != "FROM python:3.12\n" {
		t.Errorf("written: %q", got)
	}
}

// The full round trip against the real registry: -w with a lock file pins the index
// digest of multi-platform images everywhere the issue says, writes the lock; the
// same lock pins a fresh copy offline with the registry gone; --update-pins replaces
// a moved digest; --platform pins the platform's manifest.
func TestPinDistributionEndToEnd(t *testing.T) {
	pinHermetic(t)
	reg := registrytest.Distribution(t, false)
	pyIdx, _ := reg.PushIndex(t, "library/python:3.12-slim", false) // Docker manifest list
	feIdx, _ := reg.PushIndex(t, "docker/dockerfile:1", true)       // OCI index
	uv := reg.PushImage(t, "library/uv:0.4")
	golang, _ := reg.PushIndex(t, "library/golang:latest", true)
	narrow, _, _ := reg.ManifestDigest(t, "library/python:3.12-slim", "application/vnd.docker.distribution.manifest.v2+json")
	if narrow == pyIdx {
		t.Fatalf("the registry gives the same digest for a narrow Accept: the test proves nothing")
	}

	src := "# syntax=docker/dockerfile:1\n" +
		"ARG BASE=python:3.12-slim\n" +
		"FROM golang AS build\n" +
		"RUN --mount=type=cache,target=/root/.cache \\\n" +
		"    --mount=type=bind,from=uv:0.4,source=/uv,target=/uv go build ./...\n" +
		"FROM ${BASE}\n" +
		"COPY --from=build /out /app\n" +
		"COPY --from=uv:0.4 /uv /bin/uv\n"
	want := "# syntax=docker/dockerfile:1@" + feIdx + "\n" +
		"ARG BASE=python:3.12-slim@" + pyIdx + "\n" +
		"FROM golang:latest@" + golang + " AS build\n" +
		"RUN --mount=type=cache,target=/root/.cache \\\n" +
		"    --mount=type=bind,from=uv:0.4@" + uv + ",source=/uv,target=/uv go build ./...\n" +
		"FROM ${BASE}\n" +
		"COPY --from=build /out /app\n" +
		"COPY --from=uv:0.4@" + uv + " /uv /bin/uv\n"
	dir := t.TempDir()
	df := filepath.Join(dir, "Dockerfile")
	lock := filepath.Join(dir, "dfix.lock")
	pinPutFile(t, df, src)
	mirror := "docker.io=" + reg.Host

	// Check mode says what it would do, with --diff the patch.
	code, stdout, stderr := pinDfix(t, "--pin", "--registry-mirror", mirror, df)
	if code != exitFindings || !strings.Contains(stdout, "help: Pin as golang:latest@sha256:") {
		t.Errorf("check: exit %d\n%s\n%s", code, stdout, stderr)
	}
	code, stdout, _ = pinDfix(t, "--pin", "-d", "--registry-mirror", mirror, df)
	if code != exitFindings || !strings.Contains(stdout, "+ARG BASE=python:3.12-slim@"+pyIdx+"\n") {
		t.Errorf("diff: exit %d\n%s", code, stdout)
	}

	code, _, stderr = pinDfix(t, "--pin", "-w", "--pin-lock", lock, "--registry-mirror", mirror, df)
	if code != exitClean {
		t.Fatalf("-w: exit %d\n%s", code, stderr)
	}
	if got := pinFileText(t, df); got != want {
		t.Errorf("-w wrote\n%s\nwant\n%s", got, want)
	}
	var entries map[string]struct {
		Digest     string `json:"digest"`
		ResolvedAt string `json:"resolved_at"`
	}
	if err := json.Unmarshal([]byte(pinFileText(t, lock)), &entries); err != nil {
		t.Fatal(err)
	}
	for ref, d := range map[string]string{
		"docker.io/library/python:3.12-slim": pyIdx, "docker.io/docker/dockerfile:1": feIdx,
		"docker.io/library/uv:0.4": uv, "docker.io/library/golang:latest": golang,
	} {
		if entries[ref].Digest != d || entries[ref].ResolvedAt == "" {
			t.Errorf("lock %s = %+v, want %s", ref, entries[ref], d)
		}
	}
	if len(entries) != 4 {
		t.Errorf("lock has %d entries: %v", len(entries), entries)
	}

	// Offline, from the lock alone, with the mirror pointing nowhere.
	copyDF := filepath.Join(dir, "copy", "Dockerfile")
	pinPutFile(t, copyDF, src)
	lockBefore := pinFileText(t, lock)
	code, _, stderr = pinDfix(t, "--pin", "--offline", "-w", "--pin-lock", lock, "--registry-mirror", "docker.io=127.0.0.1:1", copyDF)
	if code != exitClean || pinFileText(t, copyDF) != want {
		t.Errorf("offline: exit %d\n%s\n%s", code, pinFileText(t, copyDF), stderr)
	}
	if pinFileText(t, lock) != lockBefore {
		t.Errorf("offline run rewrote the lock")
	}

	// The tag moves: without --update-pins nothing changes; with it the digest text is
	// replaced and the lock updated.
	newPy, newKids := reg.PushIndex(t, "library/python:3.12-slim", false)
	code, _, _ = pinDfix(t, "--pin", "-w", "--pin-lock", lock, "--registry-mirror", mirror, df)
	if code != exitClean || pinFileText(t, df) != want {
		t.Errorf("pinned file changed without --update-pins (exit %d)", code)
	}
	code, stdout, _ = pinDfix(t, "--update-pins", "--pin-lock", lock, "--registry-mirror", mirror, df)
	if code != exitFindings || !strings.Contains(stdout, "ARG BASE default `python:3.12-slim` (the image of FROM on line 6) is pinned to "+pyIdx[:19]+", but the tag now points to "+newPy[:19]) {
		t.Errorf("update check: exit %d\n%s", code, stdout)
	}
	code, _, stderr = pinDfix(t, "--update-pins", "-w", "--pin-lock", lock, "--registry-mirror", mirror, df)
	if got, w := pinFileText(t, df), strings.Replace(want, pyIdx, newPy, 1); code != exitClean || got != w {
		t.Errorf("update: exit %d\n%s\nwant\n%s\n%s", code, got, w, stderr)
	}
	if !strings.Contains(pinFileText(t, lock), newPy) || strings.Contains(pinFileText(t, lock), pyIdx) {
		t.Errorf("lock not updated:\n%s", pinFileText(t, lock))
	}

	// --platform: the platform's manifest, and the finding says so.
	pdf := filepath.Join(dir, "platform", "Dockerfile")
	pinPutFile(t, pdf, "FROM python:3.12-slim\n")
	code, stdout, _ = pinDfix(t, "--pin", "--platform", "linux/arm64", "--registry-mirror", mirror, pdf)
	if code != exitFindings || !strings.Contains(stdout, "(the linux/arm64 manifest, not the multi-platform index)") {
		t.Errorf("platform check: exit %d\n%s", code, stdout)
	}
	code, _, _ = pinDfix(t, "--pin", "-w", "--select", "pin-digest", "--platform", "linux/arm64", "--registry-mirror", mirror, pdf)
	if got, w := pinFileText(t, pdf), "FROM python:3.12-slim@"+newKids["linux/arm64/v8"]+"\n"; code != exitClean || got != w {
		t.Errorf("platform -w: exit %d %q, want %q", code, got, w)
	}
}

// A registry with basic auth, credentials from a generated DOCKER_CONFIG.
func TestPinDistributionAuth(t *testing.T) {
	reg := registrytest.Distribution(t, true)
	idx, _ := reg.PushIndex(t, "library/private:2", true)
	dir := t.TempDir()
	df := filepath.Join(dir, "Dockerfile")
	pinPutFile(t, df, "FROM private:2\n")

	t.Setenv("DOCKER_CONFIG", t.TempDir())
	code, _, stderr := pinDfix(t, "--pin", "-w", "--registry-mirror", "docker.io="+reg.Host, df)
	if code != exitError || !strings.Contains(stderr, "401 Unauthorized (the registry wants credentials") {
		t.Errorf("without credentials: exit %d\n%s", code, stderr)
	}
	if pinFileText(t, df) != "FROM private:2\n" {
		t.Errorf("written without credentials")
	}

	t.Setenv("DOCKER_CONFIG", registrytest.DockerConfig(t, reg.Host, registrytest.User, registrytest.Password))
	code, stdout, stderr := pinDfix(t, "--pin", "-w", "--registry-mirror", "docker.io="+reg.Host, df)
	if code != exitClean || pinFileText(t, df) != "FROM private:2@"+idx+"\n" {
		t.Errorf("with credentials: exit %d\n%s\n%s", code, pinFileText(t, df), stderr)
	}
	if strings.Contains(stdout+stderr, registrytest.Password) {
		t.Errorf("the password was printed")
	}
}

// --platform pins the target platform's manifest only where the image is pulled for
// the target platform: a FROM with a --platform of its own, and the # syntax=
// frontend (run by the builder), keep the index, which works on every platform.
func TestPinPlatformOnlyForTargetImages(t *testing.T) {
	pinHermetic(t)
	reg := registrytest.InProcess(t, nil)
	idx, children := reg.PushIndex(t, "library/golang:1", true)
	arm := children["linux/arm64/v8"]
	frontend, _ := reg.PushIndex(t, "docker/dockerfile:1", true)
	for _, tc := range []struct {
		name, src, want string
	}{
		{"a FROM without --platform gets the target platform's manifest",
			"FROM golang:1\n", "FROM golang:1@" + arm + "\n"},
		{"a FROM on $TARGETPLATFORM gets the target platform's manifest",
			"FROM --platform=$TARGETPLATFORM golang:1\n", "FROM --platform=$TARGETPLATFORM golang:1@" + arm + "\n"},
		{"a FROM on the same platform gets its manifest",
			"FROM --platform=linux/arm64 golang:1\n", "FROM --platform=linux/arm64 golang:1@" + arm + "\n"},
		{"a FROM on another platform gets the index",
			"FROM --platform=linux/amd64 golang:1\n", "FROM --platform=linux/amd64 golang:1@" + idx + "\n"},
		{"a FROM on $BUILDPLATFORM gets the index",
			"FROM --platform=$BUILDPLATFORM golang:1 AS build\n", "FROM --platform=$BUILDPLATFORM golang:1@" + idx + " AS build\n"},
		{"an ARG default used by a FROM on $BUILDPLATFORM gets the index",
			"ARG GO=golang:1\nFROM --platform=$BUILDPLATFORM ${GO}\n", "ARG GO=golang:1@" + idx + "\nFROM --platform=$BUILDPLATFORM ${GO}\n"},
		{"an ARG default used by FROMs on two platforms gets the index",
			"ARG GO=golang:1\nFROM ${GO}\nFROM --platform=$BUILDPLATFORM ${GO}\n", "ARG GO=golang:1@" + idx + "\nFROM ${GO}\nFROM --platform=$BUILDPLATFORM ${GO}\n"},
		{"the syntax frontend, run by the builder, gets the index",
			"# syntax=docker/dockerfile:1\nFROM scratch\n", "# syntax=docker/dockerfile:1@" + frontend + "\nFROM scratch\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := filepath.Join(t.TempDir(), "Dockerfile")
			pinPutFile(t, f, tc.src)
			code, stdout, stderr := pinDfix(t, "--pin", "-w", "--select", "pin-digest", "--platform", "linux/arm64", "--registry-mirror", "docker.io="+reg.Host, f)
			if code != exitClean {
				t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
			}
			if got := pinFileText(t, f); got != tc.want {
				t.Errorf("got\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}
