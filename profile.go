package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"

	"github.com/urfave/cli/v2"
)

// profileFlags are --cpuprofile FILE and --memprofile FILE: Go profiles of the run,
// for bench/run.sh's "where the time goes". Hidden: they are for dfix's developers,
// not its users.
func profileFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "cpuprofile", Hidden: true, Usage: "write a CPU profile of the run to `FILE`"},
		&cli.StringFlag{Name: "memprofile", Hidden: true, Usage: "write a heap profile at the end of the run to `FILE`"},
	}
}

// startCPUProfile starts the profile --cpuprofile asks for; the returned stop writes
// it out and is never nil.
func startCPUProfile(c *cli.Context) (stop func(), err error) {
	name := c.String("cpuprofile")
	if name == "" {
		return func() {}, nil
	}
	f, err := os.Create(name)
	if err != nil {
		return nil, fmt.Errorf("--cpuprofile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("--cpuprofile: %w", err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}

// writeHeapProfile writes --memprofile's heap profile. runFiles calls it once every
// file is reported but while the run still holds what it keeps for the whole batch
// (the list of files, caches by folder): what is in use then is what grows with the
// number of files.
func writeHeapProfile(name string) error {
	if name == "" {
		return nil
	}
	f, err := os.Create(name)
	if err != nil {
		return fmt.Errorf("--memprofile: %w", err)
	}
	runtime.GC()
	if err := pprof.WriteHeapProfile(f); err != nil {
		f.Close()
		return fmt.Errorf("--memprofile: %w", err)
	}
	return f.Close()
}
