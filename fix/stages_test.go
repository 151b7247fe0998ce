package fix

import (
	"strconv"
	"strings"
	"testing"

	"github.com/dfix-dev/dfix/rewrite"
)

func TestStages(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		want      string // per stage: name<parent image shell live/derived
	}{
		{"one image stage is live",
			"FROM debian:12\n", "<-1 debian:12 dash live"},
		{"a stage built FROM another takes its image and makes it live",
			"FROM alpine:3.20 AS base\nFROM base\n", "base<-1 alpine:3.20 ash live derived, <0 alpine:3.20 ash live"},
		{"a stage only copied from is not live",
			"FROM golang:1.22 AS build\nFROM debian:12\nCOPY --from=build /x /x\n", "build<-1 golang:1.22 dash, <-1 debian:12 dash live"},
		{"names are compared without case",
			"FROM alpine AS Base\nFROM BASE\n", "base<-1 alpine ash live derived, <0 alpine ash live"},
		// BuildKit expands the FROM word with the global ARGs and then looks the stage
		// up (docker/cli's `FROM build-${BASE_VARIANT}`); reading the word as an image
		// made dfix take `build-${BASE_VARIANT}` for an unknown image.
		{"a stage named through a global ARG",
			"ARG V=alpine\nFROM alpine:3.20 AS build-alpine\nFROM build-${V} AS test\n", "build-alpine<-1 alpine:3.20 ash live derived, test<0 alpine:3.20 ash live"},
		{"a global ARG without a value stays visible in the image",
			"ARG BASE\nFROM ${BASE}\n", "<-1 ${BASE} unknown live"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := rewrite.Parse("Dockerfile", []byte(tc.src))
			if err != nil {
				t.Fatal(err)
			}
			st := stagesOfDoc(doc, metaArgsOf(doc))
			var got []string
			for _, s := range st.List {
				d := s.Name + "<" + strconv.Itoa(s.Parent) + " " + s.Image + " " + []string{"unknown", "dash", "bash", "ash"}[s.Shell]
				if s.Live {
					d += " live"
				}
				if s.Derived {
					d += " derived"
				}
				got = append(got, d)
			}
			if g := strings.Join(got, ", "); g != tc.want {
				t.Errorf("got  %s\nwant %s", g, tc.want)
			}
		})
	}
}

func TestStagesShellInEffect(t *testing.T) {
	src := "FROM debian:12 AS a\nRUN one\nSHELL [\"/bin/bash\", \"-c\"]\nRUN two\nFROM a\nRUN three\nFROM debian:12\nSHELL [not json]\nRUN four\n"
	doc, err := rewrite.Parse("Dockerfile", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	st := stagesOfDoc(doc, metaArgsOf(doc))
	want := map[string]string{"one": "default", "two": "/bin/bash -c", "three": "/bin/bash -c", "four": "unreadable"}
	for _, in := range doc.Instructions {
		if in.Keyword != "run" {
			continue
		}
		got := "default"
		switch argv := st.Shell(in); {
		case argv == nil:
		case len(argv) == 0:
			got = "unreadable"
		default:
			got = strings.Join(argv, " ")
		}
		if w := want[in.Args()]; got != w {
			t.Errorf("RUN %s: shell %q, want %q", in.Args(), got, w)
		}
	}
}

func TestStagesLiveWithoutFrom(t *testing.T) {
	doc, err := rewrite.Parse("Dockerfile", []byte("RUN apt-get update\n"))
	if err != nil {
		t.Fatal(err)
	}
	if !stagesOfDoc(doc, metaArgsOf(doc)).Live(-1) {
		t.Error("a snippet without FROM (a linter's test case) is taken as the image's")
	}
}

// TestPkgStages pins how the package rules read the stages: each stage as its base
// image and, after "<", the stage it is built on, comma-separated; the FROM words expanded with the
// global ARGs as BuildKit reads them (MetaArgs).
// TestStageRefs: the base image reference the package rules compare, through the
// global ARGs as BuildKit reads them, and the parent stage.
func TestStageRefs(t *testing.T) {
	for _, tc := range []struct {
		name, src, want string
	}{
		{"an image with a global default", "ARG V=3.20\nFROM alpine:$V\n", "alpine:3.20"},
		{"a global ARG without a default reads as empty", "ARG V\nFROM alpine:$V\n", "alpine:"},
		{"${X:-d} takes d when X has no default", "ARG X\nFROM ${X:-alpine}\n", "alpine"},
		{"a global ARG declared again without a default keeps its default",
			"ARG IMG=alpine\nARG IMG\nFROM $IMG\n", "alpine"},
		{"a quoted default", "ARG IMG=\"Alpine:3.20\"\nFROM $IMG\n", "alpine:3.20"},
		// BuildKit never sets a name no ARG declares (a --build-arg cannot either).
		{"a name no ARG declares reads as empty", "FROM alpine AS base\nFROM base$SUFFIX\n", "alpine, alpine<0"},
		{"a parent stage through a global ARG", "ARG B=base\nFROM alpine AS base\nFROM $B\n", "alpine, alpine<0"},
		{"an ARG after the first FROM is not global", "FROM alpine AS base\nARG B=base\nFROM $B\n", "alpine, "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := rewrite.Parse("Dockerfile", []byte(tc.src))
			if err != nil {
				t.Fatal(err)
			}
			st := stagesOfDoc(doc, metaArgsOf(doc))
			var got []string
			for i := range st.List {
				s := st.ref(i)
				if p, ok := st.parentOf(i); ok {
					s += "<" + strconv.Itoa(p)
				}
				got = append(got, s)
			}
			if g := strings.Join(got, ", "); g != tc.want {
				t.Errorf("got %q, want %q", g, tc.want)
			}
		})
	}
}

func TestStageImageThroughGlobalArgs(t *testing.T) {
	for _, tc := range []struct{ name, src, want string }{
		{"a global ARG without a default stays visible", "ARG TAG\nFROM debian:$TAG\n", "debian:${TAG}"},
		{"a name no ARG declares stays visible", "FROM debian:$TAG\n", "debian:${TAG}"},
		{"a global ARG declared again without a default keeps its default", "ARG IMG=debian:12\nARG IMG\nFROM $IMG\n", "debian:12"},
		{"a quoted default", "ARG IMG=\"debian:12\"\nFROM $IMG\n", "debian:12"},
		{"${X:-d} with X set", "ARG V=12\nFROM debian:${V:-11}\n", "debian:12"},
		{"${X:-d} with X without a value stays visible", "ARG V\nFROM debian:${V:-11}\n", "debian:${V}"},
		{"a default that reads an earlier global ARG", "ARG R=docker.io\nARG I=$R/debian\nFROM $I\n", "docker.io/debian"},
		{"a quoted FROM word", "FROM \"debian:12\"\n", "debian:12"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := rewrite.Parse("Dockerfile", []byte(tc.src))
			if err != nil {
				t.Fatal(err)
			}
			if got := stagesOfDoc(doc, metaArgsOf(doc)).List[0].Image; got != tc.want {
				t.Errorf("image %q, want %q", got, tc.want)
			}
		})
	}
}
