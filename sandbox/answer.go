package sandbox

import (
	"slices"
	"time"

	"github.com/miekg/dns"
)

// maxCNAMEChain bounds how many CNAMEs one answer follows.
const maxCNAMEChain = 12

// advertisedUDPSize is the EDNS0 payload size the server announces.
const advertisedUDPSize = 1232

// serveDNS answers one query, after the configured delay and failures.
func (s *DNSServer) serveDNS(w dns.ResponseWriter, r *dns.Msg) {
	s.queries.Add(1)
	if d := time.Duration(s.delay.Load()); d > 0 {
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-s.done:
			t.Stop()
			return
		}
	}
	m := new(dns.Msg)
	if len(r.Question) != 1 || r.Opcode != dns.OpcodeQuery {
		m.SetRcode(r, dns.RcodeFormatError)
		_ = w.WriteMsg(m)
		return
	}
	q := r.Question[0]
	name := canonical(q.Name)
	udp := w.LocalAddr().Network() == "udp"
	switch s.failFor(name, q.Qtype) {
	case FailTimeout:
		return
	case FailServFail:
		m.SetRcode(r, dns.RcodeServerFailure)
		m.RecursionAvailable = true
		_ = w.WriteMsg(m)
		return
	case FailRefused:
		m.SetRcode(r, dns.RcodeRefused)
		_ = w.WriteMsg(m)
		return
	case FailTruncate:
		if udp {
			m.SetReply(r)
			m.Truncated = true
			m.RecursionAvailable = true
			_ = w.WriteMsg(m)
			return
		}
	}

	m.SetReply(r)
	m.RecursionAvailable = true
	if q.Qclass != dns.ClassINET && q.Qclass != dns.ClassANY {
		m.Rcode = dns.RcodeRefused
		_ = w.WriteMsg(m)
		return
	}
	a := s.resolve(name, q.Qtype)
	m.Rcode = a.rcode
	m.Answer = a.answer
	m.Ns = a.authority
	m.Authoritative = a.rcode != dns.RcodeRefused
	opt := r.IsEdns0()
	if a.signed && a.rcode != dns.RcodeRefused && (r.AuthenticatedData || (opt != nil && opt.Do())) {
		m.AuthenticatedData = true
	}
	size := dns.MinMsgSize
	if opt != nil {
		// RFC 6891 §6.2.5: a requestor's size under 512 counts as 512.
		size = max(int(opt.UDPSize()), dns.MinMsgSize)
		m.SetEdns0(advertisedUDPSize, opt.Do())
	}
	if udp {
		// RFC 7766 §5 / RFC 6891 §7: what does not fit is cut, TC set.
		m.Truncate(size)
	} else {
		m.Compress = true
	}
	_ = w.WriteMsg(m)
}

// answer is the outcome of resolving a question within the server's zones.
type answer struct {
	rcode     int
	answer    []dns.RR
	authority []dns.RR
	signed    bool
}

// resolve answers name/qtype as a recursive resolver would from the zones:
// the records, or the CNAME chain to them across zones (RFC 1034 §4.3.2),
// or NXDOMAIN/NODATA with the last zone's SOA (RFC 2308 §2), or REFUSED
// when the name is in no zone.
func (s *DNSServer) resolve(name string, qtype uint16) answer {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var a answer
	var seenBuf [maxCNAMEChain]string
	seen := seenBuf[:0] // the names asked so far, to catch CNAME loops
	signed := true
	for range maxCNAMEChain {
		z := s.zoneForLocked(name)
		if z == nil {
			if len(a.answer) == 0 {
				return answer{rcode: dns.RcodeRefused}
			}
			// The chain leaves our zones: what we have is the answer.
			a.signed = false
			return a
		}
		signed = signed && z.signed
		a.signed = signed
		seen = append(seen, name)
		rrs := z.names[name]
		var cname *dns.CNAME
		matched := 0
		for _, rr := range rrs {
			if rr.Header().Rrtype == qtype || qtype == dns.TypeANY {
				a.answer = append(a.answer, dns.Copy(rr))
				matched++
			}
			if c, ok := rr.(*dns.CNAME); ok {
				cname = c
			}
		}
		if matched > 0 {
			return a
		}
		if cname == nil {
			if !z.exists(name) {
				a.rcode = dns.RcodeNameError
			}
			a.authority = []dns.RR{dns.Copy(z.soa)}
			return a
		}
		a.answer = append(a.answer, dns.Copy(cname))
		name = canonical(cname.Target)
		if slices.Contains(seen, name) {
			// A CNAME loop: resolvers report SERVFAIL for it.
			return answer{rcode: dns.RcodeServerFailure}
		}
	}
	return answer{rcode: dns.RcodeServerFailure}
}
