package wizard

import (
	"context"
	"crypto"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/mailcfg/mailcfg/checks"
	"github.com/mailcfg/mailcfg/providers"
)

// The catalogue ids the flow treats specially.
const (
	CustomID  = "custom"  // any host, port and TLS mode the person gives
	SandboxID = "sandbox" // the embedded loopback sandbox
)

// Dialer opens network connections; *net.Dialer is one. The demo maps the
// sandbox profile's ports to the sandbox's loopback listeners with its own.
type Dialer interface {
	DialContext(ctx context.Context, network, addr string) (net.Conn, error)
}

// Env is how the flow reaches the world: the catalogue, the resolver every
// lookup goes through, the dialer, the trusted roots and the timeouts.
type Env struct {
	Catalog  *providers.Catalog
	Resolver checks.Resolver
	Dialer   Dialer         // nil: a net.Dialer
	RootCAs  *x509.CertPool // nil: the system's roots
	Insecure bool           // skip certificate verification (loudly)
	Timeout  time.Duration  // each network step; 0: the checks' defaults
	Getenv   func(string) string
	// DKIMKey and DKIMSelector sign the test message when set (the demo
	// uses the sandbox's key); otherwise the provider signs.
	DKIMKey      crypto.Signer
	DKIMSelector string
	// AuthoritativePort is where the records step's "check again" asks the
	// zone's name servers (53 when 0; the sandbox's DNS port in the demo).
	AuthoritativePort int
	// HTTPClient fetches the MTA-STS policy; nil means the audit's default.
	HTTPClient *http.Client
	// Backend does the network work; nil means Live(env).
	Backend Backend
	// NoKeychain keeps the OS keychain out of the flow: nothing is looked
	// up or offered to be stored (the demo's throwaway secret).
	NoKeychain bool
}

// Session is one walk through the flow: the answers, which of them were
// given up front, the current step and the results of the steps run so far.
// It is not safe for concurrent use: front-ends change it from one
// goroutine and hand snapshots (Work) to the goroutines that do I/O.
type Session struct {
	Env     Env
	Answers Answers
	Results Results

	given [numFields]bool
	cur   StepID
}

// Results holds what the network steps found.
type Results struct {
	Ports     []PortProbe
	Handshake *Outcome
	Findings  []checks.Finding
	DNSDone   bool
	Records   *RecordSet
	Send      *Outcome
}

// NewSession returns a session at its first step that is not skipped.
func NewSession(env Env) *Session {
	if env.Getenv == nil {
		env.Getenv = func(string) string { return "" }
	}
	s := &Session{Env: env}
	s.cur = s.firstFrom(StepProvider)
	return s
}

// Given reports whether the answer f was given up front (prefill or demo).
func (s *Session) Given(f Field) bool { return f >= 0 && f < numFields && s.given[f] }

// Give marks answers as given up front, so the steps that ask for them
// skip. It does not move the session: call Restart after.
func (s *Session) Give(fs ...Field) {
	for _, f := range fs {
		s.given[f] = true
	}
}

// Restart moves the session to the first step that is not skipped.
func (s *Session) Restart() { s.cur = s.firstFrom(StepProvider) }

// Current returns the current step.
func (s *Session) Current() StepID { return s.cur }

// Path returns the steps the flow will visit, in order, given the answers
// so far.
func (s *Session) Path() []StepID {
	var out []StepID
	for id := StepProvider; id < numSteps; id++ {
		if !steps[id].Skip(s) {
			out = append(out, id)
		}
	}
	return out
}

// Next moves to the next step that is not skipped and returns it; at the
// summary it stays there.
func (s *Session) Next() StepID {
	for id := s.cur + 1; id < numSteps; id++ {
		if !steps[id].Skip(s) {
			s.cur = id
			return id
		}
	}
	return s.cur
}

// Back moves to the previous step that is not skipped and returns it; at the
// first it stays there. Answers are kept.
func (s *Session) Back() StepID {
	for id := s.cur - 1; id >= 0; id-- {
		if !steps[id].Skip(s) {
			s.cur = id
			return id
		}
	}
	return s.cur
}

// Goto moves to step id (the handshake's "back to port or credentials").
func (s *Session) Goto(id StepID) {
	if id >= 0 && id < numSteps {
		s.cur = id
	}
}

