package fix

import (
	"path"
	"slices"
	"strings"

	"github.com/dfix-dev/dfix/fix/shell"
	"github.com/dfix-dev/dfix/rewrite"
	"mvdan.cc/sh/v3/syntax"
)

// The package-manager hygiene rules: caches left behind in image layers, prompts that
// stop a build, progress output that floods the build log.

func packageRules() []*Rule {
	return []*Rule{
		{
			Name:  "apk-no-cache",
			Title: "apk add without --no-cache",
			Doc: "`apk add` keeps the package index it downloads in /var/cache/apk, so it ends " +
				"up in the image layer. With --no-cache apk fetches the index, uses it and " +
				"throws it away, which also makes `apk update` and `rm -rf /var/cache/apk/*` " +
				"unnecessary. The fix adds --no-cache right after `add`, and removes an " +
				"`apk update` step of the same && chain and the `rm` of /var/cache/apk/... when " +
				"nothing else in the file needs the index they keep or remove. The RUN is " +
				"left alone when a cache or tmpfs mount holds /var/cache/apk: keeping the cache " +
				"is then the point.",
			Before:        "RUN apk update && apk add curl && rm -rf /var/cache/apk/*",
			After:         "RUN apk add --no-cache curl",
			Hadolint:      []string{"DL3019"},
			Applicability: Safe,
			Default:       true,
			Check:         checkApkNoCache,
		},
		{
			Name:  "pip-no-cache-dir",
			Title: "pip install without --no-cache-dir",
			Doc: "pip keeps every wheel it downloads or builds in ~/.cache/pip, which then " +
				"stays in the image layer. The fix adds --no-cache-dir right after `install` " +
				"(pip, pip3, pip3.12, python -m pip...). Not reported when the cache is off " +
				"already: PIP_NO_CACHE_DIR set by ENV or ARG earlier in the stage or in a stage " +
				"it is built FROM, or on the command (pip turns the cache off for any value, even 0 or false), or a cache " +
				"or tmpfs mount that holds pip's cache (hadolint#497). ONBUILD RUN triggers are " +
				"checked and fixed too: their text runs in the child image's build.",
			Before:        "RUN pip install -r requirements.txt",
			After:         "RUN pip install --no-cache-dir -r requirements.txt",
			Hadolint:      []string{"DL3042"},
			Applicability: Safe,
			Default:       true,
			Check:         checkPipNoCacheDir,
		},
		{
			Name:  "yum-clean",
			Title: "yum install without yum clean all",
			Doc: "yum keeps repository metadata and packages in /var/cache/yum, which then " +
				"stays in the image layer. The fix appends `yum clean all && rm -rf " +
				"/var/cache/yum` after the last yum command that fills the cache (install, " +
				"update, ...) in the same RUN. Not reported when the RUN already cleans after " +
				"it, or when a cache or tmpfs mount holds /var/cache/yum.",
			Before:        "RUN yum install -y httpd",
			After:         "RUN yum install -y httpd && yum clean all && rm -rf /var/cache/yum",
			Hadolint:      []string{"DL3032"},
			Applicability: Safe,
			Default:       true,
			Check:         func(p *Pass) { checkPkgClean(p, yumManagers) },
		},
		{
			Name:  "dnf-clean",
			Title: "dnf or microdnf install without clean all",
			Doc: "dnf and microdnf keep repository metadata in /var/cache (dnf, yum or " +
				"libdnf5), which then stays in the image layer. The fix appends `dnf clean " +
				"all` (`microdnf clean all`) after the last command of that program that fills " +
				"the cache in the same RUN. Not reported when the RUN already cleans after it, " +
				"or when a cache or tmpfs mount holds the cache.",
			Before:        "RUN dnf install -y httpd",
			After:         "RUN dnf install -y httpd && dnf clean all",
			Hadolint:      []string{"DL3040"},
			Applicability: Safe,
			Default:       true,
			Check:         func(p *Pass) { checkPkgClean(p, dnfManagers) },
		},
		{
			Name:  "zypper-clean",
			Title: "zypper install without zypper clean",
			Doc: "zypper keeps repository metadata and packages in /var/cache/zypp, which then " +
				"stays in the image layer. The fix appends `zypper clean --all` (plain " +
				"`zypper clean` empties only the package cache) after the last zypper command " +
				"that fills the cache in the same RUN. Not reported when the RUN already cleans " +
				"after it, or when a cache or tmpfs mount holds /var/cache/zypp.",
			Before:        "RUN zypper --non-interactive install httpd",
			After:         "RUN zypper --non-interactive install httpd && zypper clean --all",
			Hadolint:      []string{"DL3036"},
			Applicability: Safe,
			Default:       true,
			Check:         func(p *Pass) { checkPkgClean(p, zypperManagers) },
		},
		{
			Name:  "yum-yes",
			Title: "yum command without -y",
			Doc: "Without -y, yum asks for confirmation; a build has no one to answer, so the " +
				"RUN fails. The fix adds -y right after the subcommand. Commands that say " +
				"--assumeno (a dry run) are left alone.",
			Before:        "RUN yum install httpd",
			After:         "RUN yum install -y httpd",
			Hadolint:      []string{"DL3030"},
			Applicability: Safe,
			Default:       true,
			Check:         func(p *Pass) { checkPkgYes(p, yumManagers) },
		},
		{
			Name:  "dnf-yes",
			Title: "dnf or microdnf command without -y",
			Doc: "Without -y, dnf asks for confirmation; a build has no one to answer, so the " +
				"RUN fails. The fix adds -y right after the subcommand (also for microdnf, " +
				"which accepts it). Commands that say --assumeno (a dry run) are left alone.",
			Before:        "RUN dnf install httpd",
			After:         "RUN dnf install -y httpd",
			Hadolint:      []string{"DL3038"},
			Applicability: Safe,
			Default:       true,
			Check:         func(p *Pass) { checkPkgYes(p, dnfManagers) },
		},
		{
			Name:  "zypper-yes",
			Title: "zypper command without --non-interactive",
			Doc: "Without --non-interactive, zypper asks for confirmation; a build has no one " +
				"to answer, so the RUN fails. The fix adds the global option " +
				"--non-interactive right after `zypper` (before the subcommand, where zypper " +
				"reads global options). -n before the subcommand, -y and --no-confirm count " +
				"too; -n after `install` or `remove` means --name, not --non-interactive.",
			Before:        "RUN zypper install httpd",
			After:         "RUN zypper --non-interactive install httpd",
			Hadolint:      []string{"DL3034"},
			Applicability: Safe,
			Default:       true,
			Check:         func(p *Pass) { checkPkgYes(p, zypperManagers) },
		},
		{
			Name:  "npm-cache-clean",
			Title: "npm install without npm cache clean",
			Doc: "npm keeps every package it downloads in ~/.npm, which then stays in the image " +
				"layer. The fix appends `npm cache clean --force` after the last npm install " +
				"(install, i, ci, update...) in the same RUN. Not reported when the RUN already " +
				"cleans after it, when a cache or tmpfs mount holds the npm cache, or in a build " +
				"stage that neither is the last one nor is built on by a later FROM (its layers " +
				"do not reach the image).",
			Before:        "RUN npm ci",
			After:         "RUN npm ci && npm cache clean --force",
			Applicability: Safe,
			Default:       true,
			Check:         func(p *Pass) { checkPkgClean(p, npmManagers) },
		},
		{
			Name:  "yarn-cache-clean",
			Title: "yarn install without yarn cache clean",
			Doc: "yarn keeps every package it downloads in its cache " +
				"(/usr/local/share/.cache/yarn for root), which then stays in the image layer. " +
				"The fix appends `yarn cache clean` after the last yarn install (`yarn`, yarn " +
				"install, add, global add) in the same RUN. Not reported when the RUN already " +
				"cleans after it, when a cache or tmpfs mount holds the yarn cache, or in a " +
				"build stage that neither is the last one nor is built on by a later FROM. " +
				"Where the stage shows signs of Yarn 2+ (corepack, `yarn set version`, " +
				"--immutable, .yarnrc.yml), or a COPY brings in from the build context a project " +
				"with a .yarnrc.yml, a .yarn/releases folder or a package.json whose " +
				"packageManager is yarn@2 or later, the finding is advice only: with Plug'n'Play " +
				"the cache is where the packages are loaded from.",
			Before:        "RUN yarn install --frozen-lockfile",
			After:         "RUN yarn install --frozen-lockfile && yarn cache clean",
			Hadolint:      []string{"DL3060"},
			Applicability: Safe,
			FixNote:       "display-only for Yarn 2+",
			Default:       true,
			Check:         func(p *Pass) { checkPkgClean(p, yarnManagers) },
		},
		{
			Name:  "wget-progress",
			Title: "wget without --progress",
			Doc: "wget's default progress bar turns into thousands of lines in a build log. " +
				"The fix adds --progress=dot:giga right after `wget` (one dot per megabyte " +
				"block). Not reported when wget is already told how to report: -q, --quiet, " +
				"-nv, --no-verbose, --progress, or a log file (-o, -a). In an Alpine or busybox " +
				"stage wget is busybox's, which does not know --progress, unless the stage " +
				"installs GNU wget before the call: there the fix adds -q instead (hadolint " +
				"accepts it, GNU wget knows it too). So it does in a Red Hat family stage (or one " +
				"that runs dnf or microdnf): Fedora 40 and later and RHEL 10 install wget2 as " +
				"wget, which rejects --progress=dot:giga. In both, the finding is advice only when the " +
				"command's standard error is redirected or piped (-q would also silence what " +
				"is read there).",
			Before:        "RUN wget https://example.com/app.tar.gz",
			After:         "RUN wget --progress=dot:giga https://example.com/app.tar.gz",
			Hadolint:      []string{"DL3047"},
			Applicability: Safe,
			FixNote:       "-q where wget is busybox's or may be wget2; display-only when its stderr is read",
			Default:       true,
			Check:         checkWgetProgress,
		},
	}
}

