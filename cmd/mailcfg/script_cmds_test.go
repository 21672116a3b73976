package main

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// scriptCmds are the contract's own script commands, beside exits (jsonhas
// in script_json_test.go, the sb* ones in script_sbcmds_test.go):
//
//	jsonhas [-file F] ARG...      stdout (or F) is one JSON document and nothing else, and every ARG holds
//	nosecret [FILE...]            no form of the sandbox password is in stdout, stderr or the files
//	ttyexec OUT prog args...      run prog with stdout and stderr on a terminal, its output to OUT
//	firstline OUT prog args...    start prog, keep its first stdout line in OUT, interrupt it, want exit 0
//	filemode FILE MODE            FILE's permission bits are MODE (octal, e.g. 0600)
//	sbmsg N FIELD REGEXP          the sandbox's N-th captured message has FIELD matching REGEXP
//	sbcount N                     the sandbox has captured exactly N messages so far
//	sbdns fail NAME TYPE MODE     the sandbox DNS answers NAME/TYPE with MODE (servfail, refused, timeout, truncate, none)
//	sbdns zone ORIGIN FILE        the sandbox DNS serves ORIGIN from a zone file fragment
//	sbfault FAULT...              set the sandbox SMTP faults (auth_reject, banner421, temp451, no_starttls,
//	                              drop_in_data, slow_banner=DUR, none)
//	interrupt AFTER N prog args...  start prog, send SIGINT after AFTER, want exit code N
var scriptCmds = map[string]func(*testscript.TestScript, bool, []string){
	"jsonhas":   cmdJSONHas,
	"nosecret":  cmdNoSecret,
	"ttyexec":   cmdTTYExec,
	"firstline": cmdFirstLine,
	"sbmsg":     cmdSBMsg,
	"sbcount":   cmdSBCount,
	"filemode":  cmdFileMode,
	"interrupt": cmdInterrupt,
	"sbdns":     cmdSBDNS,
	"sbfault":   cmdSBFault,
}

// mergeCmds returns one map holding the commands of every map given.
func mergeCmds(ms ...map[string]func(*testscript.TestScript, bool, []string)) map[string]func(*testscript.TestScript, bool, []string) {
	out := map[string]func(*testscript.TestScript, bool, []string){}
	for _, m := range ms {
		maps.Copy(out, m)
	}
	return out
}

// cmdNoSecret is `nosecret [FILE...]`: the sandbox password ($SB_PASS) is
// in none of the last command's stdout and stderr and the files, in any of
// the forms AUTH sends it: plain, base64 of the password (LOGIN), base64 of
// "\0user\0pass" and "user\0user\0pass" (PLAIN), padded or not, standard or
// URL alphabet, and hex.
func cmdNoSecret(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! nosecret")
	}
	user, pass := ts.Getenv("SB_USER"), ts.Getenv("SB_PASS")
	if pass == "" {
		ts.Fatalf("nosecret: no $SB_PASS (this script has no sandbox)")
	}
	forms := map[string]string{"the password": pass}
	for _, raw := range []struct{ name, s string }{
		{"base64 of the password", pass},
		{"base64 of AUTH PLAIN", "\x00" + user + "\x00" + pass},
		{"base64 of AUTH PLAIN with authzid", user + "\x00" + user + "\x00" + pass},
	} {
		forms[raw.name] = base64.RawStdEncoding.EncodeToString([]byte(raw.s))
		forms[raw.name+" (URL alphabet)"] = base64.RawURLEncoding.EncodeToString([]byte(raw.s))
	}
	forms["hex of the password"] = fmt.Sprintf("%x", pass)
	sources := append([]string{"stdout", "stderr"}, args...)
	for _, src := range sources {
		text := ts.ReadFile(src)
		for name, f := range forms {
			if f != "" && strings.Contains(text, f) {
				ts.Fatalf("nosecret: %s holds %s", src, name)
			}
		}
	}
}

// cmdTTYExec is `ttyexec OUT prog args...`: prog runs with stdout and
// stderr on a pseudo-terminal (stdin stays /dev/null), with the script's
// environment; what it wrote goes to the file OUT. It fails unless prog
// exits 0 (with !, unless it exits non-zero).
func cmdTTYExec(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 2 {
		ts.Fatalf("usage: ttyexec OUT prog [args...]")
	}
	out, err := runOnTTY(scriptEnv(ts), ts.MkAbs("."), args[1], args[2:]...)
	ts.Check(os.WriteFile(ts.MkAbs(args[0]), out, 0o644))
	switch {
	case err != nil && !neg:
		ts.Fatalf("ttyexec %s: %v\n%s", args[1], err, out)
	case err == nil && neg:
		ts.Fatalf("ttyexec %s: succeeded unexpectedly", args[1])
	}
}

