//go:build unix

package rewrite

import (
	"errors"
	"syscall"
)

// mayWrite reports whether the user running dfix may write the file at path. Only a
// refusal counts: any other error (a read-only file system, say) is left to the write
// to meet and report.
func mayWrite(path string) bool {
	const wOK = 2 // W_OK
	err := syscall.Access(path, wOK)
	return !errors.Is(err, syscall.EACCES) && !errors.Is(err, syscall.EPERM)
}
