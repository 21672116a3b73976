package records

import (
	"strings"
	"testing"

	"github.com/miekg/dns"
)

func TestSplitTXT(t *testing.T) {
	for _, n := range []int{0, 1, 254, 255, 256, 510, 511, 1000} {
		s := strings.Repeat("a", n)
		parts := SplitTXT(s)
		if strings.Join(parts, "") != s {
			t.Fatalf("%d bytes: parts do not join back", n)
		}
		want := (n + 254) / 255
		if n == 0 {
			want = 1
		}
		if len(parts) != want {
			t.Errorf("%d bytes: %d parts, want %d", n, len(parts), want)
		}
		for i, p := range parts {
			if len(p) > MaxTXTString {
				t.Errorf("%d bytes: part %d has %d bytes", n, i, len(p))
			}
		}
	}
}

// zoneTXTBack parses one TXT line with miekg/dns's zone parser and returns
// its strings joined.
func zoneTXTBack(t testing.TB, rdata string) (string, []string) {
	t.Helper()
	rr, err := dns.NewRR("x.example.test. 300 IN TXT " + rdata)
	if err != nil {
		t.Fatalf("zone parser rejects %q: %v", rdata, err)
	}
	if rr == nil {
		t.Fatalf("zone parser returned nothing for %q", rdata)
	}
	// miekg/dns keeps character-strings in presentation form: undo \X and
	// \DDD to get the bytes on the wire.
	txt := rr.(*dns.TXT).Txt
	for i, s := range txt {
		txt[i] = unescapeTXT(s)
	}
	return strings.Join(txt, ""), txt
}

func unescapeTXT(s string) string {
	var b []byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 >= len(s) {
			b = append(b, c)
			continue
		}
		if i+3 < len(s) && isDigit(s[i+1]) && isDigit(s[i+2]) && isDigit(s[i+3]) {
			b = append(b, (s[i+1]-'0')*100+(s[i+2]-'0')*10+(s[i+3]-'0'))
			i += 3
			continue
		}
		b = append(b, s[i+1])
		i++
	}
	return string(b)
}

func TestZoneTXT(t *testing.T) {
	long := "v=DKIM1; k=rsa; p=" + strings.Repeat("MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8A", 13)
	cases := []string{
		"v=spf1 -all",
		"",
		`quote " and backslash \ inside`,
		"tab\there and nul\x00 and high \xff byte",
		long,
	}
	for _, s := range cases {
		z := ZoneTXT(s)
		got, parts := zoneTXTBack(t, z)
		if got != s {
			t.Errorf("ZoneTXT(%q) = %s loads back as %q", s, z, got)
		}
		if len(s) > 255 && len(parts) < 2 {
			t.Errorf("a %d-byte value stayed one string: %s", len(s), z)
		}
		for _, p := range parts {
			if len(p) > 255 {
				t.Errorf("a string of %d bytes", len(p))
			}
		}
	}
	if got := ZoneTXT("a\"b"); got != `"a\"b"` {
		t.Errorf(`ZoneTXT("a\"b") = %s`, got)
	}
}

// FuzzZoneTXT checks that any value, formatted for a zone file, loads back
// byte for byte in miekg/dns's parser, in strings of at most 255 bytes.
func FuzzZoneTXT(f *testing.F) {
	f.Add("v=spf1 include:_spf.example.com ~all")
	f.Add(`"\` + "\x00\n;()")
	f.Add(strings.Repeat("p", 600))
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) > 4000 {
			return
		}
		got, parts := zoneTXTBack(t, ZoneTXT(s))
		if got != s {
			t.Fatalf("%q loads back as %q", s, got)
		}
		for _, p := range parts {
			if len(p) > 255 {
				t.Fatalf("a string of %d bytes", len(p))
			}
		}
	})
}