// pkgManager is what the clean and yes rules know about one package manager program,
// declared as data.
type pkgManager struct {
	name      string          // as shown in messages
	commands  []string        // the command names it answers to
	valueOpts map[string]bool // options whose value is the next word (unless written --opt=value)
	// cacheDirs are where it keeps its cache: a cache mount there means cleaning is
	// wrong, an rm there cleans it. "*/x" matches x in any home folder.
	cacheDirs []string
	cacheEnv  []string // environment variables that move the cache

	// For the clean rules. Subcommands are word sequences: "global add"; "" is the
	// bare command with options only.
	fills  []string // subcommands that fill the cache
	cleans []string // subcommands that empty it
	clean  []string // commands appended to empty it; %s is the command word as written
	// liveStagesOnly: report only in stages whose layers reach an image (the last
	// stage, or one a later FROM builds on), as hadolint does for yarn.
	liveStagesOnly bool
	// berryAdvice: only advise, do not clean, where the stage looks like Yarn 2+.
	berryAdvice bool
	// offline are options that make a command read the cache instead of the network
	// (yum -C, npm --prefer-offline): when a later command uses one, cleaning would
	// break it. A command with one of cacheOnly does not download, so it does not fill
	// the cache.
	offline   []string
	cacheOnly []string

	// For the yes rules.
	prompts   []string // subcommands that ask for confirmation
	yesLong   []string // long options (and --setopt values) that answer yes
	yesShort  string   // short option letters that answer yes anywhere
	yesGlobal string   // short option letters that answer yes only before the subcommand
	noLong    []string // options that answer no (a dry run): such commands are left alone
	yesFlag   string   // the option the fix adds
	// yesAfterCommand: the option is global and goes right after the command word;
	// otherwise it goes right after the subcommand.
	yesAfterCommand bool
}

