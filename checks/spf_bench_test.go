package checks_test

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/mailcfg/mailcfg/checks"
	"github.com/mailcfg/mailcfg/sandbox"
)

// spfBenchZone is a realistic include tree: a domain sending through Google
// Workspace, Microsoft 365, SendGrid and Mailchimp, shaped like their
// published records (netblock includes, a dozen ranges each).
const spfBenchZone = `$TTL 300
example.com.                 TXT "v=spf1 mx include:_spf.google.com include:spf.protection.outlook.com include:sendgrid.net include:servers.mcsv.net -all"
example.com.                 MX  10 mx1.example.com.
example.com.                 MX  20 mx2.example.com.
mx1.example.com.             A   192.0.2.25
mx2.example.com.             A   192.0.2.26
_spf.google.com.             TXT "v=spf1 include:_netblocks.google.com include:_netblocks2.google.com include:_netblocks3.google.com ~all"
_netblocks.google.com.       TXT "v=spf1 ip4:35.190.247.0/24 ip4:64.233.160.0/19 ip4:66.102.0.0/20 ip4:66.249.80.0/20 ip4:72.14.192.0/18 ip4:74.125.0.0/16 ip4:108.177.8.0/21 ip4:173.194.0.0/16 ip4:209.85.128.0/17 ip4:216.58.192.0/19 ip4:216.239.32.0/19 ~all"
_netblocks2.google.com.      TXT "v=spf1 ip6:2001:4860:4000::/36 ip6:2404:6800:4000::/36 ip6:2607:f8b0:4000::/36 ip6:2800:3f0:4000::/36 ip6:2a00:1450:4000::/36 ip6:2c0f:fb50:4000::/36 ~all"
_netblocks3.google.com.      TXT "v=spf1 ip4:172.217.0.0/19 ip4:172.217.32.0/20 ip4:172.217.128.0/19 ip4:172.217.160.0/20 ip4:172.217.192.0/19 ip4:172.253.56.0/21 ip4:172.253.112.0/20 ip4:108.177.96.0/19 ip4:35.191.0.0/16 ip4:130.211.0.0/22 ~all"
spf.protection.outlook.com.  TXT "v=spf1 ip4:40.92.0.0/15 ip4:40.107.0.0/16 ip4:52.100.0.0/15 ip4:52.102.0.0/16 ip4:52.103.0.0/17 ip4:104.47.0.0/17 ip6:2a01:111:f400::/48 ip6:2a01:111:f403::/49 ip6:2a01:111:f403:8000::/51 ip6:2a01:111:f403:c000::/51 ip6:2a01:111:f403:f000::/52 -all"
sendgrid.net.                TXT "v=spf1 ip4:167.89.0.0/17 ip4:208.117.48.0/20 ip4:50.31.32.0/19 ip4:198.37.144.0/20 ip4:198.21.0.0/21 ip4:192.254.112.0/20 ip4:168.245.0.0/17 ip4:149.72.0.0/16 ip4:159.183.0.0/16 include:ab.sendgrid.net ~all"
ab.sendgrid.net.             TXT "v=spf1 ip4:223.165.113.0/24 ip4:223.165.115.0/24 ip4:223.165.118.0/23 ip4:223.165.120.0/23 ~all"
servers.mcsv.net.            TXT "v=spf1 ip4:205.201.128.0/20 ip4:198.2.128.0/18 ip4:148.105.8.0/21 ?all"
`

// BenchmarkCheckHost evaluates the tree for a client that matches only in
// the last include: every include is followed (9 DNS-querying terms).
func BenchmarkCheckHost(b *testing.B) {
	r := checks.NewMapResolver(spfBenchZone)
	ctx := context.Background()
	ip := net.ParseIP("198.2.130.7")
	b.ReportAllocs()
	for b.Loop() {
		res := checks.CheckHost(ctx, r, ip, "example.com", "bounce@example.com", "mail.example.com")
		if res.Result != checks.SPFPass || res.Lookups != 9 {
			b.Fatalf("%s after %d lookups", res.Result, res.Lookups)
		}
	}
}

// BenchmarkCheckHostFail is the same tree for a client nothing matches,
// ending in -all.
func BenchmarkCheckHostFail(b *testing.B) {
	r := checks.NewMapResolver(spfBenchZone)
	ctx := context.Background()
	ip := net.ParseIP("203.0.113.9")
	b.ReportAllocs()
	for b.Loop() {
		if res := checks.CheckHost(ctx, r, ip, "example.com", "", ""); res.Result != checks.SPFFail {
			b.Fatal(res.Result)
		}
	}
}

// BenchmarkSPFCost counts the tree's lookups statically.
func BenchmarkSPFCost(b *testing.B) {
	r := checks.NewMapResolver(spfBenchZone)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		tree, err := checks.SPFCost(ctx, r, "example.com", "")
		if err != nil || tree.Total != 9 {
			b.Fatal(tree, err)
		}
	}
}

// BenchmarkAuditSPF runs every spf.* check on the tree.
func BenchmarkAuditSPF(b *testing.B) {
	r := checks.NewMapResolver(spfBenchZone)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if fs := checks.AuditSPF(ctx, r, "example.com", checks.SPFAuditOptions{ProviderIncludes: []string{"sendgrid.net"}}); len(fs) < 9 {
			b.Fatal(fs)
		}
	}
}

// BenchmarkCheckHostLatency evaluates the tree over real DNS on loopback with
// 20 ms added to every answer and a cold cache each time. The tree's deepest
// chain is 3 answers (the domain's TXT, an include's, its netblocks'), so
// chain-ms is 60; x-chain is how many chains an evaluation takes (about 1
// with the lookups asked ahead, about 4 if each waited for the one before).
func BenchmarkCheckHostLatency(b *testing.B) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	srv, err := sandbox.StartDNS(ctx, "")
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	zone := strings.Replace(spfBenchZone, "$TTL 300\n", "", 1)
	if err := srv.AddZoneText(".", zone); err != nil {
		b.Fatal(err)
	}
	const delay = 20 * time.Millisecond
	srv.SetDelay(delay)
	ip := net.ParseIP("198.2.130.7")
	start := time.Now()
	for b.Loop() {
		r := &checks.DNSResolver{Servers: []string{srv.Addr()}, Timeout: time.Second}
		if res := checks.CheckHost(ctx, r, ip, "example.com", "", ""); res.Result != checks.SPFPass {
			b.Fatal(res.Result, strings.Join(res.Trace, "\n"))
		}
	}
	per := time.Since(start) / time.Duration(b.N)
	b.ReportMetric(float64(per)/float64(3*delay), "x-chain")
}
