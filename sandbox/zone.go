package sandbox

import (
	"fmt"
	"strings"

	"github.com/miekg/dns"
)

// zone is the data of one origin: its records by owner name and its SOA.
type zone struct {
	origin string
	names  map[string][]dns.RR // lower-case FQDN → records
	soa    *dns.SOA
	signed bool
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
	z := &zone{origin: origin, names: map[string][]dns.RR{}}
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
		z.names[h.Name] = append(z.names[h.Name], rr)
	}
	if z.soa == nil {
		z.soa = newSOA(origin)
	}
	z.names[origin] = append(z.names[origin], z.soa)
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
		// Zones are replaced, never changed in place, while readers
		// may hold them: copy the map of names.
		nz := *z
		nz.names = make(map[string][]dns.RR, len(z.names)+1)
		for k, v := range z.names {
			nz.names[k] = v
		}
		nz.names[h.Name] = append(append([]dns.RR(nil), z.names[h.Name]...), rr)
		s.zones[z.origin] = &nz
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
		nz := *z
		nz.signed = signed
		s.zones[z.origin] = &nz
	}
}

// zoneForLocked returns the zone with the longest origin holding name, or
// nil. s.mu is held.
func (s *DNSServer) zoneForLocked(name string) *zone {
	var best *zone
	for origin, z := range s.zones {
		if dns.IsSubDomain(origin, name) && (best == nil || len(origin) > len(best.origin)) {
			best = z
		}
	}
	return best
}

// exists reports whether name owns records or is an empty non-terminal
// (RFC 8020 §2: a name with names below it exists).
func (z *zone) exists(name string) bool {
	if len(z.names[name]) > 0 {
		return true
	}
	for n := range z.names {
		if n != name && dns.IsSubDomain(name, n) {
			return true
		}
	}
	return false
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
