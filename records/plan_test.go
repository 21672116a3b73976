package records

import (
	"crypto/ed25519"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/mailcfg/mailcfg/providers"
)

var planNow = time.Date(2026, 11, 29, 17, 0, 0, 0, time.UTC)

func mustProfile(t *testing.T, id string) *providers.Profile {
	t.Helper()
	p, ok := providers.Builtin().Get(id)
	if !ok {
		t.Fatalf("no builtin profile %q", id)
	}
	return p
}

func mustPlan(t *testing.T, req Request, live Live) *Plan {
	t.Helper()
	if req.Now.IsZero() {
		req.Now = planNow
	}
	p, err := MakePlan(req, live)
	if err != nil {
		t.Fatalf("MakePlan: %v", err)
	}
	return p
}

func TestPlanCustomNewDomain(t *testing.T) {
	_, priv, _ := ed25519.GenerateKey(nil)
	p := mustPlan(t, Request{
		Domain: "Example.Test.", IPs: []net.IP{net.ParseIP("192.0.2.10"), net.ParseIP("2001:db8::25")},
		DKIMKey: priv.Public(), Selector: "s2026",
	}, Live{"example.test.": {MX: []string{"10 mx.example.test."}}})
	spf := p.Record("example.test", PurposeSPF)
	if spf == nil || spf.Value != "v=spf1 ip4:192.0.2.10 ip6:2001:db8::25 ~all" || spf.Action != ActionCreate {
		t.Fatalf("spf = %+v", spf)
	}
	dk := p.Record("s2026._domainkey.example.test.", PurposeDKIM)
	if dk == nil || !strings.HasPrefix(dk.Value, "v=DKIM1; k=ed25519; p=") || !strings.Contains(dk.Note, "RFC 8463") {
		t.Fatalf("dkim = %+v", dk)
	}
	dm := p.Record("_dmarc.example.test", PurposeDMARC)
	if dm == nil || dm.Value != "v=DMARC1; p=none; rua=mailto:dmarc-reports@example.test" {
		t.Fatalf("dmarc = %+v", dm)
	}
	sts := p.Record("_mta-sts.example.test", PurposeMTASTS)
	if sts == nil || sts.Value != "v=STSv1; id=20261129170000" {
		t.Fatalf("mta-sts = %+v", sts)
	}
	if want := "version: STSv1\nmode: testing\nmx: mx.example.test\nmax_age: 604800\n"; p.MTASTSPolicy != want {
		t.Errorf("policy = %q", p.MTASTSPolicy)
	}
	if _, err := ParseSTSPolicy(p.MTASTSPolicy); err != nil {
		t.Errorf("policy does not parse: %v", err)
	}
	if tr := p.Record("_smtp._tls.example.test", PurposeTLSRPT); tr == nil || tr.Value != "v=TLSRPTv1; rua=mailto:tls-reports@example.test" {
		t.Errorf("tls-rpt = %+v", tr)
	}
	for _, r := range p.Records {
		if !strings.HasSuffix(r.Name, ".") || r.Name != strings.ToLower(r.Name) {
			t.Errorf("name %q is not a lower-case FQDN", r.Name)
		}
	}
	if len(p.Rollout) != 5 || !p.Rollout[0].Current || p.Rollout[4].Record != "v=DMARC1; p=reject; rua=mailto:dmarc-reports@example.test" {
		t.Errorf("rollout = %+v", p.Rollout)
	}
}

