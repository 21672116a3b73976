package checks

import (
	"context"
	"iter"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync"

	"github.com/mailcfg/mailcfg/providers"
)

// AuditOptions says what an audit looks at beyond the domain's own records.
type AuditOptions struct {
	// Provider, when set, adds its DKIM selectors and SPF include to the
	// checks and checks its delegation and bounce records (provider.*).
	Provider *providers.Profile
	// Selectors are DKIM selectors that must exist.
	Selectors []string
	// IPs are sending addresses: each gets PTR / FCrDNS and DNSBL checks.
	IPs []net.IP
	// DNSBLZones are the blocklists to ask; DefaultDNSBLZones when empty.
	DNSBLZones []string
	// HTTPClient fetches the MTA-STS policy; NewMTASTSClient over the
	// audit's resolver when nil.
	HTTPClient *http.Client
	// NoCommonSelectors skips probing CommonSelectors.
	NoCommonSelectors bool
	// ResolverAddrs are the addresses (host:port or IP) of the resolvers r
	// asks, so that with IPs the audit can warn when blocklists are asked
	// through a public resolver (dnsbl.resolver); when empty, those of r if
	// it is a *DNSResolver or a Cache over one (ResolverServers).
	ResolverAddrs []string
}

// auditAreas is the order areas are reported in.
var auditAreas = []string{"dns", "domain", "mx", "spf", "dkim", "dmarc", "mta_sts", "tlsrpt", "ptr", "dnsbl", "dnssec", "dane", "bimi", "provider"}

// Audit checks everything domain publishes for mail: MX, SPF, DKIM, DMARC,
// MTA-STS, TLS-RPT, DNSSEC and DANE, BIMI, and with opts.IPs the reverse DNS
// and blocklist status of the sending addresses, and with opts.Provider the
// provider's records. A domain that does not exist (NXDOMAIN) gets one
// domain.exists fail instead of every area's missing records. Every area runs at once over one Cache of r, so a name
// is asked once and the audit takes about as long as its deepest chain of
// dependent lookups. Each finding goes to sink (an EventFinding with Job set
// to the domain) the moment it is made; Audit returns them all, grouped by
// area in a fixed order, worst first. A lookup that fails makes an error
// finding, never a missing or failing one; when every question failed at the
// resolver itself (timeouts, network errors, refusals, but not a SERVFAIL
// for a name), one more error finding, dns.resolver, says so once, after the
// others.
func Audit(ctx context.Context, r Resolver, domain string, opts AuditOptions, sink Sink) []Finding {
	domain = auBare(domain)
	watch := &resolverWatch{next: r}
	c := NewCache(watch)
	em := &emitter{sink: sink, job: domain}
	gate := &existsGate{em: em}
	emit := gate.add
	client := opts.HTTPClient
	if client == nil {
		client = NewMTASTSClient(c, nil, 0, 0)
	}
	explicit := append([]string(nil), opts.Selectors...)
	var probe []string
	if p := opts.Provider; p != nil {
		vals := p.Values("", domain)
		for _, s := range p.DKIM.Selectors {
			if v, missing := providers.Expand(s, vals); len(missing) == 0 {
				probe = append(probe, v)
			}
		}
	}
	if !opts.NoCommonSelectors {
		probe = append(probe, CommonSelectors...)
	}
	var includes []string
	if p := opts.Provider; p != nil {
		if inc := p.SPFInclude(""); inc != "" {
			includes = append(includes, inc)
		}
	}
	zones := opts.DNSBLZones
	if len(zones) == 0 {
		zones = DefaultDNSBLZones
	}

	jobs := []func(){
		func() { auditExists(ctx, c, domain, gate) },
		func() { auditMX(ctx, c, domain, emit) },
		func() { emit(AuditSPF(ctx, c, domain, SPFAuditOptions{ProviderIncludes: includes})...) },
		func() { auditDKIM(ctx, c, domain, explicit, probe, emit) },
		func() { auditDMARC(ctx, c, domain, emit) },
		func() { auditMTASTS(ctx, c, domain, client, emit) },
		func() { auditTLSRPT(ctx, c, domain, emit) },
		func() { auditDNSSEC(ctx, c, domain, emit) },
		func() { auditDANE(ctx, c, domain, emit) },
		func() { auditBIMI(ctx, c, domain, emit) },
	}
	for _, ip := range opts.IPs {
		jobs = append(jobs, func() { auditPTR(ctx, c, ip, emit) })
	}
	if len(opts.IPs) > 0 {
		jobs = append(jobs, func() { auditDNSBL(ctx, c, opts.IPs, zones, emit) })
		servers := opts.ResolverAddrs
		if len(servers) == 0 {
			servers = ResolverServers(r)
		}
		if f, ok := dnsblResolverFinding(servers); ok {
			emit(f)
		}
	}
	if opts.Provider != nil {
		jobs = append(jobs, func() { auditProvider(ctx, c, domain, opts.Provider, emit) })
	}
	var wg sync.WaitGroup
	for _, j := range jobs {
		wg.Add(1)
		go func() { defer wg.Done(); j() }()
	}
	wg.Wait()
	em.mu.Lock()
	collapsed := Summarize(em.out).Error
	em.mu.Unlock()
	if ctx.Err() == nil {
		fallback := opts.ResolverAddrs
		if len(fallback) == 0 {
			fallback = ResolverServers(r)
		}
		if f, ok := watch.resolverFinding(domain, fallback, collapsed); ok {
			em.add(f)
		}
	}
	em.mu.Lock()
	out := append([]Finding(nil), em.out...)
	em.mu.Unlock()
	SortAudit(out)
	return out
}

