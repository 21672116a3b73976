package records

import (
	"strings"
	"testing"
	"time"
)

func TestPlanMTASTSGen(t *testing.T) {
	id := MTASTSID(time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("x", 3600)))
	if id != "20260102020405" {
		t.Errorf("id = %q", id)
	}
	m, err := ParseMTASTS(MTASTSRecord(id))
	if err != nil || m.ID != id {
		t.Errorf("record back: %+v %v", m, err)
	}
	text := STSPolicyText(STSModeTesting, []string{"MX2.example.test.", "mx1.example.test", "mx1.example.test."}, STSTestingMaxAge)
	if text != "version: STSv1\nmode: testing\nmx: mx1.example.test\nmx: mx2.example.test\nmax_age: 604800\n" {
		t.Errorf("policy = %q", text)
	}
	pol, err := ParseSTSPolicy(text)
	if err != nil || pol.Mode != "testing" || !pol.Matches("mx2.example.test") {
		t.Errorf("policy back: %+v %v", pol, err)
	}
	if _, err := ParseTLSRPT(TLSRPTRecord([]string{"mailto:a@example.test", "https://r.example.net/tls"})); err != nil {
		t.Errorf("tls-rpt: %v", err)
	}
	// A valid live record is kept with its id; a broken one is replaced.
	live := Live{
		"example.test.":            {MX: []string{"10 mx.example.test."}},
		"_mta-sts.example.test.":   {TXT: []string{"v=STSv1; id=old1"}},
		"_smtp._tls.example.test.": {TXT: []string{"v=TLSRPTv1; rua=mailto:tls@example.test"}},
	}
	p := mustPlan(t, Request{Domain: "example.test"}, live)
	if r := p.Record("_mta-sts.example.test", PurposeMTASTS); r.Action != ActionKeep || r.Value != "v=STSv1; id=old1" {
		t.Errorf("mta-sts = %+v", r)
	}
	if r := p.Record("_smtp._tls.example.test", PurposeTLSRPT); r.Action != ActionKeep {
		t.Errorf("tls-rpt = %+v", r)
	}
	live["_mta-sts.example.test."] = LiveName{TXT: []string{"v=STSv1; id=not valid!"}}
	p = mustPlan(t, Request{Domain: "example.test"}, live)
	if r := p.Record("_mta-sts.example.test", PurposeMTASTS); r.Action != ActionReplace || !strings.HasPrefix(r.Value, "v=STSv1; id=2026") {
		t.Errorf("mta-sts = %+v", r)
	}
	// A null MX receives nothing: no policy.
	p = mustPlan(t, Request{Domain: "example.test"}, Live{"example.test.": {MX: []string{"0 ."}}})
	if p.Record("_mta-sts.example.test", PurposeMTASTS) != nil || p.MTASTSPolicy != "" {
		t.Errorf("a policy for a null MX: %q", p.MTASTSPolicy)
	}
}
