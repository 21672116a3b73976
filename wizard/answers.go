package wizard

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/idna"

	"github.com/mailcfg/mailcfg/checks"
	"github.com/mailcfg/mailcfg/providers"
)

// Answers is what the person has told the wizard so far. Going back to a
// step keeps them; a step shows its answers again as the starting values.
type Answers struct {
	Provider string // a catalogue id, such as "postmark", "custom" or "sandbox"
	Region   string // a region id of the provider; "" is its default region

	// Host is the SMTP host: the profile's host for the region, or the
	// person's own for the custom provider.
	Host string
	Port int
	TLS  providers.TLSMode

	// Domain is the sending domain in ASCII (punycode for an IDN);
	// DomainUnicode is the same name as the person reads it.
	Domain        string
	DomainUnicode string
	From          string // the sender address, its domain in ASCII
	To            string // the test recipient; the sender when empty
	Selector      string // the DKIM selector to check and sign with

	User      string
	Secret    checks.Secret
	SecretEnv string // the environment variable the secret was read from
	// Keychain is true when the person chose to store the secret in the OS
	// keychain; nothing is stored otherwise.
	Keychain bool
	// FromKeychain is true when the secret was read back from the OS
	// keychain, where an earlier run stored it.
	FromKeychain bool
}

// Recipient is the test message's recipient: To, or the sender.
func (a *Answers) Recipient() string {
	if a.To != "" {
		return a.To
	}
	return a.From
}

// Prefill holds the answers given as flags to `mailcfg setup`. A step whose
// answers are all here is skipped.
type Prefill struct {
	Provider, Region, Domain string
	Port                     int
	User, From, To, Selector string
	// PasswordEnv names the environment variable holding the secret.
	PasswordEnv string
}

// Errors of validation. Each is wrapped with the value that failed.
var (
	ErrDomain   = errors.New("wizard: not a valid domain")
	ErrAddress  = errors.New("wizard: not a valid email address")
	ErrPort     = errors.New("wizard: not a usable port")
	ErrProvider = errors.New("wizard: unknown provider")
	ErrRegion   = errors.New("wizard: unknown region")
	ErrSecret   = errors.New("wizard: no secret")
)

// Domain is a domain name in both of its forms.
type Domain struct {
	ASCII   string // what DNS carries: "xn--bcher-kva.example"
	Unicode string // what people read: "bücher.example"
}

// IDN reports whether the name is internationalised (its two forms differ).
func (d Domain) IDN() bool { return d.ASCII != d.Unicode }

// String shows the name both ways when they differ:
// "bücher.example (xn--bcher-kva.example)".
func (d Domain) String() string {
	if d.IDN() {
		return d.Unicode + " (" + d.ASCII + ")"
	}
	return d.ASCII
}

var idnaProfile = idna.New(idna.MapForLookup(), idna.Transitional(false),
	idna.ValidateLabels(true), idna.VerifyDNSLength(true), idna.BidiRule())

// ParseDomain checks a domain name as typed and converts it with IDNA 2008
// (RFC 5891 §5): lower case, a trailing dot dropped, at least two labels,
// each a valid host-name label (RFC 1123 §2.1) of at most 63 bytes, the
// whole at most 253 (RFC 1035 §2.3.4).
func ParseDomain(s string) (Domain, error) {
	s = strings.TrimSuffix(strings.TrimSpace(s), ".")
	if s == "" {
		return Domain{}, fmt.Errorf("%w: empty; type a domain such as example.com", ErrDomain)
	}
	if !utf8.ValidString(s) {
		return Domain{}, fmt.Errorf("%w: %q is not valid UTF-8", ErrDomain, s)
	}
	ascii, err := idnaProfile.ToASCII(s)
	if err != nil {
		return Domain{}, fmt.Errorf("%w: %q: %v", ErrDomain, s, err)
	}
	ascii = strings.ToLower(ascii)
	labels := strings.Split(ascii, ".")
	if len(labels) < 2 {
		return Domain{}, fmt.Errorf("%w: %q has one label; give the full domain, e.g. %s.com", ErrDomain, s, s)
	}
	for _, l := range labels {
		if !hostLabel(l) {
			return Domain{}, fmt.Errorf("%w: %q: label %q may hold only letters, digits and inner hyphens", ErrDomain, s, l)
		}
	}
	// The punycode must decode to a valid name that encodes back to itself
	// (RFC 5891 §5.4), or it is no IDN at all.
	uni, err := idnaProfile.ToUnicode(ascii)
	if err != nil {
		return Domain{}, fmt.Errorf("%w: %q: %v", ErrDomain, s, err)
	}
	if back, err := idnaProfile.ToASCII(uni); err != nil || back != ascii {
		return Domain{}, fmt.Errorf("%w: %q does not convert back to itself", ErrDomain, ascii)
	}
	return Domain{ASCII: ascii, Unicode: uni}, nil
}

