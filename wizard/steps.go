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
	{ID: StepProvider, Name: "provider", Title: "Provider and region",
		Help: "Choose who sends your mail: a provider, your own server (custom), or the local sandbox.",
		Skip: func(s *Session) bool {
			p := s.Profile()
			return s.Given(FieldProvider) && p != nil && !p.AnyHost &&
				(s.Given(FieldRegion) || len(p.Regions) <= 1)
		}},
	{ID: StepDomain, Name: "domain", Title: "Domain and sender",
		Help: "The domain you send from and the address that appears in From.",
		Skip: func(s *Session) bool { return s.Given(FieldDomain) }},
	{ID: StepPort, Name: "port", Title: "Port",
		Help: "Which SMTP port to submit on; each is probed live.",
		Skip: func(s *Session) bool { return s.Given(FieldPort) }},
	{ID: StepCredentials, Name: "credentials", Title: "Credentials",
		Help: "The SMTP username and the secret; nothing is stored unless you choose the keychain.",
		Skip: func(s *Session) bool { return s.Given(FieldUser) && s.Given(FieldSecret) }},
	{ID: StepHandshake, Name: "handshake", Title: "SMTP handshake",
		Help: "Connect, TLS, certificate and AUTH, live, with the transcript.",
		Skip: never},
	{ID: StepDNS, Name: "dns", Title: "DNS checks",
		Help: "What the domain publishes for mail: MX, SPF, DKIM, DMARC, MTA-STS, TLS-RPT.",
		Skip: never},
	{ID: StepRecords, Name: "records", Title: "Records to publish",
		Help: "The exact records to add or change at your DNS host.",
		Skip: never},
	{ID: StepSend, Name: "send", Title: "Test send",
		Help: "Send a DKIM-signed test message and verify it.",
		Skip: never},
	{ID: StepSummary, Name: "summary", Title: "Summary",
		Help: "What passed, what is left to do, and the report to save.",
		Skip: never},
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
