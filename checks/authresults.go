package checks

import (
	"bufio"
	"bytes"
	"context"
	"net"
	"net/mail"
	"strings"

	"github.com/emersion/go-msgauth/dkim"
)

// AuthResults computes what a receiving server would put in its
// Authentication-Results header (RFC 8601) for a message received from
// remoteIP with the given HELO name and envelope sender: SPF (RFC 7208, of
// the envelope sender's domain, or of the HELO name for a null sender, §2.4),
// DKIM (RFC 6376 §6, keys fetched through r) and DMARC (RFC 7489 §3.1 and
// its successor: pass when an SPF or DKIM pass is aligned with the From
// domain, relaxed or strict as the policy's aspf/adkim say). The result reads
// "spf=pass dkim=pass dmarc=pass"; each method is one of pass, fail,
// softfail, neutral, none, temperror or permerror.
func AuthResults(ctx context.Context, r Resolver, remoteIP net.IP, helo, mailFrom string, raw []byte) string {
	spfDomain, sender := domainOf(mailFrom), mailFrom
	if spfDomain == "" {
		spfDomain, sender = strings.TrimSuffix(helo, "."), "postmaster@"+strings.TrimSuffix(helo, ".")
	}
	spf := "none"
	if remoteIP != nil && spfDomain != "" {
		if res := CheckHost(ctx, r, remoteIP, spfDomain, sender, helo); res != nil && res.Result != "" {
			spf = res.Result
		}
	}

	lookup := func(name string) ([]string, error) { return LookupTXT(ctx, r, name) }
	vs, verr := dkim.VerifyWithOptions(bytes.NewReader(raw), &dkim.VerifyOptions{LookupTXT: lookup, MaxVerifications: 5})
	dk := "none"
	var passed []string // d= of the signatures that verify
	for _, v := range vs {
		switch {
		case v.Err == nil:
			passed = append(passed, strings.ToLower(v.Domain))
			dk = "pass"
		case dk == "pass":
		case dkim.IsTempFail(v.Err):
			dk = "temperror"
		case dkim.IsPermFail(v.Err) && dk != "fail":
			dk = "permerror"
		default:
			dk = "fail"
		}
	}
	if verr != nil && len(vs) == 0 {
		dk = "permerror"
	}

	dm := dmarcResult(ctx, r, raw, spf, spfDomain, passed)
	return "spf=" + spf + " dkim=" + dk + " dmarc=" + dm
}

// dmarcResult evaluates DMARC for the message's From domain.
func dmarcResult(ctx context.Context, r Resolver, raw []byte, spf, spfDomain string, dkimPassed []string) string {
	from := headerFromDomain(raw)
	if from == "" {
		return "permerror" // RFC 7489 §6.6.1: exactly one From address is needed
	}
	lk, err := LookupDMARC(ctx, r, from)
	if err != nil {
		return "temperror"
	}
	if lk == nil || lk.Record == nil {
		return "none"
	}
	org := strings.ToLower(strings.TrimSuffix(lk.OrgDomain, "."))
	if org == "" {
		org = from
	}
	if spf == "pass" && aligned(spfDomain, from, org, lk.Record.ASPF == "s") {
		return "pass"
	}
	for _, d := range dkimPassed {
		if aligned(d, from, org, lk.Record.ADKIM == "s") {
			return "pass"
		}
	}
	return "fail"
}

// aligned reports identifier alignment (RFC 7489 §3.1.1–3.1.2): strict needs
// the same name; relaxed needs the same organisational domain, org being
// the From domain's.
func aligned(d, from, org string, strict bool) bool {
	d = strings.ToLower(strings.TrimSuffix(d, "."))
	if strict {
		return d == from
	}
	return d == org || strings.HasSuffix(d, "."+org)
}

// headerFromDomain returns the domain of the message's single From address,
// or "" when there is not exactly one.
func headerFromDomain(raw []byte) string {
	msg, err := mail.ReadMessage(bufio.NewReader(bytes.NewReader(raw)))
	if err != nil {
		return ""
	}
	if len(msg.Header["From"]) != 1 {
		return ""
	}
	list, err := mail.ParseAddressList(msg.Header.Get("From"))
	if err != nil || len(list) != 1 {
		return ""
	}
	return domainOf(list[0].Address)
}
