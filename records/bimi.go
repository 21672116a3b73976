package records

import "strings"

// BIMI is a Brand Indicators for Message Identification assertion record,
// the TXT at default._bimi.<domain> (draft-brand-indicators-for-message-
// identification §4.2).
type BIMI struct {
	Version string // "BIMI1"
	// Location is l=, the https URL of the SVG logo; empty with an empty
	// Authority declines to show one.
	Location string
	// Authority is a=, the https URL of the Verified Mark Certificate.
	Authority string
}

// ParseBIMI parses a BIMI record: v=BIMI1 first, then l= and a= holding
// https URLs or nothing. The error is a *SyntaxError.
func ParseBIMI(s string) (*BIMI, error) {
	tags, err := parseTagList("bimi", s)
	if err != nil {
		return nil, err
	}
	bad := func(pos int, msg string) error {
		return &SyntaxError{Kind: "bimi", Record: s, Pos: pos, Msg: msg}
	}
	if len(tags) == 0 || tags[0].Name != "v" || tags[0].Value != "BIMI1" {
		return nil, bad(0, "the record must start with v=BIMI1")
	}
	b := &BIMI{Version: "BIMI1"}
	for _, t := range tags[1:] {
		switch t.Name {
		case "l", "a":
			u := t.Value
			if u != "" && (!strings.HasPrefix(strings.ToLower(u), "https://") || len(u) <= 8 || strings.ContainsAny(u, " \t")) {
				return nil, bad(t.ValPos, t.Name+"= must be an https:// URL, not "+tagQuote(u))
			}
			if t.Name == "l" {
				b.Location = u
			} else {
				b.Authority = u
			}
		}
	}
	return b, nil
}

// Declined reports a record that declines to show a logo (empty l= and a=).
func (b *BIMI) Declined() bool { return b.Location == "" && b.Authority == "" }

// String formats b as "v=BIMI1; l=...; a=...".
func (b *BIMI) String() string {
	s := "v=BIMI1; l=" + b.Location
	if b.Authority != "" {
		s += "; a=" + b.Authority
	}
	return s
}
