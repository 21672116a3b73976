package records

import (
	"crypto"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/mailcfg/mailcfg/providers"
)

// The purposes of a planned record.
const (
	PurposeSPF    = "spf"
	PurposeDKIM   = "dkim"
	PurposeDMARC  = "dmarc"
	PurposeMTASTS = "mta-sts"
	PurposeTLSRPT = "tls-rpt"
	PurposeBounce = "bounce"
	PurposeMX     = "mx"
)

// The actions of a planned record, against what the domain publishes now.
const (
	ActionCreate  = "create"  // nothing of the kind is at the name
	ActionReplace = "replace" // something else is there: replace it with Value
	ActionKeep    = "keep"    // what is there is already right
)

// Request is what a domain's records are planned from: the domain, the
// sending provider and the choices the user made. The zero values of the
// optional fields give the usual start: a new SPF record ending in ~all,
// DMARC p=none with aggregate reports, MTA-STS in testing mode.
type Request struct {
	Domain string
	// Provider is the sending provider's profile; nil means a server of
	// one's own (custom): SPF from IPs, a self-managed DKIM key.
	Provider *providers.Profile
	// Region is the provider's region id ("" = its default region).
	Region string
	// IPs are addresses that send for the domain, published as ip4:/ip6:.
	IPs []net.IP
	// Selector is the DKIM selector of a self-managed key ("" = the
	// profile's first selector, or "s" + the year and month of Now).
	Selector string
	// DKIMKey is the public half of a self-managed DKIM key (an
	// *rsa.PublicKey or ed25519.PublicKey; a crypto.Signer is accepted and
	// only its public half is used). When set it is published at Selector
	// whatever the provider's DKIM method.
	DKIMKey crypto.PublicKey
	// DMARCPolicy is none, quarantine or reject; "" keeps the policy of an
	// existing record, or starts at none.
	DMARCPolicy string
	// DMARCTesting asks for t=y: receivers apply the policy one level lower
	// (RFC 9989 §4.7), a trial step of the rollout.
	DMARCTesting bool
	// SubdomainPolicy is sp: none, quarantine, reject or "" (as p).
	SubdomainPolicy string
	// ADKIM and ASPF are the alignment modes: r (relaxed), s (strict) or "".
	ADKIM, ASPF string
	// RUA are the addresses for DMARC aggregate reports ("a@b" or
	// "mailto:a@b"); empty keeps an existing record's or uses
	// dmarc-reports@<domain>.
	RUA []string
	// TLSRPTRUA are the addresses for TLS reports (RFC 8460); empty uses
	// the first of RUA, or tls-reports@<domain>.
	TLSRPTRUA []string
	// Inputs are the values of the profile's Inputs (tokens, tenant) by
	// name. They are never guessed: a missing one is a *MissingInputError.
	Inputs map[string]string
	// Now stamps the MTA-STS id and the default selector (zero = time.Now).
	Now time.Time
}

// PlannedRecord is one DNS record to publish and how it compares with what
// is live now.
type PlannedRecord struct {
	Name    string `json:"name"`    // fully qualified, with the trailing dot
	Type    string `json:"type"`    // TXT, CNAME or MX
	Value   string `json:"value"`   // TXT: the whole text as one string; MX: "pref host."
	Purpose string `json:"purpose"` // spf dkim dmarc mta-sts tls-rpt bounce mx
	Action  string `json:"action"`  // create replace keep
	Current string `json:"current"` // what is live now at the name ("" for none)
	Note    string `json:"note,omitempty"`
	// OtherZone marks a record that belongs in another domain's zone (the
	// authorisation of an outside DMARC report address): its owner, not
	// the sender, publishes it.
	OtherZone bool `json:"other_zone,omitempty"`
}

// Plan is the records a domain needs, compared with what it publishes.
type Plan struct {
	Domain  string          `json:"domain"`
	Records []PlannedRecord `json:"records"`
	// Warnings are problems the user must act on before publishing.
	Warnings []string `json:"warnings,omitempty"`
	// Notes are steps that produce no record here (copy a provider-issued
	// key from its console, host the MTA-STS policy file).
	Notes []string `json:"notes,omitempty"`
	// SPFCost is the DNS-lookup count of the planned SPF record. Planning
	// is offline, so records leaves it nil; checks.PlanRecords fills it.
	SPFCost *SPFCost `json:"spf_cost,omitempty"`
	// Rollout is the staged DMARC plan: none → quarantine → reject.
	Rollout []RolloutStep `json:"dmarc_rollout,omitempty"`
	// MTASTSPolicy is the text to host at MTASTSPolicyURL ("" when the
	// domain receives no mail).
	MTASTSPolicy    string `json:"mta_sts_policy,omitempty"`
	MTASTSPolicyURL string `json:"mta_sts_policy_url,omitempty"`
}

