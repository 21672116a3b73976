package main

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"syscall"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestMain lets testscript run this test binary as the real `mailcfg`
// command, so the scripts in testdata/script drive the binary through the
// command-line contract: exit codes, JSON, one-line errors.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"mailcfg": func() {
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
			code := run(ctx, os.Args[1:], newStdio())
			stop()
			os.Exit(code)
		},
	})
}

// TestScripts runs every testdata/script/*.txtar. Setup (script_setup_test.go)
// gives each script the environment it needs, such as a running sandbox.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		Setup:               scriptSetup,
		RequireExplicitExec: true,
		Cmds:                mergeCmds(map[string]func(*testscript.TestScript, bool, []string){"exits": cmdExits}, scriptCmds),
	})
}

// cmdExits is the script command `exits N prog args...`: it runs prog like
// exec and fails unless prog exits with code N. Its stdout and stderr are then
// checked with the usual stdout and stderr commands.
func cmdExits(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exits N prog [args...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("exits: %q is not an exit code", args[0])
	}
	err = ts.Exec(args[1], args[2:]...)
	got := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		got = ee.ExitCode()
	} else if err != nil {
		ts.Fatalf("exits: %v", err)
	}
	if got != want {
		ts.Fatalf("%s exited %d, want %d", args[1], got, want)
	}
}
