package fix

import (
	"strings"
	"testing"

	"github.com/dfix-dev/dfix/fix/shell"
	"github.com/dfix-dev/dfix/rewrite"
)

func TestBaseImageShell(t *testing.T) {
	for _, tc := range []struct {
		ref  string
		want imageShell
	}{
		{"debian", shellDash},
		{"debian:bookworm-slim", shellDash},
		{"docker.io/library/ubuntu:24.04", shellDash},
		{"buildpack-deps:bookworm-curl", shellDash},
		{"arm64v8/buildpack-deps:noble-curl", shellDash},
		{"arm64v8/buildpack-deps:resolute-curl", shellDash},
		{"python:3.12", shellDash},
		{"python:3.12-slim", shellDash},
		{"python:3.12-slim-bookworm", shellDash},
		{"node:20-bookworm-slim", shellDash},
		{"golang:latest", shellDash},
		{"golang", shellDash},
		{"php:8.4-fpm-bookworm", shellDash},
		{"nvidia/cuda:12.2.0-devel-ubuntu22.04", shellDash},
		{"mcr.microsoft.com/dotnet/sdk:8.0-jammy", shellDash},
		{"python:3.12@sha256:0123", shellDash}, // the tag names the variant the digest pins
		{"python:3.12-slim@sha256:0123", shellDash},
		{"python@sha256:0123", shellUnknown},
		{"alpine:3.20", shellAsh},
		{"alpine", shellAsh},
		{"python:3.12-alpine", shellAsh},
		{"php:8.4-fpm-alpine3.20", shellAsh},
		{"nginx:alpine", shellAsh},
		{"busybox", shellAsh},
		{"busybox:1.36-glibc", shellAsh},
		{"docker:27-cli", shellAsh},
		{"frolvlad/alpine-glibc", shellUnknown}, // only named after alpine
		{"centos:7", shellBash},
		{"quay.io/centos/centos:stream9", shellBash},
		{"fedora", shellBash},
		{"rockylinux:9", shellBash},
		{"oraclelinux:9-slim", shellBash},
		{"amazonlinux:2", shellBash},
		{"redhat/ubi9", shellBash},
		{"redhat/ubi9-minimal", shellBash},
		{"registry.access.redhat.com/ubi9/ubi-minimal:9.4", shellBash},
		{"registry.access.redhat.com/ubi9/ubi:9.4", shellBash},
		{"mcr.microsoft.com/azurelinux/base/core:3.0", shellBash},
		{"mcr.microsoft.com/dotnet/aspnet:8.0-azurelinux3.0", shellBash},
		{"mcr.microsoft.com/dotnet/aspnet:8.0-azurelinux3.0-distroless", shellUnknown},
		{"mcr.microsoft.com/devcontainers/javascript-node:16", shellDash},
		{"mcr.microsoft.com/devcontainers/base:alpine-3.20", shellAsh},
		{"mirror.gcr.io/alpine", shellAsh},
		{"debian:%%SUITE%%-slim", shellDash},
		{"alpine:${ALPINE_VERSION}", shellAsh},
		{"python:%%PYTHON_VERSION%%", shellUnknown},
		{"${BASE}:latest", shellUnknown},
		{"registry.access.redhat.com/ubi9/ubi-micro", shellUnknown},
		{"gcr.io/distroless/base-debian12", shellUnknown},
		{"mcr.microsoft.com/dotnet/runtime:8.0-jammy-chiseled", shellUnknown},
		{"ubuntu/python:3.12-24.04_stable", shellUnknown}, // not the official image: unknown
		{"python:3.12-windowsservercore-ltsc2022", shellUnknown},
		{"php:8.4-apache", shellDash},
		{"php:7.3-fpm", shellDash},
		{"openjdk:11-jdk-slim", shellDash},
		{"adoptopenjdk:8-jdk-hotspot", shellDash},
		{"rabbitmq:4.1", shellDash},
		{"rabbitmq:4.1-alpine", shellAsh},
		{"php:8.4-apache-whatever", shellUnknown}, // a variant dfix does not know
		{"maven:3.9", shellUnknown},
		{"python:${PY}", shellUnknown},
		{"base-${TARGETARCH}", shellUnknown},
		{"php:%%PHP_VERSION%%-%%VARIANT%%", shellUnknown},
		{"scratch", shellUnknown},
		{"", shellUnknown},
	} {
		if got := baseImageShell(tc.ref); got != tc.want {
			t.Errorf("baseImageShell(%q) = %v, want %v", tc.ref, got, tc.want)
		}
	}
}

