package fix

import (
	"encoding/csv"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/dfix-dev/dfix/rewrite"
)

// factsOf describes, instruction by instruction, what computeFacts says: "sh" a POSIX
// shell dfix may rewrite for, "other" a SHELL that is not POSIX on a Linux stage,
// "win" a Windows stage, "win+other" a Windows stage under a non-POSIX SHELL.
func factsOf(t *testing.T, name, src string) string {
	t.Helper()
	doc, err := rewrite.Parse(name, []byte(src))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	f := computeFacts(doc)
	var out []string
	for _, in := range doc.Instructions {
		s := "sh"
		switch {
		case f.Windows(in) && f.OtherShell(in):
			s = "win+other"
		case f.Windows(in):
			s = "win"
		case f.OtherShell(in):
			s = "other"
		}
		if f.PosixShell(in) != (s == "sh") {
			t.Errorf("%s: instruction %d: PosixShell %v with %s", name, in.Index, f.PosixShell(in), s)
		}
		out = append(out, s)
	}
	return strings.Join(out, " ")
}

func TestFactsOSAndShell(t *testing.T) {
	for _, tc := range []struct {
		name, path, src, want string
	}{
		// The escape char says nothing about the OS (issue 15).
		{"backtick escape on a Linux image", "Dockerfile",
			"# escape=`\nFROM ubuntu:latest\nRUN apt-get update &&`\n    apt-get -y install stress-ng\nCMD stress-ng\n", "sh sh sh"},
		{"backtick escape on a Windows image", "Dockerfile",
			"# escape=`\nFROM mcr.microsoft.com/windows/servercore:ltsc2022\nRUN dir\n", "win win"},
		{"backslash escape on a Windows image", "Dockerfile",
			"FROM mcr.microsoft.com/windows/nanoserver:1809\nRUN dir\n", "win win"},
		{"backtick escape, Windows then Linux stage", "Dockerfile",
			"# escape=`\nFROM mcr.microsoft.com/windows/servercore AS w\nRUN dir\nFROM debian\nRUN ls\n", "win win sh sh"},
		// The base image.
		{"servercore tag of another image", "Dockerfile",
			"FROM python:3.12-windowsservercore-ltsc2022\nRUN dir\n", "win win"},
		{"nanoserver tag through global ARGs", "Dockerfile",
			"ARG REPO=mcr.microsoft.com/powershell\nARG V=nanoserver\nFROM ${REPO}:$V\nRUN dir\n", "sh sh win win"},
		// The global ARGs as BuildKit reads them (MetaArgs).
		{"Windows image through a global ARG declared again without a default", "Dockerfile",
			"ARG IMG=mcr.microsoft.com/windows/servercore\nARG IMG\nFROM $IMG\nRUN dir\n", "sh sh win win"},
		{"Windows image as the ${X:-d} default of a global ARG without one", "Dockerfile",
			"ARG IMG\nFROM ${IMG:-mcr.microsoft.com/windows/nanoserver:ltsc2022}\nRUN dir\n", "sh win win"},
		{".NET Framework image", "Dockerfile",
			"FROM mcr.microsoft.com/dotnet/framework/sdk:4.8.1\nRUN dir\n", "win win"},
		{"a PowerShell image is Linux unless its tag says otherwise", "Dockerfile",
			"# escape=`\nFROM mcr.microsoft.com/powershell:lts-debian-11\nRUN apt-get update\n", "sh sh"},
		// FROM --platform.
		{"platform windows", "Dockerfile",
			"FROM --platform=windows/amd64 example.com/tool\nRUN dir\n", "win win"},
		{"platform windows through a global ARG", "Dockerfile",
			"ARG P=windows/amd64\nFROM --platform=$P example.com/tool\nRUN dir\n", "sh win win"},
		{"platform linux", "Dockerfile",
			"# escape=`\nFROM --platform=linux/amd64 example.com/tool\nRUN ls\n", "sh sh"},
		// The parent stage: its OS and its SHELL carry over.
		{"Windows parent stage", "Dockerfile",
			"# escape=`\nFROM mcr.microsoft.com/windows/servercore AS base\nFROM base\nRUN dir\n", "win win win"},
		{"Windows parent stage through a global ARG", "Dockerfile",
			"ARG B=base\nFROM --platform=windows/amd64 x AS base\nFROM $B\nRUN dir\n", "sh win win win"},
		{"SHELL of the parent stage", "Dockerfile",
			"FROM debian AS a\nSHELL [\"pwsh\", \"-c\"]\nFROM a\nRUN Write-Host\n", "sh other other other"},
		{"Linux parent stage of a backtick file", "Dockerfile",
			"# escape=`\nFROM debian AS a\nFROM a\nRUN ls\n", "sh sh sh"},
		// SHELL.
		{"SHELL powershell on Linux", "Dockerfile",
			"FROM alpine\nSHELL [\"powershell\", \"-Command\"]\nRUN x\nFROM alpine\nRUN ls\n", "sh other other sh sh"},
		{"SHELL bash", "Dockerfile",
			"# escape=`\nFROM debian\nSHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]\nRUN ls | wc\n", "sh sh sh"},
		{"SHELL in shell form is no POSIX shell dfix knows", "Dockerfile",
			"FROM debian\nSHELL /bin/bash -c\nRUN ls\n", "sh other other"},
		{"SHELL powershell on Windows", "Dockerfile",
			"# escape=`\nFROM mcr.microsoft.com/windows/servercore\nSHELL [\"powershell\", \"-Command\"]\nRUN x\n", "win win+other win+other"},
		{"SHELL bash on Windows is still no shell dfix rewrites for", "Dockerfile",
			"FROM mcr.microsoft.com/windows/servercore\nSHELL [\"C:\\\\msys64\\\\usr\\\\bin\\\\bash.exe\", \"-c\"]\nRUN ls\n", "win win win"},
		// File-wide signals, as before: the file name and hadolint's shell pragma.
		{"file named for Windows", "build/Dockerfile.windows",
			"FROM golang\nRUN go build\n", "win win"},
		{"hadolint shell pragma", "Dockerfile",
			"FROM mybase\n# hadolint shell=powershell\nRUN x\n", "win win"},
		{"hadolint shell pragma naming a POSIX shell", "Dockerfile",
			"# escape=`\nFROM mybase\n# hadolint shell=bash\nRUN x\n", "sh sh"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := factsOf(t, tc.path, tc.src); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestMountFieldsReadsAsCSVDoes(t *testing.T) {
	for _, v := range []string{
		"type=cache,target=/root/.cache",
		"type=bind,source=.,target=/src,rw",
		"target=/var/cache/apt,sharing=locked",
		"type=cache,,target=/x,",
		" type=cache , target=/x",
		`type=secret,id=a,"target=/run/secrets/a"`,
		"type=cache,target=/x\ny",
		"",
	} {
		t.Run("the value "+strconv.Quote(v)+" splits as encoding/csv splits it", func(t *testing.T) {
			want, wantErr := csv.NewReader(strings.NewReader(v)).Read()
			got, err := mountFields(v)
			if (err != nil) != (wantErr != nil) || !slices.Equal(got, want) {
				t.Errorf("mountFields = %q, %v; csv reads %q, %v", got, err, want, wantErr)
			}
		})
	}
}
