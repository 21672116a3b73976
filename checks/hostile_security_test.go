package checks_test

import (
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/mailcfg/mailcfg/checks"
	"github.com/mailcfg/mailcfg/providers"
)

// TestServerEchoOfTheSecretIsMasked: a server that quotes the credential
// back in its reply (a 535 that repeats the AUTH payload, a banner that
// names the password) must not get it into the report: not the transcript,
// not a finding's evidence, not a stage's detail, in no encoding.
func TestServerEchoOfTheSecretIsMasked(t *testing.T) {
	const user, secret = "alice@example.test", "correct-horse-battery"
	plain := base64.StdEncoding.EncodeToString([]byte("\x00" + user + "\x00" + secret))
	m := &mini{ext: []string{"AUTH PLAIN"}, rejectAuth: "535 5.7.8 bad credentials " + plain + " (" + secret + ")"}
	h := startHostile(t, m.serve)
	rep := handshake(t, checks.HandshakeOptions{Port: h.port, TLS: providers.TLSNone, User: user, Secret: checks.NewSecret(secret)}, 5*time.Second)
	failedAt(t, rep, "auth", "smtp.auth", checks.StatusFail, 535)
	js, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range checks.NewSecret(secret).Forms(user) {
		if strings.Contains(string(js), f) {
			t.Fatalf("the report holds the secret (form %q):\n%s", f, js)
		}
	}
	if !strings.Contains(string(js), "bad credentials "+checks.Masked) {
		t.Errorf("the echoed reply is not kept, masked:\n%s", js)
	}
}

// TestTLSBelow12IsRefused: a server that speaks only TLS 1.1 (RFC 8996
// deprecates it) fails the TLS stage, and no credential follows.
func TestTLSBelow12IsRefused(t *testing.T) {
	cert, pool := testCert(t, 90)
	h := startHostile(t, func(c net.Conn, h *hostile) {
		_ = c.SetDeadline(time.Now().Add(5 * time.Second))
		tc := tls.Server(c, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS11})
		if tc.Handshake() != nil {
			return
		}
		h.record("handshake completed")
		_, _ = tc.Write([]byte("220 old.test ESMTP\r\n"))
		buf := make([]byte, 512)
		for {
			n, err := tc.Read(buf)
			if err != nil {
				return
			}
			h.record(string(buf[:n]))
		}
	})
	rep := handshake(t, checks.HandshakeOptions{Port: h.port, TLS: providers.TLSImplicit, RootCAs: pool, User: "u", Secret: checks.NewSecret("s3cret")}, 10*time.Second)
	failedAt(t, rep, "tls", "smtp.tls", checks.StatusFail, 0)
	if got := h.lines(); len(got) > 0 {
		t.Errorf("a TLS 1.1 session was completed: %q", got)
	}
}

func TestSanitizeLinesKeepsOnlyLineBreaks(t *testing.T) {
	got := checks.SanitizeLines("one\r\ntwo \x1b[2J\nthree\rfour \u009b", 100)
	want := "one\ntwo \\x1b[2J\nthree\\rfour \\u009b"
	if got != want {
		t.Errorf("SanitizeLines = %q; want %q", got, want)
	}
}

// TestServerEchoOfAnEscapedSecretIsMasked: a secret with a byte the
// transcript escapes (a tab) is still found, in its escaped form, when the
// server quotes it back.
func TestServerEchoOfAnEscapedSecretIsMasked(t *testing.T) {
	const user, secret = "bob", "tab\tin-the-secret"
	m := &mini{ext: []string{"AUTH PLAIN"}, rejectAuth: "535 5.7.8 wrong password " + secret}
	h := startHostile(t, m.serve)
	rep := handshake(t, checks.HandshakeOptions{Port: h.port, TLS: providers.TLSNone, User: user, Secret: checks.NewSecret(secret)}, 5*time.Second)
	js, _ := json.Marshal(rep)
	var text strings.Builder
	checks.WriteTranscriptText(&text, rep.Transcript)
	for _, hay := range []string{string(js), text.String()} {
		if strings.Contains(hay, "in-the-secret") {
			t.Fatalf("the escaped secret is in the report:\n%s", hay)
		}
	}
}
