package checks

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/mailcfg/mailcfg/records"
)

const dmarcRoad = "Start at p=none with rua= to receive aggregate reports; once they show all your legitimate mail passing SPF or DKIM aligned, move to p=quarantine, then p=reject."

// auditDMARC checks the DMARC record that applies to domain (found with the
// RFC 9989 tree walk), its policy, its removed and testing tags, alignment,
// and its report destinations with their authorisation records.
func auditDMARC(ctx context.Context, r Resolver, domain string, emit func(...Finding)) {
	l, err := LookupDMARC(ctx, r, domain)
	switch {
	case errors.Is(err, ErrNoDMARC):
		f := Finding{ID: "dmarc.present", Status: StatusFail, Title: "No DMARC record for " + domain,
			Detail: "Without DMARC, receivers have no policy for mail that fails SPF and DKIM, and Gmail and Yahoo require one of bulk senders.",
			Fix:    "Publish TXT _dmarc." + domain + " \"v=DMARC1; p=none; rua=mailto:dmarc-reports@" + domain + "\", then tighten it. " + dmarcRoad,
			Ref:    "RFC 9989 §4.10", Evidence: "tree walk asked _dmarc." + strings.Join(l.Walk, ", _dmarc.")}
		if l.Multiple != nil {
			f.Title = "_dmarc." + l.MultipleAt + " holds " + fmt.Sprint(len(l.Multiple)) + " DMARC records, so none applies"
			f.Detail = "Receivers discard every record when a name publishes more than one."
			f.Fix = "Merge them into one TXT record at _dmarc." + l.MultipleAt + "."
			f.Ref = "RFC 9989 §4.10.1"
			f.Evidence = auEvidence(strings.Join(l.Multiple, " | "))
		}
		emit(f)
		return
	case err != nil:
		emit(couldNotCheck("dmarc.present", "the DMARC record of "+domain, err))
		return
	}
	author := auBare(domain)
	ev := auEvidence("_dmarc." + l.Domain + ": " + l.Raw)
	if l.Domain == author {
		emit(Finding{ID: "dmarc.present", Status: StatusPass, Title: "DMARC record at _dmarc." + l.Domain, Evidence: ev, Ref: "RFC 9989 §4.7"})
	} else {
		f := Finding{ID: "dmarc.present", Status: StatusInfo,
			Title:  domain + " has no DMARC record of its own; the tree walk found the one at _dmarc." + l.Domain,
			Detail: "Its subdomain policy (sp=, or p=) applies to " + domain + ".",
			Fix:    "That is fine if the parent's policy suits this domain; publish _dmarc." + domain + " to set its own.",
			Ref:    "RFC 9989 §4.10.1", Evidence: ev}
		if l.Record != nil {
			f.Detail = fmt.Sprintf("Its subdomain policy, %s, applies to %s (organizational domain: %s).", l.Record.EffectiveSubdomainPolicy(), domain, l.OrgDomain)
		}
		emit(f)
	}
	if l.Multiple != nil && l.MultipleAt == author {
		emit(Finding{ID: "dmarc.present", Status: StatusFail, Title: "_dmarc." + author + " holds several DMARC records; all are ignored",
			Fix: "Merge them into one record.", Ref: "RFC 9989 §4.10.1", Evidence: auEvidence(strings.Join(l.Multiple, " | "))})
	}
	if l.ParseErr != nil {
		id, fix := "dmarc.syntax", "Fix the record: v=DMARC1; p=none; rua=mailto:…; tags separated by semicolons."
		var se *records.SyntaxError
		if errors.As(l.ParseErr, &se) {
			// A bad report address is the rua/ruf check's business.
			for _, tag := range []string{"rua", "ruf"} {
				if strings.HasPrefix(se.Msg, tag+": ") {
					id, fix = "dmarc."+tag, "Write each address as mailto:name@domain, several separated by commas."
				}
			}
		}
		emit(syntaxFinding(id, "The DMARC record", l.Raw, l.ParseErr, fix, "RFC 9989 §4.7"))
		return
	}
	d := l.Record
	if len(d.Unknown) > 0 {
		emit(Finding{ID: "dmarc.syntax", Status: StatusWarn, Title: "The DMARC record has unknown tags: " + Sanitize(strings.Join(d.Unknown, ", "), 80),
			Detail: "Receivers ignore them; they are often typos of real tags.", Fix: "Remove or correct them. The record would read: " + d.String(),
			Ref: "RFC 9989 §4.7", Evidence: ev})
	} else {
		emit(Finding{ID: "dmarc.syntax", Status: StatusPass, Title: "The DMARC record is well-formed", Ref: "RFC 9989 §4.7"})
	}
	inherited := l.Domain != author
	emit(dmarcPolicy(d, inherited, ev)...)
	emit(dmarcTags(d, ev)...)
	emit(dmarcReports(ctx, r, l, ev)...)
}

