package checks

import (
	"context"
	"regexp"
	"strings"
	"sync"

	"github.com/miekg/dns"

	"github.com/mailcfg/mailcfg/providers"
)

// auditProvider checks that the records a provider needs are in place: its
// DKIM selectors or delegation CNAMEs (provider.dkim) and its bounce /
// Return-Path records (provider.bounce). Its SPF include is checked by
// AuditSPF (spf.provider). Templates with values only the provider's console
// knows ({token1}) are matched as patterns where they are values, and
// reported as info where they are names.
func auditProvider(ctx context.Context, r Resolver, domain string, p *providers.Profile, emit func(...Finding)) {
	vals := p.Values("", domain)
	var checks []providers.Record
	var kinds []string
	switch p.DKIM.Method {
	case providers.DKIMCNAME:
		for _, c := range p.DKIM.CNAMEs {
			checks, kinds = append(checks, c), append(kinds, "dkim")
		}
	default:
		for _, s := range p.DKIM.Selectors {
			checks = append(checks, providers.Record{Name: s + "._domainkey.{domain}", Type: "TXT", Value: "v=DKIM1*"})
			kinds = append(kinds, "dkim")
		}
	}
	for _, b := range p.Bounce {
		checks, kinds = append(checks, b), append(kinds, "bounce")
	}
	if len(checks) == 0 && p.DKIM.Console != "" {
		emit(Finding{ID: "provider.dkim", Status: StatusInfo, Title: p.Name + " issues the DKIM key in its console",
			Detail: p.DKIM.Console, Fix: "Give its selector with --selector so the audit can check it."})
	}
	out := make([][]Finding, len(checks))
	var wg sync.WaitGroup
	for i, rec := range checks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i] = checkProviderRecord(ctx, r, p, "provider."+kinds[i], rec, vals)
		}()
	}
	wg.Wait()
	for _, fs := range out {
		emit(fs...)
	}
}

func checkProviderRecord(ctx context.Context, r Resolver, p *providers.Profile, id string, rec providers.Record, vals map[string]string) []Finding {
	name, missing := providers.Expand(rec.Name, vals)
	value, _ := providers.Expand(rec.Value, vals)
	typ := strings.ToUpper(rec.Type)
	what := typ + " " + value
	if len(missing) > 0 {
		return []Finding{{ID: id, Status: StatusInfo, Title: p.Name + " needs a " + typ + " record whose name comes from its console",
			Detail: "Expected: " + name + " " + what + " ({" + strings.Join(missing, "}, {") + "} are shown in " + p.Name + "'s console).",
			Fix:    rec.Note}}
	}
	qt, ok := dns.StringToType[typ]
	if !ok {
		return nil
	}
	a, err := r.Lookup(ctx, name, qt)
	if err != nil {
		return []Finding{couldNotCheck(id, p.Name+"'s "+typ+" record at "+name, err)}
	}
	var got []string
	for _, rr := range a.RRs {
		if rr.Header().Rrtype != qt || !strings.EqualFold(rr.Header().Name, dns.Fqdn(name)) && qt == dns.TypeCNAME {
			continue
		}
		got = append(got, rdataText(rr))
	}
	pat := templatePattern(value)
	for _, g := range got {
		if pat.MatchString(g) {
			return []Finding{{ID: id, Status: StatusPass, Title: p.Name + "'s " + typ + " record is in place at " + name,
				Evidence: auEvidence(name + " " + typ + " " + g)}}
		}
	}
	f := Finding{ID: id, Status: StatusFail, Title: p.Name + "'s " + typ + " record is missing at " + name,
		Detail: "Expected " + name + " " + what + ".", Fix: "Publish it exactly as " + p.Name + "'s console shows. " + rec.Note}
	if len(got) > 0 {
		f.Title = name + " does not hold the " + typ + " record " + p.Name + " needs"
		f.Evidence = auEvidence(name + " " + typ + " " + strings.Join(got, " | "))
	}
	return []Finding{f}
}

// rdataText is a record's data as text, names without their trailing dot and
// TXT strings joined.
func rdataText(rr dns.RR) string {
	switch v := rr.(type) {
	case *dns.TXT:
		return strings.Join(v.Txt, "")
	case *dns.CNAME:
		return auBare(v.Target)
	case *dns.MX:
		return strings.TrimSuffix(v.String()[len(v.Hdr.String()):], ".")
	}
	return strings.TrimSuffix(strings.TrimPrefix(rr.String(), rr.Header().String()), ".")
}

var placeholderRE = regexp.MustCompile(`\{[A-Za-z0-9_]+\}`)

// templatePattern turns a record value template into a case-insensitive
// pattern: unfilled {placeholders} and a trailing * match anything.
func templatePattern(v string) *regexp.Regexp {
	v = strings.TrimSuffix(v, ".")
	star := strings.HasSuffix(v, "*")
	v = strings.TrimSuffix(v, "*")
	parts := placeholderRE.Split(v, -1)
	for i := range parts {
		parts[i] = regexp.QuoteMeta(parts[i])
	}
	s := "(?i)^" + strings.Join(parts, `[^ ]+`)
	if star {
		s += ".*"
	}
	return regexp.MustCompile(s + "$")
}
