package checks

import (
	"fmt"
	"strings"

	"github.com/mailcfg/mailcfg/records"
)

// treeFindings are the findings drawn from a parsed record's lookup tree:
// spf.lookups, spf.void_lookups, spf.all, spf.ptr, spf.loop, spf.include and
// spf.provider.
func spfTreeFindings(domain, record string, rec *records.SPF, tree *SPFTree, opts SPFAuditOptions) []Finding {
	ev := spfPrintable(record)
	var dnsErrs, loops, broken, ptrs, voids, macros []string
	tree.Walk(func(n *SPFTree, d int) {
		if d == 0 {
			return
		}
		switch {
		case n.DNSError:
			dnsErrs = append(dnsErrs, n.Term+": "+n.Error)
		case n.Loop:
			loops = append(loops, n.Error)
		case n.Error != "" && n.Domain != "":
			broken = append(broken, n.Term+": "+n.Error)
		}
		if spfTermName(n.Term) == records.SPFPTR && !n.Unreachable {
			ptrs = append(ptrs, n.Term)
		}
		if n.VoidLookup {
			voids = append(voids, n.Term)
		}
		if n.Macro {
			macros = append(macros, n.Term)
		}
	})
	var out []Finding

	// spf.lookups (RFC 7208 §4.6.4).
	f := Finding{ID: "spf.lookups", Ref: "RFC 7208 §4.6.4", Evidence: ev,
		Title:  fmt.Sprintf("SPF needs %d DNS lookup%s; the limit is %d", tree.Total, spfPlural(tree.Total), spfMaxLookups),
		Detail: "Counted over the whole include/redirect tree (include, a, mx, ptr, exists and redirect count 1 each; ip4, ip6, all and exp= count 0):\n" + tree.Render()}
	switch {
	case tree.Total > spfMaxLookups:
		f.Status = StatusFail
		f.Detail += "\nPast 10, receivers stop with permerror and the whole record counts for nothing."
		f.Fix = "Bring it to 10 or fewer: remove includes of services that no longer send for the domain, replace a and mx by the ip4:/ip6: they resolve to, or give a service its own subdomain (its MAIL FROM); `mailcfg records` proposes an edit."
	case len(dnsErrs) > 0:
		f = spfCouldNotCheck("spf.lookups", "every include of the SPF record", fmt.Errorf("%s", strings.Join(dnsErrs, "; ")))
		f.Detail = fmt.Sprintf("At least %d lookups were counted, but part of the tree could not be read: %s.", tree.Total, strings.Join(dnsErrs, "; "))
		f.Evidence = ev
	default:
		f.Status = StatusPass
		if tree.Total >= spfMaxLookups-1 {
			f.Detail += fmt.Sprintf("\nThat leaves room for %d more: adding a provider's include may break the record.", spfMaxLookups-tree.Total)
		}
	}
	if len(macros) > 0 {
		f.Detail += "\nTerms with macros are counted once but resolved per message: " + strings.Join(macros, ", ") + "."
	}
	out = append(out, f)

	// spf.void_lookups (RFC 7208 §4.6.4).
	f = Finding{ID: "spf.void_lookups", Ref: "RFC 7208 §4.6.4", Evidence: ev,
		Title: fmt.Sprintf("%d void lookup%s; the limit is %d", tree.Void, spfPlural(tree.Void), spfMaxVoid)}
	if len(voids) > 0 {
		f.Detail = "Terms whose name has no records (NXDOMAIN or no data): " + strings.Join(voids, ", ") + "."
	}
	switch {
	case tree.Void > spfMaxVoid:
		f.Status = StatusFail
		f.Detail += " Past 2, receivers stop with permerror."
		f.Fix = "Remove the terms that point at names without records: " + strings.Join(voids, ", ") + "."
	case len(dnsErrs) > 0:
		f.Status = StatusError
		f.Title = "Could not count every void lookup"
		f.Detail = strings.TrimSpace(f.Detail + " Part of the tree could not be read: " + strings.Join(dnsErrs, "; ") + ".")
		f.Fix = "Try again, or ask another resolver with --resolver."
	default:
		f.Status = StatusPass
		if tree.Void > 0 {
			f.Fix = "Remove " + strings.Join(voids, ", ") + ": it matches nothing and uses up the void-lookup allowance."
		}
	}
	out = append(out, f)

	out = append(out, spfAllFinding(domain, rec, tree))

	// spf.ptr (RFC 7208 §5.5).
	if len(ptrs) > 0 {
		out = append(out, Finding{ID: "spf.ptr", Status: StatusWarn, Ref: "RFC 7208 §5.5", Evidence: ev,
			Title:  "SPF uses the ptr mechanism, which RFC 7208 says not to use",
			Detail: "ptr (" + strings.Join(ptrs, ", ") + ") is slow, costs a lookup plus up to 10 more, depends on reverse DNS the sender rarely controls, and some receivers skip it.",
			Fix:    "Replace ptr with the ip4:/ip6: ranges (or a / include) of the servers that send."})
	} else {
		out = append(out, Finding{ID: "spf.ptr", Status: StatusPass, Title: "No ptr mechanism", Ref: "RFC 7208 §5.5"})
	}

	// spf.loop (RFC 7208 §4.6.4, §5.2).
	switch {
	case len(loops) > 0:
		out = append(out, Finding{ID: "spf.loop", Status: StatusFail, Ref: "RFC 7208 §4.6.4", Evidence: ev,
			Title:  "SPF include/redirect loop",
			Detail: strings.Join(loops, "; ") + ". Evaluation goes round until the 10-lookup limit: always permerror.",
			Fix:    "Remove the include or redirect that points back at a record above it."})
	case len(dnsErrs) > 0:
		out = append(out, spfCouldNotCheck("spf.loop", "every include for loops", fmt.Errorf("%s", strings.Join(dnsErrs, "; "))))
	default:
		out = append(out, Finding{ID: "spf.loop", Status: StatusPass, Title: "No include/redirect loop", Ref: "RFC 7208 §4.6.4"})
	}

	// spf.include: includes and redirects that lead nowhere (§5.2, §6.1).
	if len(broken) > 0 {
		out = append(out, Finding{ID: "spf.include", Status: StatusFail, Ref: "RFC 7208 §5.2, §6.1", Evidence: ev,
			Title:  "An include or redirect of the SPF record is broken",
			Detail: strings.Join(broken, "; ") + ". When evaluation reaches it, the result is permerror.",
			Fix:    "Correct or remove it: the target must publish exactly one valid SPF record."})
	}

	for _, inc := range opts.ProviderIncludes {
		out = append(out, spfProviderFinding(inc, rec, tree, dnsErrs, ev))
	}
	return out
}

