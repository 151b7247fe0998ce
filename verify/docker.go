package verify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Docker is the Engine reached through the docker CLI: the client users already have,
// with their DOCKER_HOST, contexts, credential helpers and proxies, and whose build is
// the one they run (`.dockerignore` beside the Dockerfile included). The Go clients
// would bring the engine API's module tree into dfix for no gain in fidelity.
type Docker struct {
	// Binary is the docker CLI ("docker" on PATH when empty).
	Binary string
	// Env is added to the environment of every docker command (tests point DOCKER_HOST
	// at their own daemon).
	Env []string
	// Settle is how long Stop lets the image's command run before stopping it.
	Settle time.Duration
}

func (d *Docker) bin() string {
	if d.Binary != "" {
		return d.Binary
	}
	return "docker"
}

// command runs docker with args and returns its standard output; the error carries
// the end of standard error.
func (d *Docker) command(ctx context.Context, stdin io.Reader, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, d.bin(), args...)
	cmd.Env = append(append(os.Environ(), "DOCKER_BUILDKIT=1"), d.Env...)
	cmd.Stdin = stdin
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		if msg := strings.TrimSpace(tail(errb.String(), 8)); msg != "" {
			return out.Bytes(), fmt.Errorf("docker %s: %s", args[0], msg)
		}
		return out.Bytes(), fmt.Errorf("docker %s: %w", args[0], err)
	}
	return out.Bytes(), nil
}

// Ping checks that the client reaches a daemon that can build with BuildKit, and
// returns the server's version.
func (d *Docker) Ping(ctx context.Context) (string, error) {
	out, err := d.command(ctx, nil, "version", "--format", "{{.Server.Version}}")
	if err != nil {
		if errors.Is(err, exec.ErrNotFound) || errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("no docker client %q: install Docker or give its path with --docker", d.bin())
		}
		return "", fmt.Errorf("cannot reach the Docker Engine (DOCKER_HOST=%q): %w", os.Getenv("DOCKER_HOST"), err)
	}
	// A client without the buildx plugin refuses DOCKER_BUILDKIT=1 builds: find out now,
	// not as a build failure blamed on nothing.
	if _, err := d.command(ctx, nil, "build", "--help"); err != nil {
		return "", fmt.Errorf("%s cannot build with BuildKit: %w (give another client with --docker)", d.bin(), err)
	}
	return strings.TrimSpace(string(out)), nil
}

// Build runs `docker build` on a copy of the Dockerfile in a temporary folder outside
// the context (so that the context is exactly the user's), with the Dockerfile's own
// .dockerignore copied beside it.
func (d *Docker) Build(ctx context.Context, req BuildRequest) (*Image, error) {
	dir, err := os.MkdirTemp("", "dfix-verify-")
	if err != nil {
		return nil, &BuildError{Err: err}
	}
	defer os.RemoveAll(dir)
	base := filepath.Base(req.Name)
	if base == "" || base == "." || base == "-" {
		base = "Dockerfile"
	}
	df := filepath.Join(dir, base)
	if err := os.WriteFile(df, req.Dockerfile, 0o644); err != nil {
		return nil, &BuildError{Err: err}
	}
	if ign, err := os.ReadFile(req.Name + ".dockerignore"); err == nil {
		if err := os.WriteFile(df+".dockerignore", ign, 0o644); err != nil {
			return nil, &BuildError{Err: err}
		}
	}
	iid := filepath.Join(dir, "iid")
	args := []string{"build", "--progress=plain", "--iidfile", iid, "-f", df}
	if req.Tag != "" {
		args = append(args, "-t", req.Tag)
	}
	for _, a := range req.BuildArgs {
		args = append(args, "--build-arg", a)
	}
	if req.Target != "" {
		args = append(args, "--target", req.Target)
	}
	if req.Platform != "" {
		args = append(args, "--platform", req.Platform)
	}
	if req.Network != "" {
		args = append(args, "--network", req.Network)
	}
	args = append(args, req.Context)
	cmd := exec.CommandContext(ctx, d.bin(), args...)
	cmd.Env = append(append(os.Environ(), "DOCKER_BUILDKIT=1"), d.Env...)
	var logb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logb, &logb
	if err := cmd.Run(); err != nil {
		log := buildErrorLog(logb.String())
		if ctx.Err() != nil {
			return nil, &BuildError{Log: log, Err: ctx.Err()}
		}
		return nil, &BuildError{Log: log, Network: networkFailure(log), Err: fmt.Errorf("docker build: %w", err)}
	}
	id, err := os.ReadFile(iid)
	if err != nil {
		return nil, &BuildError{Log: tail(logb.String(), 10), Err: fmt.Errorf("docker build wrote no image id: %w", err)}
	}
	img := &Image{ID: strings.TrimSpace(string(id)), Tag: req.Tag}
	if err := d.inspect(ctx, img); err != nil {
		return nil, &BuildError{Err: err}
	}
	return img, nil
}

