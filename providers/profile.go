// Package providers is mailcfg's catalogue of sending providers: for each, the
// SMTP endpoints per region with their TLS modes, the AUTH mechanisms, who the
// username and the secret are, and the DNS records the provider needs (SPF
// include, DKIM method and selectors, bounce / custom MAIL FROM records).
//
// Profiles are YAML files embedded in the binary (data/*.yaml, one a
// provider); users add or override them with files in
// $XDG_CONFIG_HOME/mailcfg/providers/. Facts come from
// shared/reference/providers.md, which cites its sources.
//
// The standards behind the fields: submission ports and TLS modes (RFC 6409,
// RFC 3207 STARTTLS, RFC 8314 implicit TLS), SMTP AUTH mechanisms (RFC 4954,
// RFC 4616, RFC 7628), SPF includes (RFC 7208), DKIM selectors and keys
// (RFC 6376, RFC 8301, RFC 8463) and DMARC (RFC 7489, RFC 9989).
package providers

// TLSMode is how a port protects the session.
type TLSMode string

// The TLS modes of a port.
const (
	TLSStartTLS TLSMode = "starttls" // plain connect, then STARTTLS (RFC 3207)
	TLSImplicit TLSMode = "implicit" // TLS from the first byte (RFC 8314)
	TLSNone     TLSMode = "none"     // no TLS at all
)

// Profile is one provider.
type Profile struct {
	ID          string   `yaml:"id" json:"id"`
	Name        string   `yaml:"name" json:"name"`
	Description string   `yaml:"description" json:"description"` // one line: what it is
	Docs        string   `yaml:"docs" json:"docs"`               // the provider's SMTP docs URL
	Regions     []Region `yaml:"regions" json:"regions"`         // at least one; the first is the default
	Ports       []Port   `yaml:"ports" json:"ports"`             // the recommended port first
	Auth        []string `yaml:"auth" json:"auth"`               // AUTH mechanisms: PLAIN, LOGIN, CRAM-MD5, XOAUTH2
	Username    Username `yaml:"username" json:"username"`
	Secret      Secret   `yaml:"secret" json:"secret"`
	// AuthAdvice is what to tell a user whose credentials were rejected
	// (535): "SES needs SMTP credentials, not IAM access keys".
	AuthAdvice string   `yaml:"auth_advice" json:"auth_advice,omitempty"`
	SPF        SPF      `yaml:"spf" json:"spf"`
	DKIM       DKIM     `yaml:"dkim" json:"dkim"`
	Bounce     []Record `yaml:"bounce" json:"bounce,omitempty"` // bounce / custom MAIL FROM / Return-Path records
	DMARC      string   `yaml:"dmarc" json:"dmarc,omitempty"`   // the provider's DMARC advice, if any
	Limits     []string `yaml:"limits" json:"limits,omitempty"` // limits worth a warning
	Inputs     []Input  `yaml:"inputs" json:"inputs,omitempty"` // values the user must supply for the templates
	Notes      []string `yaml:"notes" json:"notes,omitempty"`
	Source     string   `yaml:"-" json:"source"` // "builtin" or the file it came from

	// AnyHost marks a profile without a fixed host (custom): its one region
	// has an empty Host and the user names the server.
	AnyHost bool `yaml:"any_host" json:"any_host,omitempty"`
	// Extra are optional records that play no part in authentication:
	// ownership checks, click tracking, inbound MX.
	Extra []Record `yaml:"extra" json:"extra,omitempty"`
	// Unconfirmed names the fields whose values the reference could not
	// confirm, so that the wizard shows them as editable defaults rather
	// than facts. Each entry is a YAML key path: "auth", "spf.include",
	// "dkim", "bounce", "limits", "username", "regions" (every host),
	// "regions.<id>" (one region), "ports" (the port list) or "ports.<n>"
	// (one port).
	Unconfirmed []string `yaml:"unconfirmed" json:"unconfirmed,omitempty"`

	line int // where the profile starts in its file
}

