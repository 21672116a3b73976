package sandbox_test

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

func TestSTARTTLSAuthenticatedSend(t *testing.T) {
	sb := start(t, sandboxOpts())
	// The CA comes from the exported file, as an outside client reads it.
	pem, err := os.ReadFile(sb.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(sb.CAFile); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("CA file mode: %v %v", fi.Mode(), err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatal("CA file holds no certificate")
	}
	c, err := smtp.DialStartTLS(sb.STARTTLSAddr, &tls.Config{RootCAs: pool, ServerName: "mail.example.test"})
	if err != nil {
		t.Fatalf("DialStartTLS: %v", err)
	}
	if err := c.Noop(); err != nil { // the TLS handshake happens here
		t.Fatalf("NOOP after STARTTLS: %v", err)
	}
	if st, ok := c.TLSConnectionState(); !ok || len(st.VerifiedChains) == 0 {
		t.Fatalf("the certificate was not verified: %v", ok)
	}
	if !c.SupportsAuth("PLAIN") || !c.SupportsAuth("LOGIN") {
		t.Errorf("AUTH PLAIN and LOGIN not offered after STARTTLS")
	}
	if err := sendWith(t, c, sasl.NewPlainClient("", sb.User, sb.Password), testMessage("starttls =?utf-8?q?caf=C3=A9?=", "st1")); err != nil {
		t.Fatal(err)
	}
	m := waitOne(t, sb, 1)
	if !m.TLS || m.AuthUser != sb.User || m.Helo != "localhost" {
		t.Errorf("TLS=%v AuthUser=%q Helo=%q", m.TLS, m.AuthUser, m.Helo)
	}
	if m.From != "alice@example.test" || len(m.To) != 1 || m.To[0] != "bob@example.test" {
		t.Errorf("envelope %q → %q", m.From, m.To)
	}
	if m.Subject != "starttls café" || m.MessageID != "<st1@example.test>" {
		t.Errorf("Subject %q MessageID %q", m.Subject, m.MessageID)
	}
	if m.Size != len(m.Raw) || m.Size == 0 || m.DKIM != "none" || m.QueueID == "" {
		t.Errorf("Size %d len(Raw) %d DKIM %q QueueID %q", m.Size, len(m.Raw), m.DKIM, m.QueueID)
	}
	if !strings.HasPrefix(m.RemoteAddr, "127.0.0.1:") || m.Received.IsZero() {
		t.Errorf("RemoteAddr %q Received %v", m.RemoteAddr, m.Received)
	}
	if !strings.HasPrefix(m.Header(), "From: Alice") || strings.Contains(m.Header(), "Hello from") {
		t.Errorf("Header() = %q", m.Header())
	}
}

func TestImplicitTLSSendWithLOGIN(t *testing.T) {
	sb := start(t, sandboxOpts())
	c, err := smtp.DialTLS(sb.ImplicitAddr, clientTLS(sb))
	if err != nil {
		t.Fatalf("DialTLS: %v", err)
	}
	if err := sendWith(t, c, sasl.NewLoginClient(sb.User, sb.Password), testMessage("implicit", "it1")); err != nil {
		t.Fatal(err)
	}
	m := waitOne(t, sb, 1)
	if !m.TLS || m.AuthUser != sb.User || m.Subject != "implicit" {
		t.Errorf("TLS=%v AuthUser=%q Subject=%q", m.TLS, m.AuthUser, m.Subject)
	}
}

func TestCertificateVerifiesOnlyForItsNames(t *testing.T) {
	sb := start(t, sandboxOpts())
	for _, name := range []string{"mail.example.test", "mta-sts.example.test", "localhost", "127.0.0.1"} {
		conn, err := tls.Dial("tcp", sb.ImplicitAddr, &tls.Config{RootCAs: sb.CertPool(), ServerName: name})
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		conn.Close()
	}
	_, err := tls.Dial("tcp", sb.ImplicitAddr, &tls.Config{RootCAs: sb.CertPool(), ServerName: "mail.other.test"})
	var herr x509.HostnameError
	if !errors.As(err, &herr) {
		t.Errorf("another name: err = %v, want a HostnameError", err)
	}
	// Without the sandbox's CA the certificate is not trusted.
	_, err = tls.Dial("tcp", sb.ImplicitAddr, &tls.Config{RootCAs: x509.NewCertPool(), ServerName: sb.Hostname})
	var uerr x509.UnknownAuthorityError
	if !errors.As(err, &uerr) {
		t.Errorf("empty pool: err = %v, want UnknownAuthorityError", err)
	}
}

func TestPlainListenerHasNoTLSNorAUTH(t *testing.T) {
	sb := start(t, sandboxOpts())
	c, err := smtp.Dial(sb.PlainAddr)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Hello("client.example.test"); err != nil {
		t.Fatal(err)
	}
	if ok, _ := c.Extension("STARTTLS"); ok {
		t.Error("plain listener offers STARTTLS")
	}
	if ok, _ := c.Extension("AUTH"); ok {
		t.Error("plain listener offers AUTH")
	}
	if err := sendWith(t, c, nil, testMessage("plain", "p1")); err != nil {
		t.Fatal(err)
	}
	m := waitOne(t, sb, 1)
	if m.TLS || m.AuthUser != "" || m.Subject != "plain" {
		t.Errorf("TLS=%v AuthUser=%q Subject=%q", m.TLS, m.AuthUser, m.Subject)
	}
}

func TestSubmissionNeedsAUTH(t *testing.T) {
	sb := start(t, sandboxOpts())
	c, err := smtp.DialStartTLS(sb.STARTTLSAddr, clientTLS(sb))
	if err != nil {
		t.Fatal(err)
	}
	err = sendWith(t, c, nil, testMessage("no auth", "na1"))
	assertCode(t, err, 530, smtp.EnhancedCode{5, 7, 0})
	if n := len(sb.Messages()); n != 0 {
		t.Errorf("%d messages captured", n)
	}
}

func TestWrongPasswordIs535(t *testing.T) {
	sb := start(t, sandboxOpts())
	c, err := smtp.DialStartTLS(sb.STARTTLSAddr, clientTLS(sb))
	if err != nil {
		t.Fatal(err)
	}
	err = sendWith(t, c, sasl.NewPlainClient("", sb.User, sb.Password+"x"), testMessage("x", "x1"))
	assertCode(t, err, 535, smtp.EnhancedCode{5, 7, 8})
}

// assertCode fails unless err is an *smtp.SMTPError with code and enhanced
// code.
func assertCode(t *testing.T, err error, code int, enh smtp.EnhancedCode) {
	t.Helper()
	var se *smtp.SMTPError
	if !errors.As(err, &se) {
		t.Fatalf("err = %v, want SMTP %d", err, code)
	}
	if se.Code != code || se.EnhancedCode != enh {
		t.Fatalf("got %d %v (%s), want %d %v", se.Code, se.EnhancedCode, se.Message, code, enh)
	}
}
