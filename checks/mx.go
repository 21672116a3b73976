package checks

import (
	"context"
	"fmt"
	"net"
	"sort"
	"strings"
	"sync"

	"github.com/miekg/dns"
)

// mxSet returns the domain's MX records sorted by preference, whether they
// are a null MX (RFC 7505: one MX of preference 0 and target "."), and the
// answer.
func mxSet(ctx context.Context, r Resolver, domain string) ([]*dns.MX, *Answer, error) {
	a, err := r.Lookup(ctx, domain, dns.TypeMX)
	if err != nil {
		return nil, nil, err
	}
	var mxs []*dns.MX
	for _, rr := range a.Records() {
		mxs = append(mxs, rr.(*dns.MX))
	}
	sort.SliceStable(mxs, func(i, j int) bool { return mxs[i].Preference < mxs[j].Preference })
	return mxs, a, nil
}

// mxHosts returns the domain's MX target names (without the null MX's ".").
func mxHosts(ctx context.Context, r Resolver, domain string) ([]string, error) {
	mxs, _, err := mxSet(ctx, r, domain)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, m := range mxs {
		if m.Mx != "." {
			out = append(out, auBare(m.Mx))
		}
	}
	return out, nil
}

// auditMX checks the domain's MX records: present (or the implicit MX of RFC
// 5321 §5.1), a null MX (RFC 7505), and each target: not an IP literal, not
// an alias (RFC 2181 §10.3), resolving to addresses.
func auditMX(ctx context.Context, r Resolver, domain string, emit func(...Finding)) {
	mxs, a, err := mxSet(ctx, r, domain)
	if err != nil {
		emit(couldNotCheck("mx.present", "the MX records of "+domain, err))
		return
	}
	if a.NXDomain() {
		emit(Finding{ID: "mx.present", Status: StatusFail, Title: domain + " does not exist in the DNS (NXDOMAIN)",
			Detail: "No record of any kind can be found for a name that does not exist.",
			Fix:    "Check the spelling of the domain, and that its zone is delegated and served.", Ref: "RFC 1035 §4.1.1"})
		return
	}
	if len(mxs) == 0 {
		auditImplicitMX(ctx, r, domain, emit)
		return
	}
	var list []string
	null := false
	for _, m := range mxs {
		list = append(list, fmt.Sprintf("%d %s", m.Preference, m.Mx))
		if m.Mx == "." {
			null = true
		}
	}
	ev := strings.Join(list, ", ")
	if null {
		if len(mxs) > 1 {
			emit(Finding{ID: "mx.null", Status: StatusFail, Title: "A null MX is mixed with other MX records",
				Detail: "A null MX (\"0 .\") says the domain accepts no mail; it must be the domain's only MX record, and senders treat this set as broken.",
				Fix:    "Remove the \"0 .\" MX if the domain receives mail, or remove the other MX records if it does not.",
				Ref:    "RFC 7505 §3", Evidence: ev})
		} else {
			emit(Finding{ID: "mx.null", Status: StatusWarn, Title: domain + " publishes a null MX: it accepts no mail",
				Detail: "That suits a send-only domain, but bounces and replies to it are lost, and receivers may refuse mail whose envelope sender is on a null-MX domain.",
				Fix:    "Send with a bounce (Return-Path) domain that has a working MX, such as your provider's.",
				Ref:    "RFC 7505 §4.2", Evidence: ev})
			return
		}
	} else {
		emit(Finding{ID: "mx.present", Status: StatusPass,
			Title:    fmt.Sprintf("%d MX %s", len(mxs), auPlural(len(mxs), "record", "records")),
			Evidence: ev, Ref: "RFC 5321 §5.1"})
	}
	auditMXPriorities(mxs, domain, emit)

	type result struct {
		host string
		fs   []Finding
		ips  []net.IP
	}
	var hosts []string
	for _, m := range mxs {
		if m.Mx != "." && !containsFold(hosts, m.Mx) {
			hosts = append(hosts, m.Mx)
		}
	}
	res := make([]result, len(hosts))
	var wg sync.WaitGroup
	for i, h := range hosts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res[i].host = h
			res[i].ips, res[i].fs = checkMXTarget(ctx, r, h)
		}()
	}
	wg.Wait()
	var good []string
	bad := false
	for _, x := range res {
		emit(x.fs...)
		for _, f := range x.fs {
			if f.ID == "mx.resolves" || f.ID == "mx.ip_literal" {
				bad = true
			}
		}
		if len(x.ips) > 0 {
			good = append(good, auBare(x.host)+" → "+joinIPs(x.ips))
		}
	}
	if !bad {
		emit(Finding{ID: "mx.resolves", Status: StatusPass, Title: "Every MX target has an address",
			Evidence: strings.Join(good, "; "), Ref: "RFC 5321 §5.1"})
	}
}

