package main

// Configuration files: the glue between the CLI and the config package. Rule
// selection and --unsafe-fixes are per file: each file gets the settings of the
// nearest .dfix.toml (or .hadolint.yaml), with the command-line flags on top.

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	conf "github.com/dfix-dev/dfix/config"
	"github.com/dfix-dev/dfix/fix"
	"github.com/urfave/cli/v2"
)

// configFlags are the flags that choose the configuration file.
func configFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "config", Usage: "use this configuration `FILE` for every path instead of the nearest " + conf.FileName},
		&cli.BoolFlag{Name: "no-config", Usage: "read no " + conf.FileName + " or .hadolint.yaml: defaults and flags only"},
	}
}

// newLoader reads the configuration flags and the flags that settings files can also
// set; flags given on the command line win. Notes (the hadolint import) go to
// stderr once, unless quiet.
func newLoader(c *cli.Context, stderr io.Writer, quiet bool) (*conf.Loader, error) {
	var flags conf.Flags
	if c.IsSet("select") {
		flags.Select, flags.HasSelect = splitList(c.StringSlice("select")), true
	}
	flags.Ignore = splitList(c.StringSlice("ignore"))
	if c.IsSet("unsafe-fixes") {
		v := c.Bool("unsafe-fixes")
		flags.UnsafeFixes = &v
	}
	if c.IsSet("pin") {
		v := c.Bool("pin")
		flags.Pin = &v
	}
	if c.IsSet("pin-lock") {
		v := c.String("pin-lock")
		flags.PinLock = &v
	}
	if c.IsSet("registry-mirror") {
		flags.RegistryMirrors = splitList(c.StringSlice("registry-mirror"))
	}
	return conf.NewLoader(fix.Rules(), conf.Options{
		Config:   c.String("config"),
		NoConfig: c.Bool("no-config"),
		Flags:    flags,
		Note: func(msg string) {
			if !quiet {
				fmt.Fprintln(stderr, "dfix:", msg)
			}
		},
	})
}

// configPins gives the pin flags not given on the command line the values of the
// configuration that applies in the working folder (or --config): digest pinning has
// one resolver, one lock file and one set of mirrors for the whole run, so these keys
// are read once, not per file. pin-lock and registry-mirrors apply only when pinning
// is on (by --pin or `pin = true`). A configuration that cannot be read is left to
// checkConfigs to report, for the files it applies to.
func configPins(c *cli.Context, l *conf.Loader) {
	s, err := l.For("Dockerfile")
	if err != nil {
		return
	}
	if !c.IsSet("pin") && s.Pin {
		_ = c.Set("pin", "true")
	}
	if !c.Bool("pin") && !c.Bool("update-pins") {
		return
	}
	if !c.IsSet("pin-lock") && s.PinLock != "" {
		_ = c.Set("pin-lock", conf.Display(s.PinLock))
	}
	if !c.IsSet("registry-mirror") {
		for _, m := range s.RegistryMirrors {
			_ = c.Set("registry-mirror", m)
		}
	}
}

// fileSettings returns the settings for the file at path ("-" for standard input
// without --stdin-filename: the working folder's).
func (cfg *config) fileSettings(path string) (*conf.Settings, error) {
	if path == "-" || path == "" {
		path = "Dockerfile"
	}
	return cfg.settings.For(path)
}

// fileOptions returns the rules and the unsafe-fixes setting for the file at path. Its
// error has a line per mistake (asFileError prints it as a file's error).
func (cfg *config) fileOptions(path string) ([]*fix.Rule, bool, error) {
	if cfg.settings == nil {
		return cfg.rules, cfg.unsafe, nil
	}
	s, err := cfg.fileSettings(path)
	if err != nil {
		return nil, false, err
	}
	rules := s.Rules
	if cfg.pin != nil {
		// --pin turns pin-digest on for every file, unless --ignore or the file's
		// configuration turns it off. Clip so that appending never writes into the
		// slice that files share.
		rules = enablePin(slices.Clip(rules), s.Ignored)
	}
	return rules, s.UnsafeFixes, nil
}

// checkConfigs reads the configuration of every file before any is processed, so that
// a broken .dfix.toml stops the run (exit 2) before anything is written, and each of
// its errors is printed once.
func (cfg *config) checkConfigs(files []string) bool {
	if cfg.settings == nil {
		return true
	}
	said := saidOnce{}
	ok := true
	lastDir := "\x00"
	for _, f := range files {
		// A configuration is found per folder: the next file of the same folder finds
		// the same one, or the same mistake.
		if dir := filepath.Dir(f); dir != lastDir {
			lastDir = dir
		} else {
			continue
		}
		if _, err := cfg.fileSettings(f); err != nil {
			ok = false
			said.say(cfg.stderr, err)
		}
	}
	return ok
}

// configCommand is `dfix config [PATH]`.
func configCommand(stdout, stderr io.Writer) *cli.Command {
	return &cli.Command{
		Name:      "config",
		Usage:     "print the effective settings for a path (TOML, or JSON with --format json)",
		ArgsUsage: "[PATH]",
		Description: "PATH is a Dockerfile (it need not exist) or a folder (the settings of a Dockerfile in it);\n" +
			"the default is the working folder. The settings come from the nearest " + conf.FileName + " up to the\n" +
			"repository root (or --config FILE), else from .hadolint.yaml's ignored: list, with the\n" +
			"command-line flags on top; `select` lists every enabled rule.",
		Action: func(c *cli.Context) error {
			if c.NArg() > 1 {
				return cli.Exit("dfix config: name at most one PATH", exitError)
			}
			format := c.String("format")
			if format != "text" && format != "json" && format != "toml" {
				return cli.Exit(fmt.Sprintf("dfix config: --format %s: use toml (the default) or json", format), exitError)
			}
			path := c.Args().First()
			if path == "" {
				path = "."
			}
			if fi, err := os.Stat(path); err == nil && fi.IsDir() {
				path = filepath.Join(path, "Dockerfile")
			}
			loader, err := newLoader(c, stderr, c.Bool("quiet"))
			if err != nil {
				return cli.Exit("dfix: "+err.Error(), exitError)
			}
			s, err := loader.For(path)
			if err != nil {
				return cli.Exit(prefixLines("dfix: ", err.Error()), exitError)
			}
			if s.Pin { // pinning turns pin-digest on, as in a run
				cp := *s
				cp.Rules = enablePin(slices.Clip(s.Rules), s.Ignored)
				s = &cp
			}
			if format == "json" {
				err = s.WriteJSON(stdout, path)
			} else {
				err = s.WriteTOML(stdout, path)
			}
			if err != nil {
				return cli.Exit("dfix: "+err.Error(), exitError)
			}
			return nil
		},
	}
}

func prefixLines(prefix, s string) string {
	return prefix + strings.ReplaceAll(s, "\n", "\n"+prefix)
}

// saidOnce prints each line of configuration errors once, after "dfix: ": every file
// a broken configuration applies to meets the same mistakes.
type saidOnce map[string]bool

func (s saidOnce) say(w io.Writer, err error) {
	for _, line := range strings.Split(err.Error(), "\n") {
		if !s[line] {
			s[line] = true
			fmt.Fprintln(w, "dfix:", line)
		}
	}
}

// asFileError makes the error of a configuration, a line per mistake, a file's error,
// printed after "dfix: ": the other lines get it too.
func asFileError(err error) error {
	return errors.New(strings.ReplaceAll(err.Error(), "\n", "\ndfix: "))
}
