package tui

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/mailcfg/mailcfg/checks"
	"github.com/mailcfg/mailcfg/providers"
	"github.com/mailcfg/mailcfg/wizard"
)

// styleSGR matches the wizard's own styling (SGR sequences); anything else
// that is a control byte in a view came from outside and was not escaped.
var styleSGR = regexp.MustCompile("\x1b\\[[0-9;:]*m")

func noForeignControl(t *testing.T, where, view string) {
	t.Helper()
	for _, r := range styleSGR.ReplaceAllString(view, "") {
		if (r < 0x20 && r != '\n') || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			t.Fatalf("%s: raw control %U reached the view:\n%q", where, r, view)
		}
	}
}

// hostileSession is the demo session pointed at the zone evil.test, whose
// current DMARC record holds escapes, with every SMTP port leading to a
// server whose certificate names hold escapes (--insecure, so the flow goes
// past it and describes it).
func hostileSession(t *testing.T) *wizard.Session {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	sb, err := wizard.StartSandbox(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close() })
	if err := sb.DNS.AddZoneText("evil.test.", "$TTL 60\n@ MX 10 mail.evil.test.\n@ TXT \"v=spf1 -all\"\nmail A 127.0.0.1\n"+
		"_dmarc TXT \"v=DMARC1; p=none; zz=\\027[2J\\027]0;pwned\\007\\194\\155\"\n"); err != nil {
		t.Fatal(err)
	}
	env := wizard.SandboxEnv(sb, providers.Builtin(), 5*time.Second)
	port := startHostileSMTP(t, hostileCert(t))
	env.Dialer = dialFunc(func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	})
	env.Insecure = true
	sess, err := wizard.NewDemoSession(sb, env)
	if err != nil {
		t.Fatal(err)
	}
	must(t, sess.SetDomain("evil.test", "demo@evil.test", ""))
	return sess
}

// TestViewsEscapeServerAndDNSText: the handshake step draws the
// certificate's names and the records step the value a record has now;
// both are the other side's text and must reach the screen escaped.
func TestViewsEscapeServerAndDNSText(t *testing.T) {
	sess := hostileSession(t)
	sess.Goto(wizard.StepHandshake)
	h := harnessFor(t, sess, false, nil)
	h.send(tea.WindowSizeMsg{Width: 400, Height: 40}) // the whole certificate line
	h.wantScreen("Certificate", `CN=mail\x1b[2J`)
	noForeignControl(t, "handshake step", h.m.Render())

	sess.Goto(wizard.StepRecords)
	h = harnessFor(t, sess, false, nil)
	h.wantScreen("_dmarc.evil.test.")
	for i := 0; i < 6 && !strings.Contains(h.screen(), "now: "); i++ {
		h.keys("down")
	}
	h.wantScreen(`now: v=DMARC1; p=none; zz=\x1b[2J`)
	noForeignControl(t, "records step", h.m.Render())
}

type dialFunc func(ctx context.Context, network, addr string) (net.Conn, error)

func (f dialFunc) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	return f(ctx, network, addr)
}

// hostileCert is a self-signed certificate whose subject, issuer and names
// carry terminal escapes.
func hostileCert(t *testing.T) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	name := pkix.Name{CommonName: "mail\x1b[2J\x1b]0;pwned\x07.evil\u009b31m", Organization: []string{"evil\r\x1b[31m"}}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(7), Subject: name, Issuer: name,
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		DNSNames:    []string{"x\x1b[5m.evil.test"},
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// startHostileSMTP serves a minimal STARTTLS SMTP server on loopback with
// cert and returns its port; it stops with the test.
func startHostileSMTP(t *testing.T, cert tls.Certificate) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(10 * time.Second))
				rd := bufio.NewReader(c)
				w := func(s string) { _, _ = c.Write([]byte(s + "\r\n")) }
				w("220 evil.test ESMTP")
				for {
					line, err := rd.ReadString('\n')
					if err != nil {
						return
					}
					switch strings.ToUpper(strings.Fields(line + " x")[0]) {
					case "EHLO":
						w("250-evil.test")
						w("250 STARTTLS")
					case "STARTTLS":
						w("220 go ahead")
						tc := tls.Server(c, &tls.Config{Certificates: []tls.Certificate{cert}})
						if tc.Handshake() != nil {
							return
						}
						c, rd = tc, bufio.NewReader(tc)
					case "QUIT":
						w("221 bye")
						return
					default:
						w("502 no")
					}
				}
			}()
		}
	}()
	return ln.Addr().(*net.TCPAddr).Port
}

// hostileAudit is the fake backend with an audit whose finding carries
// escapes in every field, as a careless check could pass DNS text on.
type hostileAudit struct{ *fakeBackend }

func (hostileAudit) Audit(_ context.Context, _ wizard.Target, sink checks.Sink) []checks.Finding {
	f := checks.Finding{ID: "spf.syntax", Status: checks.StatusFail, Title: "SPF \x1b[2J broken",
		Detail: "line one\nline \x1b]0;pwned\x07 two", Evidence: "v=spf1 \x1b[5m -all", Fix: "fix \r\u009b31m it", Ref: "RFC 7208"}
	sink(checks.Event{Kind: checks.EventFinding, Finding: f})
	return []checks.Finding{f}
}

// TestDNSAndSummaryStepsEscapeFindings: the DNS step (expanded) and the
// summary draw a finding's title, detail, evidence and fix escaped.
func TestDNSAndSummaryStepsEscapeFindings(t *testing.T) {
	sess := wizard.NewSession(wizard.Env{Catalog: testCatalog(t), Backend: hostileAudit{&fakeBackend{}}})
	must(t, sess.SetProvider("test-multi", "us", ""))
	must(t, sess.SetDomain("example.com", "ops@example.com", "s1"))
	must(t, sess.SetPort(587))
	must(t, sess.SetCredentials("apikey", checks.NewSecret("hunter2-secret"), ""))
	sess.Goto(wizard.StepDNS)
	h := harnessFor(t, sess, false, nil)
	h.keys("space")
	h.wantScreen(`SPF \x1b[2J broken`, `line \x1b]0;pwned\x07 two`, `v=spf1 \x1b[5m -all`)
	noForeignControl(t, "dns step", h.m.Render())

	sess.Goto(wizard.StepSummary)
	h = harnessFor(t, sess, false, nil)
	h.wantScreen(`SPF \x1b[2J broken`)
	noForeignControl(t, "summary step", h.m.Render())
}