// auditImplicitMX handles a domain with no MX: mail to it goes to its own
// A/AAAA records (RFC 5321 §5.1), and a domain with neither cannot take
// bounces.
func auditImplicitMX(ctx context.Context, r Resolver, domain string, emit func(...Finding)) {
	ips, err := LookupIP(ctx, r, domain)
	switch {
	case err != nil:
		f := couldNotCheck("mx.present", "the implicit MX (A/AAAA) of "+domain, err)
		f.Detail = "The domain has no MX records, and its addresses could not be looked up. " + f.Detail
		emit(f)
	case len(ips) == 0:
		emit(Finding{ID: "mx.present", Status: StatusFail, Title: domain + " has no MX records and no address",
			Detail: "Nothing can deliver mail to the domain, so bounces and replies are lost, and many receivers refuse mail from a domain that cannot receive any.",
			Fix:    "Publish an MX record for the mail server that receives the domain's mail (or a null MX, \"0 .\", if it never does, with bounces handled elsewhere).",
			Ref:    "RFC 5321 §5.1"})
	default:
		emit(Finding{ID: "mx.present", Status: StatusWarn, Title: domain + " has no MX records; mail goes to its A/AAAA address",
			Detail: "Without MX records senders use the domain's own address (the implicit MX); a web server there rarely accepts mail.",
			Fix:    "Publish an MX record naming the host that receives the domain's mail.",
			Ref:    "RFC 5321 §5.1", Evidence: joinIPs(ips)})
	}
}

func auditMXPriorities(mxs []*dns.MX, domain string, emit func(...Finding)) {
	seen := map[string]uint16{}
	for _, m := range mxs {
		if m.Mx == "." {
			continue
		}
		h := auBare(m.Mx)
		if p, dup := seen[h]; dup {
			emit(Finding{ID: "mx.priority", Status: StatusWarn, Title: "MX target " + h + " is listed twice",
				Detail: fmt.Sprintf("It appears with preferences %d and %d; the second entry adds nothing.", p, m.Preference),
				Fix:    "Remove the duplicate MX record.", Ref: "RFC 5321 §5.1"})
			return
		}
		seen[h] = m.Preference
	}
	if len(seen) < 2 {
		return
	}
	var order []string
	for _, m := range mxs {
		order = append(order, fmt.Sprintf("%s (%d)", auBare(m.Mx), m.Preference))
	}
	emit(Finding{ID: "mx.priority", Status: StatusInfo, Title: "Mail is tried in order of preference, lowest first",
		Detail: "Targets with equal preference share the load.", Evidence: strings.Join(order, ", "), Ref: "RFC 5321 §5.1"})
}

// checkMXTarget looks a target up: an IP literal is a fail, an alias a
// warning, a target without addresses a fail, a failed lookup an error.
func checkMXTarget(ctx context.Context, r Resolver, host string) ([]net.IP, []Finding) {
	h := auBare(host)
	if ip := net.ParseIP(strings.Trim(h, "[]")); ip != nil {
		return nil, []Finding{{ID: "mx.ip_literal", Status: StatusFail, Title: "MX target " + h + " is an IP address",
			Detail: "An MX record must name a host; senders look the name up and an address written as a name does not resolve.",
			Fix:    "Give the server a host name with an A/AAAA record and put that name in the MX record.",
			Ref:    "RFC 7505 §3 / RFC 1035 §3.3.9", Evidence: host}}
	}
	var fs []Finding
	var a4, a6 *Answer
	var e4, e6 error
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); a4, e4 = r.Lookup(ctx, host, dns.TypeA) }()
	go func() { defer wg.Done(); a6, e6 = r.Lookup(ctx, host, dns.TypeAAAA) }()
	wg.Wait()
	var ips []net.IP
	cname := ""
	for _, a := range []*Answer{a4, a6} {
		if a == nil {
			continue
		}
		if t := a.CNAMETarget(); t != "" && cname == "" {
			cname = t
		}
		for _, rr := range a.Records() {
			switch v := rr.(type) {
			case *dns.A:
				ips = append(ips, v.A)
			case *dns.AAAA:
				ips = append(ips, v.AAAA)
			}
		}
	}
	if cname != "" {
		fs = append(fs, Finding{ID: "mx.cname", Status: StatusWarn, Title: "MX target " + h + " is an alias (CNAME)",
			Detail: "MX records must point at a host's own name, not an alias; most senders follow it, some refuse.",
			Fix:    "Put the canonical name " + auBare(cname) + " in the MX record.",
			Ref:    "RFC 2181 §10.3", Evidence: h + " CNAME " + auBare(cname)})
	}
	switch {
	case len(ips) > 0:
	case e4 != nil || e6 != nil:
		err := e4
		if err == nil {
			err = e6
		}
		fs = append(fs, couldNotCheck("mx.resolves", "the addresses of MX target "+h, err))
	default:
		fs = append(fs, Finding{ID: "mx.resolves", Status: StatusFail, Title: "MX target " + h + " has no A or AAAA record",
			Detail: "Senders cannot reach a mail server without an address, so mail to the domain bounces or waits.",
			Fix:    "Publish an A (and AAAA) record for " + h + ", or point the MX at a host that has one.",
			Ref:    "RFC 5321 §5.1"})
	}
	return ips, fs
}

func joinIPs(ips []net.IP) string {
	s := make([]string, len(ips))
	for i, ip := range ips {
		s[i] = ip.String()
	}
	return strings.Join(s, ", ")
}

func containsFold(ss []string, s string) bool {
	for _, x := range ss {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}
