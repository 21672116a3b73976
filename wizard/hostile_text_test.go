package wizard

import (
	"bytes"
	"context"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mailcfg/mailcfg/internal/hostiletest"

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
	port := hostiletest.StartSMTP(t, hostiletest.Cert(t))
	s.Env.Dialer = hostiletest.DialFunc(func(ctx context.Context, network, _ string) (net.Conn, error) {
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
