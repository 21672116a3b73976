package records

import (
	"strconv"
	"strings"

	"github.com/mailcfg/mailcfg/providers"
)

// dkim plans the DKIM records: the TXT of a self-managed key, the CNAMEs
// that delegate to a provider, or — for a provider that issues its own TXT
// key — the live key kept, when there is one.
func (r *request) dkim(live Live, miss *[]string) ([]PlannedRecord, error) {
	m := r.profile.DKIM
	switch {
	case r.pub != nil:
		v, err := DKIMRecord(r.pub)
		if err != nil {
			return nil, &RequestError{Field: "dkim_key", Msg: strings.TrimPrefix(err.Error(), "records: ")}
		}
		rec := PlannedRecord{Name: r.Selector + "._domainkey." + r.domain + ".", Type: "TXT", Value: v, Purpose: PurposeDKIM,
			Note: "A self-managed key: the signer needs its private half and the selector " + r.Selector + "."}
		if DKIMKeyAlgorithm(r.pub) == DKIMEd25519 {
			// RFC 8463 §3: not every verifier knows ed25519-sha256 yet.
			rec.Note += " Ed25519 (RFC 8463) goes beside an RSA key at another selector, signing with both: many receivers verify only RSA."
		}
		if m.Method != providers.DKIMSelf && m.Method != "" {
			rec.Note += " " + r.profile.Name + " must be told to sign with this key (bring your own DKIM)."
		}
		return []PlannedRecord{rec}, nil
	case m.Method == providers.DKIMCNAME:
		var out []PlannedRecord
		for _, t := range m.CNAMEs {
			out = append(out, PlannedRecord{
				Name: fqdn(r.expand(t.Name, miss)), Type: "CNAME", Value: fqdn(r.expand(t.Value, miss)),
				Purpose: PurposeDKIM, Note: t.Note,
			})
		}
		return out, nil
	case m.Method == providers.DKIMTXT:
		var out []PlannedRecord
		for _, sel := range m.Selectors {
			var selMiss []string // a selector only the console knows is not an error
			if sel = strings.ToLower(r.expand(sel, &selMiss)); len(selMiss) > 0 || !hostnameOK(sel) {
				continue
			}
			name := sel + "._domainkey." + r.domain + "."
			for _, t := range live.get(name).TXT {
				if kindOf(t) == PurposeDKIM {
					out = append(out, PlannedRecord{Name: name, Type: "TXT", Value: t, Purpose: PurposeDKIM,
						Action: ActionKeep, Current: t, Note: "The key " + r.profile.Name + " issued is published; compare it with the console's when it rotates."})
					break
				}
			}
		}
		return out, nil
	}
	return nil, nil
}

// planNotes adds the steps that make no record: copying a provider-issued
// DKIM key, making a self-managed one, the provider's DMARC advice.
func (r *request) planNotes(p *Plan) {
	m := r.profile.DKIM
	switch {
	case r.pub != nil:
	case m.Method == providers.DKIMTXT:
		if len(m.Selectors) == 0 || p.Record(m.Selectors[0]+"._domainkey."+r.domain, PurposeDKIM) == nil {
			where := m.Console
			if where == "" {
				where = r.profile.Name + "'s console"
			}
			p.Notes = append(p.Notes, "DKIM: "+r.profile.Name+" issues the key: publish its TXT record with the name and value shown in "+strings.TrimSuffix(where, ".")+" (no value is made up here).")
		}
	case m.Method == providers.DKIMSelf || m.Method == "":
		p.Warnings = append(p.Warnings, "DKIM: no key given, so no DKIM record: make one with --dkim-key FILE --dkim-generate rsa2048 (or give an existing key with --dkim-key FILE).")
	}
	if m.Note != "" {
		p.Notes = append(p.Notes, "DKIM: "+m.Note)
	}
	if r.profile.DMARC != "" {
		p.Notes = append(p.Notes, "DMARC: "+r.profile.DMARC)
	}
	for _, rec := range p.Records {
		if rec.Purpose == PurposeSPF && len(rec.Value) > 450 {
			// RFC 7208 §3.4: keep the answer within one UDP datagram.
			p.Warnings = append(p.Warnings, "SPF: the record is "+strconv.Itoa(len(rec.Value))+" bytes; RFC 7208 §3.4 advises under 450 so that it fits one DNS reply")
		}
	}
}
