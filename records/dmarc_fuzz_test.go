package records

import (
	"reflect"
	"testing"
)

// FuzzDMARC checks that ParseDMARC never panics, that its errors carry a
// position inside the input, and that String round-trips: what it prints
// parses to the same record (less the removed and unknown tags it drops).
func FuzzDMARC(f *testing.F) {
	for _, s := range []string{
		"v=DMARC1; p=none",
		"v=DMARC1; p=reject; sp=quarantine; np=reject; psd=n; t=y; adkim=s; aspf=s; rua=mailto:a@example.com,mailto:b@x.example!10m; ruf=mailto:f@example.com; fo=0:1:d:s",
		"v=DMARC1; p=quarantine; pct=25; rf=afrf; ri=86400; x=1;",
		"v=DMARC1;p=none;rua=mailto:dmarc@example.com?subject=x",
		"v=DMARC1; p=block",
		"v=DMARC1 ; p = none ;",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDMARC(s)
		if err != nil {
			se, ok := err.(*SyntaxError)
			if !ok || se.Pos < 0 || se.Pos > len(s) {
				t.Fatalf("bad error %#v", err)
			}
			return
		}
		out := d.String()
		d2, err := ParseDMARC(out)
		if err != nil {
			t.Fatalf("String() %q does not parse: %v", out, err)
		}
		d.Removed, d.RemovedValues, d.Unknown = nil, nil, nil
		if !reflect.DeepEqual(d, d2) {
			t.Fatalf("round trip of %q:\n%+v\n%+v", s, d, d2)
		}
		if out2 := d2.String(); out2 != out {
			t.Fatalf("String not stable: %q then %q", out, out2)
		}
	})
}
