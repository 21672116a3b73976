// Package providers is mailcfg's catalogue of sending providers: for each, the
// SMTP endpoints per region with their TLS modes, the AUTH mechanisms, who the
// username and the secret are, and the DNS records the provider needs (SPF
// include, DKIM method and selectors, bounce / custom MAIL FROM records).
//
// Profiles are YAML files embedded in the binary (data/*.yaml, one a
// provider); users add or override them with files in
// $XDG_CONFIG_HOME/mailcfg/providers/. Facts come from
// shared/reference/providers.md, which cites its sources.
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
}

// Region is one of a provider's regions with its SMTP host.
type Region struct {
	ID   string `yaml:"id" json:"id"`
	Name string `yaml:"name" json:"name"`
	Host string `yaml:"host" json:"host"`
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
)

// DKIM is how a provider's mail gets signed.
type DKIM struct {
	Method    string   `yaml:"method" json:"method"`
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
}
