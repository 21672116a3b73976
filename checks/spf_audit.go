package checks

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/miekg/dns"

	"github.com/mailcfg/mailcfg/records"
)

// SPFAuditOptions tunes AuditSPF.
type SPFAuditOptions struct {
	// ProviderIncludes are the include: domains the domain's sending
	// providers need (spf.provider checks each is reachable in the tree).
	ProviderIncludes []string
}

// AuditSPF checks the SPF record of domain (RFC 7208) and returns every spf.*
// finding: spf.present, spf.multiple, spf.syntax, spf.lookups,
// spf.void_lookups, spf.all, spf.ptr, spf.loop, spf.include, spf.split,
// spf.type99 and one spf.provider per opts.ProviderIncludes. A lookup that
// could not be made gives status error, never fail or "missing".
func AuditSPF(ctx context.Context, r Resolver, domain string, opts SPFAuditOptions) []Finding {
	domain = strings.TrimSuffix(domain, ".")
	var (
		wg       sync.WaitGroup
		txt, t99 *Answer
		txtErr   error
		t99Err   error
	)
	wg.Add(2)
	go func() { defer wg.Done(); txt, txtErr = r.Lookup(ctx, domain, dns.TypeTXT) }()
	go func() { defer wg.Done(); t99, t99Err = r.Lookup(ctx, domain, dns.TypeSPF) }()
	wg.Wait()

	var out []Finding
	out = append(out, spfType99Finding(domain, t99, t99Err))
	if txtErr != nil {
		out = append(out, spfCouldNotCheck("spf.present", "the SPF record of "+domain, txtErr))
		for _, inc := range opts.ProviderIncludes {
			out = append(out, spfCouldNotCheck("spf.provider", "include:"+inc, txtErr))
		}
		return out
	}
	var spfs []string
	var split []string // character-strings of the (first) SPF record
	for _, rr := range txt.Records() {
		t, ok := rr.(*dns.TXT)
		if !ok {
			continue
		}
		var joined strings.Builder
		for _, s := range t.Txt {
			joined.WriteString(unescapeTXT(s))
		}
		if records.IsSPF(joined.String()) {
			spfs = append(spfs, joined.String())
			if len(spfs) == 1 {
				for _, s := range t.Txt {
					split = append(split, unescapeTXT(s))
				}
			}
		}
	}
	if len(spfs) == 0 {
		return append(out, spfMissing(domain, txt, opts)...)
	}
	out = append(out, Finding{ID: "spf.present", Status: StatusPass, Title: "SPF record published",
		Ref: "RFC 7208 §4.5", Evidence: spfPrintable(spfs[0])})
	if len(spfs) > 1 {
		out = append(out, Finding{ID: "spf.multiple", Status: StatusFail,
			Title:    fmt.Sprintf("%d SPF records; receivers treat that as a permerror", len(spfs)),
			Detail:   "RFC 7208 §4.5: when a domain publishes more than one TXT record starting with v=spf1, check_host() returns permerror, and most receivers then treat mail from the domain as unauthenticated.",
			Fix:      "Merge them into one TXT record: keep one v=spf1, put every mechanism of both before a single all (e.g. " + spfMergeHint(spfs) + "), and delete the other record.",
			Ref:      "RFC 7208 §4.5",
			Evidence: spfPrintable(strings.Join(spfs, " | "))})
		for _, inc := range opts.ProviderIncludes {
			out = append(out, Finding{ID: "spf.provider", Status: StatusFail, Title: "include:" + inc + " is not in effect: the domain has several SPF records",
				Fix: "Merge the records into one that contains include:" + inc + " before the all.", Ref: "RFC 7208 §4.5"})
		}
		return out
	}
	out = append(out, Finding{ID: "spf.multiple", Status: StatusPass, Title: "Exactly one SPF record", Ref: "RFC 7208 §4.5"})
	record := spfs[0]
	if f, ok := spfSplitFinding(record, split); ok {
		out = append(out, f)
	}
	rec, err := records.ParseSPF(record)
	if err != nil {
		out = append(out, spfSyntaxFinding(record, split, err))
		for _, inc := range opts.ProviderIncludes {
			out = append(out, Finding{ID: "spf.provider", Status: StatusFail, Title: "include:" + inc + " is not in effect: the SPF record does not parse",
				Fix: "Fix the syntax error (spf.syntax); the record must contain include:" + inc + " before the all.", Ref: "RFC 7208 §4.6"})
		}
		return out
	}
	out = append(out, Finding{ID: "spf.syntax", Status: StatusPass, Title: "SPF record syntax is valid", Ref: "RFC 7208 §12", Evidence: spfPrintable(record)})
	tree, err := SPFCost(ctx, r, domain, record)
	if err != nil { // cannot happen: the record parsed
		return append(out, spfCouldNotCheck("spf.lookups", "the SPF lookups", err))
	}
	out = append(out, spfTreeFindings(domain, record, rec, tree, opts)...)
	return out
}

