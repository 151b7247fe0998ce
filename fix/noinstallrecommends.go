package fix

import (
	"strings"

	"github.com/dfix-dev/dfix/fix/shell"
	"github.com/dfix-dev/dfix/rewrite"
	"mvdan.cc/sh/v3/syntax"
)

// aptGetValueOptions are apt-get options whose value is the next word (unless written
// as --option=value).
var aptGetValueOptions = map[string]bool{
	"-o": true, "--option": true, "-c": true, "--config-file": true,
	"-t": true, "--target-release": true, "--default-release": true,
	"-a": true, "--host-architecture": true, "-P": true, "--build-profiles": true,
}

// recommendsKey reports whether a configuration item given with -o (KEY=VALUE) is
// APT::Install-Recommends. apt compares configuration keys without regard to case, and
// APT::Install-Recommends-Sections is a different setting.
func recommendsKey(kv string) bool {
	k, _, _ := strings.Cut(kv, "=")
	return strings.EqualFold(strings.TrimSpace(k), "APT::Install-Recommends")
}

// aptGetSubcommand finds the subcommand of an apt-get call (the first word that is not
// an option) and whether the call already says what to do about recommends, in any of
// the ways apt accepts: --no-install-recommends, --install-recommends[=bool],
// -o APT::Install-Recommends=..., -oAPT::..., --option[=]APT::....
func aptGetSubcommand(c *syntax.CallExpr, from int) (sub int, recommendsSet bool) {
	sub = -1
	for j := from; j < len(c.Args); j++ {
		v, ok := shell.PlainWord(c.Args[j])
		if !ok {
			if sub < 0 {
				return -1, false // a computed subcommand: leave it alone
			}
			continue
		}
		if !strings.HasPrefix(v, "-") || v == "-" {
			if sub < 0 {
				sub = j
			}
			continue
		}
		name, val, hasVal := strings.Cut(v, "=")
		switch lname := strings.ToLower(name); {
		case lname == "--install-recommends" || lname == "--no-install-recommends":
			recommendsSet = true
		case lname == "-o" || lname == "--option":
			if hasVal {
				recommendsSet = recommendsSet || recommendsKey(val)
			} else if j+1 < len(c.Args) {
				if w, ok := shell.PlainWord(c.Args[j+1]); ok && recommendsKey(w) {
					recommendsSet = true
				}
				j++
			}
		case strings.HasPrefix(v, "-o") && !strings.HasPrefix(v, "--"): // -oKEY=VALUE
			recommendsSet = recommendsSet || recommendsKey(v[2:])
		case aptGetValueOptions[name] && !hasVal:
			j++ // skip the value
		}
	}
	return sub, recommendsSet
}

func checkNoInstallRecommends(p *Pass) {
	for _, s := range shellRuns(p) {
		s.Calls(func(c *syntax.CallExpr) {
			name, i := shell.CommandName(c)
			if name != "apt-get" {
				return
			}
			sub, set := aptGetSubcommand(c, i+1)
			if sub < 0 || set {
				return
			}
			if v, _ := shell.Lit(c.Args[sub]); v != "install" {
				return
			}
			w := c.Args[sub]
			start, end, _ := s.WordSpan(w)
			at := s.FileEnd(w.End())
			p.Report(Diagnostic{
				Start:   start,
				End:     end,
				Message: "apt-get install without --no-install-recommends",
				Fix: &Fix{
					Title:         "Add --no-install-recommends",
					Applicability: Unsafe,
					Edits:         []rewrite.Edit{{Start: at, End: at, New: " --no-install-recommends"}},
				},
			})
		})
	}
}