// Record returns the first planned record with that purpose at name (a
// domain with or without the trailing dot), or nil.
func (p *Plan) Record(name, purpose string) *PlannedRecord {
	name = fqdn(name)
	for i := range p.Records {
		if strings.EqualFold(p.Records[i].Name, name) && p.Records[i].Purpose == purpose {
			return &p.Records[i]
		}
	}
	return nil
}

// SPFCost is how many DNS lookups an SPF record needs when evaluated (RFC
// 7208 §4.6.4 allows 10), term by term.
type SPFCost struct {
	Record string        `json:"record"`
	Total  int           `json:"total"`
	Limit  int           `json:"limit"`
	Void   int           `json:"void,omitempty"`
	Terms  []SPFTermCost `json:"terms"`
	// Before is the total of the merged record before Fixes were applied
	// (0 when none were needed).
	Before int `json:"before,omitempty"`
	// Fixes are the changes made, or proposed, to stay within Limit.
	Fixes []string `json:"fixes,omitempty"`
	// Over reports that the record stays over Limit even with Fixes.
	Over  bool   `json:"over,omitempty"`
	Error string `json:"error,omitempty"`
}

// SPFTermCost is one top-level term's share of an SPF record's lookups: its
// own (Cost) and with everything it pulls in (Total).
type SPFTermCost struct {
	Term  string `json:"term"`
	Cost  int    `json:"cost"`
	Total int    `json:"total"`
	Error string `json:"error,omitempty"`
}

// RequestError is a Request field with a bad value.
type RequestError struct {
	Field string // domain, region, selector, ip, dkim_key, dmarc_policy, sp, adkim, aspf, rua, input
	Value string
	Msg   string // what is wrong and what to give instead
}

func (e *RequestError) Error() string {
	if e.Value == "" {
		return fmt.Sprintf("records: %s: %s", e.Field, e.Msg)
	}
	return fmt.Sprintf("records: %s %q: %s", e.Field, e.Value, e.Msg)
}

// MissingInputError says which of a provider's inputs (tokens, tenant) the
// templates need and the request lacks. No value is ever invented for them.
type MissingInputError struct {
	Provider string
	Missing  []providers.Input // Prompt and Example are empty for an undeclared placeholder
}

func (e *MissingInputError) Error() string {
	names := make([]string, len(e.Missing))
	for i, in := range e.Missing {
		names[i] = in.Name
		if in.Prompt != "" {
			names[i] += " (" + in.Prompt + ")"
		}
	}
	return fmt.Sprintf("records: %s needs %s, which only its console can tell", e.Provider, strings.Join(names, ", "))
}

// MultipleSPFError refuses to plan for a name that publishes more than one
// SPF record: every check of it is a permerror (RFC 7208 §3.2, §4.5), and
// which terms to keep is the owner's decision, not the tool's.
type MultipleSPFError struct {
	Name    string
	Records []string
}

func (e *MultipleSPFError) Error() string {
	return fmt.Sprintf("records: %s publishes %d SPF records (%s); RFC 7208 §3.2 allows one, so every SPF check of it fails with permerror today. Merge them into one record by hand, delete the others, then plan again",
		strings.TrimSuffix(e.Name, "."), len(e.Records), strings.Join(quoteAll(e.Records), ", "))
}

// ErrNoDomain is returned for a Request without a domain.
var ErrNoDomain = errors.New("records: no domain")

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = fmt.Sprintf("%q", s)
	}
	return out
}

// fqdn lower-cases a name and gives it its trailing dot.
func fqdn(name string) string {
	name = strings.ToLower(strings.TrimSpace(name))
	if !strings.HasSuffix(name, ".") {
		name += "."
	}
	return name
}

// bare drops the trailing dot.
func bare(name string) string { return strings.TrimSuffix(name, ".") }
