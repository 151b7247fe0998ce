package fix

import (
	"strings"

	"github.com/dfix-dev/dfix/fix/shell"
	"github.com/dfix-dev/dfix/rewrite"
	"mvdan.cc/sh/v3/syntax"
)

// aptSame are the apt subcommands that mean the same to apt-get.
var aptSame = map[string]bool{
	"install": true, "remove": true, "purge": true, "autoremove": true, "auto-remove": true,
	"update": true, "dist-upgrade": true, "build-dep": true, "builddep": true, "clean": true,
	"autoclean": true, "auto-clean": true, "source": true, "download": true, "changelog": true,
	"satisfy": true, "check": true, "markauto": true, "unmarkauto": true, "dselect-upgrade": true,
}

// aptRewrites are apt subcommands that apt-get spells differently: the subcommand
// word apt-get wants, and an option to add after it.
var aptRewrites = map[string][2]string{
	"full-upgrade": {"dist-upgrade", ""},
	"reinstall":    {"install", "--reinstall"},
	"re-install":   {"install", "--reinstall"},
	"autopurge":    {"autoremove", "--purge"},
	"auto-purge":   {"autoremove", "--purge"},
	"upgrade":      {"upgrade", "--with-new-pkgs"},
}

// aptAdvice says what to use instead of apt subcommands that apt-get does not have.
var aptAdvice = map[string]string{
	"search":   "use `apt-cache search` (its output differs)",
	"show":     "use `apt-cache show` (it shows every version, apt show the candidate)",
	"showsrc":  "use `apt-cache showsrc`",
	"depends":  "use `apt-cache depends`",
	"rdepends": "use `apt-cache rdepends`",
	"policy":   "use `apt-cache policy`",
	"list":     "use `dpkg-query -W` for installed packages, `apt-cache policy` for versions",
}

func checkAptToAptGet(p *Pass) {
	for s := range shellRuns(p, "apt") {
		for _, ac := range p.Facts.aptCalls(s) {
			if ac.name != "apt" {
				continue
			}
			cmdWord := ac.call.Args[ac.cmd]
			start, end, _ := s.WordSpan(cmdWord)
			d := Diagnostic{Start: start, End: end}
			re, rewrites := aptRewrites[ac.word]
			if ac.word == "upgrade" && aptNewPkgsSet(ac) {
				rewrites = false // it says already whether to install new packages
			}
			switch {
			case aptSame[ac.word] || ac.word == "upgrade" && !rewrites:
				d.Message = "`apt " + ac.word + "` in a RUN: apt's command line is meant for people, use apt-get"
				d.Fix = &Fix{
					Title:         "Use apt-get",
					Applicability: Safe,
					Edits:         []rewrite.Edit{aptGetEdit(s, cmdWord)},
				}
			case rewrites:
				sub := ac.call.Args[ac.sub]
				edits := []rewrite.Edit{aptGetEdit(s, cmdWord)}
				with := "apt-get " + re[0]
				if re[1] != "" {
					with += " " + re[1]
				}
				d.Message = "`apt " + ac.word + "` in a RUN: apt's command line is meant for people, use `" + with + "`"
				d.Fix = &Fix{Title: "Use `" + with + "`", Applicability: Safe}
				a, b, oneLine := s.WordSpan(sub)
				if re[0] != ac.word {
					if !oneLine {
						// The word is split over lines: replacing it would take the
						// continuation with it.
						d.Fix.Applicability = DisplayOnly
						d.Help = "the subcommand is split over lines: dfix leaves the rewrite to you"
						break
					}
					edits = append(edits, rewrite.Edit{Start: a, End: b, New: re[0]})
				}
				if re[1] != "" {
					at := s.FileEnd(sub.End())
					edits = append(edits, rewrite.Edit{Start: at, End: at, New: " " + re[1]})
				}
				d.Fix.Edits = edits
			default:
				what := "`apt`"
				if ac.word != "" {
					what = "`apt " + ac.word + "`"
				}
				d.Message = what + " in a RUN: apt's command line is meant for people, use apt-get or apt-cache"
				d.Fix = &Fix{Title: "Use apt-get or apt-cache", Applicability: DisplayOnly}
				if h, ok := aptAdvice[ac.word]; ok {
					d.Help = h
				} else if ac.sub < 0 {
					d.Help = "dfix cannot read the subcommand: use apt-get or apt-cache"
				} else {
					d.Help = "apt-get has no `" + ac.word + "`: use apt-get or apt-cache"
				}
			}
			p.Report(d)
		}
	}
}

// aptGetEdit turns the command word apt (or /usr/bin/apt) into apt-get.
func aptGetEdit(s *shell.Script, w *syntax.Word) rewrite.Edit {
	at := s.FileEnd(w.End())
	return rewrite.Edit{Start: at, End: at, New: "-get"}
}

// aptNewPkgsSet reports whether an apt upgrade already says whether to install new
// packages: --with-new-pkgs, --without-new-pkgs, -o APT::Get::Upgrade-Allow-New=...
func aptNewPkgsSet(ac aptCall) bool {
	for _, w := range ac.call.Args[ac.cmd+1:] {
		v, ok := shell.PlainWord(w)
		if !ok {
			continue
		}
		l := strings.ToLower(v)
		if strings.Contains(l, "new-pkgs") || strings.Contains(l, "upgrade-allow-new") {
			return true
		}
	}
	return false
}
