package wizard

import (
	"context"
	"crypto"
	"fmt"
	"strings"

	"github.com/mailcfg/mailcfg/checks"
	"github.com/mailcfg/mailcfg/providers"
	"github.com/mailcfg/mailcfg/records"
)

// Live returns the Backend that does the real work with package checks,
// through env's resolver, dialer and roots.
func Live(env Env) Backend { return live{env} }

type live struct{ env Env }

// options are the handshake options of a target.
func (l live) options(t Target) checks.HandshakeOptions {
	a := t.Answers
	o := checks.HandshakeOptions{
		Host: a.Host, Port: a.Port, TLS: a.TLS,
		User: a.User, Secret: a.Secret, Profile: t.Profile,
		RootCAs: l.env.RootCAs, Insecure: l.env.Insecure,
		Resolver: l.env.Resolver, Timeout: l.env.Timeout,
	}
	if l.env.Dialer != nil {
		o.Dialer = l.env.Dialer
	}
	return o
}

func (l live) ProbePorts(ctx context.Context, t Target, ports []providers.Port, sink checks.Sink) []PortProbe {
	ns := make([]int, len(ports))
	for i, p := range ports {
		ns[i] = p.Number
	}
	res := checks.ProbePorts(ctx, t.Answers.Host, ns, l.options(t), sink)
	out := make([]PortProbe, 0, len(res))
	for i, r := range res {
		port := ports[i]
		note := r.Finding.Title
		if r.Finding.Fix != "" && r.State != checks.PortOpen {
			note += ". " + r.Finding.Fix
		}
		out = append(out, PortProbe{Port: port, State: r.State, Banner: r.Banner, Ms: r.Ms, Note: note})
	}
	return out
}

func (l live) Handshake(ctx context.Context, t Target, sink checks.Sink) *Outcome {
	r := checks.Handshake(ctx, l.options(t), sink)
	o := &Outcome{OK: r.OK, Stages: r.Stages, Findings: r.Findings, Transcript: r.Transcript}
	if r.Banner != "" {
		o.Facts = append(o.Facts, Fact{"Banner", r.Banner})
	}
	o.Facts = append(o.Facts, tlsFacts(r.TLSInfo)...)
	if len(r.Extensions) > 0 {
		o.Facts = append(o.Facts, Fact{"Capabilities", strings.Join(r.Extensions, " ")})
	}
	if len(r.AuthMechanisms) > 0 {
		auth := strings.Join(r.AuthMechanisms, " ")
		if r.AuthMechanism != "" {
			auth += " (used " + r.AuthMechanism + ")"
		}
		o.Facts = append(o.Facts, Fact{"AUTH", auth})
	}
	return o
}

// tlsFacts describes the TLS session and certificate.
func tlsFacts(ti *checks.TLSInfo) []Fact {
	if ti == nil {
		return nil
	}
	out := []Fact{{"TLS", strings.TrimSpace(ti.Version + " " + ti.Cipher)}}
	cert := ti.CertSubject
	if len(ti.CertSANs) > 0 {
		cert += " (" + strings.Join(ti.CertSANs, ", ") + ")"
	}
	if ti.CertIssuer != "" {
		cert += ", by " + ti.CertIssuer
	}
	if !ti.CertNotAfter.IsZero() {
		cert += fmt.Sprintf(", %d days left", ti.DaysLeft)
	}
	if ti.Verified {
		cert = "verified: " + cert
	} else if ti.VerifyError != "" {
		cert = "NOT verified (" + ti.VerifyError + "): " + cert
	}
	return append(out, Fact{"Certificate", cert})
}

func (l live) Records(ctx context.Context, t Target) *RecordSet {
	a := t.Answers
	req := records.Request{Domain: a.Domain, Region: a.Region, Selector: a.Selector}
	if t.Profile != nil && !t.Profile.AnyHost {
		req.Provider = t.Profile
	}
	if l.env.DKIMKey != nil {
		req.DKIMKey = l.env.DKIMKey.Public()
		if l.env.DKIMSelector != "" {
			req.Selector = l.env.DKIMSelector
		}
	}
	plan, err := checks.PlanRecords(ctx, l.env.Resolver, req)
	if err != nil {
		return &RecordSet{Err: err}
	}
	rs := &RecordSet{Zone: plan.Zone(), Notes: append(append([]string(nil), plan.Warnings...), plan.Notes...)}
	for _, r := range plan.Records {
		if r.OtherZone {
			rs.Notes = append(rs.Notes, fmt.Sprintf("ask the owner of %s to publish %s %s", r.Name, r.Type, r.Value))
			continue
		}
		rs.Records = append(rs.Records, Record{Name: r.Name, Type: r.Type, Value: r.Value,
			Purpose: r.Purpose, Action: r.Action, Current: r.Current})
	}
	return rs
}

func (l live) Send(ctx context.Context, t Target, sink checks.Sink) *Outcome {
	a := t.Answers
	opts := checks.SendOptions{HandshakeOptions: l.options(t), From: a.From, To: a.Recipient()}
	if l.env.DKIMKey != nil {
		opts.DKIMKey, opts.Selector = l.env.DKIMKey, l.env.DKIMSelector
		if opts.Selector == "" {
			opts.Selector = a.Selector
		}
	}
	r := checks.Send(ctx, opts, sink)
	o := &Outcome{OK: r.OK, Stages: r.Stages, Findings: r.Findings, Transcript: r.Transcript}
	if r.QueueID != "" {
		o.Facts = append(o.Facts, Fact{"Queue id", r.QueueID})
	}
	if r.MessageID != "" {
		o.Facts = append(o.Facts, Fact{"Message-ID", r.MessageID})
	}
	o.Facts = append(o.Facts, Fact{"DKIM", dkimFact(r.DKIM, l.env.DKIMKey)})
	if r.AuthResults != "" {
		o.Facts = append(o.Facts, Fact{"Receiver", r.AuthResults})
	}
	o.Facts = append(o.Facts, tlsFacts(r.TLSInfo)...)
	return o
}

// dkimFact says how the test message was signed and whether the signature
// verified against the key in DNS.
func dkimFact(d checks.DKIMResult, key crypto.Signer) string {
	switch {
	case !d.Signed && key == nil:
		return "not signed here: the provider signs (see the records step)"
	case !d.Signed:
		return "not signed: " + d.Error
	case d.Verified:
		return fmt.Sprintf("signed and verified (d=%s s=%s %s)", d.Domain, d.Selector, d.Algorithm)
	}
	return fmt.Sprintf("signed (s=%s) but NOT verified: %s", d.Selector, d.Error)
}

// auditOptions are the audit's options for a target.
func (l live) auditOptions(t Target) checks.AuditOptions {
	o := checks.AuditOptions{HTTPClient: l.env.HTTPClient}
	if t.Profile != nil && !t.Profile.AnyHost {
		o.Provider = t.Profile
	}
	if t.Answers.Selector != "" {
		o.Selectors = []string{t.Answers.Selector}
	}
	if l.env.DKIMSelector != "" && l.env.DKIMSelector != t.Answers.Selector {
		o.Selectors = append(o.Selectors, l.env.DKIMSelector)
	}
	return o
}
