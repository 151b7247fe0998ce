package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/dfix-dev/dfix/fix"
	"github.com/dfix-dev/dfix/verify"
	"github.com/urfave/cli/v2"
)

// verifyFlags are the build settings and checks of `dfix verify` and `dfix -w --verify`.
func verifyFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringSliceFlag{Name: "build-arg", Usage: "verify: build argument `KEY=VALUE` (repeatable)"},
		&cli.StringFlag{Name: "target", Usage: "verify: build this `STAGE`"},
		&cli.StringFlag{Name: "smoke", Usage: "verify: shell `COMMAND` that must pass in both images (run with /bin/sh -c)"},
		&cli.StringFlag{Name: "network", Usage: "verify: network `MODE` of the builds and containers (as docker build --network)"},
		&cli.StringFlag{Name: "docker", Usage: "verify: the docker client `PATH` (default $DFIX_DOCKER, else docker on PATH)"},
		&cli.BoolFlag{Name: "per-rule", Usage: "verify: build once per rule that touched a file, to attribute the size change"},
		&cli.BoolFlag{Name: "keep-images", Usage: "verify: keep the images built (tagged dfix-verify:...)"},
		&cli.BoolFlag{Name: "no-files", Usage: "verify: do not compare the images' files"},
		&cli.DurationFlag{Name: "stop-timeout", Value: 10 * time.Second, Usage: "verify: docker stop timeout of the signal check (`DURATION`)"},
	}
}

// verifyFlagNames are the flags above that take a value, for reorderArgs.
var verifyValueFlags = []string{"build-arg", "target", "smoke", "network", "docker", "stop-timeout"}

// verifyCommand is `dfix verify`: it takes the same flags as dfix itself (they decide
// the fixes) plus the build settings.
func verifyCommand(flags []cli.Flag, stdout, stderr interface {
	Write([]byte) (int, error)
}, code *int) *cli.Command {
	var own []cli.Flag
	for _, f := range flags {
		switch f.Names()[0] {
		case "diff", "write", "list", "verify", "stdin-filename":
			continue
		case "format":
			own = append(own, &cli.StringFlag{Name: "format", Value: "text", Usage: "output format: text, json, markdown"})
			continue
		case "jobs":
			own = append(own, &cli.IntFlag{Name: "jobs", Aliases: []string{"j"}, Value: 2, Usage: "files built in parallel"})
			continue
		}
		own = append(own, f)
	}
	return &cli.Command{
		Name:      "verify",
		Usage:     "build each Dockerfile the fixes would change, before and after, and compare the images",
		ArgsUsage: "PATH...",
		Description: "For each Dockerfile that the same flags would change, builds the original and the fixed\n" +
			"version with your Docker Engine (DOCKER_HOST is honoured), runs --smoke in both, compares\n" +
			"size, layers and files, and when the fixed build fails, finds the rules responsible by\n" +
			"building without them. Exit status: 0 all pass, 1 a fix broke a build, 2 an error.",
		Flags: own,
		Action: func(c *cli.Context) error {
			cfg, err := configFrom(c, nil, stdout, stderr)
			if err != nil {
				return cli.Exit("dfix verify: "+err.Error(), exitError)
			}
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			*code = cfg.runVerify(ctx, c.Args().Slice())
			return nil
		},
	}
}

// verifyConfig is the verify part of one invocation.
type verifyConfig struct {
	verifier *verify.Verifier
	docker   *verify.Docker
	progress *verifyProgress
}

// verifyFrom reads the verify flags; on means verification was asked for (the verify
// command or --verify). Without it, verify flags are usage errors.
func verifyFrom(c *cli.Context, on bool) (*verifyConfig, error) {
	if !on {
		for _, f := range append(verifyValueFlags, "per-rule", "keep-images", "no-files") {
			if c.IsSet(f) {
				return nil, fmt.Errorf("--%s needs --verify (with -w) or `dfix verify`", f)
			}
		}
		return nil, nil
	}
	bin := c.String("docker")
	if bin == "" {
		bin = os.Getenv("DFIX_DOCKER")
	}
	if d := c.Duration("stop-timeout"); d <= 0 {
		return nil, fmt.Errorf("--stop-timeout: %s is not a positive duration", d)
	}
	run := make([]byte, 3)
	_, _ = rand.Read(run)
	d := &verify.Docker{Binary: bin}
	return &verifyConfig{
		docker: d,
		verifier: &verify.Verifier{Engine: d, Opts: verify.Options{
			BuildArgs:   c.StringSlice("build-arg"),
			Target:      c.String("target"),
			Platform:    c.String("platform"),
			Network:     c.String("network"),
			Smoke:       c.String("smoke"),
			PerRule:     c.Bool("per-rule"),
			NoFiles:     c.Bool("no-files"),
			StopTimeout: c.Duration("stop-timeout"),
			KeepImages:  c.Bool("keep-images"),
			RunID:       hex.EncodeToString(run),
		}},
	}, nil
}

