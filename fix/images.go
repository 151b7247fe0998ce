package fix

import (
	"path"
	"slices"
	"strings"
)

// imageShell is what dfix knows of a base image's shells: which program /bin/sh is,
// and which shell with pipefail it can name in a SHELL instruction.
type imageShell int

const (
	// shellUnknown: nothing is known (an unknown image, a tag hidden behind a build
	// arg, distroless, scratch, ...).
	shellUnknown imageShell = iota
	// shellDash: Debian and Ubuntu. /bin/sh is dash, and bash is at /bin/bash (bash
	// is Essential there, also in -slim variants). A SHELL with bash replaces dash,
	// whose echo differs from bash's.
	shellDash
	// shellBash: the Red Hat family (CentOS, Fedora, Rocky, Alma, Oracle Linux,
	// Amazon Linux, UBI, Azure Linux) and Arch. /bin/sh is bash itself, so a SHELL
	// with /bin/bash keeps the same program.
	shellBash
	// shellAsh: Alpine and busybox. /bin/sh is busybox's ash, which has -o pipefail;
	// /bin/ash is the same program.
	shellAsh
)

// pipefailShell returns the argv of a SHELL with pipefail for the image's family, nil
// when dfix knows none.
func (k imageShell) pipefailShell() []string {
	switch k {
	case shellDash, shellBash:
		return []string{"/bin/bash", "-o", "pipefail", "-c"}
	case shellAsh:
		return []string{"/bin/ash", "-o", "pipefail", "-c"}
	}
	return nil
}

// switchesShell reports whether the SHELL of pipefailShell runs another program than
// the image's /bin/sh (bash instead of dash).
func (k imageShell) switchesShell() bool { return k == shellDash }

// imageRef is a base image reference split into its parts, lower case.
type imageRef struct {
	name string // without registry prefix docker.io/ and library/: "python", "redhat/ubi9"
	tag  string // "" when there is none
	// digestOnly: a digest and no tag, which does not say which variant it is.
	digestOnly bool
	// tagUnknown: the tag is a build arg or a template placeholder; the name alone
	// tells only for the distributions' own images.
	tagUnknown bool
}

func parseImageRef(ref string) (imageRef, bool) {
	if ref == "" {
		return imageRef{}, false
	}
	ref = strings.ToLower(ref)
	name, tag := ref, ""
	hasDigest := false
	if i := strings.Index(name, "@"); i >= 0 {
		name, hasDigest = name[:i], true
	}
	if i := strings.LastIndex(name, ":"); i > strings.LastIndex(name, "/") {
		name, tag = name[:i], name[i+1:]
	}
	if templated(name) {
		return imageRef{}, false
	}
	for _, p := range []string{"docker.io/", "index.docker.io/", "mirror.gcr.io/", "library/"} {
		name = strings.TrimPrefix(name, p)
	}
	return imageRef{name: name, tag: tag, digestOnly: hasDigest && tag == "", tagUnknown: templated(tag)}, true
}

// templated reports a part of a reference that is filled in later: a build arg or
// the %%PLACEHOLDER%% of a template that generates Dockerfiles.
func templated(s string) bool {
	return strings.Contains(s, "$") || strings.Contains(s, "%%") || strings.Contains(s, "placeholder")
}

// baseImageShell tells what /bin/sh is in an image, from its reference alone: the
// official images and the tag conventions of the distributions. Anything not known
// for sure is shellUnknown.
func baseImageShell(ref string) imageShell {
	r, ok := parseImageRef(ref)
	if !ok || r.digestOnly {
		return shellUnknown
	}
	base := path.Base(r.name)
	if r.tagUnknown {
		switch r.name {
		case "alpine", "busybox":
			return shellAsh
		case "debian", "ubuntu":
			return shellDash
		}
		if rhelImage(r) {
			return shellBash
		}
		return shellUnknown
	}
	has := func(words ...string) bool {
		for _, w := range words {
			if strings.Contains(r.tag, w) || strings.Contains(base, w) {
				return true
			}
		}
		return false
	}
	switch {
	case has("windows", "nanoserver", "servercore", "distroless", "chiseled", "scratch", "micro", "static"):
		// No shell, or not a POSIX one.
		return shellUnknown
	case r.name == "alpine" || r.name == "busybox" || tagWord(r.tag, "alpine") || r.name == "docker":
		// The official docker image (docker:27-cli, docker:dind) is built on Alpine.
		return shellAsh
	case has("alpine", "busybox", "musl"):
		// A name that only mentions alpine or busybox: unknown.
		return shellUnknown
	case has("azurelinux", "cbl-mariner"):
		// mcr.microsoft.com/dotnet/aspnet:8.0-azurelinux3.0 (distroless ones are
		// caught above).
		return shellBash
	}
	if rhelImage(r) {
		return shellBash
	}
	if bashDebianImage(r) {
		return shellDash
	}
	return shellUnknown
}

