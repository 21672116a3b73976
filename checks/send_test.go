package checks_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/mailcfg/mailcfg/checks"
	"github.com/mailcfg/mailcfg/providers"
)

// TestSendReplyCodes: each refusal in the transaction ends at its stage
// with the server's code, enhanced code, meaning and fix.
func TestSendReplyCodes(t *testing.T) {
	cases := []struct {
		name   string
		m      mini
		stage  string
		code   int
		st     checks.Status
		detail string
	}{
		{"530 on MAIL", mini{mailReply: "530 5.7.0 Authentication required"}, "mail", 530, checks.StatusFail, "authentication"},
		{"553 on MAIL", mini{mailReply: "553 5.7.1 Sender address rejected: not owned by user"}, "mail", 553, checks.StatusFail, "refused the address"},
		{"550 on RCPT", mini{rcptReply: "550 5.1.1 No such user"}, "rcpt", 550, checks.StatusFail, "no such mailbox"},
		{"452 on RCPT", mini{rcptReply: "452 4.5.3 Too many recipients"}, "rcpt", 452, checks.StatusError, "temporary"},
		{"450 on RCPT", mini{rcptReply: "450 4.2.0 Greylisted"}, "rcpt", 450, checks.StatusError, "greylisting"},
		{"554 at the end", mini{finalReply: "554 5.7.1 Message rejected as spam"}, "data", 554, checks.StatusFail, "policy"},
		{"421 at the end", mini{finalReply: "421 4.7.0 Try again later, closing"}, "data", 421, checks.StatusError, "not available"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := c.m
			h := startHostile(t, m.serve)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			rep := checks.Send(ctx, checks.SendOptions{HandshakeOptions: checks.HandshakeOptions{Host: "127.0.0.1", Port: h.port, TLS: providers.TLSNone, HeloName: "c.test"},
				From: "a@example.test", To: "b@example.test"}, nil)
			var last checks.Stage
			for _, s := range rep.Stages {
				if s.Name != "quit" {
					last = s
				}
			}
			if rep.OK || last.Name != c.stage || last.Code != c.code || last.Status != c.st || last.Enhanced == "" {
				t.Fatalf("last stage %+v OK=%v; want %s %d %s", last, rep.OK, c.stage, c.code, c.st)
			}
			var f *checks.Finding
			for i := range rep.Findings {
				if rep.Findings[i].Status == c.st {
					f = &rep.Findings[i]
				}
			}
			if f == nil || !strings.Contains(strings.ToLower(f.Detail), c.detail) || f.Fix == "" {
				t.Errorf("finding %+v should explain %q and say what to do", f, c.detail)
			}
		})
	}
}

func TestSendMessageShape(t *testing.T) {
	m := &mini{}
	h := startHostile(t, m.serve)
	rep := checks.Send(context.Background(), checks.SendOptions{HandshakeOptions: checks.HandshakeOptions{Host: "127.0.0.1", Port: h.port, TLS: providers.TLSNone, HeloName: "c.test"},
		From: "a@example.test", To: "b@example.test", RunID: "run42"}, nil)
	if !rep.OK || rep.QueueID != "4BxQ7Z1abc" || rep.RunID != "run42" {
		t.Fatalf("report %+v", rep)
	}
	raw := string(rep.Message)
	for _, want := range []string{"\r\nFrom: <a@example.test>\r\n", "\r\nTo: <b@example.test>\r\n", "Subject: mailcfg test message run42\r\n",
		"Message-ID: <mailcfg.run42.", "@example.test>\r\n", "MIME-Version: 1.0\r\n", "Content-Type: text/plain; charset=utf-8\r\n", "\r\n\r\nThis is a test message", "port: "} {
		if !strings.Contains(raw, want) {
			t.Errorf("message lacks %q:\n%s", want, raw)
		}
	}
	if !strings.HasPrefix(raw, "Date: ") || !strings.HasSuffix(raw, "\r\n") || strings.Contains(strings.ReplaceAll(raw, "\r\n", ""), "\n") {
		t.Errorf("message framing:\n%q", raw)
	}
	var sawMail bool
	for _, l := range h.lines() {
		sawMail = sawMail || l == "MAIL FROM:<a@example.test>"
	}
	if !sawMail {
		t.Errorf("server got %q", h.lines())
	}
}

func TestParseAuthResults(t *testing.T) {
	for in, want := range map[string]string{
		"2.0.0 OK: queued as 1A2B; spf=pass dkim=pass dmarc=pass":     "spf=pass dkim=pass dmarc=pass",
		"2.0.0 OK: queued as 1A2B; dmarc=fail dkim=none spf=softfail": "spf=softfail dkim=none dmarc=fail",
		"2.0.0 Ok: queued as 4ZxYz":                                   "",
		"spf=pass spf=fail":                                           "spf=pass",
	} {
		if got := checks.ParseAuthResults(in); got != want {
			t.Errorf("ParseAuthResults(%q) = %q, want %q", in, got, want)
		}
	}
}
