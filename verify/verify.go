package verify

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Job is one Dockerfile to verify: its text before and after dfix, and how to make
// other versions of the fix for blame and per-rule measures.
type Job struct {
	Path     string // the Dockerfile as the user named it
	Context  string // its build context folder
	Original []byte
	Fixed    []byte
	Rules    []string // the rules whose fixes made Fixed
	// CommandChanged is true when a fix changed a CMD or ENTRYPOINT: then the images'
	// own commands are started and stopped (the signal check).
	CommandChanged bool
	// Without returns the text fixed without the given rules (nil: no blame).
	Without func(rules []string) ([]byte, error)
	// Only returns the text fixed by one rule alone (nil: no per-rule measures).
	Only func(rule string) ([]byte, error)
}

// Options are the user's build settings and the checks to run.
type Options struct {
	BuildArgs []string
	Target    string
	Platform  string
	Network   string
	// Smoke is a shell command that must pass in both images.
	Smoke string
	// PerRule builds once per rule that touched a file, to attribute the size change.
	PerRule bool
	// NoFiles skips the comparison of the images' filesystems.
	NoFiles bool
	// StopTimeout is docker stop's timeout in the signal check (default 10s).
	StopTimeout time.Duration
	// KeepImages keeps the images built (their tags are in the report).
	KeepImages bool
	// RunID makes the image tags of one run unique.
	RunID string
}

// Status is the verdict on one file.
type Status string

const (
	// Pass: the original and the fixed file build and pass the same checks.
	Pass Status = "pass"
	// Broken: the original builds and passes its checks, the fixed file does not.
	// That is a dfix bug; Blame names the rules responsible.
	Broken Status = "broken"
	// OriginalFails: the original does not build or fails its own checks, so nothing
	// can be blamed on the fixes.
	OriginalFails Status = "original-fails"
	// Unverified: the engine or the network failed; nothing is said about the fixes.
	Unverified Status = "unverified"
)

// Build is one image built for a report and the checks run in it.
type Build struct {
	OK      bool    `json:"ok"`
	Error   string  `json:"error,omitempty"` // the end of the build log when it failed
	Network bool    `json:"network_failure,omitempty"`
	Image   string  `json:"image,omitempty"` // tag, when the image is kept
	Size    int64   `json:"size,omitempty"`
	Layers  []Layer `json:"layers,omitempty"`
	Seconds float64 `json:"seconds"`
	// Smoke is the smoke command's outcome (nil when none was given or the build failed).
	Smoke *Smoke `json:"smoke,omitempty"`
	// Stop is the signal check (nil unless a fix changed CMD or ENTRYPOINT).
	Stop *StopResult `json:"stop,omitempty"`
}

// Smoke is a smoke command's outcome in one image.
type Smoke struct {
	OK     bool   `json:"ok"`
	Output string `json:"output,omitempty"`
}

// RuleSize is one rule's part of a file's size change (--per-rule).
type RuleSize struct {
	Rule  string `json:"rule"`
	OK    bool   `json:"ok"`    // the file fixed by this rule alone builds
	Saved int64  `json:"saved"` // bytes smaller than the original (negative: larger)
	Error string `json:"error,omitempty"`
}

// Report is the verdict on one file.
type Report struct {
	Path     string     `json:"path"`
	Rules    []string   `json:"rules"`
	Status   Status     `json:"status"`
	Reason   string     `json:"reason,omitempty"`
	Original *Build     `json:"original"`
	Fixed    *Build     `json:"fixed,omitempty"`
	Files    *FileDiff  `json:"files,omitempty"`
	PerRule  []RuleSize `json:"per_rule,omitempty"`
	// Blame are the rules without which the fixed file builds and passes (Broken only).
	Blame []string `json:"blame,omitempty"`
	// Fallback is the text fixed without the blamed rules, verified to pass; nil when
	// none was found. FallbackRules are the rules it keeps.
	Fallback      []byte   `json:"-"`
	FallbackRules []string `json:"fallback_rules,omitempty"`
}

// Saved is how many bytes smaller the fixed image is (0 unless both built).
func (r *Report) Saved() int64 {
	if r.Original == nil || r.Fixed == nil || !r.Original.OK || !r.Fixed.OK {
		return 0
	}
	return r.Original.Size - r.Fixed.Size
}

// Verifier runs jobs against an engine.
type Verifier struct {
	Engine Engine
	Opts   Options
	// Step, when set, is told what is being built (for a progress line).
	Step func(path, step string)
}

func (v *Verifier) step(job *Job, s string) {
	if v.Step != nil {
		v.Step(job.Path, s)
	}
}

