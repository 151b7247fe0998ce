package fix

import (
	"strings"
	"testing"

	"github.com/dfix-dev/dfix/rewrite"
)

func TestMetaArgs(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		arg       string // the ARG whose default is asked for
		value     string
		has       bool
		word      string // a word of the first FROM line, expanded both ways
		expanded  string
		showing   string
	}{
		{"an ARG with a default expands in FROM",
			"ARG V=3.12\nFROM python:$V\n", "V", "3.12", true, "python:$V", "python:3.12", "python:3.12"},
		{"an ARG without a default is declared but unset",
			"ARG TAG\nFROM debian:$TAG\n", "TAG", "", false, "debian:$TAG", "debian:", "debian:${TAG}"},
		{"an empty default is a value",
			"ARG TAG=\"\"\nFROM debian:${TAG}\n", "TAG", "", true, "debian:${TAG}", "debian:", "debian:"},
		{"double quotes are removed as BuildKit removes them",
			"ARG IMG=\"alpine:3.20\"\nFROM $IMG\n", "IMG", "alpine:3.20", true, "$IMG", "alpine:3.20", "alpine:3.20"},
		{"single quotes are removed as BuildKit removes them",
			"ARG IMG='alpine:3.20'\nFROM $IMG\n", "IMG", "alpine:3.20", true, "$IMG", "alpine:3.20", "alpine:3.20"},
		{"quotes inside a value are removed too",
			"ARG IMG=alpine:\"3\"'.20'\nFROM $IMG\n", "IMG", "alpine:3.20", true, "$IMG", "alpine:3.20", "alpine:3.20"},
		{"a quoted value keeps its spaces",
			"ARG A=\"x y\" B=z\nFROM scratch\n", "A", "x y", true, "", "", ""},
		{"an unclosed quote leaves the value as written",
			"ARG A=\"x\nFROM scratch\n", "A", "\"x", true, "", "", ""},
		{"several ARGs on one line",
			"ARG REPO=mcr.microsoft.com/powershell V=nanoserver\nFROM ${REPO}:$V\n", "V", "nanoserver", true,
			"${REPO}:$V", "mcr.microsoft.com/powershell:nanoserver", "mcr.microsoft.com/powershell:nanoserver"},
		{"a default reads the ARGs declared before it",
			"ARG REG=docker.io\nARG IMG=$REG/library/alpine\nFROM $IMG\n", "IMG", "docker.io/library/alpine", true,
			"$IMG", "docker.io/library/alpine", "docker.io/library/alpine"},
		{"${X:-d} in FROM takes d when X has no value",
			"ARG X\nFROM ${X:-alpine}\n", "X", "", false, "${X:-alpine}", "alpine", "${X}"},
		{"${X:-d} in FROM takes X when it has one",
			"ARG X=debian\nFROM ${X:-alpine}\n", "X", "debian", true, "${X:-alpine}", "debian", "debian"},
		{"${X:+d} in FROM",
			"ARG X=1\nFROM alpine${X:+:3.20}\n", "X", "1", true, "alpine${X:+:3.20}", "alpine:3.20", "alpine:3.20"},
		{"an ARG declared again with a default takes the new one",
			"ARG V=1\nARG V=2\nFROM a:$V\n", "V", "2", true, "a:$V", "a:2", "a:2"},
		{"an ARG declared again without a default keeps its default",
			"ARG V=1\nARG V\nFROM a:$V\n", "V", "1", true, "a:$V", "a:1", "a:1"},
		{"an ARG after a FROM is not global",
			"FROM scratch\nARG V=1\nFROM a:$V\n", "V", "", false, "a:$V", "a:", "a:${V}"},
		{"a name never declared is unset",
			"FROM a:$V\n", "V", "", false, "a:$V", "a:", "a:${V}"},
		{"a platform ARG is not known",
			"FROM --platform=$BUILDPLATFORM golang\n", "BUILDPLATFORM", "", false, "$BUILDPLATFORM", "", "${BUILDPLATFORM}"},
		{"quotes in the FROM word are removed",
			"ARG V=3\nFROM \"python:$V\"\n", "V", "3", true, "\"python:$V\"", "python:3", "python:3"},
		{"a word BuildKit rejects is kept as written",
			"ARG V=3\nFROM python:${V\n", "V", "3", true, "python:${V", "python:${V", "python:${V"},
		{"the backtick escape char escapes the dollar",
			"# escape=`\nARG V=3\nFROM python:`$V\n", "V", "3", true, "python:`$V", "python:$V", "python:$V"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := rewrite.Parse("Dockerfile", []byte(tc.src))
			if err != nil {
				t.Fatal(err)
			}
			m := metaArgsOf(doc)
			if v, ok := m.Value(tc.arg); v != tc.value || ok != tc.has {
				t.Errorf("Value(%s) = %q, %v; want %q, %v", tc.arg, v, ok, tc.value, tc.has)
			}
			if got := m.Expand(tc.word); got != tc.expanded {
				t.Errorf("Expand(%s) = %q, want %q", tc.word, got, tc.expanded)
			}
			if got := m.ExpandShowing(tc.word); got != tc.showing {
				t.Errorf("ExpandShowing(%s) = %q, want %q", tc.word, got, tc.showing)
			}
		})
	}
}

