package records

import (
	"reflect"
	"testing"
)

// FuzzMTASTS checks the MTA-STS TXT and policy parsers never panic and that
// the policy's String round-trips.
func FuzzMTASTS(f *testing.F) {
	for _, s := range []string{
		"v=STSv1; id=20190429T010101;",
		"version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmx: *.example.net\r\nmax_age: 604800\r\n",
		"version: STSv1\nmode: none\nmax_age: 0\n",
		"version: STSv1\nmode: testing\nmx: *.*.bad\nmax_age: 1\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if m, err := ParseMTASTS(s); err == nil {
			if _, err := ParseMTASTS(m.String()); err != nil {
				t.Fatalf("TXT round trip of %q: %v", s, err)
			}
		}
		p, err := ParseSTSPolicy(s)
		if err != nil {
			return
		}
		p2, err := ParseSTSPolicy(p.String())
		if err != nil || !reflect.DeepEqual(p, p2) {
			t.Fatalf("policy round trip of %q: %v\n%+v\n%+v", s, err, p, p2)
		}
		for _, mx := range p.MX {
			if mx[0] != '*' && !p.Matches(mx) {
				t.Fatalf("pattern %q does not match itself", mx)
			}
		}
	})
}
