// Package shell parses the shell text inside Dockerfile instructions with
// mvdan.cc/sh/v3/syntax over the instruction's logical line, and maps shell positions
// back to file offsets.
package shell

import (
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/dfix-dev/dfix/rewrite"
	"mvdan.cc/sh/v3/syntax"
)

// Script is a shell program parsed from an instruction's arguments, or from the
// heredoc bodies of a RUN.
type Script struct {
	In   *rewrite.Instruction
	File *syntax.File
	Text string            // the shell text, as parsed
	base int               // logical offset where Text begins (scripts of the logical line only)
	off  rewrite.OffsetMap // file offset of every byte of Text, and of the end of Text

	// Runner names the shell that runs a heredoc script when it is not the shell in
	// effect for the RUN: "bash" for `RUN <<EOF bash` or a body that starts with
	// `#!/bin/bash`; "" when the shell in effect (SHELL, or /bin/sh) runs it.
	Runner  string
	heredoc bool
	lang    syntax.LangVariant // the grammar File was parsed in

	idx *commandIndex // what walk finds in File; shared by the scripts of one tree (Trees)
}

// commandIndex is what one walk of a tree finds, once asked for.
type commandIndex struct {
	calls  []*syntax.CallExpr  // every simple command, in Walk order
	named  []commandName       // calls[i]'s program, as CommandName reads it
	binary []*syntax.BinaryCmd // every && || | |& command, in Walk order
	walked bool
}

// Parse parses the arguments of a shell-form instruction (RUN, CMD, ENTRYPOINT).
func Parse(in *rewrite.Instruction) (*Script, error) { return parseAt(in, in.ArgsStart, nil) }

// ParseRun parses the script a RUN gives its shell: the heredoc script BuildKit makes
// (ParseHeredocRun) when it has heredocs, else its shell-form arguments.
func ParseRun(in *rewrite.Instruction) (*Script, error) { return ParseRunWith(in, nil) }

// ParseRunWith is ParseRun taking the trees of texts parsed before from trees.
func ParseRunWith(in *rewrite.Instruction, trees *Trees) (*Script, error) {
	if in.Heredoc {
		return parseHeredocRun(in, trees)
	}
	return parseAt(in, in.ArgsStart, trees)
}

// ParseAt parses the instruction's logical text from logical offset start on, for
// shell text that follows other words (`HEALTHCHECK --interval=5s CMD curl ...`).
func ParseAt(in *rewrite.Instruction, start int) (*Script, error) { return parseAt(in, start, nil) }

func parseAt(in *rewrite.Instruction, start int, trees *Trees) (*Script, error) {
	if in.Logical == nil {
		return nil, fmt.Errorf("line %d: instruction text could not be located exactly", in.StartLine)
	}
	text := strings.TrimRight(in.Logical.Text[start:], " \t\r\v\f")
	f, idx, err := trees.parse(text, syntax.LangBash)
	if err != nil {
		return nil, err
	}
	return &Script{In: in, File: f, Text: text, lang: syntax.LangBash, base: start, off: in.Logical.Offsets.From(start), idx: idx}, nil
}

// IsHeredoc reports whether the script is read from a BuildKit heredoc RUN: its text
// spans lines of the file that the Dockerfile's continuation and comment rules do not
// apply to, so an edit made for a logical line (a `\` continuation in the file's
// style, a WORKDIR for a leading cd) may not fit it.
func (s *Script) IsHeredoc() bool { return s.heredoc }

// ErrLoneBackslash is the error of a body whose text ends in a backslash that escapes
// nothing (`RUN make install \` in a file whose escape char is the backtick, where
// the backslash continues no line). The shell keeps it as a literal `\` in the last
// word; anything a fix appends after it would be escaped by it instead (`\ &&`).
var ErrLoneBackslash = errors.New("the text ends in a backslash that continues nothing")

