package main

import (
	"os"
	"runtime/debug"
)

// dfix allocates a lot of short-lived garbage per file (the parse, the logical lines,
// the shell trees) and keeps little: a few MB live while checking a tree. Go sets the
// next collection at live heap x (1 + GOGC/100), so a small live heap meant a
// collection every few MB of garbage: about a tenth of a check's cpu, with the system
// time of giving pages back and taking them again. A ballast (16 MB that is allocated
// once and never touched, so no page of it is resident) raises the live heap the
// collector sees: with GOGC=100 a collection comes every ~20 MB of garbage on an
// ordinary tree, while on a heap that is big for real (a 10 MB Dockerfile, a huge
// tree) the ballast is small beside it and GOGC=100 keeps the growth lower than the
// GOGC=200 used before. Measured in docs/performance.md: check -7% cpu and -l -10% on
// the corpus for ~13 MB more peak, and -l on a 10 MB file 197 MB -> 142 MB.
//
// The soft memory limit keeps a huge file from doubling its heap: near the limit the
// collector runs more often instead (at most half the cpu, Go's own cap), so memory
// stays flat and only files whose live data passes the limit get slower. Runs over
// ordinary trees peak at 40-60 MB and never reach it; a 10 MB Dockerfile peaks at
// ~86 MB checked and ~91 MB with -l, for the same cpu. GOGC (no ballast then) and
// GOMEMLIMIT in the environment win.
const (
	gcPercent   = 100
	gcBallast   = 16 << 20
	memoryLimit = 96 << 20
)

// tuneGC sets the collector up for a run and returns the ballast, which the caller
// keeps reachable until the run ends (runtime.KeepAlive).
func tuneGC() []byte {
	var ballast []byte
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
		ballast = make([]byte, gcBallast)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(memoryLimit)
	}
	return ballast
}
