package checks_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mailcfg/mailcfg/checks"
	"github.com/mailcfg/mailcfg/providers"
)

// handshake runs a check against 127.0.0.1:port and fails the test if it
// takes longer than limit. limit only proves the check ends within its own
// timeout instead of hanging: keep it at least 3× the time the check should
// take (a loaded 2-core CI machine running -race), and below the timeout it
// must not fall back to; speed itself belongs in benchmarks.
func handshake(t *testing.T, o checks.HandshakeOptions, limit time.Duration) *checks.HandshakeReport {
	t.Helper()
	if o.Host == "" {
		o.Host = "127.0.0.1"
	}
	if o.HeloName == "" {
		o.HeloName = "client.test"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	began := time.Now()
	rep := checks.Handshake(ctx, o, nil)
	if d := time.Since(began); d > limit {
		t.Errorf("the check took %s; it must end within %s", d.Round(time.Millisecond), limit)
	}
	return rep
}

// failedAt asserts the last stage is name with status st (and code when
// code > 0), and that a finding id with status st exists; it returns that
// finding.
func failedAt(t *testing.T, rep *checks.HandshakeReport, stage, id string, st checks.Status, code int) checks.Finding {
	t.Helper()
	if len(rep.Stages) == 0 {
		t.Fatalf("no stages; findings %+v", rep.Findings)
	}
	var last checks.Stage
	for _, s := range rep.Stages {
		if s.Name != "quit" {
			last = s
		}
	}
	if last.Name != stage || last.Status != st || (code > 0 && last.Code != code) {
		t.Errorf("last stage = %+v; want %s %s code %d", last, stage, st, code)
	}
	if rep.OK {
		t.Errorf("report OK despite a %s at %s", st, stage)
	}
	for _, f := range rep.Findings {
		if f.ID == id && f.Status == st {
			return f
		}
	}
	t.Fatalf("no %s finding with status %s in %+v", id, st, rep.Findings)
	return checks.Finding{}
}

func noRawControl(t *testing.T, rep *checks.HandshakeReport) {
	t.Helper()
	for _, l := range rep.Transcript {
		for _, c := range []byte(l.Text) {
			if c < 0x20 || c == 0x7f {
				t.Fatalf("transcript line %q holds a raw control byte", l.Text)
			}
		}
		if len(l.Text) > checks.MaxLineBytes+40 {
			t.Fatalf("transcript line of %d bytes; the cap is %d", len(l.Text), checks.MaxLineBytes)
		}
	}
}

func TestSMTPHostileOneByteASecond(t *testing.T) {
	h := startHostile(t, func(c net.Conn, _ *hostile) {
		for _, b := range []byte("220 slow.test ESMTP\r\n") {
			if _, err := c.Write([]byte{b}); err != nil {
				return
			}
			time.Sleep(time.Second)
		}
	})
	rep := handshake(t, checks.HandshakeOptions{Port: h.port, TLS: providers.TLSNone, BannerTimeout: 2 * time.Second, Timeout: time.Second}, 10*time.Second)
	failedAt(t, rep, "banner", "smtp.banner", checks.StatusError, 0)
}

func TestSMTPHostileEndlessContinuation(t *testing.T) {
	h := startHostile(t, func(c net.Conn, _ *hostile) {
		c.Write([]byte("220 ok\r\n"))
		buf := make([]byte, 512)
		c.Read(buf)
		for {
			if _, err := c.Write([]byte("250-AAAAAAAAAAAAAAAAAAAA\r\n")); err != nil {
				return
			}
		}
	})
	rep := handshake(t, checks.HandshakeOptions{Port: h.port, TLS: providers.TLSNone, Timeout: 3 * time.Second}, 5*time.Second)
	f := failedAt(t, rep, "ehlo", "smtp.ehlo", checks.StatusFail, 0)
	if !strings.Contains(f.Title, "100 lines") {
		t.Errorf("finding %q should say the reply ran past 100 lines", f.Title)
	}
	if n := len(rep.Transcript); n > checks.MaxReplyLines+20 {
		t.Errorf("transcript has %d lines; a reply must be capped", n)
	}
}

func TestSMTPHostileMegabyteLine(t *testing.T) {
	h := startHostile(t, func(c net.Conn, _ *hostile) {
		c.Write([]byte("220 " + strings.Repeat("A", 1<<20) + "\r\n"))
	})
	rep := handshake(t, checks.HandshakeOptions{Port: h.port, TLS: providers.TLSNone, Timeout: 3 * time.Second}, 5*time.Second)
	f := failedAt(t, rep, "banner", "smtp.banner", checks.StatusFail, 0)
	if !strings.Contains(f.Title, "64 KiB") {
		t.Errorf("finding %q should name the 64 KiB cap", f.Title)
	}
	noRawControl(t, rep)
}

func TestSMTPHostileEscapesInBanner(t *testing.T) {
	m := &mini{banner: "220 evil.test \x1b[2J\x1b]0;pwned\x07 \x9b31m hi\r\x1b[1A"}
	h := startHostile(t, m.serve)
	rep := handshake(t, checks.HandshakeOptions{Port: h.port, TLS: providers.TLSNone}, 5*time.Second)
	noRawControl(t, rep)
	if !strings.Contains(rep.Banner, `\x1b[2J`) || !strings.Contains(rep.Banner, `\x07`) {
		t.Errorf("banner %q should show the escapes escaped", rep.Banner)
	}
	b, _ := json.Marshal(rep)
	if strings.Contains(string(b), "\x1b") || strings.Contains(string(b), `\u001b`) {
		t.Errorf("JSON holds a raw or JSON-escaped ESC: %s", b)
	}
	if len(rep.Stages) < 3 || rep.Stages[1].Name != "banner" || rep.Stages[1].Code != 220 {
		t.Errorf("stages %+v: the banner should pass with 220", rep.Stages)
	}
}

func TestSMTPHostileSTARTTLS454(t *testing.T) {
	m := &mini{ext: []string{"STARTTLS", "AUTH PLAIN"}, starttls: "454 4.7.0 TLS not available due to local problem"}
	h := startHostile(t, m.serve)
	rep := handshake(t, checks.HandshakeOptions{Port: h.port, TLS: providers.TLSStartTLS}, 5*time.Second)
	f := failedAt(t, rep, "starttls", "smtp.tls", checks.StatusError, 454)
	if rep.Stages[len(rep.Stages)-2].Enhanced != "4.7.0" {
		t.Errorf("stages %+v: want enhanced 4.7.0", rep.Stages)
	}
	if !strings.Contains(f.Detail, "454") || f.Fix == "" {
		t.Errorf("finding %+v should explain 454 and say what to do", f)
	}
}

func TestSMTPHostileClosedAfterEHLO(t *testing.T) {
	m := &mini{ext: []string{"STARTTLS"}, closeAfter: "EHLO"}
	h := startHostile(t, m.serve)
	rep := handshake(t, checks.HandshakeOptions{Port: h.port, TLS: providers.TLSStartTLS}, 5*time.Second)
	f := failedAt(t, rep, "starttls", "smtp.tls", checks.StatusFail, 0)
	if !strings.Contains(f.Title, "closed the connection") {
		t.Errorf("finding title %q should say the server closed the connection", f.Title)
	}
}

func TestSMTPHostileTLSHandshakeNeverCompletes(t *testing.T) {
	h := startHostile(t, func(c net.Conn, _ *hostile) {
		buf := make([]byte, 4096)
		for {
			if _, err := c.Read(buf); err != nil {
				return
			}
		}
	})
	// The step timeout is long; the silence is still caught in about 2 s.
	rep := handshake(t, checks.HandshakeOptions{Port: h.port, TLS: providers.TLSImplicit, Timeout: 20 * time.Second}, 8*time.Second)
	f := failedAt(t, rep, "tls", "smtp.tls", checks.StatusFail, 0)
	if !strings.Contains(f.Title, "No answer to the TLS ClientHello") {
		t.Errorf("finding title %q", f.Title)
	}
}

func TestSMTPHostileImplicitToSTARTTLSPort(t *testing.T) {
	cert, _ := testCert(t, 90)
	m := &mini{ext: []string{"STARTTLS"}, cert: &cert}
	h := startHostile(t, m.serve)
	rep := handshake(t, checks.HandshakeOptions{Port: h.port, TLS: providers.TLSImplicit}, 6*time.Second)
	f := failedAt(t, rep, "tls", "smtp.tls", checks.StatusFail, 0)
	if !strings.Contains(f.Title, "speaks plain SMTP") || !strings.Contains(f.Evidence, "220") {
		t.Errorf("finding %+v should name the mismatch and show the plaintext banner", f)
	}
}

func TestSMTPHostileSTARTTLSToImplicitPort(t *testing.T) {
	cert, _ := testCert(t, 90)
	m := &mini{implicit: true, cert: &cert}
	h := startHostile(t, m.serve)
	rep := handshake(t, checks.HandshakeOptions{Port: h.port, TLS: providers.TLSStartTLS, BannerTimeout: 30 * time.Second}, 8*time.Second)
	f := failedAt(t, rep, "banner", "smtp.tls", checks.StatusFail, 0)
	if !strings.Contains(f.Title, "implicit TLS") {
		t.Errorf("finding title %q should name implicit TLS", f.Title)
	}
}

func TestSMTPHostileCancel(t *testing.T) {
	h := startHostile(t, func(c net.Conn, _ *hostile) {
		buf := make([]byte, 512)
		for {
			if _, err := c.Read(buf); err != nil {
				return
			}
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	began := time.Now()
	rep := checks.Handshake(ctx, checks.HandshakeOptions{Host: "127.0.0.1", Port: h.port, TLS: providers.TLSNone}, nil)
	if d := time.Since(began); d > 2*time.Second {
		t.Errorf("cancelled check returned after %s", d)
	}
	if rep.OK || len(rep.Findings) == 0 || rep.Findings[0].Status != checks.StatusError || !strings.Contains(rep.Findings[0].Title, "cancelled") {
		t.Errorf("a cancelled check is an error, not OK: %+v", rep.Findings)
	}
}

func TestSMTPHostileHELOFallback(t *testing.T) {
	m := &mini{ehloReply: "502 5.5.2 EHLO not implemented"}
	h := startHostile(t, m.serve)
	rep := handshake(t, checks.HandshakeOptions{Port: h.port, TLS: providers.TLSNone}, 5*time.Second)
	var sawHelo bool
	for _, l := range h.lines() {
		if l == "HELO client.test" {
			sawHelo = true
		}
	}
	if !sawHelo {
		t.Errorf("server got %q; want HELO after the 502", h.lines())
	}
	if st := rep.Stages[2]; st.Name != "ehlo" || st.Status != checks.StatusWarn || st.Code != 250 {
		t.Errorf("ehlo stage %+v; want a warning with 250", st)
	}
}

// dialFunc adapts a function to checks.Dialer.
type dialFunc func(ctx context.Context, network, addr string) (net.Conn, error)

func (f dialFunc) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	return f(ctx, network, addr)
}

func TestSMTPConnectRefusedVersusTimeout(t *testing.T) {
	refused := dialFunc(func(context.Context, string, string) (net.Conn, error) {
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	})
	rep := handshake(t, checks.HandshakeOptions{Host: "192.0.2.7", Port: 25, Dialer: refused}, 5*time.Second)
	f := failedAt(t, rep, "connect", "smtp.connect", checks.StatusFail, 0)
	if !strings.Contains(f.Title, "refused") || !strings.Contains(f.Fix, "use 587 (STARTTLS) or 465") {
		t.Errorf("refused finding %+v", f)
	}
	hang := dialFunc(func(ctx context.Context, _, _ string) (net.Conn, error) {
		<-ctx.Done()
		return nil, ctx.Err()
	})
	rep = handshake(t, checks.HandshakeOptions{Host: "192.0.2.7", Port: 587, Dialer: hang, Timeout: 300 * time.Millisecond}, 2*time.Second)
	f = failedAt(t, rep, "connect", "smtp.connect", checks.StatusError, 0)
	if !strings.Contains(f.Title, "timed out") {
		t.Errorf("timeout finding %+v", f)
	}
}

func TestSMTPConnectEveryAddressInTurn(t *testing.T) {
	m := &mini{}
	h := startHostile(t, m.serve)
	// 127.0.0.2 has nothing listening on the port: refused, then the next.
	r := checks.NewMapResolver("mail.multi.test. 300 IN A 127.0.0.2\nmail.multi.test. 300 IN A 127.0.0.1\n")
	var tried []string
	d := dialFunc(func(ctx context.Context, n, addr string) (net.Conn, error) {
		tried = append(tried, addr)
		if strings.HasPrefix(addr, "127.0.0.2:") {
			return nil, &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
		}
		return (&net.Dialer{}).DialContext(ctx, n, addr)
	})
	rep := handshake(t, checks.HandshakeOptions{Host: "mail.multi.test", Port: h.port, TLS: providers.TLSNone, Resolver: r, Dialer: d}, 5*time.Second)
	if len(tried) != 2 || !rep.OK || rep.Address != tried[1] {
		t.Errorf("tried %v, report OK=%v address %q findings %+v", tried, rep.OK, rep.Address, rep.Findings)
	}
}

func TestNoPlaintextAuthOffLoopback(t *testing.T) {
	m := &mini{ext: []string{"AUTH PLAIN LOGIN"}}
	h := startHostile(t, m.serve)
	// The host is a documentation address; the dialer reaches the local server.
	d := dialFunc(func(ctx context.Context, n, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, n, h.ln.Addr().String())
	})
	rep := handshake(t, checks.HandshakeOptions{Host: "192.0.2.9", Port: 2525, TLS: providers.TLSNone, User: "u", Secret: checks.NewSecret("s3cret"), Dialer: d}, 5*time.Second)
	failedAt(t, rep, "auth", "smtp.auth", checks.StatusFail, 0)
	for _, l := range h.lines() {
		if strings.HasPrefix(strings.ToUpper(l), "AUTH") {
			t.Fatalf("credentials went over plaintext: server got %q", l)
		}
	}
	rep = handshake(t, checks.HandshakeOptions{Host: "192.0.2.9", Port: 2525, TLS: providers.TLSNone, User: "u", Secret: checks.NewSecret("s3cret"), Dialer: d, AllowPlaintextAuth: true}, 5*time.Second)
	if s := rep.Stages[len(rep.Stages)-2]; s.Name != "auth" || s.Status != checks.StatusPass {
		t.Errorf("with --allow-plaintext-auth the auth stage is %+v", s)
	}
}

func TestAuthNotOfferedAndOnlyAfterTLS(t *testing.T) {
	cert, pool := testCert(t, 90)
	m := &mini{ext: []string{"STARTTLS"}, extTLS: []string{"AUTH PLAIN"}, cert: &cert}
	h := startHostile(t, m.serve)
	rep := handshake(t, checks.HandshakeOptions{Port: h.port, RootCAs: pool, User: "u", Secret: checks.NewSecret("pw")}, 5*time.Second)
	if !rep.OK {
		t.Fatalf("findings %+v", rep.Findings)
	}
	found := false
	for _, f := range rep.Findings {
		found = found || f.ID == "smtp.auth_after_tls"
	}
	if !found {
		t.Errorf("no smtp.auth_after_tls finding in %+v", rep.Findings)
	}
	m2 := &mini{ext: []string{"STARTTLS"}, extTLS: []string{"SIZE 1000"}, cert: &cert}
	h2 := startHostile(t, m2.serve)
	rep = handshake(t, checks.HandshakeOptions{Port: h2.port, RootCAs: pool, User: "u", Secret: checks.NewSecret("pw")}, 5*time.Second)
	f := failedAt(t, rep, "auth", "smtp.auth", checks.StatusFail, 0)
	if !strings.Contains(f.Title, "does not offer AUTH") {
		t.Errorf("finding %+v", f)
	}
}

func TestSMTPCertificateKinds(t *testing.T) {
	good, pool := testCert(t, 90)
	soon, soonPool := testCert(t, 10)
	old, oldPool := testCert(t, -3)
	cases := []struct {
		name    string
		cert    tls.Certificate
		pool    *x509.CertPool
		host    string
		want    checks.Status
		insec   bool
		inTitle string
	}{
		{"trusted", good, pool, "127.0.0.1", checks.StatusPass, false, "valid for 127.0.0.1"},
		{"by name", good, pool, "mail.hostile.test", checks.StatusPass, false, "valid for mail.hostile.test"},
		{"untrusted", good, nil, "127.0.0.1", checks.StatusFail, false, "not signed by a trusted authority"},
		{"insecure", good, nil, "127.0.0.1", checks.StatusWarn, true, "--insecure"},
		{"wrong name", good, pool, "smtp.other.test", checks.StatusFail, false, "not for smtp.other.test"},
		{"expiring", soon, soonPool, "127.0.0.1", checks.StatusWarn, false, "expires in"},
		{"expired", old, oldPool, "127.0.0.1", checks.StatusFail, false, "expired on"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cert := c.cert
			m := &mini{implicit: true, cert: &cert}
			h := startHostile(t, m.serve)
			d := dialFunc(func(ctx context.Context, n, _ string) (net.Conn, error) {
				return (&net.Dialer{}).DialContext(ctx, n, h.ln.Addr().String())
			})
			r := checks.NewMapResolver("mail.hostile.test. 300 IN A 127.0.0.1\nsmtp.other.test. 300 IN A 127.0.0.1\n")
			rep := handshake(t, checks.HandshakeOptions{Host: c.host, Port: 465, RootCAs: c.pool, Insecure: c.insec, Dialer: d, Resolver: r}, 5*time.Second)
			var f *checks.Finding
			for i := range rep.Findings {
				if rep.Findings[i].ID == "smtp.cert" {
					f = &rep.Findings[i]
				}
			}
			if f == nil || f.Status != c.want || !strings.Contains(f.Title, c.inTitle) {
				t.Fatalf("smtp.cert = %+v; want %s with %q", f, c.want, c.inTitle)
			}
			if rep.TLSInfo == nil || rep.TLSInfo.CertSubject == "" || rep.TLSInfo.Version == "" || len(rep.TLSInfo.CertSANs) != 2 {
				t.Errorf("tls_info %+v should describe the certificate", rep.TLSInfo)
			}
			if (c.want == checks.StatusFail) == rep.OK {
				t.Errorf("OK=%v for a %s certificate", rep.OK, c.want)
			}
			if c.want == checks.StatusFail && rep.Stages[len(rep.Stages)-1].Name == "ehlo" {
				t.Errorf("the session went on after a bad certificate: %+v", rep.Stages)
			}
		})
	}
}

func TestAuthMechanismsMasked(t *testing.T) {
	const user, secret = "alice@example.test", "correct horse battery"
	cases := []struct {
		offer, want string
		profile     *providers.Profile
	}{
		{"AUTH PLAIN LOGIN CRAM-MD5", "CRAM-MD5", nil}, // loopback without TLS: CRAM-MD5 first
		{"AUTH LOGIN PLAIN", "PLAIN", nil},
		{"AUTH LOGIN", "LOGIN", nil},
		{"AUTH PLAIN XOAUTH2", "XOAUTH2", &providers.Profile{Secret: providers.Secret{Kind: "oauth_token"}}},
	}
	for _, c := range cases {
		t.Run(c.want, func(t *testing.T) {
			m := &mini{ext: []string{c.offer}}
			h := startHostile(t, m.serve)
			rep := handshake(t, checks.HandshakeOptions{Port: h.port, TLS: providers.TLSNone, User: user, Secret: checks.NewSecret(secret), Profile: c.profile}, 5*time.Second)
			if !rep.OK || rep.AuthMechanism != c.want {
				t.Fatalf("mechanism %q OK=%v findings %+v", rep.AuthMechanism, rep.OK, rep.Findings)
			}
			js, _ := json.Marshal(rep)
			var text strings.Builder
			checks.WriteTranscriptText(&text, rep.Transcript)
			checks.WriteTranscriptMarkdown(&text, "", "", rep.Transcript)
			forms := checks.NewSecret(secret).Forms(user)
			// What the client really sent carries the credential: the
			// server saw it, the transcript must not.
			var sent []string
			for _, l := range h.lines() {
				if strings.HasPrefix(l, "AUTH") || !strings.Contains(l, " ") && len(l) > 8 {
					sent = append(sent, strings.TrimPrefix(strings.TrimPrefix(l, "AUTH "+c.want), " "))
				}
			}
			for _, hay := range []string{string(js), text.String()} {
				for _, f := range append(forms, sent...) {
					if f != "" && strings.Contains(hay, f) {
						t.Fatalf("output leaks %q", f)
					}
				}
			}
			if !strings.Contains(text.String(), "********") {
				t.Errorf("transcript has no masked payload:\n%s", text.String())
			}
		})
	}
}

func TestAuthRejectedUsesProfileAdvice(t *testing.T) {
	m := &mini{ext: []string{"AUTH PLAIN"}, rejectAuth: "535 5.7.8 Username and Password not accepted"}
	h := startHostile(t, m.serve)
	p := &providers.Profile{ID: "gmail", AuthAdvice: "Gmail needs an app password.", Username: providers.Username{Hint: "Your full address."}}
	rep := handshake(t, checks.HandshakeOptions{Port: h.port, TLS: providers.TLSNone, User: "u", Secret: checks.NewSecret("x"), Profile: p}, 5*time.Second)
	f := failedAt(t, rep, "auth", "smtp.auth", checks.StatusFail, 535)
	if !strings.Contains(f.Fix, "Gmail needs an app password") || !strings.Contains(f.Detail, "5.7.8") {
		t.Errorf("finding %+v should carry the profile's advice and 5.7.8", f)
	}
}

func TestSMTPDialErrorsAreNotLeaky(t *testing.T) {
	// A dial error's text reaches the finding sanitised.
	bad := dialFunc(func(context.Context, string, string) (net.Conn, error) {
		return nil, errors.New("boom \x1b[31m")
	})
	rep := handshake(t, checks.HandshakeOptions{Host: "192.0.2.1", Port: 587, Dialer: bad}, 5*time.Second)
	if b, _ := json.Marshal(rep); strings.Contains(string(b), `\u001b`) {
		t.Errorf("raw escape in %s", b)
	}
}
