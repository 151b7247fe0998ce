package fix

import (
	"cmp"
	"slices"
	"strings"

	"github.com/dfix-dev/dfix/fix/shell"
	"mvdan.cc/sh/v3/syntax"
)

// The apt rules: package lists that go stale or stay in the image, prompts that stop a
// build, and apt used where apt-get is meant. (no-install-recommends is declared with
// the core rules.)

func aptRules() []*Rule {
	return []*Rule{
		{
			Name:  "apt-update-install",
			Title: "apt-get install in a RUN without its own apt-get update",
			Doc: "Docker caches every RUN as a layer. With `RUN apt-get update` on its own, the " +
				"layer holding the package lists is taken from the cache for as long as that line " +
				"does not change, so a later `RUN apt-get install ...` (edited to add a package, " +
				"say) installs from lists that may be months old: it fails with 404s or gets old " +
				"versions. When a RUN that is only `apt-get update` comes right before the RUN " +
				"that installs, in the same stage and with the same flags, the fix merges the two: " +
				"`apt-get update && apt-get install ...`. Comment lines between them stay, blank " +
				"lines between them go (an empty continuation line is a BuildKit warning), and the " +
				"joined text follows the file's style (`&& \\` at line end or leading `&&`, its " +
				"indent, its escape char); a second RUN with a top-level `;` or `||` is grouped as " +
				"`{ ...; }` so that the update still guards all of it. The update still runs " +
				"first and a failing update still fails the build, so the fix is safe. Any other " +
				"install (upgrade, build-dep...) that relies on an `apt-get update` of an earlier " +
				"RUN of its stage, or of a stage it is built FROM, is reported with advice: run " +
				"`apt-get update` in the same RUN.",
			Before:        "RUN apt-get update\nRUN apt-get install -y curl",
			After:         "RUN apt-get update \\\n    && apt-get install -y curl",
			Applicability: Safe,
			FixNote:       "display-only unless the update is alone in the RUN right above",
			Default:       true,
			Check:         checkAptUpdateInstall,
		},
		{
			Name:  "apt-lists-cleanup",
			Title: "apt-get update without rm -rf /var/lib/apt/lists/*",
			Doc: "`apt-get update` downloads the package lists into /var/lib/apt/lists: tens of " +
				"megabytes that stay in the image layer unless the same RUN removes them " +
				"(`apt-get clean` does not: it empties /var/cache/apt only). The fix appends " +
				"`rm -rf /var/lib/apt/lists/*` with && after the last top-level statement of the " +
				"RUN that runs apt, on a continuation line of its own in the RUN's style when the " +
				"RUN spans lines. Not reported when the RUN already removes the lists after its " +
				"last update (rm or find -delete of /var/lib/apt/lists or a folder holding it, " +
				"apt-get dist-clean), when a cache or tmpfs mount holds the lists " +
				"(`--mount=type=cache,target=/var/lib/apt`: keeping them is then the point; a " +
				"mount of /var/cache/apt alone does not hold them), or, like hadolint, in a build " +
				"stage that is neither the last one nor the base of a later FROM (its layers do " +
				"not reach an image). When a later RUN installs from the lists or reads them " +
				"(apt-cache, `apt show`, or an apt command line dfix does not read, such as " +
				"`xargs apt-get install` or `sh -c \"apt-get install ...\"`) without an update " +
				"of its own first, removing the lists would break it: the finding is then advice " +
				"only (see apt-update-install). So it is when an ONBUILD RUN trigger of the stage " +
				"does: triggers run in the build of an image made FROM the stage, after every RUN " +
				"of it. A script dfix does not read (a file run from the image, an installer " +
				"piped from curl) is taken not to install from the lists without an update of " +
				"its own: look at such a script before taking the fix.",
			Before:        "RUN apt-get update && apt-get install -y curl",
			After:         "RUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*",
			Hadolint:      []string{"DL3009"},
			Applicability: Safe,
			FixNote:       "display-only when a later RUN uses these lists",
			Default:       true,
			Check:         checkAptListsCleanup,
		},
		{
			Name:  "apt-get-yes",
			Title: "apt-get command without -y",
			Doc: "Without -y, apt-get asks \"Do you want to continue?\" before it installs more than " +
				"was named, removes or upgrades anything; a build has no one to answer, so the RUN " +
				"fails. The fix adds -y right after the subcommand of apt-get (or apt) install, " +
				"reinstall, remove, purge, autoremove, autopurge, upgrade, dist-upgrade, " +
				"full-upgrade, dselect-upgrade, build-dep and satisfy. Not reported when the " +
				"command already answers: -y, --yes, --assume-yes, a cluster such as -yq, quiet " +
				"level 2 (-qq, -q -q, -q=2, --quiet=2: it implies -y), -o " +
				"APT::Get::Assume-Yes=true; nor for a dry run (-s, --simulate, --dry-run, " +
				"--just-print, --no-act, --recon, --assume-no, --trivial-only), which never asks.",
			Before:        "RUN apt-get install curl",
			After:         "RUN apt-get install -y curl",
			Hadolint:      []string{"DL3014"},
			Applicability: Safe,
			Default:       true,
			Check:         checkAptGetYes,
		},
		{
			Name:  "apt-to-apt-get",
			Title: "apt in a RUN instead of apt-get",
			Doc: "`apt` is meant for people at a terminal: its command-line interface may change " +
				"between releases (it warns so on every run) and its defaults differ from " +
				"apt-get's. `apt install`, `remove`, `purge`, `autoremove`, `update`, `clean`, " +
				"`dist-upgrade`, `build-dep`, `source`... become `apt-get ...`: the fix adds `-get` " +
				"to the command word, so a path such as /usr/bin/apt keeps its folder. Where apt's " +
				"subcommand means something else to apt-get, the fix writes apt-get's equivalent: " +
				"`apt upgrade` becomes `apt-get upgrade --with-new-pkgs` (apt upgrade installs new " +
				"dependencies where apt-get upgrade holds such packages back), `apt full-upgrade` " +
				"becomes `apt-get dist-upgrade`, `apt reinstall` becomes `apt-get install " +
				"--reinstall` and `apt autopurge` becomes `apt-get autoremove --purge`. `apt list`, " +
				"`search`, `show`, `policy`, `depends` and the like have no apt-get counterpart: " +
				"they are reported with advice (apt-cache, dpkg-query), as is an apt command whose " +
				"subcommand dfix cannot read.",
			Before:        "RUN apt update && apt install -y curl",
			After:         "RUN apt-get update && apt-get install -y curl",
			Hadolint:      []string{"DL3027"},
			Applicability: Safe,
			FixNote:       "display-only for apt list, search, show...",
			Default:       true,
			Check:         checkAptToAptGet,
		},
	}
}