func TestPlanKeepAndReplace(t *testing.T) {
	ses := mustProfile(t, "ses")
	inputs := map[string]string{"token1": "aaaa", "token2": "bbbb", "token3": "cccc"}
	live := Live{
		"example.test.":                 {TXT: []string{"google-site-verification=x", "v=spf1 include:amazonses.com ~all"}},
		"aaaa._domainkey.example.test.": {CNAME: "aaaa.dkim.amazonses.com."},
		"bbbb._domainkey.example.test.": {CNAME: "old.example.net."},
		"cccc._domainkey.example.test.": {TXT: []string{"v=DKIM1; p=MIIB"}},
		"bounce.example.test.":          {MX: []string{"10 feedback-smtp.eu-west-1.amazonses.com."}, TXT: []string{"v=spf1 -all"}},
		"_dmarc.example.test.":          {TXT: []string{"v=DMARC1; p=reject; pct=50; rua=mailto:d@example.test"}},
	}
	p := mustPlan(t, Request{Domain: "example.test", Provider: ses, Region: "eu-west-1", Inputs: inputs}, live)
	check := func(name, purpose, action, value string) {
		t.Helper()
		r := p.Record(name, purpose)
		if r == nil {
			t.Fatalf("no %s record at %s", purpose, name)
		}
		if r.Action != action || (value != "" && r.Value != value) {
			t.Errorf("%s %s: %s %q (now %q), want %s %q", purpose, name, r.Action, r.Value, r.Current, action, value)
		}
	}
	check("example.test", PurposeSPF, ActionKeep, "v=spf1 include:amazonses.com ~all")
	check("aaaa._domainkey.example.test", PurposeDKIM, ActionKeep, "aaaa.dkim.amazonses.com.")
	check("bbbb._domainkey.example.test", PurposeDKIM, ActionReplace, "bbbb.dkim.amazonses.com.")
	check("cccc._domainkey.example.test", PurposeDKIM, ActionReplace, "cccc.dkim.amazonses.com.")
	check("bounce.example.test", PurposeBounce, ActionKeep, "10 feedback-smtp.eu-west-1.amazonses.com.")
	// The MAIL FROM SPF merges into what is there, keeping its -all.
	check("bounce.example.test", PurposeBounce, ActionKeep, "")
	var bounceSPF *PlannedRecord
	for i, r := range p.Records {
		if r.Name == "bounce.example.test." && r.Type == "TXT" {
			bounceSPF = &p.Records[i]
		}
	}
	if bounceSPF == nil || bounceSPF.Value != "v=spf1 include:amazonses.com -all" || bounceSPF.Action != ActionReplace {
		t.Errorf("bounce SPF = %+v", bounceSPF)
	}
	// DMARC keeps p=reject and its rua, drops pct.
	dm := p.Record("_dmarc.example.test", PurposeDMARC)
	if dm.Value != "v=DMARC1; p=reject; rua=mailto:d@example.test" || dm.Action != ActionReplace || !strings.Contains(dm.Note, "pct") {
		t.Errorf("dmarc = %+v", dm)
	}
	if !p.Rollout[4].Current {
		t.Errorf("rollout step 5 should be current: %+v", p.Rollout)
	}
	// No MX at the domain: no MTA-STS, and a note says why.
	if p.Record("_mta-sts.example.test", PurposeMTASTS) != nil || !strings.Contains(strings.Join(p.Notes, " "), "no MX") {
		t.Errorf("mta-sts planned without MX; notes %q", p.Notes)
	}
}

func TestPlanMergeTwoSPFRefused(t *testing.T) {
	live := Live{"example.test.": {TXT: []string{"v=spf1 mx -all", "v=spf1 include:sendgrid.net ~all"}}}
	_, err := MakePlan(Request{Domain: "example.test", Provider: mustProfile(t, "ses"), Inputs: map[string]string{"token1": "a", "token2": "b", "token3": "c"}}, live)
	var me *MultipleSPFError
	if !errors.As(err, &me) || len(me.Records) != 2 {
		t.Fatalf("err = %v, want a MultipleSPFError", err)
	}
	for _, want := range []string{"2 SPF records", "RFC 7208 §3.2", "permerror", "Merge them"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("explanation lacks %q: %s", want, err)
		}
	}
}

func TestPlanMissingInputs(t *testing.T) {
	_, err := MakePlan(Request{Domain: "example.test", Provider: mustProfile(t, "ses"), Inputs: map[string]string{"token2": "b"}}, nil)
	var mi *MissingInputError
	if !errors.As(err, &mi) {
		t.Fatalf("err = %v, want MissingInputError", err)
	}
	var names []string
	for _, in := range mi.Missing {
		names = append(names, in.Name)
		if in.Prompt == "" {
			t.Errorf("input %s has no prompt", in.Name)
		}
	}
	if strings.Join(names, ",") != "token1,token3" {
		t.Errorf("missing = %v", names)
	}
	// Queries need the same inputs: the names depend on them.
	if _, err := LiveQueries(Request{Domain: "example.test", Provider: mustProfile(t, "ses")}); !errors.As(err, &mi) {
		t.Errorf("LiveQueries: %v", err)
	}
}

func TestPlanProviderIssuedKey(t *testing.T) {
	mg := mustProfile(t, "mailgun")
	p := mustPlan(t, Request{Domain: "example.test", Provider: mg, Region: "eu"}, nil)
	if spf := p.Record("example.test", PurposeSPF); spf == nil || spf.Value != "v=spf1 include:eu.mailgun.org ~all" {
		t.Errorf("spf = %+v", spf)
	}
	notes := strings.Join(p.Notes, "\n")
	if !strings.Contains(notes, "publish its TXT record") || !strings.Contains(notes, strings.TrimSuffix(mg.DKIM.Console, ".")) {
		t.Errorf("no console note: %s", notes)
	}
	for _, r := range p.Records {
		if r.Purpose == PurposeDKIM {
			t.Errorf("a made-up DKIM record: %+v", r)
		}
	}
	// When the key is published already, it is kept as is.
	p = mustPlan(t, Request{Domain: "example.test", Provider: mg, Inputs: map[string]string{"selector": "pic"}},
		Live{"pic._domainkey.example.test.": {TXT: []string{"k=rsa; p=MIGfMA0"}}})
	if dk := p.Record("pic._domainkey.example.test", PurposeDKIM); dk == nil || dk.Action != ActionKeep || dk.Value != "k=rsa; p=MIGfMA0" {
		t.Errorf("dkim = %+v", dk)
	}
}

