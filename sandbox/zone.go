package sandbox

import (
	"fmt"
	"strings"

	"github.com/miekg/dns"
)

// zone is the data of one origin: its records by owner name, the set of
// names that exist, and its SOA. A zone is changed only under the server's
// write lock, and readers copy what they take from it before the read lock
// is released.
type zone struct {
	origin string
	names  map[string][]dns.RR // lower-case FQDN → records
	// exist holds every owner name of names and every name between it
	// and the origin: the empty non-terminals of RFC 8020 §2 exist too.
	exist  map[string]struct{}
	soa    *dns.SOA
	signed bool
}

// newZone returns an empty zone for origin.
func newZone(origin string) *zone {
	return &zone{origin: origin, names: map[string][]dns.RR{}, exist: map[string]struct{}{}}
}

// add files rr (canonical owner name, inside the zone) under its name and
// marks the name and its ancestors up to the origin as existing: O(labels).
func (z *zone) add(rr dns.RR) {
	name := rr.Header().Name
	z.names[name] = append(z.names[name], rr)
	for off := 0; ; {
		n := name[off:]
		if _, ok := z.exist[n]; ok || n == z.origin {
			z.exist[n] = struct{}{}
			return
		}
		z.exist[n] = struct{}{}
		next, end := dns.NextLabel(name, off)
		if end {
			return
		}
		off = next
	}
}

// defaultTTL is the TTL of records given without one, and of synthesised
// SOAs' negative caching (RFC 2308 §5).
const defaultTTL = 300

// newSOA returns a SOA for origin naming ns.<origin> as its primary server.
func newSOA(origin string) *dns.SOA {
	under := origin
	if under == "." {
		under = "" // the root zone: "ns.", not "ns.."
	}
	return &dns.SOA{
		Hdr:     dns.RR_Header{Name: origin, Rrtype: dns.TypeSOA, Class: dns.ClassINET, Ttl: defaultTTL},
		Ns:      "ns." + under,
		Mbox:    "hostmaster." + under,
		Serial:  2026010101,
		Refresh: 3600,
		Retry:   600,
		Expire:  86400,
		Minttl:  defaultTTL,
	}
}

// AddZone serves origin with the records rrs, replacing any zone of that
// name. Records outside origin are dropped. Without a SOA among rrs one is
// made up, so that negative answers carry it as RFC 2308 §3 wants.
func (s *DNSServer) AddZone(origin string, rrs []dns.RR) {
	origin = canonical(origin)
	z := newZone(origin)
	for _, rr := range rrs {
		rr = dns.Copy(rr)
		h := rr.Header()
		h.Name = canonical(h.Name)
		if h.Class == 0 {
			h.Class = dns.ClassINET
		}
		if !dns.IsSubDomain(origin, h.Name) {
			continue
		}
		if soa, ok := rr.(*dns.SOA); ok {
			if h.Name == origin {
				z.soa = soa
			}
			continue
		}
		z.add(rr)
	}
	if z.soa == nil {
		z.soa = newSOA(origin)
	}
	z.add(z.soa)
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.zones[origin]; ok {
		z.signed = old.signed
	}
	s.zones[origin] = z
}

// AddZoneText serves origin with the records of a zone file fragment in RFC
// 1035 §5 syntax; names without a final dot are relative to origin and
// records without a TTL get 300 s. Nothing changes when the text does not
// parse.
func (s *DNSServer) AddZoneText(origin, text string) error {
	origin = canonical(origin)
	zp := dns.NewZoneParser(strings.NewReader(text), origin, "")
	zp.SetDefaultTTL(defaultTTL)
	var rrs []dns.RR
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		rrs = append(rrs, rr)
	}
	if err := zp.Err(); err != nil {
		return fmt.Errorf("sandbox: zone %s: %w", origin, err)
	}
	s.AddZone(origin, rrs)
	return nil
}

// Add adds records to the zones that hold their owner names. It returns an
// error naming the first record outside every zone, after adding the rest.
func (s *DNSServer) Add(rrs ...dns.RR) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var err error
	for _, rr := range rrs {
		rr = dns.Copy(rr)
		h := rr.Header()
		h.Name = canonical(h.Name)
		if h.Class == 0 {
			h.Class = dns.ClassINET
		}
		z := s.zoneForLocked(h.Name)
		if z == nil {
			if err == nil {
				err = fmt.Errorf("sandbox: %s is in no zone of this server", h.Name)
			}
			continue
		}
		// Readers hold s.mu.RLock while they use a zone and copy the
		// records they answer with, so the zone changes in place.
		z.add(rr)
	}
	return err
}

// RemoveZone stops serving origin; its names get REFUSED from then on,
// unless another zone holds them.
func (s *DNSServer) RemoveZone(origin string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.zones, canonical(origin))
}

// SetSigned marks origin as DNSSEC-signed or not: answers from a signed
// zone carry the AD bit when the query set DO or AD (RFC 6840 §5.7), as a
// validating resolver's would. Records are not actually signed.
func (s *DNSServer) SetSigned(origin string, signed bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if z, ok := s.zones[canonical(origin)]; ok {
		z.signed = signed
	}
}

// zoneForLocked returns the zone with the longest origin holding name, or
// nil, by looking up each suffix of name from the longest: O(labels) map
// lookups whatever the number of zones. s.mu is held.
func (s *DNSServer) zoneForLocked(name string) *zone {
	for off := 0; ; {
		if z, ok := s.zones[name[off:]]; ok {
			return z
		}
		next, end := dns.NextLabel(name, off)
		if end {
			return s.zones["."]
		}
		off = next
	}
}

// exists reports whether name owns records or is an empty non-terminal
// (RFC 8020 §2: a name with names below it exists).
func (z *zone) exists(name string) bool {
	_, ok := z.exist[name]
	return ok
}

// splitTXT cuts s into character-strings of at most 255 bytes (RFC 1035
// §3.3.14); a receiver joins them without separator (RFC 7208 §3.3).
func splitTXT(s string) []string {
	var out []string
	for len(s) > 255 {
		out = append(out, s[:255])
		s = s[255:]
	}
	return append(out, s)
}
