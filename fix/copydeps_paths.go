package fix

import (
	"path"
	"strings"
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
	wd  []string // working folder in effect at instruction i
	env []Vars   // variables at instruction i, as a build without --build-arg sees them
}

const depUnknown = "\x00"

func depStageEnvOf(f *Facts) *depStageEnv {
	doc, stages := f.doc, f.Stages()
	se := &depStageEnv{wd: make([]string, len(doc.Instructions)), env: f.varsOf(VarOptions{Args: ArgDefault, Values: ValuesExpanded})}
	ends := map[int]string{} // stage -> working folder at its end
	wd := ""
	for _, in := range doc.Instructions {
		if in.Keyword == "from" {
			wd = depBaseWorkdir
			if idx, ok := stages.parentOf(in.Stage); ok {
				wd = ends[idx]
			}
		}
		if in.Stage < 0 {
			continue
		}
		se.wd[in.Index] = wd
		if in.Keyword == "workdir" && in.Node.Next != nil {
			v := depExpand(unquotePair(in.Node.Next.Value), se.env[in.Index])
			if strings.ContainsAny(v, "$"+depUnknown) {
				wd = ""
			} else {
				wd = depResolve(wd, v)
			}
		}
		ends[in.Stage] = wd
	}
	return se
}

// depExpand replaces $NAME and ${NAME} with known values; a name without a known
// value makes the whole value unknown.
func depExpand(s string, env Vars) string {
	out, ok := env.Expand(s)
	if !ok {
		return depUnknown
	}
	return out
}
