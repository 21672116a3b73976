package wizard

// StepID names a step of the flow. The constants are in the flow's order.
type StepID int

// The steps, in order.
const (
	StepProvider    StepID = iota // the provider and its region
	StepDomain                    // the sending domain and the sender
	StepPort                      // the SMTP port, probed live
	StepCredentials               // the username and the secret
	StepHandshake                 // the live SMTP handshake
	StepDNS                       // the DNS audit of the domain
	StepRecords                   // the records to publish
	StepSend                      // the DKIM-signed test send
	StepSummary                   // what passed and what is left to do
	numSteps
)

// Step is one step of the flow: its title, a line of help, and the
// predicate that skips it when its answers are already given.
type Step struct {
	ID    StepID
	Name  string // short, lower case: "provider"
	Title string // "Provider and region"
	Help  string // one line saying what the step asks or does
	// Skip reports whether the session already holds everything this step
	// asks for, so the flow passes it by. Steps that do network work never
	// skip: their results must be fresh.
	Skip func(s *Session) bool
}

var steps = [numSteps]Step{
	ask(StepProvider, "provider", "Provider and region",
		"Choose who sends your mail: a provider, your own server (custom), or the local sandbox.",
		func(s *Session) bool {
			p := s.Profile()
			return s.Given(FieldProvider) && p != nil && !p.AnyHost &&
				(s.Given(FieldRegion) || len(p.Regions) <= 1)
		}),
	ask(StepDomain, "domain", "Domain and sender",
		"The domain you send from and the address that appears in From.",
		given(FieldDomain)),
	ask(StepPort, "port", "Port",
		"Which SMTP port to submit on; each is probed live.",
		given(FieldPort)),
	ask(StepCredentials, "credentials", "Credentials",
		"The SMTP username and the secret; nothing is stored unless you choose the keychain.",
		given(FieldUser, FieldSecret)),
	shows(StepHandshake, "handshake", "SMTP handshake",
		"Connect, TLS, certificate and AUTH, live, with the transcript."),
	shows(StepDNS, "dns", "DNS checks",
		"What the domain publishes for mail: MX, SPF, DKIM, DMARC, MTA-STS, TLS-RPT."),
	shows(StepRecords, "records", "Records to publish",
		"The exact records to add or change at your DNS host."),
	shows(StepSend, "send", "Test send",
		"Send a DKIM-signed test message and verify it."),
	shows(StepSummary, "summary", "Summary",
		"What passed, what is left to do, and the report to save."),
}

// ask is a step that asks for answers; skip says when they are all given.
func ask(id StepID, name, title, help string, skip func(*Session) bool) Step {
	return Step{ID: id, Name: name, Title: title, Help: help, Skip: skip}
}

// shows is a step that shows the results of network work: it never skips,
// so its results are fresh.
func shows(id StepID, name, title, help string) Step { return ask(id, name, title, help, never) }

// given returns the predicate that holds when every field was given.
func given(fs ...Field) func(*Session) bool {
	return func(s *Session) bool {
		for _, f := range fs {
			if !s.Given(f) {
				return false
			}
		}
		return true
	}
}

func never(*Session) bool { return false }

// Steps returns every step in the flow's order.
func Steps() []Step { return append([]Step(nil), steps[:]...) }

// Info returns the step with the given id.
func (id StepID) Info() Step {
	if id < 0 || id >= numSteps {
		return Step{ID: id, Name: "unknown", Title: "Unknown", Skip: never}
	}
	return steps[id]
}

// String returns the step's short name.
func (id StepID) String() string { return id.Info().Name }

// Field names one answer that prefill (or the demo) can give.
type Field int

// The answers prefill can give.
const (
	FieldProvider Field = iota
	FieldRegion
	FieldDomain
	FieldFrom
	FieldTo
	FieldPort
	FieldUser
	FieldSecret
	FieldSelector
	numFields
)
