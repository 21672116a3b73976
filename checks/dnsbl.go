package checks

import (
	"context"
	"fmt"
	"net"
	"strings"
	"sync"

	"github.com/miekg/dns"
)

// DefaultDNSBLZones are the blocklists checked when none are given: Spamhaus
// ZEN, SpamCop and Barracuda.
var DefaultDNSBLZones = []string{"zen.spamhaus.org", "bl.spamcop.net", "b.barracudacentral.org"}

// dnsblCodes explains the return codes of the lists that document them.
var dnsblCodes = map[string]map[string]string{
	"zen.spamhaus.org": {
		"127.0.0.2": "SBL: a known spam source or spam operation", "127.0.0.3": "CSS: a snowshoe spam source",
		"127.0.0.4": "XBL: an infected or exploited machine", "127.0.0.5": "XBL: an infected or exploited machine",
		"127.0.0.6": "XBL: an infected or exploited machine", "127.0.0.7": "XBL: an infected or exploited machine",
		"127.0.0.9":  "DROP: a hijacked or criminal network",
		"127.0.0.10": "PBL (ISP): an end-user address that should not send mail directly",
		"127.0.0.11": "PBL (Spamhaus): an end-user address that should not send mail directly",
	},
	"bl.spamcop.net":         {"127.0.0.2": "reported by SpamCop users as a spam source (listings expire about 24 h after reports stop)"},
	"b.barracudacentral.org": {"127.0.0.2": "poor reputation in the Barracuda Reputation Block List"},
}

// dnsblErrors explains the answers a list gives instead of a verdict
// (Spamhaus documents these; any 127.255.255.x is such an answer).
var dnsblErrors = map[string]string{
	"127.255.255.252": "the query was malformed (typo in the zone name)",
	"127.255.255.254": "the list refuses queries from public or open resolvers: use your own recursive resolver (--resolver) or the list's paid service",
	"127.255.255.255": "the list refuses because of excessive query volume from this resolver",
}

// DNSBLName returns the name to ask a blocklist zone about ip: the IPv4
// octets reversed, or the IPv6 nibbles reversed, followed by the zone (RFC
// 5782 §2.1, §2.4).
func DNSBLName(ip net.IP, zone string) string {
	rev, err := dns.ReverseAddr(ip.String())
	if err != nil {
		return ""
	}
	rev = strings.TrimSuffix(strings.TrimSuffix(rev, "in-addr.arpa."), "ip6.arpa.")
	return rev + strings.TrimSuffix(zone, ".") + "."
}

// dnsblVerdict is one list's answer for one name.
type dnsblVerdict struct {
	listed  []string // 127.0.0.x codes
	errCode string   // an answer that is not a verdict
	err     error
	txt     string
}

func dnsblAsk(ctx context.Context, r Resolver, name string) dnsblVerdict {
	a, err := r.Lookup(ctx, name, dns.TypeA)
	if err != nil {
		return dnsblVerdict{err: err}
	}
	var v dnsblVerdict
	for _, rr := range a.Records() {
		ip := rr.(*dns.A).A.To4()
		s := ip.String()
		switch {
		case ip[0] == 127 && ip[1] == 255 && ip[2] == 255:
			v.errCode = s
		case ip[0] != 127:
			// RFC 5782 §2.1: entries are in 127.0.0.0/8; anything else is
			// a resolver rewriting NXDOMAIN, not a listing.
			v.errCode = s
		default:
			v.listed = append(v.listed, s)
		}
	}
	return v
}

// dnsblHealth checks a list with its RFC 5782 §5 test entries: 127.0.0.2 must
// be listed and 127.0.0.1 must not. It returns "" for a healthy list, else
// why its verdicts cannot be believed, and an error for a failed lookup.
func dnsblHealth(ctx context.Context, r Resolver, zone string) (string, error) {
	var yes, no dnsblVerdict
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); yes = dnsblAsk(ctx, r, DNSBLName(net.IPv4(127, 0, 0, 2), zone)) }()
	go func() { defer wg.Done(); no = dnsblAsk(ctx, r, DNSBLName(net.IPv4(127, 0, 0, 1), zone)) }()
	wg.Wait()
	switch {
	case yes.err != nil:
		return "", yes.err
	case no.err != nil:
		return "", no.err
	case yes.errCode != "":
		return "its test entry 127.0.0.2 got " + yes.errCode + explainDNSBLError(yes.errCode), nil
	case len(yes.listed) == 0:
		return "it does not list its test entry 127.0.0.2, so it is not answering this resolver (some lists need the resolver registered)", nil
	case no.errCode != "" || len(no.listed) > 0:
		return "it lists 127.0.0.1, which no working list does: it answers every query", nil
	}
	return "", nil
}