// CanBack reports whether there is a step before the current one.
func (s *Session) CanBack() bool {
	for id := s.cur - 1; id >= 0; id-- {
		if !steps[id].Skip(s) {
			return true
		}
	}
	return false
}

func (s *Session) firstFrom(id StepID) StepID {
	for ; id < numSteps; id++ {
		if !steps[id].Skip(s) {
			return id
		}
	}
	return StepSummary
}

// Profile returns the chosen provider's profile, or nil.
func (s *Session) Profile() *providers.Profile {
	if s.Env.Catalog == nil || s.Answers.Provider == "" {
		return nil
	}
	p, ok := s.Env.Catalog.Get(s.Answers.Provider)
	if !ok {
		return nil
	}
	return p
}

// Invalidate drops the results of from and every later step, after an
// answer they depend on changed.
func (s *Session) Invalidate(from StepID) {
	if from <= StepPort {
		s.Results.Ports = nil
	}
	if from <= StepHandshake {
		s.Results.Handshake = nil
	}
	if from <= StepDNS {
		s.Results.Findings, s.Results.DNSDone = nil, false
	}
	if from <= StepRecords {
		s.Results.Records = nil
	}
	if from <= StepSend {
		s.Results.Send = nil
	}
}

// SetProvider answers the provider step. The host comes from the profile's
// region (or host, for custom); a port the new profile does not offer is
// replaced by its recommended one; other answers are kept.
func (s *Session) SetProvider(id, region, host string) error {
	if s.Env.Catalog == nil {
		return fmt.Errorf("%w: no catalogue", ErrProvider)
	}
	p, ok := s.Env.Catalog.Get(id)
	if !ok {
		return fmt.Errorf("%w: %q; see `mailcfg providers` for the ids", ErrProvider, id)
	}
	if p.AnyHost {
		host = strings.TrimSuffix(strings.TrimSpace(host), ".")
		if host == "" {
			return fmt.Errorf("%w: %s needs your SMTP host", ErrDomain, p.Name)
		}
		if net.ParseIP(host) == nil {
			d, err := ParseDomain(host)
			if err != nil {
				return err
			}
			host = d.ASCII
		}
	} else {
		h, err := p.Host(region)
		if err != nil {
			return fmt.Errorf("%w: %q for %s: %v", ErrRegion, region, p.Name, err)
		}
		host = h
	}
	changed := s.Answers.Provider != id || s.Answers.Region != region || s.Answers.Host != host
	s.Answers.Provider, s.Answers.Region, s.Answers.Host = id, region, host
	if s.Answers.Port != 0 {
		if port, err := ValidatePort(p, s.Answers.Port); err == nil {
			s.Answers.TLS = port.TLS
		} else {
			s.Answers.Port = 0
		}
	}
	if s.Answers.Port == 0 {
		rec := s.recommended(p)
		s.Answers.Port, s.Answers.TLS = rec.Number, rec.TLS
	}
	if s.Answers.Selector == "" && len(p.DKIM.Selectors) > 0 {
		s.Answers.Selector = p.DKIM.Selectors[0]
	}
	if changed {
		s.Invalidate(StepPort)
	}
	return nil
}

func (s *Session) recommended(p *providers.Profile) providers.Port {
	if len(p.Ports) == 0 {
		return StandardPorts[0]
	}
	return p.Recommended()
}

// Ports returns the ports the port step offers: the profile's (the
// recommended first) or, for custom, the standard ones. For a profile that
// takes any host (custom), the chosen port and TLS mode are in the list too,
// even when the person typed a port of their own.
func (s *Session) Ports() []providers.Port {
	p := s.Profile()
	var out []providers.Port
	if p == nil || len(p.Ports) == 0 {
		out = append(out, StandardPorts...)
	} else {
		out = append(out, p.Ports...)
	}
	if p != nil && !p.AnyHost || s.Answers.Port == 0 {
		return out
	}
	for i := range out {
		if out[i].Number == s.Answers.Port {
			out[i].TLS = s.Answers.TLS
			return out
		}
	}
	return append(out, providers.Port{Number: s.Answers.Port, TLS: s.Answers.TLS, Note: "your own port"})
}