// hostLabel reports whether l is a letter-digit-hyphen label that neither
// starts nor ends with a hyphen (RFC 1123 §2.1).
func hostLabel(l string) bool {
	if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
		return false
	}
	for i := 0; i < len(l); i++ {
		c := l[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// ParseAddress checks an email address (local@domain, RFC 5321 §4.1.2) and
// returns it with its domain in ASCII. The local part may be UTF-8 (RFC
// 6531) but holds no space, angle bracket or control character.
func ParseAddress(s string) (string, Domain, error) {
	s = strings.TrimSpace(s)
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || at == len(s)-1 {
		return "", Domain{}, fmt.Errorf("%w: %q; type it as name@domain", ErrAddress, s)
	}
	local := s[:at]
	if len(local) > 64 {
		return "", Domain{}, fmt.Errorf("%w: %q: the part before @ is over 64 bytes (RFC 5321 §4.5.3.1.1)", ErrAddress, s)
	}
	for _, r := range local {
		if r <= ' ' || r == 0x7f || strings.ContainsRune("<>()[]\\,;:\"@", r) {
			return "", Domain{}, fmt.Errorf("%w: %q: %q is not allowed before the @", ErrAddress, s, r)
		}
	}
	d, err := ParseDomain(s[at+1:])
	if err != nil {
		return "", Domain{}, fmt.Errorf("%w: %q: %v", ErrAddress, s, err)
	}
	return local + "@" + d.ASCII, d, nil
}

// InDomain reports whether name is domain or one of its subdomains, the
// relaxed alignment of RFC 9989 §4.4.
func InDomain(name, domain string) bool {
	name, domain = strings.ToLower(name), strings.ToLower(domain)
	return name == domain || strings.HasSuffix(name, "."+domain)
}

// ValidateSender checks that the sender's address is at the sending domain
// or below it, so that SPF and DKIM can align with DMARC.
func ValidateSender(from string, domain string) (string, error) {
	addr, d, err := ParseAddress(from)
	if err != nil {
		return "", err
	}
	if domain != "" && !InDomain(d.ASCII, domain) {
		return "", fmt.Errorf("%w: %q is not at %s; DMARC needs the sender at the domain (or a subdomain)", ErrAddress, from, domain)
	}
	return addr, nil
}

// ValidatePort checks a port number against the profile: one of its ports,
// or, for a profile that takes any host (custom), any of 1-65535.
func ValidatePort(p *providers.Profile, n int) (providers.Port, error) {
	if n < 1 || n > 65535 {
		return providers.Port{}, fmt.Errorf("%w: %d is not 1-65535", ErrPort, n)
	}
	if p == nil || len(p.Ports) == 0 {
		return DefaultPort(n), nil
	}
	if p.AnyHost {
		if port, ok := p.Port(n); ok {
			return port, nil
		}
		return DefaultPort(n), nil
	}
	for _, port := range p.Ports {
		if port.Number == n {
			return port, nil
		}
	}
	var ns []string
	for _, port := range p.Ports {
		ns = append(ns, fmt.Sprint(port.Number))
	}
	return providers.Port{}, fmt.Errorf("%w: %s offers ports %s, not %d", ErrPort, p.Name, strings.Join(ns, ", "), n)
}

// StandardPorts are the submission ports offered for a custom host, the
// recommended first.
var StandardPorts = []providers.Port{
	{Number: 587, TLS: providers.TLSStartTLS, Note: "submission with STARTTLS (RFC 6409): the usual choice"},
	{Number: 465, TLS: providers.TLSImplicit, Note: "submission over implicit TLS (RFC 8314)"},
	{Number: 2525, TLS: providers.TLSStartTLS, Note: "an unofficial alternative where 587 is blocked"},
	{Number: 25, TLS: providers.TLSStartTLS, Note: "server-to-server relay; usually blocked for clients"},
}

// DefaultPort is the standard meaning of a port number: 465 implicit TLS,
// anything else STARTTLS.
func DefaultPort(n int) providers.Port {
	for _, p := range StandardPorts {
		if p.Number == n {
			return p
		}
	}
	return providers.Port{Number: n, TLS: providers.TLSStartTLS}
}

// SuggestUser returns the username the profile's convention gives for the
// answers so far, and its hint: a literal ("apikey"), the sender's address,
// or "" when the provider generates it.
func SuggestUser(p *providers.Profile, a *Answers) (string, string) {
	if p == nil {
		return "", ""
	}
	switch p.Username.Kind {
	case "literal":
		return p.Username.Value, p.Username.Hint
	case "email":
		return a.From, p.Username.Hint
	}
	return "", p.Username.Hint
}
