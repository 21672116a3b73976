package checks

import (
	"context"
	"fmt"
	"strings"

	"github.com/mailcfg/mailcfg/records"
)

// auditTLSRPT checks the SMTP TLS Reporting record at _smtp._tls.<domain>
// (RFC 8460 §3), including the common TSLRPTv1 typo.
func auditTLSRPT(ctx context.Context, r Resolver, domain string, emit func(...Finding)) {
	name := "_smtp._tls." + domain
	txt, _, err := txtAt(ctx, r, name)
	if err != nil {
		emit(couldNotCheck("tlsrpt.present", "the TLS-RPT record "+name, err))
		return
	}
	recs := append(auWithPrefix(txt, "v=TLSRPT"), auWithPrefix(txt, "v=TSLRPT")...)
	switch len(recs) {
	case 0:
		emit(Finding{ID: "tlsrpt.present", Status: StatusInfo, Title: "No TLS-RPT record",
			Detail: "With TLS reporting, senders tell you when they cannot deliver to your MX over TLS (useful with MTA-STS).",
			Fix:    "Publish TXT " + name + " \"v=TLSRPTv1; rua=mailto:tls-reports@" + domain + "\".", Ref: "RFC 8460 §3"})
		return
	case 1:
	default:
		emit(Finding{ID: "tlsrpt.present", Status: StatusFail, Title: name + " holds " + fmt.Sprint(len(recs)) + " TLS-RPT records",
			Detail: "Senders ignore them all.", Fix: "Keep one record.", Ref: "RFC 8460 §3", Evidence: auEvidence(strings.Join(recs, " | "))})
		return
	}
	if _, err := records.ParseTLSRPT(recs[0]); err != nil {
		emit(syntaxFinding("tlsrpt.present", "The TLS-RPT record", recs[0], err, "Publish: v=TLSRPTv1; rua=mailto:tls-reports@"+domain, "RFC 8460 §3"))
		return
	}
	emit(Finding{ID: "tlsrpt.present", Status: StatusPass, Title: "TLS-RPT record at " + name, Evidence: auEvidence(recs[0]), Ref: "RFC 8460 §3"})
}
