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
	r, a := &s.Results, &s.Answers
	hs := liveItem(StepHandshake, r.Handshake, "SMTP handshake", "handshake",
		fmt.Sprintf("SMTP handshake with %s:%d (%s) passed", a.Host, a.Port, a.TLS),
		fmt.Sprintf("SMTP handshake with %s:%d failed", a.Host, a.Port))

	dn := notRun(StepDNS, "DNS checks", "not run", "DNS checks")
	if r.DNSDone {
		dn.Status = checks.Worst(r.Findings)
		if dn.Status == checks.StatusInfo {
			dn.Status = checks.StatusPass // notes only: nothing to fix
		}
		sum := checks.Summarize(r.Findings)
		dn.Title = fmt.Sprintf("DNS checks of %s: %d pass, %d warn, %d fail, %d could not check",
			a.Domain, sum.Pass, sum.Warn, sum.Fail, sum.Error)
		dn.Todo = fixes(r.Findings)
	}

	rc := Item{Step: StepRecords}
	switch {
	case r.Records == nil:
		rc = notRun(StepRecords, "Records", "not planned", "records")
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

	sent := fmt.Sprintf("Test message to %s accepted", a.Recipient())
	if q := r.Send.Fact("Queue id"); q != "" {
		sent += " (queue id " + q + ")"
	}
	sd := liveItem(StepSend, r.Send, "Test send", "test send", sent, "Test send failed")
	return []Item{hs, dn, rc, sd}
}

// notRun is the item of a part that has not run: an error ("could not
// check"), never a pass, whose to-do is to run its step.
func notRun(id StepID, name, what, step string) Item {
	return Item{Step: id, Status: checks.StatusError, Title: name + ": " + what,
		Todo: []string{"run the " + step + " step"}}
}

// liveItem is the verdict of a live check (the handshake, the send): not
// run, passed, or failed with the fixes of its findings.
func liveItem(id StepID, o *Outcome, name, step, pass, fail string) Item {
	switch {
	case o == nil:
		return notRun(id, name, "not run", step)
	case o.OK:
		return Item{Step: id, Status: checks.StatusPass, Title: pass}
	}
	return Item{Step: id, Status: worstOr(o.Findings, checks.StatusFail), Title: fail, Todo: fixes(o.Findings)}
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
