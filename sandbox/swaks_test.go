package sandbox_test

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// swaksPath finds swaks (Debian's swaks package). Without it the test fails
// under CI, which installs it, and is skipped elsewhere.
func swaksPath(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("swaks")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("swaks is not installed (apt-get install -y swaks): %v", err)
		}
		t.Skip("swaks is not installed; apt-get install -y swaks")
	}
	return p
}

// runSwaks runs swaks with args and returns its combined output.
func runSwaks(t *testing.T, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, swaksPath(t), append(args, "--timeout", "10")...).CombinedOutput()
	return string(out), err
}

func TestSwaksSTARTTLSAuth(t *testing.T) {
	sb := start(t, sandboxOpts())
	for i, mech := range []string{"PLAIN", "LOGIN"} {
		out, err := runSwaks(t, "--server", sb.STARTTLSAddr, "--tls", "--tls-verify", "--tls-ca-path", sb.CAFile,
			"--auth", mech, "--auth-user", sb.User, "--auth-password", sb.Password,
			"--from", "alice@example.test", "--to", "bob@example.test", "--h-Subject", "swaks "+mech)
		if err != nil {
			t.Fatalf("swaks %s: %v\n%s", mech, err, out)
		}
		m := waitOne(t, sb, i+1)
		if m.Subject != "swaks "+mech || !m.TLS || m.AuthUser != sb.User || m.To[0] != "bob@example.test" {
			t.Errorf("captured %q TLS=%v AuthUser=%q To=%q", m.Subject, m.TLS, m.AuthUser, m.To)
		}
		if !strings.Contains(out, "queued as "+m.QueueID) {
			t.Errorf("swaks did not see the queue id %s:\n%s", m.QueueID, out)
		}
	}
}

func TestSwaksImplicitTLS(t *testing.T) {
	sb := start(t, sandboxOpts())
	out, err := runSwaks(t, "--server", sb.ImplicitAddr, "--tls-on-connect", "--tls-verify", "--tls-ca-path", sb.CAFile,
		"--auth", "PLAIN", "--auth-user", sb.User, "--auth-password", sb.Password,
		"--from", "alice@example.test", "--to", "bob@example.test", "--h-Subject", "swaks implicit")
	if err != nil {
		t.Fatalf("swaks: %v\n%s", err, out)
	}
	if m := waitOne(t, sb, 1); m.Subject != "swaks implicit" || !m.TLS {
		t.Errorf("captured %q TLS=%v", m.Subject, m.TLS)
	}
}

func TestSwaksRejectsUnverifiedCertificate(t *testing.T) {
	sb := start(t, sandboxOpts())
	// Without the sandbox's CA, a verifying client refuses the certificate.
	empty := t.TempDir()
	out, err := runSwaks(t, "--server", sb.STARTTLSAddr, "--tls", "--tls-verify", "--tls-ca-path", empty,
		"--auth", "PLAIN", "--auth-user", sb.User, "--auth-password", sb.Password,
		"--from", "alice@example.test", "--to", "bob@example.test")
	if err == nil {
		t.Fatalf("swaks trusted the sandbox without its CA:\n%s", out)
	}
	if n := len(sb.Messages()); n != 0 {
		t.Errorf("%d messages captured", n)
	}
}