// allFinding judges the record's catch-all (RFC 7208 §5.1, §6.1): the all of
// the record, or of the record a redirect leads to.
func spfAllFinding(domain string, rec *records.SPF, tree *SPFTree) Finding {
	f := Finding{ID: "spf.all", Ref: "RFC 7208 §5.1", Evidence: spfPrintable(tree.Record)}
	node := tree
	via := ""
	for hops := 0; ; hops++ {
		all := spfFirstTerm(node, records.SPFAll)
		if all != nil {
			return spfJudgeAll(f, all.Term, via)
		}
		rd := spfFirstTerm(node, records.SPFRedirect)
		if rd == nil || hops > spfMaxDepth {
			break
		}
		if rd.DNSError {
			return spfCouldNotCheck("spf.all", "the record "+rd.Term+" leads to", fmt.Errorf("%s", rd.Error))
		}
		if rd.Error != "" {
			f.Status, f.Title = StatusFail, "SPF redirect leads nowhere: "+rd.Term
			f.Detail = rd.Error + ". Evaluation ends in permerror (RFC 7208 §6.1)."
			f.Fix = "Point redirect= at a domain with one valid SPF record, or end the record with -all or ~all."
			return f
		}
		via += " via " + rd.Term
		node = rd
	}
	f.Status = StatusWarn
	f.Title = "SPF record has no all and no redirect: unlisted senders get neutral"
	f.Detail = "Without an all mechanism a message from any other server is neutral (RFC 7208 §4.7), which tells receivers nothing."
	f.Fix = "End the record with ~all (softfail) or, once every sender is listed, -all: " + spfAddTerm(rec, "~all", true) + "."
	return f
}

