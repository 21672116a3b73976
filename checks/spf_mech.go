package checks

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/miekg/dns"

	"github.com/mailcfg/mailcfg/records"
)

const (
	spfTypeTXT  = dns.TypeTXT
	spfTypeA    = dns.TypeA
	spfTypeAAAA = dns.TypeAAAA
)

// mechanism evaluates one mechanism (RFC 7208 §5) for the record of domain:
// whether it matches, or an *spfAbort (temperror, permerror).
func (e *spfEval) mechanism(domain string, depth int, t records.SPFTerm) (bool, error) {
	switch t.Name {
	case records.SPFAll:
		return true, nil
	case records.SPFIP4, records.SPFIP6:
		// §5.6: an address of the other version never matches.
		match := t.Prefix.Addr().Is4() == e.ip.Is4() && t.Prefix.Contains(e.ip)
		e.tracef(depth, "%s: %s: %s", domain, t.String(), spfMatchWord(match))
		return match, nil
	}
	if err := e.count(); err != nil {
		return false, err
	}
	target, err := e.target(t.Domain, domain)
	if err != nil {
		return false, err
	}
	step := func(format string, args ...any) {
		e.tracef(depth, "%s: %s (lookup %d/%d): %s", domain, t.String(), e.lookups, spfMaxLookups, fmt.Sprintf(format, args...))
	}
	if t.Name != records.SPFInclude && !spfValidTarget(target) {
		step("%q is not a valid domain name: no match", target)
		return false, nil
	}
	switch t.Name {
	case records.SPFInclude:
		step("checking %s", target)
		e.inInclude++
		sub := e.checkHost(target, depth+1, nil)
		e.inInclude--
		switch sub.result {
		case SPFPass:
			e.tracef(depth, "%s: include:%s gave pass: match", domain, target)
			return true, nil
		case SPFFail, SPFSoftFail, SPFNeutral:
			e.tracef(depth, "%s: include:%s gave %s: no match", domain, target, sub.result)
			return false, nil
		case SPFTempError:
			return false, &spfAbort{SPFTempError, "include:" + target + " gave temperror"}
		case SPFNone:
			// §5.2: an include of a domain without a record is a permerror.
			return false, spfPerm("include:%s has no SPF record", target)
		}
		return false, spfPerm("include:%s gave permerror", target)
	case records.SPFA:
		ips, err := e.addresses(target, true)
		if err != nil {
			return false, err
		}
		if len(ips) == 0 {
			step("%s has no address record (void lookup %d/%d): no match", target, e.voids, spfMaxVoid)
			return false, nil
		}
		match := e.inAny(ips, t)
		step("%s: %s", spfListAddrs(ips), spfMatchWord(match))
		return match, nil
	case records.SPFMX:
		return e.mx(target, t, step)
	case records.SPFPTR:
		names, err := e.ptrLookup(true)
		if err != nil {
			return false, err
		}
		var ok []string
		for _, n := range names {
			if spfIsSubdomain(n, target) {
				ok = append(ok, n)
			}
		}
		valid := e.validate(ok)
		match := len(valid) > 0
		if match {
			step("validated name %s is within %s: match", valid[0], target)
		} else {
			step("no validated PTR name within %s: no match", target)
		}
		return match, nil
	case records.SPFExists:
		a, err := e.r.Lookup(e.ctx, target, spfTypeA)
		if err != nil {
			return false, spfTemp(err)
		}
		ips := spfAddrs(a)
		if len(ips) == 0 {
			if err := e.void(target); err != nil {
				return false, err
			}
			step("%s has no A record (void lookup %d/%d): no match", target, e.voids, spfMaxVoid)
			return false, nil
		}
		step("%s exists (%s): match", target, ips[0])
		return true, nil
	}
	return false, spfPerm("unknown mechanism %s", t.Name)
}

// mx evaluates the mx mechanism (RFC 7208 §5.4): the MX hosts of target, at
// most 10 of them (§4.6.4: more is a permerror), and their addresses.
func (e *spfEval) mx(target string, t records.SPFTerm, step func(string, ...any)) (bool, error) {
	a, err := e.r.Lookup(e.ctx, target, dns.TypeMX)
	if err != nil {
		return false, spfTemp(err)
	}
	var hosts []string
	for _, rr := range a.Records() {
		if mx, ok := rr.(*dns.MX); ok {
			hosts = append(hosts, mx.Mx)
		}
	}
	if len(hosts) == 0 {
		if err := e.void(target); err != nil {
			return false, err
		}
		step("%s has no MX record (void lookup %d/%d): no match", target, e.voids, spfMaxVoid)
		return false, nil
	}
	if len(hosts) > spfMaxAddrLookups {
		return false, spfPerm("%s has %d MX records; at most %d may be looked up (RFC 7208 §4.6.4)", target, len(hosts), spfMaxAddrLookups)
	}
	var firstErr error
	for _, h := range hosts {
		if h == "." {
			continue // null MX (RFC 7505)
		}
		ips, err := e.addresses(h, false)
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		if e.inAny(ips, t) {
			step("MX %s has %s: match", strings.TrimSuffix(h, "."), spfListAddrs(ips))
			return true, nil
		}
	}
	if firstErr != nil {
		return false, firstErr
	}
	step("MX hosts %s: no match", strings.Join(spfTrimDots(hosts), ", "))
	return false, nil
}

