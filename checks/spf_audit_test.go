package checks_test

import (
	"context"
	"fmt"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"
	"go.uber.org/goleak"

	"github.com/mailcfg/mailcfg/checks"
	"github.com/mailcfg/mailcfg/sandbox"
)

// spfZoo is a zone of domains with one SPF defect each, served by the
// sandbox's DNS server.
const spfZoo = `
ok          TXT "v=spf1 ip4:192.0.2.0/24 include:_spf.prov.zoo.test -all"
_spf.prov   TXT "v=spf1 include:_nb.prov.zoo.test ~all"
_nb.prov    TXT "v=spf1 ip4:198.51.100.0/24 ip6:2001:db8::/32 -all"
multi       TXT "v=spf1 -all"
multi       TXT "v=spf1 include:_spf.prov.zoo.test ~all"
multi       TXT "google-site-verification=abc"
syntax      TXT "v=spf1 ip4:192.0.2.300 -all"
over        TXT "v=spf1 include:i1.zoo.test include:i2.zoo.test include:i3.zoo.test a mx ptr exists:i1.zoo.test -all"
ten         TXT "v=spf1 include:i1.zoo.test include:i2.zoo.test include:i3.zoo.test a mx exists:i1.zoo.test -all"
i1          TXT "v=spf1 a mx exists:i1.zoo.test -all"
i1          A   192.0.2.1
i1          MX  10 i1.zoo.test.
i2          TXT "v=spf1 include:i3.zoo.test ip4:192.0.2.2 -all"
i3          TXT "v=spf1 ip4:192.0.2.3 -all"
void        TXT "v=spf1 a:nx1.zoo.test a:nx2.zoo.test mx:nx3.zoo.test ip4:192.0.2.1 -all"
plusall     TXT "v=spf1 ip4:192.0.2.1 +all"
qall        TXT "v=spf1 ip4:192.0.2.1 ?all"
noall       TXT "v=spf1 ip4:192.0.2.1"
redirect    TXT "v=spf1 ip4:192.0.2.9 redirect=ok.zoo.test"
ptr         TXT "v=spf1 ptr:zoo.test ~all"
loop        TXT "v=spf1 include:loop2.zoo.test -all"
loop2       TXT "v=spf1 include:loop.zoo.test -all"
split       TXT "v=spf1 ip4:192.0.2.1 " "include:_spf.prov.zoo.test -all"
badsplit    TXT "v=spf1 ip4:192.0.2.1" "include:_spf.prov.zoo.test -all"
type99      TXT "v=spf1 -all"
type99      SPF "v=spf1 -all"
timeout     A   192.0.2.1
servfail    TXT "v=spf1 include:sf.zoo.test -all"
trunc       TXT "v=spf1 include:_spf.prov.zoo.test -all"
brokeninc   TXT "v=spf1 include:nothing.zoo.test -all"
afterall    TXT "v=spf1 -all include:_spf.prov.zoo.test"
softinc     TXT "v=spf1 ~include:_spf.prov.zoo.test -all"
`

// spfLong is a record over 255 bytes, split into two strings.
var spfLong = func() string {
	var b strings.Builder
	b.WriteString("v=spf1")
	for i := 1; i <= 20; i++ {
		fmt.Fprintf(&b, " ip4:192.0.2.%d", i)
	}
	return b.String() + " -all"
}()

