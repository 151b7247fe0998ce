package fix

import (
	"strings"
	"testing"

	"github.com/dfix-dev/dfix/fix/shell"
	"github.com/dfix-dev/dfix/rewrite"
	"mvdan.cc/sh/v3/syntax"
)

func TestAptGetSubcommand(t *testing.T) {
	for _, tc := range []struct {
		cmd     string
		sub     string // "" when none is found
		setsRec bool
	}{
		{"apt-get install -y curl", "install", false},
		{"apt-get -y install curl", "install", false},
		{"apt-get -qq -y install curl", "install", false},
		{"apt-get install --no-install-recommends curl", "install", true},
		{"apt-get install curl --no-install-recommends", "install", true},
		{"apt-get install --install-recommends curl", "install", true},
		{"apt-get install --install-recommends=false curl", "install", true},
		{"apt-get -o APT::Install-Recommends=false install curl", "install", true},
		{"apt-get -o apt::install-recommends=0 install curl", "install", true},
		{"apt-get -oAPT::Install-Recommends=false install curl", "install", true},
		{"apt-get --option APT::Install-Recommends=false install curl", "install", true},
		{"apt-get --option=APT::Install-Recommends=false install curl", "install", true},
		{`apt-get -o "APT::Install-Recommends=false" install curl`, "install", true},
		{"apt-get -o APT::Install-Recommends-Sections=admin install curl", "install", false},
		{"apt-get -o Dpkg::Options::=--force-confold install curl", "install", false},
		{"apt-get -t bookworm-backports install curl", "install", false},
		{"apt-get --target-release=bookworm-backports install curl", "install", false},
		{"apt-get -a arm64 install curl", "install", false},
		{"apt-get -c /etc/apt/my.conf install curl", "install", false},
		{"apt-get $OPTS install curl", "", false},
		{"apt-get install $PKGS", "install", false},
		{"apt-get update", "update", false},
		{"apt-get", "", false},
	} {
		f, err := syntax.NewParser().Parse(strings.NewReader(tc.cmd), "")
		if err != nil {
			t.Fatalf("%s: %v", tc.cmd, err)
		}
		c := f.Stmts[0].Cmd.(*syntax.CallExpr)
		_, i := shell.CommandName(c)
		sub, set := aptGetSubcommand(c, i+1)
		got := ""
		if sub >= 0 {
			got, _ = shell.Lit(c.Args[sub])
		}
		if got != tc.sub || set != tc.setsRec {
			t.Errorf("%s: subcommand %q, recommends set %v; want %q, %v", tc.cmd, got, set, tc.sub, tc.setsRec)
		}
	}
}

// The two tables must not disagree: a package either brings ca-certificates by a
// dependency or only through a Recommends.
func TestCATablesDisjoint(t *testing.T) {
	for name, why := range caTLSClients {
		if caDependents[name] {
			t.Errorf("%s is both a TLS client that only recommends ca-certificates and a package that depends on it", name)
		}
		if why == "" {
			t.Errorf("%s: no reason given", name)
		}
	}
}

func TestAptInstallPkgs(t *testing.T) {
	vars := Vars{"PKGS": {Value: "curl jq"}, "ONE": {Value: "wget"}, "COMPUTED": {Value: "$"}}
	for _, tc := range []struct {
		cmd  string
		want string // the package names, space separated
		ok   bool
	}{
		{"apt-get install -y curl jq", "curl jq", true},
		{"apt-get install curl -y --no-install-recommends", "curl", true},
		{"apt-get install -t bookworm-backports curl/bookworm-backports", "curl", true},
		{"apt-get install -o Dpkg::Options::=--force-confold curl=7.88.1-10 libc6:amd64", "curl libc6", true},
		{`apt-get install "curl" 'jq'`, "curl jq", true},
		{"apt-get install $PKGS git", "curl jq git", true},
		{`apt-get install "$ONE"`, "wget", true},
		{"apt-get install ${ONE}", "wget", true},
		{"apt-get install $UNKNOWN curl", "curl", false},
		{"apt-get install $COMPUTED curl", "curl", false},
		{"apt-get install ${ONE:-x} curl", "curl", false},
		{"apt-get install $(cat list) curl", "curl", false},
		{"apt-get install 'python3-*'", "", false},
		{"apt-get install '~nfoo'", "", false},
		{"X=git apt-get install $X", "", false},       // the prefix does not reach the words
		{"ONE=curl; apt-get install $ONE", "", false}, // set by the RUN: not followed
		{"for ONE in a b; do apt-get install $ONE; done", "", false},
	} {
		doc, err := rewrite.Parse("Dockerfile", []byte("FROM debian\nRUN "+tc.cmd+"\n"))
		if err != nil {
			t.Fatal(err)
		}
		s, err := shell.Parse(doc.Instructions[1])
		if err != nil {
			t.Fatal(err)
		}
		var c *syntax.CallExpr
		s.Calls(func(x *syntax.CallExpr) {
			if name, _ := shell.CommandName(x); name == "apt-get" {
				c = x
			}
		})
		_, i := shell.CommandName(c)
		sub, _ := aptGetSubcommand(c, i+1)
		pkgs, ok := aptInstallPkgs(s, c, sub, vars)
		var names []string
		for _, p := range pkgs {
			names = append(names, p.name)
		}
		if got := strings.Join(names, " "); got != tc.want || ok != tc.ok {
			t.Errorf("%s: %q, %v; want %q, %v", tc.cmd, got, ok, tc.want, tc.ok)
		}
	}
}

func TestNoInstallRecommendsTitle(t *testing.T) {
	rule := Lookup(Rules(), "no-install-recommends")
	for _, tc := range []struct {
		body, title string
	}{
		{"apt-get install -y curl", "Add --no-install-recommends and ca-certificates (curl needs it for https)"},
		{"apt-get install -y curl git wget=1.21 curl", "Add --no-install-recommends and ca-certificates (curl, git and wget need it for https)"},
		{"apt-get install -y gnupg", "Add --no-install-recommends"},
		{"apt-get install -y curl ca-certificates", "Add --no-install-recommends"},
	} {
		doc, err := rewrite.Parse("Dockerfile", []byte("FROM debian:bookworm\nRUN "+tc.body+"\n"))
		if err != nil {
			t.Fatal(err)
		}
		diags := Check(doc, []*Rule{rule})
		if len(diags) != 1 || diags[0].Fix == nil {
			t.Fatalf("%s: %d findings", tc.body, len(diags))
		}
		if got := diags[0].Fix.Title; got != tc.title {
			t.Errorf("%s: title %q, want %q", tc.body, got, tc.title)
		}
	}
}
