package checks

import (
	"context"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/mailcfg/mailcfg/records"
)

// TestSPFMacroExamples expands the examples of RFC 7208 §7.4.
func TestSPFMacroExamples(t *testing.T) {
	e := &spfEval{ctx: context.Background(), r: NewMapResolver(""), ip: netip.MustParseAddr("192.0.2.3"),
		local: "strong-bad", senderDomain: "email.example.com", sender: "strong-bad@email.example.com",
		helo: "mx.example.org", receiver: "mx.example.net", now: func() time.Time { return time.Unix(1700000000, 0) }}
	tests := map[string]string{
		"%{s}":                              "strong-bad@email.example.com",
		"%{o}":                              "email.example.com",
		"%{d}":                              "email.example.com",
		"%{d4}":                             "email.example.com",
		"%{d3}":                             "email.example.com",
		"%{d2}":                             "example.com",
		"%{d1}":                             "com",
		"%{dr}":                             "com.example.email",
		"%{d2r}":                            "example.email",
		"%{l}":                              "strong-bad",
		"%{l-}":                             "strong.bad",
		"%{lr}":                             "strong-bad",
		"%{lr-}":                            "bad.strong",
		"%{l1r-}":                           "strong",
		"%{ir}.%{v}._spf.%{d2}":             "3.2.0.192.in-addr._spf.example.com",
		"%{lr-}.lp._spf.%{d2}":              "bad.strong.lp._spf.example.com",
		"%{lr-}.lp.%{ir}.%{v}._spf.%{d2}":   "bad.strong.lp.3.2.0.192.in-addr._spf.example.com",
		"%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}":  "3.2.0.192.in-addr.strong.lp._spf.example.com",
		"%{d2}.trusted-domains.example.net": "example.com.trusted-domains.example.net",
		"%{h} %{c} %{r} %{t} %{p}":          "mx.example.org 192.0.2.3 mx.example.net 1700000000 unknown",
		"%{S}%%%_%-":                        "strong-bad%40email.example.com% %20",
	}
	for in, want := range tests {
		ms, err := records.ParseSPFMacros(in, true)
		if err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		got, err := e.expand(ms, "email.example.com", true)
		if err != nil || got != want {
			t.Errorf("%s = %q, %v; want %q", in, got, err, want)
		}
	}
	e.ip = netip.MustParseAddr("2001:db8::cb01")
	ms, _ := records.ParseSPFMacros("%{ir}.%{v}._spf.%{d2}", false)
	got, _ := e.expand(ms, "email.example.com", false)
	// DNS names are case-insensitive; the nibbles are upper case, as the
	// openspf suite's expected explanations write them.
	if want := "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com"; !strings.EqualFold(got, want) {
		t.Errorf("IPv6 %%{ir}: %q, want %q", got, want)
	}
	// c, r and t outside explanation text are a permerror (§7.3).
	ms, _ = records.ParseSPFMacros("%{c}", true)
	if _, err := e.expand(ms, "example.com", false); err == nil {
		t.Error("%{c} outside exp expanded")
	}
}

func TestCheckHostUnit(t *testing.T) {
	r := NewMapResolver(`$TTL 300
example.com.       TXT "v=spf1 mx a:%{l}.users.example.com include:_spf.example.net -all"
example.com.       MX  10 mx1.example.com.
mx1.example.com.   A   192.0.2.10
mx1.example.com.   AAAA 2001:db8::10
alice.users.example.com. A 192.0.2.20
_spf.example.net.  TXT "v=spf1 ip4:198.51.100.0/24 ip6:2001:db8:1::/48 ~all"
limit.example.com. TXT "v=spf1 include:l1.example.com include:l1.example.com include:l1.example.com include:l1.example.com include:l1.example.com -all"
l1.example.com.    TXT "v=spf1 a:nx-a.example.com ?all"
l1.example.com.    A   192.0.2.99
broken.example.com. TXT "v=spf1 mx:%{x}.example.com -all"
dual.example.com.  TXT "v=spf1 a:mx1.example.com/24//64 -all"
two.example.com.   TXT "v=spf1 -all"
two.example.com.   TXT "v=spf1 +all"
`)
	r.Fail("_spf.example.net", dns.TypeTXT, nil) // cleared below
	r.errs = map[string]error{}
	ctx := context.Background()
	tests := []struct {
		ip, domain, sender string
		result             string
		lookups, voids     int
		trace              string
	}{
		{"192.0.2.10", "example.com", "", SPFPass, 1, 0, "mx (lookup 1/10): MX mx1.example.com has 192.0.2.10: match"},
		{"2001:db8::10", "example.com", "", SPFPass, 1, 0, "match"},
		{"192.0.2.20", "example.com", "alice@example.com", SPFPass, 2, 0, "a:%{l}.users.example.com (lookup 2/10): 192.0.2.20: match"},
		{"192.0.2.20", "example.com", "bob@example.com", SPFFail, 3, 1, "-all matched → fail"},
		{"198.51.100.7", "example.com", "", SPFPass, 3, 1, "include:_spf.example.net gave pass: match"},
		{"2001:db8:1::5", "example.com", "", SPFPass, 3, 1, "ip6:2001:db8:1::/48: match"},
		{"203.0.113.1", "limit.example.com", "", SPFPermError, 6, 3, "more than 2 void lookups"},
		{"203.0.113.1", "broken.example.com", "", SPFPermError, 0, 0, "unknown macro letter"},
		{"192.0.2.77", "dual.example.com", "", SPFPass, 1, 0, "match"},
		{"2001:db8::ffff", "dual.example.com", "", SPFPass, 1, 0, "match"},
		{"192.0.3.1", "dual.example.com", "", SPFFail, 1, 0, "no match"},
		{"192.0.2.1", "two.example.com", "", SPFPermError, 0, 0, "2 SPF records"},
		{"192.0.2.1", "nx.example.com", "", SPFNone, 0, 0, "NXDOMAIN"},
		{"192.0.2.1", "com", "", SPFNone, 0, 0, "not a valid multi-label domain name"},
		{"192.0.2.1", "[192.0.2.1]", "", SPFNone, 0, 0, "not a valid"},
		{"::ffff:192.0.2.10", "example.com", "", SPFPass, 1, 0, "192.0.2.10: match"},
	}
	for _, tt := range tests {
		res := CheckHost(ctx, r, net.ParseIP(tt.ip), tt.domain, tt.sender, "helo.example.org")
		trace := strings.Join(res.Trace, "\n")
		if res.Result != tt.result || res.Lookups != tt.lookups || res.VoidLookups != tt.voids || !strings.Contains(trace, tt.trace) {
			t.Errorf("%s from %s: %s lookups %d voids %d, want %s %d %d with %q\n%s",
				tt.domain, tt.ip, res.Result, res.Lookups, res.VoidLookups, tt.result, tt.lookups, tt.voids, tt.trace, trace)
		}
	}
}

