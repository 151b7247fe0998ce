package fix

import (
	"strings"
	"testing"

	"github.com/dfix-dev/dfix/fix/shell"
	"mvdan.cc/sh/v3/syntax"
)

func pkgParseCall(t *testing.T, cmd string) *syntax.CallExpr {
	t.Helper()
	f, err := syntax.NewParser().Parse(strings.NewReader(cmd), "")
	if err != nil {
		t.Fatalf("%s: %v", cmd, err)
	}
	return f.Stmts[0].Cmd.(*syntax.CallExpr)
}

func TestWgetReports(t *testing.T) {
	for _, tc := range []struct {
		cmd  string
		want bool
	}{
		{"wget https://x", false},
		{"wget -q https://x", true},
		{"wget -qO- https://x", true},
		{"wget -O- https://x", false},
		{"wget -O -q https://x", false}, // -q is -O's value
		{"wget -O -", false},
		{"wget -nv https://x", true},
		{"wget -n v https://x", true},
		{"wget -nc https://x", false},
		{"wget -ncv https://x", true},
		{"wget --quiet https://x", true},
		{"wget --no-verbose https://x", true},
		{"wget --progress=bar:force https://x", true},
		{"wget --progress dot https://x", true},
		{"wget -o log https://x", true},
		{"wget -a log https://x", true},
		{"wget --output-file=log https://x", true},
		{"wget --append-output=log https://x", true},
		{"wget --output-document=x https://x", false},
		{"wget -T 30 -t 3 https://x", false},
		{"wget -- -q", false},
	} {
		c := pkgParseCall(t, tc.cmd)
		if got := wgetReports(c, 1); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.cmd, got, tc.want)
		}
	}
}

func TestPipArgs(t *testing.T) {
	for _, tc := range []struct {
		cmd  string
		want int // -1: not pip
	}{
		{"pip install x", 1},
		{"pip3 install x", 1},
		{"pip3.12 install x", 1},
		{"/venv/bin/pip install x", 1},
		{"sudo -H pip install x", 3},
		{"python -m pip install x", 3},
		{"python3 -u -m pip install x", 4},
		{"python3.11 -mpip install x", 2},
		{"python -W ignore -m pip install x", 5},
		{"python -m pipx install x", -1},
		{"python setup.py install", -1},
		{"python -c 'import pip'", -1},
		{"pipx install x", -1},
		{"pipenv install", -1},
		{"$PIP install x", -1},
	} {
		if got := pipArgs(pkgParseCall(t, tc.cmd)); got != tc.want {
			t.Errorf("%s: %d, want %d", tc.cmd, got, tc.want)
		}
	}
}

func TestPipInstallsSomething(t *testing.T) {
	for _, tc := range []struct {
		cmd  string
		want bool
	}{
		{"pip install", false},
		{"pip install --upgrade", false},
		{"pip install -i https://index --user", false},
		{"pip install --upgrade pip", true},
		{"pip install -r requirements.txt", true},
		{"pip install -rrequirements.txt", true},
		{"pip install --requirement=req.txt", true},
		{"pip install -e .", true},
		{"pip install $PKGS", true},
		{"pip install -c constraints.txt", false},
	} {
		if got := pipInstallsSomething(pkgParseCall(t, tc.cmd), 2); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.cmd, got, tc.want)
		}
	}
}

func TestPkgPathCovers(t *testing.T) {
	for _, tc := range []struct {
		path, dir string
		want      bool
	}{
		{"/var/cache/yum", "/var/cache/yum", true},
		{"/var/cache/yum/*", "/var/cache/yum", true},
		{"/var/cache/yum/", "/var/cache/yum", true},
		{"/var/cache/*", "/var/cache/yum", true},
		{"/var/cache/yum/x86_64", "/var/cache/yum", true},
		{"/var/cache/yumx", "/var/cache/yum", false},
		{"/tmp/*", "/var/cache/yum", false},
		{"/*", "/var/cache/yum", false},
		{"~/.npm", "/root/.npm", true},
		{"~/.npm", "*/.npm", true},
		{"/home/node/.npm", "*/.npm", true},
		{"/home/node/.npm/_cacache", "*/.npm", true},
		{"~/.cache", "*/.cache/pip", true},
		{"/root/.cache", "*/.cache/pip", true},
		{"~/.cache/pip", "/var/cache/yum", false},
		{"/usr/local/share/.cache", "/usr/local/share/.cache/yarn", true},
	} {
		if got := pkgPathCovers(tc.path, tc.dir); got != tc.want {
			t.Errorf("%s covers %s: %v, want %v", tc.path, tc.dir, got, tc.want)
		}
	}
}

func TestPkgCallMatch(t *testing.T) {
	find := func(m *pkgManager, cmd string) pkgCall {
		f, err := syntax.NewParser().Parse(strings.NewReader(cmd), "")
		if err != nil {
			t.Fatal(err)
		}
		s := &shell.Script{File: f}
		calls := pkgCalls(s, m)
		if len(calls) != 1 {
			t.Fatalf("%s: %d calls", cmd, len(calls))
		}
		return calls[0]
	}
	for _, tc := range []struct {
		m    *pkgManager
		cmd  string
		subs []string
		want string // the word the match ends on, "" for no match
	}{
		{yumManagers[0], "yum -y install httpd", rpmFills, "install"},
		{yumManagers[0], "yum --setopt tsflags=nodocs install httpd", rpmFills, "install"},
		{yumManagers[0], "yum group install 'Development Tools'", rpmPrompts, "install"},
		{yumManagers[0], "yum list installed", rpmFills, ""},
		{yumManagers[0], "yum $ACTION httpd", rpmFills, ""},
		{yarnManagers[0], "yarn", yarnManagers[0].fills, "yarn"},
		{yarnManagers[0], "yarn --frozen-lockfile", yarnManagers[0].fills, "yarn"},
		{yarnManagers[0], "yarn --version", yarnManagers[0].fills, ""},
		{yarnManagers[0], "yarn $ARGS", yarnManagers[0].fills, ""},
		{yarnManagers[0], "yarn global add x", yarnManagers[0].fills, "add"},
		{yarnManagers[0], "yarn --cwd app install", yarnManagers[0].fills, "install"},
		{npmManagers[0], "npm cache clean --force", npmManagers[0].cleans, "clean"},
		{npmManagers[0], "npm --prefix /app ci", npmManagers[0].fills, "ci"},
	} {
		pc := find(tc.m, tc.cmd)
		w, ok := pc.match(tc.subs)
		got := ""
		if ok {
			got, _ = shell.Lit(pc.call.Args[w])
		}
		if got != tc.want {
			t.Errorf("%s: matched %q, want %q", tc.cmd, got, tc.want)
		}
	}
}