// Region is one of a provider's regions with its SMTP host.
type Region struct {
	ID   string `yaml:"id" json:"id"`
	Name string `yaml:"name" json:"name"`
	Host string `yaml:"host" json:"host"`
	// SPFInclude, when set, replaces the profile's SPF include in this
	// region (Mailgun EU: "eu.mailgun.org"). See Profile.SPFInclude.
	SPFInclude string `yaml:"spf_include" json:"spf_include,omitempty"`
	// Vars are this region's values for template placeholders, such as
	// {bounce_target} = "eu.sparkpostmail.com". See Profile.Values.
	Vars map[string]string `yaml:"vars" json:"vars,omitempty"`
}

// Port is one SMTP port of a provider.
type Port struct {
	Number int     `yaml:"number" json:"number"`
	TLS    TLSMode `yaml:"tls" json:"tls"`
	Note   string  `yaml:"note" json:"note,omitempty"` // why (or why not) to use it
}

// Username says what the SMTP username is.
type Username struct {
	// Kind is "literal" (Value is the exact username, e.g. "apikey"),
	// "email" (the sender's full address), "generated" (made in the
	// provider's console) or "any" (not checked).
	Kind  string `yaml:"kind" json:"kind"`
	Value string `yaml:"value" json:"value,omitempty"`
	Hint  string `yaml:"hint" json:"hint"` // "SendGrid's username is literally apikey"
}

// Secret says what the password is.
type Secret struct {
	// Kind is "password", "app_password", "api_key", "smtp_key", "token" or
	// "oauth_token" (sent with XOAUTH2).
	Kind string `yaml:"kind" json:"kind"`
	Hint string `yaml:"hint" json:"hint"`
}

// SPF is what a provider needs in the sending domain's SPF record.
type SPF struct {
	Include string `yaml:"include" json:"include,omitempty"` // "amazonses.com", without "include:"
	Note    string `yaml:"note" json:"note,omitempty"`
}

// The DKIM methods of a provider.
const (
	DKIMTXT   = "txt"   // the provider issues a key; the user copies its TXT
	DKIMCNAME = "cname" // the user publishes CNAMEs delegating to the provider
	DKIMSelf  = "self"  // the user makes and manages the key pair
	// DKIMNone: the provider needs no DKIM record from the user, because
	// mail goes out under the provider's own domain (a personal Outlook.com
	// or Yahoo address) or is only captured (a test inbox).
	DKIMNone = "none"
)

// DKIM is how a provider's mail gets signed.
type DKIM struct {
	Method string `yaml:"method" json:"method"`
	// Selectors are the provider's selectors; like record templates they
	// may hold placeholders ("{token1}" for SES, "{selector}" where the
	// console shows one).
	Selectors []string `yaml:"selectors" json:"selectors,omitempty"`
	// CNAMEs are the delegation records for Method cname; their Name and
	// Value are templates.
	CNAMEs []Record `yaml:"cnames" json:"cnames,omitempty"`
	// Console says where to copy a provider-issued TXT key from.
	Console string `yaml:"console" json:"console,omitempty"`
	Note    string `yaml:"note" json:"note,omitempty"`
}

// Record is a DNS record template. Name and Value may hold placeholders:
// {domain}, {domain_dashed}, {region} and the names of the profile's Inputs,
// such as {token1} or {tenant}.
type Record struct {
	Name  string `yaml:"name" json:"name"`
	Type  string `yaml:"type" json:"type"` // TXT, CNAME, MX
	Value string `yaml:"value" json:"value"`
	Note  string `yaml:"note" json:"note,omitempty"`
}

// Input is a value the user must supply (a token, a tenant name) that the
// provider generates and that no tool can guess.
type Input struct {
	Name    string `yaml:"name" json:"name"`       // placeholder name, e.g. "token1"
	Prompt  string `yaml:"prompt" json:"prompt"`   // what to ask
	Example string `yaml:"example" json:"example"` // a sample value
	// Default is the value to offer when the choice is the user's (the
	// custom MAIL FROM subdomain, "bounce"). Tokens the provider generates
	// never have one.
	Default string `yaml:"default" json:"default,omitempty"`
}