func TestShellOption(t *testing.T) {
	for _, tc := range []struct {
		args    string
		long    string
		short   byte
		enabled bool
	}{
		{"-o pipefail -c", "pipefail", 0, true},
		{"-eo pipefail -c", "pipefail", 0, true},
		{"-euxo pipefail", "pipefail", 0, true},
		{"-e -o errexit -o pipefail -c", "pipefail", 0, true},
		{"-o errexit -c", "pipefail", 0, false},
		{"-c set -o pipefail", "pipefail", 0, false}, // after -c comes the command
		{"-o pipefail +o pipefail", "pipefail", 0, false},
		{"-e -c", "errexit", 'e', true},
		{"-xe -c", "errexit", 'e', true},
		{"-o errexit -c", "errexit", 'e', true},
		{"-eo pipefail -c", "errexit", 'e', true},
		{"-c", "errexit", 'e', false},
		{"--login -c", "errexit", 'e', false},
	} {
		if got := shellOption(strings.Fields(tc.args), tc.long, tc.short); got != tc.enabled {
			t.Errorf("shellOption(%q, %q) = %v, want %v", tc.args, tc.long, got, tc.enabled)
		}
	}
}

func TestUnprotectedPipes(t *testing.T) {
	for _, tc := range []struct {
		body  string
		pipes int
	}{
		{"a | b", 1},
		{"a | b | c", 1},
		{"a || b", 0},
		{"a |& b", 1},
		{"x=$(a | b) && c | d", 2},
		{"set -o pipefail && a | b", 0},
		{"set -euxo pipefail; a | b", 0},
		{"a | b; set -o pipefail; c | d", 1},
		{"(set -o pipefail) && a | b", 1}, // only the RUN's own top-level set counts
		{"set -e; a | b", 1},
	} {
		doc, err := rewrite.Parse("Dockerfile", []byte("FROM debian\nRUN "+tc.body+"\n"))
		if err != nil {
			t.Fatal(err)
		}
		s, err := shell.Parse(doc.Instructions[1])
		if err != nil {
			t.Fatal(err)
		}
		if got := len(unprotectedPipes(s)); got != tc.pipes {
			t.Errorf("%q: %d unprotected pipelines, want %d", tc.body, got, tc.pipes)
		}
	}
}