func explainDNSBLError(code string) string {
	if e, ok := dnsblErrors[code]; ok {
		return " (" + e + ")"
	}
	if strings.HasPrefix(code, "127.255.255.") {
		return " (an error code, not a listing)"
	}
	return " (an answer outside 127.0.0.0/8: a resolver rewriting negative answers)"
}

// auditDNSBL checks each IP on each zone; the lists' health checks and the
// IP queries are all asked at once.
func auditDNSBL(ctx context.Context, r Resolver, ips []net.IP, zones []string, emit func(...Finding)) {
	type health struct {
		why string
		err error
	}
	hs := make([]health, len(zones))
	verdicts := make([][]dnsblVerdict, len(zones))
	var wg sync.WaitGroup
	for i, z := range zones {
		verdicts[i] = make([]dnsblVerdict, len(ips))
		wg.Add(1)
		go func() { defer wg.Done(); hs[i].why, hs[i].err = dnsblHealth(ctx, r, z) }()
		for j, ip := range ips {
			wg.Add(1)
			go func() {
				defer wg.Done()
				v := dnsblAsk(ctx, r, DNSBLName(ip, z))
				if len(v.listed) > 0 && v.errCode == "" {
					if txt, _, err := txtAt(ctx, r, DNSBLName(ip, z)); err == nil && len(txt) > 0 {
						v.txt = txt[0]
					}
				}
				verdicts[i][j] = v
			}()
		}
	}
	wg.Wait()
	for i, z := range zones {
		for j, ip := range ips {
			emit(dnsblFinding(z, ip, hs[i].why, hs[i].err, verdicts[i][j]))
		}
	}
}

func dnsblFinding(zone string, ip net.IP, sick string, herr error, v dnsblVerdict) Finding {
	name := DNSBLName(ip, zone)
	id := "dnsbl.listed"
	switch {
	case v.err != nil:
		return couldNotCheck(id, ip.String()+" on "+zone, v.err)
	case herr != nil:
		f := couldNotCheck(id, ip.String()+" on "+zone, herr)
		f.Detail = "The list's RFC 5782 test entries could not be looked up, so its answer is not believed. " + f.Detail
		return f
	case sick != "":
		return Finding{ID: id, Status: StatusError, Title: "Could not check " + ip.String() + " on " + zone + ": the list is not answering properly",
			Detail: "Before believing a list, mailcfg asks about its test entries: " + sick + ".",
			Fix:    "Ask through your own recursive resolver (--resolver), or drop this list with --dnsbl.", Ref: "RFC 5782 §5"}
	case v.errCode != "":
		return Finding{ID: id, Status: StatusError, Title: "Could not check " + ip.String() + " on " + zone + ": the list answered " + v.errCode,
			Detail: "That answer is an error code, not a listing" + explainDNSBLError(v.errCode) + ".",
			Fix:    "Ask through your own recursive resolver (--resolver).", Ref: "RFC 5782 §2.1", Evidence: name + " A " + v.errCode}
	case len(v.listed) > 0:
		var why []string
		for _, c := range v.listed {
			if e, ok := dnsblCodes[strings.ToLower(zone)][c]; ok {
				why = append(why, c+": "+e)
			} else {
				why = append(why, c)
			}
		}
		ev := name + " A " + strings.Join(v.listed, ", ")
		if v.txt != "" {
			ev += "; TXT " + auEvidence(v.txt)
		}
		return Finding{ID: id, Status: StatusFail, Title: ip.String() + " is listed on " + zone,
			Detail: "Receivers that use this list refuse or junk mail from the address. " + strings.Join(why, "; ") + ".",
			Fix:    "Find and stop the cause (a compromised account or machine, an open relay), then request removal on the list's web site (the TXT record often links to it).",
			Ref:    "RFC 5782 §2.1", Evidence: ev}
	}
	return Finding{ID: id, Status: StatusPass, Title: fmt.Sprintf("%s is not listed on %s", ip, zone), Evidence: name + " does not exist", Ref: "RFC 5782 §2.1"}
}
