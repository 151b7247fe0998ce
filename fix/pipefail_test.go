package fix

import (
	"strings"
	"testing"

	"github.com/dfix-dev/dfix/fix/shell"
	"github.com/dfix-dev/dfix/rewrite"
)

func TestBashImage(t *testing.T) {
	for _, tc := range []struct {
		ref  string
		bash bool
	}{
		{"debian", true},
		{"debian:bookworm-slim", true},
		{"docker.io/library/ubuntu:24.04", true},
		{"buildpack-deps:bookworm-curl", true},
		{"arm64v8/buildpack-deps:noble-curl", true},
		{"python:3.12", true},
		{"python:3.12-slim", true},
		{"python:3.12-slim-bookworm", true},
		{"node:20-bookworm-slim", true},
		{"golang:latest", true},
		{"golang", true},
		{"php:8.4-fpm-bookworm", true},
		{"nvidia/cuda:12.2.0-devel-ubuntu22.04", true},
		{"mcr.microsoft.com/dotnet/sdk:8.0-jammy", true},
		{"python:3.12@sha256:0123", true}, // the tag names the variant the digest pins
		{"python:3.12-slim@sha256:0123", true},
		{"python@sha256:0123", false},
		{"python:3.12-alpine", false},
		{"alpine:3.20", false},
		{"busybox", false},
		{"gcr.io/distroless/base-debian12", false},
		{"mcr.microsoft.com/dotnet/runtime:8.0-jammy-chiseled", false},
		{"ubuntu/python:3.12-24.04_stable", false}, // not the official image: unknown
		{"redhat/ubi9-minimal", false},
		{"python:3.12-windowsservercore-ltsc2022", false},
		{"php:8.4-apache", false}, // a variant dfix does not know
		{"maven:3.9", false},
		{"python:${PY}", false},
		{"scratch", false},
		{"", false},
	} {
		if got := bashImage(tc.ref); got != tc.bash {
			t.Errorf("bashImage(%q) = %v, want %v", tc.ref, got, tc.bash)
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