func TestPipeHazards(t *testing.T) {
	for _, tc := range []struct {
		body string
		want string // "" none, "early", "ignored"
	}{
		{"yes | sdkmanager --licenses", "early"},
		{"yes y | apt-get install foo", "early"},
		{"curl -fsSL https://x | tar -xz", ""},
		{"cat f | head -1", "early"},
		{"cat f | head -n -1", "early"}, // any head: its flags are not read
		{"cat f | /usr/bin/head -c 32", "early"},
		{"curl -fsSL https://x | grep -q x", "early"},
		{"curl -fsSL https://x | grep --quiet x", "early"},
		{"curl -fsSL https://x | grep --silent x", "early"},
		{"curl -fsSL https://x | grep -qi x", "early"},
		{"curl -fsSL https://x | grep -iq x", "early"},
		{"curl -fsSL https://x | grep x -q", "early"},
		{"curl -fsSL https://x | grep -m 1 x", "early"},
		{"curl -fsSL https://x | grep -m1 x", "early"},
		{"curl -fsSL https://x | grep --max-count=1 x", "early"},
		{"curl -fsSL https://x | grep -l x", "early"},
		{"curl -fsSL https://x | egrep -q 'a|b'", "early"},
		{"curl -fsSL https://x | grep -i x", ""},
		{"curl -fsSL https://x | grep -s x", ""},  // -s is --no-messages
		{"curl -fsSL https://x | grep -e -q", ""}, // -q is the pattern
		{"curl -fsSL https://x | grep -eq", ""},   // so is q
		{"curl -fsSL https://x | grep -c x", ""},
		{"cat f | sed q", "early"},
		{"cat f | sed 10q", "early"},
		{"cat f | sed -n '1p;q'", "early"},
		{"cat f | sed -n -e 1p -e q", "early"},
		{"cat f | sed '/x/Q'", "early"},
		{"cat f | sed -n '1{p;q}'", "early"},
		{"cat f | sed -f script.sed", "early"},
		{"cat f | sed -ne q", "early"},
		{"cat f | sed --expression=1q", "early"},
		{"cat f | sed -- q", "early"},
		{"cat f | sed --file=x.sed", "early"},
		{"cat f | sed -e 's/x/y/' q", ""}, // with -e, q is a file to read
		{"cat f | sed 's/q/Q/g'", ""},
		{"cat f | sed -e 's,q,x,' -e 'y/q/x/'", ""},
		{"cat f | sed -n 1p", ""},
		{`cat f | sed "s/x/$VERSION/"`, ""},
		{"cat f | sed '/quit/d'", ""},
		{"cat f | awk 'NR==1 {print; exit}'", "early"},
		{"cat f | awk -F: '{print $1; exit 0}'", "early"},
		{"cat f | awk '{print $1}'", ""},
		{"cat f | awk -f prog.awk", "early"},
		{"cat f | awk -F, -v OFS=exit '{print}'", ""},
		{"cat f | awk '{print $1}' | head -1", "early"},
		{"cat f | awk -v exit=1 '{print exit_code}'", ""},
		{"cat f | tail -n +2", ""},
		{"cat f | tail -1", ""},
		{"cat f | less", ""},
		{"cat f | more", ""},
		{"cat f | while read l; do echo $l; done", ""},
		{"cat f | read first", "early"},
		{"x=$(cat f | head -1) && echo $x", "early"},
		{"if curl -fsSL https://x | grep -q y; then echo y; fi", "early"},
		{"set -o pipefail; cat f | head -1", ""}, // after the RUN's own pipefail: not the SHELL's doing
		{"a | b || true", "ignored"},
		{"a | b || :", "ignored"},
		{"a && b | c || true", "ignored"},
		{"a | b || echo failed", ""},
		{"a | b && true", ""},
		{"yes | head -1 || true", "ignored"},
	} {
		doc, err := rewrite.Parse("Dockerfile", []byte("FROM debian\nRUN "+tc.body+"\n"))
		if err != nil {
			t.Fatal(err)
		}
		s, err := shell.Parse(doc.Instructions[1])
		if err != nil {
			t.Fatal(err)
		}
		hs := pipeHazards(s)
		got := ""
		if len(hs) > 0 {
			got = "early"
			if hs[0].ignored {
				got = "ignored"
			}
		}
		if got != tc.want {
			t.Errorf("%q: hazard %q, want %q (%+v)", tc.body, got, tc.want, hs)
		}
	}
}

func TestSedQuits(t *testing.T) {
	for _, tc := range []struct {
		script string
		quits  bool
	}{
		{"q", true},
		{"Q", true},
		{"5q", true},
		{"$q", true},
		{"1p;q", true},
		{"/^$/q", true},
		{`\,x,q`, true},
		{"1,/end/{p;q}", true},
		{"0~3q", true},
		{"2!q", true},
		{"s/a/b/;q", true},
		{"s/a/b/g\nq", true},
		{"s/q/x/", false},
		{"s|q|Q|g", false},
		{`s/a\/q/b/`, false},
		{"y/qQ/xx/", false},
		{"/quiet/d", false},
		{"1d;$d", false},
		{"a quit", false},
		{"# q\np", false},
		{"b end;:end", false},
		{"$!N;s/\\n/ /", false},
		{"s/x/y/w out.q", false},
		{"s/x", false},  // cannot be read and has no q
		{"s/x/q", true}, // cannot be read and has one: assume it quits
	} {
		if got := sedQuits(tc.script); got != tc.quits {
			t.Errorf("sedQuits(%q) = %v, want %v", tc.script, got, tc.quits)
		}
	}
}
