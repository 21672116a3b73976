package records

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// MTA-STS policy defaults for a first policy: testing mode, as RFC 8461 §5
// and Google advise, cached for a week.
const (
	STSModeTesting   = "testing"
	STSModeEnforce   = "enforce"
	STSTestingMaxAge = 604800   // one week, in seconds
	STSMaxMaxAge     = 31557600 // RFC 8461 §3.2: about a year at most
)

// MTASTSID returns a fresh policy id from a time: its UTC digits
// (YYYYMMDDhhmmss), 14 of the 1 to 32 alphanumerics RFC 8461 §3.1 allows.
// A new id tells senders to fetch the policy again.
func MTASTSID(t time.Time) string { return t.UTC().Format("20060102150405") }

// MTASTSRecord returns the TXT value at _mta-sts.<domain> (RFC 8461 §3.1).
func MTASTSRecord(id string) string { return "v=STSv1; id=" + id }

// STSPolicyText returns the text of an MTA-STS policy file (RFC 8461 §3.2):
// version, mode, one mx line a host (sorted, without trailing dots) and
// max_age, each line ending in LF.
func STSPolicyText(mode string, mx []string, maxAge int) string {
	hosts := make([]string, 0, len(mx))
	for _, h := range mx {
		h = strings.ToLower(bare(strings.TrimSpace(h)))
		if h != "" && !contains(hosts, h) {
			hosts = append(hosts, h)
		}
	}
	sort.Strings(hosts)
	var b strings.Builder
	b.WriteString("version: STSv1\nmode: " + mode + "\n")
	for _, h := range hosts {
		b.WriteString("mx: " + h + "\n")
	}
	b.WriteString("max_age: " + strconv.Itoa(maxAge) + "\n")
	return b.String()
}

// TLSRPTRecord returns the TXT value at _smtp._tls.<domain> (RFC 8460 §3):
// v=TLSRPTv1 and the report URIs, comma-separated.
func TLSRPTRecord(rua []string) string { return "v=TLSRPTv1; rua=" + strings.Join(rua, ",") }

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// planInbound adds the MTA-STS and TLS-RPT records, which protect mail sent
// to the domain: only a domain with MX hosts gets them.
func (r *request) planInbound(live Live, p *Plan) []PlannedRecord {
	var hosts []string
	for _, mx := range live.get(r.domain).MX {
		f := strings.Fields(mx)
		if len(f) == 2 && bare(f[1]) != "" {
			hosts = append(hosts, f[1])
		}
	}
	if err := live.get(r.domain).Err; err != "" && len(hosts) == 0 {
		p.Warnings = append(p.Warnings, "MTA-STS and TLS-RPT are left out: the MX hosts of "+r.domain+" could not be read ("+err+")")
		return nil
	}
	if len(hosts) == 0 {
		p.Notes = append(p.Notes, "MTA-STS and TLS-RPT are left out: "+r.domain+" has no MX hosts, so it receives no mail for them to protect.")
		return nil
	}
	var out []PlannedRecord
	stsName := "_mta-sts." + r.domain + "."
	policy := STSPolicyText(STSModeTesting, hosts, STSTestingMaxAge)
	p.MTASTSPolicy = policy
	p.MTASTSPolicyURL = "https://mta-sts." + r.domain + "/.well-known/mta-sts.txt"
	sts := PlannedRecord{Name: stsName, Type: "TXT", Value: MTASTSRecord(MTASTSID(r.Now)), Purpose: PurposeMTASTS,
		Note: "Host the policy file (mode testing first) at " + p.MTASTSPolicyURL + " over HTTPS with a certificate for mta-sts." + r.domain + "; change the id whenever the policy changes."}
	for _, t := range live.get(stsName).TXT {
		if kindOf(t) == PurposeMTASTS {
			if _, err := ParseMTASTS(t); err == nil {
				// A valid record points at a hosted policy we cannot see:
				// keep it, and its id.
				sts.Value = t
				sts.Note = "Keep the id while the hosted policy stays the same; give a new one (such as " + MTASTSID(r.Now) + ") when you change it."
			}
		}
	}
	out = append(out, sts)
	p.Notes = append(p.Notes, fmt.Sprintf("MTA-STS policy to host at %s:\n%s", p.MTASTSPolicyURL, policy))

	rua := r.tlsRUA
	if len(rua) == 0 && len(r.rua) > 0 {
		rua = r.rua[:1]
	}
	tlsName := "_smtp._tls." + r.domain + "."
	tls := PlannedRecord{Name: tlsName, Type: "TXT", Purpose: PurposeTLSRPT}
	if len(rua) == 0 {
		rua = []string{"mailto:tls-reports@" + r.domain}
		tls.Note = "TLS reports go to tls-reports@" + r.domain + ": make sure that mailbox exists."
	}
	tls.Value = TLSRPTRecord(rua)
	if len(r.tlsRUA) == 0 {
		for _, t := range live.get(tlsName).TXT {
			if kindOf(t) == PurposeTLSRPT {
				if _, err := ParseTLSRPT(t); err == nil {
					tls.Value, tls.Note = t, ""
				}
			}
		}
	}
	return append(out, tls)
}
