package records

import (
	"slices"
	"strings"
)

// RolloutStep is one step of the staged DMARC rollout: the record to publish
// and what to watch in the reports before taking the next step.
type RolloutStep struct {
	Step    int    `json:"step"`
	Policy  string `json:"policy"`
	Testing bool   `json:"testing,omitempty"`
	Record  string `json:"record"`
	Watch   string `json:"watch"`
	Current bool   `json:"current,omitempty"` // the step the planned record is at
}

// policyRank orders DMARC policies from weakest to strongest.
func policyRank(p string) int {
	return slices.Index([]string{DMARCNone, DMARCQuarantine, DMARCReject}, p)
}

// planDMARC builds the DMARC record for r, merged with the live one: its
// report addresses, sp, np, fo and ruf are kept unless the request sets
// them; pct, rf and ri (gone in RFC 9989) are dropped with a note. It
// returns the record, the rollout and warnings.
func (r *request) planDMARC(live Live) (PlannedRecord, []RolloutStep, []string) {
	name := "_dmarc." + r.domain + "."
	d := &DMARC{}
	var notes, warnings []string
	var existing *DMARC
	for _, t := range live.get(name).TXT {
		if IsDMARC(t) {
			if e, err := ParseDMARC(t); err == nil {
				existing = e
			} else {
				notes = append(notes, "The current record does not parse ("+strings.TrimPrefix(err.Error(), "dmarc: ")+"); this one replaces it.")
			}
			break
		}
	}
	if existing != nil {
		*d = *existing
		d.RUA = slices.Clone(existing.RUA)
		if len(existing.Removed) > 0 {
			notes = append(notes, "Dropped "+strings.Join(existing.Removed, ", ")+": RFC 9989 removed them (t=y replaces pct=0 for a trial).")
		}
		if len(existing.Unknown) > 0 {
			notes = append(notes, "Dropped unknown tags "+strings.Join(existing.Unknown, ", ")+" (typos?).")
		}
		d.Removed, d.RemovedValues, d.Unknown = nil, nil, nil
	}
	if r.DMARCPolicy != "" {
		if existing != nil && policyRank(r.DMARCPolicy) < policyRank(existing.EffectivePolicy()) {
			warnings = append(warnings, "DMARC: this lowers the policy of "+r.domain+" from "+existing.EffectivePolicy()+" to "+r.DMARCPolicy+"; leave out --dmarc-policy to keep it")
		}
		d.Policy = r.DMARCPolicy
		d.Testing = r.DMARCTesting
	} else if d.Policy == "" {
		d.Policy = DMARCNone
	}
	if r.DMARCTesting {
		d.Testing = true
	}
	if d.Policy == DMARCNone && d.Testing {
		d.Testing = false
		if r.DMARCTesting {
			notes = append(notes, "t=y is left out: it means nothing with p=none (it tries quarantine or reject out).")
		}
	}
	if r.SubdomainPolicy != "" {
		d.SubdomainPolicy = r.SubdomainPolicy
	}
	if r.ADKIM != "" {
		d.ADKIM = r.ADKIM
	}
	if r.ASPF != "" {
		d.ASPF = r.ASPF
	}
	for _, u := range r.rua {
		if !slices.ContainsFunc(d.RUA, func(e string) bool { return strings.EqualFold(e, u) }) {
			d.RUA = append(d.RUA, u)
		}
	}
	if len(d.RUA) == 0 {
		d.RUA = []string{"mailto:dmarc-reports@" + r.domain}
		notes = append(notes, "Aggregate reports go to dmarc-reports@"+r.domain+": make sure that mailbox exists, or give the address to use (--rua).")
	}
	rec := PlannedRecord{Name: name, Type: "TXT", Value: d.String(), Purpose: PurposeDMARC, Note: strings.Join(notes, " ")}
	return rec, r.rollout(d), warnings
}

// rollout is the staged plan none → quarantine → reject for the record d,
// marking the step d is at.
func (r *request) rollout(d *DMARC) []RolloutStep {
	type stage struct {
		policy  string
		testing bool
		watch   string
	}
	stages := []stage{
		{DMARCNone, false, "Publish and read the aggregate reports for 2 to 4 weeks: every service that sends as " + r.domain + " must show up with SPF or DKIM passing and aligned with it. Fix or authorise the ones that fail before the next step."},
		{DMARCQuarantine, true, "A trial: t=y asks receivers to treat the policy as none while you test (RFC 9989). Watch the reports for a week for legitimate sources still failing alignment."},
		{DMARCQuarantine, false, "Failing mail now goes to spam. Watch for a week or two: no complaints of missing mail, the aligned pass rate near 100% in the reports."},
		{DMARCReject, true, "A trial of reject: receivers treat it as quarantine. Watch the reports for new or forgotten senders."},
		{DMARCReject, false, "Failing mail is refused. Keep reading the reports: a new service that sends as " + r.domain + " must be aligned before it starts."},
	}
	out := make([]RolloutStep, len(stages))
	for i, s := range stages {
		step := *d
		step.Policy, step.Testing = s.policy, s.testing
		out[i] = RolloutStep{Step: i + 1, Policy: s.policy, Testing: s.testing, Record: step.String(), Watch: s.watch,
			Current: d.Policy == s.policy && d.Testing == s.testing}
	}
	return out
}

// reportAuthorisations returns, for each aggregate-report address outside
// the domain, the record its domain publishes to accept reports about this
// one: <domain>._report._dmarc.<report domain> TXT "v=DMARC1" (RFC 9990,
// formerly RFC 7489 §7.1).
func (r *request) reportAuthorisations(dmarcValue string) []PlannedRecord {
	d, err := ParseDMARC(dmarcValue)
	if err != nil {
		return nil
	}
	var out []PlannedRecord
	seen := map[string]bool{}
	for _, u := range append(slices.Clone(d.RUA), d.RUF...) {
		_, dom, ok := MailtoAddress(u)
		if !ok || seen[dom] || sameOrg(dom, r.domain) {
			continue
		}
		seen[dom] = true
		out = append(out, PlannedRecord{
			Name: r.domain + "._report._dmarc." + dom + ".", Type: "TXT", Value: "v=DMARC1", Purpose: PurposeDMARC,
			OtherZone: true,
			Note:      "Reports go to another domain: " + dom + " must publish this record in its own zone to accept them (report services usually do).",
		})
	}
	return out
}

// sameOrg reports whether two domains are one another or one is a subdomain
// of the other: reports between them need no authorisation.
func sameOrg(a, b string) bool {
	a, b = strings.ToLower(bare(a)), strings.ToLower(bare(b))
	return a == b || strings.HasSuffix(a, "."+b) || strings.HasSuffix(b, "."+a)
}
