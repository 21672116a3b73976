package records

import (
	"strings"
)

// DMARC is a parsed DMARC policy record (RFC 9989 §4.7), the TXT record at
// _dmarc.<domain>. Empty strings are tags the record does not set; the
// defaults RFC 9989 gives them are the methods' business.
type DMARC struct {
	Policy            string // p: none, quarantine or reject ("" when absent)
	SubdomainPolicy   string // sp
	NonexistentPolicy string // np (RFC 9989 §4.7)
	ADKIM             string // adkim: r or s
	ASPF              string // aspf: r or s
	PSD               string // psd: y, n or u (RFC 9989 §4.7)
	FO                string // fo: colon-separated 0, 1, d, s
	RUA               []string
	RUF               []string
	// Testing is t=y: receivers apply the policy one level lower (RFC 9989
	// §4.7).
	Testing bool
	// Removed lists the tags of RFC 7489 that RFC 9989 removed (pct, rf,
	// ri) and that the record still carries, in the order seen.
	Removed []string
	// RemovedValues holds the values of Removed, by tag name.
	RemovedValues map[string]string
	// Unknown lists tags that no DMARC version defines; RFC 9989 §4.7 says
	// they are ignored, but they are often typos.
	Unknown []string
}

// The policy values of p, sp and np (RFC 9989 §4.7).
const (
	DMARCNone       = "none"
	DMARCQuarantine = "quarantine"
	DMARCReject     = "reject"
)

// ParseDMARC parses a DMARC record. The record must start with v=DMARC1
// (RFC 9989 §4.7); known tags must carry valid values; pct, rf and ri are
// accepted and listed in Removed; unknown tags are ignored and listed in
// Unknown. The error is a *SyntaxError whose Pos points at the problem.
func ParseDMARC(s string) (*DMARC, error) {
	tags, err := parseTagList("dmarc", s)
	if err != nil {
		return nil, err
	}
	bad := func(pos int, msg string) error {
		return &SyntaxError{Kind: "dmarc", Record: s, Pos: pos, Msg: msg}
	}
	// RFC 9989 §4.7: v must be the first tag and its value exactly DMARC1.
	if len(tags) == 0 || tags[0].Name != "v" {
		return nil, bad(0, "the record must start with v=DMARC1")
	}
	if tags[0].Value != "DMARC1" {
		return nil, bad(tags[0].ValPos, "version must be DMARC1, not "+tagQuote(tags[0].Value))
	}
	d := &DMARC{}
	for _, t := range tags[1:] {
		name := strings.ToLower(t.Name)
		v := t.Value
		lv := strings.ToLower(v)
		switch name {
		case "p", "sp", "np":
			if lv != DMARCNone && lv != DMARCQuarantine && lv != DMARCReject {
				return nil, bad(t.ValPos, name+"= must be none, quarantine or reject, not "+tagQuote(v))
			}
			switch name {
			case "p":
				d.Policy = lv
			case "sp":
				d.SubdomainPolicy = lv
			default:
				d.NonexistentPolicy = lv
			}
		case "adkim", "aspf":
			if lv != "r" && lv != "s" {
				return nil, bad(t.ValPos, name+"= must be r (relaxed) or s (strict), not "+tagQuote(v))
			}
			if name == "adkim" {
				d.ADKIM = lv
			} else {
				d.ASPF = lv
			}
		case "psd":
			if lv != "y" && lv != "n" && lv != "u" {
				return nil, bad(t.ValPos, "psd= must be y, n or u, not "+tagQuote(v))
			}
			d.PSD = lv
		case "t":
			if lv != "y" && lv != "n" {
				return nil, bad(t.ValPos, "t= must be y or n, not "+tagQuote(v))
			}
			d.Testing = lv == "y"
		case "fo":
			for _, o := range tagSplit(lv, ':') {
				if o != "0" && o != "1" && o != "d" && o != "s" {
					return nil, bad(t.ValPos, "fo= takes 0, 1, d or s separated by colons, not "+tagQuote(v))
				}
			}
			d.FO = strings.Join(tagSplit(lv, ':'), ":")
		case "rua", "ruf":
			uris, pos, msg := parseReportURIs(v)
			if msg != "" {
				return nil, bad(t.ValPos+pos, name+": "+msg)
			}
			if name == "rua" {
				d.RUA = uris
			} else {
				d.RUF = uris
			}
		case "pct", "rf", "ri":
			// RFC 9989 Appendix C: removed; receivers ignore them.
			d.Removed = append(d.Removed, name)
			if d.RemovedValues == nil {
				d.RemovedValues = map[string]string{}
			}
			d.RemovedValues[name] = v
		case "v":
			return nil, bad(t.Pos, "v= may appear only first")
		default:
			d.Unknown = append(d.Unknown, t.Name)
		}
	}
	return d, nil
}

// parseReportURIs splits a rua or ruf value into its comma-separated URIs
// and checks each (RFC 9989 §4.7: a DMARC URI is an RFC 3986 URI; mailto:
// URIs follow RFC 6068). It returns the offset and reason of the first bad
// one.
func parseReportURIs(v string) ([]string, int, string) {
	var out []string
	off := 0
	for _, raw := range strings.Split(v, ",") {
		u := strings.Trim(raw, " \t\r\n")
		lead := len(raw) - len(strings.TrimLeft(raw, " \t\r\n"))
		if msg := checkReportURI(u); msg != "" {
			return nil, off + lead, msg
		}
		out = append(out, u)
		off += len(raw) + 1
	}
	return out, 0, ""
}

