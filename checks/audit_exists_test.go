package checks_test

import (
	"context"
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/miekg/dns"

	"github.com/mailcfg/mailcfg/checks"
	"github.com/mailcfg/mailcfg/sandbox"
)

// auditStreamed audits domain and returns the findings it returned and those
// it streamed to its sink.
func auditStreamed(t *testing.T, r checks.Resolver, domain string, opts checks.AuditOptions) (fs, streamed []checks.Finding) {
	t.Helper()
	var mu sync.Mutex
	sink := func(e checks.Event) {
		mu.Lock()
		defer mu.Unlock()
		streamed = append(streamed, e.Finding)
	}
	fs = checks.Audit(context.Background(), r, domain, opts, sink)
	return fs, streamed
}

// TestAuditNXDomain audits a domain that does not exist: one domain.exists
// fail with the fix, none of the other areas' missing records, nothing else
// streamed either; findings about the sending IPs stay.
func TestAuditNXDomain(t *testing.T) {
	z := startZoo(t)
	mustZone(t, z.dns, "bl.test.", "2.0.0.127 A 127.0.0.2\n")
	opts := checks.AuditOptions{Selectors: []string{"s1"}, HTTPClient: z.sts.client(z.r),
		IPs: []net.IP{net.ParseIP("192.0.2.99")}, DNSBLZones: []string{"bl.test"}}
	fs, streamed := auditStreamed(t, z.r, "nosuch.test", opts)
	ex := find(fs, "domain.exists")
	if len(ex) != 1 || ex[0].Status != checks.StatusFail || !strings.Contains(ex[0].Title, "nosuch.test does not exist") ||
		!strings.Contains(ex[0].Fix, "check the spelling; register the domain") && !strings.Contains(ex[0].Fix, "Check the spelling; register the domain") ||
		!strings.Contains(ex[0].Evidence, "NXDOMAIN") {
		t.Fatalf("domain.exists:\n%s", dump(ex))
	}
	if fs[0].ID != "domain.exists" {
		t.Errorf("domain.exists is not reported first: %s", fs[0].ID)
	}
	for _, f := range fs {
		switch f.Area() {
		case "domain", "ptr", "dnsbl":
		default:
			t.Errorf("a finding about the nonexistent domain was kept: %s %s: %s", f.Status, f.ID, f.Title)
		}
	}
	if s := checks.Summarize(fs); s.Fail != 1 {
		t.Errorf("want exactly one fail (domain.exists), got %+v:\n%s", s, dump(fs))
	}
	if len(find(fs, "dnsbl.listed")) != 1 || len(find(fs, "ptr.present")) != 1 {
		t.Errorf("IP findings were dropped:\n%s", dump(fs))
	}
	if len(streamed) != len(fs) {
		t.Errorf("streamed %d findings, returned %d: dropped findings must not be streamed\n%s", len(streamed), len(fs), dump(streamed))
	}
}

// TestAuditNXSubdomainKeepsDMARC audits a nonexistent subdomain of a domain
// with DMARC: the organisational domain's policy, found by the tree walk,
// still governs mail claiming the name and is kept.
func TestAuditNXSubdomainKeepsDMARC(t *testing.T) {
	z := startZoo(t)
	fs, _ := auditStreamed(t, z.r, "a.b.good.test", checks.AuditOptions{NoCommonSelectors: true, HTTPClient: z.sts.client(z.r)})
	if ex := find(fs, "domain.exists"); len(ex) != 1 || ex[0].Status != checks.StatusFail || !strings.Contains(ex[0].Evidence, "good.test") {
		t.Fatalf("domain.exists:\n%s", dump(ex))
	}
	if d := find(fs, "dmarc.present"); len(d) != 1 || !strings.Contains(d[0].Title, "_dmarc.good.test") {
		t.Errorf("the DMARC tree walk's finding was dropped:\n%s", dump(fs))
	}
	for _, id := range []string{"mx.present", "spf.present", "dkim.present", "tlsrpt.present", "mta_sts.present", "bimi.present"} {
		if got := find(fs, id); len(got) > 0 {
			t.Errorf("want no %s for a nonexistent domain:\n%s", id, dump(got))
		}
	}
}

// TestAuditExistsStates covers the other answers to the existence question:
// a domain that exists passes and keeps every finding; SERVFAIL on it is an
// error, never a fail, and keeps every finding; an alias to nowhere is a
// fail that names the CNAME.
func TestAuditExistsStates(t *testing.T) {
	z := startZoo(t)
	opts := checks.AuditOptions{Selectors: []string{"s1"}, NoCommonSelectors: true, HTTPClient: z.sts.client(z.r)}

	fs, streamed := auditStreamed(t, z.r, "good.test", opts)
	if ex := find(fs, "domain.exists"); len(ex) != 1 || ex[0].Status != checks.StatusPass || ex[0].Evidence != "in the zone good.test" {
		t.Errorf("good.test domain.exists:\n%s", dump(ex))
	}
	if len(find(fs, "mx.present")) != 1 || len(streamed) != len(fs) {
		t.Errorf("good.test: %d streamed, %d returned:\n%s", len(streamed), len(fs), dump(fs))
	}

	mustZone(t, z.dns, "sf.test.", strings.Join(baseZone("sf.test"), "\n")+"\n")
	z.dns.Fail("sf.test", dns.TypeSOA, sandbox.FailServFail)
	fs, _ = auditStreamed(t, z.r, "sf.test", opts)
	if ex := find(fs, "domain.exists"); len(ex) != 1 || ex[0].Status != checks.StatusError || !strings.Contains(ex[0].Title, "SERVFAIL") {
		t.Errorf("sf.test domain.exists:\n%s", dump(ex))
	}
	if mx := find(fs, "mx.present"); len(mx) != 1 || mx[0].Status != checks.StatusPass {
		t.Errorf("sf.test: the other areas must be kept:\n%s", dump(fs))
	}

	mustZone(t, z.dns, "cn.test.", "dangling CNAME gone.cn.test.\n")
	fs, _ = auditStreamed(t, z.r, "dangling.cn.test", opts)
	if ex := find(fs, "domain.exists"); len(ex) != 1 || ex[0].Status != checks.StatusFail || !strings.Contains(ex[0].Title, "alias (CNAME) of gone.cn.test") {
		t.Errorf("dangling.cn.test domain.exists:\n%s", dump(fs))
	}
	if s := checks.Summarize(fs); s.Fail != 1 {
		t.Errorf("dangling.cn.test: want one fail, got:\n%s", dump(fs))
	}
}
