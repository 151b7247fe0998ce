// Package verify proves dfix's fixes by building: it builds the original and the fixed
// Dockerfile with the user's Docker Engine, compares the images (size, layers, files),
// runs a smoke command and a signal check in both, and when the fixed build breaks,
// finds the rules responsible by building without them.
//
// It knows nothing of rules beyond their names: the caller gives it the texts to build
// (see Job). The engine is behind an interface so that the logic is tested with a fake
// one and the real one (Docker, through its CLI) is tested against a real daemon.
package verify

import (
	"context"
	"io"
	"time"
)

// Engine builds and runs images. Docker is the real implementation.
type Engine interface {
	// Build builds dockerfile (its text) with the request's context and options and
	// returns the image. A failed build returns a *BuildError.
	Build(ctx context.Context, req BuildRequest) (*Image, error)
	// Files streams the image's filesystem as a tar archive to fn.
	Files(ctx context.Context, img *Image, fn func(io.Reader) error) error
	// Smoke runs `/bin/sh -c cmd` in a new container of the image and returns its
	// combined output; a non-zero exit is an error.
	Smoke(ctx context.Context, img *Image, cmd string, opt RunOptions) (string, error)
	// Stop starts the image's own command, waits for it to settle, and stops it with
	// `docker stop`, measuring how long the stop took.
	Stop(ctx context.Context, img *Image, timeout time.Duration, opt RunOptions) (*StopResult, error)
	// Remove deletes the images (their tags); errors are not fatal to a run.
	Remove(ctx context.Context, imgs ...*Image) error
}

// BuildRequest is one build: the Dockerfile text and the user's build settings.
type BuildRequest struct {
	// Name is the Dockerfile's path, for messages and for its .dockerignore: Docker
	// reads <name>.dockerignore beside the Dockerfile before the context's one.
	Name       string
	Dockerfile []byte
	Context    string   // build context folder
	BuildArgs  []string // KEY=VALUE or KEY
	Target     string
	Platform   string
	Network    string // --network of the build and of the containers it runs ("" default)
	Tag        string // the image's name, so that it can be found and removed
}

// RunOptions are the settings of the containers a check runs.
type RunOptions struct {
	Network  string
	Platform string
}

// Image is a built image.
type Image struct {
	ID     string
	Tag    string
	Size   int64   // bytes, as `docker image inspect` reports it
	Layers []Layer // from the image history, oldest first
}

// Layer is one step of an image's history.
type Layer struct {
	CreatedBy string `json:"created_by"`
	Size      int64  `json:"size"`
}

// BuildError is a failed build: the engine ran it and it failed, or it could not run.
type BuildError struct {
	// Log is the end of the build output, where the error is.
	Log string
	// Network is true when the failure looks like a network problem (a name that does
	// not resolve, a refused or timed-out connection): not a property of the Dockerfile.
	Network bool
	Err     error
}

func (e *BuildError) Error() string {
	if e.Err != nil {
		return e.Err.Error()
	}
	return "build failed"
}

func (e *BuildError) Unwrap() error { return e.Err }

// StopResult is the signal check of one image.
type StopResult struct {
	// Running is true when the command was still running after the settle time: a
	// server. Otherwise it exited on its own with ExitCode.
	Running  bool          `json:"running"`
	ExitCode int           `json:"exit_code"`
	Output   string        `json:"output,omitempty"` // the end of its log when it exited
	Took     time.Duration `json:"took_ns"`          // how long `docker stop` took
	// Killed is true when the process did not end on SIGTERM and was killed at the
	// timeout.
	Killed bool `json:"killed"`
}