// ping checks the engine once before any file is built.
func (cfg *config) pingEngine(ctx context.Context) bool {
	if _, err := cfg.verify.docker.Ping(ctx); err != nil {
		fmt.Fprintln(cfg.stderr, "dfix verify:", err)
		return false
	}
	return true
}

// verifyJob makes the verification job of a fixed file: nil when the fixes change
// nothing.
func (cfg *config) verifyJob(path string, res *fix.Result) (*verify.Job, error) {
	if !res.Changed() {
		return nil, nil
	}
	rules, unsafe, err := cfg.fileOptions(path)
	if err != nil {
		return nil, asFileError(err)
	}
	ctxDir := cfg.context
	if ctxDir == "" {
		ctxDir = filepath.Dir(path)
	}
	var applied []string
	for _, d := range res.Fixed {
		if !slices.Contains(applied, d.Rule.Name) {
			applied = append(applied, d.Rule.Name)
		}
	}
	src := res.Doc.Src
	refix := func(keep func(*fix.Rule) bool) ([]byte, error) {
		var rs []*fix.Rule
		for _, r := range rules {
			if keep(r) {
				rs = append(rs, r)
			}
		}
		out, err := fix.Run(path, src, fix.Options{Rules: rs, UnsafeFixes: unsafe, Pin: cfg.pinOpts, Context: cfg.context})
		if err != nil {
			return nil, err
		}
		return out.Output, nil
	}
	return &verify.Job{
		Path: displayPath(path), Context: ctxDir, Original: src, Fixed: res.Output, Rules: applied,
		CommandChanged: commandChanged(res),
		Without: func(without []string) ([]byte, error) {
			return refix(func(r *fix.Rule) bool { return !slices.Contains(without, r.Name) })
		},
		Only: func(rule string) ([]byte, error) {
			return refix(func(r *fix.Rule) bool { return r.Name == rule })
		},
	}, nil
}

// commandChanged reports whether the fixes changed a CMD, ENTRYPOINT or HEALTHCHECK:
// what the container runs, so the signal check applies.
func commandChanged(res *fix.Result) bool {
	texts := func(d *fix.Document) [][]byte {
		var out [][]byte
		for _, in := range d.Instructions {
			switch in.Keyword {
			case "cmd", "entrypoint", "healthcheck":
				out = append(out, d.Src[in.Start:in.End])
			}
		}
		return out
	}
	a, b := texts(res.Doc), texts(res.OutputDoc)
	return !slices.EqualFunc(a, b, bytes.Equal)
}

// runVerify is `dfix verify PATH...`.
func (cfg *config) runVerify(ctx context.Context, args []string) int {
	if len(args) == 0 {
		fmt.Fprintln(cfg.stderr, "dfix verify: no PATH given (use `dfix verify .` for the current folder)")
		return exitError
	}
	if slices.Contains(args, "-") {
		fmt.Fprintln(cfg.stderr, "dfix verify: standard input cannot be verified: a build needs the Dockerfile's folder")
		return exitError
	}
	files, walkErrs := discover(args)
	if !cfg.checkConfigs(files) {
		return exitError
	}
	code := exitClean
	for _, err := range walkErrs {
		fmt.Fprintln(cfg.stderr, "dfix:", err)
		code = exitError
	}
	if !cfg.pingEngine(ctx) {
		return exitError
	}
	cfg.pinOpts = cfg.pin.options(ctx) // --pin: the fixes verified are the pinned ones
	type outcome struct {
		rep *verify.Report
		err error
	}
	cfg.mode = modeDiff // compute the fixes, write nothing
	cfg.verify.progress = newVerifyProgress(cfg, len(files))
	cfg.verify.verifier.Step = cfg.verify.progress.step
	results := inOrder(ctx, slices.Values(files), cfg.jobs, func(path string) outcome {
		rep, err := cfg.verifyPath(ctx, path)
		return outcome{rep, err}
	}, cfg.verify.progress.file, nil)
	var reports []*verify.Report
	for o := range results {
		switch {
		case o.err != nil:
			cfg.verify.progress.clear()
			fmt.Fprintln(cfg.stderr, "dfix:", o.err)
			code = exitError
		case o.rep == nil: // the fixes change nothing: nothing to build
		default:
			reports = append(reports, o.rep)
			switch o.rep.Status {
			case verify.Broken:
				code = max(code, exitFindings)
			case verify.Unverified:
				code = exitError
			}
			if cfg.format == "text" {
				cfg.verify.progress.clear()
				verify.WriteText(cfg.stdout, o.rep)
			}
		}
	}
	cfg.verify.progress.clear()
	switch cfg.format {
	case "json":
		if err := verify.WriteJSON(cfg.stdout, reports); err != nil {
			fmt.Fprintln(cfg.stderr, "dfix verify:", err)
			code = exitError
		}
	case "markdown":
		verify.WriteMarkdown(cfg.stdout, reports, ruleTitle)
	default:
		if len(reports) == 0 {
			fmt.Fprintf(cfg.stderr, "dfix verify: no Dockerfile among %s would change; nothing to build\n", plural(len(files), "file"))
		} else {
			fmt.Fprintln(cfg.stdout)
			verify.WriteSummary(cfg.stdout, reports)
		}
	}
	code = max(code, cfg.pin.finish(cfg))
	if code == exitFindings && cfg.exitZero {
		code = exitClean // a broken build is still reported
	}
	if ctx.Err() != nil {
		fmt.Fprintln(cfg.stderr, "dfix verify: interrupted")
		code = exitError
	}
	return code
}

