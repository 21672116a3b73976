package checks

import (
	"context"
	"crypto/ed25519"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/mailcfg/mailcfg/providers"
	"github.com/mailcfg/mailcfg/records"
)

// nineLookups is an SPF record worth 9 lookups: six includes, big (2, for
// it includes s6 again) and mx.
const nineLookups = `example.test. TXT "v=spf1 include:s1.example.net include:s2.example.net include:s3.example.net include:s4.example.net include:s5.example.net include:s6.example.net include:big.example.net mx -all"
s1.example.net. TXT "v=spf1 ip4:198.51.100.1 -all"
s2.example.net. TXT "v=spf1 ip4:198.51.100.2 -all"
s3.example.net. TXT "v=spf1 ip4:198.51.100.3 -all"
s4.example.net. TXT "v=spf1 ip4:198.51.100.4 -all"
s5.example.net. TXT "v=spf1 ip4:198.51.100.5 -all"
s6.example.net. TXT "v=spf1 ip4:198.51.100.6 -all"
big.example.net. TXT "v=spf1 include:s6.example.net -all"
newprov.example.net. TXT "v=spf1 include:pool.newprov.example.net -all"
pool.newprov.example.net. TXT "v=spf1 ip4:203.0.113.0/24 -all"
`

// newProv is a provider whose include costs 2 lookups.
var newProv = &providers.Profile{ID: "newprov", Name: "New Provider", Regions: []providers.Region{{ID: "global"}},
	SPF: providers.SPF{Include: "newprov.example.net"}, DKIM: providers.DKIM{Method: providers.DKIMTXT}}

func planCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestPlanRecordsReadsLive(t *testing.T) {
	r := planResolver(`example.test. TXT "v=spf1 mx ~all"
example.test. MX 10 mx1.example.test.
mx1.example.test. A 192.0.2.1
_dmarc.example.test. TXT "v=DMARC1; p=quarantine; rua=mailto:d@example.test"
newprov.example.net. TXT "v=spf1 ip4:203.0.113.0/24 -all"
`)
	plan, err := PlanRecords(planCtx(t), r, records.Request{Domain: "example.test", Provider: newProv})
	if err != nil {
		t.Fatal(err)
	}
	spf := plan.Record("example.test", records.PurposeSPF)
	if spf.Value != "v=spf1 mx include:newprov.example.net ~all" || spf.Action != records.ActionReplace || spf.Current != "v=spf1 mx ~all" {
		t.Errorf("spf = %+v", spf)
	}
	if dm := plan.Record("_dmarc.example.test", records.PurposeDMARC); dm.Action != records.ActionKeep {
		t.Errorf("dmarc = %+v", dm)
	}
	if plan.Record("_mta-sts.example.test", records.PurposeMTASTS) == nil || !strings.Contains(plan.MTASTSPolicy, "mx: mx1.example.test") {
		t.Errorf("no MTA-STS from the live MX: %q", plan.MTASTSPolicy)
	}
	sc := plan.SPFCost
	if sc == nil || sc.Total != 2 || sc.Limit != 10 || sc.Error != "" {
		t.Fatalf("spf cost = %+v", sc)
	}
	terms := map[string]int{}
	for _, tc := range sc.Terms {
		terms[strings.TrimPrefix(tc.Term, "+")] = tc.Total
	}
	if terms["mx"] != 1 || terms["include:newprov.example.net"] != 1 {
		t.Errorf("term costs = %+v", sc.Terms)
	}
}

func TestPlanMergeNinePlusInclude(t *testing.T) {
	ctx := planCtx(t)
	// Redundant include: s6 is inside big, so dropping it brings 11 to 10.
	r := planResolver(nineLookups)
	plan, err := PlanRecords(ctx, r, records.Request{Domain: "example.test", Provider: newProv})
	if err != nil {
		t.Fatal(err)
	}
	spf := plan.Record("example.test", records.PurposeSPF)
	if strings.Contains(spf.Value, "include:s6.example.net ") || !strings.Contains(spf.Value, "include:newprov.example.net") {
		t.Errorf("spf = %q", spf.Value)
	}
	if sc := plan.SPFCost; sc.Before != 11 || sc.Total != 10 || sc.Over || len(sc.Fixes) != 1 || !strings.Contains(sc.Fixes[0], "big.example.net") {
		t.Errorf("cost = %+v", sc)
	}
	if !strings.Contains(spf.Note, "11 DNS lookups") {
		t.Errorf("note = %q", spf.Note)
	}

	// No redundant include, but mx resolves to one address: inline it.
	zone := strings.Replace(nineLookups, "big.example.net. TXT \"v=spf1 include:s6.example.net -all\"", "big.example.net. TXT \"v=spf1 include:s7.example.net -all\"\ns7.example.net. TXT \"v=spf1 -all\"", 1) +
		"example.test. MX 10 mx1.example.test.\nmx1.example.test. A 192.0.2.1\n"
	plan, err = PlanRecords(ctx, planResolver(zone), records.Request{Domain: "example.test", Provider: newProv})
	if err != nil {
		t.Fatal(err)
	}
	spf = plan.Record("example.test", records.PurposeSPF)
	if strings.Contains(spf.Value, " mx ") || !strings.Contains(spf.Value, " ip4:192.0.2.1 include:newprov.example.net -all") {
		t.Errorf("spf = %q", spf.Value)
	}
	if sc := plan.SPFCost; sc.Total != 10 || sc.Over {
		t.Errorf("cost = %+v", sc)
	}

	// Neither: mx has many addresses. The current record is kept, and the
	// warning says why and what to do.
	zone = strings.Replace(zone, "mx1.example.test. A 192.0.2.1\n", "mx1.example.test. A 192.0.2.1\nmx1.example.test. A 192.0.2.2\nmx1.example.test. A 192.0.2.3\nmx1.example.test. A 192.0.2.4\nmx1.example.test. A 192.0.2.5\n", 1)
	plan, err = PlanRecords(ctx, planResolver(zone), records.Request{Domain: "example.test", Provider: newProv})
	if err != nil {
		t.Fatal(err)
	}
	spf = plan.Record("example.test", records.PurposeSPF)
	if spf.Action != records.ActionKeep || spf.Value != spf.Current || strings.Contains(spf.Value, "newprov") {
		t.Errorf("an over-limit record was handed out: %+v", spf)
	}
	w := strings.Join(plan.Warnings, "\n")
	if !plan.SPFCost.Over || !strings.Contains(w, "11 DNS lookups") || !strings.Contains(w, "RFC 7208 §4.6.4") {
		t.Errorf("cost %+v, warnings %s", plan.SPFCost, w)
	}
}