// Verify builds and checks one job. It never returns nil.
func (v *Verifier) Verify(ctx context.Context, job *Job) *Report {
	rep := &Report{Path: job.Path, Rules: job.Rules}
	var keep []*Image
	defer func() {
		if !v.Opts.KeepImages {
			_ = v.Engine.Remove(context.WithoutCancel(ctx), keep...)
		}
	}()

	v.step(job, "building the original")
	orig, origImg := v.build(ctx, job, job.Original, "original")
	rep.Original = orig
	keep = append(keep, origImg)
	if origImg != nil {
		v.check(ctx, job, orig, origImg, nil)
	}
	v.step(job, "building the fixed file")
	fixed, fixedImg := v.build(ctx, job, job.Fixed, "fixed")
	rep.Fixed = fixed
	keep = append(keep, fixedImg)
	if fixedImg != nil {
		v.check(ctx, job, fixed, fixedImg, orig)
	}

	switch {
	case ctx.Err() != nil:
		rep.Status, rep.Reason = Unverified, "interrupted"
		return rep
	case !orig.OK && orig.Network || fixed.Network && !fixed.OK:
		rep.Status, rep.Reason = Unverified, "the network failed during the build (not a property of the Dockerfile)"
		return rep
	case !orig.OK:
		rep.Status, rep.Reason = OriginalFails, "the original does not build, so nothing is blamed on the fixes"
		if fixed.OK {
			rep.Reason = "the original does not build; the fixed file does"
		}
		return rep
	case orig.Smoke != nil && !orig.Smoke.OK:
		rep.Status, rep.Reason = OriginalFails, "the smoke command fails in the original image too"
		return rep
	}
	if why := failure(fixed, orig); why != "" {
		rep.Status, rep.Reason = Broken, why
		v.blame(ctx, job, rep)
		return rep
	}
	rep.Status = Pass
	if !v.Opts.NoFiles {
		v.step(job, "comparing the images' files")
		fd, err := v.compare(ctx, origImg, fixedImg)
		if err != nil {
			rep.Reason = "files not compared: " + err.Error()
		}
		rep.Files = fd
	}
	if v.Opts.PerRule && job.Only != nil {
		rep.PerRule = v.perRule(ctx, job, orig)
	}
	return rep
}

// failure says why a fixed build does not pass where the original did ("" if it passes).
func failure(fixed, orig *Build) string {
	switch {
	case !fixed.OK:
		return "the fixed file does not build"
	case fixed.Smoke != nil && !fixed.Smoke.OK:
		return "the smoke command fails in the fixed image"
	}
	if s, o := fixed.Stop, orig.Stop; s != nil && o != nil {
		switch {
		case o.Running && !s.Running:
			return fmt.Sprintf("the fixed image's command exits at once (code %d) where the original keeps running", s.ExitCode)
		case !o.Running && !s.Running && o.ExitCode == 0 && s.ExitCode != 0:
			return fmt.Sprintf("the fixed image's command fails (exit code %d) where the original succeeds", s.ExitCode)
		case o.Running && s.Running && !o.Killed && s.Killed:
			return "the fixed image's command no longer stops on SIGTERM (docker stop had to kill it)"
		}
	}
	return ""
}

// build builds one text, retrying once when the network failed.
func (v *Verifier) build(ctx context.Context, job *Job, text []byte, kind string) (*Build, *Image) {
	req := BuildRequest{
		Name: job.Path, Dockerfile: text, Context: job.Context,
		BuildArgs: v.Opts.BuildArgs, Target: v.Opts.Target, Platform: v.Opts.Platform,
		Network: v.Opts.Network, Tag: v.tag(job, kind),
	}
	b := &Build{}
	for attempt := 0; ; attempt++ {
		start := time.Now()
		img, err := v.Engine.Build(ctx, req)
		b.Seconds = time.Since(start).Seconds()
		if err == nil {
			b.OK, b.Size, b.Layers = true, img.Size, img.Layers
			if v.Opts.KeepImages {
				b.Image = img.Tag
			}
			return b, img
		}
		var be *BuildError
		if errors.As(err, &be) {
			b.Error, b.Network = be.Log, be.Network
			if b.Error == "" {
				b.Error = be.Error()
			}
		} else {
			b.Error = err.Error()
		}
		if !b.Network || attempt == 1 || ctx.Err() != nil {
			return b, nil
		}
	}
}

// check runs the smoke command and, when a fix changed the command, the signal check.
// orig is nil for the original's own build.
func (v *Verifier) check(ctx context.Context, job *Job, b *Build, img *Image, orig *Build) {
	run := RunOptions{Network: v.Opts.Network, Platform: v.Opts.Platform}
	if v.Opts.Smoke != "" {
		v.step(job, "running the smoke command")
		out, err := v.Engine.Smoke(ctx, img, v.Opts.Smoke, run)
		b.Smoke = &Smoke{OK: err == nil, Output: out}
		if err != nil && out == "" {
			b.Smoke.Output = err.Error()
		}
	}
	if job.CommandChanged && (orig == nil || orig.Stop != nil) {
		v.step(job, "starting and stopping the image's command")
		st, err := v.Engine.Stop(ctx, img, v.stopTimeout(), run)
		if err == nil {
			b.Stop = st
		}
	}
}

func (v *Verifier) stopTimeout() time.Duration {
	if v.Opts.StopTimeout > 0 {
		return v.Opts.StopTimeout
	}
	return 10 * time.Second
}