// tagWord reports whether word is one of the dash-separated parts of tag, with a
// version after it allowed: "3.12-alpine", "8.4-fpm-alpine3.20", "alpine".
func tagWord(tag, word string) bool {
	for _, part := range strings.Split(tag, "-") {
		if part == word || strings.HasPrefix(part, word) && strings.Trim(part[len(word):], "0123456789.") == "" {
			return true
		}
	}
	return false
}

// rhelImages are the Red Hat family images whose /bin/sh is bash.
var rhelImages = map[string]bool{
	"centos": true, "fedora": true, "rockylinux": true, "almalinux": true, "oraclelinux": true,
	"amazonlinux": true, "archlinux": true,
	"redhat/ubi8": true, "redhat/ubi9": true, "redhat/ubi10": true,
	"registry.access.redhat.com/ubi8": true, "registry.access.redhat.com/ubi9": true,
	"registry.access.redhat.com/ubi10": true,
	"quay.io/centos/centos":            true, "quay.io/fedora/fedora": true,
	"rockylinux/rockylinux": true, "quay.io/fedora/fedora-minimal": true,
	"mcr.microsoft.com/azurelinux/base/core": true, "mcr.microsoft.com/azurelinux-beta/base/core": true,
	"mcr.microsoft.com/cbl-mariner/base/core": true,
}

// rhelImage also takes the minimal variants: UBI minimal and Oracle Linux slim ship
// bash as /bin/sh (microdnf's images); UBI micro, which has no shell, is not here.
func rhelImage(r imageRef) bool {
	name := r.name
	for _, suffix := range []string{"-minimal", "/ubi-minimal"} {
		name = strings.TrimSuffix(name, suffix)
	}
	if strings.HasPrefix(name, "registry.access.redhat.com/ubi") && strings.Count(name, "/") == 2 {
		name = name[:strings.LastIndex(name, "/")] // registry.access.redhat.com/ubi9/ubi
	}
	return rhelImages[name]
}

// bashDebianImage reports whether an image is Debian or Ubuntu: the distributions'
// own images, tags that name a release, and the official language images whose
// default variants are built on Debian.
func bashDebianImage(r imageRef) bool {
	switch r.name {
	case "debian", "ubuntu", "buildpack-deps":
		return true
	}
	for _, p := range []string{"mcr.microsoft.com/devcontainers/", "mcr.microsoft.com/vscode/devcontainers/"} {
		if strings.HasPrefix(r.name, p) {
			// Dev container images are built on Debian or Ubuntu (the Alpine ones
			// say so in their tag, caught before).
			return true
		}
	}
	if debianTag(r.tag) {
		return true // nvidia/cuda:12.2.0-devel-ubuntu22.04, dotnet/sdk:8.0-jammy, ...
	}
	if variants, ok := officialDebianDefault[r.name]; ok {
		// The default variant of these images is Debian: a version, a Debian
		// codename or -slim, the image's own Debian variants, and nothing unknown.
		return r.tag == "" || r.tag == "latest" || versionTag(r.tag, variants...)
	}
	return false
}

// officialDebianDefault are official images whose default variant (`python:3.12`,
// `node:20-slim`) is built on Debian or Ubuntu, with the tag words of their other
// variants built the same way (php:8.3-apache, openjdk:11-jdk-slim).
var officialDebianDefault = map[string][]string{
	"python": nil, "node": nil, "golang": nil, "ruby": nil, "perl": nil,
	"rust": nil, "gcc": nil, "haskell": nil, "elixir": nil, "erlang": nil,
	"julia": nil, "r-base": nil, "swift": nil, "clojure": nil, "pypy": nil, "hylang": nil,
	"php":          {"apache", "fpm", "zts", "cli"},
	"openjdk":      {"jdk", "jre"},
	"adoptopenjdk": {"jdk", "jre", "hotspot", "openj9"},
	"rabbitmq":     {"management"},
}

var debianCodenames = []string{"debian", "ubuntu", "buster", "bullseye", "bookworm", "trixie", "forky",
	"stretch", "jessie", "xenial", "bionic", "focal", "jammy", "noble", "oracular", "plucky", "questing", "resolute"}

// debianTag reports whether a tag names a Debian or Ubuntu release.
func debianTag(tag string) bool {
	for _, part := range strings.FieldsFunc(tag, func(r rune) bool { return r == '-' || r == '_' || r == '.' }) {
		for _, c := range debianCodenames {
			if part == c || strings.HasPrefix(part, c) && strings.Trim(part[len(c):], "0123456789") == "" {
				return true
			}
		}
	}
	return false
}

// versionTag reports whether a tag is a version with at most a Debian codename,
// `slim` or one of the given variant words after it: 3.12, 3.12.1-slim,
// 20-bookworm-slim, 1.22-bullseye.
func versionTag(tag string, variants ...string) bool {
	parts := strings.Split(tag, "-")
	if strings.Trim(parts[0], "0123456789.") != "" || parts[0] == "" {
		return false
	}
	for _, p := range parts[1:] {
		if p != "slim" && !debianTag(p) && !slices.Contains(variants, p) {
			return false
		}
	}
	return true
}
