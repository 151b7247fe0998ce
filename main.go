// Command dfix finds Dockerfile smells and fixes them with minimal, byte-exact edits.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/dfix-dev/dfix/fix"
	"github.com/urfave/cli/v2"
	"golang.org/x/term"
)

// Set by the release build (-ldflags "-X main.version=... -X main.commit=...").
var (
	version = "dev"
	commit  = ""
)

// Exit codes, as ruff and gofmt users expect them.
const (
	exitClean    = 0 // nothing left to fix
	exitFindings = 1 // findings remain, or --diff / -l printed something
	exitError    = 2 // usage error, or a file that could not be read, parsed or written
)

func main() {
	ballast := tuneGC()
	code := run(os.Args, os.Stdin, os.Stdout, os.Stderr)
	runtime.KeepAlive(ballast)
	os.Exit(code)
}

// valueFlags are the flags that take a value, for moving flags before paths. Keys are
// bare names: like Go's flag package, urfave/cli takes -name and --name alike.
var valueFlags = map[string]bool{
	"select": true, "ignore": true, "format": true, "j": true, "jobs": true,
	"stdin-filename": true, "color": true,
	"pin-lock": true, "platform": true, "registry-mirror": true, "pin-jobs": true, "pin-timeout": true,
	"config": true, "context": true, "cpuprofile": true, "memprofile": true,
}

func init() {
	for _, f := range verifyValueFlags {
		valueFlags[f] = true
	}
}

// reorderArgs moves flags written after paths before them: urfave/cli, like Go's flag
// package, stops at the first path, and users of ruff or hadolint write
// `dfix Dockerfile --diff`. Everything after "--" stays a path.
func reorderArgs(args []string) []string {
	if len(args) == 0 {
		return args
	}
	flags := []string{args[0]}
	var paths []string
	rest := args[1:]
	for i := 0; i < len(rest); i++ {
		a := rest[i]
		switch {
		case a == "--":
			paths = append(paths, rest[i+1:]...)
			i = len(rest)
		case strings.HasPrefix(a, "-") && a != "-":
			flags = append(flags, a)
			if !strings.Contains(a, "=") && valueFlags[strings.TrimLeft(a, "-")] && i+1 < len(rest) {
				flags = append(flags, rest[i+1])
				i++
			}
		default:
			paths = append(paths, a)
		}
	}
	// `dfix verify` takes dfix's flags itself: they go after the command name, wherever
	// they were written (`dfix --unsafe-fixes verify .`, `dfix verify . --smoke x`).
	if len(paths) > 0 && paths[0] == "verify" {
		flags = append([]string{flags[0], "verify"}, flags[1:]...)
		paths = paths[1:]
	}
	for _, p := range paths {
		if strings.HasPrefix(p, "-") && p != "-" {
			return append(append(flags, "--"), paths...)
		}
	}
	return append(flags, paths...)
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	code := exitClean
	app := &cli.App{
		Name:      "dfix",
		Usage:     "find Dockerfile smells and fix them with minimal, byte-exact edits",
		UsageText: "dfix [flags] [PATH...]\n   dfix verify [flags] PATH...\n   dfix rules\n   dfix explain RULE",
		Description: "A PATH is a Dockerfile or a folder, walked for Dockerfile*, Containerfile*, *.dockerfile\n" +
			"and *.containerfile (skipping .git, node_modules, vendor and what .gitignore ignores).\n" +
			"\"-\" reads standard input. Exit status: 0 nothing to fix, 1 findings remain or\n" +
			"--diff/-l printed something, 2 an error.",
		Version:         versionString(),
		Reader:          stdin,
		Writer:          stdout,
		ErrWriter:       stderr,
		HideHelpCommand: true,
		Flags: append([]cli.Flag{
			&cli.BoolFlag{Name: "diff", Aliases: []string{"d"}, Usage: "print the fixes as a unified diff (git apply / patch -p1)"},
			&cli.BoolFlag{Name: "write", Aliases: []string{"w"}, Usage: "fix the files in place"},
			&cli.BoolFlag{Name: "list", Aliases: []string{"l"}, Usage: "list the files that fixes would change"},
			&cli.BoolFlag{Name: "unsafe-fixes", Usage: "also apply fixes that may change what gets built"},
			&cli.StringSliceFlag{Name: "select", Usage: "only these `RULES` (names, DLxxxx codes, BuildKit checks, or all; comma-separated, repeatable)"},
			&cli.StringSliceFlag{Name: "ignore", Usage: "turn these `RULES` off (comma-separated, repeatable)"},
			&cli.StringFlag{Name: "format", Value: "text", Usage: "output `FORMAT`: text, json, sarif, github, markdown (a pull-request summary)"},
			&cli.IntFlag{Name: "jobs", Aliases: []string{"j"}, Value: runtime.NumCPU(), Usage: "files processed in parallel", DefaultText: "the number of CPUs"},
			&cli.StringFlag{Name: "stdin-filename", Usage: "the name of the file read from standard input, for messages"},
			&cli.StringFlag{Name: "context", Usage: "the build context folder, for rules that look at its files (default: each Dockerfile's folder)"},
			&cli.StringFlag{Name: "color", Value: "auto", Usage: "colour: auto, always, never (NO_COLOR and FORCE_COLOR are honoured)"},
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "print only findings and errors, no summary or progress"},
			&cli.BoolFlag{Name: "exit-zero", Usage: "exit 0 even when findings remain (errors still exit 2)"},
			// LSP clients such as vscode-languageclient pass --stdio to servers: it is the
			// only transport of `dfix lsp`, so it is accepted and means nothing more.
			&cli.BoolFlag{Name: "stdio", Hidden: true},
			&cli.BoolFlag{Name: "verify", Usage: "with -w: build each changed file before and after with Docker; write only what builds"},
		}, append(append(pinFlags(), verifyFlags()...), profileFlags()...)...),
		Commands: []*cli.Command{
			{Name: "rules", Usage: "list every rule (--format text, json or markdown)", Action: func(c *cli.Context) error {
				if c.NArg() > 0 {
					return cli.Exit(fmt.Sprintf("dfix rules: takes no arguments (got %q); see `dfix explain RULE`", c.Args().First()), exitError)
				}
				switch f := c.String("format"); f {
				case "text", "json", "markdown":
					return printRules(stdout, fix.Rules(), f)
				default:
					return cli.Exit(fmt.Sprintf("dfix rules: --format: %q is not text, json or markdown", f), exitError)
				}
			}},
			{Name: "explain", Usage: "explain a rule", ArgsUsage: "RULE", Action: func(c *cli.Context) error {
				if c.NArg() != 1 {
					return cli.Exit("dfix explain: name one rule (see `dfix rules`)", exitError)
				}
				r := fix.Lookup(fix.Rules(), c.Args().First())
				if r == nil {
					return cli.Exit(fmt.Sprintf("dfix explain: unknown rule %q (see `dfix rules`)", c.Args().First()), exitError)
				}
				explain(stdout, r)
				return nil
			}},
			lspCommand(args, stdin, stdout, stderr, &code),
		},
		Action: func(c *cli.Context) error {
			cfg, err := configFrom(c, stdin, stdout, stderr)
			if err != nil {
				return cli.Exit("dfix: "+err.Error(), exitError)
			}
			stopProfile, err := startCPUProfile(c)
			if err != nil {
				return cli.Exit("dfix: "+err.Error(), exitError)
			}
			defer stopProfile()
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			if cfg.mode == modeWrite {
				// A reader of the report that goes away (dfix -w . | head) must not kill
				// dfix between its writes: with SIGPIPE caught (and dropped), a write to
				// standard output fails instead, and every file is still fixed. (Caught,
				// not ignored: an ignored signal would stay ignored in git and docker.)
				sigpipe := make(chan os.Signal, 1)
				signal.Notify(sigpipe, syscall.SIGPIPE)
				defer signal.Stop(sigpipe)
			}
			code = cfg.runPaths(ctx, c.Args().Slice())
			return nil
		},
		OnUsageError: func(c *cli.Context, err error, _ bool) error {
			return cli.Exit("dfix: "+err.Error()+" (see dfix --help)", exitError)
		},
		ExitErrHandler: func(c *cli.Context, err error) {
			if err == nil {
				return
			}
			if ec, ok := err.(cli.ExitCoder); ok {
				if msg := ec.Error(); msg != "" {
					fmt.Fprintln(stderr, msg)
				}
				code = ec.ExitCode()
				return
			}
			fmt.Fprintln(stderr, "dfix:", err)
			code = exitError
		},
	}
	app.Flags = append(app.Flags, configFlags()...)
	app.Commands = append(app.Commands, verifyCommand(app.Flags, stdout, stderr, &code),
		configCommand(stdout, stderr), completionCommand(stdout), manCommand(stdout))
	app.Flags = insertFlags(app.Flags, "exit-zero", monorepoFlags()) // dfix's own: not dfix verify's
	if err := app.Run(reorderArgs(args)); err != nil {
		if _, ok := err.(cli.ExitCoder); !ok {
			fmt.Fprintln(stderr, "dfix:", err)
			return exitError
		}
	}
	return code
}

