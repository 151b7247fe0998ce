package shell

import (
	"errors"
	"fmt"
	"testing"

	"github.com/dfix-dev/dfix/rewrite"
	"mvdan.cc/sh/v3/syntax"
)

// heredocScript parses the last instruction of src as a heredoc RUN and describes
// its script: the runner, then each command as name@line:col of its first word.
func heredocScript(t *testing.T, src string) (*rewrite.Document, *Script, string, error) {
	t.Helper()
	doc, err := rewrite.Parse("Dockerfile", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	s, err := ParseHeredocRun(doc.Instructions[len(doc.Instructions)-1])
	if err != nil {
		return doc, nil, "", err
	}
	if !s.IsHeredoc() {
		t.Errorf("script %q: IsHeredoc is false", s.Text)
	}
	d := "runner=" + s.Runner + ":"
	s.Calls(func(c *syntax.CallExpr) {
		name, i := CommandName(c)
		if i < 0 {
			return
		}
		at := s.FileOffset(c.Args[i].Pos())
		d += fmt.Sprintf(" %s@%d:%d", name, doc.LineOf(at), doc.Column(at))
	})
	return doc, s, d, nil
}

func TestHeredocRunsAreReadAsBuildKitRunsThem(t *testing.T) {
	tests := []struct {
		name, src string
		want      string
	}{
		{"a heredoc that is the whole command is the script of the shell in effect",
			"FROM a\nRUN <<EOF\napt-get update\n  apt-get install -y curl\nEOF\n",
			"runner=: apt-get@3:1 apt-get@4:3"},
		{"flags before the heredoc change nothing",
			"FROM a\nRUN --mount=type=cache,target=/var/cache/apt <<EOT\nset -e\napt-get install -y curl\nEOT\n",
			"runner=: set@3:1 apt-get@4:1"},
		{"a single-quoted delimiter is read the same",
			"FROM a\nRUN <<'EOF'\necho \"$HOME\"\nEOF\n",
			"runner=: echo@3:1"},
		{"a double-quoted delimiter is read the same",
			"FROM a\nRUN <<\"END\"\nmake\nEND\n",
			"runner=: make@3:1"},
		{"<<- strips the leading tabs of the body and of the delimiter",
			"FROM a\nRUN <<-EOF\n\tapt-get update\n\t\tpip install flask\n\tEOF\n",
			"runner=: apt-get@3:2 pip@4:3"},
		{"a body with a shebang of a POSIX shell is read by that shell",
			"FROM a\nRUN <<EOF\n#!/usr/bin/env bash\nset -euo pipefail\ncurl -s x | tar x\nEOF\n",
			"runner=bash: set@4:1 curl@5:1 tar@5:13"},
		{"a body fed to bash is bash's script, and the command line is the shell's",
			"FROM a\nRUN <<EOF bash\napt-get install -y curl\nEOF\n",
			"runner=bash: apt-get@3:1"},
		{"a body fed to sh -e is sh's script",
			"FROM a\nRUN <<EOF sh -e\nmake\nEOF\n",
			"runner=sh: make@3:1"},
		{"bash with options before the heredoc reads it as its script",
			"FROM a\nRUN bash -euo pipefail <<-EOF\n\tmake\n\tEOF\n",
			"runner=bash: make@3:2"},
		{"several heredocs are read in order: the command line is the script, the bodies its data",
			"FROM a\nRUN <<FILE1 cat > /a && <<FILE2 sh\none\nFILE1\napt-get install x\nFILE2\n",
			"runner=: cat@2:13 sh@2:33"},
		{"a <<- body after another heredoc is found after its tab-indented delimiter",
			"FROM a\nRUN <<-A cat > /a && cat <<B > /b && touch c\n\tone\n\tA\ntwo\nB\n",
			"runner=: cat@2:10 cat@2:22 touch@2:38"},
		{"a body given to python3 is data, not shell",
			"FROM a\nRUN python3 <<EOF\nimport os\nprint(os.getcwd())\nEOF\n",
			"runner=: python3@2:5"},
		{"cat into a file writes data, and the commands after it are shell",
			"FROM a\nRUN cat <<EOF > /etc/motd && apt-get update\nrm -rf /\nEOF\n",
			"runner=: cat@2:5 apt-get@2:30"},
		{"an expansion in an unquoted body of data is run by the shell",
			"FROM a\nRUN cat <<EOF > /x\n$(id -u)\nEOF\n",
			"runner=: cat@2:5 id@3:3"},
		{"bash -c keeps its standard input as data",
			"FROM a\nRUN bash -c 'cat' <<EOF\nmake\nEOF\n",
			"runner=: bash@2:5"},
		{"an empty body is read",
			"FROM a\nRUN cat <<EOF > /x && true\nEOF\n",
			"runner=: cat@2:5 true@2:23"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, got, err := heredocScript(t, tt.src)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestHeredocBodiesThatAreNotShellAreNotRead(t *testing.T) {
	tests := []struct {
		name, src string
		want      error
	}{
		{"a python shebang", "FROM a\nRUN <<EOF\n#!/usr/bin/env python3\nprint(1)\nEOF\n", ErrNotShell},
		{"a python shebang after <<- tabs", "FROM a\nRUN <<-EOF\n\t#!/usr/bin/python3\n\tprint(1)\n\tEOF\n", ErrNotShell},
		{"CR line endings in the script", "FROM a\r\nRUN <<EOF\r\nmake\r\nEOF\r\n", ErrCRBody},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, _, err := heredocScript(t, tt.src)
			if !errors.Is(err, tt.want) {
				t.Errorf("got %v, want %v", err, tt.want)
			}
		})
	}
}

func TestHeredocDelimitersTheShellReadsOtherwiseAreRefused(t *testing.T) {
	// BuildKit's delimiter is `EOF;` (its words split on blanks only); the shell's is
	// EOF, which never comes: the two would not agree on where the body ends.
	_, _, _, err := heredocScript(t, "FROM a\nRUN cat <<EOF; echo\nx\nEOF;\n")
	if err == nil {
		t.Fatal("the heredoc was read")
	}
}

func TestHeredocPositionsGiveByteExactEdits(t *testing.T) {
	tests := []struct {
		name, src, after, insert, want string
	}{
		{"in a plain body",
			"FROM a\nRUN <<EOF\napt-get install -y curl\nEOF\n", "install", " --no-install-recommends",
			"FROM a\nRUN <<EOF\napt-get install --no-install-recommends -y curl\nEOF\n"},
		{"in a <<- body the tabs stay",
			"FROM a\nRUN <<-EOF\n\t\tapt-get install -y curl\n\tEOF\n", "install", " --no-install-recommends",
			"FROM a\nRUN <<-EOF\n\t\tapt-get install --no-install-recommends -y curl\n\tEOF\n"},
		{"in the body fed to bash",
			"FROM a\nRUN <<EOF bash\necho go\napt-get install -y curl\nEOF\n", "install", " --no-install-recommends",
			"FROM a\nRUN <<EOF bash\necho go\napt-get install --no-install-recommends -y curl\nEOF\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, s, _, err := heredocScript(t, tt.src)
			if err != nil {
				t.Fatal(err)
			}
			var at int = -1
			s.Calls(func(c *syntax.CallExpr) {
				for _, w := range c.Args {
					if v, _ := Lit(w); v == tt.after {
						at = s.FileEnd(w.End())
					}
				}
			})
			if at < 0 {
				t.Fatalf("no word %q", tt.after)
			}
			out, err := rewrite.Apply(doc.Src, []rewrite.Edit{{Start: at, End: at, New: tt.insert}})
			if err != nil {
				t.Fatal(err)
			}
			if string(out) != tt.want {
				t.Errorf("got %q, want %q", out, tt.want)
			}
		})
	}
}

func TestOnlyHeredocScriptsSayTheyAreHeredocs(t *testing.T) {
	tests := []struct {
		name, src string
		want      bool
	}{
		{"a one-line RUN", "FROM a\nRUN make\n", false},
		{"a continued RUN", "FROM a\nRUN make \\\n  install\n", false},
		{"a heredoc RUN", "FROM a\nRUN <<EOF\nmake\nEOF\n", true},
		{"a RUN whose heredoc is data", "FROM a\nRUN cat <<EOF > /x\nmake\nEOF\n", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := rewrite.Parse("Dockerfile", []byte(tt.src))
			if err != nil {
				t.Fatal(err)
			}
			in := doc.Instructions[len(doc.Instructions)-1]
			var s *Script
			if in.Heredoc {
				s, err = ParseHeredocRun(in)
			} else {
				s, err = Parse(in)
			}
			if err != nil {
				t.Fatal(err)
			}
			if s.IsHeredoc() != tt.want {
				t.Errorf("IsHeredoc() = %v, want %v", s.IsHeredoc(), tt.want)
			}
		})
	}
}