// addresses looks up name's A records for an IPv4 client or AAAA for IPv6
// (RFC 7208 §5.3). countVoid charges an empty answer to the void limit.
func (e *spfEval) addresses(name string, countVoid bool) ([]netip.Addr, error) {
	qt := spfTypeA
	if e.ip.Is6() {
		qt = spfTypeAAAA
	}
	a, err := e.r.Lookup(e.ctx, name, qt)
	if err != nil {
		return nil, spfTemp(err)
	}
	ips := spfAddrs(a)
	if len(ips) == 0 && countVoid {
		return nil, e.void(name)
	}
	return ips, nil
}

// inAny reports whether the client address is within any of ips, each
// widened to the term's prefix length (RFC 7208 §5.6 dual-cidr-length).
func (e *spfEval) inAny(ips []netip.Addr, t records.SPFTerm) bool {
	for _, ip := range ips {
		ip = ip.Unmap()
		if ip.Is4() != e.ip.Is4() {
			continue
		}
		bits := t.CIDR6
		if ip.Is4() {
			bits = t.CIDR4
		}
		p, err := ip.Prefix(bits)
		if err == nil && p.Contains(e.ip) {
			return true
		}
	}
	return false
}

// ptrLookup returns the first 10 PTR names of the client address (RFC 7208
// §5.5, §4.6.4). A DNS error means no names; countVoid charges an empty
// answer to the void limit.
func (e *spfEval) ptrLookup(countVoid bool) ([]string, error) {
	a, err := e.r.Lookup(e.ctx, spfReverseName(e.ip), dns.TypePTR)
	if err != nil {
		return nil, nil // §5.5: a DNS error on the PTR lookup is no match
	}
	var names []string
	for _, rr := range a.Records() {
		if p, ok := rr.(*dns.PTR); ok {
			names = append(names, strings.TrimSuffix(p.Ptr, "."))
		}
	}
	if len(names) == 0 && countVoid {
		return nil, e.void(spfReverseName(e.ip))
	}
	if len(names) > spfMaxAddrLookups {
		names = names[:spfMaxAddrLookups]
	}
	return names, nil
}

// validate returns the names whose addresses include the client address
// (RFC 7208 §5.5); a name whose lookup fails is skipped.
func (e *spfEval) validate(names []string) []string {
	var out []string
	for _, n := range names {
		ips, err := e.addresses(n, false)
		if err != nil {
			continue
		}
		for _, ip := range ips {
			if ip.Unmap() == e.ip {
				out = append(out, n)
				break
			}
		}
	}
	return out
}

// target expands a domain-spec (or takes the current domain when there is
// none) into the name to query, truncated to 253 bytes (RFC 7208 §4.8, §7.3).
func (e *spfEval) target(spec, domain string) (string, error) {
	if spec == "" {
		return domain, nil
	}
	ms, err := records.ParseSPFMacros(spec, false)
	if err != nil {
		return "", spfPerm("%v", err)
	}
	s, err := e.expand(ms, domain, false)
	if err != nil {
		return "", err
	}
	return spfTruncate(s), nil
}

// validTarget reports whether a name can be asked: labels of 1 to 63 bytes.
func spfValidTarget(name string) bool {
	name = strings.TrimSuffix(name, ".")
	if name == "" || len(name) > 253 {
		return false
	}
	for _, l := range strings.Split(name, ".") {
		if l == "" || len(l) > 63 {
			return false
		}
	}
	return true
}

// isSubdomain reports whether name is domain or below it, ignoring case and
// trailing dots.
func spfIsSubdomain(name, domain string) bool {
	name = strings.ToLower(strings.TrimSuffix(name, "."))
	domain = strings.ToLower(strings.TrimSuffix(domain, "."))
	return name == domain || strings.HasSuffix(name, "."+domain)
}

func spfMatchWord(m bool) string {
	if m {
		return "match"
	}
	return "no match"
}

func spfListAddrs(ips []netip.Addr) string {
	if len(ips) == 0 {
		return "no addresses"
	}
	s := make([]string, len(ips))
	for i, ip := range ips {
		s[i] = ip.String()
	}
	return strings.Join(s, ", ")
}

func spfTrimDots(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = strings.TrimSuffix(n, ".")
	}
	return out
}
