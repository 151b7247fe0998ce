package shell

import (
	"errors"
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/dfix-dev/dfix/rewrite"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"mvdan.cc/sh/v3/syntax"
)

// ErrNotShell is the error of a heredoc RUN whose body is not a shell script: a
// script for another program (`#!/usr/bin/env python3` as the whole command).
var ErrNotShell = errors.New("the heredoc body is not a shell script")

// ErrCRBody is the error of a heredoc script with CR line endings: BuildKit keeps them
// in the body, and the shell reads each `\r` as part of the last word of its line.
var ErrCRBody = errors.New("the heredoc body has CR line endings, which the shell reads as part of its words")

// ParseHeredocRun parses the shell script of a RUN with BuildKit heredocs as
// BuildKit's dockerfile2llb runs it (dispatchRun):
//
//   - when the command is one heredoc and nothing else (`RUN <<EOF`, `RUN <<-'EOF'`),
//     the body (its leading tabs stripped for <<-) is the script: the shell in effect
//     runs it with -c, or, when it starts with `#!`, the kernel runs it as a file with
//     that interpreter, which makes it a script only for a POSIX shell;
//   - otherwise (`RUN <<EOF bash`, `RUN python3 <<EOF`, `RUN cat <<EOF > f && ...`)
//     the command line, a newline and each body followed by its delimiter are given to
//     the shell in effect with -c. That text is the script, its heredocs data (read by
//     mvdan/sh as heredoc words); except when the command line is a POSIX shell fed
//     its one heredoc (`<<EOF bash`, `sh -e <<EOF`): the script is then that body, run
//     by that shell. With an unquoted delimiter the outer shell expands $ and `
//     in it first; the body is read as written, and the plain text fixes add comes
//     through that expansion unchanged. A body fed to a shell in a longer command
//     line (`<<A cat > a && <<B sh`) stays data.
//
// The script maps its bytes to their file offsets, so positions and edits in a body
// are exact. ErrNotShell is the error of a body that is another program's script.
func ParseHeredocRun(in *rewrite.Instruction) (*Script, error) { return parseHeredocRun(in, nil) }

func parseHeredocRun(in *rewrite.Instruction, trees *Trees) (*Script, error) {
	if in.Logical == nil || len(in.Heredocs) == 0 {
		return nil, fmt.Errorf("line %d: heredoc bodies could not be located exactly", in.StartLine)
	}
	args := in.Args()
	if parser.MustParseHeredoc(args) != nil {
		return parseBody(in, 0, "", true, trees)
	}
	outer, runner, err := parseCommandLine(in, args, trees)
	if err != nil {
		return nil, err
	}
	if runner != "" {
		return parseBody(in, 0, runner, false, trees)
	}
	return outer, nil
}

// parseBody parses heredoc i as the script of runner ("": the shell in effect). whole
// tells that the heredoc is the whole command: a `#!` line then names its runner.
func parseBody(in *rewrite.Instruction, i int, runner string, whole bool, trees *Trees) (*Script, error) {
	h, body := in.Heredocs[i], in.Heredocs[i].Content
	var b strings.Builder
	var off rewrite.OffsetMap
	for k := 0; k < len(body); k++ {
		if h.Chomp && body[k] == '\t' && (k == 0 || body[k-1] == '\n') {
			for k < len(body) && body[k] == '\t' {
				k++
			}
			if k == len(body) {
				break
			}
		}
		b.WriteByte(body[k])
		off.Append(h.Start+k, 1)
	}
	off.Append(h.End, 0)
	text := b.String()
	if whole && strings.HasPrefix(text, "#!") {
		line, _, _ := strings.Cut(text, "\n")
		name, ok := shebangShell(line)
		if !ok {
			return nil, ErrNotShell
		}
		runner = name
	}
	if strings.Contains(text, "\r") {
		return nil, ErrCRBody
	}
	f, idx, err := trees.parse(text, variant(runner))
	if err != nil {
		return nil, err
	}
	return &Script{In: in, File: f, Text: text, lang: variant(runner), off: off, Runner: runner, heredoc: true, idx: idx}, nil
}

// posixShells are the shells whose scripts dfix reads.
var posixShells = map[string]bool{"sh": true, "bash": true, "ash": true, "dash": true, "ksh": true, "zsh": true, "mksh": true}

// Posix reports whether a shell, by its base name ("bash"), is one whose scripts dfix
// reads and changes.
func Posix(name string) bool { return posixShells[name] }

// shebangShell returns the shell a `#!` line names (`#!/bin/sh -e`,
// `#!/usr/bin/env bash`) and whether it is a POSIX shell.
func shebangShell(line string) (string, bool) {
	f := strings.Fields(strings.TrimPrefix(line, "#!"))
	if len(f) == 0 {
		return "", false
	}
	name := path.Base(f[0])
	if name == "env" {
		f = f[1:]
		for len(f) > 0 && strings.HasPrefix(f[0], "-") {
			f = f[1:]
		}
		if len(f) == 0 {
			return "", false
		}
		name = path.Base(f[0])
	}
	return name, posixShells[name]
}