func syntaxFinding(id, what, raw string, err error, fix, ref string) Finding {
	f := Finding{ID: id, Status: StatusFail, Title: what + " does not parse", Fix: fix, Ref: ref, Evidence: auEvidence(raw)}
	var se *records.SyntaxError
	if errors.As(err, &se) {
		f.Detail = fmt.Sprintf("%s at byte %d: %s", Sanitize(se.Msg, 200), se.Pos, auEvidence(markAt(raw, se.Pos)))
	} else {
		f.Detail = Sanitize(err.Error(), 200)
	}
	return f
}

// markAt inserts a marker at byte pos of s.
func markAt(s string, pos int) string {
	if pos < 0 || pos > len(s) {
		return s
	}
	return s[:pos] + "⟦here⟧" + s[pos:]
}

func dmarcPolicy(d *records.DMARC, inherited bool, ev string) []Finding {
	var fs []Finding
	p := d.EffectivePolicy()
	tag := "p"
	if inherited {
		p, tag = d.EffectiveSubdomainPolicy(), "sp"
	}
	f := Finding{ID: "dmarc.policy", Ref: "RFC 9989 §4.7", Evidence: ev}
	switch p {
	case records.DMARCNone:
		f.Status, f.Title = StatusWarn, "DMARC policy is none ("+tag+"=none): failing mail is still delivered"
		if d.Policy == "" && !inherited {
			f.Title = "The DMARC record has no p= tag, which means none"
		}
		f.Detail, f.Fix = "p=none only monitors; it protects nobody from spoofing of the domain.", dmarcRoad
	case records.DMARCQuarantine:
		f.Status, f.Title = StatusPass, "DMARC policy is quarantine ("+tag+"=quarantine)"
		f.Detail, f.Fix = "Failing mail goes to spam. The last step is p=reject once reports stay clean.", "Move to p=reject when the reports show no legitimate failures."
	default:
		f.Status, f.Title = StatusPass, "DMARC policy is reject ("+tag+"=reject)"
	}
	fs = append(fs, f)
	if !inherited && d.SubdomainPolicy != "" && policyRankOf(d.SubdomainPolicy) < policyRankOf(d.EffectivePolicy()) {
		fs = append(fs, Finding{ID: "dmarc.subdomains", Status: StatusWarn,
			Title:  "Subdomains get a weaker policy (sp=" + d.SubdomainPolicy + ") than the domain (p=" + d.EffectivePolicy() + ")",
			Detail: "Spoofers can use any subdomain name instead.", Fix: "Remove sp= or set it to " + d.EffectivePolicy() + " unless a subdomain truly needs it.",
			Ref: "RFC 9989 §4.7", Evidence: ev})
	}
	if d.NonexistentPolicy != "" && policyRankOf(d.NonexistentPolicy) < policyRankOf(d.EffectiveSubdomainPolicy()) {
		fs = append(fs, Finding{ID: "dmarc.subdomains", Status: StatusWarn,
			Title:  "Non-existent subdomains get a weaker policy (np=" + d.NonexistentPolicy + ")",
			Detail: "Names that do not exist never send legitimate mail.", Fix: "Set np=reject.", Ref: "RFC 9989 §4.7", Evidence: ev})
	} else if d.NonexistentPolicy == "" && d.EffectiveNonexistentPolicy() != records.DMARCReject && d.EffectivePolicy() != records.DMARCNone {
		fs = append(fs, Finding{ID: "dmarc.subdomains", Status: StatusInfo,
			Title:  "No np= tag: non-existent subdomains get " + d.EffectiveNonexistentPolicy(),
			Detail: "RFC 9989 added np= for names that do not exist, which never send legitimate mail.",
			Fix:    "Add np=reject.", Ref: "RFC 9989 §4.7", Evidence: ev})
	}
	return fs
}

func policyRankOf(p string) int {
	switch p {
	case records.DMARCQuarantine:
		return 1
	case records.DMARCReject:
		return 2
	}
	return 0
}