// aptPrograms are the apt front ends whose `update` fills /var/lib/apt/lists.
var aptPrograms = []string{"apt-get", "apt", "aptitude"}

// aptListsDir is where apt keeps the package lists that `update` downloads.
const aptListsDir = "/var/lib/apt/lists"

// aptConsumers are subcommands that download packages named in the package lists: run
// on stale lists they fail or install old versions; run without lists they fail.
var aptConsumers = map[string]bool{
	"install": true, "reinstall": true, "upgrade": true, "dist-upgrade": true, "full-upgrade": true,
	"safe-upgrade": true, "dselect-upgrade": true, "build-dep": true, "builddep": true,
	"source": true, "download": true, "satisfy": true,
}

// aptCall is one call of an apt front end found in a RUN.
type aptCall struct {
	call *syntax.CallExpr
	cmd  int    // index of the command word
	name string // apt-get, apt or aptitude
	sub  int    // index of the subcommand word; -1 when there is none or it is not plain text
	word string // the subcommand
}

// aptCalls returns the apt calls of a script, worked out once per pass:
// five rules read them. They are shared; they are not to be changed.
func (f *Facts) aptCalls(s *shell.Script) []aptCall {
	return perScript(f, &f.apt, s, func() []aptCall { return aptCalls(s) })
}

// aptCalls returns the calls of apt-get, apt and aptitude in the script, in source
// order.
func aptCalls(s *shell.Script) []aptCall {
	if !s.Runs(aptPrograms...) {
		return nil
	}
	var out []aptCall
	s.Commands(func(c *syntax.CallExpr, name string, i int) {
		if i < 0 || !slices.Contains(aptPrograms, name) {
			return
		}
		ac := aptCall{call: c, cmd: i, name: name, sub: -1}
		if j, _ := aptGetSubcommand(c, i+1); j >= 0 {
			ac.sub = j
			ac.word, _ = shell.PlainWord(c.Args[j])
		}
		out = append(out, ac)
	})
	slices.SortStableFunc(out, func(a, b aptCall) int { return cmp.Compare(a.call.Pos().Offset(), b.call.Pos().Offset()) })
	return out
}

