package fix

import (
	"path"
	"strings"

	"github.com/dfix-dev/dfix/rewrite"
)

// Image paths as copy-deps-first sees them. A path is absolute ("/app"), or relative
// to the base image's working folder, which dfix does not know ("?" and "?/src"): two
// such paths still compare within one stage. "" is a path dfix cannot tell (a
// variable it does not know, a `cd` into a computed folder).

const depBaseWorkdir = "?"

// depImgRoot returns the root a path hangs from: "/" or depBaseWorkdir.
func depImgRoot(p string) string {
	if strings.HasPrefix(p, "/") {
		return "/"
	}
	return depBaseWorkdir
}

// depResolve returns p resolved against the folder cwd, or "" when it cannot be told.
func depResolve(cwd, p string) string {
	switch {
	case p == "":
		return ""
	case strings.HasPrefix(p, "/"):
		return path.Clean(p)
	case strings.HasPrefix(p, "~"):
		return "" // a home folder: whose, dfix does not know
	case cwd == "":
		return ""
	}
	out := path.Join(cwd, p)
	if root := depImgRoot(cwd); root == "/" {
		return out
	} else if out != root && !strings.HasPrefix(out, root+"/") {
		return "" // ".." above the unknown base folder
	}
	return out
}

// depUnder reports whether p is d or inside it. Paths from different roots are not
// related (the base image's working folder is taken to be a folder of its own).
func depUnder(p, d string) bool {
	if p == "" || d == "" {
		return false
	}
	if p == d || d == "/" && strings.HasPrefix(p, "/") {
		return true
	}
	return strings.HasPrefix(p, d+"/")
}

// depRel returns p relative to d (p inside d), "." for d itself.
func depRel(p, d string) string {
	if p == d {
		return "."
	}
	if d == "/" {
		return strings.TrimPrefix(p, "/")
	}
	return strings.TrimPrefix(p, d+"/")
}

// depStageEnv is what copy-deps-first knows at each instruction: the working folder and
// the values of variables set by ENV and ARG.
type depStageEnv struct {
	wd  []string            // working folder in effect at instruction i
	env []map[string]string // variables at instruction i; depUnknown when unknown
}

const depUnknown = "\x00"

func depStageEnvOf(doc *rewrite.Document, stages *Stages) *depStageEnv {
	n := len(doc.Instructions)
	se := &depStageEnv{wd: make([]string, n), env: make([]map[string]string, n)}
	global := stages.args
	type state struct {
		wd         string
		envs, args map[string]string // ENV is inherited by stages built on this one, ARG is not
	}
	ends := map[int]state{}
	cur := state{envs: map[string]string{}, args: map[string]string{}}
	merged := func() map[string]string {
		out := make(map[string]string, len(cur.envs)+len(cur.args))
		for k, v := range cur.args {
			out[k] = v
		}
		for k, v := range cur.envs { // ENV wins over an ARG of the same name
			out[k] = v
		}
		return out
	}
	vars := merged()
	for _, in := range doc.Instructions {
		words := nodeWords(in)
		switch in.Keyword {
		case "from":
			cur = state{wd: depBaseWorkdir, envs: map[string]string{}, args: map[string]string{}}
			if idx, ok := stages.parentOf(in.Stage); ok {
				cur.wd = ends[idx].wd
				for k, v := range ends[idx].envs {
					cur.envs[k] = v
				}
			}
			vars = merged()
		case "arg":
			for _, w := range words {
				k, v, ok := strings.Cut(w, "=")
				switch {
				case in.Stage < 0:
					continue // global: read by metaArgsOf
				case ok:
					v = depExpand(unquotePair(v), vars)
				default:
					if g, found := global.Value(k); found && g != "" {
						v = g
					} else {
						v = depUnknown
					}
				}
				cur.args[k] = v
				vars = merged()
			}
		case "env":
			for i := 0; i+1 < len(words); i += 3 {
				cur.envs[words[i]] = depExpand(unquotePair(words[i+1]), vars)
				vars = merged()
			}
		}
		if in.Stage >= 0 {
			se.wd[in.Index], se.env[in.Index] = cur.wd, vars
		}
		if in.Keyword == "workdir" && len(words) > 0 {
			v := depExpand(unquotePair(words[0]), vars)
			if strings.ContainsAny(v, "$"+depUnknown) {
				cur.wd = ""
			} else {
				cur.wd = depResolve(cur.wd, v)
			}
		}
		if in.Stage >= 0 {
			ends[in.Stage] = state{wd: cur.wd, envs: cur.envs, args: cur.args}
		}
	}
	return se
}

// depExpand replaces $NAME and ${NAME} with known values; a name without a known
// value makes the whole value unknown.
func depExpand(s string, env map[string]string) string {
	out, ok := expandVars(s, func(r varRef) (string, bool) {
		if r.Unclosed || strings.ContainsAny(r.Inner, ":-+?#%/") {
			return "", false // ${X:-default} and friends: not worth guessing
		}
		v, ok := env[r.Inner]
		return v, ok && r.Inner != "" && !strings.Contains(v, depUnknown)
	})
	if !ok {
		return depUnknown
	}
	return out
}
