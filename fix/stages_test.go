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

func TestStageVarsEnvWinsOverArg(t *testing.T) {
	for _, tc := range []struct{ name, src, want string }{
		{"an ENV before an ARG of the same name", "FROM debian\nENV V=env\nARG V=arg\nRUN echo $V\n", "env"},
		{"an ARG before an ENV of the same name", "FROM debian\nARG V=arg\nENV V=env\nRUN echo $V\n", "env"},
		{"an ARG alone", "FROM debian\nARG V=arg\nRUN echo $V\n", "arg"},
		{"an ENV of the parent stage and an ARG of this one", "FROM debian AS base\nENV V=env\nFROM base\nARG V=arg\nRUN echo $V\n", "env"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := rewrite.Parse("Dockerfile", []byte(tc.src))
			if err != nil {
				t.Fatal(err)
			}
			run := doc.Instructions[len(doc.Instructions)-1]
			if got := stagesOfDoc(doc, metaArgsOf(doc)).vars(run)["V"]; got != tc.want {
				t.Errorf("V = %q, want %q (BuildKit: an ENV wins over an ARG of the same name)", got, tc.want)
			}
		})
	}
}
