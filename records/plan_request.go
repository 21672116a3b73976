package records

import (
	"crypto"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/mailcfg/mailcfg/providers"
)

// request is a Request checked and normalised: lower-case names, defaults
// filled, report addresses as mailto: URIs.
type request struct {
	Request
	domain  string // lower case, no trailing dot
	profile *providers.Profile
	region  string
	vals    map[string]string // template values: domain, region, inputs
	pub     crypto.PublicKey
	rua     []string // mailto: URIs the user asked for
	tlsRUA  []string
}

// normalize checks a Request and fills its defaults.
func normalize(req Request) (*request, error) {
	r := &request{Request: req}
	if r.Now.IsZero() {
		r.Now = time.Now()
	}
	d := strings.ToLower(strings.TrimSuffix(strings.TrimSpace(req.Domain), "."))
	if d == "" {
		return nil, ErrNoDomain
	}
	if !hostnameOK(d) || !strings.Contains(d, ".") {
		return nil, &RequestError{Field: "domain", Value: req.Domain, Msg: "not a domain name; give one like example.com"}
	}
	r.domain = d
	r.profile = req.Provider
	if r.profile == nil {
		r.profile = &providers.Profile{ID: "custom", Name: "your own server", DKIM: providers.DKIM{Method: providers.DKIMSelf}}
	}
	if len(r.profile.Regions) > 0 {
		reg, ok := r.profile.Region(req.Region)
		if !ok {
			return nil, &RequestError{Field: "region", Value: req.Region,
				Msg: r.profile.ID + " has no such region; use one of " + strings.Join(r.profile.RegionIDs(), ", ")}
		}
		r.region = reg.ID
	} else if req.Region != "" {
		return nil, &RequestError{Field: "region", Value: req.Region, Msg: r.profile.ID + " has no regions"}
	}
	r.vals = r.profile.Values(r.region, d)
	for k, v := range req.Inputs {
		v = strings.TrimSpace(v)
		if v == "" {
			continue
		}
		if strings.ContainsAny(v, " \t\"\\;{}") {
			return nil, &RequestError{Field: "input", Value: k + "=" + v, Msg: "a template value cannot hold spaces, quotes, backslashes, ';' or braces"}
		}
		r.vals[k] = v
	}
	if sel := strings.ToLower(strings.TrimSpace(req.Selector)); sel != "" && strings.TrimSpace(req.Inputs["selector"]) == "" {
		// Profiles whose provider picks the selector name it {selector}.
		r.vals["selector"] = sel
	}
	if r.vals["region"] == "" && r.region != "" {
		r.vals["region"] = r.region
	}
	for _, ip := range req.IPs {
		if ip == nil || (ip.To4() == nil && len(ip) != net.IPv6len) {
			return nil, &RequestError{Field: "ip", Value: ip.String(), Msg: "not an IPv4 or IPv6 address"}
		}
	}
	if req.DKIMKey != nil {
		pub := req.DKIMKey
		if s, ok := pub.(crypto.Signer); ok {
			pub = s.Public()
		}
		if _, _, err := DKIMPublicKeyData(pub); err != nil {
			return nil, &RequestError{Field: "dkim_key", Msg: strings.TrimPrefix(err.Error(), "records: ")}
		}
		r.pub = pub
	}
	r.Selector = strings.ToLower(strings.TrimSpace(req.Selector))
	if r.Selector == "" && (r.pub != nil || r.profile.DKIM.Method == providers.DKIMSelf) {
		if r.profile.DKIM.Method == providers.DKIMSelf && len(r.profile.DKIM.Selectors) > 0 {
			r.Selector = r.profile.DKIM.Selectors[0]
		} else {
			// A dated selector lets the next key go beside this one.
			r.Selector = "s" + r.Now.UTC().Format("200601")
		}
	}
	if r.Selector != "" && !hostnameOK(r.Selector) {
		return nil, &RequestError{Field: "selector", Value: req.Selector, Msg: "a selector is one or more DNS labels of letters, digits and hyphens (RFC 6376 §3.1)"}
	}
	for _, f := range []struct{ name, v string }{{"dmarc_policy", req.DMARCPolicy}, {"sp", req.SubdomainPolicy}} {
		if f.v != "" && !slices.Contains([]string{DMARCNone, DMARCQuarantine, DMARCReject}, f.v) {
			return nil, &RequestError{Field: f.name, Value: f.v, Msg: "use none, quarantine or reject"}
		}
	}
	for _, f := range []struct{ name, v string }{{"adkim", req.ADKIM}, {"aspf", req.ASPF}} {
		if f.v != "" && f.v != "r" && f.v != "s" {
			return nil, &RequestError{Field: f.name, Value: f.v, Msg: "use r (relaxed) or s (strict)"}
		}
	}
	var err error
	if r.rua, err = mailtoList("rua", req.RUA); err != nil {
		return nil, err
	}
	if r.tlsRUA, err = mailtoList("tls_rua", req.TLSRPTRUA); err != nil {
		return nil, err
	}
	return r, nil
}

// mailtoList turns addresses into mailto: URIs, checking each.
func mailtoList(field string, addrs []string) ([]string, error) {
	var out []string
	for _, a := range addrs {
		a = strings.TrimSpace(a)
		u := a
		if !strings.HasPrefix(strings.ToLower(u), "mailto:") {
			u = "mailto:" + u
		}
		local, dom, ok := MailtoAddress(u)
		if !ok || strings.ContainsAny(u, ",;!") {
			return nil, &RequestError{Field: field, Value: a, Msg: "not a mail address; give one like dmarc@example.com"}
		}
		u = "mailto:" + local + "@" + dom
		if !slices.Contains(out, u) {
			out = append(out, u)
		}
	}
	return out, nil
}

// hostnameOK reports whether s is a host name: dot-separated labels of
// letters, digits, hyphens and underscores (for _domainkey and friends), none
// empty or over 63 bytes, 253 in all.
func hostnameOK(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for _, l := range strings.Split(s, ".") {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}

// expand fills a template with the request's values; missing placeholders
// are added to miss.
func (r *request) expand(tmpl string, miss *[]string) string {
	s, missing := providers.Expand(tmpl, r.vals)
	for _, m := range missing {
		if !slices.Contains(*miss, m) {
			*miss = append(*miss, m)
		}
	}
	return s
}

// missingError builds the MissingInputError for the placeholders in miss.
func (r *request) missingError(miss []string) error {
	e := &MissingInputError{Provider: r.profile.ID}
	for _, m := range miss {
		in := providers.Input{Name: m}
		for _, decl := range r.profile.Inputs {
			if decl.Name == m {
				in = decl
			}
		}
		e.Missing = append(e.Missing, in)
	}
	return e
}
