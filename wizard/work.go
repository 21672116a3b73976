package wizard

import (
	"context"
	"fmt"

	"github.com/mailcfg/mailcfg/checks"
	"github.com/mailcfg/mailcfg/providers"
)

// Outcome is what a live step (the handshake, a propagation check, the test
// send) found, in a shape every front-end draws the same way.
type Outcome struct {
	OK         bool
	Stages     []checks.Stage
	Facts      []Fact // "TLS": "TLS 1.3, TLS_AES_128_GCM_SHA256", "Queue id": "…"
	Findings   []checks.Finding
	Transcript []checks.Line
}

// Fact is one labelled detail of an Outcome.
type Fact struct{ Label, Value string }

// Fact returns the value of the fact with the given label, or "".
func (o *Outcome) Fact(label string) string {
	if o == nil {
		return ""
	}
	for _, f := range o.Facts {
		if f.Label == label {
			return f.Value
		}
	}
	return ""
}

// PortProbe is one port's live probe.
type PortProbe struct {
	Port   providers.Port
	State  string // "open", "refused", "filtered" or "error"
	Banner string // the server's greeting, sanitised
	Ms     int64
	Note   string // what the state means for the person
}

// The states of a probed port.
const (
	PortOpen     = "open"
	PortRefused  = "refused"
	PortFiltered = "filtered"
	PortError    = "error"
)

// Record is one DNS record to publish, as the records step shows it.
type Record struct {
	Name    string // fully qualified, with its trailing dot
	Type    string // TXT, CNAME, MX
	Value   string
	Purpose string // spf, dkim, dmarc, mta-sts, tls-rpt, bounce, mx
	Action  string // create, replace, keep
	Current string // what is live now, if anything
}

// RecordSet is the records step's plan.
type RecordSet struct {
	Records []Record
	Zone    string   // the BIND zone-file fragment
	Notes   []string // what the person must still do by hand
	Err     error    // why the plan could not be made
}

// Pending returns the records that are not yet live (create or replace).
func (r *RecordSet) Pending() []Record {
	if r == nil {
		return nil
	}
	var out []Record
	for _, rec := range r.Records {
		if rec.Action != "keep" {
			out = append(out, rec)
		}
	}
	return out
}

// Backend does the network work of the steps. Live is the real one; each
// method streams its progress to sink and returns what it found.
type Backend interface {
	ProbePorts(ctx context.Context, t Target, ports []providers.Port, sink checks.Sink) []PortProbe
	Handshake(ctx context.Context, t Target, sink checks.Sink) *Outcome
	Audit(ctx context.Context, t Target, sink checks.Sink) []checks.Finding
	Records(ctx context.Context, t Target) *RecordSet
	Propagation(ctx context.Context, t Target, rec Record, sink checks.Sink) *Outcome
	Send(ctx context.Context, t Target, sink checks.Sink) *Outcome
}

// Target is the snapshot of a session a Backend works from: the answers and
// the profile at the moment the work started.
type Target struct {
	Answers Answers
	Profile *providers.Profile
}

// Work is one step's network work, bound to a snapshot of the session: it
// streams events to sink and returns its result.
type Work func(ctx context.Context, sink checks.Sink) any

// Progress is one item of a Stream: an event, or (Done) the result.
type Progress struct {
	Event  checks.Event
	Done   bool
	Result any
}

// Stream runs w in a goroutine and returns the channel its events arrive
// on, ending with one Done item carrying the result; the channel is closed
// after it. Cancelling ctx stops w (it honours ctx) and drops events nobody
// reads any more, so the goroutine always ends.
func Stream(ctx context.Context, w Work) <-chan Progress {
	ch := make(chan Progress, 64)
	go func() {
		defer close(ch)
		sink := func(e checks.Event) {
			select {
			case ch <- Progress{Event: e}:
			case <-ctx.Done():
			}
		}
		res := w(ctx, sink)
		select {
		case ch <- Progress{Done: true, Result: res}:
		case <-ctx.Done():
		}
	}()
	return ch
}

func (s *Session) backend() Backend {
	if s.Env.Backend != nil {
		return s.Env.Backend
	}
	return Live(s.Env)
}

// Target returns the snapshot of the session's answers that work runs on.
func (s *Session) Target() Target { return Target{Answers: s.Answers, Profile: s.Profile()} }

// WorkFor returns the network work of step id (nil for steps without any):
// the port probes, the handshake, the audit, the records plan or the send.
func (s *Session) WorkFor(id StepID) Work {
	b, t := s.backend(), s.Target()
	switch id {
	case StepPort:
		ports := s.Ports()
		return func(ctx context.Context, sink checks.Sink) any { return b.ProbePorts(ctx, t, ports, sink) }
	case StepHandshake:
		return func(ctx context.Context, sink checks.Sink) any { return b.Handshake(ctx, t, sink) }
	case StepDNS:
		return func(ctx context.Context, sink checks.Sink) any { return b.Audit(ctx, t, sink) }
	case StepRecords:
		return func(ctx context.Context, _ checks.Sink) any { return b.Records(ctx, t) }
	case StepSend:
		return func(ctx context.Context, sink checks.Sink) any { return b.Send(ctx, t, sink) }
	}
	return nil
}

// PropagationWork returns the work of the records step's "check again" for
// one record.
func (s *Session) PropagationWork(rec Record) Work {
	b, t := s.backend(), s.Target()
	return func(ctx context.Context, sink checks.Sink) any { return b.Propagation(ctx, t, rec, sink) }
}

// Store keeps the result of step id's work (as returned by WorkFor's Work).
func (s *Session) Store(id StepID, result any) error {
	switch r := result.(type) {
	case []PortProbe:
		s.Results.Ports = r
	case *Outcome:
		switch id {
		case StepHandshake:
			s.Results.Handshake = r
		case StepSend:
			s.Results.Send = r
		default:
			return fmt.Errorf("wizard: an outcome for step %s", id)
		}
	case []checks.Finding:
		s.Results.Findings, s.Results.DNSDone = r, true
	case *RecordSet:
		s.Results.Records = r
	default:
		return fmt.Errorf("wizard: unexpected result %T for step %s", result, id)
	}
	return nil
}