// TestMetaArgsWritten checks where MetaArgs finds the default of a global ARG written:
// the file text at the span it gives (a continuation inside shows as ⏎), and whether
// that span is one unbroken range.
func TestMetaArgsWritten(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		arg       string
		value     string // the default as written, quotes removed; "-" when not declared
		text      string // the file at the span
		ok        bool
	}{
		{"a plain default", "ARG IMG=alpine:3.20\nFROM $IMG\n", "IMG", "alpine:3.20", "alpine:3.20", true},
		{"a double-quoted default: the span is inside the quotes",
			"ARG IMG=\"alpine:3.20\"\nFROM $IMG\n", "IMG", "alpine:3.20", "alpine:3.20", true},
		{"a single-quoted default: the span is inside the quotes",
			"ARG IMG='alpine:3.20'\nFROM $IMG\n", "IMG", "alpine:3.20", "alpine:3.20", true},
		{"a quoted default with a space is one word, as BuildKit reads it",
			"ARG A=\"x y\" IMG=alpine\nFROM $IMG\n", "A", "x y", "x y", true},
		{"the second of several ARGs on one line",
			"ARG A=1 IMG=alpine:3.20 B=2\nFROM $IMG\n", "IMG", "alpine:3.20", "alpine:3.20", true},
		{"an ARG after several spaces and a tab",
			"ARG A=1  \tIMG=alpine\nFROM $IMG\n", "IMG", "alpine", "alpine", true},
		{"a default on the line after a continuation",
			"ARG A=1 \\\n    IMG=alpine:3.20\nFROM $IMG\n", "IMG", "alpine:3.20", "alpine:3.20", true},
		{"a default split over a continuation is not one range",
			"ARG IMG=alp\\\nine\nFROM $IMG\n", "IMG", "alpine", "alp\\⏎ine", false},
		{"a CRLF file", "ARG A=1 \\\r\n  IMG=alpine\r\nFROM $IMG\r\n", "IMG", "alpine", "alpine", true},
		{"declared again with a default: the last default",
			"ARG IMG=alpine\nARG IMG=debian\nFROM $IMG\n", "IMG", "debian", "debian", true},
		{"declared again without a default: the default it had",
			"ARG IMG=alpine\nARG IMG\nFROM $IMG\n", "IMG", "alpine", "alpine", true},
		{"declared without a default only", "ARG IMG\nFROM $IMG\n", "IMG", "", "", false},
		{"an empty default", "ARG IMG=\nFROM $IMG\n", "IMG", "", "", true},
		{"an ARG after the first FROM is not global", "FROM scratch\nARG IMG=alpine\n", "IMG", "-", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := rewrite.Parse("Dockerfile", []byte(tc.src))
			if err != nil {
				t.Fatal(err)
			}
			d, declared := metaArgsOf(doc).written[tc.arg]
			value := d.value
			if !declared {
				value = "-"
			}
			text := strings.NewReplacer("\r\n", "⏎", "\n", "⏎").Replace(string(doc.Src[d.start:d.end]))
			if value != tc.value || text != tc.text || d.ok != tc.ok {
				t.Errorf("got %q at %q (one range: %v), want %q at %q (%v)", value, text, d.ok, tc.value, tc.text, tc.ok)
			}
		})
	}
}
