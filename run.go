package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	conf "github.com/dfix-dev/dfix/config"
	"github.com/dfix-dev/dfix/fix"
	"github.com/dfix-dev/dfix/rewrite"
	"github.com/dfix-dev/dfix/verify"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/urfave/cli/v2"
)

type mode int

const (
	modeCheck mode = iota // report findings
	modeDiff              // print a unified diff
	modeList              // print the paths fixes would change
	modeWrite             // fix in place
)

// config is everything one invocation decided from its flags.
type config struct {
	mode          mode
	rules         []*fix.Rule
	unsafe        bool
	format        string
	jobs          int
	quiet         bool
	exitZero      bool
	color         bool
	progress      bool
	stdinFilename string
	memProfile    string          // hidden --memprofile (profile.go)
	context       string          // --context: the build context folder ("" each Dockerfile's folder)
	pin           *pinRun         // digest pinning (--pin), nil when off
	pinOpts       *fix.PinOptions // its settings for the rule, bound to the run's context
	settings      *conf.Loader    // .dfix.toml files: rules and unsafe-fixes per file
	verify        *verifyConfig   // builds before and after (dfix verify, -w --verify), nil when off
	monorepo                      // --no-ignore, --files-from, --changed-since, --add-ignore, --statistics (monorepo.go)
	stdin         io.Reader
	stdout        io.Writer
	stderr        io.Writer
}

func configFrom(c *cli.Context, stdin io.Reader, stdout, stderr io.Writer) (*config, error) {
	cfg := &config{
		unsafe: c.Bool("unsafe-fixes"), format: c.String("format"), jobs: c.Int("jobs"),
		quiet: c.Bool("quiet"), exitZero: c.Bool("exit-zero"), stdinFilename: c.String("stdin-filename"),
		memProfile: c.String("memprofile"),
		stdin:      stdin, stdout: stdout, stderr: stderr,
	}
	n := 0
	for _, m := range []struct {
		flag string
		mode mode
	}{{"diff", modeDiff}, {"list", modeList}, {"write", modeWrite}} {
		if c.Bool(m.flag) {
			cfg.mode = m.mode
			n++
		}
	}
	if n > 1 {
		return nil, errors.New("--diff, --list and --write exclude each other")
	}
	verifying := c.Command.Name == "verify"
	if c.Bool("verify") && !verifying {
		if cfg.mode != modeWrite {
			return nil, errors.New("--verify goes with -w (or use `dfix verify PATH...` to only build and compare)")
		}
		verifying = true
	}
	switch {
	case c.Command.Name == "verify":
		if cfg.format != "text" && cfg.format != "json" && cfg.format != "markdown" {
			return nil, fmt.Errorf("--format: %q is not text, json or markdown", cfg.format)
		}
	case cfg.format == "text", cfg.format == "json", cfg.format == "sarif", cfg.format == "github", cfg.format == "markdown":
	default:
		return nil, fmt.Errorf("--format: %q is not text, json, sarif, github or markdown", cfg.format)
	}
	if cfg.jobs < 1 {
		return nil, fmt.Errorf("--jobs: %d is not a positive number", cfg.jobs)
	}
	var err error
	if cfg.rules, err = fix.Select(fix.Rules(), splitList(c.StringSlice("select")), splitList(c.StringSlice("ignore"))); err != nil {
		return nil, err
	}
	if cfg.settings, err = newLoader(c, stderr, cfg.quiet); err != nil {
		return nil, errors.New(strings.ReplaceAll(err.Error(), "\n", "\ndfix: "))
	}
	configPins(c, cfg.settings) // pin, pin-lock, registry-mirrors from .dfix.toml, before pinConfig reads them
	if cfg.pin, err = pinConfig(c, verifying); err != nil {
		return nil, err
	}
	if cfg.pin != nil {
		cfg.rules = enablePin(cfg.rules, splitList(c.StringSlice("ignore")))
	}
	if cfg.color, err = useColor(c.String("color"), stdout); err != nil {
		return nil, err
	}
	if cfg.context = c.String("context"); cfg.context != "" {
		if fi, err := os.Stat(cfg.context); err != nil || !fi.IsDir() {
			return nil, fmt.Errorf("--context: %s is not a folder", cfg.context)
		}
	}
	if cfg.verify, err = verifyFrom(c, verifying); err != nil {
		return nil, err
	}
	if err := cfg.monorepoFrom(c); err != nil {
		return nil, err
	}
	cfg.progress = !cfg.quiet && isTerminal(stderr)
	return cfg, nil
}

