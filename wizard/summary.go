package wizard

import (
	"fmt"

	"github.com/mailcfg/mailcfg/checks"
)

// Item is one line of the summary: a step's verdict, and what is left to do
// for it.
type Item struct {
	Step   StepID
	Status checks.Status
	Title  string
	Todo   []string
}

// Summary returns the verdict of each part of the flow: the handshake, the
// DNS checks, the records and the test send. A part that has not run is an
// error ("could not check"), never a pass.
func (s *Session) Summary() []Item {
	r := &s.Results
	var out []Item

	hs := Item{Step: StepHandshake, Title: "SMTP handshake"}
	switch {
	case r.Handshake == nil:
		hs.Status, hs.Title = checks.StatusError, "SMTP handshake: not run"
		hs.Todo = []string{"run the handshake step"}
	case r.Handshake.OK:
		hs.Status = checks.StatusPass
		hs.Title = fmt.Sprintf("SMTP handshake with %s:%d (%s) passed", s.Answers.Host, s.Answers.Port, s.Answers.TLS)
	default:
		hs.Status = worstOr(r.Handshake.Findings, checks.StatusFail)
		hs.Title = fmt.Sprintf("SMTP handshake with %s:%d failed", s.Answers.Host, s.Answers.Port)
		hs.Todo = fixes(r.Handshake.Findings)
	}
	out = append(out, hs)

	dn := Item{Step: StepDNS, Title: "DNS checks"}
	if !r.DNSDone {
		dn.Status, dn.Title = checks.StatusError, "DNS checks: not run"
		dn.Todo = []string{"run the DNS checks step"}
	} else {
		dn.Status = checks.Worst(r.Findings)
		if dn.Status == checks.StatusInfo {
			dn.Status = checks.StatusPass // notes only: nothing to fix
		}
		sum := checks.Summarize(r.Findings)
		dn.Title = fmt.Sprintf("DNS checks of %s: %d pass, %d warn, %d fail, %d could not check",
			s.Answers.Domain, sum.Pass, sum.Warn, sum.Fail, sum.Error)
		dn.Todo = fixes(r.Findings)
	}
	out = append(out, dn)

	rc := Item{Step: StepRecords, Title: "Records"}
	switch {
	case r.Records == nil:
		rc.Status, rc.Title = checks.StatusError, "Records: not planned"
		rc.Todo = []string{"run the records step"}
	case r.Records.Err != nil:
		rc.Status, rc.Title = checks.StatusError, "Records: could not plan: "+r.Records.Err.Error()
	case len(r.Records.Pending()) > 0:
		rc.Status = checks.StatusWarn
		rc.Title = fmt.Sprintf("Records: %d to publish", len(r.Records.Pending()))
		for _, rec := range r.Records.Pending() {
			rc.Todo = append(rc.Todo, fmt.Sprintf("%s %s %s %s", rec.Action, rec.Name, rec.Type, rec.Value))
		}
	default:
		rc.Status, rc.Title = checks.StatusPass, "Records: everything needed is published"
	}
	rc.Todo = append(rc.Todo, r.Records.notes()...)
	out = append(out, rc)

	sd := Item{Step: StepSend, Title: "Test send"}
	switch {
	case r.Send == nil:
		sd.Status, sd.Title = checks.StatusError, "Test send: not run"
		sd.Todo = []string{"run the test send step"}
	case r.Send.OK:
		sd.Status = checks.StatusPass
		sd.Title = fmt.Sprintf("Test message to %s accepted", s.Answers.Recipient())
		if q := r.Send.Fact("Queue id"); q != "" {
			sd.Title += " (queue id " + q + ")"
		}
	default:
		sd.Status = worstOr(r.Send.Findings, checks.StatusFail)
		sd.Title = "Test send failed"
		sd.Todo = fixes(r.Send.Findings)
	}
	out = append(out, sd)
	return out
}

func (r *RecordSet) notes() []string {
	if r == nil {
		return nil
	}
	return r.Notes
}

// AllPassed reports whether every part of the summary passed (warnings and
// notes allowed): what `mailcfg demo --headless` exits 0 on.
func (s *Session) AllPassed() bool {
	for _, it := range s.Summary() {
		if it.Status == checks.StatusFail || it.Status == checks.StatusError {
			return false
		}
	}
	return true
}

func worstOr(fs []checks.Finding, def checks.Status) checks.Status {
	w := checks.Worst(fs)
	if w.Severity() < def.Severity() {
		return def
	}
	return w
}

// fixes lists the fix of every finding that is not a pass or info.
func fixes(fs []checks.Finding) []string {
	var out []string
	for _, f := range fs {
		if f.Status == checks.StatusPass || f.Status == checks.StatusInfo {
			continue
		}
		t := f.Title
		if f.Fix != "" {
			t += ": " + f.Fix
		}
		out = append(out, t)
	}
	return out
}
