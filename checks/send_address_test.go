package checks_test

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/mailcfg/mailcfg/checks"
)

func TestParseAddressAccepts(t *testing.T) {
	for _, c := range []struct {
		in, local, domain, udomain string
		utf8                       bool
	}{
		{"a@example.test", "a", "example.test", "example.test", false},
		{"First.Last+tag@Example.TEST", "First.Last+tag", "example.test", "example.test", false},
		{"!#$%&'*+-/=?^_`{|}~@x.test", "!#$%&'*+-/=?^_`{|}~", "x.test", "x.test", false},
		{"user@bücher.example", "user", "xn--bcher-kva.example", "bücher.example", false},
		{"user@BÜCHER.example", "user", "xn--bcher-kva.example", "bücher.example", false},
		{"user@xn--bcher-kva.example", "user", "xn--bcher-kva.example", "bücher.example", false},
		{"jörg@bücher.example", "jörg", "xn--bcher-kva.example", "bücher.example", true},
		{"用户@例子.测试", "用户", "xn--fsqu00a.xn--0zwm56d", "例子.测试", true},
		{`"john doe"@example.test`, `"john doe"`, "example.test", "example.test", false},
		{`"a@b"@example.test`, `"a@b"`, "example.test", "example.test", false},
		{`"a\"b\\c"@example.test`, `"a\"b\\c"`, "example.test", "example.test", false},
		{`"..."@example.test`, `"..."`, "example.test", "example.test", false},
		{`"josé x"@example.test`, `"josé x"`, "example.test", "example.test", true},
		{"postmaster@localhost", "postmaster", "localhost", "localhost", false},
		{strings.Repeat("l", 64) + "@example.test", strings.Repeat("l", 64), "example.test", "example.test", false},
	} {
		a, err := checks.ParseAddress(c.in)
		if err != nil {
			t.Errorf("ParseAddress(%q): %v", c.in, err)
			continue
		}
		if a.Local != c.local || a.Domain != c.domain || a.UDomain != c.udomain || a.NeedsSMTPUTF8() != c.utf8 {
			t.Errorf("ParseAddress(%q) = %+v utf8=%v; want %q %q %q utf8=%v", c.in, a, a.NeedsSMTPUTF8(), c.local, c.domain, c.udomain, c.utf8)
		}
		if a.Envelope() != c.local+"@"+c.domain || a.Unicode() != c.local+"@"+c.udomain {
			t.Errorf("%q: envelope %q unicode %q", c.in, a.Envelope(), a.Unicode())
		}
		if a.IsIDN() != (c.domain != c.udomain) {
			t.Errorf("%q: IsIDN = %v", c.in, a.IsIDN())
		}
	}
}

func TestParseAddressRefuses(t *testing.T) {
	long := strings.Repeat("a", 63)
	for _, c := range []struct{ in, why string }{
		{"", "empty"},
		{"plain", "no @"},
		{"@example.test", "before the @"},
		{"me@", "follows the @"},
		{"Me <me@example.test>", "angle brackets"},
		{"<me@example.test>", "angle brackets"},
		{"me@example.test>", "angle brackets"},
		{"a b@example.test", "not allowed"},
		{".a@example.test", "dot"},
		{"a.@example.test", "dot"},
		{"a..b@example.test", "dot"},
		{"a@b@example.test", "more than one @"},
		{"a(comment)@example.test", "not allowed"},
		{`"unterminated@example.test`, "closing quote"},
		{`"a"b@example.test`, "closing quote"},
		{`""@example.test`, "empty"},
		{"\"a\x01\"@example.test", "control"},
		{"\"a\\\x01\"@example.test", "backslash"},
		{"a\r\nRSET@example.test", "not allowed"},
		{"a\x00@example.test", "not allowed"},
		{"a\u0085@example.test", "control"},
		{"a\u202eb@example.test", "formatting"},
		{"a\u200bb@example.test", "formatting"},
		{"a\u00a0b@example.test", "space"},
		{"a\ue000@example.test", "private-use"},
		{"a\xff@example.test", "UTF-8"},
		{strings.Repeat("l", 65) + "@example.test", "64"},
		{"a@example.test.", "ends with a dot"},
		{"a@[192.0.2.1]", "address literal"},
		{"a@exa mple.test", "domain"},
		{"a@exa_mple.test", "domain"},
		{"a@-example.test", "domain"},
		{"a@example..test", "domain"},
		{"a@xn--zz.example", "domain"},
		{"a@" + long + "." + long + "." + long + "." + long + ".test", "domain"},
		{"a@" + strings.Repeat("b", 64) + ".test", "domain"},
	} {
		_, err := checks.ParseAddress(c.in)
		var ae *checks.AddressError
		if err == nil || !errors.Is(err, checks.ErrAddress) || !errors.As(err, &ae) {
			t.Errorf("ParseAddress(%q) = %v; want an *AddressError", c.in, err)
			continue
		}
		if !strings.Contains(ae.Reason, c.why) || strings.ContainsAny(ae.Reason, "\r\n") {
			t.Errorf("ParseAddress(%q): reason %q should mention %q on one line", c.in, ae.Reason, c.why)
		}
	}
}

// FuzzParseAddress: no panic; an accepted address is within RFC 5321's
// limits, has an ASCII lower-case domain, no raw control character, and
// parses again to itself from either of its forms.
func FuzzParseAddress(f *testing.F) {
	for _, s := range []string{"a@example.test", "jörg@bücher.example", `"a b\"c"@x.test`, "a@xn--bcher-kva.example",
		"用户@例子.测试", "a..b@x", "a@[1.2.3.4]", "\"\xff\"@x", "a@x.", "<a@x>", "a\u202e@x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := checks.ParseAddress(s)
		if err != nil {
			if !errors.Is(err, checks.ErrAddress) {
				t.Fatalf("error %v does not wrap ErrAddress", err)
			}
			return
		}
		if len(a.Local) == 0 || len(a.Local) > 64 || len(a.Envelope()) > 254 || len(a.Domain) > 253 {
			t.Fatalf("%q: sizes local %d envelope %d", s, len(a.Local), len(a.Envelope()))
		}
		for i := 0; i < len(a.Domain); i++ {
			if c := a.Domain[i]; c >= utf8.RuneSelf || c >= 'A' && c <= 'Z' {
				t.Fatalf("%q: domain %q is not lower-case ASCII", s, a.Domain)
			}
		}
		for _, r := range a.Local {
			if r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0 {
				t.Fatalf("%q: local part %q holds a control character", s, a.Local)
			}
		}
		if a.NeedsSMTPUTF8() == isASCIIString(a.Local) {
			t.Fatalf("%q: NeedsSMTPUTF8 = %v for %q", s, a.NeedsSMTPUTF8(), a.Local)
		}
		for _, form := range []string{a.Envelope(), a.Unicode()} {
			b, err := checks.ParseAddress(form)
			if err != nil || b != a {
				t.Fatalf("%q: form %q parses to %+v, %v; want %+v", s, form, b, err, a)
			}
		}
	})
}

func isASCIIString(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