// scriptEnvNames are the variables a script may set that a program it
// starts outside ts.Exec must see.
var scriptEnvNames = []string{"HOME", "TMPDIR", "WORK", "XDG_CONFIG_HOME", "NO_COLOR", "SB_PASS", "SB_USER", "TERM"}

// scriptEnv is the process's environment with the script's values of
// scriptEnvNames over it.
func scriptEnv(ts *testscript.TestScript) []string {
	env := os.Environ()
	for _, k := range scriptEnvNames {
		env = append(env, k+"="+ts.Getenv(k))
	}
	return env
}

// cmdFirstLine is `firstline OUT prog args...`: it starts prog, waits (up
// to 30 s) for its first line on stdout and writes it to OUT, then sends
// SIGINT and wants prog to exit 0 within 10 s. What prog wrote to stderr
// goes to OUT.stderr.
func cmdFirstLine(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: firstline OUT prog [args...]")
	}
	path, err := exec.LookPath(args[1])
	ts.Check(err)
	cmd := exec.Command(path, args[2:]...)
	cmd.Env = scriptEnv(ts)
	cmd.Dir = ts.MkAbs(".")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	pipe, err := cmd.StdoutPipe()
	ts.Check(err)
	ts.Check(cmd.Start())
	lines := make(chan string, 1)
	go func() {
		br := bufio.NewReader(pipe)
		line, _ := br.ReadString('\n')
		lines <- line
		_, _ = io.Copy(io.Discard, br)
	}()
	var line string
	select {
	case line = <-lines:
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		ts.Fatalf("firstline %s: no line on stdout in 30 s; stderr: %s", args[1], stderr.String())
	}
	ts.Check(cmd.Process.Signal(syscall.SIGINT))
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err = <-done:
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		<-done
		ts.Fatalf("firstline %s: still running 10 s after SIGINT", args[1])
	}
	ts.Check(os.WriteFile(ts.MkAbs(args[0]), []byte(line), 0o644))
	ts.Check(os.WriteFile(ts.MkAbs(args[0]+".stderr"), stderr.Bytes(), 0o644))
	if err != nil {
		ts.Fatalf("firstline %s: after SIGINT: %v (want exit 0); stderr: %s", args[1], err, stderr.String())
	}
}

// cmdFileMode is `filemode FILE MODE`: FILE's permission bits are MODE,
// in octal (with !, they are not).
func cmdFileMode(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: filemode FILE MODE")
	}
	want, err := strconv.ParseUint(args[1], 8, 32)
	ts.Check(err)
	fi, err := os.Stat(ts.MkAbs(args[0]))
	ts.Check(err)
	got := uint64(fi.Mode().Perm())
	switch {
	case got != want && !neg:
		ts.Fatalf("filemode: %s has mode %#o, want %#o", args[0], got, want)
	case got == want && neg:
		ts.Fatalf("filemode: %s has mode %#o", args[0], got)
	}
}

// cmdInterrupt is `interrupt AFTER N prog args...`: it starts prog, sends
// it SIGINT after the duration AFTER, and wants it to exit with code N
// within 10 s of the signal (the contract's 130 for an interrupted check).
// Its stdout and stderr go to the files interrupt.stdout and
// interrupt.stderr.
func cmdInterrupt(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 3 {
		ts.Fatalf("usage: interrupt AFTER N prog [args...]")
	}
	after, err := time.ParseDuration(args[0])
	ts.Check(err)
	want, err := strconv.Atoi(args[1])
	ts.Check(err)
	path, err := exec.LookPath(args[2])
	ts.Check(err)
	cmd := exec.Command(path, args[3:]...)
	cmd.Env, cmd.Dir = scriptEnv(ts), ts.MkAbs(".")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	ts.Check(cmd.Start())
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err = <-done:
		ts.Fatalf("interrupt: %s ended before the signal (%v); stdout: %s", args[2], err, clip(stdout.String()))
	case <-time.After(after):
	}
	ts.Check(cmd.Process.Signal(syscall.SIGINT))
	select {
	case err = <-done:
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		<-done
		ts.Fatalf("interrupt: %s still running 10 s after SIGINT", args[2])
	}
	ts.Check(os.WriteFile(ts.MkAbs("interrupt.stdout"), stdout.Bytes(), 0o644))
	ts.Check(os.WriteFile(ts.MkAbs("interrupt.stderr"), stderr.Bytes(), 0o644))
	got := 0
	if ee, ok := err.(*exec.ExitError); ok {
		got = ee.ExitCode()
	} else if err != nil {
		ts.Fatalf("interrupt: %v", err)
	}
	if got != want {
		ts.Fatalf("interrupt: %s exited %d after SIGINT, want %d; stderr: %s", args[2], got, want, stderr.String())
	}
}
