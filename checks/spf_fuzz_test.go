package checks

import (
	"context"
	"net"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// fuzzResolver serves one TXT record (split into strings as a zone would)
// at example.com and at every name below it, a few addresses, and
// NXDOMAIN elsewhere.
type fuzzResolver struct{ txt string }

func (f fuzzResolver) Lookup(_ context.Context, name string, qtype uint16) (*Answer, error) {
	name = dns.Fqdn(strings.ToLower(name))
	a := &Answer{Name: name, Type: qtype}
	if !dns.IsSubDomain("example.com.", name) {
		a.Rcode = dns.RcodeNameError
		return a, nil
	}
	hdr := dns.RR_Header{Name: name, Rrtype: qtype, Class: dns.ClassINET, Ttl: 60}
	switch qtype {
	case dns.TypeTXT:
		var parts []string
		for s := f.txt; ; s = s[255:] {
			if len(s) <= 255 {
				parts = append(parts, s)
				break
			}
			parts = append(parts, s[:255])
		}
		a.RRs = []dns.RR{&dns.TXT{Hdr: hdr, Txt: parts}}
	case dns.TypeA:
		a.RRs = []dns.RR{&dns.A{Hdr: hdr, A: net.IPv4(192, 0, 2, 1)}}
	case dns.TypeMX:
		a.RRs = []dns.RR{&dns.MX{Hdr: hdr, Preference: 10, Mx: "mx.example.com."}}
	case dns.TypePTR:
		a.RRs = []dns.RR{&dns.PTR{Hdr: hdr, Ptr: "mx.example.com."}}
	}
	return a, nil
}

// FuzzCheckHost evaluates arbitrary records (the same one at every name, so
// includes and redirects loop into the limits): CheckHost must not panic,
// must give one of the seven results, and must stay within the limits.
func FuzzCheckHost(f *testing.F) {
	for _, s := range []string{
		"v=spf1 -all",
		"v=spf1 include:a.example.com -all",
		"v=spf1 redirect=%{d1r}.%{d}",
		"v=spf1 a mx ptr exists:%{ir}.%{l}.%{d} -all exp=%{d}",
		"v=spf1 a:%{p}.example.com ~all",
		"v=spf1 ip4:192.0.2.0/24 ip6:::1 a//0 mx/0 ?all",
	} {
		f.Add(s, "192.0.2.1", "user@example.com")
	}
	f.Fuzz(func(t *testing.T, txt, ip, sender string) {
		addr := net.ParseIP(ip)
		if addr == nil {
			addr = net.IPv4(192, 0, 2, 1)
		}
		res := CheckHost(context.Background(), fuzzResolver{txt}, addr, "example.com", sender, "helo.example.com")
		switch res.Result {
		case SPFPass, SPFFail, SPFSoftFail, SPFNeutral, SPFNone, SPFPermError, SPFTempError:
		default:
			t.Fatalf("result %q", res.Result)
		}
		if res.Lookups > spfMaxLookups+1 || res.VoidLookups > spfMaxVoid+1 {
			t.Fatalf("%d lookups, %d void: past the limits", res.Lookups, res.VoidLookups)
		}
		if res.Explanation != "" && res.Result != SPFFail {
			t.Fatalf("explanation %q with %s", res.Explanation, res.Result)
		}
	})
}