// passes builds text and reports whether it passes the checks the original passed.
func (v *Verifier) passes(ctx context.Context, job *Job, text []byte, kind string, orig *Build) (bool, *Build) {
	b, img := v.build(ctx, job, text, kind)
	if img != nil {
		v.check(ctx, job, b, img, orig)
		if !v.Opts.KeepImages {
			_ = v.Engine.Remove(context.WithoutCancel(ctx), img)
		}
	}
	return failure(b, orig) == "", b
}

// blame finds the rules without which the fixed file passes: first each rule alone,
// then, when no single rule is to blame, rules taken away one by one until the file
// passes, then those that were not needed put back. The engine's layer cache makes
// the part shared with the original free.
func (v *Verifier) blame(ctx context.Context, job *Job, rep *Report) {
	if job.Without == nil || len(job.Rules) == 0 {
		return
	}
	try := func(without []string) ([]byte, bool) {
		if ctx.Err() != nil {
			return nil, false
		}
		text, err := job.Without(without)
		if err != nil {
			return nil, false
		}
		if bytes.Equal(text, job.Original) {
			return text, true // the original passed
		}
		v.step(job, "building without "+strings.Join(without, ", "))
		ok, _ := v.passes(ctx, job, text, "without-"+strings.Join(without, "-"), rep.Original)
		return text, ok
	}
	var found []string
	var fallback []byte
	if len(job.Rules) > 1 {
		for _, r := range job.Rules {
			if text, ok := try([]string{r}); ok {
				found = append(found, r)
				if fallback == nil {
					fallback = text
				}
			}
		}
	}
	switch {
	case len(found) == 1:
		rep.Blame = found
	case len(found) > 1:
		// Several rules each repair the file alone: they break it together. Keep the
		// fallback without the first one.
		rep.Blame = found
		rep.Reason += fmt.Sprintf("; rules %s break it together (without %s it passes)", strings.Join(found, ", "), found[0])
		found = found[:1]
	default:
		var without []string
		for _, r := range job.Rules {
			without = append(without, r)
			if text, ok := try(without); ok {
				fallback = text
				break
			}
		}
		if fallback == nil {
			rep.Blame = job.Rules
			rep.Reason += "; it does not pass without any of its rules either"
			return
		}
		// Put back the rules that were not needed.
		for i := 0; i < len(without)-1; {
			cand := append(append([]string{}, without[:i]...), without[i+1:]...)
			if text, ok := try(cand); ok {
				without, fallback = cand, text
				continue
			}
			i++
		}
		found = without
		rep.Blame = without
	}
	rep.Fallback = fallback
	for _, r := range job.Rules {
		if !slices.Contains(found, r) {
			rep.FallbackRules = append(rep.FallbackRules, r)
		}
	}
}

// perRule measures each rule's part of the size change by building the file fixed by
// that rule alone. With one rule, the whole change is that rule's: nothing to build.
func (v *Verifier) perRule(ctx context.Context, job *Job, orig *Build) []RuleSize {
	var out []RuleSize
	if len(job.Rules) == 1 {
		return nil // the caller attributes the whole change
	}
	for _, r := range job.Rules {
		rs := RuleSize{Rule: r}
		text, err := job.Only(r)
		switch {
		case err != nil:
			rs.Error = err.Error()
		case bytes.Equal(text, job.Original):
			rs.OK = true
		default:
			v.step(job, "building with "+r+" alone")
			b, img := v.build(ctx, job, text, "only-"+r)
			if img != nil && !v.Opts.KeepImages {
				_ = v.Engine.Remove(context.WithoutCancel(ctx), img)
			}
			rs.OK = b.OK
			if b.OK {
				rs.Saved = orig.Size - b.Size
			} else {
				rs.Error = b.Error
			}
		}
		out = append(out, rs)
	}
	return out
}

func (v *Verifier) compare(ctx context.Context, orig, fixed *Image) (*FileDiff, error) {
	read := func(img *Image) (*FileSet, error) {
		var fs *FileSet
		err := v.Engine.Files(ctx, img, func(r io.Reader) error {
			var err error
			fs, err = ReadFileSet(r)
			return err
		})
		return fs, err
	}
	a, err := read(orig)
	if err != nil {
		return nil, err
	}
	b, err := read(fixed)
	if err != nil {
		return nil, err
	}
	return CompareFiles(a, b), nil
}

var tagUnsafe = regexp.MustCompile(`[^a-z0-9_.-]+`)

// tag names an image of this run: dfix-verify:<run>-<file>-<kind>.
func (v *Verifier) tag(job *Job, kind string) string {
	sum := sha256.Sum256([]byte(job.Path + "\x00" + job.Context))
	t := v.Opts.RunID + "-" + hex.EncodeToString(sum[:4]) + "-" + tagUnsafe.ReplaceAllString(strings.ToLower(kind), "-")
	t = strings.TrimLeft(t, "-.")
	if len(t) > 120 {
		h := sha256.Sum256([]byte(t))
		t = t[:100] + "-" + hex.EncodeToString(h[:4])
	}
	return "dfix-verify:" + t
}