var rpmValueOpts = map[string]bool{
	"-c": true, "--config": true, "-d": true, "--debuglevel": true, "-e": true, "--errorlevel": true,
	"-R": true, "--randomwait": true, "-x": true, "--exclude": true, "--installroot": true,
	"--releasever": true, "--enablerepo": true, "--disablerepo": true, "--setopt": true,
	"--repo": true, "--repoid": true, "--forcearch": true, "--downloaddir": true, "--destdir": true,
	"--color": true, "--rpmverbosity": true, "--comment": true, "--advisory": true, "--advisories": true,
	"--bz": true, "--cve": true, "--sec-severity": true, "--secseverity": true, "--repofrompath": true,
	"--disableplugin": true, "--enableplugin": true, "--exclude-from": true,
}

var (
	rpmFills = []string{
		"install", "groupinstall", "localinstall", "reinstall", "update", "upgrade",
		"update-minimal", "upgrade-minimal", "downgrade", "distro-sync", "swap",
		"group install", "groups install", "group update", "group upgrade", "groupupdate",
	}
	dnfFills = append([]string{"in", "rei", "up", "up-min", "dg", "dsync", "module install", "module update"}, rpmFills...)

	rpmPrompts = append([]string{
		"remove", "erase", "autoremove", "groupremove", "group remove", "groups remove",
	}, rpmFills...)
	dnfPrompts = append([]string{
		"rm", "module enable", "module disable", "module reset", "module remove", "module switch-to",
	}, append(rpmPrompts, dnfFills...)...)
)

