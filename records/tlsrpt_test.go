package records

import (
	"errors"
	"strings"
	"testing"
)

func TestParseTLSRPT(t *testing.T) {
	r, err := ParseTLSRPT("v=TLSRPTv1; rua=mailto:tls@example.com,https://r.example/tls")
	if err != nil || len(r.RUA) != 2 || r.String() != "v=TLSRPTv1; rua=mailto:tls@example.com,https://r.example/tls" {
		t.Fatalf("%v %+v", err, r)
	}
	for _, tc := range []struct{ in, frag string }{
		{"v=TSLRPTv1; rua=mailto:a@example.com", "typo"},
		{"v=TLSRPTv1", "no rua"},
		{"v=TLSRPTv1; rua=ftp://x.example", "mailto: or https:"},
		{"v=TLSRPTv1; rua=mailto:nobody", "mailto"},
		{"rua=mailto:a@example.com", "start with"},
	} {
		_, err := ParseTLSRPT(tc.in)
		var se *SyntaxError
		if !errors.As(err, &se) || !strings.Contains(se.Msg, tc.frag) {
			t.Errorf("%q: err = %v, want %q", tc.in, err, tc.frag)
		}
	}
}
