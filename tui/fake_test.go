package tui

import (
	"context"
	"time"

	"github.com/mailcfg/mailcfg/checks"
	"github.com/mailcfg/mailcfg/providers"
	"github.com/mailcfg/mailcfg/wizard"
)

// fakeBackend answers the wizard's work with fixed results, streaming the
// same events a real check does. Pure Update/View tests use it; the
// sandbox tests use wizard.Live.
type fakeBackend struct {
	refused   bool // every port refused
	authFail  bool // the handshake fails with 535
	auditFail bool // the audit finds a failing SPF
	planErr   error
	pending   bool // the plan has records to create
	sendFail  bool
	propOK    bool
	// propOKAfter, when > 0, makes propagation succeed from that call on.
	propOKAfter int
	propCalls   int
	block       chan struct{} // when set, Handshake waits for ctx to end and closes this
}

func (f *fakeBackend) ProbePorts(ctx context.Context, t wizard.Target, ports []providers.Port, sink checks.Sink) []wizard.PortProbe {
	var out []wizard.PortProbe
	for i, p := range ports {
		st, note := wizard.PortOpen, "Port is open."
		if f.refused {
			st, note = wizard.PortRefused, "Nothing listens on this port; use 587 or 465."
		}
		name := "port " + itoa(p.Number)
		sink(checks.Event{Kind: checks.EventStage, Stage: checks.Stage{Name: name, Running: true}})
		sink(checks.Event{Kind: checks.EventStage, Stage: checks.Stage{Name: name, Status: checks.StatusPass, Ms: int64(10 + i), Detail: st}})
		out = append(out, wizard.PortProbe{Port: p, State: st, Ms: int64(10 + i), Note: note})
	}
	return out
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	s := ""
	for n > 0 {
		s = string(rune('0'+n%10)) + s
		n /= 10
	}
	return s
}

func stage(sink checks.Sink, name string, status checks.Status, ms int64, code int, enh string) checks.Stage {
	sink(checks.Event{Kind: checks.EventStage, Stage: checks.Stage{Name: name, Running: true}})
	st := checks.Stage{Name: name, Status: status, Ms: ms, Code: code, Enhanced: enh}
	sink(checks.Event{Kind: checks.EventStage, Stage: st})
	return st
}

func line(sink checks.Sink, dir checks.Direction, text string, at int) checks.Line {
	l := checks.Line{Dir: dir, Text: text, At: time.Duration(at) * time.Millisecond}
	sink(checks.Event{Kind: checks.EventLine, Line: l})
	return l
}

func (f *fakeBackend) Handshake(ctx context.Context, t wizard.Target, sink checks.Sink) *wizard.Outcome {
	if f.block != nil {
		<-ctx.Done()
		close(f.block)
		return &wizard.Outcome{}
	}
	o := &wizard.Outcome{OK: true}
	o.Stages = append(o.Stages, stage(sink, "connect", checks.StatusPass, 3, 0, ""))
	o.Transcript = append(o.Transcript,
		line(sink, checks.DirServer, "220 mail.example.test ESMTP ready", 4),
		line(sink, checks.DirClient, "EHLO client.example", 5),
		line(sink, checks.DirServer, "250-mail.example.test", 6),
		line(sink, checks.DirServer, "250 STARTTLS", 6),
		line(sink, checks.DirClient, "STARTTLS", 7),
		line(sink, checks.DirServer, "220 2.0.0 Ready to start TLS", 8),
		line(sink, checks.DirNote, "TLS started: TLS 1.3", 12),
		line(sink, checks.DirClient, "AUTH PLAIN ********", 13))
	o.Stages = append(o.Stages, stage(sink, "banner", checks.StatusPass, 1, 220, ""),
		stage(sink, "ehlo", checks.StatusPass, 1, 250, ""),
		stage(sink, "starttls", checks.StatusPass, 4, 220, ""))
	o.Facts = []wizard.Fact{{Label: "TLS", Value: "TLS 1.3 TLS_AES_128_GCM_SHA256"},
		{Label: "Certificate", Value: "verified: CN=mail.example.test, 89 days left"},
		{Label: "Capabilities", Value: "PIPELINING 8BITMIME AUTH PLAIN LOGIN"}}
	if f.authFail {
		o.OK = false
		o.Transcript = append(o.Transcript, line(sink, checks.DirServer, "535 5.7.8 Authentication credentials invalid", 14))
		o.Stages = append(o.Stages, stage(sink, "auth", checks.StatusFail, 2, 535, "5.7.8"))
		fd := checks.Finding{ID: "smtp.auth", Status: checks.StatusFail, Title: "The server rejected the credentials (535 5.7.8)",
			Fix: "Check the username and secret; the sandbox makes new ones each start."}
		sink(checks.Event{Kind: checks.EventFinding, Finding: fd})
		o.Findings = append(o.Findings, fd)
		return o
	}
	o.Transcript = append(o.Transcript, line(sink, checks.DirServer, "235 2.7.0 Authentication successful", 14))
	o.Stages = append(o.Stages, stage(sink, "auth", checks.StatusPass, 2, 235, ""), stage(sink, "quit", checks.StatusPass, 1, 221, ""))
	return o
}