// spfMissing is the finding of a domain without an SPF record.
func spfMissing(domain string, txt *Answer, opts SPFAuditOptions) []Finding {
	suggest := "v=spf1 mx -all"
	if len(opts.ProviderIncludes) > 0 {
		suggest = "v=spf1"
		for _, inc := range opts.ProviderIncludes {
			suggest += " include:" + inc
		}
		suggest += " ~all"
	}
	detail := "Without SPF, receivers cannot tell which servers may send as " + domain + "; check_host() returns none and DMARC cannot pass through SPF."
	if txt.NXDomain() {
		detail = domain + " does not exist in DNS (NXDOMAIN). " + detail
	}
	out := []Finding{{ID: "spf.present", Status: StatusFail, Title: "No SPF record",
		Detail: detail,
		Fix:    fmt.Sprintf("Publish one TXT record at %s: %q (list every service that sends as the domain; -all once you are sure).", domain, suggest),
		Ref:    "RFC 7208 §4.5"}}
	for _, inc := range opts.ProviderIncludes {
		out = append(out, Finding{ID: "spf.provider", Status: StatusFail, Title: "include:" + inc + " missing: the domain has no SPF record",
			Fix: fmt.Sprintf("Publish a TXT record at %s: %q.", domain, suggest), Ref: "RFC 7208 §5.2"})
	}
	return out
}

// type99Finding reports the obsolete SPF resource record type (RFC 7208 §3.1:
// type 99 is no longer used; only TXT counts).
func spfType99Finding(domain string, a *Answer, err error) Finding {
	if err != nil {
		return spfCouldNotCheck("spf.type99", "for an obsolete SPF (type 99) record", err)
	}
	var vals []string
	for _, rr := range a.Records() {
		if s, ok := rr.(*dns.SPF); ok {
			vals = append(vals, unescapeTXT(strings.Join(s.Txt, "")))
		}
	}
	if len(vals) == 0 {
		return Finding{ID: "spf.type99", Status: StatusPass, Title: "No obsolete SPF (type 99) record", Ref: "RFC 7208 §3.1"}
	}
	return Finding{ID: "spf.type99", Status: StatusWarn, Title: "Obsolete SPF (type 99) record published",
		Detail:   "RFC 7208 §3.1 retired the SPF record type; receivers read only TXT. A type 99 record left behind tends to drift from the TXT one and confuses whoever edits the zone next.",
		Fix:      "Delete the SPF-type record at " + domain + " and keep the TXT record.",
		Ref:      "RFC 7208 §3.1, §14.1",
		Evidence: spfPrintable(strings.Join(vals, " | "))}
}

