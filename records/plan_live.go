package records

import (
	"slices"
	"strings"
)

// Live is what a domain publishes now, by lower-case fully qualified name.
// checks.PlanRecords fills it through a resolver; tests fill it by hand.
type Live map[string]LiveName

// LiveName is what is published at one name.
type LiveName struct {
	TXT   []string // each TXT record's strings joined
	CNAME string   // the CNAME target ("" for none)
	MX    []string // "pref host." each
	// Err is why the name could not be read ("" when it was): the plan
	// then cannot say whether a record is new.
	Err string
}

// get returns what is published at name (nothing for a nil Live).
func (l Live) get(name string) LiveName {
	if l == nil {
		return LiveName{}
	}
	return l[fqdn(name)]
}

// LiveQuery is a question the planner wants answered before planning: the
// record types to read at Name.
type LiveQuery struct {
	Name  string   // fully qualified, lower case, trailing dot
	Types []string // "TXT", "CNAME", "MX"
}

// LiveQueries returns the names and types MakePlan reads for req, so that
// the caller can look them all up at once. Names are given once each.
func LiveQueries(req Request) ([]LiveQuery, error) {
	r, err := normalize(req)
	if err != nil {
		return nil, err
	}
	want, err := r.desired(nil)
	if err != nil {
		return nil, err
	}
	var out []LiveQuery
	add := func(name string, types ...string) {
		name = fqdn(name)
		for i := range out {
			if out[i].Name == name {
				for _, t := range types {
					if !slices.Contains(out[i].Types, t) {
						out[i].Types = append(out[i].Types, t)
					}
				}
				return
			}
		}
		out = append(out, LiveQuery{Name: name, Types: types})
	}
	add(r.domain, "TXT", "MX")
	add("_dmarc."+r.domain, "TXT", "CNAME")
	add("_mta-sts."+r.domain, "TXT", "CNAME")
	add("_smtp._tls."+r.domain, "TXT", "CNAME")
	for _, sel := range r.profile.DKIM.Selectors {
		var miss []string
		if sel = r.expand(sel, &miss); len(miss) == 0 && hostnameOK(sel) {
			add(sel+"._domainkey."+r.domain, "TXT", "CNAME")
		}
	}
	for _, d := range want {
		add(d.Name, "TXT", "CNAME")
		if d.Type == "MX" {
			add(d.Name, "MX")
		}
	}
	return out, nil
}

// kindOf names the kind of a TXT value: spf, dkim, dmarc, mta-sts, tls-rpt,
// or "" for anything else.
func kindOf(v string) string {
	t := strings.ToLower(strings.TrimSpace(v))
	t = strings.Join(strings.Fields(t), "")
	switch {
	case IsSPF(strings.TrimSpace(v)):
		return PurposeSPF
	case strings.HasPrefix(t, "v=dmarc1"):
		return PurposeDMARC
	case strings.HasPrefix(t, "v=dkim1"):
		return PurposeDKIM
	case strings.HasPrefix(t, "v=stsv1"):
		return PurposeMTASTS
	case strings.HasPrefix(t, "v=tlsrptv1"):
		return PurposeTLSRPT
	case strings.HasPrefix(t, "k=") || strings.HasPrefix(t, "p=") || strings.Contains(t, ";p="):
		return PurposeDKIM // a key record without v= (RFC 6376 §3.6.1 makes v optional)
	}
	return ""
}

// sameTXT compares two TXT values of one kind, ignoring the spacing of tag
// lists and, where the grammar is case-insensitive, case. DKIM keys compare
// by key type and key.
func sameTXT(kind, a, b string) bool {
	squeeze := func(s string) string {
		s = strings.Join(strings.Fields(s), "")
		return strings.TrimSuffix(s, ";")
	}
	switch kind {
	case PurposeDKIM:
		ka, errA := ParseDKIMKey(a)
		kb, errB := ParseDKIMKey(b)
		if errA != nil || errB != nil {
			return squeeze(a) == squeeze(b)
		}
		return ka.KeyType == kb.KeyType && string(ka.PublicKey) == string(kb.PublicKey) && slices.Contains(ka.Flags, "y") == slices.Contains(kb.Flags, "y")
	case PurposeSPF:
		return strings.EqualFold(strings.Join(strings.Fields(a), " "), strings.Join(strings.Fields(b), " "))
	}
	return strings.EqualFold(squeeze(a), squeeze(b))
}

// sameHost compares two host names, ignoring case and the trailing dot.
func sameHost(a, b string) bool { return strings.EqualFold(bare(a), bare(b)) }

// CouldNotRead is the note of a record whose name could not be read: its
// action is then a guess.
const CouldNotRead = "Could not read what is published here now (see warnings): check by hand before publishing."

// resolve sets the Action and Current of a desired record against live.
func resolve(d PlannedRecord, live Live) PlannedRecord {
	ln := live.get(d.Name)
	note := func(s string) {
		if d.Note == "" {
			d.Note = s
		} else {
			d.Note += " " + s
		}
	}
	if ln.Err != "" {
		d.Action = ActionCreate
		note(CouldNotRead)
		return d
	}
	switch d.Type {
	case "TXT":
		if ln.CNAME != "" {
			d.Action, d.Current = ActionReplace, "CNAME "+ln.CNAME
			note("Delete the CNAME first: a name with a CNAME can hold no other record (RFC 1034 §3.6.2).")
			return d
		}
		kind := kindOf(d.Value)
		if kind == "" {
			// A TXT of no known kind (a verification code) sits beside
			// the others: it is there or it is not.
			d.Action = ActionCreate
			for _, t := range ln.TXT {
				if t == d.Value {
					d.Action, d.Current = ActionKeep, t
				}
			}
			return d
		}
		var same []string
		for _, t := range ln.TXT {
			if kindOf(t) == kind {
				same = append(same, t)
			}
		}
		switch {
		case len(same) == 0:
			d.Action = ActionCreate
		case len(same) == 1 && sameTXT(kind, same[0], d.Value):
			d.Action, d.Current, d.Value = ActionKeep, same[0], same[0]
		default:
			d.Action, d.Current = ActionReplace, strings.Join(same, " | ")
			if len(same) > 1 {
				note("The name has several records of this kind, which receivers treat as an error: publish only this one.")
			}
		}
	case "CNAME":
		switch {
		case ln.CNAME != "" && sameHost(ln.CNAME, d.Value):
			d.Action, d.Current = ActionKeep, ln.CNAME
		case ln.CNAME != "":
			d.Action, d.Current = ActionReplace, ln.CNAME
		case len(ln.TXT) > 0 || len(ln.MX) > 0:
			d.Action, d.Current = ActionReplace, strings.Join(append(append([]string{}, ln.TXT...), ln.MX...), " | ")
			note("Delete the records now at this name first: a CNAME cannot share its name (RFC 1034 §3.6.2).")
		default:
			d.Action = ActionCreate
		}
	case "MX":
		for _, mx := range ln.MX {
			if sameMX(mx, d.Value) {
				d.Action, d.Current = ActionKeep, mx
				return d
			}
		}
		if len(ln.MX) > 0 {
			d.Action, d.Current = ActionReplace, strings.Join(ln.MX, " | ")
		} else {
			d.Action = ActionCreate
		}
	}
	return d
}

// sameMX compares "pref host" values.
func sameMX(a, b string) bool {
	fa, fb := strings.Fields(a), strings.Fields(b)
	return len(fa) == 2 && len(fb) == 2 && fa[0] == fb[0] && sameHost(fa[1], fb[1])
}