// SortAudit orders findings by audit area (dns, domain, mx, spf, dkim, dmarc, mta_sts,
// tlsrpt, ptr, dnsbl, dnssec, dane, bimi, provider, then others by name)
// and, within an area, worst first; equal findings keep their order.
func SortAudit(fs []Finding) {
	rank := func(a string) int {
		for i, x := range auditAreas {
			if x == a {
				return i
			}
		}
		return len(auditAreas)
	}
	sort.SliceStable(fs, func(i, j int) bool {
		ai, aj := fs[i].Area(), fs[j].Area()
		if ri, rj := rank(ai), rank(aj); ri != rj {
			return ri < rj
		}
		if ai != aj {
			return ai < aj
		}
		return fs[i].Status.Severity() > fs[j].Status.Severity()
	})
}

// DomainReport is one domain's audit in AuditMany.
type DomainReport struct {
	Index    int // position in the input, from 0
	Domain   string
	Findings []Finding
	Summary  Summary
}

// AuditMany audits domains, at most concurrency at a time (8 when <= 0),
// reading them from the sequence only as workers free up and handing each
// finished report to each (calls are serialised, in completion order). Each
// domain gets its own Cache, dropped when its audit ends, so memory does not
// grow with the number of domains. Findings also stream to sink, with Job
// set to the domain; sink calls are serialised.
func AuditMany(ctx context.Context, r Resolver, domains iter.Seq[string], opts AuditOptions, concurrency int, sink Sink, each func(DomainReport)) {
	if concurrency <= 0 {
		concurrency = 8
	}
	if each == nil {
		each = func(DomainReport) {}
	}
	var mu sync.Mutex
	safeSink := func(e Event) {
		if sink == nil {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		sink(e)
	}
	var emu sync.Mutex
	type item struct {
		i int
		d string
	}
	work := make(chan item)
	var wg sync.WaitGroup
	for range concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for it := range work {
				fs := Audit(ctx, r, it.d, opts, safeSink)
				rep := DomainReport{Index: it.i, Domain: auBare(it.d), Findings: fs, Summary: Summarize(fs)}
				emu.Lock()
				each(rep)
				emu.Unlock()
			}
		}()
	}
	i := 0
	for d := range domains {
		if strings.TrimSpace(d) == "" {
			continue
		}
		select {
		case work <- item{i, d}:
			i++
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
	}
	close(work)
	wg.Wait()
}