func TestPlanRequestErrors(t *testing.T) {
	cases := []struct {
		req   Request
		field string
	}{
		{Request{Domain: "not a domain"}, "domain"},
		{Request{Domain: "localhost"}, "domain"},
		{Request{Domain: "example.test", Provider: &providers.Profile{ID: "x", Regions: []providers.Region{{ID: "us"}}}, Region: "mars"}, "region"},
		{Request{Domain: "example.test", Selector: "bad selector"}, "selector"},
		{Request{Domain: "example.test", DMARCPolicy: "strict"}, "dmarc_policy"},
		{Request{Domain: "example.test", ADKIM: "x"}, "adkim"},
		{Request{Domain: "example.test", RUA: []string{"nobody"}}, "rua"},
		{Request{Domain: "example.test", DKIMKey: "not a key"}, "dkim_key"},
		{Request{Domain: "example.test", Inputs: map[string]string{"t": "a b"}}, "input"},
	}
	for _, c := range cases {
		_, err := MakePlan(c.req, nil)
		var re *RequestError
		if !errors.As(err, &re) || re.Field != c.field {
			t.Errorf("%+v: err = %v, want field %s", c.req, err, c.field)
		}
	}
	if _, err := MakePlan(Request{}, nil); !errors.Is(err, ErrNoDomain) {
		t.Errorf("no domain: %v", err)
	}
}

func TestPlanDMARCGenOptions(t *testing.T) {
	p := mustPlan(t, Request{Domain: "example.test", DMARCPolicy: "quarantine", DMARCTesting: true, SubdomainPolicy: "reject",
		ADKIM: "s", ASPF: "r", RUA: []string{"dmarc@reports.example.net", "mailto:me@example.test"}}, nil)
	dm := p.Record("_dmarc.example.test", PurposeDMARC)
	want := "v=DMARC1; p=quarantine; sp=reject; t=y; adkim=s; aspf=r; rua=mailto:dmarc@reports.example.net,mailto:me@example.test"
	if dm.Value != want {
		t.Errorf("dmarc = %q\nwant    %q", dm.Value, want)
	}
	d, err := ParseDMARC(dm.Value)
	if err != nil || len(d.Removed) != 0 || !d.Testing {
		t.Errorf("parse back: %+v %v", d, err)
	}
	auth := p.Record("example.test._report._dmarc.reports.example.net", PurposeDMARC)
	if auth == nil || auth.Value != "v=DMARC1" || !auth.OtherZone {
		t.Errorf("authorisation record = %+v", auth)
	}
	if !p.Rollout[1].Current || p.Rollout[1].Policy != "quarantine" || !p.Rollout[1].Testing {
		t.Errorf("rollout = %+v", p.Rollout)
	}
	// Lowering an existing policy is allowed but warned about.
	p = mustPlan(t, Request{Domain: "example.test", DMARCPolicy: "none"},
		Live{"_dmarc.example.test.": {TXT: []string{"v=DMARC1; p=reject; rua=mailto:d@example.test"}}})
	if !strings.Contains(strings.Join(p.Warnings, " "), "lowers the policy") {
		t.Errorf("no warning: %q", p.Warnings)
	}
	// The same record live is kept.
	p = mustPlan(t, Request{Domain: "example.test"},
		Live{"_dmarc.example.test.": {TXT: []string{"v=DMARC1;p=none;rua=mailto:d@example.test"}}})
	if dm := p.Record("_dmarc.example.test", PurposeDMARC); dm.Action != ActionKeep || dm.Value != "v=DMARC1;p=none;rua=mailto:d@example.test" {
		t.Errorf("dmarc = %+v", dm)
	}
}

func TestPlanUnreadableName(t *testing.T) {
	p := mustPlan(t, Request{Domain: "example.test", IPs: []net.IP{net.ParseIP("192.0.2.1")}},
		Live{"example.test.": {Err: "dns: TXT example.test: timed out"}})
	spf := p.Record("example.test", PurposeSPF)
	if spf == nil || !strings.Contains(spf.Note, "Could not read") || len(p.Warnings) == 0 {
		t.Errorf("spf = %+v, warnings %q", spf, p.Warnings)
	}
}

func TestPlanCNAMEOverTXT(t *testing.T) {
	k, _, _ := GenerateDKIMKey(DKIMEd25519, nil)
	p := mustPlan(t, Request{Domain: "example.test", DKIMKey: k, Selector: "s1"},
		Live{"s1._domainkey.example.test.": {CNAME: "s1.domainkey.u1.wl1.sendgrid.net.", TXT: []string{"v=DKIM1; p=AAAA"}}})
	dk := p.Record("s1._domainkey.example.test", PurposeDKIM)
	if dk.Action != ActionReplace || !strings.HasPrefix(dk.Current, "CNAME ") || !strings.Contains(dk.Note, "Delete the CNAME") {
		t.Errorf("dkim = %+v", dk)
	}
}