var yumManagers = []*pkgManager{{
	name: "yum", commands: []string{"yum"}, valueOpts: rpmValueOpts,
	cacheDirs: []string{"/var/cache/yum"},
	fills:     rpmFills, cleans: []string{"clean"},
	clean:   []string{"%s clean all", "rm -rf /var/cache/yum"},
	offline: []string{"-C", "--cacheonly"}, cacheOnly: []string{"-C", "--cacheonly"},
	prompts: rpmPrompts, yesLong: []string{"--assumeyes", "assumeyes=1", "assumeyes=true", "assumeyes=True"},
	yesShort: "y", noLong: []string{"--assumeno"}, yesFlag: "-y",
}}

var dnfManagers = []*pkgManager{
	{
		name: "dnf", commands: []string{"dnf", "dnf5", "dnf-3"}, valueOpts: rpmValueOpts,
		// /var/cache/yum is a link to /var/cache/dnf on Enterprise Linux 8.
		cacheDirs: []string{"/var/cache/dnf", "/var/cache/libdnf5", "/var/cache/yum"},
		fills:     dnfFills, cleans: []string{"clean"},
		clean:   []string{"%s clean all"},
		offline: []string{"-C", "--cacheonly"}, cacheOnly: []string{"-C", "--cacheonly"},
		prompts: dnfPrompts, yesLong: []string{"--assumeyes", "assumeyes=1", "assumeyes=true", "assumeyes=True"},
		yesShort: "y", noLong: []string{"--assumeno"}, yesFlag: "-y",
	},
	{
		name: "microdnf", commands: []string{"microdnf"}, valueOpts: rpmValueOpts,
		cacheDirs: []string{"/var/cache/yum", "/var/cache/libdnf5", "/var/cache/dnf"},
		fills:     dnfFills, cleans: []string{"clean"},
		clean:   []string{"%s clean all"},
		prompts: dnfPrompts, yesLong: []string{"--assumeyes"},
		yesShort: "y", noLong: []string{"--assumeno"}, yesFlag: "-y",
	},
}

var zypperManagers = []*pkgManager{{
	name: "zypper", commands: []string{"zypper"},
	valueOpts: map[string]bool{
		"-c": true, "--config": true, "-R": true, "--root": true, "--reposd-dir": true, "-D": true,
		"-C": true, "--cache-dir": true, "--raw-cache-dir": true, "--solv-cache-dir": true,
		"--pkg-cache-dir": true, "--userdata": true, "-r": true, "--repo": true, "-t": true, "--type": true,
		"--from": true, "--releasever": true, "--installroot": true,
	},
	cacheDirs: []string{"/var/cache/zypp"},
	fills: []string{
		"install", "in", "update", "up", "patch", "dist-upgrade", "dup", "source-install", "si",
	},
	cleans:  []string{"clean", "cc"},
	clean:   []string{"%s clean --all"},
	offline: []string{"--no-refresh"},
	prompts: []string{
		"install", "in", "remove", "rm", "source-install", "si", "patch", "update", "up",
		"dist-upgrade", "dup",
	},
	yesLong: []string{"--non-interactive", "--no-confirm"}, yesShort: "y", yesGlobal: "n",
	yesFlag: "--non-interactive", yesAfterCommand: true,
}}

