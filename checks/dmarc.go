package checks

import (
	"context"
	"errors"
	"strings"
	"sync"

	"github.com/miekg/dns"

	"github.com/mailcfg/mailcfg/records"
)

// DMARCLookup is what the RFC 9989 DNS tree walk found for a domain.
type DMARCLookup struct {
	// Record is the policy record that applies, nil when none does or when
	// the record found does not parse (then Raw and ParseErr say why).
	Record *records.DMARC
	Raw    string
	// Domain is where the record was found: the domain itself, or a parent
	// found by the tree walk. Empty when no record applies.
	Domain string
	// OrgDomain is the Organizational Domain (RFC 9989 §4.10.2).
	OrgDomain string
	// ParseErr is the *records.SyntaxError of a record that does not parse.
	ParseErr error
	// Multiple holds the records of a name that publishes more than one
	// DMARC record: RFC 9989 §4.10.1 discards them all.
	Multiple []string
	// MultipleAt is the name that published Multiple.
	MultipleAt string
	// Walk lists the names the tree walk asked, in order.
	Walk []string
}

// ErrNoDMARC is returned when neither the domain nor any parent the tree walk
// visits publishes a DMARC record.
var ErrNoDMARC = errors.New("dmarc: no DMARC record")

// maxWalkLabels is where the tree walk shortcuts: a name of eight labels or
// more is cut to its last seven (RFC 9989 §4.10.1), so a walk makes at most
// eight queries.
const maxWalkLabels = 8

// DMARCWalk returns the names the RFC 9989 §4.10.1 tree walk visits for
// domain, in order: the domain itself, then, while more than one label is
// left, the name with its left-most label removed, except that a name of
// eight labels or more jumps straight to its right-most seven.
func DMARCWalk(domain string) []string {
	labels := dns.SplitDomainName(strings.ToLower(strings.TrimSuffix(domain, ".")))
	if len(labels) == 0 {
		return nil
	}
	out := []string{strings.Join(labels, ".")}
	for n := len(labels); n > 1; {
		if n >= maxWalkLabels {
			n = maxWalkLabels - 1
		} else {
			n--
		}
		out = append(out, strings.Join(labels[len(labels)-n:], "."))
	}
	return out
}

type walkStep struct {
	txt []string
	err error
}

// LookupDMARC finds the DMARC record that applies to domain and its
// Organizational Domain with the DNS tree walk of RFC 9989 §4.10, which
// replaced RFC 7489's public suffix list. The walk's names are known in
// advance, so they are asked at once; the answers are read in walk order:
//   - at each name, TXT strings not starting with v=DMARC1 are discarded
//     and more than one record counts as none (§4.10.1);
//   - the first record found is the policy record;
//   - psd=n marks its name as the Organizational Domain, psd=y marks the
//     name one label below it (on the way to domain) as one; otherwise the
//     record with the fewest labels names it (§4.10.2).
//
// A DNS failure at a name the walk needs before it found the policy record is
// returned as the error (the policy cannot be known); ErrNoDMARC comes with a
// lookup whose Walk says where it looked.
func LookupDMARC(ctx context.Context, r Resolver, domain string) (*DMARCLookup, error) {
	walk := DMARCWalk(domain)
	res := &DMARCLookup{Walk: walk}
	if len(walk) == 0 {
		return res, ErrNoDMARC
	}
	steps := make([]walkStep, len(walk))
	var wg sync.WaitGroup
	for i, name := range walk {
		wg.Add(1)
		go func() {
			defer wg.Done()
			steps[i].txt, _, steps[i].err = txtAt(ctx, r, "_dmarc."+name)
		}()
	}
	wg.Wait()

	author := walk[0]
	lastFound := ""
	for i, name := range walk {
		st := steps[i]
		if st.err != nil {
			if res.Domain == "" {
				return res, st.err
			}
			break // the org domain is as far as the walk could see
		}
		var recs []string
		for _, t := range st.txt {
			if records.IsDMARC(t) {
				recs = append(recs, t)
			}
		}
		if len(recs) > 1 {
			if res.Multiple == nil {
				res.Multiple, res.MultipleAt = recs, name
			}
			continue
		}
		if len(recs) == 0 {
			continue
		}
		d, err := records.ParseDMARC(recs[0])
		if res.Domain == "" {
			res.Domain, res.Raw, res.Record, res.ParseErr = name, recs[0], d, err
		}
		if err != nil {
			continue
		}
		switch d.PSD {
		case "n":
			res.OrgDomain = name
			return res, nil
		case "y":
			if name == author {
				res.OrgDomain = name
			} else {
				res.OrgDomain = oneLabelBelow(author, name)
			}
			return res, nil
		}
		lastFound = name
	}
	res.OrgDomain = lastFound
	if res.OrgDomain == "" {
		res.OrgDomain = author
	}
	if res.Domain == "" {
		return res, ErrNoDMARC
	}
	return res, nil
}

// oneLabelBelow returns the ancestor of name (or name itself) that has one
// label more than parent.
func oneLabelBelow(name, parent string) string {
	labels := dns.SplitDomainName(name)
	n := dns.CountLabel(dns.Fqdn(parent)) + 1
	if n > len(labels) {
		return name
	}
	return strings.Join(labels[len(labels)-n:], ".")
}
