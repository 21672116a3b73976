package records

import (
	"errors"
	"testing"
)

// FuzzParseSPF checks that ParseSPF never panics, reports errors as a
// *SyntaxError within the record, and that a record it accepts formats to
// text that parses back to the same text (parse → String → parse is stable).
func FuzzParseSPF(f *testing.F) {
	for _, s := range []string{
		"v=spf1",
		"v=spf1 -all",
		"v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 a mx/24//64 ~all",
		"v=spf1 include:_spf.google.com include:spf.protection.outlook.com -all",
		"v=spf1 exists:%{ir}.%{l1r+-}._spf.%{d} redirect=_spf.example.com",
		"v=spf1 -all exp=explain.%{D2}",
		"v=spf1 a:macro%%percent%_%_space%-url-space.example.com -all",
		"v=spf1 foo=bar ptr:example.com. ?all",
		"v=spf1 a:%{a}.example.com",
		"v=spf1 redirect=a.example.com redirect=b.example.com",
		"V=SPF1 +A:Example.COM/0//0",
		"v=spf1 ip4:1.2.3.4/33",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseSPF(s)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) || se.Kind != "spf" || se.Pos < 0 || se.Pos > len(s) {
				t.Fatalf("ParseSPF(%q): bad error %#v", s, err)
			}
			return
		}
		out := r.String()
		r2, err := ParseSPF(out)
		if err != nil {
			t.Fatalf("ParseSPF(%q) ok, but its String %q does not parse: %v", s, out, err)
		}
		if out2 := r2.String(); out2 != out {
			t.Fatalf("unstable: %q → %q → %q", s, out, out2)
		}
		if len(r2.Terms) != len(r.Terms) {
			t.Fatalf("%q: %d terms, then %d", s, len(r.Terms), len(r2.Terms))
		}
		for i := range r.Terms {
			a, b := r.Terms[i], r2.Terms[i]
			if a.Name != b.Name || a.Qualifier != b.Qualifier || a.Value != b.Value || a.Domain != b.Domain ||
				a.Prefix != b.Prefix || a.CIDR4 != b.CIDR4 || a.CIDR6 != b.CIDR6 || a.LookupCost() != b.LookupCost() {
				t.Fatalf("%q: term %d %+v became %+v", s, i, a, b)
			}
		}
	})
}