var npmManagers = []*pkgManager{{
	name: "npm", commands: []string{"npm"},
	valueOpts: map[string]bool{
		"--prefix": true, "-C": true, "--cache": true, "--registry": true, "--loglevel": true,
		"--userconfig": true, "--globalconfig": true, "-w": true, "--workspace": true,
		"--only": true, "--omit": true, "--include": true, "--tag": true,
	},
	cacheDirs: []string{"/root/.npm", "*/.npm"},
	cacheEnv:  []string{"npm_config_cache", "NPM_CONFIG_CACHE"},
	fills: []string{
		"install", "i", "in", "ins", "inst", "insta", "instal", "isnt", "isnta", "isntal", "isntall",
		"add", "ci", "clean-install", "ic", "install-clean", "isntall-clean", "install-test", "it",
		"install-ci-test", "cit", "update", "up", "upgrade", "udpate",
	},
	cleans:         []string{"cache clean", "cache clear", "cache rm"},
	clean:          []string{"%s cache clean --force"},
	offline:        []string{"--offline", "--prefer-offline"},
	cacheOnly:      []string{"--offline"},
	liveStagesOnly: true,
}}

var yarnManagers = []*pkgManager{{
	name: "yarn", commands: []string{"yarn"},
	valueOpts: map[string]bool{
		"--cwd": true, "--cache-folder": true, "--modules-folder": true, "--global-folder": true,
		"--registry": true, "--network-timeout": true, "--mutex": true, "--link-folder": true,
		"--preferred-cache-folder": true, "--use-yarnrc": true,
	},
	cacheDirs:      []string{"/usr/local/share/.cache/yarn", "*/.cache/yarn", "*/.yarn/berry/cache"},
	cacheEnv:       []string{"YARN_CACHE_FOLDER"},
	fills:          []string{"", "install", "add", "global add"},
	cleans:         []string{"cache clean"},
	clean:          []string{"%s cache clean"},
	offline:        []string{"--offline", "--prefer-offline"},
	cacheOnly:      []string{"--offline"},
	liveStagesOnly: true,
	berryAdvice:    true,
}}

// pkgCall is one call of a package manager found in a RUN.
type pkgCall struct {
	call  *syntax.CallExpr
	cmd   int      // index of the command word
	sub   []int    // indexes of the first (up to two) words that are not options
	words []string // their text
}

// pkgCommands returns the command names of the managers, for shellRuns.
func pkgCommands(managers []*pkgManager) []string {
	var out []string
	for _, m := range managers {
		out = append(out, m.commands...)
	}
	return out
}

// pkgCalls returns the calls of m's programs in the script, in source order.
func pkgCalls(s *shell.Script, m *pkgManager) []pkgCall {
	if !s.Runs(m.commands...) {
		return nil
	}
	var out []pkgCall
	s.Commands(func(c *syntax.CallExpr, name string, i int) {
		if i < 0 || !pkgContains(m.commands, name) {
			return
		}
		pc := pkgCall{call: c, cmd: i}
		for from := i + 1; len(pc.sub) < 2; {
			j := shell.Subcommand(c, from, m.valueOpts)
			if j < 0 {
				break
			}
			v, _ := shell.PlainWord(c.Args[j])
			pc.sub = append(pc.sub, j)
			pc.words = append(pc.words, v)
			from = j + 1
		}
		out = append(out, pc)
	})
	return out
}

// match reports whether the call's subcommand is one of subs: word sequences such as
// "install" or "group install", or "" for the bare command with options only. It
// returns the index of the last subcommand word matched (of the command word for "").
// A call whose words cannot be read ($OPTS before the subcommand) matches nothing.
func (pc pkgCall) match(subs []string) (int, bool) {
	for _, x := range subs {
		if x == "" {
			if len(pc.sub) == 0 && pkgPlainFrom(pc.call, pc.cmd+1) &&
				!shell.HasWord(pc.call, pc.cmd+1, []string{"-v", "--version", "-h", "--help"}) {
				return pc.cmd, true
			}
			continue
		}
		xs := strings.Split(x, " ")
		if len(xs) <= len(pc.words) && slices.Equal(xs, pc.words[:len(xs)]) {
			return pc.sub[len(xs)-1], true
		}
	}
	return -1, false
}

