package checks

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/miekg/dns"
)

// auditDNSSEC reports whether the domain's answers come back validated (the
// AD flag a validating resolver sets, RFC 4035 §3.2.3) and whether the zone
// publishes DNSKEY records at all. It asks for the SOA and the DNSKEY at once.
func auditDNSSEC(ctx context.Context, r Resolver, domain string, emit func(...Finding)) {
	var soa, key *Answer
	var es, ek error
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); soa, es = r.Lookup(ctx, domain, dns.TypeSOA) }()
	go func() { defer wg.Done(); key, ek = r.Lookup(ctx, domain, dns.TypeDNSKEY) }()
	wg.Wait()
	switch {
	case es != nil && ek != nil:
		emit(couldNotCheck("dnssec.signed", "DNSSEC for "+domain, es))
	case es == nil && soa.Authenticated || ek == nil && key.Authenticated:
		emit(Finding{ID: "dnssec.signed", Status: StatusPass, Title: domain + "'s answers are DNSSEC-validated",
			Detail: "The resolver set the AD (authenticated data) flag.", Ref: "RFC 4035 §3.2.3"})
	case ek == nil && len(key.Records()) > 0:
		emit(Finding{ID: "dnssec.signed", Status: StatusWarn, Title: domain + " publishes DNSKEY records but its answers are not validated",
			Detail: "Either the resolver does not validate, or the chain of trust is broken (no DS record at the parent zone).",
			Fix:    "Check that the parent zone holds the DS record of your key, and ask a validating resolver (--resolver).",
			Ref:    "RFC 4035 §5"})
	default:
		emit(Finding{ID: "dnssec.signed", Status: StatusInfo, Title: domain + " is not DNSSEC-signed (or the resolver does not validate)",
			Detail: "Without DNSSEC, DANE cannot protect mail delivery to the domain.",
			Fix:    "Enable DNSSEC at your DNS host and publish the DS record at your registrar.", Ref: "RFC 4033"})
	}
}

// auditDANE looks up the TLSA records of each MX at _25._tcp.<mx> (RFC 7672
// §2.2) and shows them parsed; they count only when validated by DNSSEC.
func auditDANE(ctx context.Context, r Resolver, domain string, emit func(...Finding)) {
	hosts, err := mxHosts(ctx, r, domain)
	if err != nil {
		emit(couldNotCheck("dane.tlsa", "the MX hosts for DANE", err))
		return
	}
	if len(hosts) == 0 {
		return
	}
	type res struct {
		a   *Answer
		err error
	}
	rs := make([]res, len(hosts))
	var wg sync.WaitGroup
	for i, h := range hosts {
		wg.Add(1)
		go func() { defer wg.Done(); rs[i].a, rs[i].err = r.Lookup(ctx, "_25._tcp."+h, dns.TypeTLSA) }()
	}
	wg.Wait()
	seenAny := false
	for i, h := range hosts {
		name := "_25._tcp." + h
		if rs[i].err != nil {
			emit(couldNotCheck("dane.tlsa", "the TLSA records at "+name, rs[i].err))
			seenAny = true
			continue
		}
		var shown []string
		pkix := false
		for _, rr := range rs[i].a.Records() {
			t := rr.(*dns.TLSA)
			shown = append(shown, describeTLSA(t))
			if t.Usage < 2 {
				pkix = true
			}
		}
		if len(shown) == 0 {
			continue
		}
		seenAny = true
		ev := name + ": " + strings.Join(shown, "; ")
		switch {
		case !rs[i].a.Authenticated:
			emit(Finding{ID: "dane.tlsa", Status: StatusWarn, Title: "TLSA records for " + h + " are not DNSSEC-validated",
				Detail: "Senders ignore TLSA records that are not validated, so DANE does not protect this MX.",
				Fix:    "Sign the zone with DNSSEC (and check the resolver validates).", Ref: "RFC 7672 §2.2", Evidence: ev})
		case pkix:
			emit(Finding{ID: "dane.tlsa", Status: StatusWarn, Title: "TLSA records for " + h + " use PKIX usages (0 or 1)",
				Detail: "For SMTP, senders treat usages 0 and 1 as unusable.", Fix: "Publish usage 3 (DANE-EE) or 2 (DANE-TA) records.",
				Ref: "RFC 7672 §3.1.3", Evidence: ev})
		default:
			emit(Finding{ID: "dane.tlsa", Status: StatusPass, Title: "DANE TLSA records for " + h, Evidence: ev, Ref: "RFC 7672"})
		}
	}
	if !seenAny {
		emit(Finding{ID: "dane.tlsa", Status: StatusInfo, Title: "No DANE TLSA records for the MX hosts",
			Detail: "DANE lets DNSSEC-validating senders pin your MX certificates; optional.", Ref: "RFC 7672",
			Evidence: "asked _25._tcp." + strings.Join(hosts, ", _25._tcp.")})
	}
}

// describeTLSA reads a TLSA record in words: "3 1 1 (DANE-EE, public key,
// SHA-256) 8f3a…".
func describeTLSA(t *dns.TLSA) string {
	usage := map[uint8]string{0: "PKIX-TA", 1: "PKIX-EE", 2: "DANE-TA", 3: "DANE-EE"}[t.Usage]
	sel := map[uint8]string{0: "full certificate", 1: "public key"}[t.Selector]
	mt := map[uint8]string{0: "exact", 1: "SHA-256", 2: "SHA-512"}[t.MatchingType]
	data := t.Certificate
	if len(data) > 16 {
		data = data[:16] + "…"
	}
	return fmt.Sprintf("%d %d %d (%s, %s, %s) %s", t.Usage, t.Selector, t.MatchingType, orQ(usage), orQ(sel), orQ(mt), data)
}

func orQ(s string) string {
	if s == "" {
		return "?"
	}
	return s
}
