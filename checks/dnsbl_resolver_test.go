package checks_test

import (
	"net"
	"strings"
	"testing"

	"github.com/mailcfg/mailcfg/checks"
)

func TestPublicResolver(t *testing.T) {
	for addr, who := range map[string]string{
		"8.8.8.8": "Google", "8.8.4.4:53": "Google", "[2001:4860:4860::8888]:53": "Google", "2001:4860:4860::8844": "Google",
		"1.1.1.1:53": "Cloudflare", "1.0.0.1": "Cloudflare", "2606:4700:4700::1111": "Cloudflare", "[2606:4700:4700::1001]:53": "Cloudflare",
		"9.9.9.9": "Quad9", "149.112.112.112:53": "Quad9", "2620:fe::fe": "Quad9", "2620:fe::9": "Quad9",
		"208.67.222.222": "OpenDNS", "208.67.220.220:53": "OpenDNS", "2620:119:35::35": "OpenDNS", "[2620:119:53::53]:53": "OpenDNS",
		"::ffff:8.8.8.8": "Google",
	} {
		got, ok := checks.PublicResolver(addr)
		if !ok || !strings.Contains(got, who) {
			t.Errorf("PublicResolver(%q) = %q, %v; want %s", addr, got, ok, who)
		}
	}
	for _, addr := range []string{"127.0.0.1:53", "127.0.0.53", "192.168.1.1:53", "8.8.8.9", "dns.google:53", "", "[::1]:53"} {
		if got, ok := checks.PublicResolver(addr); ok {
			t.Errorf("PublicResolver(%q) = %q, true; want false", addr, got)
		}
	}
}

func TestResolverServers(t *testing.T) {
	r := &checks.DNSResolver{Servers: []string{"192.0.2.53:53", "8.8.8.8:53"}}
	if got := checks.ResolverServers(checks.NewCache(r)); strings.Join(got, " ") != "192.0.2.53:53 8.8.8.8:53" {
		t.Errorf("through a Cache: %v", got)
	}
	if got := checks.ResolverServers(checks.NewMapResolver("")); got != nil {
		t.Errorf("a MapResolver has no servers: %v", got)
	}
}

// TestAuditDNSBLPublicResolver checks dnsbl.resolver: with --ip and a
// resolver that is a public one, a warn; with the loopback resolver the
// audit really asked, a pass; without IPs, no such finding at all.
func TestAuditDNSBLPublicResolver(t *testing.T) {
	z := startZoo(t)
	mustZone(t, z.dns, "bl.test.", "2.0.0.127 A 127.0.0.2\n")
	base := checks.AuditOptions{NoCommonSelectors: true, HTTPClient: z.sts.client(z.r), DNSBLZones: []string{"bl.test"},
		IPs: []net.IP{net.ParseIP("192.0.2.10")}}

	opts := base
	opts.ResolverAddrs = []string{"127.0.0.53:53", "8.8.8.8:53"}
	fs := checks.Audit(t.Context(), z.r, "good.test", opts, nil)
	got := find(fs, "dnsbl.resolver")
	if len(got) != 1 || got[0].Status != checks.StatusWarn || !strings.Contains(got[0].Title, "8.8.8.8:53 (Google Public DNS)") ||
		strings.Contains(got[0].Title, "127.0.0.53") || !strings.Contains(got[0].Fix, "--resolver") {
		t.Errorf("public resolver:\n%s", dump(got))
	}
	// The warning does not turn the lists' own verdicts into anything else.
	if l := find(fs, "dnsbl.listed"); len(l) != 1 || l[0].Status != checks.StatusPass {
		t.Errorf("dnsbl.listed:\n%s", dump(l))
	}

	// Unset: the audit reads the servers of the resolver it was given.
	fs = checks.Audit(t.Context(), z.r, "good.test", base, nil)
	if got := find(fs, "dnsbl.resolver"); len(got) != 1 || got[0].Status != checks.StatusPass || got[0].Evidence != z.dns.Addr() {
		t.Errorf("loopback resolver:\n%s", dump(got))
	}

	opts = base
	opts.IPs, opts.ResolverAddrs = nil, []string{"1.1.1.1"}
	fs = checks.Audit(t.Context(), z.r, "good.test", opts, nil)
	if got := find(fs, "dnsbl.resolver"); len(got) != 0 {
		t.Errorf("no --ip, yet:\n%s", dump(got))
	}
}