func (f *fakeBackend) Audit(ctx context.Context, t wizard.Target, sink checks.Sink) []checks.Finding {
	fs := []checks.Finding{
		{ID: "mx.present", Status: checks.StatusPass, Title: "MX: mail.example.test"},
		{ID: "spf.present", Status: checks.StatusPass, Title: "One SPF record", Evidence: "v=spf1 ip4:127.0.0.1 -all"},
		{ID: "dkim.present", Status: checks.StatusPass, Title: "DKIM key at s1._domainkey"},
		{ID: "dmarc.policy", Status: checks.StatusWarn, Title: "DMARC policy is none", Detail: "Receivers only report.",
			Fix: "Move to p=quarantine once reports show SPF and DKIM aligned.", Ref: "RFC 9989 §4.7"},
		{ID: "mta_sts.present", Status: checks.StatusInfo, Title: "MTA-STS is published"},
	}
	if f.auditFail {
		fs = append(fs, checks.Finding{ID: "spf.lookups", Status: checks.StatusFail, Title: "SPF needs 12 DNS lookups; the limit is 10",
			Fix: "Drop includes you no longer send through.", Ref: "RFC 7208 §4.6.4"})
	}
	for _, fd := range fs {
		sink(checks.Event{Kind: checks.EventFinding, Finding: fd})
	}
	return fs
}

func (f *fakeBackend) Records(ctx context.Context, t wizard.Target) *wizard.RecordSet {
	if f.planErr != nil {
		return &wizard.RecordSet{Err: f.planErr}
	}
	d := t.Answers.Domain + "."
	action := "keep"
	if f.pending {
		action = "create"
	}
	return &wizard.RecordSet{
		Records: []wizard.Record{
			{Name: d, Type: "TXT", Value: "v=spf1 ip4:127.0.0.1 -all", Purpose: "spf", Action: "keep", Current: "v=spf1 ip4:127.0.0.1 -all"},
			{Name: "s1._domainkey." + d, Type: "TXT", Value: "v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAzQ7", Purpose: "dkim", Action: "keep"},
			{Name: "_dmarc." + d, Type: "TXT", Value: "v=DMARC1; p=none; rua=mailto:dmarc-reports@" + t.Answers.Domain, Purpose: "dmarc", Action: action},
		},
		Zone: "; mailcfg: records for " + d + "\n" + d + " 3600 IN TXT \"v=spf1 ip4:127.0.0.1 -all\"\n",
	}
}

func (f *fakeBackend) Propagation(ctx context.Context, t wizard.Target, rec wizard.Record, sink checks.Sink) *wizard.Outcome {
	f.propCalls++
	ok := f.propOK || f.propOKAfter > 0 && f.propCalls >= f.propOKAfter
	o := &wizard.Outcome{OK: ok}
	st := checks.StatusPass
	if !ok {
		st = checks.StatusWarn
	}
	o.Stages = []checks.Stage{stage(sink, "ns1.example.test", checks.StatusPass, 2, 0, ""), stage(sink, "resolver", st, 1, 0, "")}
	o.Facts = []wizard.Fact{{Label: "Wait", Value: "up to 5m0s for the resolver's cached answer"}}
	return o
}

func (f *fakeBackend) Send(ctx context.Context, t wizard.Target, sink checks.Sink) *wizard.Outcome {
	o := &wizard.Outcome{OK: !f.sendFail}
	o.Stages = append(o.Stages, stage(sink, "connect", checks.StatusPass, 3, 0, ""), stage(sink, "auth", checks.StatusPass, 2, 235, ""))
	o.Transcript = append(o.Transcript, line(sink, checks.DirClient, "MAIL FROM:<"+t.Answers.From+">", 20))
	if f.sendFail {
		o.Transcript = append(o.Transcript, line(sink, checks.DirServer, "451 4.3.0 Try again later", 21))
		o.Stages = append(o.Stages, stage(sink, "mail", checks.StatusFail, 1, 451, "4.3.0"))
		fd := checks.Finding{ID: "smtp.mail", Status: checks.StatusFail, Title: "The server deferred the sender (451 4.3.0)", Fix: "Try again in a few minutes."}
		sink(checks.Event{Kind: checks.EventFinding, Finding: fd})
		o.Findings = []checks.Finding{fd}
		return o
	}
	o.Transcript = append(o.Transcript, line(sink, checks.DirServer, "250 2.0.0 Ok: queued as 4QX2", 22))
	o.Stages = append(o.Stages, stage(sink, "data", checks.StatusPass, 5, 250, "2.0.0"))
	o.Facts = []wizard.Fact{{Label: "Queue id", Value: "4QX2"}, {Label: "DKIM", Value: "signed and verified (d=example.test s=s1 rsa-sha256)"}}
	return o
}
