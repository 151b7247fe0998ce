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
	var stages *Stages
	for s := range shellRuns(p, "apt-get") {
		if !s.Runs("apt-get") {
			continue
		}
		s.Commands(func(c *syntax.CallExpr, name string, i int) {
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
			fix := &Fix{
				Title:         "Add --no-install-recommends",
				Applicability: Unsafe,
				Edits:         []rewrite.Edit{{Start: at, End: at, New: " --no-install-recommends"}},
			}
			if stages == nil {
				stages = p.Facts.Stages()
			}
			// The list is read once for every package a Recommends used to bring.
			if pkgs, ok := aptInstallPkgs(s, c, sub, pkgVars(p, s.In)); ok && len(pkgs) > 0 {
				var add []string
				for _, need := range recNeeds {
					if clients := recommendedNeed(p, stages, s, c, pkgs, need); clients != nil {
						fix.Title += " and " + need.pkg + " (" + neededBy(clients) + " " + need.purpose + ")"
						add = append(add, need.pkg)
					}
				}
				if len(add) > 0 {
					fix.Edits = append(fix.Edits, addPackagesEdit(p, s, pkgs[len(pkgs)-1].w, add))
				}
			}
			p.Report(Diagnostic{
				Start:   start,
				End:     end,
				Message: "apt-get install without --no-install-recommends",
				Fix:     fix,
			})
		})
	}
}

// caTLSClients are Debian packages that talk TLS with the system's certificates but
// reach ca-certificates only through a Recommends, with why. Installed with
// recommends they bring it; with --no-install-recommends they do not, and https fails
// in the image. Taken from Debian bookworm's metadata (`apt-cache rdepends
// --recommends ca-certificates`, `apt-cache show`) and checked on debian:bookworm-slim
// with `apt-get install -s [--no-install-recommends] PKG`: ca-certificates is in the
// first plan and not in the second. Not here because they do not bring ca-certificates
// even with recommends: gnupg, gpg, dirmngr, openssl, subversion, lftp, lynx, rsync,
// openssh-client, golang-go.
var caTLSClients = map[string]string{
	"curl":                 "libcurl4 recommends it",
	"libcurl4":             "libcurl recommends it",
	"libcurl3-gnutls":      "libcurl recommends it",
	"libcurl3-nss":         "libcurl recommends it",
	"libcurl4-openssl-dev": "libcurl4 recommends it",
	"libcurl4-gnutls-dev":  "libcurl3-gnutls recommends it",
	"libcurl4-nss-dev":     "libcurl3-nss recommends it",
	"php-curl":             "libcurl4 recommends it",
	"python3-pycurl":       "libcurl3-gnutls recommends it",
	"wget":                 "recommends it",
	"wget2":                "recommends it",
	"aria2":                "recommends it",
	"luarocks":             "downloads with wget, which recommends it",
	"git":                  "recommends it (https remotes)",
	"git-lfs":              "git recommends it",
	"git-svn":              "git recommends it",
	"mercurial":            "mercurial-common recommends it",
	"mercurial-common":     "recommends it",
	"cmake":                "libcurl4 recommends it (file(DOWNLOAD), FetchContent)",
	"cargo":                "libcurl3-gnutls recommends it (crates.io)",
	"opam":                 "recommends it",
	"python3":              "python3.11 recommends it (the ssl module reads the system certificates)",
	"python3.11":           "recommends it (the ssl module reads the system certificates)",
	"python3-dev":          "python3.11 recommends it",
	"python3-urllib3":      "recommends it",
	"awscli":               "python3.11 recommends it",
	"s3cmd":                "python3.11 recommends it",
	"nodejs":               "recommends it (Debian's node reads the system certificates)",
	"w3m":                  "recommends it",
	"links":                "recommends it",
	"links2":               "recommends it",
	"fetchmail":            "recommends it",
	"msmtp":                "recommends it",
	"clamav-freshclam":     "recommends it",
	"docker.io":            "recommends it",
}

// caDependents are packages that depend on ca-certificates (directly or through
// their dependencies), checked the same way: with them in the list, or installed
// before, --no-install-recommends still installs it.
var caDependents = map[string]bool{
	"ca-certificates": true, "ca-certificates-java": true,
	"python3-pip": true, "python3-pip-whl": true, "python3-venv": true, "python3-full": true,
	"python3.11-full": true, "python3-requests": true, "python3-certifi": true,
	"python3-httplib2": true, "python3-virtualenv": true, "pipx": true, "httpie": true,
	"yt-dlp": true, "youtube-dl": true, "npm": true, "yarnpkg": true,
	"software-properties-common": true, "certbot": true, "dehydrated": true, "git-all": true,
	"openjdk-17-jre-headless": true, "openjdk-17-jre": true, "openjdk-17-jdk-headless": true,
	"openjdk-17-jdk": true, "default-jre": true, "default-jre-headless": true,
	"default-jdk": true, "default-jdk-headless": true, "maven": true, "gradle": true, "ant": true,
	"ruby": true, "ruby-dev": true, "ruby-full": true, "ruby-bundler": true,
	"rubygems-integration": true, "libwww-perl": true, "liblwp-protocol-https-perl": true,
	"r-base": true, "r-base-core": true, "r-base-dev": true,
}

