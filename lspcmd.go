package main

// `dfix lsp`: the language server. The protocol is in package lsp; this file gives it
// dfix as the command line runs it: the same flags, the same configuration files, the
// same fixBytes, so that what the editor shows and writes is what `dfix` and `dfix -w`
// would on the same text.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/dfix-dev/dfix/fix"
	"github.com/dfix-dev/dfix/lsp"
	"github.com/urfave/cli/v2"
)

// lspCommand is `dfix lsp`. args are the command line as given to run: the flags
// written around `lsp` apply to every document, below the editor's settings.
func lspCommand(args []string, stdin io.Reader, stdout, stderr io.Writer, code *int) *cli.Command {
	return &cli.Command{
		Name:  "lsp",
		Usage: "serve findings and fixes to an editor (Language Server Protocol on standard input and output)",
		Description: "Started by the editor, not by hand. dfix's flags (--unsafe-fixes, --select, --ignore, --config,\n" +
			"--no-config, --context, --pin with --pin-lock) apply to every document, and so does the\n" +
			"editor's \"dfix\" settings section, on top of each document's nearest .dfix.toml. Standard\n" +
			"output carries protocol messages only; logs go to standard error. See docs/editors.md.",
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return cli.Exit(fmt.Sprintf("dfix lsp: unexpected argument %q: the editor sends the documents", c.Args().First()), exitError)
			}
			// Standard output is the protocol's: anything else written there would
			// break it. Whatever prints to os.Stdout from now on lands on stderr.
			if f, ok := stdout.(*os.File); ok && f == os.Stdout {
				os.Stdout = os.Stderr
				defer func() { os.Stdout = f }()
			}
			prev := log.Writer()
			log.SetOutput(stderr)
			defer log.SetOutput(prev)
			eng := &lspEngine{flags: c.App.Flags, base: lspFlags(args), stderr: stderr}
			if err := eng.Configure(lsp.Settings{}); err != nil {
				return cli.Exit("dfix lsp: "+err.Error(), exitError)
			}
			srv := lsp.NewServer(eng, lsp.Options{Log: stderr, Version: versionString()})
			*code = srv.Serve(context.Background(), stdin, stdout)
			return nil
		},
	}
}

// lspFlags returns the flags of a `dfix ... lsp ...` command line: everything but the
// program and the command name.
func lspFlags(args []string) []string {
	var out []string
	found := false
	for i := 1; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			return out
		case strings.HasPrefix(a, "-") && a != "-":
			out = append(out, a)
			if !strings.Contains(a, "=") && valueFlags[strings.TrimLeft(a, "-")] && i+1 < len(args) {
				out = append(out, args[i+1])
				i++
			}
		case a == "lsp" && !found:
			found = true
		}
	}
	return out
}

// lspEngine runs dfix for the server.
type lspEngine struct {
	flags  []cli.Flag // dfix's flags, to read settings as the command line is read
	base   []string   // the server's own command-line flags
	stderr io.Writer

	mu  sync.Mutex // Configure parses with shared flag definitions: one at a time
	cfg atomic.Pointer[config]
}

// settingsArgs writes the editor's settings as the flags they stand for.
func settingsArgs(s lsp.Settings) []string {
	var a []string
	if s.UnsafeFixes != nil {
		a = append(a, "--unsafe-fixes="+strconv.FormatBool(*s.UnsafeFixes))
	}
	if len(s.Select) > 0 {
		a = append(a, "--select="+strings.Join(s.Select, ","))
	}
	if len(s.Ignore) > 0 {
		a = append(a, "--ignore="+strings.Join(s.Ignore, ","))
	}
	if s.Config != "" {
		a = append(a, "--config="+s.Config)
	}
	if s.NoConfig {
		a = append(a, "--no-config")
	}
	if s.Context != "" {
		a = append(a, "--context="+s.Context)
	}
	if s.Pin {
		a = append(a, "--pin")
	}
	if s.PinLock != "" {
		a = append(a, "--pin-lock="+s.PinLock)
	}
	if s.Offline {
		a = append(a, "--offline")
	}
	return append(a, s.Args...)
}

