package main

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"os"
	"strings"
	"time"

	"github.com/dfix-dev/dfix/fix"
	"github.com/dfix-dev/dfix/pin"
	"github.com/dfix-dev/dfix/rewrite"
	"github.com/urfave/cli/v2"
)

// pinFlags are the flags of digest pinning (the pin-digest rule).
func pinFlags() []cli.Flag {
	return []cli.Flag{
		&cli.BoolFlag{Name: "pin", Usage: "pin images to digests, looked up in their registries (rule pin-digest)"},
		&cli.BoolFlag{Name: "update-pins", Usage: "with --pin: re-resolve pinned images and replace digests whose tag moved (implies --pin)"},
		&cli.StringFlag{Name: "pin-lock", Usage: "lock `FILE` (JSON reference -> digest): read first, new lookups written back"},
		&cli.BoolFlag{Name: "offline", Usage: "with --pin: look nothing up, use only --pin-lock"},
		&cli.StringFlag{Name: "platform", Usage: "target platform `OS/ARCH`[/VARIANT]: with --pin, pin its manifest instead of the multi-platform index; with verify, build for it"},
		&cli.StringSliceFlag{Name: "registry-mirror", Usage: "with --pin: `MIRROR` is REGISTRY=HOST[:PORT]: look REGISTRY's images up at HOST, keep the original names (repeatable)"},
		&cli.IntFlag{Name: "pin-jobs", Value: 8, Usage: "with --pin: `N` registry lookups at once"},
		&cli.DurationFlag{Name: "pin-timeout", Value: 20 * time.Second, Usage: "with --pin: timeout of each registry request (`DURATION`: 20s, 1m)"},
	}
}

// pinRun is the digest pinning of one run: its resolver (one cache, one lock, one set
// of failures for every file and worker) and settings.
type pinRun struct {
	resolver *pin.Resolver
	lock     *pin.Lock
	update   bool
}

// pinConfig reads the pin flags. It returns nil when pinning is off; pin flags
// without --pin are usage errors (but --platform, which verify's builds also take).
func pinConfig(c *cli.Context, verifying bool) (*pinRun, error) {
	on := c.Bool("pin") || c.Bool("update-pins")
	if !on {
		for _, f := range []string{"pin-lock", "offline", "platform", "registry-mirror", "pin-jobs", "pin-timeout"} {
			if f == "platform" && verifying {
				continue
			}
			if c.IsSet(f) {
				return nil, fmt.Errorf("--%s needs --pin", f)
			}
		}
		return nil, nil
	}
	if n := c.Int("pin-jobs"); n < 1 {
		return nil, fmt.Errorf("--pin-jobs: %d is not a positive number", n)
	}
	if d := c.Duration("pin-timeout"); d <= 0 {
		return nil, fmt.Errorf("--pin-timeout: %s is not a positive duration", d)
	}
	pr := &pinRun{update: c.Bool("update-pins")}
	var err error
	if f := c.String("pin-lock"); f != "" {
		if pr.lock, err = pin.LoadLock(f); err != nil {
			return nil, err
		}
	}
	pr.resolver, err = pin.New(pin.Options{
		Mirrors:  splitList(c.StringSlice("registry-mirror")),
		Platform: c.String("platform"),
		Jobs:     c.Int("pin-jobs"),
		Timeout:  c.Duration("pin-timeout"),
		Lock:     pr.lock,
		Offline:  c.Bool("offline"),
		Refresh:  pr.update,
	})
	if err != nil {
		return nil, err
	}
	return pr, nil
}

// enablePin adds the pin-digest rule to the enabled rules, unless --ignore names it.
func enablePin(rules []*fix.Rule, ignore []string) []*fix.Rule {
	all := fix.Rules()
	r := fix.Lookup(all, "pin-digest")
	for _, n := range ignore {
		if r.Matches(n) {
			return rules
		}
	}
	for _, have := range rules {
		if have.Name == r.Name {
			return rules
		}
	}
	return append(rules, r)
}

// resolverAdapter gives the rule the resolver in the rule's terms.
type resolverAdapter struct{ r *pin.Resolver }

func (a resolverAdapter) Resolve(ctx context.Context, ref, file string) (fix.PinResult, error) {
	res, err := a.r.Resolve(ctx, ref, displayPath(file))
	return fix.PinResult{Digest: res.Digest, FromLock: res.Source == "lock", Platform: res.Platform}, err
}

func (a resolverAdapter) ResolveIndex(ctx context.Context, ref, file string) (fix.PinResult, error) {
	res, err := a.r.ResolveIndex(ctx, ref, displayPath(file))
	return fix.PinResult{Digest: res.Digest, FromLock: res.Source == "lock", Platform: res.Platform}, err
}

func (a resolverAdapter) Platform() string { return a.r.Platform() }

// options returns the rule's settings for a run.
func (pr *pinRun) options(ctx context.Context) *fix.PinOptions {
	if pr == nil {
		return nil
	}
	return &fix.PinOptions{Resolver: resolverAdapter{pr.resolver}, Update: pr.update, Context: ctx}
}

// prefetch starts the lookups of every file's images before the workers reach them,
// so that lookups run --pin-jobs at a time whatever --jobs is. Files that cannot be
// read or parsed are left to the workers to report.
func (pr *pinRun) prefetch(ctx context.Context, files iter.Seq[string]) {
	for f := range files {
		if ctx.Err() != nil {
			return
		}
		src, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		doc, err := rewrite.Parse(f, src)
		if err != nil {
			continue
		}
		for _, l := range fix.PinLookups(doc, pr.update, pr.resolver.Platform()) {
			if l.Index {
				pr.resolver.PrefetchIndex(ctx, l.Ref)
			} else {
				pr.resolver.Prefetch(ctx, l.Ref)
			}
		}
	}
}

// finish reports the failed lookups, one line per image with the files that name it,
// and writes the lock file back. It returns the exit code they call for.
func (pr *pinRun) finish(cfg *config) int {
	if pr == nil {
		return exitClean
	}
	code := exitClean
	for _, f := range pr.resolver.Failures() {
		var le *pin.LookupError
		msg := f.Err.Error()
		if errors.As(f.Err, &le) {
			msg = le.Error()
		}
		files := ""
		if len(f.Files) > 0 {
			shown := f.Files
			if len(shown) > 5 {
				shown = append(shown[:5:5], fmt.Sprintf("and %d more", len(f.Files)-5))
			}
			files = " (named in " + strings.Join(shown, ", ") + ")"
		}
		if le == nil {
			msg = f.Ref + ": " + msg
		}
		fmt.Fprintf(cfg.stderr, "dfix: pin: cannot resolve %s%s\n", msg, files)
		code = exitError
	}
	if pr.lock != nil {
		if err := pr.lock.Save(); err != nil {
			fmt.Fprintln(cfg.stderr, "dfix:", err)
			code = exitError
		}
	}
	return code
}
