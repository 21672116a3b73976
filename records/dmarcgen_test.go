package records

import (
	"strings"
	"testing"

	"github.com/emersion/go-msgauth/dmarc"
)

func TestDMARCGenRollout(t *testing.T) {
	p := mustPlan(t, Request{Domain: "example.test", RUA: []string{"d@example.test"}, ADKIM: "s"}, nil)
	want := []struct {
		policy  string
		testing bool
	}{{"none", false}, {"quarantine", true}, {"quarantine", false}, {"reject", true}, {"reject", false}}
	if len(p.Rollout) != len(want) {
		t.Fatalf("%d steps", len(p.Rollout))
	}
	for i, s := range p.Rollout {
		if s.Step != i+1 || s.Policy != want[i].policy || s.Testing != want[i].testing || s.Watch == "" {
			t.Errorf("step %d = %+v", i+1, s)
		}
		d, err := ParseDMARC(s.Record)
		if err != nil || d.Policy != s.Policy || d.Testing != s.Testing || d.ADKIM != "s" || strings.Join(d.RUA, ",") != "mailto:d@example.test" {
			t.Errorf("step %d record %q: %+v %v", i+1, s.Record, d, err)
		}
		// go-msgauth implements RFC 7489, which every step stays valid in.
		if _, err := dmarc.Parse(s.Record); err != nil {
			t.Errorf("go-msgauth rejects step %d %q: %v", i+1, s.Record, err)
		}
		if strings.Contains(s.Record, "pct=") {
			t.Errorf("pct in %q (RFC 9989 removed it)", s.Record)
		}
	}
	if !p.Rollout[0].Current || p.Rollout[2].Current {
		t.Errorf("current step wrong: %+v", p.Rollout)
	}
}

func TestDMARCGenMerge(t *testing.T) {
	live := Live{"_dmarc.example.test.": {TXT: []string{"v=DMARC1; p=quarantine; sp=none; ri=3600; rf=afrf; fo=1; ruf=mailto:f@example.test; rua=mailto:a@example.test; foo=bar"}}}
	p := mustPlan(t, Request{Domain: "example.test", RUA: []string{"b@example.test"}, DMARCTesting: true}, live)
	dm := p.Record("_dmarc.example.test", PurposeDMARC)
	want := "v=DMARC1; p=quarantine; sp=none; t=y; rua=mailto:a@example.test,mailto:b@example.test; ruf=mailto:f@example.test; fo=1"
	if dm.Value != want || dm.Action != ActionReplace {
		t.Errorf("dmarc = %q (%s)\nwant    %q", dm.Value, dm.Action, want)
	}
	for _, w := range []string{"ri", "rf", "foo"} {
		if !strings.Contains(dm.Note, w) {
			t.Errorf("note %q does not name dropped %s", dm.Note, w)
		}
	}
	// t=y with p=none is dropped, and said.
	p = mustPlan(t, Request{Domain: "example.test", DMARCTesting: true}, nil)
	if dm := p.Record("_dmarc.example.test", PurposeDMARC); strings.Contains(dm.Value, "t=y") || !strings.Contains(dm.Note, "t=y") {
		t.Errorf("dmarc = %+v", dm)
	}
	// A record that does not parse is replaced, with a note.
	p = mustPlan(t, Request{Domain: "example.test"}, Live{"_dmarc.example.test.": {TXT: []string{"v=DMARC1; p=sometimes"}}})
	if dm := p.Record("_dmarc.example.test", PurposeDMARC); dm.Action != ActionReplace || !strings.Contains(dm.Note, "does not parse") || dm.Value != "v=DMARC1; p=none; rua=mailto:dmarc-reports@example.test" {
		t.Errorf("dmarc = %+v", dm)
	}
}

func TestDMARCGenAuthorisation(t *testing.T) {
	p := mustPlan(t, Request{Domain: "mail.example.test", RUA: []string{"x@example.test", "y@sub.mail.example.test", "z@reports.example.net"}}, nil)
	var auth []string
	for _, r := range p.Records {
		if r.OtherZone {
			auth = append(auth, r.Name)
		}
	}
	if strings.Join(auth, " ") != "mail.example.test._report._dmarc.reports.example.net." {
		t.Errorf("authorisation records %q", auth)
	}
}