// pkgPlainFrom reports whether every word of the call from index from on is plain text.
func pkgPlainFrom(c *syntax.CallExpr, from int) bool {
	for _, w := range c.Args[min(from, len(c.Args)):] {
		if _, ok := shell.PlainWord(w); !ok {
			return false
		}
	}
	return true
}

func pkgContains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// pkgPrefix returns the words that run the call's program as another user (`sudo`,
// `sudo -E`), as written, with a trailing space, so that an appended command runs the
// same way; "" when there are none.
func pkgPrefix(c *syntax.CallExpr, cmd int) string {
	for j := 0; j < cmd; j++ {
		v, _ := shell.Lit(c.Args[j])
		if path.Base(v) != "sudo" {
			continue
		}
		var words []string
		for k := j; k < cmd; k++ {
			w, _ := shell.Lit(c.Args[k])
			if k > j && !strings.HasPrefix(w, "-") {
				break
			}
			words = append(words, w)
		}
		return strings.Join(words, " ") + " "
	}
	return ""
}

// pkgCacheMount reports whether a cache or tmpfs mount of the RUN holds one of the
// cache folders ("*/x" matches x in any home folder).
func pkgCacheMount(in *rewrite.Instruction, dirs []string) bool {
	var abs []string
	for _, d := range dirs {
		if rest, ok := strings.CutPrefix(d, "*/"); ok {
			if pkgMountUnderHome(in, rest) {
				return true
			}
			continue
		}
		abs = append(abs, d)
	}
	return len(abs) > 0 && CacheMountCovers(in, abs...)
}

// pkgMountUnderHome reports whether a cache or tmpfs mount target is rest (".npm",
// ".cache/pip") in some folder, a folder inside it, or one of its parents below that
// folder (".cache").
func pkgMountUnderHome(in *rewrite.Instruction, rest string) bool {
	for _, m := range Mounts(in) {
		if m.Type != "cache" && m.Type != "tmpfs" || m.Target == "" {
			continue
		}
		if strings.Contains(m.Target+"/", "/"+rest+"/") {
			return true
		}
		for p := path.Dir(rest); p != "." && p != "/"; p = path.Dir(p) {
			if strings.HasSuffix(m.Target, "/"+p) {
				return true
			}
		}
	}
	return false
}

// pkgRmCleans reports whether c is an rm that deletes one of the cache folders, its
// contents, or a folder holding it. `~` and $HOME stand for any home folder; a
// command substitution that asks one of tools for its cache folder (`$(yarn cache
// dir)`) names the cache.
func pkgRmCleans(c *syntax.CallExpr, dirs []string, tools []string) bool {
	name, i := shell.CommandName(c)
	if name != "rm" {
		return false
	}
	for _, w := range c.Args[i+1:] {
		if pkgAsksCacheDir(w, tools) {
			return true
		}
		p, ok := shell.ReadWord(w, pkgPathWord)
		if !ok || strings.HasPrefix(p, "-") {
			continue
		}
		for _, d := range dirs {
			if pkgPathCovers(p, d) {
				return true
			}
		}
	}
	return false
}

// pkgAsksCacheDir reports whether a word is (or quotes) a command substitution that
// runs one of tools with a `cache` word: `$(yarn cache dir)`, "$(pip cache dir)".
func pkgAsksCacheDir(w *syntax.Word, tools []string) bool {
	parts := w.Parts
	if len(parts) == 1 {
		if dq, ok := parts[0].(*syntax.DblQuoted); ok {
			parts = dq.Parts
		}
	}
	if len(parts) != 1 {
		return false
	}
	cs, ok := parts[0].(*syntax.CmdSubst)
	if !ok || len(cs.Stmts) != 1 {
		return false
	}
	c, ok := cs.Stmts[0].Cmd.(*syntax.CallExpr)
	if !ok {
		return false
	}
	name, i := shell.CommandName(c)
	return i >= 0 && pkgContains(tools, name) && shell.HasWord(c, i+1, []string{"cache"})
}

