package checks

import (
	"context"
	"strings"
	"sync"

	"github.com/miekg/dns"
)

// The states of an existsGate.
const (
	existsUnknown = iota // the question is still in flight: hold findings
	existsOpen           // the domain exists, or we could not tell: pass all
	existsNX             // the domain does not exist: collapse
)

// existsGate sits between an audit's checks and its emitter. While the
// question "does the domain exist?" is in flight, findings about the domain
// are held; when the answer is yes (or unknown), they pass, held ones first;
// when the domain does not exist (NXDOMAIN, RFC 1035 §4.1.1; nothing exists
// below it either, RFC 8020 §2), one domain.exists fail replaces every other
// area's "missing record" findings. Findings about the sending IPs (ptr,
// dnsbl) are not about the domain and always pass. The checks themselves
// never wait for the gate, so the audit's latency stays that of its deepest
// lookup chain.
type existsGate struct {
	mu    sync.Mutex
	em    *emitter
	state int
	held  []Finding
}

func (g *existsGate) add(fs ...Finding) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, f := range fs {
		switch {
		case !aboutDomain(f) || g.state == existsOpen:
			g.em.add(f)
		case g.state == existsUnknown:
			g.held = append(g.held, f)
		case keepWhenNX(f):
			g.em.add(f)
		}
	}
}

// decide records the answer: f (domain.exists) is emitted, then the held
// findings pass or are dropped.
func (g *existsGate) decide(nx bool, f Finding) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.em.add(f)
	g.state = existsOpen
	if nx {
		g.state = existsNX
	}
	for _, h := range g.held {
		if !nx || keepWhenNX(h) {
			g.em.add(h)
		}
	}
	g.held = nil
}

// aboutDomain reports whether a finding is about the audited domain's own
// records rather than the sending addresses.
func aboutDomain(f Finding) bool {
	switch f.Area() {
	case "ptr", "dnsbl", "domain":
		return false
	}
	return true
}

// keepWhenNX says which domain findings survive a nonexistent domain: the
// DMARC policy found by the tree walk at the organisational domain (RFC 9989
// §4.10), which still governs mail that claims the name; its np= tag is
// for exactly such names. Everything else only repeats that nothing exists.
func keepWhenNX(f Finding) bool {
	return f.Area() == "dmarc" && f.Status != StatusFail && f.Status != StatusError
}

// auditExists asks for the domain's SOA (the same question auditDNSSEC asks,
// so through the audit's Cache it costs nothing) and opens or collapses the
// gate: NXDOMAIN is a domain.exists fail, a failed lookup an error (and every
// finding is kept), any other answer a pass.
func auditExists(ctx context.Context, r Resolver, domain string, g *existsGate) {
	a, err := r.Lookup(ctx, domain, dns.TypeSOA)
	if err != nil {
		g.decide(false, couldNotCheck("domain.exists", "whether "+domain+" exists", err))
		return
	}
	zone := ""
	for _, rr := range append(append([]dns.RR(nil), a.RRs...), a.Ns...) {
		if soa, ok := rr.(*dns.SOA); ok {
			zone = auBare(soa.Hdr.Name)
		}
	}
	if !a.NXDomain() {
		f := Finding{ID: "domain.exists", Status: StatusPass, Title: domain + " exists"}
		if zone != "" {
			f.Evidence = "in the zone " + zone
		}
		g.decide(false, f)
		return
	}
	f := Finding{ID: "domain.exists", Status: StatusFail,
		Title: domain + " does not exist (NXDOMAIN)",
		Detail: "The DNS answers that there is no such name, so it has no MX, SPF, DKIM, DMARC or any other " +
			"record: receivers refuse mail from it and cannot deliver mail to it. The other checks are left out. Mail that claims " +
			"the name anyway is judged by its organisational domain's DMARC policy (np=), shown below when there is one.",
		Fix: "Check the spelling; register the domain (or create the name at your DNS host).",
		Ref: "RFC 8020 §2"}
	ev := []string{domain + " SOA: NXDOMAIN"}
	if t := a.CNAMETarget(); t != "" {
		f.Title = domain + " is an alias (CNAME) of " + auBare(t) + ", which does not exist"
		f.Fix = "Point the CNAME at a name that exists, or remove it and publish the domain's own records."
		ev = append(ev, "CNAME "+auBare(t))
	}
	if zone != "" {
		ev = append(ev, "from the zone "+zone)
	}
	f.Evidence = strings.Join(ev, "; ")
	g.decide(true, f)
}
