package records

import (
	"errors"
	"strings"
)

// MakePlan plans the records req needs against what live says the domain
// publishes now. It is pure: live comes from the caller (checks.PlanRecords
// reads it through a resolver). Errors: *RequestError for a bad field,
// *MissingInputError when the provider's templates need inputs (tokens, a
// tenant) that req lacks, *MultipleSPFError when a name already has two SPF
// records, *SyntaxError when an SPF record to merge into does not parse.
func MakePlan(req Request, live Live) (*Plan, error) {
	r, err := normalize(req)
	if err != nil {
		return nil, err
	}
	want, err := r.desired(live)
	if err != nil {
		return nil, err
	}
	p := &Plan{Domain: r.domain}
	for _, d := range want {
		if d.Action == "" {
			d = resolve(d, live)
		}
		p.Records = append(p.Records, d)
	}
	dm, rollout, warns := r.planDMARC(live)
	p.Records = append(p.Records, resolve(dm, live))
	for _, a := range r.reportAuthorisations(dm.Value) {
		p.Records = append(p.Records, resolve(a, live))
	}
	p.Rollout = rollout
	p.Warnings = append(p.Warnings, warns...)
	for _, in := range r.planInbound(live, p) {
		p.Records = append(p.Records, resolve(in, live))
	}
	r.planNotes(p)
	seen := map[string]bool{}
	for _, rec := range p.Records {
		if err := live.get(rec.Name).Err; err != "" && !seen[rec.Name] {
			seen[rec.Name] = true
			p.Warnings = append(p.Warnings, "could not read "+bare(rec.Name)+": "+err)
		}
	}
	return p, nil
}

// desired returns the SPF, DKIM and bounce records of r, with SPF merged into
// what live has (Action set); the others still need resolve.
func (r *request) desired(live Live) ([]PlannedRecord, error) {
	var out []PlannedRecord
	var miss []string
	// SPF at the domain: the provider's include and the sending IPs.
	var mechs []string
	if inc := r.profile.SPFInclude(r.region); inc != "" {
		mechs = append(mechs, "include:"+bare(r.expand(inc, &miss)))
	}
	for _, ip := range r.IPs {
		if ip4 := ip.To4(); ip4 != nil {
			mechs = append(mechs, "ip4:"+ip4.String())
		} else {
			mechs = append(mechs, "ip6:"+ip.String())
		}
	}
	spf, err := spfRecord(r.domain+".", mechs, PurposeSPF, r.profile.SPF.Note, live)
	if err != nil {
		return nil, err
	}
	if spf != nil {
		out = append(out, *spf)
	}

	dk, err := r.dkim(live, &miss)
	if err != nil {
		return nil, err
	}
	out = append(out, dk...)

	// Bounce / custom MAIL FROM / Return-Path records, and inbound MX.
	for _, t := range r.profile.Bounce {
		rec := PlannedRecord{Name: fqdn(r.expand(t.Name, &miss)), Type: strings.ToUpper(t.Type), Purpose: PurposeBounce, Note: t.Note}
		v := strings.TrimSpace(r.expand(t.Value, &miss))
		switch rec.Type {
		case "CNAME":
			v = fqdn(v)
		case "MX":
			f := strings.Fields(v)
			if len(f) == 1 {
				f = []string{"10", f[0]}
			}
			if len(f) == 2 {
				v = f[0] + " " + fqdn(f[1])
			}
			if bare(rec.Name) == r.domain {
				rec.Purpose = PurposeMX
			}
		case "TXT":
			if IsSPF(v) {
				// The MAIL FROM domain's own SPF: merge like the domain's.
				merged, err := mergeAt(rec.Name, v, rec.Purpose, rec.Note, live)
				if err != nil {
					return nil, err
				}
				out = append(out, *merged)
				continue
			}
		}
		rec.Value = v
		out = append(out, rec)
	}
	if len(miss) > 0 {
		return nil, r.missingError(miss)
	}
	return out, nil
}

// spfRecord plans the SPF record at name from mechs merged into live's.
// With nothing to add and nothing live, it is "v=spf1 ~all".
func spfRecord(name string, mechs []string, purpose, note string, live Live) (*PlannedRecord, error) {
	ln := live.get(name)
	var cur []string
	for _, t := range ln.TXT {
		if IsSPF(strings.TrimSpace(t)) {
			cur = append(cur, t)
		}
	}
	if len(cur) > 1 {
		return nil, &MultipleSPFError{Name: name, Records: cur}
	}
	rec := &PlannedRecord{Name: name, Type: "TXT", Purpose: purpose, Note: note}
	if ln.Err != "" {
		rec.Value = NewSPF(mechs)
		return rec, nil // resolve says it could not be read
	}
	if len(cur) == 0 {
		if len(mechs) == 0 {
			// An SPF policy that lists no sender still tells receivers
			// (and DMARC) that the domain has a policy.
			rec.Note = strings.TrimSpace("This record authorises no server yet: add --ip for a server that sends with an envelope sender at " + bare(name) + ". " + rec.Note)
		}
		rec.Value, rec.Action = NewSPF(mechs), ActionCreate
		return rec, nil
	}
	merged, changes, err := MergeSPF(cur[0], mechs)
	if err != nil {
		var se *SyntaxError
		if errors.As(err, &se) {
			return nil, &SyntaxError{Kind: "spf", Record: cur[0], Pos: se.Pos,
				Msg: "the SPF record now at " + bare(name) + " does not parse (" + se.Msg + "); fix it by hand, then plan again"}
		}
		return nil, err
	}
	rec.Current, rec.Value = cur[0], merged
	if len(changes) == 0 {
		rec.Action = ActionKeep
		return rec, nil
	}
	rec.Action = ActionReplace
	joined := "Merged into the current record: " + strings.Join(changes, "; ") + "."
	if rec.Note != "" {
		joined += " " + rec.Note
	}
	rec.Note = joined
	return rec, nil
}

// mergeAt plans a template's whole SPF record (v) at name: its mechanisms
// merged into what is live there.
func mergeAt(name, v, purpose, note string, live Live) (*PlannedRecord, error) {
	tmpl, err := ParseSPF(v)
	if err != nil {
		return nil, err
	}
	if len(live.get(name).TXT) == 0 && live.get(name).Err == "" {
		return &PlannedRecord{Name: name, Type: "TXT", Value: v, Purpose: purpose, Note: note, Action: ActionCreate}, nil
	}
	var mechs []string
	for _, t := range tmpl.Terms {
		if !t.Modifier && t.Name != SPFAll {
			mechs = append(mechs, t.String())
		}
	}
	rec, err := spfRecord(name, mechs, purpose, note, live)
	if err != nil || rec == nil {
		return rec, err
	}
	if rec.Action == "" {
		rec.Value = v
	}
	return rec, nil
}
