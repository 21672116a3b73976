package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestDemoHeadlessExitsZero runs `mailcfg demo --headless` in process: the
// sandbox starts, every step passes against it, the report is printed and
// the exit code is 0.
func TestDemoHeadlessExitsZero(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	var out, errb bytes.Buffer
	code := run(ctx, []string{"demo", "--headless"}, stdio{
		In: strings.NewReader(""), Out: &out, Err: &errb,
		Getenv: func(string) string { return "" },
	})
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out.String(), errb.String())
	}
	for _, want := range []string{"== Port", "== SMTP handshake", "== DNS checks", "== Records to publish",
		"== Test send", "# mailcfg report for example.test", "**✓ pass** SMTP handshake", "**✓ pass** Test message to demo@example.test accepted"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("stdout lacks %q", want)
		}
	}
	if errb.Len() != 0 {
		t.Errorf("stderr is not empty: %q", errb.String())
	}
}

// TestDemoHeadlessInterrupted exits 130 when the context ends first.
func TestDemoHeadlessInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out, errb bytes.Buffer
	code := run(ctx, []string{"demo", "--headless"}, stdio{
		In: strings.NewReader(""), Out: &out, Err: &errb,
		Getenv: func(string) string { return "" },
	})
	if code != exitInterrupted {
		t.Errorf("exit %d, want 130; stderr %q", code, errb.String())
	}
}

func TestAccessibleFromEnvironment(t *testing.T) {
	for v, want := range map[string]bool{"": false, "1": true, "true": true, "0": false, "false": false, "yes": true} {
		a := &app{stdio: stdio{Getenv: func(string) string { return v }}}
		if got := a.accessible(false); got != want {
			t.Errorf("ACCESSIBLE=%q: %v, want %v", v, got, want)
		}
	}
}

// TestTmuxEndToEnd runs scripts/tmux-e2e.sh, which drives the real binary's
// `mailcfg demo` in tmux from the first screen to the summary. Without tmux
// it skips on a developer's machine and fails in CI (CI is set), where
// test.sh installs tmux.
func TestTmuxEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the tmux end-to-end test builds and drives the binary")
	}
	if _, err := exec.LookPath("tmux"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("tmux is missing in CI; test.sh installs it")
		}
		t.Skip("tmux is not installed")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", filepath.Join("..", "..", "scripts", "tmux-e2e.sh"))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("tmux-e2e.sh: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "tmux-e2e: PASS") {
		t.Fatalf("no PASS line:\n%s", out)
	}
}
