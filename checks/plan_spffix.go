package checks

import (
	"context"
	"fmt"
	"net"
	"sort"
	"strings"

	"github.com/miekg/dns"

	"github.com/mailcfg/mailcfg/records"
)

// maxInlineAddrs is how many addresses an a or mx term may resolve to for
// the fix to replace it with ip4:/ip6: terms; more would bloat the record
// and go stale faster.
const maxInlineAddrs = 4

// spfEdit is one proposed change to a top-level term.
type spfEdit struct {
	term    string   // the term as SPFTerm.String writes it
	repl    []string // its replacement; nil drops it
	saves   int      // lookups it saves
	explain string
}

// proposeSPFFixes finds changes that bring record's lookup count down (RFC
// 7208 §4.6.4): top-level includes already pulled in by another term are
// dropped, and a / mx terms that resolve to a few addresses are replaced by
// them. Edits are applied, largest saving first, until the count fits. It
// returns the edited record ("" when nothing could be done) and one sentence
// per edit.
func proposeSPFFixes(ctx context.Context, r Resolver, domain, record string, cost *records.SPFCost) (string, []string) {
	tree, err := SPFCost(ctx, r, domain, record)
	if err != nil || tree == nil {
		return "", nil
	}
	rec, err := records.ParseSPF(record)
	if err != nil {
		return "", nil
	}
	var edits []spfEdit
	seen := map[string]bool{}
	for i, c := range tree.Children {
		name, target := splitTerm(c.Term)
		if name != records.SPFInclude || target == "" {
			continue
		}
		if seen[target] {
			edits = append(edits, spfEdit{term: c.Term, saves: c.Total, explain: "dropped the second include:" + target})
			continue
		}
		seen[target] = true
		for j, other := range tree.Children {
			if i != j && includesBelow(other, target) {
				edits = append(edits, spfEdit{term: c.Term, saves: c.Total,
					explain: fmt.Sprintf("dropped include:%s, which %s already includes", target, other.Term)})
				break
			}
		}
	}
	for _, t := range rec.Terms {
		if t.Modifier || (t.Name != records.SPFA && t.Name != records.SPFMX) || strings.Contains(t.Value, "/") || t.Qualifier != '+' {
			continue
		}
		host := t.Domain
		if host == "" {
			host = domain
		}
		if strings.Contains(host, "%") {
			continue // a macro: the addresses depend on the message
		}
		ips, err := termAddrs(ctx, r, t.Name, host)
		if err != nil || len(ips) == 0 || len(ips) > maxInlineAddrs {
			continue
		}
		var repl []string
		for _, ip := range ips {
			if ip4 := ip.To4(); ip4 != nil {
				repl = append(repl, "ip4:"+ip4.String())
			} else {
				repl = append(repl, "ip6:"+ip.String())
			}
		}
		edits = append(edits, spfEdit{term: t.String(), repl: repl, saves: 1,
			explain: fmt.Sprintf("replaced %s with %s (what it resolves to now: update the record when those addresses change)", t.String(), strings.Join(repl, " "))})
	}
	sort.SliceStable(edits, func(i, j int) bool { return edits[i].saves > edits[j].saves })
	total := cost.Total
	apply := map[string][]string{}
	var fixes []string
	for _, e := range edits {
		if total <= SPFLookupLimit {
			break
		}
		key := strings.ToLower(strings.TrimPrefix(e.term, "+"))
		if _, dup := apply[key]; dup {
			continue
		}
		apply[key] = e.repl
		fixes = append(fixes, e.explain)
		total -= e.saves
	}
	if len(apply) == 0 {
		return "", nil
	}
	fixed, err := records.EditSPF(record, apply)
	if err != nil {
		return "", nil
	}
	return fixed, fixes
}

// splitTerm returns the lower-case mechanism name of a tree term
// ("include:_spf.example.com", "+mx") and its domain, if any.
func splitTerm(term string) (string, string) {
	term = strings.TrimLeft(term, "+-~?")
	name, val, _ := strings.Cut(term, ":")
	if n, v, ok := strings.Cut(name, "="); ok {
		name, val = n, v
	}
	return strings.ToLower(name), strings.ToLower(strings.TrimSuffix(val, "."))
}

// includesBelow reports whether include:target appears anywhere under t
// (not t itself).
func includesBelow(t *SPFTree, target string) bool {
	for _, c := range t.Children {
		if n, d := splitTerm(c.Term); (n == records.SPFInclude || n == records.SPFRedirect) && d == target {
			return true
		}
		if includesBelow(c, target) {
			return true
		}
	}
	return false
}

// termAddrs resolves what an a or mx term matches: the host's addresses, or
// those of its MX hosts.
func termAddrs(ctx context.Context, r Resolver, mech, host string) ([]net.IP, error) {
	if mech == records.SPFA {
		return LookupIP(ctx, r, host)
	}
	a, err := r.Lookup(ctx, host, dns.TypeMX)
	if err != nil {
		return nil, err
	}
	var out []net.IP
	for _, rr := range a.Records() {
		ips, err := LookupIP(ctx, r, rr.(*dns.MX).Mx)
		if err != nil {
			return nil, err
		}
		out = append(out, ips...)
		if len(out) > maxInlineAddrs {
			break
		}
	}
	return out, nil
}