// splitFinding reports a record over 255 bytes, or published as several
// character-strings, which receivers join without separator (§3.3).
func spfSplitFinding(record string, parts []string) (Finding, bool) {
	if len(record) <= records.MaxTXTString && len(parts) <= 1 {
		return Finding{}, false
	}
	f := Finding{ID: "spf.split", Status: StatusInfo, Ref: "RFC 7208 §3.3", Evidence: spfPrintable(record)}
	if len(parts) > 1 {
		f.Title = fmt.Sprintf("SPF record is published as %d strings of one TXT record", len(parts))
		f.Detail = "Receivers join the strings without adding anything (RFC 7208 §3.3), so a space that separates two terms must be inside a string: " + spfQuotedParts(parts) + "."
	} else {
		f.Title = fmt.Sprintf("SPF record is %d bytes, over the 255 of one string", len(record))
		f.Detail = "A TXT string holds at most 255 bytes; a longer record must be split into several strings of one TXT record, not into several TXT records."
	}
	f.Fix = "Publish it as one TXT record of strings of at most 255 bytes: " + records.ZoneTXT(record) + " (never as two TXT records: that is spf.multiple)."
	return f, true
}

// syntaxFinding reports a record that does not parse, with the position.
func spfSyntaxFinding(record string, parts []string, err error) Finding {
	f := Finding{ID: "spf.syntax", Status: StatusFail, Title: "SPF record has a syntax error",
		Ref: "RFC 7208 §4.6, §12", Evidence: spfPrintable(record)}
	var se *records.SyntaxError
	if !errors.As(err, &se) {
		f.Detail = err.Error()
		return f
	}
	f.Title = "SPF record has a syntax error at byte " + fmt.Sprint(se.Pos)
	end := min(se.Pos+20, len(record))
	f.Detail = fmt.Sprintf("%s. Receivers return permerror for the whole record (RFC 7208 §4.6), whatever the rest says. Here: %s⟨%s⟩",
		se.Msg, spfPrintable(record[max(0, se.Pos-20):se.Pos]), spfPrintable(record[se.Pos:end]))
	if len(parts) > 1 {
		off := 0
		for _, p := range parts[:len(parts)-1] {
			off += len(p)
			if se.Pos <= off && off <= se.Pos+40 && !strings.HasSuffix(p, " ") {
				f.Detail += fmt.Sprintf(". The record is split into strings at byte %d with no space there: receivers join strings without one (RFC 7208 §3.3)", off)
				break
			}
		}
	}
	f.Fix = "Correct the term at byte " + fmt.Sprint(se.Pos) + " (" + se.Msg + "), then check the record again."
	return f
}

// spfCouldNotCheck is an error finding: the question could not be answered.
func spfCouldNotCheck(id, what string, err error) Finding {
	return Finding{ID: id, Status: StatusError, Title: "Could not check " + what,
		Detail: spfPrintable(err.Error()) + ". This says nothing about the record itself.",
		Fix:    "Try again, or ask another resolver with --resolver; if it persists, check the domain's name servers.",
		Ref:    "RFC 7208 §2.6.6"}
}

func spfQuotedParts(parts []string) string {
	q := make([]string, len(parts))
	for i, p := range parts {
		q[i] = fmt.Sprintf("%q", p)
	}
	return strings.Join(q, " ")
}

// mergeHint merges the terms of several records into one, for the fix text.
func spfMergeHint(recs []string) string {
	seen := map[string]bool{}
	var terms []string
	all := "~all"
	for _, s := range recs {
		r, err := records.ParseSPF(s)
		if err != nil {
			continue
		}
		for _, t := range r.Terms {
			if t.Name == records.SPFAll && !t.Modifier {
				if t.Qualifier == '-' {
					all = "-all"
				}
				continue
			}
			if t.Modifier && t.Name == records.SPFRedirect {
				continue
			}
			if k := strings.ToLower(t.String()); !seen[k] {
				seen[k] = true
				terms = append(terms, t.String())
			}
		}
	}
	return fmt.Sprintf("%q", strings.Join(append(append([]string{"v=spf1"}, terms...), all), " "))
}
