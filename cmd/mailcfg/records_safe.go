package main

import "github.com/mailcfg/mailcfg/records"

// shownPlan is a copy of plan for the table: every text that may come from
// the domain's live records (a current value kept or replaced, the SPF terms
// counted, notes and warnings quoting them) has its control bytes escaped,
// as printFindings does for findings. The JSON and zone outputs escape in
// their own syntax and use the plan as it is.
func shownPlan(plan *records.Plan) *records.Plan {
	p := *plan
	p.Domain = safeText(p.Domain)
	p.Records = make([]records.PlannedRecord, len(plan.Records))
	for i, r := range plan.Records {
		r.Name, r.Value, r.Current, r.Note = safeText(r.Name), safeText(r.Value), safeText(r.Current), safeText(r.Note)
		p.Records[i] = r
	}
	p.Warnings = safeAll(plan.Warnings)
	p.Notes = safeAll(plan.Notes)
	if plan.SPFCost != nil {
		sc := *plan.SPFCost
		sc.Record, sc.Error, sc.Fixes = safeText(sc.Record), safeText(sc.Error), safeAll(sc.Fixes)
		sc.Terms = make([]records.SPFTermCost, len(plan.SPFCost.Terms))
		for i, t := range plan.SPFCost.Terms {
			t.Term, t.Error = safeText(t.Term), safeText(t.Error)
			sc.Terms[i] = t
		}
		p.SPFCost = &sc
	}
	p.Rollout = make([]records.RolloutStep, len(plan.Rollout))
	for i, s := range plan.Rollout {
		s.Record, s.Watch = safeText(s.Record), safeText(s.Watch)
		p.Rollout[i] = s
	}
	return &p
}

func safeAll(ss []string) []string {
	if ss == nil {
		return nil
	}
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = safeText(s)
	}
	return out
}
