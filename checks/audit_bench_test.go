package checks_test

import (
	"context"
	"fmt"
	"net"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/mailcfg/mailcfg/checks"
	"github.com/mailcfg/mailcfg/sandbox"
)

// sandboxChain is the deepest chain of dependent lookups in an audit of the
// sandbox's example.test with --ip: MX → the target's A/AAAA, MX → TLSA,
// _mta-sts TXT → mta-sts A/AAAA (then HTTPS), PTR → A/AAAA: two lookups.
const sandboxChain = 2

// BenchmarkAuditDelayed audits the sandbox's domain through its DNS server
// with 50 ms added to every answer, and reports the time as a multiple of
// the deepest lookup chain × 50 ms ("x-chain"): near 1 means every
// independent lookup ran at once; the sum of all lookups would be dozens.
func BenchmarkAuditDelayed(b *testing.B) {
	sb := auditSandbox(b)
	if err := sb.DNS.AddZoneText("bl.test.", "2.0.0.127 A 127.0.0.2\n"); err != nil {
		b.Fatal(err)
	}
	const delay = 50 * time.Millisecond
	sb.DNS.SetDelay(delay)
	r := resolverFor(sb.DNS, 2*time.Second)
	_, port, _ := net.SplitHostPort(sb.HTTPSAddr)
	p, _ := strconv.Atoi(port)
	opts := checks.AuditOptions{
		Selectors:  []string{sb.DKIMSelector, sb.DKIMEd25519Selector},
		HTTPClient: checks.NewMTASTSClient(r, sb.CertPool(), p, 5*time.Second),
		IPs:        []net.IP{net.ParseIP("127.0.0.1")},
		DNSBLZones: []string{"bl.test"},
	}
	start := sb.DNS.Queries()
	b.ResetTimer()
	t0 := time.Now()
	for range b.N {
		fs := checks.Audit(context.Background(), r, sb.Domain, opts, nil)
		if s := checks.Summarize(fs); s.Fail+s.Error > 0 {
			b.Fatalf("audit not clean: %+v\n%s", s, dump(fs))
		}
	}
	el := time.Since(t0) / time.Duration(b.N)
	b.ReportMetric(float64(el)/float64(sandboxChain*delay), "x-chain")
	b.ReportMetric(float64(sb.DNS.Queries()-start)/float64(b.N), "queries/op")
	b.ReportMetric(float64(sb.DNS.Queries()-start)/float64(b.N)*float64(delay)/float64(el), "x-speedup-vs-serial")
}

// auditManyConcurrency is how many domains BenchmarkAuditMany audits at once.
const auditManyConcurrency = 16

// auditManyN is how many domains the bulk benchmarks audit per op.
const auditManyN = 1000

// benchDomainZone returns the zone text of the bench domain
// d<label>.bench.test ("0042"), owner names relative to the domain.
func benchDomainZone(label string) string {
	var zone strings.Builder
	d := "d" + label + ".bench.test"
	for _, l := range baseZone(d) {
		if strings.HasPrefix(l, "s1._domainkey") {
			l = "s1._domainkey TXT " + txt("v=DKIM1; k=rsa; p="+key2048)
		}
		zone.WriteString(l + "\n")
	}
	return zone.String()
}

// benchOneZone returns the zone text of bench.test holding all n domains.
func benchOneZone(n int) string {
	var zone strings.Builder
	for i := range n {
		label := fmt.Sprintf("d%04d", i)
		for _, l := range strings.Split(strings.TrimSpace(benchDomainZone(label[1:])), "\n") {
			if rest, ok := strings.CutPrefix(l, "@ "); ok {
				l = label + " " + strings.Replace(strings.Replace(rest, "MX 10 mx", "MX 10 mx."+label, 1), "NS ns", "NS ns."+label, 1)
			} else {
				name, rest, _ := strings.Cut(l, " ")
				l = name + "." + label + " " + rest
			}
			zone.WriteString(l + "\n")
		}
	}
	return zone.String()
}

// BenchmarkAuditMany audits 1,000 domains served by a loopback DNS server
// that looks names up in maps (startFastDNS), 16 at a time, and reports
// domains per second and the peak heap in use (sampled every 5 ms), which
// must not grow with the number of domains.
func BenchmarkAuditMany(b *testing.B) {
	dkimKeys(b)
	fast := startFastDNS(b, "bench.test.", benchOneZone(auditManyN))
	benchAuditMany(b, &checks.DNSResolver{Servers: []string{fast}, Timeout: 2 * time.Second})
}

// BenchmarkAuditManySandbox is BenchmarkAuditMany through the sandbox's own
// DNS server, with the 1,000 domains in one zone (bench.test: the server's
// name index is what counts) and in a zone each (its zone index counts).
func BenchmarkAuditManySandbox(b *testing.B) {
	dkimKeys(b)
	b.Run("one-zone", func(b *testing.B) {
		d := benchSandboxDNS(b)
		if err := d.AddZoneText("bench.test.", benchOneZone(auditManyN)); err != nil {
			b.Fatal(err)
		}
		benchAuditMany(b, resolverFor(d, 2*time.Second))
	})
	b.Run("zone-per-domain", func(b *testing.B) {
		d := benchSandboxDNS(b)
		if err := d.AddZoneText("bench.test.", "@ NS ns\nns A 127.0.0.1\n"); err != nil {
			b.Fatal(err)
		}
		for i := range auditManyN {
			label := fmt.Sprintf("%04d", i)
			if err := d.AddZoneText("d"+label+".bench.test.", benchDomainZone(label)); err != nil {
				b.Fatal(err)
			}
		}
		benchAuditMany(b, resolverFor(d, 2*time.Second))
	})
}