func versionString() string {
	v, rev := version, commit
	bi, ok := debug.ReadBuildInfo()
	if ok && v == "dev" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		v = bi.Main.Version // go install github.com/dfix-dev/dfix@v1.2.3
	}
	if ok && rev == "" { // go build in a clone stamps the commit
		for _, s := range bi.Settings {
			switch {
			case s.Key == "vcs.revision":
				rev = s.Value[:min(12, len(s.Value))] + rev
			case s.Key == "vcs.modified" && s.Value == "true":
				rev += "-dirty"
			}
		}
		if strings.HasPrefix(rev, "-") {
			rev = ""
		}
	}
	if rev != "" {
		v += " (" + rev + ")"
	}
	if ok {
		for _, m := range bi.Deps {
			if m.Path == "github.com/moby/buildkit" {
				v += ", BuildKit parser " + m.Version
			}
		}
	}
	return v
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// useColor decides colour the way shfmt and most CLIs do: --color wins, then NO_COLOR
// (any non-empty value, as no-color.org says) turns it off, FORCE_COLOR (non-empty,
// not 0) on, else only on a terminal.
func useColor(mode string, w io.Writer) (bool, error) {
	switch mode {
	case "always":
		return true, nil
	case "never":
		return false, nil
	case "auto", "":
	default:
		return false, fmt.Errorf("--color: %q is not auto, always or never", mode)
	}
	if os.Getenv("NO_COLOR") != "" {
		return false, nil
	}
	if v := os.Getenv("FORCE_COLOR"); v != "" && v != "0" {
		return true, nil
	}
	return isTerminal(w), nil
}