// variant is the grammar dfix reads a shell's scripts with. Bash's, as for every RUN,
// except for mksh: the body of a POSIX sh is read as leniently as a one-line RUN, and
// which sh /bin/sh is depends on the image.
func variant(shell string) syntax.LangVariant {
	if shell == "mksh" {
		return syntax.LangMirBSDKorn
	}
	return syntax.LangBash
}

// parseCommandLine parses the text BuildKit gives the shell for a RUN whose heredocs
// are part of a longer command: the command line, then for each heredoc a newline, its
// body and its delimiter. It checks that the shell reads the heredocs where BuildKit
// put them. runner is the shell the command line is, when it is nothing but a POSIX
// shell that reads its one heredoc as its script.
func parseCommandLine(in *rewrite.Instruction, args string, trees *Trees) (s *Script, runner string, err error) {
	var b strings.Builder
	var off rewrite.OffsetMap
	b.WriteString(args)
	off.AppendMap(in.Logical.Offsets, in.ArgsStart, in.ArgsStart+len(args)+1) // and the newline after
	type span struct{ start, end int }
	var bodies []span
	for i, h := range in.Heredocs {
		body := h.Content
		if i > 0 {
			off.Append(in.Heredocs[i-1].NameEnd, 1) // the newline after a delimiter
		}
		b.WriteByte('\n')
		start := b.Len()
		b.WriteString(body)
		off.Append(h.Start, len(body))
		b.WriteString(h.Name)
		off.Append(h.NameStart, len(h.Name))
		bodies = append(bodies, span{start, b.Len()})
	}
	off.Append(in.Heredocs[len(in.Heredocs)-1].NameEnd, 0)
	text := b.String()
	f, idx, err := trees.parse(text, syntax.LangBash)
	if err != nil {
		return nil, "", err
	}
	s = &Script{In: in, File: f, Text: text, lang: syntax.LangBash, off: off, heredoc: true, idx: idx}

	type hdoc struct {
		r  *syntax.Redirect
		st *syntax.Stmt
	}
	var found []hdoc
	syntax.Walk(f, func(n syntax.Node) bool {
		if st, ok := n.(*syntax.Stmt); ok {
			for _, r := range st.Redirs {
				if r.Op == syntax.Hdoc || r.Op == syntax.DashHdoc {
					found = append(found, hdoc{r, st})
				}
			}
		}
		return true
	})
	sort.Slice(found, func(i, j int) bool { return found[i].r.Pos().Offset() < found[j].r.Pos().Offset() })
	if len(found) != len(bodies) {
		return nil, "", errHeredocsDiffer
	}
	for i, h := range found {
		// The shell must read body i, and its delimiter, as heredoc i.
		if h.r.Hdoc == nil || int(h.r.Hdoc.Pos().Offset()) != bodies[i].start || int(h.r.Hdoc.End().Offset()) != bodies[i].end {
			if !(h.r.Hdoc == nil && bodies[i].end-bodies[i].start == len(in.Heredocs[i].Name)) {
				return nil, "", errHeredocsDiffer
			}
		}
	}
	if len(found) == 1 && len(f.Stmts) == 1 && found[0].st == f.Stmts[0] {
		st := f.Stmts[0]
		if name, ok := stdinShell(st, found[0].r); ok && !st.Negated && !st.Background && !st.Coprocess {
			runner = name
		}
	}
	return s, runner, nil
}

var errHeredocsDiffer = errors.New("the shell would read the heredocs differently from BuildKit")

// stdinShell reports whether heredoc redirect r of statement st is the script of a
// POSIX shell: `bash <<EOF`, `<<EOF sh -e`, `bash -euo pipefail <<EOF`; not
// `bash -c '...' <<EOF` or `sh script.sh <<EOF`, whose standard input is data.
func stdinShell(st *syntax.Stmt, r *syntax.Redirect) (string, bool) {
	if r.N != nil && r.N.Value != "0" {
		return "", false
	}
	c, ok := st.Cmd.(*syntax.CallExpr)
	if !ok {
		return "", false
	}
	name, i := CommandName(c)
	if i < 0 || !posixShells[name] {
		return "", false
	}
	for j := i + 1; j < len(c.Args); j++ {
		v, ok := Lit(c.Args[j])
		if !ok || !strings.HasPrefix(v, "-") && !strings.HasPrefix(v, "+") || v == "-" || v == "--" {
			return "", false
		}
		if strings.HasPrefix(v, "--") {
			continue // --login, --norc, --noprofile
		}
		if strings.ContainsRune(v, 'c') {
			return "", false // -c: the script is an argument, standard input is data
		}
		if strings.HasSuffix(v, "o") && j+1 < len(c.Args) {
			j++ // -o pipefail, -euo pipefail: the option's name
		}
	}
	return name, true
}