// ruleTitle is a rule's title with a link to its docs, for the markdown summary.
func ruleTitle(name string) string {
	r := fix.Lookup(fix.Rules(), name)
	if r == nil {
		return ""
	}
	return fmt.Sprintf("[%s](%s)", r.Title, ruleDocsURL(r.Name))
}

// ruleDocsURL is where a rule's documentation lives (`dfix explain NAME` prints it).
func ruleDocsURL(string) string {
	return "https://github.com/dfix-dev/dfix#rules" // the README's table, generated from the rules
}

// verifyPath fixes one file in memory and verifies it; nil, nil when nothing changes.
func (cfg *config) verifyPath(ctx context.Context, path string) (*verify.Report, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	res, note, err := cfg.fixBytes(path, src)
	if err != nil || note != "" || res == nil {
		return nil, err
	}
	job, err := cfg.verifyJob(path, res)
	if err != nil || job == nil {
		return nil, err
	}
	return cfg.verify.verifier.Verify(ctx, job), nil
}

// verifyProgress shows "dfix verify: [n/total] PATH: step" on a terminal's stderr.
type verifyProgress struct {
	cfg   *config
	total int
	mu    sync.Mutex
	done  int
}

func newVerifyProgress(cfg *config, total int) *verifyProgress {
	return &verifyProgress{cfg: cfg, total: total}
}

func (p *verifyProgress) step(path, step string) {
	if p == nil || !p.cfg.progress {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.cfg.stderr, "\r\x1b[Kdfix verify: [%d/%d] %s: %s", p.done, p.total, path, step)
}

func (p *verifyProgress) file(n int) {
	if p == nil {
		return
	}
	p.mu.Lock()
	p.done = n
	p.mu.Unlock()
}

func (p *verifyProgress) clear() {
	if p == nil || !p.cfg.progress {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprint(p.cfg.stderr, "\r\x1b[K")
}

// verifyBeforeWrite is -w --verify for one changed file: it returns the text to write
// (the fixed file when it passes, else the file fixed without the rules that broke
// it, when that passes) or nil to leave the file as it is. fr.res is replaced by the
// result of what is written, so that the report lists what is left.
func (cfg *config) verifyBeforeWrite(ctx context.Context, fr *fileResult) []byte {
	job, err := cfg.verifyJob(fr.path, fr.res)
	if err != nil {
		fr.err = err
		return nil
	}
	rep := cfg.verify.verifier.Verify(ctx, job)
	fr.verified = rep
	switch rep.Status {
	case verify.Pass:
		fr.verifyNote = "verified: builds"
		if s := rep.Saved(); s != 0 {
			fr.verifyNote += ", " + verifySaved(s)
		}
		return fr.res.Output
	case verify.Broken:
		if rep.Fallback == nil || bytes.Equal(rep.Fallback, fr.res.Doc.Src) {
			fr.verifyNote = fmt.Sprintf("not written: %s (rules %s); nothing else to write", rep.Reason, joinNames(rep.Blame))
			fr.changed = false
			return nil
		}
		rules, unsafe, err := cfg.fileOptions(fr.path)
		if err != nil {
			fr.err = asFileError(err)
			return nil
		}
		var keep []*fix.Rule
		for _, r := range rules {
			if !slices.Contains(rep.Blame, r.Name) {
				keep = append(keep, r)
			}
		}
		res, err := fix.Run(fr.path, fr.res.Doc.Src, fix.Options{Rules: keep, UnsafeFixes: unsafe, Pin: cfg.pinOpts, Context: cfg.context})
		if err != nil || !bytes.Equal(res.Output, rep.Fallback) {
			fr.err = fmt.Errorf("%s: verify: the fallback fix is not reproducible (a dfix bug); file left as it was", fr.path)
			return nil
		}
		fr.res = res
		fr.verifyNote = fmt.Sprintf("written without %s: %s with them (the rest builds)", joinNames(rep.Blame), rep.Reason)
		return res.Output
	case verify.OriginalFails:
		fr.verifyNote = "not written: " + rep.Reason
	default:
		fr.verifyNote = "not written: could not verify: " + rep.Reason
	}
	fr.changed = false
	return nil
}

func joinNames(names []string) string {
	if len(names) == 0 {
		return "unknown"
	}
	return strings.Join(names, ", ")
}

func verifySaved(s int64) string {
	if s > 0 {
		return verify.Bytes(s) + " smaller"
	}
	return verify.Bytes(-s) + " larger"
}