func dmarcTags(d *records.DMARC, ev string) []Finding {
	var fs []Finding
	if len(d.Removed) > 0 {
		detail := "RFC 9989 removed them and receivers that follow it ignore them."
		if v, ok := d.RemovedValues["pct"]; ok && v != "100" {
			detail += " pct=" + Sanitize(v, 10) + " no longer limits the policy to part of the mail: it applies to all of it; t=y is the new testing switch."
		}
		fs = append(fs, Finding{ID: "dmarc.removed", Status: StatusWarn, Title: "The DMARC record uses removed tags: " + strings.Join(d.Removed, ", "),
			Detail: detail, Fix: "Remove them; the record would read: " + d.String(), Ref: "RFC 9989 Appendix C", Evidence: ev})
	}
	if d.Testing {
		fs = append(fs, Finding{ID: "dmarc.testing", Status: StatusWarn, Title: "DMARC is in testing mode (t=y)",
			Detail: "Receivers apply the policy one step lower: reject acts as quarantine, quarantine as none.",
			Fix:    "Remove t=y once the reports show your mail passing.", Ref: "RFC 9989 §4.7", Evidence: ev})
	}
	var strict []string
	if d.ADKIM == "s" {
		strict = append(strict, "adkim=s")
	}
	if d.ASPF == "s" {
		strict = append(strict, "aspf=s")
	}
	if len(strict) > 0 {
		fs = append(fs, Finding{ID: "dmarc.alignment", Status: StatusInfo, Title: "Strict alignment: " + strings.Join(strict, ", "),
			Detail: "The signing or bounce domain must equal the From domain exactly; a provider's subdomain (e.g. bounces.example.com) will not align.",
			Fix:    "Use relaxed alignment (the default) unless every sender uses the exact domain.", Ref: "RFC 9989 §4.7", Evidence: ev})
	} else {
		fs = append(fs, Finding{ID: "dmarc.alignment", Status: StatusPass, Title: "Relaxed alignment for DKIM and SPF", Ref: "RFC 9989 §4.4"})
	}
	return fs
}

// dmarcReports checks rua and ruf: their syntax, and for each destination
// outside the organizational domain the authorisation record
// <domain>._report._dmarc.<destination> (RFC 9990 §3 / RFC 7489 §7.1).
func dmarcReports(ctx context.Context, r Resolver, l *DMARCLookup, ev string) []Finding {
	d := l.Record
	var fs []Finding
	if len(d.RUA) == 0 {
		fs = append(fs, Finding{ID: "dmarc.rua", Status: StatusWarn, Title: "No rua=: nobody receives DMARC aggregate reports",
			Detail: "Reports show who sends as your domain and whether it passes; without them moving to p=reject is guesswork.",
			Fix:    "Add rua=mailto:dmarc-reports@" + l.OrgDomain + " (or a DMARC report service's address).", Ref: "RFC 9989 §4.7", Evidence: ev})
	}
	type dest struct {
		tag, uri, domain string
		fs               []Finding
	}
	var dests []*dest
	for _, tag := range []string{"rua", "ruf"} {
		uris := d.RUA
		if tag == "ruf" {
			uris = d.RUF
		}
		for _, u := range uris {
			id := "dmarc." + tag
			_, size := records.SplitReportSize(u)
			if size != "" {
				fs = append(fs, Finding{ID: id, Status: StatusInfo, Title: "Report URI " + Sanitize(u, 80) + " has a !size limit",
					Detail: "RFC 9989 dropped the size suffix; reporters ignore it.", Fix: "Remove !" + size + ".", Ref: "RFC 9989 Appendix C"})
			}
			_, dom, ok := records.MailtoAddress(u)
			if !ok {
				fs = append(fs, Finding{ID: id, Status: StatusWarn, Title: "Report URI " + Sanitize(u, 80) + " is not a mailto: address",
					Detail: "Reporters are only required to support mailto:.", Fix: "Use a mailto: address.", Ref: "RFC 9990 §2"})
				continue
			}
			if auInDomain(dom, l.OrgDomain) || auInDomain(dom, l.Domain) {
				fs = append(fs, Finding{ID: id, Status: StatusPass, Title: tag + " destination " + Sanitize(u, 80) + " is within the domain"})
				continue
			}
			dests = append(dests, &dest{tag: tag, uri: u, domain: dom})
		}
	}
	var wg sync.WaitGroup
	for _, x := range dests {
		wg.Add(1)
		go func() {
			defer wg.Done()
			x.fs = checkReportAuth(ctx, r, l.Domain, x.tag, x.uri, x.domain)
		}()
	}
	wg.Wait()
	for _, x := range dests {
		fs = append(fs, x.fs...)
	}
	return fs
}

func checkReportAuth(ctx context.Context, r Resolver, domain, tag, uri, dest string) []Finding {
	id := "dmarc." + tag
	name := domain + "._report._dmarc." + dest
	txt, _, err := txtAt(ctx, r, name)
	if err != nil {
		return []Finding{couldNotCheck(id, "the report authorisation "+name, err)}
	}
	for _, t := range txt {
		if records.IsDMARC(t) {
			return []Finding{{ID: id, Status: StatusPass, Title: dest + " accepts " + tag + " reports for " + domain,
				Evidence: auEvidence(name + ": " + t), Ref: "RFC 9990 §3"}}
		}
	}
	return []Finding{{ID: id, Status: StatusFail, Title: "Reports to " + Sanitize(uri, 80) + " will not be sent: " + dest + " has not authorised them",
		Detail: "A destination outside your domain must publish " + name + " TXT \"v=DMARC1\", or reporters drop the address.",
		Fix:    "Ask the operator of " + dest + " to publish that record (report services do it on sign-up), or use an address in your own domain.",
		Ref:    "RFC 9990 §3 / RFC 7489 §7.1", Evidence: name + " has no v=DMARC1 record"}}
}
