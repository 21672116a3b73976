package checks

import (
	"context"
	"strings"
	"sync/atomic"

	"github.com/miekg/dns"
)

// MapResolver is an in-memory Resolver for unit tests: records come from zone
// text and chosen names can be made to fail. End-to-end tests use the
// sandbox's DNS server and a DNSResolver instead.
type MapResolver struct {
	rrs  map[string][]dns.RR // by lower-case FQDN
	errs map[string]error    // by "fqdn/TYPE" or "fqdn"
	// Queries counts Lookup calls.
	Queries atomic.Int64
}

// NewMapResolver parses zone-file lines (with $ORIGIN or absolute names) and
// returns a resolver that serves them. It panics on a bad line: it is for
// tests.
func NewMapResolver(zone string) *MapResolver {
	m := &MapResolver{rrs: map[string][]dns.RR{}, errs: map[string]error{}}
	zp := dns.NewZoneParser(strings.NewReader(zone), ".", "")
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		name := strings.ToLower(rr.Header().Name)
		m.rrs[name] = append(m.rrs[name], rr)
	}
	if err := zp.Err(); err != nil {
		panic(err)
	}
	return m
}

// Fail makes questions for name (and qtype, when given) fail with err, which
// should be a *DNSError.
func (m *MapResolver) Fail(name string, qtype uint16, err error) {
	key := dns.Fqdn(strings.ToLower(name))
	if qtype != 0 {
		key += "/" + dns.TypeToString[qtype]
	}
	m.errs[key] = err
}

// Lookup implements Resolver. It follows CNAMEs like a recursive resolver.
func (m *MapResolver) Lookup(ctx context.Context, name string, qtype uint16) (*Answer, error) {
	m.Queries.Add(1)
	name = dns.Fqdn(strings.ToLower(name))
	a := &Answer{Name: name, Type: qtype, Server: "map"}
	cur := name
	for hops := 0; hops < 8; hops++ {
		if err := m.errs[cur+"/"+dns.TypeToString[qtype]]; err != nil {
			return nil, err
		}
		if err := m.errs[cur]; err != nil {
			return nil, err
		}
		rrs, exists := m.rrs[cur]
		if !exists && !m.hasBelow(cur) {
			a.Rcode = dns.RcodeNameError
			return a, nil
		}
		var cname string
		for _, rr := range rrs {
			if rr.Header().Rrtype == qtype {
				a.RRs = append(a.RRs, rr)
			} else if c, ok := rr.(*dns.CNAME); ok && qtype != dns.TypeCNAME {
				cname = c.Target
				a.RRs = append(a.RRs, rr)
			}
		}
		if cname == "" || len(a.Records()) > 0 {
			return a, nil
		}
		cur = strings.ToLower(cname)
	}
	return a, nil
}

// hasBelow reports whether a name below name exists (an empty non-terminal,
// which answers NOERROR with no data, not NXDOMAIN).
func (m *MapResolver) hasBelow(name string) bool {
	for k := range m.rrs {
		if strings.HasSuffix(k, "."+name) {
			return true
		}
	}
	return false
}
