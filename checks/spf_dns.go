package checks

import (
	"context"
	"net/netip"
	"strings"

	"github.com/miekg/dns"

	"github.com/mailcfg/mailcfg/records"
)

// TXTStrings returns each TXT record of a as the raw text RFC 7208 §3.3 and
// RFC 6376 §3.6.2.2 read: its character-strings joined without separator,
// with the presentation escapes miekg/dns adds (\" \\ \DDD) undone, so that
// bytes outside printable ASCII come back as the bytes that were published.
func TXTStrings(a *Answer) []string { return a.TXT() }

// spfRecords fetches the SPF records of domain (RFC 7208 §4.4, §4.5): the TXT
// strings that start with "v=spf1". nx reports NXDOMAIN.
func spfRecords(ctx context.Context, r Resolver, domain string) (recs []string, nx bool, err error) {
	a, err := r.Lookup(ctx, domain, dns.TypeTXT)
	if err != nil {
		return nil, false, err
	}
	for _, t := range TXTStrings(a) {
		if records.IsSPF(t) {
			recs = append(recs, t)
		}
	}
	return recs, a.NXDomain(), nil
}

// validSPFDomain reports whether name may be given to check_host (RFC 7208
// §4.3): a multi-label domain name of at most 253 bytes whose labels are 1 to
// 63 bytes of visible ASCII, not a domain literal ("[192.0.2.1]") and not
// ending in an all-numeric label.
func validSPFDomain(name string) bool {
	name = strings.TrimSuffix(name, ".")
	if name == "" || len(name) > 253 || strings.HasPrefix(name, "[") {
		return false
	}
	labels := strings.Split(name, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 {
			return false
		}
		for i := 0; i < len(l); i++ {
			if l[i] <= ' ' || l[i] > '~' {
				return false
			}
		}
	}
	last := labels[len(labels)-1]
	for i := 0; i < len(last); i++ {
		if last[i] < '0' || last[i] > '9' {
			return true
		}
	}
	return false
}

// reverseName is the in-addr.arpa or ip6.arpa name of ip (RFC 1035 §3.5,
// RFC 3596 §2.5).
func spfReverseName(ip netip.Addr) string {
	n, _ := dns.ReverseAddr(ip.String())
	return n
}

// addrs returns the addresses of the asked type (A or AAAA) in a.
func spfAddrs(a *Answer) []netip.Addr {
	var out []netip.Addr
	for _, rr := range a.Records() {
		switch v := rr.(type) {
		case *dns.A:
			if ip, ok := netip.AddrFromSlice(v.A.To4()); ok {
				out = append(out, ip)
			}
		case *dns.AAAA:
			if ip, ok := netip.AddrFromSlice(v.AAAA.To16()); ok {
				out = append(out, ip)
			}
		}
	}
	return out
}
