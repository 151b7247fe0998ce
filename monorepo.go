package main

// The flags for rolling dfix out over a big repository: --no-ignore, --files-from,
// --changed-since (changed.go), --add-ignore (addignore.go), --statistics
// (statistics.go); --format markdown is markdown.go, CODEOWNERS codeowners.go.

import (
	"errors"
	"slices"

	"github.com/urfave/cli/v2"
)

// monorepo is what those flags decided, part of config.
type monorepo struct {
	walk         walkOptions
	addIgnore    bool   // --add-ignore
	statistics   bool   // --statistics
	filesFrom    string // --files-from FILE ("-": standard input)
	null         bool   // -0: the --files-from list is NUL-separated
	changedSince string // --changed-since REF
	owners       *codeOwners
}

func monorepoFlags() []cli.Flag {
	return []cli.Flag{
		&cli.BoolFlag{Name: "no-ignore", Usage: "also walk what .gitignore files ignore, and node_modules and vendor folders"},
		&cli.StringFlag{Name: "files-from", Usage: "check the paths listed in `FILE` (- for standard input), one a line, instead of PATHs"},
		&cli.BoolFlag{Name: "null", Aliases: []string{"0"}, Usage: "with --files-from: the paths are separated by NUL bytes (git diff -z, find -print0)"},
		&cli.StringFlag{Name: "changed-since", Usage: "check the Dockerfiles changed in git since `REF` (from its merge base with HEAD), under the PATHs (default: .)"},
		&cli.BoolFlag{Name: "add-ignore", Usage: "with -w or --diff: add a # dfix ignore=RULE comment above each instruction with findings left"},
		&cli.BoolFlag{Name: "statistics", Usage: "print one line per rule instead of the findings: count, safe and unsafe fixes, files"},
	}
}

func init() {
	for _, f := range []string{"files-from", "changed-since"} {
		valueFlags[f] = true
	}
}

// insertFlags returns flags with more inserted after the flag named after.
func insertFlags(flags []cli.Flag, after string, more []cli.Flag) []cli.Flag {
	for i, f := range flags {
		if f.Names()[0] == after {
			out := append(append(append([]cli.Flag{}, flags[:i+1]...), more...), flags[i+1:]...)
			return out
		}
	}
	return append(flags, more...)
}

// listing reports whether the files come from --files-from or --changed-since.
func (m *monorepo) listing() bool { return m.filesFrom != "" || m.changedSince != "" }

// monorepoFrom reads the flags into cfg.monorepo and checks how they combine.
func (cfg *config) monorepoFrom(c *cli.Context) error {
	m := &cfg.monorepo
	m.walk.noIgnore = c.Bool("no-ignore")
	m.addIgnore = c.Bool("add-ignore")
	m.statistics = c.Bool("statistics")
	m.filesFrom = c.String("files-from")
	m.null = c.Bool("null")
	m.changedSince = c.String("changed-since")
	switch {
	case c.IsSet("files-from") && m.filesFrom == "":
		return errors.New("--files-from: name a FILE, or - for standard input")
	case c.IsSet("changed-since") && m.changedSince == "":
		return errors.New("--changed-since: name a git revision (origin/main, HEAD~3, a commit)")
	case m.filesFrom != "" && m.changedSince != "":
		return errors.New("--files-from and --changed-since exclude each other")
	case m.null && m.filesFrom == "":
		return errors.New("-0 goes with --files-from")
	case m.filesFrom != "" && c.NArg() > 0:
		return errors.New("--files-from takes the place of PATHs: give one or the other")
	case m.listing() && slices.Contains(c.Args().Slice(), "-"):
		return errors.New("standard input cannot go with --files-from or --changed-since")
	case m.addIgnore && cfg.mode == modeCheck:
		return errors.New("--add-ignore goes with -w (write the comments), --diff or -l (show what would change)")
	case m.addIgnore && cfg.verify != nil:
		return errors.New("--add-ignore and --verify exclude each other: verify the fixes first, then add the comments")
	case m.statistics && cfg.mode != modeCheck:
		return errors.New("--statistics counts the findings: it does not go with -w, --diff or -l")
	case m.statistics && cfg.format != "text" && cfg.format != "json":
		return errors.New("--statistics prints text or json")
	case m.statistics && !m.listing() && (slices.Contains(c.Args().Slice(), "-") || c.NArg() == 0 && stdinPiped(cfg.stdin)):
		return errors.New("--statistics counts the findings of files and folders, not of standard input")
	}
	return nil
}