// checkReportURI returns why u is not a usable report URI, or "".
func checkReportURI(u string) string {
	if u == "" {
		return "empty URI"
	}
	scheme, rest, ok := strings.Cut(u, ":")
	if !ok || !tagSchemeOK(scheme) {
		return tagQuote(u) + " is not a URI; write mailto:reports@example.com"
	}
	if rest == "" {
		return tagQuote(u) + " has nothing after the scheme"
	}
	if strings.EqualFold(scheme, "mailto") {
		addr, _ := SplitReportSize(rest)
		if _, _, ok := MailtoAddress("mailto:" + addr); !ok {
			return tagQuote(u) + " is not a valid mailto: address"
		}
	}
	return ""
}

func tagSchemeOK(s string) bool {
	if s == "" || !tagAlpha(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !tagAlpha(c) && !tagDigit(c) && c != '+' && c != '-' && c != '.' {
			return false
		}
	}
	return true
}

// SplitReportSize splits the obsolete "!size" suffix (RFC 7489 §6.2, which
// RFC 9989 no longer defines) from a report URI: "a@b.example!10m" gives
// "a@b.example" and "10m".
func SplitReportSize(u string) (uri, size string) {
	i := strings.LastIndexByte(u, '!')
	if i < 0 {
		return u, ""
	}
	sz := u[i+1:]
	n := 0
	for n < len(sz) && tagDigit(sz[n]) {
		n++
	}
	if n == 0 || n < len(sz)-1 || n == len(sz)-1 && !strings.ContainsRune("kmgtKMGT", rune(sz[n])) {
		return u, ""
	}
	return u[:i], sz
}

// MailtoAddress returns the local part and the lower-cased domain of a
// mailto: URI holding one address (RFC 6068 §2), ignoring any ?header part
// and obsolete !size suffix; ok is false when u is not such a URI.
func MailtoAddress(u string) (local, domain string, ok bool) {
	scheme, rest, found := strings.Cut(u, ":")
	if !found || !strings.EqualFold(scheme, "mailto") {
		return "", "", false
	}
	rest, _ = SplitReportSize(rest)
	if i := strings.IndexByte(rest, '?'); i >= 0 {
		rest = rest[:i]
	}
	at := strings.LastIndexByte(rest, '@')
	if at <= 0 || at == len(rest)-1 {
		return "", "", false
	}
	local, domain = rest[:at], rest[at+1:]
	for i := 0; i < len(local); i++ {
		c := local[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte("()<>[]:;@\\,\"", c) >= 0 {
			return "", "", false
		}
	}
	if strings.HasPrefix(local, ".") || strings.HasSuffix(local, ".") || strings.Contains(local, "..") {
		return "", "", false
	}
	if !tagDomainOK(domain) || strings.HasSuffix(domain, ".") {
		return "", "", false
	}
	return local, strings.ToLower(domain), true
}

// String formats d as a DMARC record of RFC 9989: v=DMARC1 first, then only
// the tags that are set, in a fixed order. Removed and unknown tags are left
// out.
func (d *DMARC) String() string {
	parts := []string{"v=DMARC1"}
	add := func(name, v string) {
		if v != "" {
			parts = append(parts, name+"="+v)
		}
	}
	add("p", d.Policy)
	add("sp", d.SubdomainPolicy)
	add("np", d.NonexistentPolicy)
	add("psd", d.PSD)
	if d.Testing {
		add("t", "y")
	}
	add("adkim", d.ADKIM)
	add("aspf", d.ASPF)
	add("rua", strings.Join(d.RUA, ","))
	add("ruf", strings.Join(d.RUF, ","))
	add("fo", d.FO)
	return strings.Join(parts, "; ")
}

// EffectivePolicy is the policy for the domain itself: p, or none when the
// record has no p= (RFC 9989 §4.7 treats a record without p as p=none).
func (d *DMARC) EffectivePolicy() string {
	if d.Policy == "" {
		return DMARCNone
	}
	return d.Policy
}

// EffectiveSubdomainPolicy is the policy for existing subdomains: sp,
// falling back to p (RFC 9989 §4.7).
func (d *DMARC) EffectiveSubdomainPolicy() string {
	if d.SubdomainPolicy != "" {
		return d.SubdomainPolicy
	}
	return d.EffectivePolicy()
}

// EffectiveNonexistentPolicy is the policy for subdomains that do not exist:
// np, falling back to sp, then p (RFC 9989 §4.7).
func (d *DMARC) EffectiveNonexistentPolicy() string {
	if d.NonexistentPolicy != "" {
		return d.NonexistentPolicy
	}
	return d.EffectiveSubdomainPolicy()
}

// IsDMARC reports whether a TXT string is a DMARC record candidate: one
// starting with the v=DMARC1 tag (RFC 9989 §4.10.1 discards the others).
func IsDMARC(txt string) bool {
	t := strings.TrimLeft(txt, " \t")
	if !strings.HasPrefix(t, "v") {
		return false
	}
	t = strings.TrimLeft(t[1:], " \t")
	if !strings.HasPrefix(t, "=") {
		return false
	}
	t = strings.TrimLeft(t[1:], " \t")
	return strings.HasPrefix(t, "DMARC1") && (len(t) == 6 || t[6] == ';' || tagWSP(t[6]))
}

func tagQuote(s string) string {
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return "\"" + s + "\""
}
