package checks

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/miekg/dns"

	"github.com/mailcfg/mailcfg/records"
)

// SPFLookupLimit is the most DNS-querying terms an SPF evaluation may meet
// (RFC 7208 §4.6.4); one more is a permerror.
const SPFLookupLimit = 10

// PlanRecords plans the records req needs: it reads what the domain
// publishes now at every name the plan touches (all at once, through r),
// plans with records.MakePlan, then counts the planned SPF record's DNS
// lookups live, term by term. When the merged record would need more than 10
// lookups it does not hand it out: it applies the fixes it can find (drop an
// include already pulled in by another, replace a or mx with the few
// addresses they resolve to) and says what it changed, or, when that is not
// enough, keeps the current record and says why in Plan.Warnings.
//
// A name that cannot be read is marked in its record's note, not an error.
// Errors are those of records.MakePlan (*records.RequestError,
// *records.MissingInputError, *records.MultipleSPFError, *records.SyntaxError)
// and ctx's.
func PlanRecords(ctx context.Context, r Resolver, req records.Request) (*records.Plan, error) {
	qs, err := records.LiveQueries(req)
	if err != nil {
		return nil, err
	}
	cache := NewCache(r)
	live := readLive(ctx, cache, qs)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	plan, err := records.MakePlan(req, live)
	if err != nil {
		return nil, err
	}
	planSPFCost(ctx, cache, plan)
	return plan, ctx.Err()
}

// readLive asks every query concurrently and gathers the answers.
func readLive(ctx context.Context, r Resolver, qs []records.LiveQuery) records.Live {
	live := records.Live{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, q := range qs {
		for _, typ := range q.Types {
			wg.Add(1)
			go func() {
				defer wg.Done()
				qtype := dns.StringToType[typ]
				a, err := r.Lookup(ctx, q.Name, qtype)
				mu.Lock()
				defer mu.Unlock()
				ln := live[q.Name]
				switch {
				case err != nil:
					if ln.Err == "" {
						ln.Err = err.Error()
					}
				case qtype == dns.TypeTXT:
					ln.TXT = a.TXT()
				case qtype == dns.TypeCNAME:
					for _, rr := range a.RRs {
						if c, ok := rr.(*dns.CNAME); ok && strings.EqualFold(c.Hdr.Name, q.Name) {
							ln.CNAME = strings.ToLower(c.Target)
							break
						}
					}
				case qtype == dns.TypeMX:
					for _, rr := range a.Records() {
						mx := rr.(*dns.MX)
						ln.MX = append(ln.MX, fmt.Sprintf("%d %s", mx.Preference, strings.ToLower(mx.Mx)))
					}
				}
				live[q.Name] = ln
			}()
		}
	}
	wg.Wait()
	return live
}

// planSPFCost counts the lookups of the planned SPF record at the domain and
// fixes or withholds a record over the limit.
func planSPFCost(ctx context.Context, r Resolver, plan *records.Plan) {
	idx := -1
	for i, rec := range plan.Records {
		if rec.Purpose == records.PurposeSPF && strings.EqualFold(rec.Name, plan.Domain+".") {
			idx = i
		}
	}
	if idx < 0 {
		return
	}
	rec := &plan.Records[idx]
	cost := spfCost(ctx, r, plan.Domain, rec.Value)
	plan.SPFCost = cost
	if cost.Error != "" {
		plan.Warnings = append(plan.Warnings, "SPF: the lookups of the planned record could not be counted ("+cost.Error+"); check it before publishing")
		return
	}
	plan.Warnings = append(plan.Warnings, spfTreeProblems(ctx, r, plan.Domain, rec.Value)...)
	if cost.Total <= SPFLookupLimit {
		return
	}
	fixed, fixes := proposeSPFFixes(ctx, r, plan.Domain, rec.Value, cost)
	after := cost
	if fixed != "" {
		after = spfCost(ctx, r, plan.Domain, fixed)
	}
	after.Before, after.Fixes = cost.Total, fixes
	plan.SPFCost = after
	if fixed != "" && after.Error == "" && after.Total <= SPFLookupLimit {
		rec.Value = fixed
		switch {
		case fixed == rec.Current:
			rec.Action = records.ActionKeep
		case rec.Action == records.ActionKeep:
			rec.Action = records.ActionReplace
		}
		rec.Note = strings.TrimSpace(fmt.Sprintf("%s The merge needed %d DNS lookups (RFC 7208 §4.6.4 allows %d), so: %s.",
			rec.Note, cost.Total, SPFLookupLimit, strings.Join(fixes, "; ")))
		return
	}
	after.Over = true
	msg := fmt.Sprintf("SPF: the merged record would need %d DNS lookups; RFC 7208 §4.6.4 allows %d, and receivers fail the whole record (permerror) past that", cost.Total, SPFLookupLimit)
	if len(fixes) > 0 {
		msg += fmt.Sprintf("; even after %s it needs %d", strings.Join(fixes, "; "), after.Total)
	}
	msg += ". Remove includes of services that no longer send for the domain, or move a service to its own subdomain (its MAIL FROM), then plan again"
	plan.Warnings = append(plan.Warnings, msg)
	if rec.Current != "" {
		rec.Value, rec.Action = rec.Current, records.ActionKeep
		rec.Note = "Not changed: the merged record would pass the 10-lookup limit (see warnings)."
	} else {
		plan.Records = append(plan.Records[:idx], plan.Records[idx+1:]...)
	}
}

// spfCost runs SPFCost and flattens its tree for the plan.
func spfCost(ctx context.Context, r Resolver, domain, record string) *records.SPFCost {
	out := &records.SPFCost{Record: record, Limit: SPFLookupLimit}
	tree, err := SPFCost(ctx, r, domain, record)
	if err != nil {
		out.Error = err.Error()
		return out
	}
	out.Total, out.Void = tree.Total, tree.Void
	for _, c := range tree.Children {
		out.Terms = append(out.Terms, records.SPFTermCost{Term: c.Term, Cost: c.Cost, Total: c.Total, Error: c.Error})
	}
	tree.Walk(func(n *SPFTree, _ int) {
		if n.DNSError && out.Error == "" {
			// The count is then a lower bound, not a verdict.
			out.Error = n.Term + ": " + n.Error
		}
	})
	return out
}

// spfTreeProblems lists the broken parts of the planned record's tree that
// are not lookups failing now: includes without an SPF record, loops.
func spfTreeProblems(ctx context.Context, r Resolver, domain, record string) []string {
	tree, err := SPFCost(ctx, r, domain, record)
	if err != nil {
		return nil
	}
	var out []string
	tree.Walk(func(n *SPFTree, d int) {
		if d > 0 && n.Error != "" && !n.DNSError {
			out = append(out, "SPF: "+n.Term+": "+n.Error)
		}
	})
	return out
}
