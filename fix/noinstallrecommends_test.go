package fix

import (
	"strings"
	"testing"

	"github.com/dfix-dev/dfix/fix/shell"
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
