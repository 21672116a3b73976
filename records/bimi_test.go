package records

import "testing"

func TestParseBIMI(t *testing.T) {
	b, err := ParseBIMI("v=BIMI1; l=https://example.com/logo.svg; a=https://example.com/vmc.pem")
	if err != nil || b.Location != "https://example.com/logo.svg" || b.Authority != "https://example.com/vmc.pem" || b.Declined() {
		t.Fatalf("%v %+v", err, b)
	}
	if b2, err := ParseBIMI(b.String()); err != nil || *b2 != *b {
		t.Fatalf("round trip %v %+v", err, b2)
	}
	if b, err := ParseBIMI("v=BIMI1; l=;"); err != nil || !b.Declined() {
		t.Fatalf("declined: %v %+v", err, b)
	}
	for _, bad := range []string{"v=BIMI2; l=https://x.example/a.svg", "v=BIMI1; l=http://x.example/a.svg", "l=https://x.example/a.svg"} {
		if _, err := ParseBIMI(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}
