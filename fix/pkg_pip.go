package fix

import (
	"path"
	"regexp"
	"strings"

	"github.com/dfix-dev/dfix/fix/shell"
	"github.com/dfix-dev/dfix/rewrite"
	"mvdan.cc/sh/v3/syntax"
)

// pipValueOpts are pip options (general and of `pip install`) whose value is the next
// word.
var pipValueOpts = map[string]bool{
	"--proxy": true, "--retries": true, "--timeout": true, "--exists-action": true,
	"--trusted-host": true, "--cert": true, "--client-cert": true, "--cache-dir": true,
	"--log": true, "--log-file": true, "--local-log": true, "--python": true,
	"--keyring-provider": true, "--use-feature": true, "--use-deprecated": true,
	"-r": true, "--requirement": true, "-c": true, "--constraint": true, "-e": true, "--editable": true,
	"-t": true, "--target": true, "--prefix": true, "--root": true, "--src": true,
	"-i": true, "--index-url": true, "--extra-index-url": true, "-f": true, "--find-links": true,
	"--upgrade-strategy": true, "--platform": true, "--python-version": true,
	"--implementation": true, "--abi": true, "--global-option": true, "--install-option": true,
	"-C": true, "--config-settings": true, "--no-binary": true, "--only-binary": true,
	"--progress-bar": true, "--report": true, "--root-user-action": true, "-b": true,
	"--build": true, "--build-option": true, "--group": true,
}

var (
	pipName    = regexp.MustCompile(`^pip[0-9.]*$`)
	pythonName = regexp.MustCompile(`^python[0-9.]*$`)
)

// pipProgram tells the programs pipArgs reads: pip itself, or python for -m pip.
func pipProgram(name string) bool { return pipName.MatchString(name) || pythonName.MatchString(name) }

// pipCacheDirs are where pip keeps its cache by default.
var pipCacheDirs = []string{"/root/.cache/pip", "*/.cache/pip"}

// pipArgs returns the index of the first word after the program of a pip call (pip,
// pip3, pip3.12, python -m pip), or -1 when c is not one.
func pipArgs(c *syntax.CallExpr) int {
	name, i := shell.CommandName(c)
	switch {
	case i < 0:
		return -1
	case pipName.MatchString(name):
		return i + 1
	case !pythonName.MatchString(name):
		return -1
	}
	for j := i + 1; j < len(c.Args); j++ {
		v, ok := shell.PlainWord(c.Args[j])
		switch {
		case !ok:
			return -1
		case v == "-mpip":
			return j + 1
		case v == "-m":
			if j+1 < len(c.Args) {
				if m, _ := shell.PlainWord(c.Args[j+1]); m == "pip" {
					return j + 2
				}
			}
			return -1
		case v == "-W" || v == "-X":
			j++
		case strings.HasPrefix(v, "-") && !strings.HasPrefix(v, "-c") && v != "-":
		default:
			return -1 // a script, -c code, or stdin
		}
	}
	return -1
}

// pipInstallsSomething reports whether `pip install` is given something to install:
// a package, a requirements file or an editable project.
func pipInstallsSomething(c *syntax.CallExpr, from int) bool {
	for j := from; j < len(c.Args); j++ {
		v, ok := shell.PlainWord(c.Args[j])
		if !ok || !strings.HasPrefix(v, "-") || v == "-" {
			return true
		}
		name, _, hasVal := strings.Cut(v, "=")
		switch {
		case name == "-r" || name == "--requirement" || name == "-e" || name == "--editable":
			return true
		case !strings.HasPrefix(v, "--") && len(v) > 2 && (v[1] == 'r' || v[1] == 'e'):
			return true // -rrequirements.txt
		case pipValueOpts[name] && !hasVal:
			j++
		}
	}
	return false
}