// EndsInLoneBackslash reports whether the script's text ends in an odd run of
// backslashes that belongs to its last command, not to a comment.
func (s *Script) EndsInLoneBackslash() bool {
	n := len(s.Text) - len(strings.TrimRight(s.Text, `\`))
	if n%2 == 0 || len(s.File.Stmts) == 0 {
		return false
	}
	return int(s.File.Stmts[len(s.File.Stmts)-1].End().Offset()) == len(s.Text)
}

// Logical returns the logical offset of a shell position. It has a meaning only for
// scripts read from the logical line (not IsHeredoc).
func (s *Script) Logical(p syntax.Pos) int { return s.base + int(p.Offset()) }

// FileOffset returns the file offset of a shell position.
func (s *Script) FileOffset(p syntax.Pos) int { return s.off.At(int(p.Offset())) }

// FileEnd returns the file offset just after the byte before end: where to insert text
// right after a node that ends at end, staying on the node's own line.
func (s *Script) FileEnd(end syntax.Pos) int {
	i := int(end.Offset())
	if i == 0 {
		return s.off.At(0)
	}
	return s.off.At(i-1) + 1
}

// WordSpan returns the file range of a word and whether it is one unbroken range of
// the file (on one line, no continuation inside).
func (s *Script) WordSpan(w *syntax.Word) (start, end int, ok bool) {
	return s.off.Span(int(w.Pos().Offset()), int(w.End().Offset()))
}

// Lit returns the literal value of a word made only of unquoted literal text, and false
// for anything else (quotes, expansions).
func Lit(w *syntax.Word) (string, bool) {
	if w == nil || len(w.Parts) != 1 {
		return "", false
	}
	l, ok := w.Parts[0].(*syntax.Lit)
	if !ok {
		return "", false
	}
	return l.Value, true
}

// PlainWord returns the value of a word that means the same as its text in every
// shell: literal text, or quoted text without expansions, escapes, globs or tildes.
func PlainWord(w *syntax.Word) (string, bool) { return ReadWord(w, WordOptions{}) }

// Calls visits every simple command of the script, also inside &&/|| chains,
// pipelines, subshells, blocks, if/while/for/case bodies and functions.
//
// The tree is walked once per script and the commands remembered: every rule asks,
// and walking it again for each was a sixth of the time of a run.
func (s *Script) Calls(fn func(*syntax.CallExpr)) {
	for _, c := range s.walk().calls {
		fn(c)
	}
}

// commandName is what CommandName says of a call.
type commandName struct {
	name string
	at   int
}

// Commands is Calls with what CommandName says of each call, worked out once per
// script: name and at, the index of the program's word (-1 when it is not a literal).
func (s *Script) Commands(fn func(c *syntax.CallExpr, name string, at int)) {
	x := s.walk()
	for i, c := range x.calls {
		fn(c, x.named[i].name, x.named[i].at)
	}
}

// Runs reports whether a command of the script has one of names as its program, as
// CommandName reads it: a rule looking for `apt-get` calls skips a script without
// one before it looks at each call.
func (s *Script) Runs(names ...string) bool {
	for _, n := range s.walk().named {
		if n.at >= 0 && slices.Contains(names, n.name) {
			return true
		}
	}
	return false
}

// RunsAny reports whether a command of the script runs a program whose name matches.
func (s *Script) RunsAny(match func(name string) bool) bool {
	return slices.ContainsFunc(s.walk().named, func(n commandName) bool { return n.at >= 0 && match(n.name) })
}

// walk finds the script's commands and the names of their programs, once per tree.
func (s *Script) walk() *commandIndex {
	if s.idx == nil {
		s.idx = &commandIndex{}
	}
	x := s.idx
	if x.walked {
		return x
	}
	x.walked = true
	syntax.Walk(s.File, func(n syntax.Node) bool {
		switch c := n.(type) {
		case *syntax.CallExpr:
			if len(c.Args) > 0 {
				name, i := CommandName(c)
				x.calls = append(x.calls, c)
				x.named = append(x.named, commandName{name, i})
			}
		case *syntax.BinaryCmd:
			x.binary = append(x.binary, c)
		}
		return true
	})
	return x
}

// Binaries returns every binary command of the script (`a && b`, `a || b`, `a | b`,
// `a |& b`), also nested ones, in the order syntax.Walk visits them (outer before
// inner, left before right): the rules that look at pipelines read this list
// instead of walking the tree again. It is shared; it is not to be changed.
func (s *Script) Binaries() []*syntax.BinaryCmd { return s.walk().binary }

// CommandName returns the base name of a call's program, looking through the
// wrappers that run it: `sudo` (with its simple flags), `env` with VAR=value words,
// `nice`, `nohup`, `time` and `command`: "apt-get" for `/usr/bin/apt-get`,
// `sudo -E apt-get` or `env DEBIAN_FRONTEND=noninteractive apt-get`. The second result is
// the index of that word in c.Args; -1 when the program is not a literal.
func CommandName(c *syntax.CallExpr) (string, int) {
	wrapper, skip := "", false
	for i, w := range c.Args {
		v, ok := Lit(w)
		if !ok {
			return "", -1
		}
		switch {
		case wrapper == "sudo" && strings.HasPrefix(v, "-"):
			if sudoValueOptions[v] {
				return "", -1 // -u USER and friends: leave such calls alone
			}
			continue
		case wrapper == "env" && (strings.Contains(v, "=") || v == "-i" || v == "-"):
			continue
		case wrapper == "nice" && v == "-n":
			skip = true // its value is the next word
			continue
		case skip:
			skip = false
			continue
		case wrapper != "" && wrapper != "env" && strings.HasPrefix(v, "-"):
			continue
		}
		name := path.Base(v)
		if wrappers[name] && i+1 < len(c.Args) {
			wrapper = name
			continue
		}
		return name, i
	}
	return "", -1
}

var wrappers = map[string]bool{"sudo": true, "env": true, "nice": true, "nohup": true, "time": true, "command": true}

var sudoValueOptions = map[string]bool{"-u": true, "-g": true, "-C": true, "-D": true, "-h": true, "-p": true, "-r": true, "-t": true, "-U": true}

// Subcommand finds the subcommand of a call such as `apt-get -q install x`: the first
// word after from that is not an option, skipping the values of the options listed in
// valueOptions. It returns -1 when there is none or it is not plain text.
func Subcommand(c *syntax.CallExpr, from int, valueOptions map[string]bool) int {
	for j := from; j < len(c.Args); j++ {
		v, ok := PlainWord(c.Args[j])
		if !ok {
			return -1
		}
		if strings.HasPrefix(v, "-") {
			if valueOptions[v] {
				j++
			}
			continue
		}
		return j
	}
	return -1
}

// HasWord reports whether any word of the call from index from on is one of words
// (plain text only), or starts with one of prefixes.
func HasWord(c *syntax.CallExpr, from int, words []string, prefixes ...string) bool {
	for _, w := range c.Args[min(from, len(c.Args)):] {
		v, ok := PlainWord(w)
		if !ok {
			continue
		}
		for _, x := range words {
			if v == x {
				return true
			}
		}
		for _, p := range prefixes {
			if strings.HasPrefix(v, p) {
				return true
			}
		}
	}
	return false
}

// HasShortFlag reports whether a word of the call from index from on is a short
// option cluster containing letter (`-y`, `-qy`), not a long option.
func HasShortFlag(c *syntax.CallExpr, from int, letter byte) bool {
	for _, w := range c.Args[min(from, len(c.Args)):] {
		v, ok := PlainWord(w)
		if !ok || len(v) < 2 || v[0] != '-' || v[1] == '-' {
			continue
		}
		if strings.IndexByte(v[1:], letter) >= 0 {
			return true
		}
	}
	return false
}