// what returns the call as shown in messages: "apt-get install".
func (ac aptCall) what() string {
	if ac.word == "" {
		return ac.name
	}
	return ac.name + " " + ac.word
}

// aptRemovesLists reports whether a call removes the package lists: an rm of
// /var/lib/apt/lists, its contents or a folder holding it; a find over such a folder
// with -delete or -exec rm; apt-get distclean.
func aptRemovesLists(c *syntax.CallExpr) bool {
	name, i := shell.CommandName(c)
	if i < 0 {
		return false
	}
	switch name {
	case "rm":
		for _, w := range c.Args[i+1:] {
			if p, ok := shell.ReadWord(w, pkgPathWord); ok && !strings.HasPrefix(p, "-") && aptPathHoldsLists(p) {
				return true
			}
		}
	case "find":
		holds, deletes := false, false
		paths := true
		for k := i + 1; k < len(c.Args); k++ {
			v, ok := shell.ReadWord(c.Args[k], pkgPathWord)
			if !ok {
				continue
			}
			if strings.HasPrefix(v, "-") || v == "(" || v == "!" {
				paths = false
			}
			switch {
			case paths:
				holds = holds || aptPathHoldsLists(v)
			case v == "-delete":
				deletes = true
			case v == "-exec" || v == "-execdir":
				if k+1 < len(c.Args) {
					if x, ok := shell.Lit(c.Args[k+1]); ok && (x == "rm" || strings.HasSuffix(x, "/rm")) {
						deletes = true
					}
				}
			}
		}
		return holds && deletes
	case "apt-get", "apt":
		if j, _ := aptGetSubcommand(c, i+1); j >= 0 {
			v, _ := shell.PlainWord(c.Args[j])
			return v == "distclean" || v == "dist-clean"
		}
	}
	return false
}

// aptPathHoldsLists reports whether deleting p (which may end in /* or /) deletes the
// package lists or everything in them.
func aptPathHoldsLists(p string) bool {
	p = strings.TrimSuffix(p, "*")
	p = strings.TrimRight(p, "/")
	if p == "" || strings.ContainsAny(p, "*?[") {
		return false
	}
	return p == aptListsDir || strings.HasPrefix(aptListsDir, p+"/")
}

// shellPrograms run the script given with -c.
var shellPrograms = map[string]bool{"sh": true, "bash": true, "dash": true, "ash": true, "zsh": true, "ksh": true}

// innerScript parses the script that a `sh -c '...'` or `bash -c "..."` call runs, with
// each expansion in it read as a placeholder word; nil when the call is no such call or
// the text does not parse.
func innerScript(c *syntax.CallExpr) *syntax.File {
	name, i := shell.CommandName(c)
	if i < 0 || !shellPrograms[name] {
		return nil
	}
	for j := i + 1; j+1 < len(c.Args); j++ {
		v, ok := shell.Lit(c.Args[j])
		if !ok || !strings.HasPrefix(v, "-") || strings.HasPrefix(v, "--") {
			return nil
		}
		if !strings.Contains(v, "c") {
			continue
		}
		text, ok := shell.ReadWord(c.Args[j+1], scriptWord)
		if !ok {
			return nil
		}
		f, err := syntax.NewParser(syntax.Variant(syntax.LangBash)).Parse(strings.NewReader(text), "")
		if err != nil {
			return nil
		}
		return f
	}
	return nil
}

// scriptWord reads the text a word hands to the program, as the shell unescapes it,
// with each expansion read as a placeholder word.
var scriptWord = shell.WordOptions{Globs: true, Escapes: shell.EscapesRemove,
	Expansion: func(part syntax.WordPart, _ bool) (string, bool) {
		switch part.(type) {
		case *syntax.ParamExp, *syntax.CmdSubst, *syntax.ArithmExp:
			return "_", true
		}
		return "", false
	}}

// aptRemovesListsInside reports whether the script a `sh -c` call runs removes the
// package lists.
func aptRemovesListsInside(c *syntax.CallExpr) bool {
	f := innerScript(c)
	if f == nil {
		return false
	}
	found := false
	syntax.Walk(f, func(n syntax.Node) bool {
		if ic, ok := n.(*syntax.CallExpr); ok && len(ic.Args) > 0 && aptRemovesLists(ic) {
			found = true
		}
		return !found
	})
	return found
}
