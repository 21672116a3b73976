package checks

import (
	"context"
	"fmt"
	"strings"

	"github.com/mailcfg/mailcfg/records"
)

// auditBIMI checks the BIMI assertion record at default._bimi.<domain>
// (draft-brand-indicators-for-message-identification §4): present, well
// formed, and backed by a DMARC policy at enforcement, which BIMI requires.
func auditBIMI(ctx context.Context, r Resolver, domain string, emit func(...Finding)) {
	name := "default._bimi." + domain
	txt, _, err := txtAt(ctx, r, name)
	if err != nil {
		emit(couldNotCheck("bimi.present", "the BIMI record "+name, err))
		return
	}
	recs := auWithPrefix(txt, "v=BIMI1")
	switch len(recs) {
	case 0:
		emit(Finding{ID: "bimi.present", Status: StatusInfo, Title: "No BIMI record",
			Detail: "BIMI shows your logo beside authenticated mail in some mailboxes; optional, and it needs DMARC at quarantine or reject.",
			Ref:    "draft-brand-indicators-for-message-identification"})
		return
	case 1:
	default:
		emit(Finding{ID: "bimi.present", Status: StatusFail, Title: fmt.Sprintf("%s holds %d BIMI records", name, len(recs)),
			Fix: "Keep one.", Evidence: auEvidence(strings.Join(recs, " | "))})
		return
	}
	b, err := records.ParseBIMI(recs[0])
	if err != nil {
		emit(syntaxFinding("bimi.present", "The BIMI record", recs[0], err, "Publish: v=BIMI1; l=https://…/logo.svg; a=https://…/vmc.pem", "draft-brand-indicators-for-message-identification §4.2"))
		return
	}
	ev := auEvidence(recs[0])
	if b.Declined() {
		emit(Finding{ID: "bimi.present", Status: StatusInfo, Title: "The BIMI record declines to show a logo", Evidence: ev})
		return
	}
	f := Finding{ID: "bimi.present", Status: StatusPass, Title: "BIMI record at " + name, Evidence: ev}
	if b.Authority == "" {
		f.Status = StatusInfo
		f.Detail = "Without a=, the mark certificate (VMC or CMC), Gmail and Apple Mail do not show the logo."
	}
	emit(f)
	if l, err := LookupDMARC(ctx, r, domain); err == nil && l.Record != nil && l.Record.EffectivePolicy() == records.DMARCNone {
		emit(Finding{ID: "bimi.dmarc", Status: StatusWarn, Title: "BIMI needs DMARC at quarantine or reject; the policy is none",
			Fix: "Move DMARC to p=quarantine or p=reject.", Ref: "draft-brand-indicators-for-message-identification §3"})
	}
}
