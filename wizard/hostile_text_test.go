package wizard

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailcfg/mailcfg/checks"
)

// hostileZone publishes records whose text carries terminal escapes (\027 is
// ESC in master-file syntax, \007 BEL, \013 CR, \194\155 the C1 CSI): a DNS
// record is as attacker-controlled as an SMTP banner.
const hostileZone = `$TTL 60
@        MX  10 mail.evil.test.
@        TXT "v=spf1 ip4:192.0.2.2 exp=x.evil.test -all"
x        TXT "you \027[2J are \007 out"
_dmarc   TXT "v=DMARC1; p=none; rua=mailto:a@evil.test; zz=\027[2J\013"
_mta-sts TXT "v=STSv1; id=1; q=\027[5m"
_smtp._tls TXT "v=TLSRPTv1; rua=mailto:a@evil.test; q=\027]8;;http://x\007"
s1._domainkey TXT "v=DKIM1; k=rsa; n=\027[2J\007; p=AAAA"
mail     A   127.0.0.1
`

// rawControl returns the first control byte (other than LF and TAB) or C1 control
// in s, and whether there is one.
func rawControl(s string) (rune, bool) {
	for _, r := range s {
		if (r < 0x20 && r != '\n' && r != '\t') || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return r, true
		}
	}
	return 0, false
}

// TestHeadlessAndReportEscapeDNSText runs the flow against a sandbox zone
// whose TXT records hold escapes: neither the headless progress nor the
// Markdown report may carry a raw control byte.
func TestHeadlessAndReportEscapeDNSText(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	s, sb := demoSession(t, ctx)
	defer sb.Close()
	if err := sb.DNS.AddZoneText("evil.test.", hostileZone); err != nil {
		t.Fatal(err)
	}
	if err := s.SetDomain("evil.test", "demo@evil.test", "s1"); err != nil {
		t.Fatal(err)
	}
	// Every SMTP port leads to a server whose certificate names carry
	// escapes; --insecure lets the flow go past it and describe it.
	port := startHostileSMTP(t, hostileCert(t))
	s.Env.Dialer = dialFunc(func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	})
	s.Env.Insecure = true
	var out bytes.Buffer
	s.RunHeadless(ctx, &out, time.Now)
	text := out.String()
	if !strings.Contains(text, `mail\x1b[2J`) {
		t.Errorf("the hostile certificate is not shown (escaped) at all:\n%s", text)
	}
	if r, bad := rawControl(text); bad {
		t.Fatalf("raw control %U reached the headless output:\n%q", r, text)
	}
	var rep bytes.Buffer
	if err := s.WriteReport(&rep, time.Now()); err != nil {
		t.Fatal(err)
	}
	if r, bad := rawControl(rep.String()); bad {
		t.Fatalf("raw control %U reached the report:\n%q", r, rep.String())
	}
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

// startHostileSMTP serves a minimal STARTTLS and implicit-TLS-less SMTP
// server on loopback with cert and returns its port; it stops with the test.
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

// TestSecretTypedAsVariableNameIsNotEchoed: a secret typed into the
// "environment variable" field (or given to --password-env) is not a
// variable's name; the error must not repeat it on screen.
func TestSecretTypedAsVariableNameIsNotEchoed(t *testing.T) {
	const secret = "hunter2!s3cret-pw"
	s := NewSession(testEnv(t, nil))
	err := s.SetCredentials("me@example.com", checks.Secret{}, secret)
	if err == nil || strings.Contains(err.Error(), secret) {
		t.Errorf("SetCredentials with the secret as the variable: %v", err)
	}
	err = s.Apply(Prefill{PasswordEnv: secret})
	if err == nil || strings.Contains(err.Error(), secret) {
		t.Errorf("--password-env with the secret: %v", err)
	}
	if err := s.SetCredentials("me@example.com", checks.Secret{}, "NOT_SET_VAR"); err == nil || !strings.Contains(err.Error(), "$NOT_SET_VAR") {
		t.Errorf("an unset variable's name should be said: %v", err)
	}
}

// TestReportCodeSpansHoldTheirText: a value with backticks (a record is the
// DNS operator's text) cannot end its code span early and inject Markdown.
func TestReportCodeSpansHoldTheirText(t *testing.T) {
	s := NewSession(testEnv(t, nil))
	s.Results.Records = &RecordSet{Records: []Record{{Action: "keep", Name: "evil.test.", Type: "TXT",
		Value: "v=spf1 x=`` [click](http://x) `` -all", Purpose: "spf"}}}
	var b bytes.Buffer
	if err := s.WriteReport(&b, time.Now()); err != nil {
		t.Fatal(err)
	}
	if want := "| keep | `evil.test.` | TXT | ``` v=spf1 x=`` [click](http://x) `` -all ``` | spf |"; !strings.Contains(b.String(), want) {
		t.Errorf("report lacks %q:\n%s", want, b.String())
	}
}