func spfJudgeAll(f Finding, term, via string) Finding {
	q := term[0]
	if q != '-' && q != '~' && q != '?' {
		q = '+'
	}
	switch q {
	case '+':
		f.Status = StatusFail
		f.Title = "SPF ends in +all: any server may send as the domain" + via
		f.Detail = "+all makes every IP address on the internet an authorized sender (RFC 7208 §5.1), which defeats SPF and lets DMARC pass for forged mail."
		f.Fix = "Replace +all with ~all, or -all once every sender is listed."
	case '?':
		f.Status = StatusWarn
		f.Title = "SPF ends in ?all: unlisted senders get neutral" + via
		f.Detail = "?all asserts nothing about other servers (RFC 7208 §2.6.2)."
		f.Fix = "Replace ?all with ~all, or -all once every sender is listed."
	default:
		f.Status = StatusPass
		f.Title = "SPF ends in " + string(q) + "all" + via
	}
	return f
}

// providerFinding checks that include:inc is reached by evaluation.
func spfProviderFinding(inc string, rec *records.SPF, tree *SPFTree, dnsErrs []string, ev string) Finding {
	want := strings.ToLower(strings.TrimSuffix(inc, "."))
	f := Finding{ID: "spf.provider", Ref: "RFC 7208 §5.2", Evidence: ev}
	var found *SPFTree
	tree.Walk(func(n *SPFTree, d int) {
		if found == nil && d > 0 && spfTermName(n.Term) == records.SPFInclude && strings.EqualFold(strings.TrimSuffix(spfTermValue(n.Term), "."), want) {
			found = n
		}
	})
	fix := "Add include:" + inc + " before the all: " + spfAddTerm(rec, "include:"+inc, false) + "."
	switch {
	case found != nil && found.Unreachable:
		f.Status, f.Title = StatusFail, "include:"+inc+" comes after the all and is never evaluated"
		f.Fix = "Move include:" + inc + " before the all: " + spfAddTerm(rec, "include:"+inc, false) + "."
	case found != nil && found.Term[0] != 'i':
		f.Status, f.Title = StatusFail, "include:"+inc+" is present as "+found.Term+", which does not authorize the provider"
		f.Fix = "Write it without a qualifier: include:" + inc + "."
	case found != nil:
		f.Status, f.Title = StatusPass, "include:"+inc+" is in the SPF record"
	case len(dnsErrs) > 0:
		return spfCouldNotCheck("spf.provider", "whether include:"+inc+" is reachable", fmt.Errorf("%s", strings.Join(dnsErrs, "; ")))
	default:
		f.Status, f.Title, f.Fix = StatusFail, "include:"+inc+" is missing from the SPF record", fix
		f.Detail = "The provider's servers are not authorized, so its mail gets the record's all result and fails SPF alignment for DMARC."
	}
	return f
}

// firstTerm returns the first child of n whose term is name.
func spfFirstTerm(n *SPFTree, name string) *SPFTree {
	for _, c := range n.Children {
		if spfTermName(c.Term) == name {
			return c
		}
	}
	return nil
}

// termName is the mechanism or modifier name of a term as String writes it.
func spfTermName(term string) string {
	term = strings.TrimLeft(term, "+-~?")
	if i := strings.IndexAny(term, ":=/"); i >= 0 {
		term = term[:i]
	}
	return strings.ToLower(term)
}

// termValue is what follows the name and its ':' or '='.
func spfTermValue(term string) string {
	if i := strings.IndexAny(term, ":="); i >= 0 {
		return term[i+1:]
	}
	return ""
}

// addTerm returns rec with term inserted before its all (or redirect), or,
// when atEnd is set, appended.
func spfAddTerm(rec *records.SPF, term string, atEnd bool) string {
	parts := []string{"v=spf1"}
	added := false
	for _, t := range rec.Terms {
		if !added && !atEnd && ((t.Name == records.SPFAll && !t.Modifier) || t.Name == records.SPFRedirect) {
			parts = append(parts, term)
			added = true
		}
		parts = append(parts, t.String())
	}
	if !added {
		parts = append(parts, term)
	}
	return fmt.Sprintf("%q", strings.Join(parts, " "))
}
