package sandbox_test

import (
	"bytes"
	"context"
	"crypto"
	"net"
	"strings"
	"testing"

	"github.com/emersion/go-msgauth/dkim"
	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/mailcfg/mailcfg/sandbox"
)

// sign DKIM-signs msg for example.test with key under selector.
func sign(t *testing.T, msg, selector string, key crypto.Signer) string {
	t.Helper()
	var b bytes.Buffer
	err := dkim.Sign(&b, strings.NewReader(msg), &dkim.SignOptions{
		Domain: "example.test", Selector: selector, Signer: key,
		HeaderCanonicalization: dkim.CanonicalizationRelaxed,
		BodyCanonicalization:   dkim.CanonicalizationRelaxed,
		HeaderKeys:             []string{"From", "To", "Subject", "Date", "Message-ID"},
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// submit sends raw over STARTTLS with the sandbox's credentials.
func submit(t *testing.T, sb *sandbox.Sandbox, raw string) {
	t.Helper()
	c, err := smtp.DialStartTLS(sb.STARTTLSAddr, clientTLS(sb))
	if err != nil {
		t.Fatal(err)
	}
	if err := sendWith(t, c, sasl.NewPlainClient("", sb.User, sb.Password), raw); err != nil {
		t.Fatal(err)
	}
}

func TestCapturedDKIM(t *testing.T) {
	sb := start(t, sandboxOpts())
	good := sign(t, testMessage("signed rsa", "k1"), sb.DKIMSelector, sb.DKIMKey)
	goodEd := sign(t, testMessage("signed ed25519", "k2"), sb.DKIMEd25519Selector, sb.DKIMEd25519Key)
	tampered := strings.Replace(sign(t, testMessage("tampered", "k3"), sb.DKIMSelector, sb.DKIMKey),
		"Hello from the sandbox test.", "Hello from somebody else.", 1)
	wrongSel := sign(t, testMessage("unknown selector", "k4"), "nosuch", sb.DKIMKey)
	want := []struct {
		raw, dkim string
	}{{good, "pass"}, {goodEd, "pass"}, {tampered, "fail"}, {wrongSel, "fail"}, {testMessage("unsigned", "k5"), "none"}}
	for i, w := range want {
		submit(t, sb, w.raw)
		m := waitOne(t, sb, i+1)
		if m.DKIM != w.dkim {
			t.Errorf("message %d (%s): DKIM %q, want %q", i+1, m.Subject, m.DKIM, w.dkim)
		}
	}
	// The captured message verifies with go-msgauth against the sandbox's
	// DNS, as any receiver would check it.
	raw := waitOne(t, sb, 1).Raw
	verifs, err := dkim.VerifyWithOptions(bytes.NewReader(raw), &dkim.VerifyOptions{
		LookupTXT: func(name string) ([]string, error) {
			return txt(query(t, "udp", sb.DNSAddr, name, 16, 1232, false)), nil
		},
	})
	if err != nil || len(verifs) != 1 || verifs[0].Err != nil || verifs[0].Domain != "example.test" {
		t.Errorf("verify captured message: %v %+v", err, verifs)
	}
}

func TestAuthenticateHook(t *testing.T) {
	var gotIP string
	opts := sandbox.Options{Authenticate: func(ctx context.Context, m *sandbox.Message) string {
		gotIP, _, _ = net.SplitHostPort(m.RemoteAddr)
		if ctx.Err() != nil || m.From == "" || len(m.Raw) == 0 {
			return "spf=temperror"
		}
		return "spf=pass dkim=" + m.DKIM + " dmarc=pass"
	}}
	sb := start(t, opts)
	submit(t, sb, sign(t, testMessage("hooked", "h1"), sb.DKIMSelector, sb.DKIMKey))
	m := waitOne(t, sb, 1)
	if m.AuthResults != "spf=pass dkim=pass dmarc=pass" || gotIP != "127.0.0.1" {
		t.Errorf("AuthResults %q, remote IP %q", m.AuthResults, gotIP)
	}
}
