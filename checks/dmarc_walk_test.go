package checks

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/miekg/dns"
)

func TestDMARCWalk(t *testing.T) {
	for in, want := range map[string][]string{
		"example.com":         {"example.com", "com"},
		"a.mail.example.com.": {"a.mail.example.com", "mail.example.com", "example.com", "com"},
		"a.b.c.d.e.f.g.h.i.example": {"a.b.c.d.e.f.g.h.i.example", "d.e.f.g.h.i.example",
			"e.f.g.h.i.example", "f.g.h.i.example", "g.h.i.example", "h.i.example", "i.example", "example"},
		"b.c.d.e.f.g.h.example": {"b.c.d.e.f.g.h.example", "c.d.e.f.g.h.example", "d.e.f.g.h.example", "e.f.g.h.example",
			"f.g.h.example", "g.h.example", "h.example", "example"},
	} {
		got := DMARCWalk(in)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("DMARCWalk(%q) =\n%q\nwant\n%q", in, got, want)
		}
		if len(got) > 8 {
			t.Errorf("walk of %q is %d names", in, len(got))
		}
	}
	// RFC 9989 §4.10.1: at most eight queries for any name.
	if n := len(DMARCWalk("a.b.c.d.e.f.g.h.i.j.k.l.example")); n != 8 {
		t.Errorf("long name walks %d names, want 8", n)
	}
}

func TestLookupDMARCTreeWalk(t *testing.T) {
	m := NewMapResolver(`$TTL 300
_dmarc.example.com. TXT "v=DMARC1; p=reject; sp=quarantine"
_dmarc.mail.example.com. TXT "some other text"
_dmarc.psd.example. TXT "v=DMARC1; p=reject; psd=y"
_dmarc.own.psd.example. TXT "v=DMARC1; p=none"
_dmarc.org.example. TXT "v=DMARC1; p=none; psd=n"
_dmarc.multi.example. TXT "v=DMARC1; p=none"
_dmarc.multi.example. TXT "v=DMARC1; p=reject"
_dmarc.bad.example. TXT "v=DMARC1; p=nope"
`)
	ctx := context.Background()
	for _, tc := range []struct {
		domain, found, org string
		err                error
	}{
		{"example.com", "example.com", "example.com", nil},
		{"a.mail.example.com", "example.com", "example.com", nil},
		{"x.y.psd.example", "psd.example", "y.psd.example", nil},
		{"x.own.psd.example", "own.psd.example", "own.psd.example", nil},
		{"deep.sub.org.example", "org.example", "org.example", nil},
		{"nothing.test", "", "nothing.test", ErrNoDMARC},
		{"multi.example", "", "multi.example", ErrNoDMARC},
		{"bad.example", "bad.example", "bad.example", nil},
	} {
		l, err := LookupDMARC(ctx, m, tc.domain)
		if !errors.Is(err, tc.err) {
			t.Errorf("%s: err %v, want %v", tc.domain, err, tc.err)
			continue
		}
		if l.Domain != tc.found || l.OrgDomain != tc.org {
			t.Errorf("%s: found at %q org %q; want %q org %q", tc.domain, l.Domain, l.OrgDomain, tc.found, tc.org)
		}
	}
	l, _ := LookupDMARC(ctx, m, "multi.example")
	if len(l.Multiple) != 2 || l.MultipleAt != "multi.example" {
		t.Errorf("multiple: %+v", l)
	}
	l, _ = LookupDMARC(ctx, m, "bad.example")
	if l.ParseErr == nil || l.Record != nil || l.Raw == "" {
		t.Errorf("bad record: %+v", l)
	}
	m.Fail("_dmarc.example.com", dns.TypeTXT, &DNSError{Name: "_dmarc.example.com.", Type: dns.TypeTXT, Kind: ErrServFail})
	if _, err := LookupDMARC(ctx, m, "sub.example.com"); !errors.Is(err, ErrServFail) {
		t.Errorf("SERVFAIL on the walk: err = %v", err)
	}
}