// pinFlagGiven reports whether a command line asks for pinning itself.
func pinFlagGiven(args []string) bool {
	for _, a := range args {
		name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if strings.HasPrefix(a, "-") && (name == "pin" || name == "update-pins") {
			return true
		}
	}
	return false
}

// Configure reads the server's flags and the editor's settings the way the command
// line is read (configFrom), with a fresh configuration loader.
func (e *lspEngine) Configure(s lsp.Settings) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	args := append(append([]string{"dfix"}, e.base...), settingsArgs(s)...)
	if !pinFlagGiven(args) {
		// `pin = true` in a .dfix.toml turns pinning on for `dfix -w`; from the editor
		// it would look images up on every keystroke. Only an explicit --pin (in the
		// server's flags or settings) does, and with a lock file (below).
		args = append(args, "--pin=false")
	}
	var cfg *config
	var cerr error
	app := &cli.App{
		Name: "dfix", Flags: e.flags, HideHelp: true, HideVersion: true,
		Writer: io.Discard, ErrWriter: io.Discard,
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return fmt.Errorf("unexpected argument %q in the settings' args", c.Args().First())
			}
			cfg, cerr = configFrom(c, nil, io.Discard, e.stderr)
			return nil
		},
		OnUsageError: func(_ *cli.Context, err error, _ bool) error { return err },
		// Never os.Exit from a settings error: the server reports it and goes on.
		ExitErrHandler: func(*cli.Context, error) {},
	}
	if err := app.Run(args); err != nil {
		return fmt.Errorf("settings: %v", err)
	}
	if cerr != nil {
		return cerr
	}
	if cfg == nil {
		return errors.New("settings: not understood")
	}
	if cfg.pin != nil && cfg.pin.lock == nil {
		return errors.New("pinning from the editor needs a lock file: give pinLock (--pin-lock) with pin (--pin)")
	}
	cfg.quiet, cfg.progress = true, false
	e.cfg.Store(cfg)
	return nil
}

// Run runs fixBytes, the function `dfix` and `dfix -w` run on every file.
func (e *lspEngine) Run(ctx context.Context, path string, text []byte, write bool) (res *fix.Result, note string, err error) {
	defer func() {
		// A panic is a dfix bug: the document gets the error, the server goes on.
		if p := recover(); p != nil {
			res, note, err = nil, "", fmt.Errorf("internal error (a dfix bug, please report it): %v", p)
		}
	}()
	cfg := *e.cfg.Load() // a copy: the mode and the context are this run's
	cfg.mode = modeCheck
	if write {
		cfg.mode = modeWrite
	}
	cfg.pinOpts = cfg.pin.options(ctx)
	res, note, err = cfg.fixBytes(path, text)
	if cfg.pin != nil && cfg.pin.lock != nil {
		if serr := cfg.pin.lock.Save(); serr != nil {
			fmt.Fprintln(e.stderr, "dfix lsp:", serr)
		}
	}
	return res, note, err
}

// Explain is `dfix explain RULE`.
func (e *lspEngine) Explain(r *fix.Rule) string {
	var b strings.Builder
	explain(&b, r)
	return b.String()
}

// IsDockerfile takes the documents the walker takes (Dockerfile*, Containerfile*,
// *.dockerfile, *.containerfile, less templates, scripts and backups), and any other
// the editor calls a Dockerfile unless its name is one the walker skips as not one
// (Dockerfile.j2, Dockerfile.sh...).
func (e *lspEngine) IsDockerfile(path, languageID string) bool {
	name := filepath.Base(path)
	if path != "" && isDockerfileName(name) {
		return true
	}
	switch strings.ToLower(languageID) {
	case "dockerfile", "containerfile":
	default:
		return false
	}
	if path == "" {
		return true // an unsaved buffer
	}
	n := strings.ToLower(name)
	for _, s := range skipSuffixes {
		if strings.HasSuffix(n, s) {
			return false
		}
	}
	return true
}
