package fix

import (
	"testing"
)

func TestAptAnswers(t *testing.T) {
	for _, tc := range []struct {
		cmd  string
		want bool
	}{
		{"apt-get install x", false},
		{"apt-get install -y x", true},
		{"apt-get install x -y", true},
		{"apt-get -y install x", true},
		{"apt-get --yes install x", true},
		{"apt-get --assume-yes install x", true},
		{"apt-get --assume-yes=false install x", false},
		{"apt-get install -yq x", true},
		{"apt-get install -qy x", true},
		{"apt-get install -q x", false},
		{"apt-get install --quiet x", false},
		{"apt-get install -qq x", true},
		{"apt-get install -q -q x", true},
		{"apt-get -q install -q x", true},
		{"apt-get install -q=2 x", true},
		{"apt-get install -q=1 x", false},
		{"apt-get install --quiet=2 x", true},
		{"apt-get install --quiet --quiet x", true},
		{"apt-get -o quiet=2 install x", true},
		{"apt-get -o APT::Get::Assume-Yes=true install x", true},
		{"apt-get -o APT::Get::Assume-Yes=false install x", false},
		{"apt-get -oAPT::Get::Assume-Yes=1 install x", true},
		{"apt-get --option=apt::get::assume-yes=yes install x", true},
		{"apt-get -o Dpkg::Options::=--force-confold install x", false},
		{"apt-get -t stable install x", false},
		{"apt-get -s install x", true},
		{"apt-get install --simulate x", true},
		{"apt-get install --dry-run x", true},
		{"apt-get --assume-no upgrade", true},
		{"apt-get -f install", false},
		{"apt-get -fy install", true},
		{"apt-get install -- -y", false},
		{"apt-get install \"-y\" x", true},
		{"apt-get install $OPTS x", false},
	} {
		c := pkgParseCall(t, tc.cmd)
		if got := aptAnswers(c, 1); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.cmd, got, tc.want)
		}
	}
}

func TestAptRemovesLists(t *testing.T) {
	for _, tc := range []struct {
		cmd  string
		want bool
	}{
		{"rm -rf /var/lib/apt/lists/*", true},
		{"rm -r /var/lib/apt/lists/*", true},
		{"rm -fr /var/lib/apt/lists", true},
		{"rm -rf /var/lib/apt/lists/", true},
		{"rm -rf /var/lib/apt/*", true},
		{"rm -rf /tmp/* /var/lib/apt/lists/*", true},
		{"rm -rf '/var/lib/apt/lists'/*", true},
		{"sudo rm -rf /var/lib/apt/lists/*", true},
		{"rm -rf /var/lib/apt/lists/partial", false},
		{"rm -rf /var/cache/apt/*", false},
		{"rm -rf $LISTS", false},
		{"rm -rf /var/lib/apt/lists/*.gz", false},
		{"find /var/lib/apt/lists -type f -delete", true},
		{"find /var/cache/apt/archives /var/lib/apt/lists -not -name lock -type f -delete", true},
		{"find /var/lib/apt/lists -type f -exec rm {} +", true},
		{"find /var/lib/apt/lists -type f", false},
		{"find /tmp -delete", false},
		{"apt-get dist-clean", true},
		{"apt-get distclean", true},
		{"apt-get clean", false},
		{"echo rm -rf /var/lib/apt/lists/*", false},
	} {
		c := pkgParseCall(t, tc.cmd)
		if got := aptRemovesLists(c); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.cmd, got, tc.want)
		}
	}
}

func TestAptRemovesListsInside(t *testing.T) {
	for _, tc := range []struct {
		cmd  string
		want bool
	}{
		{`bash -c "apt-get install -y x && rm -rf /var/lib/apt/lists/*"`, true},
		{`sh -ec 'apt-get install -y x; rm -rf /var/lib/apt/lists/*'`, true},
		{`bash -c "echo \"$PKG\" && rm -rf /var/lib/apt/lists/*"`, true},
		{`bash -c "apt-get install -y x"`, false},
		{`bash -c "$SCRIPT"`, false},
		{`bash script.sh /var/lib/apt/lists`, false},
		{`bash -c "rm -rf /var/lib/apt/lists/* (("`, false}, // does not parse
	} {
		c := pkgParseCall(t, tc.cmd)
		if got := aptRemovesListsInside(c); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.cmd, got, tc.want)
		}
	}
}