// libcCompilers are C compilers that reach libc6-dev (the C library's headers, crt1.o
// and libc.so) only through a Recommends: with --no-install-recommends gcc cannot
// compile or link a C program ("stdio.h: No such file", "cannot find crt1.o"; proven
// by a build on debian:bookworm-slim). g++, gfortran and clang depend on it.
var libcCompilers = map[string]string{
	"gcc": "recommends it", "gcc-9": "recommends it", "gcc-10": "recommends it",
	"gcc-11": "recommends it", "gcc-12": "recommends it", "gcc-13": "recommends it",
	"gcc-14": "recommends it",
}

// libcDependents bring libc6-dev through their dependencies (Debian bookworm's
// metadata).
var libcDependents = map[string]bool{
	"libc6-dev": true, "libc-dev": true, "build-essential": true,
	"g++": true, "g++-10": true, "g++-11": true, "g++-12": true, "g++-13": true, "g++-14": true,
	"gfortran": true, "gfortran-12": true, "clang": true, "clang-13": true, "clang-14": true,
	"clang-15": true, "clang-16": true, "libstdc++-12-dev": true, "zlib1g-dev": true,
	"python3-dev": true, "python3.11-dev": true, "libpython3-dev": true, "libpython3.11-dev": true,
}

// recNeed is a package that some packages reach only through a Recommends (clients)
// and others depend on (dependents).
type recNeed struct {
	pkg        string
	clients    map[string]string
	dependents map[string]bool
	purpose    string // in the fix's title: "curl needs it " + purpose
}

var recNeeds = []recNeed{
	{"ca-certificates", caTLSClients, caDependents, "for https"},
	{"libc6-dev", libcCompilers, libcDependents, "to compile and link C"},
	// xvfb-run fails without xauth ("xauth command not found", exit code 3; proven by
	// a build on debian:bookworm-slim).
	{"xauth", map[string]string{"xvfb": "recommends it"}, map[string]bool{"xauth": true}, "for xvfb-run"},
}

// neededBy says which packages need a package: "curl needs it", "curl and git need
// it".
func neededBy(names []string) string {
	switch len(names) {
	case 1:
		return names[0] + " needs it"
	default:
		return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1] + " need it"
	}
}

// aptPkg is one package named by an apt install call.
type aptPkg struct {
	name string       // without =version, /release or :arch
	w    *syntax.Word // the word that names it ($PKGS may name several)
}

// aptInstallPkgs returns the packages an apt install call names after its subcommand
// word sub. A $NAME word is read through what the Dockerfile sets it to (ENV, ARG
// defaults), unless the RUN sets it itself. ok is false when some word cannot be read (an
// unknown or computed variable, a command substitution, a glob or an apt pattern); the
// packages that could be read are returned all the same.
func aptInstallPkgs(s *shell.Script, c *syntax.CallExpr, sub int, vars Vars) (pkgs []aptPkg, ok bool) {
	ok = true
	add := func(v string, w *syntax.Word) {
		name := v
		if i := strings.IndexAny(name, "=/:"); i >= 0 {
			name = name[:i]
		}
		if name == "" || strings.Trim(name, "abcdefghijklmnopqrstuvwxyz0123456789.+-") != "" {
			ok = false // an apt pattern, a glob, an option from a variable
			return
		}
		pkgs = append(pkgs, aptPkg{name, w})
	}
	for j := sub + 1; j < len(c.Args); j++ {
		w := c.Args[j]
		if v, plain := shell.PlainWord(w); plain {
			if strings.HasPrefix(v, "-") {
				if aptGetValueOptions[v] {
					j++
				}
				continue
			}
			add(v, w)
			continue
		}
		name, quoted := paramName(w)
		val, known := "", false
		if name != "" && !scriptSets(s, c, name) {
			val, known = vars.Known(name)
		}
		if !known || strings.ContainsAny(val, "$`\\\"'") {
			ok = false
			continue
		}
		if quoted {
			add(val, w)
			continue
		}
		for _, f := range strings.Fields(val) {
			add(f, w)
		}
	}
	return pkgs, ok
}