func TestCheckHostDNSErrors(t *testing.T) {
	r := NewMapResolver(`$TTL 300
example.com. TXT "v=spf1 ip4:192.0.2.1 include:down.example.net -all"
ptr.example.com. TXT "v=spf1 ptr -all"
`)
	r.Fail("down.example.net", dns.TypeTXT, &DNSError{Name: "down.example.net.", Type: dns.TypeTXT, Kind: ErrServFail})
	r.Fail("2.2.0.192.in-addr.arpa", dns.TypePTR, &DNSError{Name: "2.2.0.192.in-addr.arpa.", Type: dns.TypePTR, Kind: ErrTimeout})
	ctx := context.Background()
	if res := CheckHost(ctx, r, net.ParseIP("192.0.2.1"), "example.com", "", ""); res.Result != SPFPass {
		t.Errorf("match before the failing include: %s", res.Result)
	}
	res := CheckHost(ctx, r, net.ParseIP("192.0.2.2"), "example.com", "", "")
	if res.Result != SPFTempError || !strings.Contains(strings.Join(res.Trace, "\n"), "SERVFAIL") {
		t.Errorf("SERVFAIL in an include: %s\n%s", res.Result, strings.Join(res.Trace, "\n"))
	}
	// §5.5: a DNS error on the PTR lookup is no match, not temperror.
	if res := CheckHost(ctx, r, net.ParseIP("192.0.2.2"), "ptr.example.com", "", ""); res.Result != SPFFail {
		t.Errorf("PTR timeout: %s", res.Result)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if res := CheckHost(cctx, &DNSResolver{Servers: []string{"127.0.0.1:1"}}, net.ParseIP("192.0.2.2"), "example.com", "", ""); res.Result != SPFTempError {
		t.Errorf("cancelled context: %s", res.Result)
	}
	if res := CheckHost(ctx, r, nil, "example.com", "", ""); res.Result != SPFPermError {
		t.Errorf("no IP: %s", res.Result)
	}
}

func TestSPFCostTree(t *testing.T) {
	r := NewMapResolver(`$TTL 300
example.com.     TXT "v=spf1 a mx:nomx.example.com include:inc.example.com exists:%{i}.bl.example.com -all include:late.example.com redirect=r.example.com"
example.com.     A   192.0.2.1
inc.example.com. TXT "v=spf1 ptr include:inc2.example.com ~all"
inc2.example.com. TXT "v=spf1 ip4:192.0.2.0/24 redirect=inc3.example.com"
inc3.example.com. TXT "v=spf1 a:nx.example.com -all"
nomx.example.com. A 192.0.2.5
`)
	tree, err := SPFCost(context.Background(), r, "example.com", "")
	if err != nil {
		t.Fatal(err)
	}
	// a 1, mx 1 (void), include 1 + ptr 1 + include 1 + redirect 1 + a 1
	// (void), exists 1 (macro); after -all nothing counts.
	if tree.Total != 8 || tree.Void != 2 {
		t.Errorf("total %d void %d, want 8 and 2\n%s", tree.Total, tree.Void, tree.Render())
	}
	want := `example.com: 8 lookups
  a  1
  mx:nomx.example.com  1  [void]
  include:inc.example.com  1 (+4 below = 5)
    ptr  1
    include:inc2.example.com  1 (+2 below = 3)
      ip4:192.0.2.0/24
      redirect=inc3.example.com  1 (+1 below = 2)
        a:nx.example.com  1  [void]
        -all
    ~all
  exists:%{i}.bl.example.com  1  [macro: asked per message]
  -all
  include:late.example.com  (never evaluated: 0)
  redirect=r.example.com  (never evaluated: 0)`
	if got := tree.Render(); got != want {
		t.Errorf("Render:\n%s\nwant:\n%s", got, want)
	}
	if _, err := SPFCost(context.Background(), r, "example.com", "v=spf1 foo"); err == nil {
		t.Error("a bad record was costed")
	}
	if _, err := SPFCost(context.Background(), r, "nx.example.com", ""); err == nil {
		t.Error("a domain without a record was costed")
	}
}