// SetPortTLS answers the port step with a TLS mode of the person's choice:
// any port and mode for a profile that takes any host (custom); for others
// only the mode the profile gives the port.
func (s *Session) SetPortTLS(n int, mode providers.TLSMode) error {
	switch mode {
	case providers.TLSStartTLS, providers.TLSImplicit, providers.TLSNone:
	default:
		return fmt.Errorf("%w: TLS mode %q is not starttls, implicit or none", ErrPort, mode)
	}
	port, err := ValidatePort(s.Profile(), n)
	if err != nil {
		return err
	}
	if p := s.Profile(); p != nil && !p.AnyHost && port.TLS != mode {
		return fmt.Errorf("%w: %s's port %d uses %s, not %s", ErrPort, p.Name, n, port.TLS, mode)
	}
	if s.Answers.Port != n || s.Answers.TLS != mode {
		s.Invalidate(StepHandshake)
	}
	s.Answers.Port, s.Answers.TLS = n, mode
	return nil
}

// SetDomain answers the domain step: the domain (an IDN is converted) and
// the sender, which must be at the domain; an empty sender becomes
// postmaster@domain. The selector is optional.
func (s *Session) SetDomain(domain, from, selector string) error {
	d, err := ParseDomain(domain)
	if err != nil {
		return err
	}
	if strings.TrimSpace(from) == "" {
		from = "postmaster@" + d.ASCII
	}
	addr, err := ValidateSender(from, d.ASCII)
	if err != nil {
		return err
	}
	selector = strings.TrimSpace(selector)
	if selector != "" && !validSelector(selector) {
		return fmt.Errorf("%w: selector %q: use letters, digits, hyphens and dots", ErrDomain, selector)
	}
	changed := s.Answers.Domain != d.ASCII || s.Answers.From != addr || (selector != "" && selector != s.Answers.Selector)
	s.Answers.Domain, s.Answers.DomainUnicode, s.Answers.From = d.ASCII, d.Unicode, addr
	if selector != "" {
		s.Answers.Selector = selector
	}
	if p := s.Profile(); p != nil && p.Username.Kind == "email" && !s.Given(FieldUser) &&
		(s.Answers.User == "" || strings.Contains(s.Answers.User, "@")) {
		s.Answers.User = addr
	}
	if changed {
		s.Invalidate(StepHandshake)
	}
	return nil
}

// validSelector reports whether sel is a dot-separated list of host-name
// labels (RFC 6376 §3.1).
func validSelector(sel string) bool {
	for _, l := range strings.Split(strings.ToLower(sel), ".") {
		if !hostLabel(l) && !(l != "" && strings.Trim(l, "abcdefghijklmnopqrstuvwxyz0123456789-_") == "") {
			return false
		}
	}
	return true
}

// SetPort answers the port step.
func (s *Session) SetPort(n int) error {
	port, err := ValidatePort(s.Profile(), n)
	if err != nil {
		return err
	}
	if s.Answers.Port != n {
		s.Invalidate(StepHandshake)
	}
	s.Answers.Port, s.Answers.TLS = port.Number, port.TLS
	return nil
}

// SetCredentials answers the credentials step. The secret is the typed one,
// or, when envVar is given, the value of that environment variable.
func (s *Session) SetCredentials(user string, secret checks.Secret, envVar string) error {
	user = strings.TrimSpace(user)
	if user == "" {
		return fmt.Errorf("%w: the username is empty", ErrSecret)
	}
	if envVar = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(envVar), "$")); envVar != "" {
		v := s.Env.Getenv(envVar)
		if v == "" {
			return fmt.Errorf("%w: %s is empty or unset; export it first", ErrSecret, envVarShown(envVar))
		}
		secret = checks.NewSecret(v)
	}
	if secret.Reveal() == "" {
		return fmt.Errorf("%w: type the secret, or name an environment variable that holds it", ErrSecret)
	}
	s.Answers.User, s.Answers.Secret, s.Answers.SecretEnv = user, secret, envVar
	s.Answers.FromKeychain = false
	s.Invalidate(StepHandshake)
	return nil
}

// SetRecipient sets the test message's recipient ("" for the sender).
func (s *Session) SetRecipient(to string) error {
	if strings.TrimSpace(to) == "" {
		s.Answers.To = ""
		return nil
	}
	addr, _, err := ParseAddress(to)
	if err != nil {
		return err
	}
	s.Answers.To = addr
	return nil
}