// benchSandboxDNS starts a sandbox DNS server alone for a benchmark.
func benchSandboxDNS(b *testing.B) *sandbox.DNSServer {
	b.Helper()
	d, err := sandbox.StartDNS(context.Background(), "")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = d.Close() })
	return d
}

// benchAuditMany audits d0000.bench.test … d0999.bench.test through r, 16
// at a time, and reports domains/s, the peak heap and the error findings
// per op; any fail finding fails the benchmark.
func benchAuditMany(b *testing.B, r checks.Resolver) {
	opts := checks.AuditOptions{Selectors: []string{"s1"}}
	var peak atomic.Uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		var ms runtime.MemStats
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				runtime.ReadMemStats(&ms)
				if ms.HeapInuse > peak.Load() {
					peak.Store(ms.HeapInuse)
				}
			}
		}
	}()
	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	b.ResetTimer()
	t0 := time.Now()
	total, errs := 0, 0
	for range b.N {
		seq := func(yield func(string) bool) {
			for i := range auditManyN {
				if !yield(fmt.Sprintf("d%04d.bench.test", i)) {
					return
				}
			}
		}
		checks.AuditMany(context.Background(), r, seq, opts, auditManyConcurrency, nil, func(rep checks.DomainReport) {
			total++
			errs += rep.Summary.Error
			if rep.Summary.Fail > 0 {
				b.Errorf("%s: %d fails: %s", rep.Domain, rep.Summary.Fail, strings.TrimSpace(dump(rep.Findings)))
			}
		})
	}
	el := time.Since(t0)
	close(stop)
	<-done
	b.ReportMetric(float64(total)/el.Seconds(), "domains/s")
	b.ReportMetric(float64(peak.Load())/(1<<20), "peak-heap-MB")
	b.ReportMetric(float64(base.HeapInuse)/(1<<20), "start-heap-MB")
	// Timeouts of a loopback server that drops UDP under load are reported,
	// as the audit reports them: as could-not-check, never as fail.
	b.ReportMetric(float64(errs)/float64(b.N), "error-findings/op")
}

// startFastDNS serves one zone from maps on loopback, UDP and TCP: records
// by name, NXDOMAIN for names that neither own records nor have names below
// them, NODATA otherwise, the SOA in the authority section of both.
func startFastDNS(b *testing.B, origin, text string) string {
	b.Helper()
	rrs := map[string][]dns.RR{}
	exists := map[string]bool{}
	zp := dns.NewZoneParser(strings.NewReader("$TTL 300\n"+text), origin, "")
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		name := strings.ToLower(rr.Header().Name)
		rrs[name] = append(rrs[name], rr)
		for n := name; ; {
			exists[n] = true
			i, end := dns.NextLabel(n, 0)
			if end || n == origin {
				break
			}
			n = n[i:]
		}
	}
	if err := zp.Err(); err != nil {
		b.Fatal(err)
	}
	soa, _ := dns.NewRR(origin + " 300 SOA ns." + origin + " host." + origin + " 1 7200 3600 1209600 300")
	h := dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(r)
		m.Authoritative, m.RecursionAvailable = true, true
		q := r.Question[0]
		name := strings.ToLower(q.Name)
		if !dns.IsSubDomain(origin, name) {
			if name != "test." && !dns.IsSubDomain(name, "test.") {
				m.Rcode = dns.RcodeRefused
			} else {
				m.Rcode = dns.RcodeNameError
			}
			_ = w.WriteMsg(m)
			return
		}
		for _, rr := range rrs[name] {
			if rr.Header().Rrtype == q.Qtype {
				m.Answer = append(m.Answer, rr)
			}
		}
		if len(m.Answer) == 0 {
			if !exists[name] {
				m.Rcode = dns.RcodeNameError
			}
			m.Ns = []dns.RR{soa}
		}
		if o := r.IsEdns0(); o != nil {
			m.SetEdns0(1232, false)
			if w.LocalAddr().Network() == "udp" {
				m.Truncate(int(o.UDPSize()))
			}
		} else if w.LocalAddr().Network() == "udp" {
			m.Truncate(dns.MinMsgSize)
		}
		_ = w.WriteMsg(m)
	})
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	ln, err := net.Listen("tcp", pc.LocalAddr().String())
	if err != nil {
		b.Fatal(err)
	}
	us := &dns.Server{PacketConn: pc, Handler: h}
	ts := &dns.Server{Listener: ln, Handler: h}
	go func() { _ = us.ActivateAndServe() }()
	go func() { _ = ts.ActivateAndServe() }()
	b.Cleanup(func() { _ = us.Shutdown(); _ = ts.Shutdown() })
	return pc.LocalAddr().String()
}
