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

// SPFTree is the DNS-lookup cost of an SPF record counted as RFC 7208 §4.6.4
// says, over its whole include/redirect tree, as the worst case of an
// evaluation (no mechanism matching early). The root is the record of a
// domain; each child is one of its terms, and an include or redirect has the
// terms of the record it points to as children.
type SPFTree struct {
	// Term is the term as SPFTerm.String writes it ("include:_spf.example.com",
	// "-all"); the root's Term is the domain.
	Term string
	// Cost is the term's own share of the limit: 1 for include a mx ptr
	// exists redirect, 0 for the rest (exp= never counts).
	Cost int
	// Total is Cost plus the totals of the children: the lookups the term
	// costs with everything it pulls in.
	Total int
	// Void counts the void lookups (NXDOMAIN or no records) in the subtree
	// that do not depend on the connection; terms with macros are not asked.
	Void int
	// Children are the terms of an include's or redirect's record (or, at
	// the root, the record's own terms).
	Children []*SPFTree
	// Error says why the subtree is incomplete or broken: a DNS failure, no
	// or several SPF records at an include, a syntax error, a loop.
	Error string

	// Domain is the domain whose record the node holds (root, include,
	// redirect) and Record that record's text.
	Domain, Record string
	// DNSError is set when Error is a lookup that could not be made: the
	// count is then a lower bound, not a verdict.
	DNSError bool
	// Loop is set when the include or redirect points back at a record
	// above it (RFC 7208 §5.2: such a record always exceeds the limit).
	Loop bool
	// Unreachable marks a term after "all", which is never evaluated, and a
	// redirect in a record with "all" (§6.1: it is ignored); it costs 0.
	Unreachable bool
	// VoidLookup is set when this term's own lookup is void.
	VoidLookup bool
	// Macro marks a term whose target has macros: it depends on the
	// connection and is counted but not asked.
	Macro bool
}

// spfMaxDepth bounds the tree: past it every path has exceeded the limit.
const spfMaxDepth = 12

// SPFCost counts the DNS lookups of an SPF record of domain over its whole
// include/redirect tree (RFC 7208 §4.6.4), resolving includes and redirects
// through r, concurrently. An empty record means domain's published one. The
// error is a *records.SyntaxError when record does not parse, or the reason
// domain's record could not be read; problems further down are in the tree's
// Error fields.
func SPFCost(ctx context.Context, r Resolver, domain, record string) (*SPFTree, error) {
	domain = strings.TrimSuffix(domain, ".")
	if record == "" {
		recs, _, err := spfRecords(ctx, r, domain)
		switch {
		case err != nil:
			return nil, err
		case len(recs) == 0:
			return nil, fmt.Errorf("spf: %s has no SPF record", domain)
		case len(recs) > 1:
			return nil, fmt.Errorf("spf: %s has %d SPF records", domain, len(recs))
		}
		record = recs[0]
	}
	rec, err := records.ParseSPF(record)
	if err != nil {
		return nil, err
	}
	root := &SPFTree{Term: domain, Domain: domain, Record: record}
	c := &spfCoster{ctx: ctx, r: r}
	c.terms(root, rec, []string{strings.ToLower(domain)})
	return root, nil
}

type spfCoster struct {
	ctx context.Context
	r   Resolver
}

// terms fills node's children from rec, the record of node.Domain; path
// holds the domains from the root down to it.
func (c *spfCoster) terms(node *SPFTree, rec *records.SPF, path []string) {
	hasAll := rec.All() != nil
	reached := true
	var wg sync.WaitGroup
	for _, t := range rec.Terms {
		child := &SPFTree{Term: t.String(), Cost: t.LookupCost()}
		node.Children = append(node.Children, child)
		if !reached || (t.Name == records.SPFRedirect && hasAll) {
			child.Unreachable, child.Cost = true, 0
			continue
		}
		if t.Name == records.SPFAll && !t.Modifier {
			reached = false
		}
		if child.Cost == 0 {
			continue
		}
		target := t.Domain
		if target == "" {
			target = node.Domain
		}
		if strings.Contains(target, "%") {
			child.Macro, child.Total = true, child.Cost
			continue
		}
		target = strings.TrimSuffix(target, ".")
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.term(child, t, target, path)
		}()
	}
	wg.Wait()
	for _, ch := range node.Children {
		node.Total += ch.Total
		node.Void += ch.Void
	}
}

