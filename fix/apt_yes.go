package fix

import (
	"strconv"
	"strings"

	"github.com/dfix-dev/dfix/fix/shell"
	"github.com/dfix-dev/dfix/rewrite"
	"mvdan.cc/sh/v3/syntax"
)

// aptPrompts are the apt-get (and apt) subcommands that ask before they change the
// system.
var aptPrompts = map[string]bool{
	"install": true, "reinstall": true, "remove": true, "purge": true, "autoremove": true,
	"auto-remove": true, "autopurge": true, "upgrade": true, "dist-upgrade": true,
	"full-upgrade": true, "dselect-upgrade": true, "build-dep": true, "builddep": true, "satisfy": true,
}

func checkAptGetYes(p *Pass) {
	for s := range shellRuns(p, "apt") {
		for _, ac := range p.Facts.aptCalls(s) {
			if ac.name == "aptitude" || ac.sub < 0 || !aptPrompts[ac.word] || aptAnswers(ac.call, ac.cmd+1) {
				continue
			}
			w := ac.call.Args[ac.sub]
			start, end, _ := s.WordSpan(w)
			at := s.FileEnd(w.End())
			p.Report(Diagnostic{
				Start:   start,
				End:     end,
				Message: "`" + ac.what() + "` without -y: the build stops at the confirmation prompt",
				Fix: &Fix{
					Title:         "Add -y",
					Applicability: Safe,
					Edits:         []rewrite.Edit{{Start: at, End: at, New: " -y"}},
				},
			})
		}
	}
}

// aptAnswers reports whether an apt-get call, from word index from on, already answers
// the prompt (-y, --yes, --assume-yes, quiet level 2, -o APT::Get::Assume-Yes=true) or
// never asks (a dry run, --assume-no, --trivial-only, help or version).
func aptAnswers(c *syntax.CallExpr, from int) bool {
	quiet := 0
	config := func(kv string) bool {
		k, v, _ := strings.Cut(kv, "=")
		k = strings.TrimSpace(k)
		on := aptTrue(v)
		switch {
		case strings.EqualFold(k, "APT::Get::Assume-Yes"), strings.EqualFold(k, "APT::Get::Simulate"),
			strings.EqualFold(k, "APT::Get::Trivial-Only"):
			return on
		case strings.EqualFold(k, "APT::Get::Assume-No"):
			return on
		case strings.EqualFold(k, "quiet"):
			if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
				quiet = n
			}
		}
		return false
	}
	for j := from; j < len(c.Args); j++ {
		v, ok := shell.PlainWord(c.Args[j])
		if !ok || !strings.HasPrefix(v, "-") {
			continue
		}
		if v == "--" {
			break
		}
		name, val, hasVal := strings.Cut(v, "=")
		lname := strings.ToLower(name)
		switch {
		case lname == "--yes" || lname == "--assume-yes" || lname == "--assume-no" ||
			lname == "--simulate" || lname == "--just-print" || lname == "--dry-run" ||
			lname == "--recon" || lname == "--no-act" || lname == "--trivial-only" ||
			lname == "--help" || lname == "--version":
			if !hasVal || aptTrue(val) {
				return true
			}
		case lname == "--quiet":
			quiet++
			if hasVal {
				if n, err := strconv.Atoi(val); err == nil {
					quiet = n
				}
			}
		case lname == "-q" && hasVal:
			if n, err := strconv.Atoi(val); err == nil {
				quiet = n
			}
		case lname == "-o" || lname == "--option":
			if hasVal {
				if config(val) {
					return true
				}
			} else if j+1 < len(c.Args) {
				if kv, ok := shell.PlainWord(c.Args[j+1]); ok && config(kv) {
					return true
				}
				j++
			}
		case strings.HasPrefix(v, "-o") && !strings.HasPrefix(v, "--"): // -oKEY=VALUE
			if config(v[2:]) {
				return true
			}
		case aptGetValueOptions[name] && !hasVal:
			j++ // skip the value
		case pkgShortCluster(v):
			for _, r := range v[1:] {
				switch r {
				case 'y', 's', 'h', 'v':
					return true // yes; simulate, help, version: no prompt
				case 'q':
					quiet++
				}
			}
		}
	}
	return quiet >= 2
}

// aptTrue reports whether an apt boolean value is true ("" counts: --yes alone).
func aptTrue(v string) bool {
	switch strings.ToLower(strings.Trim(strings.TrimSpace(v), `"'`)) {
	case "", "1", "true", "yes", "on", "with", "enable":
		return true
	}
	return false
}
