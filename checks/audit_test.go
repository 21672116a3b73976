package checks_test

import (
	"context"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"
	"go.uber.org/goleak"

	"github.com/mailcfg/mailcfg/checks"
	"github.com/mailcfg/mailcfg/sandbox"
)

func auditSandbox(t testing.TB) *sandbox.Sandbox {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	sb, err := sandbox.Start(ctx, sandbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sb.Close() })
	return sb
}

// TestAuditSandboxClean audits the sandbox's example.test, which publishes
// everything right: no finding may be fail or error, and the core areas must
// pass.
func TestAuditSandboxClean(t *testing.T) {
	sb := auditSandbox(t)
	r := resolverFor(sb.DNS, time.Second)
	_, port, _ := net.SplitHostPort(sb.HTTPSAddr)
	p, _ := strconv.Atoi(port)
	opts := checks.AuditOptions{
		Selectors:  []string{sb.DKIMSelector, sb.DKIMEd25519Selector},
		HTTPClient: checks.NewMTASTSClient(r, sb.CertPool(), p, 5*time.Second),
		IPs:        []net.IP{net.ParseIP("127.0.0.1")},
		DNSBLZones: []string{"bl.test"},
	}
	if err := sb.DNS.AddZoneText("bl.test.", "2.0.0.127 A 127.0.0.2\n"); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var streamed []checks.Finding
	sink := func(e checks.Event) {
		if e.Kind != checks.EventFinding {
			t.Errorf("unexpected event kind %v", e.Kind)
			return
		}
		mu.Lock()
		streamed = append(streamed, e.Finding)
		mu.Unlock()
	}
	fs := checks.Audit(context.Background(), r, sb.Domain, opts, sink)
	for _, f := range fs {
		if f.Status == checks.StatusFail || f.Status == checks.StatusError {
			t.Errorf("clean sandbox gave %s %s: %s | %s | %s", f.Status, f.ID, f.Title, f.Detail, f.Evidence)
		}
	}
	for _, id := range []string{"mx.present", "mx.resolves", "spf.present", "dkim.present", "dmarc.present", "dmarc.policy",
		"mta_sts.present", "mta_sts.policy", "mta_sts.mx", "tlsrpt.present", "ptr.fcrdns"} {
		got := find(fs, id)
		if len(got) == 0 || !slices.ContainsFunc(got, func(f checks.Finding) bool { return f.Status == checks.StatusPass }) {
			t.Errorf("want %s pass; got:\n%s", id, dump(got))
		}
	}
	if keys := find(fs, "dkim.key"); len(keys) != 2 {
		t.Errorf("want two dkim.key findings (RSA and Ed25519), got:\n%s", dump(keys))
	}
	// Every finding was streamed, once.
	if len(streamed) != len(fs) {
		t.Errorf("streamed %d findings, returned %d", len(streamed), len(fs))
	}
	if s := checks.Summarize(fs); s.Fail+s.Error != 0 || s.Pass == 0 {
		t.Errorf("summary %+v", s)
	}
}

// countingResolver records every question that reaches it.
type countingResolver struct {
	next checks.Resolver
	mu   sync.Mutex
	seen map[string]int
}

func (c *countingResolver) Lookup(ctx context.Context, name string, qtype uint16) (*checks.Answer, error) {
	c.mu.Lock()
	c.seen[dns.Fqdn(name)+"/"+dns.TypeToString[qtype]]++
	c.mu.Unlock()
	return c.next.Lookup(ctx, name, qtype)
}

// TestAuditAsksEachQuestionOnce checks that the areas share one cache: no
// question reaches the resolver twice in one audit, although MX, MTA-STS
// and DANE all need the MX set, and DMARC and BIMI the DMARC record.
func TestAuditAsksEachQuestionOnce(t *testing.T) {
	z := startZoo(t)
	cr := &countingResolver{next: z.r, seen: map[string]int{}}
	opts := checks.AuditOptions{Selectors: []string{"s1"}, HTTPClient: z.sts.client(cr)}
	fs := checks.Audit(context.Background(), cr, "good.test", opts, nil)
	if len(fs) == 0 {
		t.Fatal("no findings")
	}
	for q, n := range cr.seen {
		if n != 1 {
			t.Errorf("%s asked %d times", q, n)
		}
	}
	if cr.seen["good.test./MX"] != 1 || cr.seen["_dmarc.good.test./TXT"] != 1 {
		t.Errorf("expected questions missing: %v", cr.seen)
	}
}