// scriptSets reports whether the script sets the variable name before the end of
// call c (an assignment, also as a prefix of c, which does not reach c's own words;
// export, local, a for loop): dfix does not follow such values.
func scriptSets(s *shell.Script, c *syntax.CallExpr, name string) bool {
	found := false
	syntax.Walk(s.File, func(n syntax.Node) bool {
		if n == nil || found || n.Pos().Offset() >= c.End().Offset() {
			return false
		}
		switch x := n.(type) {
		case *syntax.Assign:
			found = x.Name != nil && x.Name.Value == name
		case *syntax.WordIter:
			found = x.Name != nil && x.Name.Value == name
		}
		return !found
	})
	return found
}

// paramName returns NAME for a word that is only $NAME or ${NAME}, bare or in double
// quotes; "" for anything else.
func paramName(w *syntax.Word) (name string, quoted bool) {
	parts := w.Parts
	if len(parts) == 1 {
		if dq, ok := parts[0].(*syntax.DblQuoted); ok && !dq.Dollar {
			parts, quoted = dq.Parts, true
		}
	}
	if len(parts) != 1 {
		return "", false
	}
	x, ok := parts[0].(*syntax.ParamExp)
	if !ok || x.Param == nil || x.Exp != nil || x.Index != nil || x.Length || x.Width || x.Excl ||
		x.Slice != nil || x.Repl != nil || x.Names != 0 {
		return "", false
	}
	return x.Param.Value, quoted
}

// recommendedNeed returns the packages of an apt-get install list (pkgs, of the call
// c that --no-install-recommends is about to be added to) that reach need.pkg only
// through a Recommends (curl for ca-certificates), or nil when nothing needs it: no
// such package in the list, or need.pkg (or a package that depends on it) in the list
// or installed before in the stage or a stage it is built on.
func recommendedNeed(p *Pass, stages *Stages, s *shell.Script, c *syntax.CallExpr, pkgs []aptPkg, need recNeed) []string {
	var clients []string
	seen := map[string]bool{}
	for _, pk := range pkgs {
		if need.dependents[pk.name] {
			return nil
		}
		if need.clients[pk.name] != "" && !seen[pk.name] {
			seen[pk.name] = true
			clients = append(clients, pk.name)
		}
	}
	if len(clients) == 0 || installedBefore(p, stages, s, c, need) {
		return nil
	}
	return clients
}

// addPackagesEdit inserts packages after the last package word: each on a line of its
// own, with the same indent, when that word starts its line (a list of one package per
// line), else on the same line.
func addPackagesEdit(p *Pass, s *shell.Script, last *syntax.Word, add []string) rewrite.Edit {
	at := s.FileEnd(last.End())
	start := s.FileOffset(last.Pos())
	li := p.Doc.LineOf(start) - 1
	line := p.Doc.Line(li)
	lineStart := p.Doc.LineStart(li)
	indent := line[:len(line)-len(strings.TrimLeft(line, " \t"))]
	if li > s.In.StartLine-1 && start == lineStart+len(indent) && p.Doc.LineOf(at) == li+1 {
		esc := string(p.Doc.Escape)
		if s.IsHeredoc() && start >= s.In.Heredocs[0].Start {
			esc = `\` // the shell continues a heredoc body's lines, not the Dockerfile
		}
		var b strings.Builder
		for _, pkg := range add {
			b.WriteString(" " + esc + p.Doc.LineEOL(li) + indent + pkg)
		}
		return rewrite.Edit{Start: at, End: at, New: b.String()}
	}
	return rewrite.Edit{Start: at, End: at, New: " " + strings.Join(add, " ")}
}

// installedBefore reports whether need.pkg is in the image before the call c runs: an
// apt install before it in the RUN, in an earlier RUN of the stage or in a stage it is
// built on names need.pkg or a package that depends on it, or names one of its
// clients with recommends on (then either recommends bring it, or this rule adds it
// there).
func installedBefore(p *Pass, stages *Stages, s *shell.Script, c *syntax.CallExpr, need recNeed) bool {
	chain := map[int]bool{}
	for _, st := range stages.chain(s.In.Stage) {
		chain[st] = true
	}
	for _, in := range p.Doc.Instructions {
		if in.Index > s.In.Index {
			break
		}
		if !chain[in.Stage] || !p.Facts.shellRunCandidate(in) {
			continue
		}
		o, err := p.Facts.Script(in)
		if err != nil {
			continue
		}
		for _, ac := range p.Facts.aptCalls(o) {
			if in == s.In && ac.call.Pos().Offset() >= c.Pos().Offset() {
				break
			}
			if ac.word != "install" && ac.word != "reinstall" {
				continue
			}
			pkgs, readable := aptInstallPkgs(o, ac.call, ac.sub, pkgVars(p, in))
			_, recommendsSet := aptGetSubcommand(ac.call, ac.cmd+1)
			for _, pk := range pkgs {
				if need.dependents[pk.name] || readable && !recommendsSet && need.clients[pk.name] != "" {
					return true
				}
			}
		}
	}
	return false
}
