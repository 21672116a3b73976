//go:build !linux

package main

import (
	"errors"
	"runtime"
)

// runOnTTY is implemented on Linux only; elsewhere ttyexec fails the script.
func runOnTTY(env []string, dir, prog string, args ...string) ([]byte, error) {
	return nil, errors.New("ttyexec: no pseudo-terminal support on " + runtime.GOOS)
}
