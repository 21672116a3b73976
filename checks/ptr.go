package checks

import (
	"context"
	"net"
	"strings"
	"sync"

	"github.com/miekg/dns"
)

// maxPTRNames bounds how many PTR names are forward-checked, as RFC 7208
// §5.5 bounds the same walk for SPF.
const maxPTRNames = 10

// auditPTR checks an IP's reverse DNS: a PTR record (ptr.present) whose name
// resolves back to the IP (forward-confirmed reverse DNS, ptr.fcrdns), which
// Gmail and others require of senders.
func auditPTR(ctx context.Context, r Resolver, ip net.IP, emit func(...Finding)) {
	rev, err := dns.ReverseAddr(ip.String())
	if err != nil {
		return
	}
	a, err := r.Lookup(ctx, rev, dns.TypePTR)
	if err != nil {
		emit(couldNotCheck("ptr.present", "the reverse DNS (PTR) of "+ip.String(), err))
		return
	}
	var names []string
	for _, rr := range a.Records() {
		names = append(names, rr.(*dns.PTR).Ptr)
	}
	if len(names) == 0 {
		emit(Finding{ID: "ptr.present", Status: StatusFail, Title: ip.String() + " has no reverse DNS (PTR)",
			Detail: "Gmail, Yahoo and many others refuse or junk mail from addresses without a PTR whose name resolves back to them.",
			Fix:    "Ask whoever owns the address (your hosting provider or ISP) to set its PTR to the server's host name, and give that name an A/AAAA record with this address.",
			Ref:    "RFC 1912 §2.1", Evidence: rev + " has no PTR"})
		return
	}
	emit(Finding{ID: "ptr.present", Status: StatusPass, Title: ip.String() + " has reverse DNS", Evidence: ip.String() + " → " + auBare(strings.Join(names, ", "))})
	if len(names) > maxPTRNames {
		names = names[:maxPTRNames]
	}
	type fwd struct {
		ips []net.IP
		err error
	}
	res := make([]fwd, len(names))
	var wg sync.WaitGroup
	for i, n := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res[i].ips, res[i].err = LookupIP(ctx, r, n)
		}()
	}
	wg.Wait()
	var seen []string
	var firstErr error
	for i, f := range res {
		if f.err != nil {
			if firstErr == nil {
				firstErr = f.err
			}
			continue
		}
		for _, x := range f.ips {
			if x.Equal(ip) {
				emit(Finding{ID: "ptr.fcrdns", Status: StatusPass, Title: "Reverse DNS of " + ip.String() + " is forward-confirmed",
					Evidence: ip.String() + " → " + auBare(names[i]) + " → " + joinIPs(f.ips), Ref: "RFC 8601 §3 (iprev)"})
				return
			}
		}
		seen = append(seen, auBare(names[i])+" → "+orNone(joinIPs(f.ips)))
	}
	if len(seen) == 0 && firstErr != nil {
		emit(couldNotCheck("ptr.fcrdns", "the forward lookup of "+auBare(names[0]), firstErr))
		return
	}
	emit(Finding{ID: "ptr.fcrdns", Status: StatusFail, Title: "Reverse DNS of " + ip.String() + " does not resolve back to it",
		Detail: "The PTR name must have an A/AAAA record holding the same address (forward-confirmed reverse DNS); receivers check both ways.",
		Fix:    "Add " + ip.String() + " to the A/AAAA records of " + auBare(names[0]) + ", or point the PTR at a name that has it.",
		Ref:    "RFC 8601 §3 (iprev)", Evidence: strings.Join(seen, "; ")})
}

func orNone(s string) string {
	if s == "" {
		return "no address"
	}
	return s
}
