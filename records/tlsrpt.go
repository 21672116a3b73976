package records

import "strings"

// TLSRPT is an SMTP TLS Reporting record, the TXT at _smtp._tls.<domain>
// (RFC 8460 §3).
type TLSRPT struct {
	Version string   // "TLSRPTv1"
	RUA     []string // mailto: or https: URIs
	// Extensions holds other fields, name=value, in order.
	Extensions []string
}

// ParseTLSRPT parses a TLS-RPT record: v=TLSRPTv1 first, then rua= with one
// or more comma-separated mailto: or https: URIs (RFC 8460 §3). The common
// typo TSLRPTv1 gets its own message. The error is a *SyntaxError.
func ParseTLSRPT(s string) (*TLSRPT, error) {
	tags, err := parseTagList("tls-rpt", s)
	if err != nil {
		return nil, err
	}
	bad := func(pos int, msg string) error {
		return &SyntaxError{Kind: "tls-rpt", Record: s, Pos: pos, Msg: msg}
	}
	if len(tags) == 0 || tags[0].Name != "v" {
		return nil, bad(0, "the record must start with v=TLSRPTv1")
	}
	switch tags[0].Value {
	case "TLSRPTv1":
	case "TSLRPTv1":
		return nil, bad(tags[0].ValPos, "v=TSLRPTv1 is a typo: write v=TLSRPTv1")
	default:
		return nil, bad(tags[0].ValPos, "version must be TLSRPTv1, not "+tagQuote(tags[0].Value))
	}
	r := &TLSRPT{Version: "TLSRPTv1"}
	for _, t := range tags[1:] {
		if t.Name != "rua" {
			r.Extensions = append(r.Extensions, t.Name+"="+t.Value)
			continue
		}
		off := 0
		for _, raw := range strings.Split(t.Value, ",") {
			u := strings.Trim(raw, " \t")
			scheme, _, _ := strings.Cut(u, ":")
			switch strings.ToLower(scheme) {
			case "mailto":
				if _, _, ok := MailtoAddress(u); !ok {
					return nil, bad(t.ValPos+off, tagQuote(u)+" is not a valid mailto: address")
				}
			case "https":
				if !strings.HasPrefix(strings.ToLower(u), "https://") || len(u) <= len("https://") {
					return nil, bad(t.ValPos+off, tagQuote(u)+" is not an https:// URL")
				}
			default:
				return nil, bad(t.ValPos+off, "rua takes mailto: or https: URIs, not "+tagQuote(u))
			}
			r.RUA = append(r.RUA, u)
			off += len(raw) + 1
		}
	}
	if len(r.RUA) == 0 {
		return nil, bad(len(s), "the record has no rua= (where to send reports)")
	}
	return r, nil
}

// String formats r as "v=TLSRPTv1; rua=...".
func (r *TLSRPT) String() string {
	parts := []string{"v=TLSRPTv1", "rua=" + strings.Join(r.RUA, ",")}
	return strings.Join(append(parts, r.Extensions...), "; ")
}
