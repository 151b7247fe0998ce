package verify

import (
	"archive/tar"
	"bytes"
	"strings"
	"testing"
)

type entry struct {
	name, body, link string
}

func tarOf(t *testing.T, entries ...entry) *bytes.Buffer {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Mode: 0o644, Typeflag: tar.TypeReg, Size: int64(len(e.body))}
		switch {
		case e.link != "":
			h.Typeflag, h.Linkname, h.Size = tar.TypeSymlink, e.link, 0
		case strings.HasSuffix(e.name, "/"):
			h.Typeflag, h.Size = tar.TypeDir, 0
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if h.Size > 0 {
			if _, err := tw.Write([]byte(e.body)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return &buf
}

func TestReadFileSetFindsOwnersThroughMergedUsr(t *testing.T) {
	fs, err := ReadFileSet(tarOf(t,
		entry{name: "lib", link: "usr/lib"},
		entry{name: "usr/lib/x86_64-linux-gnu/"},
		entry{name: "usr/lib/x86_64-linux-gnu/libssl.so.3", body: "elf"},
		entry{name: "usr/bin/openssl", body: "elf-binary"},
		entry{name: "etc/ssl/certs/ca-certificates.crt", body: "PEM"},
		entry{name: "var/lib/dpkg/info/libssl3:amd64.list", body: "/.\n/lib\n/lib/x86_64-linux-gnu/libssl.so.3\n"},
		entry{name: "var/lib/dpkg/info/openssl.list", body: "/usr/bin/openssl\n"},
	))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ path, owner string }{
		{"usr/lib/x86_64-linux-gnu/libssl.so.3", "libssl3"},
		{"usr/bin/openssl", "openssl"},
		{"etc/ssl/certs/ca-certificates.crt", ""},
	}
	for _, tt := range tests {
		t.Run(tt.path+" is owned by "+tt.owner, func(t *testing.T) {
			if got := fs.Owner[tt.path]; got != tt.owner {
				t.Errorf("owner %q, want %q", got, tt.owner)
			}
		})
	}
	if _, ok := fs.Files["usr/lib/x86_64-linux-gnu/"]; ok {
		t.Error("folders are listed as files")
	}
	if fs.Files["usr/bin/openssl"] != int64(len("elf-binary")) {
		t.Errorf("size of /usr/bin/openssl is %d", fs.Files["usr/bin/openssl"])
	}
}

func TestCompareFilesGroupsByPackageThenFolder(t *testing.T) {
	orig, err := ReadFileSet(tarOf(t,
		entry{name: "usr/bin/curl", body: "curl"},
		entry{name: "etc/ssl/certs/ca-certificates.crt", body: strings.Repeat("c", 200)},
		entry{name: "usr/share/ca-certificates/mozilla/a.crt", body: strings.Repeat("a", 100)},
		entry{name: "var/lib/apt/lists/x_Packages", body: strings.Repeat("p", 1000)},
		entry{name: "etc/hostname", body: "abc"},
		entry{name: "var/lib/dpkg/info/ca-certificates.list", body: "/usr/share/ca-certificates/mozilla/a.crt\n"},
		entry{name: "var/lib/dpkg/info/curl.list", body: "/usr/bin/curl\n"},
	))
	if err != nil {
		t.Fatal(err)
	}
	fixed, err := ReadFileSet(tarOf(t,
		entry{name: "usr/bin/curl", body: "curl"},
		entry{name: "root/.wget-hsts", body: "h"},
		entry{name: "var/lib/dpkg/info/curl.list", body: "/usr/bin/curl\n"},
	))
	if err != nil {
		t.Fatal(err)
	}
	fd := CompareFiles(orig, fixed)
	var got []string
	for _, g := range fd.Lacks {
		got = append(got, g.Name)
	}
	// The largest group first; /etc/hostname is the engine's, not the build's.
	want := "/var/lib/apt /etc/ssl/certs ca-certificates var/lib/dpkg"
	if strings.Join(got, " ") != strings.ReplaceAll(want, "var/lib/dpkg", "/var/lib/dpkg") {
		t.Errorf("lacks %v, want %s", got, want)
	}
	if fd.LacksFiles != 4 || fd.AddsFiles != 1 || fd.Adds[0].Name != "/root" {
		t.Errorf("diff %+v", fd)
	}
	if !fd.Lacks[2].Package {
		t.Errorf("%s is not marked as a package", fd.Lacks[2].Name)
	}
}

func TestBuildErrorLogKeepsTheError(t *testing.T) {
	log := strings.Repeat("#5 step\n", 40) + "#6 [2/2] RUN false\n#6 ERROR: process \"/bin/sh -c false\" did not complete successfully: exit code: 1\n------\n > [2/2] RUN false:\n------\n"
	got := buildErrorLog(log)
	if !strings.Contains(got, "RUN false") || !strings.Contains(got, "exit code: 1") {
		t.Errorf("log %q lost the error", got)
	}
	if strings.Count(got, "\n") > 20 {
		t.Errorf("log kept %d lines", strings.Count(got, "\n"))
	}
}

func TestNetworkFailure(t *testing.T) {
	tests := []struct {
		log  string
		want bool
	}{
		{"W: Failed to fetch http://deb.debian.org/debian/dists/bookworm/InRelease  Temporary failure resolving 'deb.debian.org'", true},
		{"curl: (6) Could not resolve host: example.com", true},
		{"E: Unable to locate package curlx", false},
		{"E: Failed to fetch http://deb.debian.org/debian/pool/x.deb  404  Not Found", false},
	}
	for _, tt := range tests {
		t.Run(tt.log, func(t *testing.T) {
			if got := networkFailure(tt.log); got != tt.want {
				t.Errorf("networkFailure = %v, want %v", got, tt.want)
			}
		})
	}
}