// TestAuditCancelled checks that a cancelled audit returns, with error
// findings rather than fails, and leaves no goroutine behind.
func TestAuditCancelled(t *testing.T) {
	z := startZoo(t)
	z.dns.SetDelay(time.Second)
	defer z.dns.SetDelay(0)
	// The server's handlers still sleeping in SetDelay are the server's, not the
	// audit's.
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent(), goleak.IgnoreTopFunction("github.com/mailcfg/mailcfg/sandbox.(*DNSServer).serveDNS"))
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	fs := checks.Audit(ctx, z.r, "good.test", checks.AuditOptions{Selectors: []string{"s1"}, NoCommonSelectors: true, HTTPClient: z.sts.client(z.r)}, nil)
	for _, f := range fs {
		if f.Status == checks.StatusFail {
			t.Errorf("a cancelled lookup became a fail: %+v", f)
		}
	}
	if len(find(fs, "dmarc.present")) == 0 || find(fs, "dmarc.present")[0].Status != checks.StatusError {
		t.Errorf("dmarc.present should be error: %s", dump(find(fs, "dmarc.present")))
	}
}

// TestAuditMany audits a stream of domains with bounded parallelism: every
// domain gets one report, no more than the limit run at once.
func TestAuditMany(t *testing.T) {
	z := startZoo(t)
	names := []string{}
	for _, c := range zooCases()[:12] {
		names = append(names, c.name+".test")
	}
	seq := func(yield func(string) bool) {
		for _, n := range names {
			if !yield(n) {
				return
			}
		}
	}
	var got []checks.DomainReport
	checks.AuditMany(context.Background(), z.r, seq, checks.AuditOptions{Selectors: []string{"s1"}, NoCommonSelectors: true, HTTPClient: z.sts.client(z.r)}, 3, nil,
		func(rep checks.DomainReport) { got = append(got, rep) })
	if len(got) != len(names) {
		t.Fatalf("got %d reports for %d domains", len(got), len(names))
	}
	seen := map[int]string{}
	for _, rep := range got {
		seen[rep.Index] = rep.Domain
		if rep.Summary != checks.Summarize(rep.Findings) || len(rep.Findings) == 0 {
			t.Errorf("%s: bad report %+v", rep.Domain, rep.Summary)
		}
	}
	for i, n := range names {
		if seen[i] != n {
			t.Errorf("index %d: %q, want %q", i, seen[i], n)
		}
	}
	if mx := find(got[slices.IndexFunc(got, func(r checks.DomainReport) bool { return r.Domain == "nomxnoa.test" })].Findings, "mx.present"); len(mx) == 0 || mx[0].Status != checks.StatusFail {
		t.Errorf("nomxnoa: %s", dump(mx))
	}
}

// TestAuditStreams checks that findings reach the sink as they are made: the
// MTA-STS policy server holds its answer until the sink has received a
// finding, which only a streaming audit can deliver.
func TestAuditStreams(t *testing.T) {
	z := startZoo(t)
	wait, released := make(chan struct{}), make(chan bool, 1)
	z.sts.set("mta-sts.good.test", stsPage{body: stsPolicy("enforce", "mx.good.test", 604800), wait: wait, released: released})
	var once sync.Once
	first := ""
	sink := func(e checks.Event) {
		if e.Kind == checks.EventFinding && e.Job == "good.test" {
			once.Do(func() { first = e.Finding.ID; close(wait) })
		}
	}
	fs := checks.Audit(context.Background(), z.r, "good.test", checks.AuditOptions{Selectors: []string{"s1"}, NoCommonSelectors: true, HTTPClient: z.sts.client(z.r)}, sink)
	if ok := <-released; !ok {
		t.Fatal("no finding was streamed while the MTA-STS fetch was pending")
	}
	if strings.HasPrefix(first, "mta_sts.policy") {
		t.Errorf("first streamed finding %q", first)
	}
	if p := find(fs, "mta_sts.policy"); len(p) != 1 || p[0].Status != checks.StatusPass {
		t.Errorf("policy after release: %s", dump(p))
	}
}
