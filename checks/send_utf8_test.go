package checks_test

import (
	"bytes"
	"context"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-msgauth/dkim"

	"github.com/mailcfg/mailcfg/checks"
	"github.com/mailcfg/mailcfg/providers"
	"github.com/mailcfg/mailcfg/sandbox"
)

// startIDNSandbox runs a sandbox whose mail domain is the IDN bücher.test
// (its zone in A-labels, xn--bcher-kva.test), with the receiver's
// Authentication-Results computed over its DNS.
func startIDNSandbox(t *testing.T) (*sandbox.Sandbox, checks.Resolver) {
	t.Helper()
	var res atomic.Pointer[checks.DNSResolver]
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	sb, err := sandbox.Start(ctx, sandbox.Options{Domain: "xn--bcher-kva.test", Authenticate: func(ctx context.Context, m *sandbox.Message) string {
		host, _, _ := net.SplitHostPort(m.RemoteAddr)
		return checks.AuthResults(ctx, res.Load(), net.ParseIP(host), m.Helo, m.From, m.Raw)
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close() })
	r := checks.NewResolver(sb.DNSAddr, 2*time.Second)
	res.Store(r)
	return sb, r
}

// clientLine returns the first client line of the transcript that starts
// with prefix.
func clientLine(rep *checks.SendReport, prefix string) string {
	for _, l := range rep.Transcript {
		if l.Dir == checks.DirClient && strings.HasPrefix(l.Text, prefix) {
			return l.Text
		}
	}
	return ""
}

// sendIDN sends from and to the sandbox's IDN domain, signed with its RSA
// or (ed) Ed25519 key, and returns the report and the captured message after checking
// that both the sender's verifier and go-msgauth's over the sandbox's DNS
// pass, and that the receiver's SPF, DKIM and DMARC pass.
func sendIDN(t *testing.T, from, to string, ed bool) (*checks.SendReport, sandbox.Message) {
	t.Helper()
	sb, r := startIDNSandbox(t)
	key, selector := sb.DKIMKey, sb.DKIMSelector
	if ed {
		key, selector = sb.DKIMEd25519Key, sb.DKIMEd25519Selector
	}
	o := checks.SendOptions{HandshakeOptions: sandboxOptions(t, sb, r, sb.STARTTLSAddr, providers.TLSStartTLS),
		From: from, To: to, DKIMKey: key, Selector: selector, RunID: "idn1"}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	rep := checks.Send(ctx, o, nil)
	if !rep.OK || rep.QueueID == "" || !rep.DKIM.Verified || rep.DKIM.Domain != "xn--bcher-kva.test" {
		t.Fatalf("send OK=%v queue %q dkim %+v findings %+v", rep.OK, rep.QueueID, rep.DKIM, rep.Findings)
	}
	m, err := sb.WaitMessage(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	vs, err := dkim.VerifyWithOptions(bytes.NewReader(m.Raw), &dkim.VerifyOptions{LookupTXT: func(name string) ([]string, error) {
		return checks.LookupTXT(ctx, r, name)
	}})
	if err != nil || len(vs) != 1 || vs[0].Err != nil || vs[0].Domain != "xn--bcher-kva.test" {
		t.Fatalf("the captured message does not verify: %v %+v", err, vs)
	}
	if m.DKIM != "pass" || m.AuthResults != "spf=pass dkim=pass dmarc=pass" || rep.AuthResults != m.AuthResults {
		t.Errorf("receiver: dkim=%q auth results %q (send saw %q)", m.DKIM, m.AuthResults, rep.AuthResults)
	}
	if !strings.HasSuffix(strings.Trim(rep.MessageID, "<>"), "@xn--bcher-kva.test") {
		t.Errorf("Message-ID %q should be on the A-label domain", rep.MessageID)
	}
	return rep, m
}

// An IDN domain with an ASCII local part goes as A-labels everywhere: no
// SMTPUTF8, a 7-bit message, any server takes it.
func TestSendIDNDomainAsALabels(t *testing.T) {
	rep, m := sendIDN(t, "tester@bücher.test", "inbox@BÜCHER.test", false)
	if m.From != "tester@xn--bcher-kva.test" || len(m.To) != 1 || m.To[0] != "inbox@xn--bcher-kva.test" {
		t.Errorf("envelope %q → %q; want A-labels", m.From, m.To)
	}
	mail := clientLine(rep, "MAIL FROM:")
	if !strings.HasPrefix(mail, "MAIL FROM:<tester@xn--bcher-kva.test>") || strings.Contains(mail, "SMTPUTF8") || strings.Contains(mail, "8BITMIME") {
		t.Errorf("MAIL line %q", mail)
	}
	raw := string(m.Raw)
	if !strings.Contains(raw, "\r\nFrom: <tester@xn--bcher-kva.test>\r\n") || !strings.Contains(raw, "\r\nTo: <inbox@xn--bcher-kva.test>\r\n") ||
		!strings.Contains(raw, "Content-Transfer-Encoding: 7bit\r\n") {
		t.Errorf("header should use A-labels and 7bit:\n%s", m.Header())
	}
	for _, b := range m.Raw {
		if b >= 0x80 {
			t.Fatalf("the message has an 8-bit byte without SMTPUTF8:\n%s", raw)
		}
	}
	for _, f := range rep.Findings {
		if f.ID == "smtp.smtputf8" {
			t.Errorf("SMTPUTF8 is not needed for an IDN domain alone: %+v", f)
		}
	}
	var noted bool
	for _, l := range rep.Transcript {
		noted = noted || l.Dir == checks.DirNote && strings.Contains(l.Text, "tester@bücher.test goes in the envelope as tester@xn--bcher-kva.test")
	}
	if !noted {
		t.Errorf("the transcript should say how the IDN was sent: %+v", rep.Transcript)
	}
}

// A UTF-8 local part goes with SMTPUTF8 (and BODY=8BITMIME) to the
// sandbox, which offers both; the header carries raw UTF-8 with U-labels
// and the DKIM signature (RSA and Ed25519) still verifies.
func TestSendSMTPUTF8Sandbox(t *testing.T) {
	for _, ed := range []bool{false, true} {
		t.Run(map[bool]string{false: "rsa", true: "ed25519"}[ed], func(t *testing.T) { sendUTF8(t, ed) })
	}
}

func sendUTF8(t *testing.T, ed bool) {
	rep, m := sendIDN(t, "jörg@bücher.test", "ünïcode@bücher.test", ed)
	if m.From != "jörg@xn--bcher-kva.test" || len(m.To) != 1 || m.To[0] != "ünïcode@xn--bcher-kva.test" {
		t.Errorf("envelope %q → %q", m.From, m.To)
	}
	mail := clientLine(rep, "MAIL FROM:")
	if !strings.HasPrefix(mail, "MAIL FROM:<jörg@xn--bcher-kva.test> SMTPUTF8 BODY=8BITMIME") {
		t.Errorf("MAIL line %q: the transcript shows UTF-8 as is, with SMTPUTF8 and BODY=8BITMIME", mail)
	}
	if rcpt := clientLine(rep, "RCPT TO:"); rcpt != "RCPT TO:<ünïcode@xn--bcher-kva.test>" {
		t.Errorf("RCPT line %q", rcpt)
	}
	raw := string(m.Raw)
	for _, want := range []string{"\r\nFrom: <jörg@bücher.test>\r\n", "\r\nTo: <ünïcode@bücher.test>\r\n", "Content-Transfer-Encoding: 8bit\r\n", "From:   jörg@bücher.test\r\n"} {
		if !strings.Contains(raw, want) {
			t.Errorf("message lacks %q:\n%s", want, raw)
		}
	}
	var passed bool
	for _, f := range rep.Findings {
		passed = passed || f.ID == "smtp.smtputf8" && f.Status == checks.StatusPass
	}
	var stage bool
	for _, s := range rep.Stages {
		stage = stage || s.Name == "smtputf8" && s.Status == checks.StatusPass
	}
	if !passed || !stage {
		t.Errorf("want a passing smtputf8 stage and finding: %+v %+v", rep.Stages, rep.Findings)
	}
	var text bytes.Buffer
	if err := checks.WriteTranscriptText(&text, rep.Transcript); err != nil || !strings.Contains(text.String(), "<jörg@xn--bcher-kva.test> SMTPUTF8") {
		t.Errorf("text transcript (%v):\n%s", err, text.String())
	}
}

// A server that does not offer SMTPUTF8 gets nothing but EHLO and QUIT:
// the send stops before MAIL with a finding that says why and what to do.
func TestSendSMTPUTF8NotOffered(t *testing.T) {
	m := &mini{ext: []string{"8BITMIME", "SIZE 10240000", "PIPELINING"}}
	h := startHostile(t, m.serve)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rep := checks.Send(ctx, checks.SendOptions{HandshakeOptions: checks.HandshakeOptions{Host: "127.0.0.1", Port: h.port, TLS: providers.TLSNone, HeloName: "c.test"},
		From: "jörg@example.test", To: "b@example.test"}, nil)
	if rep.OK || rep.QueueID != "" {
		t.Fatalf("report OK=%v queue %q", rep.OK, rep.QueueID)
	}
	var f *checks.Finding
	for i := range rep.Findings {
		if rep.Findings[i].ID == "smtp.smtputf8" {
			f = &rep.Findings[i]
		}
	}
	if f == nil || f.Status != checks.StatusFail || !strings.Contains(f.Title, "jörg@example.test") ||
		!strings.Contains(f.Fix, "ASCII address") || !strings.Contains(f.Fix, "offers SMTPUTF8") || !strings.Contains(f.Ref, "RFC 6531") {
		t.Fatalf("finding %+v", f)
	}
	var last checks.Stage
	for _, s := range rep.Stages {
		if s.Name != "quit" {
			last = s
		}
	}
	if last.Name != "smtputf8" || last.Status != checks.StatusFail {
		t.Errorf("last stage %+v; want smtputf8 fail", last)
	}
	got := h.lines()
	if len(got) != 2 || got[0] != "EHLO c.test" || got[1] != "QUIT" {
		t.Errorf("the server got %q; want only EHLO and QUIT", got)
	}
}

// A server that offers SMTPUTF8 but not 8BITMIME gets SMTPUTF8 only; the
// envelope's UTF-8 never goes without it.
func TestSendSMTPUTF8WithoutBody8BitParam(t *testing.T) {
	m := &mini{ext: []string{"SMTPUTF8"}}
	h := startHostile(t, m.serve)
	rep := checks.Send(context.Background(), checks.SendOptions{HandshakeOptions: checks.HandshakeOptions{Host: "127.0.0.1", Port: h.port, TLS: providers.TLSNone, HeloName: "c.test"},
		From: "a@example.test", To: "пользователь@пример.испытание"}, nil)
	var mail, rcpt string
	for _, l := range h.lines() {
		switch {
		case strings.HasPrefix(l, "MAIL"):
			mail = l
		case strings.HasPrefix(l, "RCPT"):
			rcpt = l
		}
	}
	if !rep.OK || mail != "MAIL FROM:<a@example.test> SMTPUTF8" || rcpt != "RCPT TO:<пользователь@xn--e1afmkfd.xn--80akhbyknj4f>" {
		t.Errorf("OK=%v server got %q / %q; findings %+v", rep.OK, mail, rcpt, rep.Findings)
	}
}

// A bad address is a finding before anything is dialled.
func TestSendBadAddressDialsNothing(t *testing.T) {
	m := &mini{}
	h := startHostile(t, m.serve)
	rep := checks.Send(context.Background(), checks.SendOptions{HandshakeOptions: checks.HandshakeOptions{Host: "127.0.0.1", Port: h.port, TLS: providers.TLSNone, HeloName: "c.test"},
		From: "a..b@example.test", To: "b@example.test"}, nil)
	if rep.OK || len(rep.Stages) != 0 || len(rep.Findings) != 1 || rep.Findings[0].ID != "send.address" ||
		rep.Findings[0].Status != checks.StatusFail || !strings.Contains(rep.Findings[0].Detail, "the sender") {
		t.Fatalf("report OK=%v stages %+v findings %+v", rep.OK, rep.Stages, rep.Findings)
	}
	if got := h.lines(); len(got) != 0 {
		t.Errorf("the server got %q", got)
	}
}

func TestTestMessageUTF8AndASCII(t *testing.T) {
	date := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	raw, mid := checks.TestMessage{From: "jörg@bücher.test", To: "x@y.test", RunID: "r1", Date: date, UTF8: true,
		Settings: []string{"user: a\x1bb\u0085c\u202ed"}}.Build()
	s := string(raw)
	if !strings.Contains(s, "From: <jörg@bücher.test>\r\n") || !strings.Contains(s, "Content-Transfer-Encoding: 8bit\r\n") ||
		!strings.HasSuffix(mid, "@xn--bcher-kva.test>") || !strings.Contains(s, "user: a?b?c?d\r\n") {
		t.Errorf("UTF-8 message (%s):\n%s", mid, s)
	}
	raw, _ = checks.TestMessage{From: "jörg@bücher.test", To: "x@y.test", RunID: "r1", Date: date}.Build()
	for _, b := range raw {
		if b >= 0x80 {
			t.Fatalf("ASCII message has byte %#x:\n%s", b, raw)
		}
	}
	if !strings.Contains(string(raw), "Content-Transfer-Encoding: 7bit\r\n") {
		t.Errorf("ASCII message:\n%s", raw)
	}
}

// Sanitize keeps printable Unicode (an IDN, a UTF-8 local part) and still
// escapes C0, DEL, C1, bidi and zero-width characters and invalid UTF-8.
func TestSanitizeKeepsPrintableUnicode(t *testing.T) {
	for in, want := range map[string]string{
		"250 jörg@bücher.example ok":       "250 jörg@bücher.example ok",
		"用户@例子.测试":                         "用户@例子.测试",
		"a\u0080b\u0085c\u009fd":           `a\u0080b\u0085c\u009fd`,
		"a\u00a0b":                         "a\u00a0b",
		"x\x1b[2J\x7f\xff":                 `x\x1b[2J\x7f\xff`,
		"bü\u202echer\u200b":               `bü\u202echer\u200b`,
		"MAIL FROM:<ü@xn--bcher-kva.test>": "MAIL FROM:<ü@xn--bcher-kva.test>",
	} {
		if got := checks.Sanitize(in, 0); got != want {
			t.Errorf("Sanitize(%q) = %q; want %q", in, got, want)
		}
	}
}
