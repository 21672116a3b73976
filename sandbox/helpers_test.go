package sandbox_test

import (
	"context"
	"crypto/tls"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
	"go.uber.org/goleak"

	"github.com/mailcfg/mailcfg/sandbox"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// start runs a sandbox for the test and closes it at the end.
func start(t testing.TB, opts sandbox.Options) *sandbox.Sandbox {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	sb, err := sandbox.Start(ctx, opts)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		if err := sb.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return sb
}

// clientTLS is the TLS configuration of a client that verifies the sandbox's
// certificate against its exported CA.
func clientTLS(sb *sandbox.Sandbox) *tls.Config {
	return &tls.Config{RootCAs: sb.CertPool(), ServerName: sb.Hostname, MinVersion: tls.VersionTLS12}
}

// testMessage returns a small well-formed message.
func testMessage(subject, id string) string {
	return strings.Join([]string{
		"From: Alice <alice@example.test>",
		"To: bob@example.test",
		"Subject: " + subject,
		"Date: Sun, 29 Nov 2026 17:00:00 +0000",
		"Message-ID: <" + id + "@example.test>",
		"MIME-Version: 1.0",
		"Content-Type: text/plain; charset=utf-8",
		"",
		"Hello from the sandbox test.",
		"",
	}, "\r\n")
}

// sendWith completes a transaction on an open client: EHLO unless done,
// AUTH (when a is not nil), MAIL, RCPT, DATA, QUIT.
func sendWith(t testing.TB, c *smtp.Client, a sasl.Client, msg string) error {
	t.Helper()
	defer c.Close()
	c.CommandTimeout = 10 * time.Second
	c.SubmissionTimeout = 10 * time.Second
	if a != nil {
		if err := c.Auth(a); err != nil {
			return fmt.Errorf("auth: %w", err)
		}
	}
	if err := c.SendMail("alice@example.test", []string{"bob@example.test"}, strings.NewReader(msg)); err != nil {
		return fmt.Errorf("send: %w", err)
	}
	return c.Quit()
}

// waitOne returns the n-th message or fails the test after 10 s.
func waitOne(t testing.TB, sb *sandbox.Sandbox, n int) sandbox.Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	m, err := sb.WaitMessage(ctx, n)
	if err != nil {
		t.Fatalf("WaitMessage(%d): %v", n, err)
	}
	return m
}

// sandboxOpts are the options of the usual sandbox.
func sandboxOpts() sandbox.Options { return sandbox.Options{} }
