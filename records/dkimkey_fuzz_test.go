package records

import (
	"bytes"
	"reflect"
	"testing"
)

// FuzzDKIMKey checks that ParseDKIMKey never panics, that Bits never panics
// on any p=, and that String round-trips.
func FuzzDKIMKey(f *testing.F) {
	for _, s := range []string{
		"v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDwIRP/UC3SBsEmGqZ9ZJW3/DkMoGeLnQg1fWn7/zYtIxN2SnFCjxOCKG9v3b4jYfcTNh5ijSsq631uBItLa7od+v/RtdC2UzJ1lWT947qR+Rcac2gbto/NMqJ0fzfVjH4OuKhitdY9tf6mcwGjaNBcWToIMmPSPDdQPNUYckcQ2QIDAQAB",
		"v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=",
		"v=DKIM1; p=",
		"k=rsa; t=y:s; h=sha1:sha256; s=email; n=note; p=AAAA",
		"v=DKIM1; p=MIIB",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k, err := ParseDKIMKey(s)
		if err != nil {
			se, ok := err.(*SyntaxError)
			if !ok || se.Pos < 0 || se.Pos > len(s) {
				t.Fatalf("bad error %#v", err)
			}
			return
		}
		_ = k.Bits()
		k2, err := ParseDKIMKey(k.String())
		if err != nil {
			t.Fatalf("String() %q does not parse: %v", k.String(), err)
		}
		if !bytes.Equal(k.PublicKey, k2.PublicKey) {
			t.Fatalf("key changed")
		}
		k.PublicKey, k2.PublicKey = nil, nil
		if !reflect.DeepEqual(k, k2) {
			t.Fatalf("round trip of %q:\n%+v\n%+v", s, k, k2)
		}
	})
}