// pkgPathCovers reports whether deleting p (which may end in /*, and may start with
// ~/ for a home folder) deletes the cache folder d or everything in it.
func pkgPathCovers(p, d string) bool {
	p = strings.TrimSuffix(strings.TrimSuffix(p, "*"), "/")
	if strings.HasPrefix(p, "~/") || p == "~" {
		p = "*" + strings.TrimPrefix(p, "~")
		if !strings.HasPrefix(d, "*/") && !strings.HasPrefix(d, "/root/") {
			return false
		}
		if strings.HasPrefix(d, "/root/") {
			d = "*" + strings.TrimPrefix(d, "/root")
		}
	} else if strings.HasPrefix(d, "*/") {
		// An absolute p against a folder in any home: compare what follows the home.
		rest := strings.TrimPrefix(d, "*")
		if strings.HasSuffix(p, rest) || strings.Contains(p, rest+"/") {
			return true
		}
		for q := path.Dir(rest); q != "/" && q != "."; q = path.Dir(q) {
			if strings.HasSuffix(p, q) {
				return true
			}
		}
		return false
	}
	if p == "" || p == "*" {
		return false
	}
	return d == p || strings.HasPrefix(d, p+"/") || strings.HasPrefix(p, d+"/")
}

// pkgPathWord reads a path word: literal text, quoted text without expansions, globs
// and escapes kept as written; a leading $HOME or ${HOME} reads as ~.
var pkgPathWord = shell.WordOptions{Globs: true, Escapes: shell.EscapesKeep, DollarSingle: true, DollarDouble: true,
	Expansion: func(part syntax.WordPart, first bool) (string, bool) {
		x, ok := part.(*syntax.ParamExp)
		if !ok || !first || x.Param == nil || x.Param.Value != "HOME" || x.Exp != nil || x.Index != nil || x.Length || x.Slice != nil || x.Repl != nil {
			return "", false
		}
		return "~", true
	}}

// pkgVars returns the environment a RUN sees from the Dockerfile as the package rules
// read it: ENV values as written, and the ARGs' defaults (a global one for an ARG
// without one).
func pkgVars(p *Pass, in *rewrite.Instruction) Vars {
	return p.Facts.Vars(in, VarOptions{Args: ArgDefaultIfAny, Values: ValuesAsWritten})
}

// pkgEnvSet returns the value a variable gets from the Dockerfile or from the RUN
// itself before the node: an assignment prefix of the call, `export NAME=...` earlier in
// the script, or an `env NAME=...` wrapper.
func pkgEnvSet(s *shell.Script, c *syntax.CallExpr, vars Vars, name string) (string, bool) {
	for _, a := range c.Assigns {
		if a.Name != nil && a.Name.Value == name {
			return pkgAssignValue(a), true
		}
	}
	_, cmd := shell.CommandName(c)
	for j := 0; j < cmd; j++ {
		if v, ok := shell.Lit(c.Args[j]); ok {
			if k, val, ok := strings.Cut(v, "="); ok && k == name {
				return val, true
			}
		}
	}
	val, found := "", false
	syntax.Walk(s.File, func(n syntax.Node) bool {
		d, ok := n.(*syntax.DeclClause)
		if !ok || d.Variant == nil || d.Variant.Value != "export" || d.Pos().Offset() >= c.Pos().Offset() {
			return true
		}
		for _, a := range d.Args {
			if a.Name != nil && a.Name.Value == name && !a.Naked {
				val, found = pkgAssignValue(a), true
			}
		}
		return true
	})
	if found {
		return val, true
	}
	return vars.Known(name)
}

func pkgAssignValue(a *syntax.Assign) string {
	if a.Value == nil {
		return ""
	}
	if v, ok := shell.PlainWord(a.Value); ok {
		return v
	}
	return "$" // set, to something computed
}