func TestPlanRecordsUnreadable(t *testing.T) {
	r := planResolver(`example.test. TXT "v=spf1 -all"` + "\n")
	r.Fail("_dmarc.example.test", dns.TypeTXT, &DNSError{Name: "_dmarc.example.test.", Type: dns.TypeTXT, Kind: ErrServFail})
	plan, err := PlanRecords(planCtx(t), r, records.Request{Domain: "example.test", IPs: []net.IP{net.ParseIP("192.0.2.9")}})
	if err != nil {
		t.Fatal(err)
	}
	dm := plan.Record("_dmarc.example.test", records.PurposeDMARC)
	if dm.Note == "" || !strings.Contains(dm.Note, records.CouldNotRead) || !strings.Contains(strings.Join(plan.Warnings, " "), "could not read _dmarc.example.test: dns: TXT _dmarc.example.test: server failure") {
		t.Errorf("dmarc = %+v; warnings %q", dm, plan.Warnings)
	}
	if spf := plan.Record("example.test", records.PurposeSPF); spf.Value != "v=spf1 ip4:192.0.2.9 -all" {
		t.Errorf("spf = %+v", spf)
	}
}

func TestPlanRecordsErrors(t *testing.T) {
	r := planResolver(`example.test. TXT "v=spf1 -all"
example.test. TXT "v=spf1 mx -all"
`)
	_, err := PlanRecords(planCtx(t), r, records.Request{Domain: "example.test", Provider: newProv})
	var me *records.MultipleSPFError
	if !errors.As(err, &me) {
		t.Errorf("two SPF records: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := PlanRecords(ctx, planResolver(""), records.Request{Domain: "example.test"}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

func TestPlanDKIMKeyMatchesDNS(t *testing.T) {
	k, _, err := records.GenerateDKIMKey(records.DKIMRSA2048, nil)
	if err != nil {
		t.Fatal(err)
	}
	other, _, _ := records.GenerateDKIMKey(records.DKIMEd25519, nil)
	rec, _ := records.DKIMRecord(k.Public())
	otherRec, _ := records.DKIMRecord(other.Public())
	zone := "s1._domainkey.example.test. TXT " + records.ZoneTXT(rec) + "\n" +
		"s2._domainkey.example.test. TXT " + records.ZoneTXT(otherRec) + "\n" +
		"s3._domainkey.example.test. TXT \"v=DKIM1; k=rsa; p=\"\n" +
		"s4._domainkey.example.test. TXT " + records.ZoneTXT(rec) + "\ns4._domainkey.example.test. TXT " + records.ZoneTXT(otherRec) + "\n"
	r := planResolver(zone)
	ctx := planCtx(t)
	if err := DKIMKeyMatchesDNS(ctx, r, "example.test", "s1", k); err != nil {
		t.Errorf("matching key: %v", err)
	}
	if err := DKIMKeyMatchesDNS(ctx, r, "example.test.", "s2", other.Public().(ed25519.PublicKey)); err != nil {
		t.Errorf("matching ed25519 key: %v", err)
	}
	for sel, want := range map[string]error{"s2": ErrDKIMKeyMismatch, "s3": ErrDKIMKeyMismatch, "s4": ErrDKIMKeyMismatch, "none": ErrDKIMKeyNotPublished} {
		if err := DKIMKeyMatchesDNS(ctx, r, "example.test", sel, k.Public()); !errors.Is(err, want) {
			t.Errorf("%s: %v, want %v", sel, err, want)
		}
	}
	r.Fail("s1._domainkey.example.test", 0, &DNSError{Name: "s1._domainkey.example.test.", Kind: ErrTimeout})
	if err := DKIMKeyMatchesDNS(ctx, r, "example.test", "s1", k); !errors.Is(err, ErrTimeout) {
		t.Errorf("timeout: %v", err)
	}
}

// planResolver serves zone lines (absolute names, no TTL needed).
func planResolver(zone string) *MapResolver { return NewMapResolver("$TTL 300\n" + zone) }