func startSPFZoo(t *testing.T) checks.Resolver {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	srv, err := sandbox.StartDNS(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	long := fmt.Sprintf("long TXT %q %q\n", spfLong[:200], spfLong[200:])
	if err := srv.AddZoneText("zoo.test.", spfZoo+long); err != nil {
		t.Fatal(err)
	}
	srv.Fail("timeout.zoo.test", dns.TypeTXT, sandbox.FailTimeout)
	srv.Fail("sf.zoo.test", 0, sandbox.FailServFail)
	srv.Fail("trunc.zoo.test", dns.TypeTXT, sandbox.FailTruncate)
	return &checks.DNSResolver{Servers: []string{srv.Addr()}, Timeout: 300 * time.Millisecond, Retries: -1}
}

func TestAuditSPFZoo(t *testing.T) {
	r := startSPFZoo(t)
	type want struct {
		id, status, text string // text: in the title, detail, fix or evidence
	}
	const prov = "_spf.prov.zoo.test"
	tests := []struct {
		domain   string
		includes []string
		wants    []want
	}{
		{"ok.zoo.test", []string{prov}, []want{
			{"spf.present", "pass", "v=spf1 ip4:192.0.2.0/24"}, {"spf.multiple", "pass", ""}, {"spf.syntax", "pass", ""},
			{"spf.lookups", "pass", "needs 2 DNS lookups"}, {"spf.void_lookups", "pass", "0 void"}, {"spf.all", "pass", "-all"},
			{"spf.ptr", "pass", ""}, {"spf.loop", "pass", ""}, {"spf.type99", "pass", ""}, {"spf.provider", "pass", prov}}},
		{"ok.zoo.test", []string{"sendgrid.net"}, []want{
			{"spf.provider", "fail", `Add include:sendgrid.net before the all: "v=spf1 ip4:192.0.2.0/24 include:_spf.prov.zoo.test include:sendgrid.net -all"`}}},
		{"none.zoo.test", []string{prov}, []want{
			{"spf.present", "fail", "NXDOMAIN"}, {"spf.provider", "fail", "include:" + prov + " ~all"}}},
		{"timeout.zoo.test", []string{prov}, []want{
			{"spf.present", "error", "timed out"}, {"spf.provider", "error", "timed out"}}},
		{"multi.zoo.test", nil, []want{{"spf.multiple", "fail", "2 SPF records"}}},
		{"syntax.zoo.test", nil, []want{{"spf.syntax", "fail", "at byte 11"}}},
		{"over.zoo.test", nil, []want{{"spf.lookups", "fail", "needs 11 DNS lookups"}, {"spf.ptr", "warn", "ptr"}}},
		{"ten.zoo.test", nil, []want{{"spf.lookups", "pass", "needs 10 DNS lookups"}, {"spf.lookups", "pass", "include:i2.zoo.test  1 (+1 below = 2)"}}},
		{"void.zoo.test", nil, []want{{"spf.void_lookups", "fail", "3 void lookups"}, {"spf.void_lookups", "fail", "mx:nx3.zoo.test"}}},
		{"plusall.zoo.test", nil, []want{{"spf.all", "fail", "+all"}}},
		{"qall.zoo.test", nil, []want{{"spf.all", "warn", "?all"}}},
		{"noall.zoo.test", nil, []want{{"spf.all", "warn", `"v=spf1 ip4:192.0.2.1 ~all"`}}},
		{"redirect.zoo.test", []string{prov}, []want{{"spf.all", "pass", "-all via redirect=ok.zoo.test"}, {"spf.provider", "pass", ""},
			{"spf.lookups", "pass", "needs 3 DNS lookups"}}},
		{"ptr.zoo.test", nil, []want{{"spf.ptr", "warn", "ptr:zoo.test"}}},
		{"loop.zoo.test", nil, []want{{"spf.loop", "fail", "loop.zoo.test → loop2.zoo.test → loop.zoo.test"}}},
		{"split.zoo.test", nil, []want{{"spf.split", "info", "2 strings"}, {"spf.syntax", "pass", ""}}},
		{"badsplit.zoo.test", nil, []want{{"spf.split", "info", "2 strings"}, {"spf.syntax", "fail", "split into strings at byte 20 with no space"}}},
		{"long.zoo.test", nil, []want{{"spf.split", "info", "2 strings"}, {"spf.syntax", "pass", ""}}},
		{"type99.zoo.test", nil, []want{{"spf.type99", "warn", "type 99"}}},
		{"servfail.zoo.test", []string{prov}, []want{{"spf.lookups", "error", "SERVFAIL"}, {"spf.loop", "error", ""},
			{"spf.void_lookups", "error", ""}, {"spf.provider", "error", ""}}},
		{"trunc.zoo.test", []string{prov}, []want{{"spf.present", "pass", ""}, {"spf.provider", "pass", ""}}},
		{"brokeninc.zoo.test", nil, []want{{"spf.include", "fail", "nothing.zoo.test has no SPF record"}}},
		{"afterall.zoo.test", []string{prov}, []want{{"spf.provider", "fail", "after the all"}}},
		{"softinc.zoo.test", []string{prov}, []want{{"spf.provider", "fail", "~include"}}},
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, tt := range tests {
		fs := checks.AuditSPF(ctx, r, tt.domain, checks.SPFAuditOptions{ProviderIncludes: tt.includes})
		for _, f := range fs {
			if !f.Status.Valid() || f.Title == "" || !strings.HasPrefix(f.ID, "spf.") || f.Ref == "" {
				t.Errorf("%s: malformed finding %+v", tt.domain, f)
			}
			if (f.Status == checks.StatusFail || f.Status == checks.StatusWarn || f.Status == checks.StatusError) && f.Fix == "" {
				t.Errorf("%s: %s %s has no fix", tt.domain, f.ID, f.Status)
			}
		}
		for _, w := range tt.wants {
			var got *checks.Finding
			for i := range fs {
				if fs[i].ID == w.id {
					got = &fs[i]
				}
			}
			if got == nil {
				t.Errorf("%s: no %s finding in %+v", tt.domain, w.id, fs)
				continue
			}
			all := got.Title + "\n" + got.Detail + "\n" + got.Fix + "\n" + got.Evidence
			if string(got.Status) != w.status || !strings.Contains(all, w.text) {
				t.Errorf("%s: %s = %s %q\n%s\nwant %s containing %q", tt.domain, w.id, got.Status, got.Title, all, w.status, w.text)
			}
		}
	}
}

// hangResolver answers from a MapResolver, except that questions for hang
// wait until their context ends; it counts those in flight.
type hangResolver struct {
	*checks.MapResolver
	hang     string
	inFlight atomic.Int32
	asked    atomic.Int32
}

func (h *hangResolver) Lookup(ctx context.Context, name string, qtype uint16) (*checks.Answer, error) {
	if dns.Fqdn(strings.ToLower(name)) != h.hang {
		return h.MapResolver.Lookup(ctx, name, qtype)
	}
	h.asked.Add(1)
	h.inFlight.Add(1)
	defer h.inFlight.Add(-1)
	<-ctx.Done()
	return nil, &checks.DNSError{Name: name, Type: qtype, Kind: checks.ErrTimeout, Err: ctx.Err()}
}

// TestCheckHostLeavesNothing checks that the lookups CheckHost asks ahead end
// with it: here evaluation matches before it reaches an include and an mx
// whose names never answer, which were asked ahead all the same.
func TestCheckHostLeavesNothing(t *testing.T) {
	before := goleak.IgnoreCurrent()
	r := &hangResolver{hang: "hang.leak.test.", MapResolver: checks.NewMapResolver(
		`leak.test. 300 TXT "v=spf1 ip4:192.0.2.1 include:hang.leak.test mx:hang.leak.test -all"`)}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res := checks.CheckHost(ctx, r, net.ParseIP("192.0.2.1"), "leak.test", "", "")
	if res.Result != checks.SPFPass || res.Lookups != 0 {
		t.Errorf("%s after %d lookups\n%s", res.Result, res.Lookups, strings.Join(res.Trace, "\n"))
	}
	if n := r.inFlight.Load(); n != 0 {
		t.Errorf("%d lookups still in flight after CheckHost returned", n)
	}
	if r.asked.Load() == 0 {
		t.Error("the include was not asked ahead, so this test tests nothing")
	}
	goleak.VerifyNone(t, before)
}
