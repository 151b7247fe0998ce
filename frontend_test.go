package main

import "testing"

func TestForeignFrontend(t *testing.T) {
	for _, c := range []struct {
		name, src, want string
	}{
		{"a file without the word syntax has no frontend", "FROM alpine\nRUN true\n", ""},
		{"a lower-case directive names its image", "# syntax=example.com/fe:1\nFROM alpine\n", "example.com/fe:1"},
		{"an upper-case directive is read too", "# SYNTAX=example.com/fe:1\nFROM alpine\n", "example.com/fe:1"},
		{"a mixed-case directive is read too", "#Syntax = example.com/fe:2\nFROM alpine\n", "example.com/fe:2"},
		{"a // directive is read as BuildKit reads it", "// syntax=example.com/fe:3\n", "example.com/fe:3"},
		{"a Dockerfile frontend is not foreign", "# syntax=docker/dockerfile:1\nFROM alpine\n", ""},
		{"the word syntax in a RUN is no directive", "FROM alpine\nRUN echo syntax=x\n", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := foreignFrontend([]byte(c.src)); got != c.want {
				t.Errorf("foreignFrontend = %q, want %q", got, c.want)
			}
		})
	}
}

func TestContainsFold(t *testing.T) {
	for _, c := range []struct {
		b    string
		want bool
	}{
		{"syntax", true}, {"# SYNTAX=", true}, {"xSyNtAx", true}, {"synta", false}, {"", false}, {"s y n t a x", false},
	} {
		if got := containsFold([]byte(c.b), "syntax"); got != c.want {
			t.Errorf("containsFold(%q) = %v, want %v", c.b, got, c.want)
		}
	}
}