// term evaluates one DNS-querying term: an include or redirect is followed
// (unless it loops), the others are asked only to count void lookups.
func (c *spfCoster) term(n *SPFTree, t records.SPFTerm, target string, path []string) {
	defer func() { n.Total += n.Cost }()
	switch t.Name {
	case records.SPFInclude, records.SPFRedirect:
		n.Domain = target
		for _, p := range path {
			if strings.EqualFold(p, target) {
				n.Loop = true
				n.Error = "loop: " + strings.Join(append(path, strings.ToLower(target)), " → ")
				return
			}
		}
		if len(path) >= spfMaxDepth {
			n.Error = "nested too deep"
			return
		}
		recs, _, err := spfRecords(c.ctx, c.r, target)
		switch {
		case err != nil:
			n.Error, n.DNSError = err.Error(), true
			return
		case len(recs) == 0:
			n.Error = target + " has no SPF record (a permerror when evaluated)"
			return
		case len(recs) > 1:
			n.Error = fmt.Sprintf("%s has %d SPF records (a permerror when evaluated)", target, len(recs))
			return
		}
		n.Record = recs[0]
		sub, err := records.ParseSPF(recs[0])
		if err != nil {
			n.Error = target + ": " + err.Error()
			return
		}
		c.terms(n, sub, append(path[:len(path):len(path)], strings.ToLower(target)))
	case records.SPFA:
		a4, err4 := c.r.Lookup(c.ctx, target, dns.TypeA)
		a6, err6 := c.r.Lookup(c.ctx, target, dns.TypeAAAA)
		if err := errors.Join(err4, err6); err != nil {
			n.Error, n.DNSError = err.Error(), true
			return
		}
		c.voidIf(n, a4.Void() && a6.Void())
	case records.SPFMX:
		a, err := c.r.Lookup(c.ctx, target, dns.TypeMX)
		if err != nil {
			n.Error, n.DNSError = err.Error(), true
			return
		}
		if k := len(a.Records()); k > spfMaxAddrLookups {
			n.Error = fmt.Sprintf("%s has %d MX records; more than %d is a permerror (RFC 7208 §4.6.4)", target, k, spfMaxAddrLookups)
		}
		c.voidIf(n, a.Void())
	case records.SPFExists:
		a, err := c.r.Lookup(c.ctx, target, dns.TypeA)
		if err != nil {
			n.Error, n.DNSError = err.Error(), true
			return
		}
		c.voidIf(n, a.Void())
	}
}

func (c *spfCoster) voidIf(n *SPFTree, void bool) {
	if void {
		n.VoidLookup, n.Void = true, 1
	}
}

// Walk calls fn for t and every node below it, depth first, with its depth
// (0 for t).
func (t *SPFTree) Walk(fn func(n *SPFTree, depth int)) {
	var walk func(n *SPFTree, d int)
	walk = func(n *SPFTree, d int) {
		fn(n, d)
		for _, c := range n.Children {
			walk(c, d+1)
		}
	}
	walk(t, 0)
}

// Render draws the tree as indented lines, each term with its cost and, for
// an include or redirect, the total it pulls in.
func (t *SPFTree) Render() string {
	var b strings.Builder
	t.Walk(func(n *SPFTree, d int) {
		b.WriteString(strings.Repeat("  ", d))
		if d == 0 {
			fmt.Fprintf(&b, "%s: %d lookup%s", n.Term, n.Total, spfPlural(n.Total))
		} else {
			b.WriteString(n.Term)
			switch {
			case n.Unreachable:
				b.WriteString("  (never evaluated: 0)")
			case n.Total != n.Cost:
				fmt.Fprintf(&b, "  %d (+%d below = %d)", n.Cost, n.Total-n.Cost, n.Total)
			case n.Cost > 0:
				fmt.Fprintf(&b, "  %d", n.Cost)
			}
			if n.VoidLookup {
				b.WriteString("  [void]")
			}
			if n.Macro {
				b.WriteString("  [macro: asked per message]")
			}
		}
		if n.Error != "" {
			fmt.Fprintf(&b, "  [%s]", n.Error)
		}
		b.WriteByte('\n')
	})
	return strings.TrimSuffix(b.String(), "\n")
}

func spfPlural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