func (d *Docker) ref(img *Image) string {
	if img.Tag != "" {
		return img.Tag
	}
	return img.ID
}

// inspect fills in the image's size and layers.
func (d *Docker) inspect(ctx context.Context, img *Image) error {
	out, err := d.command(ctx, nil, "image", "inspect", "--format", "{{.Size}}", img.ID)
	if err != nil {
		return err
	}
	if img.Size, err = strconv.ParseInt(strings.TrimSpace(string(out)), 10, 64); err != nil {
		return fmt.Errorf("docker image inspect: size %q: %w", out, err)
	}
	out, err = d.command(ctx, nil, "history", "--no-trunc", "--human=false", "--format", "{{.Size}}\t{{.CreatedBy}}", img.ID)
	if err != nil {
		return err
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	for i := len(lines) - 1; i >= 0; i-- { // docker lists the newest first
		size, by, _ := strings.Cut(lines[i], "\t")
		n, err := strconv.ParseInt(strings.TrimSpace(size), 10, 64)
		if err != nil {
			continue
		}
		img.Layers = append(img.Layers, Layer{CreatedBy: by, Size: n})
	}
	return nil
}

// Files exports a container of the image (created, never started).
func (d *Docker) Files(ctx context.Context, img *Image, fn func(io.Reader) error) error {
	out, err := d.command(ctx, nil, "create", "--entrypoint", "/dfix-never-started", d.ref(img))
	if err != nil {
		return err
	}
	id := strings.TrimSpace(string(out))
	defer d.command(context.WithoutCancel(ctx), nil, "rm", "-f", id) //nolint:errcheck // best effort
	cmd := exec.CommandContext(ctx, d.bin(), "export", id)
	cmd.Env = append(os.Environ(), d.Env...)
	var errb bytes.Buffer
	cmd.Stderr = &errb
	pipe, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	ferr := fn(pipe)
	_, _ = io.Copy(io.Discard, pipe)
	werr := cmd.Wait()
	if ferr != nil {
		return ferr
	}
	if werr != nil {
		return fmt.Errorf("docker export: %s", strings.TrimSpace(tail(errb.String(), 5)))
	}
	return nil
}

func (d *Docker) runArgs(opt RunOptions) []string {
	var args []string
	if opt.Network != "" {
		args = append(args, "--network", opt.Network)
	}
	if opt.Platform != "" {
		args = append(args, "--platform", opt.Platform)
	}
	return args
}

// Smoke runs the command with /bin/sh in a throwaway container.
func (d *Docker) Smoke(ctx context.Context, img *Image, cmd string, opt RunOptions) (string, error) {
	args := append([]string{"run", "--rm"}, d.runArgs(opt)...)
	args = append(args, "--entrypoint", "/bin/sh", d.ref(img), "-c", cmd)
	c := exec.CommandContext(ctx, d.bin(), args...)
	c.Env = append(os.Environ(), d.Env...)
	var out bytes.Buffer
	c.Stdout, c.Stderr = &out, &out
	err := c.Run()
	return tail(out.String(), 20), err
}

// Stop starts the image's own command, lets it settle, and times `docker stop`.
func (d *Docker) Stop(ctx context.Context, img *Image, timeout time.Duration, opt RunOptions) (*StopResult, error) {
	// Created, then started: a command that cannot start (not found, not executable)
	// fails `docker start` with the container left to inspect, which `docker run -d`
	// does not say of; that is an outcome of the image, not an engine error.
	args := append([]string{"create"}, d.runArgs(opt)...)
	out, err := d.command(ctx, nil, append(args, d.ref(img))...)
	if err != nil {
		return nil, err
	}
	id := strings.TrimSpace(string(out))
	defer d.command(context.WithoutCancel(ctx), nil, "rm", "-f", id) //nolint:errcheck // best effort
	settle := d.Settle
	if settle == 0 {
		settle = 2 * time.Second
	}
	res := &StopResult{}
	state := func() (bool, int, error) {
		out, err := d.command(ctx, nil, "inspect", "--format", "{{.State.Running}} {{.State.ExitCode}}", id)
		if err != nil {
			return false, 0, err
		}
		run, code, _ := strings.Cut(strings.TrimSpace(string(out)), " ")
		n, _ := strconv.Atoi(code)
		return run == "true", n, nil
	}
	if _, err := d.command(ctx, nil, "start", id); err != nil {
		running, code, serr := state()
		if serr != nil || running || code == 0 || ctx.Err() != nil {
			return nil, err
		}
		res.ExitCode, res.Output = code, err.Error()
		return res, nil
	}
	deadline := time.Now().Add(settle)
	for {
		running, code, err := state()
		if err != nil {
			return nil, err
		}
		if !running {
			res.ExitCode = code
			logs, _ := d.command(ctx, nil, "logs", "--tail", "20", id)
			res.Output = strings.TrimSpace(string(logs))
			return res, nil
		}
		if time.Now().After(deadline) {
			break
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	res.Running = true
	start := time.Now()
	secs := strconv.Itoa(max(1, int(timeout.Round(time.Second)/time.Second)))
	if _, err := d.command(ctx, nil, "stop", "-t", secs, id); err != nil {
		return nil, err
	}
	res.Took = time.Since(start)
	_, res.ExitCode, _ = state()
	// 137 is SIGKILL: what docker stop sends at the timeout.
	res.Killed = res.ExitCode == 137 || res.Took >= timeout
	return res, nil
}

// Remove deletes the images by their tags (an untagged image by its id).
func (d *Docker) Remove(ctx context.Context, imgs ...*Image) error {
	seen := map[string]bool{}
	var refs []string
	for _, img := range imgs {
		if img == nil || seen[d.ref(img)] {
			continue
		}
		seen[d.ref(img)] = true
		refs = append(refs, d.ref(img))
	}
	if len(refs) == 0 {
		return nil
	}
	_, err := d.command(ctx, nil, append([]string{"rmi"}, refs...)...)
	return err
}

// buildErrorLog keeps what says why a build failed: the ERROR lines and the lines
// before them, or the end of the log.
func buildErrorLog(log string) string {
	lines := strings.Split(strings.TrimRight(log, "\n"), "\n")
	for i, l := range lines {
		if strings.Contains(l, "ERROR") || strings.HasPrefix(l, "error:") || strings.Contains(l, "failed to solve") {
			return strings.Join(lines[max(0, i-12):min(len(lines), i+6)], "\n")
		}
	}
	return tail(log, 15)
}

var networkRe = regexp.MustCompile(`(?i)temporary failure (in name )?resolv|could not resolve|no such host|network is unreachable|connection timed out|i/o timeout|tls handshake timeout|connection reset by peer|failed to do request|dial tcp`)

// networkFailure reports whether a failed build's log points at the network rather
// than at the Dockerfile.
func networkFailure(log string) bool {
	return networkRe.MatchString(log)
}

// tail returns the last n lines of s.
func tail(s string, n int) string {
	s = strings.TrimRight(s, "\n")
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
