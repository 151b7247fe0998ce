package main

import (
	"os"
	"runtime/debug"
)

// dfix allocates a lot of short-lived garbage per file (the parse, the logical lines,
// the shell trees) and keeps little: with Go's default GOGC=100 the collector took
// about a fifth of a check run's cpu. A higher GOGC collects less often for a modest
// rise in peak memory on ordinary trees (measured in docs/performance.md); the memory
// limit keeps a huge file from growing the heap that much more, since the collector
// works harder near it. GOGC and GOMEMLIMIT in the environment win.
const (
	gcPercent   = 200
	memoryLimit = 384 << 20
)

func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(memoryLimit)
	}
}