// splitList accepts both --select a,b and --select a --select b.
func splitList(vals []string) []string {
	var out []string
	for _, v := range vals {
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}

// fileResult is what processing one file produced, printed in input order.
type fileResult struct {
	path    string
	walkErr error // an error of the walk, in its place in the output, not a file's
	// configErr: the file's configuration cannot be read, so the file is not processed.
	configErr error
	res       *fix.Result
	err       error  // could not read, parse or write
	note      string // skipped, with the reason
	changed   bool
	written   bool
	staged    *rewrite.Staged // -w: the fixed file, written beside it, not yet in place
	// verified is the build verdict of -w --verify; verifyNote says what was written.
	verified   *verify.Report
	verifyNote string
	ignores    *addedIgnores // --add-ignore: the comments added (addignore.go)
}

func (cfg *config) runPaths(ctx context.Context, args []string) int {
	cfg.pinOpts = cfg.pin.options(ctx)
	if cfg.listing() { // --files-from, --changed-since
		files, walkErrs, ok := cfg.listedFiles(ctx, args)
		if !ok {
			return exitError
		}
		return cfg.runFiles(ctx, listed(files, walkErrs), slices.Values(files))
	}
	stdinMode := len(args) == 1 && args[0] == "-"
	if len(args) == 0 {
		if stdinPiped(cfg.stdin) {
			stdinMode = true
		} else {
			fmt.Fprintln(cfg.stderr, "dfix: no PATH given (use `dfix .` for the current folder, `-` for standard input; see dfix --help)")
			return exitError
		}
	}
	if stdinMode {
		if cfg.verify != nil {
			fmt.Fprintln(cfg.stderr, "dfix: --verify cannot build standard input: a build needs the Dockerfile's folder")
			return exitError
		}
		return max(cfg.runStdin(), cfg.pin.finish(cfg))
	}
	for _, a := range args {
		if a == "-" {
			fmt.Fprintln(cfg.stderr, "dfix: \"-\" (standard input) cannot be mixed with other paths")
			return exitError
		}
	}
	var again iter.Seq[string] // the files once more, for pin's lookups ahead of the work
	if cfg.pin != nil {
		again = pathsOf(discoverWith(args, cfg.walk))
	}
	return cfg.runFiles(ctx, cfg.discover(args), again)
}

// discover finds the files under paths with the run's walk options (discoverWith);
// the configuration lookups then take what the walk saw of the folders instead of a
// stat per name (walkListing). The lookup of a file's configuration comes after the
// walk has read its folder and those above it.
func (cfg *config) discover(paths []string) iter.Seq2[string, error] {
	walk := cfg.walk
	if cfg.settings != nil {
		walk.listing = newWalkListing()
		cfg.settings.SetListing(walk.listing)
	}
	return discoverWith(paths, walk)
}

// listed yields the walk's errors, then the files, of a run given its list of files.
func listed(files []string, errs []error) iter.Seq2[string, error] {
	return func(yield func(string, error) bool) {
		for _, err := range errs {
			if !yield("", err) {
				return
			}
		}
		for _, f := range files {
			if !yield(f, nil) {
				return
			}
		}
	}
}

// pathsOf yields the files of a walk, without its errors.
func pathsOf(seq iter.Seq2[string, error]) iter.Seq[string] {
	return func(yield func(string) bool) {
		for f, err := range seq {
			if err == nil && !yield(f) {
				return
			}
		}
	}
}

// runFiles processes the files as the walk finds them and reports them. again, when
// pinning, yields the same files for the registry lookups to start ahead.
func (cfg *config) runFiles(ctx context.Context, files iter.Seq2[string, error], again iter.Seq[string]) int {
	if cfg.verify != nil && !cfg.pingEngine(ctx) {
		return exitError // nothing can be verified, so nothing is written
	}
	code := exitClean
	if cfg.pin != nil && again != nil {
		go cfg.pin.prefetch(ctx, again)
	}
	results := cfg.commitWrites(cfg.process(ctx, files))
	rep := newReporter(cfg)
	for r := range results {
		code = max(code, rep.file(r))
	}
	code = max(code, cfg.pin.finish(cfg)) // failed lookups, before the summary
	code = max(code, rep.finish())
	if err := writeHeapProfile(cfg.memProfile); err != nil {
		fmt.Fprintln(cfg.stderr, "dfix:", err)
		code = exitError
	}
	if ctx.Err() != nil {
		fmt.Fprintln(cfg.stderr, "dfix: interrupted; files not yet processed were left as they were")
		code = exitError
	}
	if code == exitFindings && cfg.exitZero {
		code = exitClean
	}
	return code
}

// fileJob is a file to process with its settings, or an error of the walk.
type fileJob struct {
	path      string
	walkErr   error
	rules     []*fix.Rule
	unsafe    bool
	configErr error // the file's configuration cannot be read
}

// process runs the files through a pool of workers and yields their results in the
// walk's order, as soon as each one and all before it are done. Each file's settings
// are looked up as the walk gives it, before it goes to a worker: the lookups read
// what the walk records of the folders (walkListing), one step after the other.
func (cfg *config) process(ctx context.Context, files iter.Seq2[string, error]) iter.Seq[*fileResult] {
	prog := newProgress(cfg)
	jobs := func(yield func(fileJob) bool) {
		for path, err := range files {
			j := fileJob{path: path, walkErr: err}
			if err == nil {
				j.rules, j.unsafe, j.configErr = cfg.fileOptions(path)
			}
			if !yield(j) {
				return
			}
		}
	}
	return inOrder(ctx, jobs, cfg.jobs, func(j fileJob) *fileResult { return cfg.processFile(ctx, j) },
		prog.step, prog.done)
}

// fileWriter writes the fixed files. Its zero value is the real, atomic write; tests
// replace it to inject faults (a full disk, a file edited between read and write).
var fileWriter rewrite.Writer

func (cfg *config) processFile(ctx context.Context, j fileJob) (fr *fileResult) {
	path := j.path
	fr = &fileResult{path: path, walkErr: j.walkErr, configErr: j.configErr}
	if j.walkErr != nil || j.configErr != nil {
		return fr
	}
	defer func() {
		// A panic is a dfix bug: report it against the file and go on with the batch.
		if p := recover(); p != nil {
			fr.err = fmt.Errorf("%s: internal error (a dfix bug, please report it): %v", path, p)
		}
	}()
	// Only -w needs a snapshot (the resolved target, a hash to notice a change on disk
	// before writing); the other modes read the bytes alone.
	var snap *rewrite.Snapshot
	var src []byte
	var err error
	if cfg.mode == modeWrite {
		if snap, err = rewrite.ReadFile(path); err == nil {
			src = snap.Data
		}
	} else {
		src, err = rewrite.ReadBytes(path)
	}
	if err != nil {
		fr.err = err
		return fr
	}
	fr.res, fr.note, fr.err = cfg.fixWith(path, src, j.rules, j.unsafe)
	if fr.res == nil {
		return fr
	}
	if cfg.addIgnore {
		cfg.addIgnores(fr)
	}
	fr.changed = fr.res.Changed()
	out := fr.res.Output
	if cfg.mode == modeWrite && fr.changed && cfg.verify != nil {
		if out = cfg.verifyBeforeWrite(ctx, fr); out == nil {
			return fr
		}
	}
	if cfg.mode == modeWrite && fr.changed {
		// The temporary file only: commitWrites syncs and renames files in batches.
		if fr.staged, err = fileWriter.Stage(snap, out); err != nil {
			fr.err = err
			return fr
		}
	}
	return fr
}

// writeBatch is the most staged files commitWrites puts in place together.
const writeBatch = 32

// commitWrites passes results on in order, putting the files -w staged in place
// first, a batch at a time: one round of concurrent syncs, renames, one sync per
// folder (rewrite.Writer.Commit), where one file after another cost two syncs each.
// It is a group commit: while a batch is being committed the next one fills, and an
// idle committer takes whatever is there, so batches grow when syncs are slow and
// output never waits for a batch to fill.
func (cfg *config) commitWrites(seq iter.Seq[*fileResult]) iter.Seq[*fileResult] {
	if cfg.mode != modeWrite {
		return seq
	}
	results := make(chan *fileResult)
	go func() {
		defer close(results)
		for r := range seq {
			results <- r
		}
	}()
	batches := make(chan []*fileResult) // unbuffered: a send succeeds when the committer is idle
	go func() {
		defer close(batches)
		var held []*fileResult
		for results != nil || len(held) > 0 {
			var idle chan<- []*fileResult // nil (never ready) while nothing is held
			if len(held) > 0 {
				idle = batches
			}
			if results == nil || len(held) >= writeBatch {
				batches <- held
				held = nil
				continue
			}
			select {
			case r, ok := <-results:
				if !ok {
					results = nil
					continue
				}
				held = append(held, r)
			case idle <- held:
				held = nil
			}
		}
	}()
	out := make(chan *fileResult)
	go func() {
		defer close(out)
		for batch := range batches {
			var staged []*rewrite.Staged
			var owners []*fileResult
			for _, r := range batch {
				switch {
				case r.staged != nil && r.err != nil: // never so today: Stage is the last step
					r.staged.Abort()
					r.staged = nil
				case r.staged != nil:
					staged = append(staged, r.staged)
					owners = append(owners, r)
				}
			}
			for i, err := range fileWriter.Commit(staged) {
				owners[i].staged = nil
				if owners[i].err = err; err == nil {
					owners[i].written = true
				}
			}
			for _, r := range batch {
				out <- r
			}
		}
	}()
	return seqOf(out)
}

// fixBytes runs the rules on one file's bytes. A file whose # syntax= directive names
// another frontend is skipped with a note.
func (cfg *config) fixBytes(name string, src []byte) (*fix.Result, string, error) {
	rules, unsafe, err := cfg.fileOptions(name)
	if err != nil {
		return nil, "", asFileError(err)
	}
	return cfg.fixWith(name, src, rules, unsafe)
}

// fixWith is fixBytes with the file's settings looked up.
func (cfg *config) fixWith(name string, src []byte, rules []*fix.Rule, unsafe bool) (*fix.Result, string, error) {
	if fe := foreignFrontend(src); fe != "" {
		return nil, fmt.Sprintf("skipped: # syntax=%s is not a Dockerfile frontend", fe), nil
	}
	res, err := fix.Run(name, src, fix.Options{Rules: rules, UnsafeFixes: unsafe, NoFix: cfg.mode == modeCheck, Pin: cfg.pinOpts, Context: cfg.context})
	return res, "", err
}

// foreignFrontend returns the # syntax= image when it is not a Dockerfile frontend
// (docker/dockerfile, docker/dockerfile-upstream, and their mirrors). The directive is
// found with BuildKit's own DetectSyntax, which is what picks the frontend at build
// time: a `# syntax=` after a plain comment is no directive.
func foreignFrontend(src []byte) string {
	if !containsFold(src, "syntax") {
		return "" // no directive can name it: skip DetectSyntax's three readings of the file
	}
	v, _, _, ok := parser.DetectSyntax(src)
	if !ok {
		return ""
	}
	name, _, _ := strings.Cut(v, "@")
	if c := strings.LastIndex(name, ":"); c > strings.LastIndex(name, "/") {
		name = name[:c]
	}
	if strings.HasPrefix(path.Base(name), "dockerfile") {
		return ""
	}
	return v
}

// containsFold reports whether b contains the ASCII word w in any case.
func containsFold(b []byte, w string) bool {
	for i := 0; i+len(w) <= len(b); i++ {
		if b[i]|0x20 == w[0] && bytes.EqualFold(b[i:i+len(w)], []byte(w)) {
			return true
		}
	}
	return false
}

func (cfg *config) runStdin() int {
	src, err := io.ReadAll(cfg.stdin)
	name := cfg.stdinFilename
	if name == "" {
		name = "-"
	}
	if err != nil {
		fmt.Fprintf(cfg.stderr, "dfix: %s: reading standard input: %v\n", name, err)
		return exitError
	}
	fr := &fileResult{path: name}
	mode := cfg.mode
	if mode == modeCheck && cfg.format == "text" {
		cfg.mode = modeWrite // standard input in, fixed file out, like gofmt and shfmt
	}
	fr.res, fr.note, fr.err = cfg.fixBytes(name, src)
	cfg.mode = mode
	if fr.res != nil && cfg.addIgnore {
		cfg.addIgnores(fr)
	}
	if fr.res != nil {
		fr.changed = fr.res.Changed()
	}
	rep := newReporter(cfg)
	rep.stdin = true
	code := rep.file(fr)
	if fr.err != nil || fr.note != "" {
		if mode == modeWrite || mode == modeCheck && cfg.format == "text" {
			_, _ = cfg.stdout.Write(src) // a filter never loses its input
		}
	} else if mode == modeWrite || mode == modeCheck && cfg.format == "text" {
		_, _ = cfg.stdout.Write(fr.res.Output)
	}
	code = max(code, rep.finish())
	if code == exitFindings && cfg.exitZero {
		code = exitClean
	}
	return code
}

// displayPath is the path as a diff label and in messages: slash-separated, relative
// as the user gave it.
func displayPath(p string) string {
	p = filepath.ToSlash(p)
	return strings.TrimPrefix(p, "./")
}

// stdinPiped reports whether standard input is a pipe or a file, not a terminal or
// /dev/null: then `dfix` with no PATH reads it.
func stdinPiped(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return r != nil
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&(os.ModeCharDevice|os.ModeDevice) == 0
}

// diffLabel is the path in a/ and b/ diff labels: relative to the working folder when
// the file is inside it, else without its leading slash, as `git diff --no-index` writes
// absolute paths, so that `patch -p1` and `git apply` find the file.
func diffLabel(p string) string {
	if filepath.IsAbs(p) {
		if wd, err := os.Getwd(); err == nil {
			if rel, err := filepath.Rel(wd, p); err == nil && !strings.HasPrefix(rel, "..") {
				return filepath.ToSlash(rel)
			}
		}
	}
	return strings.TrimLeft(displayPath(p), "/")
}
