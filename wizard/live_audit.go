package wizard

import (
	"context"
	"fmt"

	"github.com/miekg/dns"

	"github.com/mailcfg/mailcfg/checks"
)

func (l live) Audit(ctx context.Context, t Target, sink checks.Sink) []checks.Finding {
	return checks.Audit(ctx, l.env.Resolver, t.Answers.Domain, l.auditOptions(t), sink)
}

// Propagation asks each authoritative server of the record's zone, then the
// resolver, whether the record's value is there yet (checks.Propagation).
// The outcome is OK when every server publishes it and the resolver sees
// it; its facts say what each server answered and the wait a cached answer
// implies.
func (l live) Propagation(ctx context.Context, t Target, rec Record, sink checks.Sink) *Outcome {
	qtype := dns.StringToType[rec.Type]
	rep, err := checks.PropagationWith(ctx, l.env.Resolver, rec.Name, qtype, rec.Value,
		checks.PropagationOptions{Port: l.env.AuthoritativePort, Timeout: l.env.Timeout}, sink)
	if err != nil {
		f := checks.Finding{ID: "records.propagation", Status: checks.StatusError,
			Title: "Could not check " + rec.Name, Detail: err.Error()}
		return &Outcome{Findings: []checks.Finding{f}}
	}
	o := &Outcome{OK: rep.Published && rep.Visible, Findings: rep.Findings}
	for _, s := range rep.Authoritative {
		o.Facts = append(o.Facts, Fact{s.Name, serverState(s)})
	}
	o.Facts = append(o.Facts, Fact{"resolver", serverState(rep.Resolver)})
	if !rep.Visible && rep.Wait > 0 {
		o.Facts = append(o.Facts, Fact{"Wait", fmt.Sprintf("up to %s for the resolver's cached answer to expire", rep.Wait)})
	}
	return o
}

func serverState(s checks.PropagationServer) string {
	switch s.State {
	case checks.PropPublished:
		return "✓ serves the new value"
	case checks.PropOld:
		return "! still serves the old value"
	case checks.PropMissing:
		return "! has no record yet"
	}
	if s.Err != "" {
		return "? could not ask: " + s.Err
	}
	return "? " + s.State
}