func checkPipNoCacheDir(p *Pass) {
	for s := range shellRunsAndTriggers(p, "pip") {
		if !s.RunsAny(pipProgram) {
			continue
		}
		mounted := pkgCacheMount(s.In, pipCacheDirs)
		s.Calls(func(c *syntax.CallExpr) {
			from := pipArgs(c)
			if from < 0 || mounted {
				return
			}
			sub := shell.Subcommand(c, from, pipValueOpts)
			if sub < 0 {
				return
			}
			if v, _ := shell.Lit(c.Args[sub]); v != "install" || !pipInstallsSomething(c, sub+1) {
				return
			}
			if shell.HasWord(c, from, []string{"--no-cache-dir"}) {
				return
			}
			vars := pkgVars(p, s.In)
			// pip turns its cache off for any value of PIP_NO_CACHE_DIR, true or false
			// (pip's _handle_no_cache_dir keeps that for backwards compatibility).
			if v, ok := pkgEnvSet(s, c, vars, "PIP_NO_CACHE_DIR"); ok && v != "" {
				return
			}
			if pipCacheMoved(s, c, from, vars) || pipCacheCleanedAfter(s, c) {
				return
			}
			w := c.Args[sub]
			start, end, _ := s.WordSpan(w)
			at := s.FileEnd(w.End())
			p.Report(Diagnostic{
				Start:   start,
				End:     end,
				Message: "pip install without --no-cache-dir: downloaded and built packages stay in pip's cache in the layer",
				Fix: &Fix{
					Title:         "Add --no-cache-dir",
					Applicability: Safe,
					Edits:         []rewrite.Edit{{Start: at, End: at, New: " --no-cache-dir"}},
				},
			})
		})
	}
}

// pipCacheMoved reports whether the call's cache is moved (--cache-dir, PIP_CACHE_DIR,
// XDG_CACHE_HOME) to a folder that a cache or tmpfs mount of the RUN holds.
func pipCacheMoved(s *shell.Script, c *syntax.CallExpr, from int, vars Vars) bool {
	var dirs []string
	for j := from; j < len(c.Args); j++ {
		v, ok := shell.PlainWord(c.Args[j])
		if !ok {
			continue
		}
		if d, ok := strings.CutPrefix(v, "--cache-dir="); ok {
			dirs = append(dirs, d)
		} else if v == "--cache-dir" && j+1 < len(c.Args) {
			if d, ok := shell.PlainWord(c.Args[j+1]); ok {
				dirs = append(dirs, d)
			}
		}
	}
	if v, ok := pkgEnvSet(s, c, vars, "PIP_CACHE_DIR"); ok {
		dirs = append(dirs, v)
	}
	if v, ok := pkgEnvSet(s, c, vars, "XDG_CACHE_HOME"); ok {
		dirs = append(dirs, path.Join(v, "pip"))
	}
	for _, d := range dirs {
		if strings.HasPrefix(d, "/") && CacheMountCovers(s.In, d) {
			return true
		}
	}
	return false
}

// pipCacheCleanedAfter reports whether the RUN deletes pip's cache after the call
// (`rm -rf ~/.cache/pip`, `pip cache purge`): nothing of it reaches the layer.
func pipCacheCleanedAfter(s *shell.Script, c *syntax.CallExpr) bool {
	cleaned := false
	s.Calls(func(o *syntax.CallExpr) {
		if o.Pos().Offset() <= c.Pos().Offset() {
			return
		}
		if pkgRmCleans(o, pipCacheDirs, []string{"pip", "pip3"}) {
			cleaned = true
		}
		if from := pipArgs(o); from >= 0 {
			if sub := shell.Subcommand(o, from, pipValueOpts); sub >= 0 {
				if v, _ := shell.Lit(o.Args[sub]); v == "cache" {
					if n := shell.Subcommand(o, sub+1, pipValueOpts); n >= 0 {
						if w, _ := shell.Lit(o.Args[n]); w == "purge" {
							cleaned = true
						}
					}
				}
			}
		}
	})
	return cleaned
}
