package checks

import (
	"context"
	"strings"
	"sync"

	"github.com/miekg/dns"

	"github.com/mailcfg/mailcfg/records"
)

// spfPrefetch asks ahead, concurrently, the questions evaluation is about to
// ask: when a record is read, the lookups of its DNS-querying terms (and the
// records of its includes and redirect, and theirs) start at once, so that
// check_host() waits for its deepest chain of lookups rather than for their
// sum. Evaluation itself stays sequential and in order (RFC 7208 §4.6); the
// answers meet in the Cache both share. At most spfMaxLookups terms are
// asked ahead, the number evaluation itself may query (§4.6.4), so a record
// cannot make the prefetch send more than its limit allows.
type spfPrefetch struct {
	ctx    context.Context
	cancel context.CancelFunc
	r      Resolver
	ip6    bool
	wg     sync.WaitGroup

	mu     sync.Mutex
	budget int
	asked  map[string]bool
}

func newSPFPrefetch(ctx context.Context, r Resolver, ip6 bool) *spfPrefetch {
	ctx, cancel := context.WithCancel(ctx)
	return &spfPrefetch{ctx: ctx, cancel: cancel, r: r, ip6: ip6, budget: spfMaxLookups, asked: map[string]bool{}}
}

// record asks ahead the lookups of rec, the record of domain.
func (p *spfPrefetch) record(rec *records.SPF, domain string) {
	if p == nil {
		return
	}
	for _, t := range rec.Terms {
		if t.LookupCost() == 0 || (t.Name == records.SPFRedirect && rec.All() != nil) {
			continue
		}
		target := t.Domain
		if target == "" {
			target = domain
		}
		if strings.Contains(target, "%") {
			continue // depends on macros: left to evaluation
		}
		target = strings.ToLower(strings.TrimSuffix(target, "."))
		switch t.Name {
		case records.SPFInclude, records.SPFRedirect:
			p.ask(target, dns.TypeTXT, true, true)
		case records.SPFA:
			qt := dns.TypeA
			if p.ip6 {
				qt = dns.TypeAAAA
			}
			p.ask(target, qt, false, true)
		case records.SPFMX:
			p.ask(target, dns.TypeMX, true, true)
		case records.SPFExists:
			p.ask(target, dns.TypeA, false, true)
		}
	}
}

// ask starts one lookup unless it was asked already or, when it is charged
// as a term's lookup, the budget is spent.
// With follow, a TXT answer's SPF record has its lookups asked ahead too, and
// an MX answer the addresses of its first 10 hosts (the address lookups
// behind mx, §4.6.4, which do not count toward the 10).
func (p *spfPrefetch) ask(name string, qtype uint16, follow, charge bool) {
	key := name + "/" + dns.TypeToString[qtype]
	p.mu.Lock()
	if p.asked[key] || (charge && p.budget == 0) || !spfValidTarget(name) {
		p.mu.Unlock()
		return
	}
	p.asked[key] = true
	if charge {
		p.budget--
	}
	p.mu.Unlock()
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		a, err := p.r.Lookup(p.ctx, name, qtype)
		if err != nil || !follow {
			return
		}
		if qtype == dns.TypeMX {
			qt := dns.TypeA
			if p.ip6 {
				qt = dns.TypeAAAA
			}
			for i, rr := range a.Records() {
				if mx, ok := rr.(*dns.MX); ok && i < spfMaxAddrLookups && mx.Mx != "." {
					p.ask(strings.ToLower(strings.TrimSuffix(mx.Mx, ".")), qt, false, false)
				}
			}
			return
		}
		var recs []string
		for _, t := range TXTStrings(a) {
			if records.IsSPF(t) {
				recs = append(recs, t)
			}
		}
		if len(recs) != 1 {
			return
		}
		if rec, err := records.ParseSPF(recs[0]); err == nil {
			p.record(rec, name)
		}
	}()
}

// stop cancels what is still in flight and waits for it: nothing is left
// running once check_host() returns.
func (p *spfPrefetch) stop() {
	if p == nil {
		return
	}
	p.cancel()
	p.wg.Wait()
}
