package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/mailcfg/mailcfg/checks"
)

// The exit codes of the command-line contract.
const (
	exitOK          = 0
	exitFail        = 1 // ran; at least one finding is fail
	exitUsage       = 2 // bad usage or bad input
	exitError       = 3 // ran; no fail, but at least one check could not be made
	exitInterrupted = 130
)

// usageError is bad usage or bad input: one line on stderr, exit 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// usagef returns a usageError. The message says what was wrong and how to fix
// it, on one line.
func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// exitCodeError ends a command that ran with the code its findings call for;
// it prints nothing.
type exitCodeError struct{ code int }

func (e *exitCodeError) Error() string { return fmt.Sprintf("exit %d", e.code) }

// exitFor returns the error that makes the process exit as the contract says
// for a run with summary s: nil, or an exitCodeError for 1 or 3.
func exitFor(s checks.Summary) error {
	switch {
	case s.Fail > 0:
		return &exitCodeError{exitFail}
	case s.Error > 0:
		return &exitCodeError{exitError}
	}
	return nil
}

// exitCode maps what a command returned to the process's exit code and the
// one line to print on stderr ("" for none).
func exitCode(ctx context.Context, err error, ran bool) (int, string) {
	var ue *usageError
	var ec *exitCodeError
	switch {
	case err == nil:
		return exitOK, ""
	case errors.As(err, &ec):
		if ctx.Err() != nil {
			return exitInterrupted, ""
		}
		return ec.code, ""
	case errors.As(err, &ue):
		return exitUsage, "mailcfg: " + oneLine(ue.msg)
	case ctx.Err() != nil || errors.Is(err, context.Canceled):
		return exitInterrupted, "mailcfg: interrupted"
	case !ran:
		// Cobra's own errors (unknown command or flag, wrong arguments)
		// come before any command ran: they are usage errors.
		return exitUsage, "mailcfg: " + oneLine(err.Error()) + " (see mailcfg --help)"
	}
	return exitFail, "mailcfg: " + oneLine(err.Error())
}

func oneLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}
