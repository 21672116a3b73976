package checks_test

import (
	"context"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/mailcfg/mailcfg/checks"
	"github.com/mailcfg/mailcfg/providers"
	"github.com/mailcfg/mailcfg/sandbox"
)

// want is one finding a zoo domain must produce: its id, its status, and a
// piece of text its title, detail or evidence must hold.
type want struct {
	id     string
	status checks.Status
	text   string
}

// zooCase is a zone with one defect and the findings it must give.
type zooCase struct {
	name string   // the domain is name.test
	drop []string // base lines to remove, by prefix
	add  []string // lines to add
	opts func(*checks.AuditOptions)
	fail func(s *sandbox.DNSServer, d string)
	want []want
	// none lists ids that must not appear.
	none []string
}

// baseZone is a domain with everything right: MX with an address, SPF,
// DMARC at reject, a 2048-bit DKIM key at s1, TLS-RPT.
func baseZone(d string) []string {
	return []string{
		"@ NS ns", "ns A 127.0.0.1",
		"@ MX 10 mx", "mx A 192.0.2.10",
		"@ TXT " + txt("v=spf1 ip4:192.0.2.10 -all"),
		"_dmarc TXT " + txt("v=DMARC1; p=reject; rua=mailto:dmarc@"+d),
		"s1._domainkey TXT " + txt("v=DMARC1"), // replaced below
		"_smtp._tls TXT " + txt("v=TLSRPTv1; rua=mailto:tls@"+d),
	}
}

func zoneText(c zooCase) string {
	d := c.name + ".test"
	var lines []string
	for _, l := range baseZone(d) {
		if strings.HasPrefix(l, "s1._domainkey") {
			l = "s1._domainkey TXT " + txt("v=DKIM1; k=rsa; p="+key2048)
		}
		drop := false
		for _, p := range c.drop {
			if strings.HasPrefix(l, p) {
				drop = true
			}
		}
		if !drop {
			lines = append(lines, l)
		}
	}
	return strings.Join(append(lines, c.add...), "\n") + "\n"
}

func stsPolicy(mode, mx string, maxAge int) string {
	return "version: STSv1\r\nmode: " + mode + "\r\nmx: " + mx + "\r\nmax_age: " + strconv.Itoa(maxAge) + "\r\n"
}

func zooCases() []zooCase {
	sts := []string{"_mta-sts TXT " + txt("v=STSv1; id=20260101"), "mta-sts A 127.0.0.1"}
	return []zooCase{
		{name: "good", add: append([]string{
			"_25._tcp.mx TLSA 3 1 1 8f3a9c0d1e2f8f3a9c0d1e2f8f3a9c0d1e2f8f3a9c0d1e2f8f3a9c0d1e2f0011",
			"default._bimi TXT " + txt("v=BIMI1; l=https://good.test/logo.svg; a=https://good.test/vmc.pem"),
		}, sts...), want: []want{
			{"mx.present", checks.StatusPass, "10 mx.good.test"},
			{"mx.resolves", checks.StatusPass, "192.0.2.10"},
			{"dkim.present", checks.StatusPass, "s1"},
			{"dkim.key", checks.StatusPass, "2048 bits"},
			{"dmarc.present", checks.StatusPass, "_dmarc.good.test"},
			{"dmarc.syntax", checks.StatusPass, ""},
			{"dmarc.policy", checks.StatusPass, "reject"},
			{"dmarc.rua", checks.StatusPass, "within the domain"},
			{"dmarc.alignment", checks.StatusPass, ""},
			{"mta_sts.present", checks.StatusPass, "id=20260101"},
			{"mta_sts.policy", checks.StatusPass, "enforce"},
			{"mta_sts.mx", checks.StatusPass, "mx.good.test"},
			{"tlsrpt.present", checks.StatusPass, "TLSRPTv1"},
			{"dnssec.signed", checks.StatusPass, "AD"},
			{"dane.tlsa", checks.StatusPass, "3 1 1 (DANE-EE, public key, SHA-256)"},
			{"bimi.present", checks.StatusPass, "v=BIMI1"},
		}, none: []string{"mta_sts.max_age", "dmarc.removed"}},

		// MX
		{name: "nomx", drop: []string{"@ MX"}, add: []string{"@ A 192.0.2.10"},
			want: []want{{"mx.present", checks.StatusWarn, "192.0.2.10"}}},
		{name: "nomxnoa", drop: []string{"@ MX"}, want: []want{{"mx.present", checks.StatusFail, "no MX records and no address"}}},
		{name: "nullmx", drop: []string{"@ MX"}, add: []string{"@ MX 0 ."}, want: []want{{"mx.null", checks.StatusWarn, "0 ."}},
			none: []string{"mx.present"}},
		{name: "nullmixed", add: []string{"@ MX 0 ."}, want: []want{{"mx.null", checks.StatusFail, "0 ., 10 mx.nullmixed.test"}}},
		{name: "mxnoaddr", drop: []string{"mx A"}, add: []string{"mx TXT \"x\""},
			want: []want{{"mx.resolves", checks.StatusFail, "mx.mxnoaddr.test has no A or AAAA"}}},
		{name: "mxcname", drop: []string{"mx A"}, add: []string{"mx CNAME real", "real A 192.0.2.11"},
			want: []want{{"mx.cname", checks.StatusWarn, "mx.mxcname.test CNAME real.mxcname.test"}, {"mx.resolves", checks.StatusPass, "192.0.2.11"}}},
		{name: "mxip", drop: []string{"@ MX"}, add: []string{"@ MX 10 192.0.2.10."},
			want: []want{{"mx.ip_literal", checks.StatusFail, "192.0.2.10"}}},
		{name: "mxdup", add: []string{"@ MX 20 mx"}, want: []want{{"mx.priority", checks.StatusWarn, "listed twice"}}},
		{name: "mxorder", add: []string{"@ MX 20 mx2", "mx2 A 192.0.2.12"},
			want: []want{{"mx.priority", checks.StatusInfo, "mx.mxorder.test (10), mx2.mxorder.test (20)"}}},
		{name: "mxrefused", drop: []string{"@ MX"}, add: []string{"@ MX 10 mx.elsewhere.invalid."},
			want: []want{{"mx.resolves", checks.StatusError, "refusal"}}},
		{name: "mxservfail", fail: func(s *sandbox.DNSServer, d string) { s.Fail(d, dns.TypeMX, sandbox.FailServFail) },
			want: []want{{"mx.present", checks.StatusError, "SERVFAIL"}}},

		// DKIM
		{name: "dkim1024", drop: []string{"s1._domainkey"}, add: []string{"s1._domainkey TXT " + txt("v=DKIM1; k=rsa; p="+key1024)},
			want: []want{{"dkim.key", checks.StatusWarn, "1024 bits"}}},
		{name: "dkim512", drop: []string{"s1._domainkey"}, add: []string{"s1._domainkey TXT " + txt("v=DKIM1; p="+key512)},
			want: []want{{"dkim.key", checks.StatusFail, "512 bits"}}},
		{name: "dkimed", drop: []string{"s1._domainkey"}, add: []string{"s1._domainkey TXT " + txt("v=DKIM1; k=ed25519; p="+keyEd)},
			want: []want{{"dkim.key", checks.StatusPass, "Ed25519"}}},
		{name: "dkimrevoked", drop: []string{"s1._domainkey"}, add: []string{"s1._domainkey TXT " + txt("v=DKIM1; k=rsa; p=")},
			want: []want{{"dkim.key", checks.StatusWarn, "revoked"}}},
		{name: "dkimtesting", drop: []string{"s1._domainkey"}, add: []string{"s1._domainkey TXT " + txt("v=DKIM1; t=y; p="+key2048)},
			want: []want{{"dkim.testing", checks.StatusWarn, "t=y"}, {"dkim.key", checks.StatusPass, "2048"}}},
		{name: "dkimbad", drop: []string{"s1._domainkey"}, add: []string{"s1._domainkey TXT " + txt("v=DKIM1; p=!!notbase64")},
			want: []want{{"dkim.key", checks.StatusFail, "base64"}}},
		{name: "dkimjunk", drop: []string{"s1._domainkey"}, add: []string{"s1._domainkey TXT " + txt("v=DKIM1; k=rsa; p=AAAA")},
			want: []want{{"dkim.key", checks.StatusFail, "no valid rsa key"}}},
		{name: "dkimsha1", drop: []string{"s1._domainkey"}, add: []string{"s1._domainkey TXT " + txt("v=DKIM1; h=sha1; p="+key2048)},
			want: []want{{"dkim.key", checks.StatusFail, "h=sha1"}}},
		{name: "dkimservice", drop: []string{"s1._domainkey"}, add: []string{"s1._domainkey TXT " + txt("v=DKIM1; s=web; p="+key2048)},
			want: []want{{"dkim.key", checks.StatusFail, "not for email"}}},
		{name: "dkimcname", drop: []string{"s1._domainkey"}, add: []string{"s1._domainkey CNAME s1.keys.test."},
			want: []want{{"dkim.key", checks.StatusPass, "via CNAME → s1.keys.test"}}},
		{name: "dkimloop", drop: []string{"s1._domainkey"}, add: []string{"s1._domainkey CNAME loop2", "loop2 CNAME s1._domainkey"},
			want: []want{{"dkim.present", checks.StatusError, "SERVFAIL"}}},
		{name: "dkimmissing", drop: []string{"s1._domainkey"}, want: []want{{"dkim.present", checks.StatusFail, "No DKIM key at selector s1"}}},
		{name: "dkimtimeout", fail: func(s *sandbox.DNSServer, d string) { s.Fail("s1._domainkey."+d, 0, sandbox.FailTimeout) },
			want: []want{{"dkim.present", checks.StatusError, "timeout"}}},
		{name: "dkimcommon", drop: []string{"s1._domainkey"}, add: []string{"default._domainkey TXT " + txt("v=DKIM1; p="+key2048)},
			opts: func(o *checks.AuditOptions) { o.Selectors, o.NoCommonSelectors = nil, false },
			want: []want{{"dkim.present", checks.StatusPass, "default"}, {"dkim.key", checks.StatusPass, "default._domainkey"}}},
		{name: "nodkim", drop: []string{"s1._domainkey"}, add: []string{"*.other TXT \"v=spf1 -all\""},
			opts: func(o *checks.AuditOptions) { o.Selectors, o.NoCommonSelectors = nil, false },
			want: []want{{"dkim.present", checks.StatusWarn, "probed default, google"}}},

		// DMARC
		{name: "dmarcnone", drop: []string{"_dmarc"}, add: []string{"_dmarc TXT " + txt("v=DMARC1; p=none; rua=mailto:d@dmarcnone.test")},
			want: []want{{"dmarc.policy", checks.StatusWarn, "p=quarantine, then p=reject"}}},
		{name: "dmarcnop", drop: []string{"_dmarc"}, add: []string{"_dmarc TXT " + txt("v=DMARC1; rua=mailto:d@dmarcnop.test")},
			want: []want{{"dmarc.policy", checks.StatusWarn, "no p= tag"}}},
		{name: "dmarcquar", drop: []string{"_dmarc"}, add: []string{"_dmarc TXT " + txt("v=DMARC1; p=quarantine; rua=mailto:d@dmarcquar.test")},
			want: []want{{"dmarc.policy", checks.StatusPass, "quarantine"}, {"dmarc.subdomains", checks.StatusInfo, "np=reject"}}},
		{name: "dmarcmissing", drop: []string{"_dmarc"}, want: []want{{"dmarc.present", checks.StatusFail, "_dmarc.dmarcmissing.test, _dmarc.test"}}},
		{name: "dmarcmulti", add: []string{"_dmarc TXT " + txt("v=DMARC1; p=none")},
			want: []want{{"dmarc.present", checks.StatusFail, "2 DMARC records"}}},
		{name: "dmarcsyntax", drop: []string{"_dmarc"}, add: []string{"_dmarc TXT " + txt("v=DMARC1; p=bogus")},
			want: []want{{"dmarc.syntax", checks.StatusFail, "⟦here⟧bogus"}}},
		{name: "dmarcunknown", drop: []string{"_dmarc"}, add: []string{"_dmarc TXT " + txt("v=DMARC1; p=reject; rua=mailto:d@dmarcunknown.test; ruaa=x")},
			want: []want{{"dmarc.syntax", checks.StatusWarn, "ruaa"}}},
		{name: "dmarcremoved", drop: []string{"_dmarc"}, add: []string{"_dmarc TXT " + txt("v=DMARC1; p=reject; pct=50; ri=3600; rua=mailto:d@dmarcremoved.test")},
			want: []want{{"dmarc.removed", checks.StatusWarn, "pct=50"}}},
		{name: "dmarctesting", drop: []string{"_dmarc"}, add: []string{"_dmarc TXT " + txt("v=DMARC1; p=reject; t=y; rua=mailto:d@dmarctesting.test")},
			want: []want{{"dmarc.testing", checks.StatusWarn, "t=y"}}},
		{name: "dmarcstrict", drop: []string{"_dmarc"}, add: []string{"_dmarc TXT " + txt("v=DMARC1; p=reject; adkim=s; aspf=s; rua=mailto:d@dmarcstrict.test")},
			want: []want{{"dmarc.alignment", checks.StatusInfo, "adkim=s, aspf=s"}}},
		{name: "dmarcsp", drop: []string{"_dmarc"}, add: []string{"_dmarc TXT " + txt("v=DMARC1; p=reject; sp=none; rua=mailto:d@dmarcsp.test")},
			want: []want{{"dmarc.subdomains", checks.StatusWarn, "sp=none"}}},
		{name: "dmarcnp", drop: []string{"_dmarc"}, add: []string{"_dmarc TXT " + txt("v=DMARC1; p=reject; np=none; rua=mailto:d@dmarcnp.test")},
			want: []want{{"dmarc.subdomains", checks.StatusWarn, "np=none"}}},
		{name: "dmarcnorua", drop: []string{"_dmarc"}, add: []string{"_dmarc TXT " + txt("v=DMARC1; p=reject")},
			want: []want{{"dmarc.rua", checks.StatusWarn, "No rua="}}},
		{name: "dmarcext", drop: []string{"_dmarc"}, add: []string{"_dmarc TXT " + txt("v=DMARC1; p=reject; rua=mailto:agg@reports.test; ruf=mailto:f@reports.test")},
			want: []want{{"dmarc.rua", checks.StatusFail, "dmarcext.test._report._dmarc.reports.test"}, {"dmarc.ruf", checks.StatusFail, "reports.test"}}},
		{name: "dmarcextok", drop: []string{"_dmarc"}, add: []string{"_dmarc TXT " + txt("v=DMARC1; p=reject; rua=mailto:agg@reports.test!10m")},
			want: []want{{"dmarc.rua", checks.StatusPass, "accepts rua reports"}, {"dmarc.rua", checks.StatusInfo, "!size"}}},
		{name: "dmarcbaduri", drop: []string{"_dmarc"}, add: []string{"_dmarc TXT " + txt("v=DMARC1; p=reject; rua=dmarc@dmarcbaduri.test")},
			want: []want{{"dmarc.rua", checks.StatusFail, "⟦here⟧dmarc@dmarcbaduri.test"}}},
		{name: "dmarcrua", drop: []string{"_dmarc"}, add: []string{"_dmarc TXT " + txt("v=DMARC1; p=reject; rua=https://reports.test/x")},
			want: []want{{"dmarc.rua", checks.StatusWarn, "not a mailto"}}},
		{name: "dmarctimeout", fail: func(s *sandbox.DNSServer, d string) { s.Fail("_dmarc."+d, dns.TypeTXT, sandbox.FailTimeout) },
			want: []want{{"dmarc.present", checks.StatusError, "timeout"}}, none: []string{"dmarc.policy"}},
		{name: "dmarctrunc", fail: func(s *sandbox.DNSServer, d string) { s.Fail("_dmarc."+d, dns.TypeTXT, sandbox.FailTruncate) },
			want: []want{{"dmarc.present", checks.StatusPass, "p=reject"}}},
		{name: "dmarcrefused", fail: func(s *sandbox.DNSServer, d string) { s.Fail("_dmarc."+d, dns.TypeTXT, sandbox.FailRefused) },
			want: []want{{"dmarc.present", checks.StatusError, "refusal"}}},

		// MTA-STS
		{name: "stsnone", want: []want{{"mta_sts.present", checks.StatusInfo, "No MTA-STS"}}, none: []string{"mta_sts.policy"}},
		{name: "stsnoid", add: []string{"_mta-sts TXT " + txt("v=STSv1;")}, want: []want{{"mta_sts.present", checks.StatusFail, "no id="}}},
		{name: "stsmulti", add: append([]string{"_mta-sts TXT " + txt("v=STSv1; id=2")}, sts...),
			want: []want{{"mta_sts.present", checks.StatusFail, "2 MTA-STS records"}}},
		{name: "sts404", add: sts, want: []want{{"mta_sts.policy", checks.StatusFail, "HTTP 404"}}},
		{name: "stsbadpolicy", add: sts, want: []want{{"mta_sts.policy", checks.StatusFail, "over the limit"}}},
		{name: "ststesting", add: sts, want: []want{{"mta_sts.policy", checks.StatusInfo, "testing"}, {"mta_sts.mx", checks.StatusPass, ""}}},
		{name: "stsmx", add: sts, want: []want{{"mta_sts.mx", checks.StatusFail, "mx.stsmx.test"}}},
		{name: "stswild", add: sts, want: []want{{"mta_sts.mx", checks.StatusPass, "mx.stswild.test"}}},
		{name: "stsshort", add: sts, want: []want{{"mta_sts.max_age", checks.StatusWarn, "3600"}}},
		{name: "stshtml", add: sts, want: []want{{"mta_sts.policy", checks.StatusFail, "text/html"}}},
		{name: "stscert", add: sts, want: []want{{"mta_sts.policy", checks.StatusFail, "certificate"}}},
		{name: "ststestmx", add: sts, want: []want{{"mta_sts.mx", checks.StatusWarn, "mx.ststestmx.test"}}},
		{name: "stsmodenone", add: sts, want: []want{{"mta_sts.policy", checks.StatusWarn, "mode is none"}}, none: []string{"mta_sts.mx"}},
		{name: "stsdnsfail", add: sts, fail: func(s *sandbox.DNSServer, d string) { s.Fail("mta-sts."+d, 0, sandbox.FailServFail) },
			want: []want{{"mta_sts.policy", checks.StatusError, "Could not fetch"}}},
		{name: "stsmxfail", add: sts, fail: func(s *sandbox.DNSServer, d string) { s.Fail(d, dns.TypeMX, sandbox.FailServFail) },
			want: []want{{"mta_sts.mx", checks.StatusError, "SERVFAIL"}, {"dane.tlsa", checks.StatusError, "SERVFAIL"}}},
		{name: "stsnohost", add: []string{"_mta-sts TXT " + txt("v=STSv1; id=1")}, want: []want{{"mta_sts.policy", checks.StatusFail, "cannot be fetched"}}},

		// TLS-RPT
		{name: "tlsrpttypo", drop: []string{"_smtp._tls"}, add: []string{"_smtp._tls TXT " + txt("v=TSLRPTv1; rua=mailto:t@tlsrpttypo.test")},
			want: []want{{"tlsrpt.present", checks.StatusFail, "TSLRPTv1 is a typo"}}},
		{name: "tlsrptnone", drop: []string{"_smtp._tls"}, want: []want{{"tlsrpt.present", checks.StatusInfo, "No TLS-RPT"}}},
		{name: "tlsrptbad", drop: []string{"_smtp._tls"}, add: []string{"_smtp._tls TXT " + txt("v=TLSRPTv1; rua=ftp://x.test")},
			want: []want{{"tlsrpt.present", checks.StatusFail, "mailto: or https:"}}},

		// Every optional area's lookup failing is "could not check".
		{name: "allfail", fail: func(s *sandbox.DNSServer, d string) {
			for _, n := range []string{"_mta-sts." + d, "_smtp._tls." + d, "default._bimi." + d} {
				s.Fail(n, dns.TypeTXT, sandbox.FailServFail)
			}
			s.Fail(d, dns.TypeSOA, sandbox.FailServFail)
			s.Fail(d, dns.TypeDNSKEY, sandbox.FailServFail)
			s.Fail("_25._tcp.mx."+d, dns.TypeTLSA, sandbox.FailRefused)
		}, want: []want{{"mta_sts.present", checks.StatusError, "SERVFAIL"}, {"tlsrpt.present", checks.StatusError, "SERVFAIL"},
			{"bimi.present", checks.StatusError, "SERVFAIL"}, {"dnssec.signed", checks.StatusError, "SERVFAIL"},
			{"dane.tlsa", checks.StatusError, "refusal"}},
			none: []string{"mta_sts.policy"}},
		{name: "dmarcextfail", drop: []string{"_dmarc"}, add: []string{"_dmarc TXT " + txt("v=DMARC1; p=reject; rua=mailto:agg@reports.test")},
			fail: func(s *sandbox.DNSServer, d string) {
				s.Fail("dmarcextfail.test._report._dmarc.reports.test", dns.TypeTXT, sandbox.FailServFail)
			},
			want: []want{{"dmarc.rua", checks.StatusError, "dmarcextfail.test._report._dmarc.reports.test"}}},

		// DNSSEC, DANE, BIMI
		{name: "unsigned", want: []want{{"dnssec.signed", checks.StatusInfo, "not DNSSEC-signed"}, {"dane.tlsa", checks.StatusInfo, "_25._tcp.mx.unsigned.test"}}},
		{name: "brokensec", add: []string{"@ DNSKEY 257 3 13 mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+KkxLbxILfDLUT0rAK9iUzy1L53eKGQ==",
			"_25._tcp.mx TLSA 3 1 1 0011223344556677889900112233445566778899001122334455667788990011"},
			want: []want{{"dnssec.signed", checks.StatusWarn, "not validated"}, {"dane.tlsa", checks.StatusWarn, "not DNSSEC-validated"}}},
		{name: "bimibad", add: []string{"default._bimi TXT " + txt("v=BIMI1; l=http://bimibad.test/logo.svg")},
			want: []want{{"bimi.present", checks.StatusFail, "https"}}},
		{name: "bimina", drop: []string{"_dmarc"}, add: []string{"default._bimi TXT " + txt("v=BIMI1; l=https://bimina.test/l.svg"),
			"_dmarc TXT " + txt("v=DMARC1; p=none; rua=mailto:d@bimina.test")},
			want: []want{{"bimi.present", checks.StatusInfo, "a="}, {"bimi.dmarc", checks.StatusWarn, "none"}}},
	}
}

// stsPages are the zoo's MTA-STS policies by domain.
func stsPages() map[string]stsPage {
	return map[string]stsPage{
		"good":         {body: stsPolicy("enforce", "mx.good.test", 604800)},
		"stsmulti":     {body: stsPolicy("enforce", "mx.stsmulti.test", 604800)},
		"stsbadpolicy": {body: stsPolicy("enforce", "mx.stsbadpolicy.test", 99999999)},
		"ststesting":   {body: stsPolicy("testing", "mx.ststesting.test", 604800)},
		"stsmx":        {body: stsPolicy("enforce", "mail.other.test", 604800)},
		"stswild":      {body: stsPolicy("enforce", "*.stswild.test", 604800)},
		"stsshort":     {body: stsPolicy("enforce", "mx.stsshort.test", 3600)},
		"stshtml":      {body: "<html>", contentType: "text/html"},
		"stscert":      {body: stsPolicy("enforce", "mx.stscert.test", 604800)},
		"ststestmx":    {body: stsPolicy("testing", "mail.other.test", 604800)},
		"stsmodenone":  {body: "version: STSv1\nmode: none\nmax_age: 86400\n"},
		"stsdnsfail":   {body: stsPolicy("enforce", "mx.stsdnsfail.test", 604800)},
		"stsmxfail":    {body: stsPolicy("enforce", "mx.stsmxfail.test", 604800)},
	}
}

// zoo is the running zoo: a DNS server with every zone, and the MTA-STS
// server.
type zooEnv struct {
	dns *sandbox.DNSServer
	sts *stsServer
	r   *checks.DNSResolver
}

func startZoo(t *testing.T) *zooEnv {
	t.Helper()
	dkimKeys(t)
	s := startDNS(t)
	var certHosts []string
	for name := range stsPages() {
		if name != "stscert" {
			certHosts = append(certHosts, "mta-sts."+name+".test")
		}
	}
	certHosts = append(certHosts, "mta-sts.sts404.test")
	st := startSTS(t, certHosts)
	for name, p := range stsPages() {
		st.set("mta-sts."+name+".test", p)
	}
	for _, c := range zooCases() {
		d := c.name + ".test."
		if err := s.AddZoneText(d, zoneText(c)); err != nil {
			t.Fatalf("zone %s: %v", d, err)
		}
		if c.fail != nil {
			c.fail(s, d)
		}
	}
	s.SetSigned("good.test.", true)
	mustZone(t, s, "test.", "")
	mustZone(t, s, "keys.test.", "s1 TXT "+txt("v=DKIM1; k=rsa; p="+key2048)+"\n")
	mustZone(t, s, "reports.test.", "dmarcextok.test._report._dmarc TXT \"v=DMARC1\"\n")
	return &zooEnv{dns: s, sts: st, r: resolverFor(s, 300*time.Millisecond)}
}

func mustZone(t *testing.T, s *sandbox.DNSServer, origin, text string) {
	t.Helper()
	if err := s.AddZoneText(origin, text); err != nil {
		t.Fatalf("zone %s: %v", origin, err)
	}
}

// TestAuditZoo audits each zone of the zoo over real DNS on loopback and
// checks the findings its defect must give, with their status and evidence.
func TestAuditZoo(t *testing.T) {
	z := startZoo(t)
	for _, c := range zooCases() {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			opts := checks.AuditOptions{Selectors: []string{"s1"}, NoCommonSelectors: true, HTTPClient: z.sts.client(z.r)}
			if c.opts != nil {
				c.opts(&opts)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			fs := checks.Audit(ctx, z.r, c.name+".test", opts, nil)
			for _, w := range c.want {
				ok := false
				for _, f := range find(fs, w.id) {
					if f.Status == w.status && strings.Contains(f.Title+" "+f.Detail+" "+f.Evidence+" "+f.Fix, w.text) {
						ok = true
					}
				}
				if !ok {
					t.Errorf("want %s %s containing %q; got:\n%s", w.id, w.status, w.text, dump(find(fs, w.id)))
				}
			}
			for _, id := range c.none {
				if got := find(fs, id); len(got) > 0 {
					t.Errorf("want no %s; got:\n%s", id, dump(got))
				}
			}
			for _, f := range fs {
				if !f.Status.Valid() || f.ID == "" || f.Title == "" {
					t.Errorf("malformed finding %+v", f)
				}
			}
		})
	}
}

func dump(fs []checks.Finding) string {
	var b strings.Builder
	for _, f := range fs {
		b.WriteString("  " + string(f.Status) + " " + f.ID + ": " + f.Title + " | " + f.Detail + " | " + f.Evidence + "\n")
	}
	if b.Len() == 0 {
		return "  (none)\n"
	}
	return b.String()
}

// TestAuditIPs checks PTR, forward-confirmed reverse DNS and blocklists,
// including lists that fail their RFC 5782 health check or answer with
// error codes.
func TestAuditIPs(t *testing.T) {
	z := startZoo(t)
	mustZone(t, z.dns, "2.0.192.in-addr.arpa.", `10 PTR mx.good.test.
20 PTR mx.good.test.
66 PTR mx.good.test.
50 PTR broken.good.test.
`)
	z.dns.Fail("40.2.0.192.in-addr.arpa", dns.TypePTR, sandbox.FailServFail)
	z.dns.Fail("broken.good.test", 0, sandbox.FailServFail)
	mustZone(t, z.dns, "bl.test.", `2.0.0.127 A 127.0.0.2
66.2.0.192 A 127.0.0.2
66.2.0.192 TXT "listed: see https://bl.test/lookup"
`)
	mustZone(t, z.dns, "sick.test.", "")
	mustZone(t, z.dns, "pubres.test.", `2.0.0.127 A 127.255.255.254
10.2.0.192 A 127.255.255.254
`)
	mustZone(t, z.dns, "all.test.", `2.0.0.127 A 127.0.0.2
1.0.0.127 A 127.0.0.2
`)
	opts := checks.AuditOptions{Selectors: []string{"s1"}, NoCommonSelectors: true, HTTPClient: z.sts.client(z.r),
		IPs: []net.IP{net.ParseIP("192.0.2.10"), net.ParseIP("192.0.2.20"), net.ParseIP("192.0.2.30"), net.ParseIP("192.0.2.66"),
			net.ParseIP("192.0.2.40"), net.ParseIP("192.0.2.50")},
		DNSBLZones: []string{"bl.test", "sick.test", "pubres.test", "all.test"}}
	fs := checks.Audit(context.Background(), z.r, "good.test", opts, nil)
	for _, w := range []want{
		{"ptr.present", checks.StatusPass, "192.0.2.10 → mx.good.test"},
		{"ptr.fcrdns", checks.StatusPass, "192.0.2.10 → mx.good.test → 192.0.2.10"},
		{"ptr.fcrdns", checks.StatusFail, "192.0.2.20"},
		{"ptr.present", checks.StatusFail, "192.0.2.30 has no reverse DNS"},
		{"ptr.present", checks.StatusError, "192.0.2.40"},
		{"ptr.fcrdns", checks.StatusError, "broken.good.test"},
		{"dnsbl.listed", checks.StatusPass, "192.0.2.10 is not listed on bl.test"},
		{"dnsbl.listed", checks.StatusFail, "192.0.2.66 is listed on bl.test"},
		{"dnsbl.listed", checks.StatusFail, "https://bl.test/lookup"},
		{"dnsbl.listed", checks.StatusError, "does not list its test entry 127.0.0.2"},
		{"dnsbl.listed", checks.StatusError, "public or open resolvers"},
		{"dnsbl.listed", checks.StatusError, "lists 127.0.0.1"},
	} {
		ok := false
		for _, f := range find(fs, w.id) {
			if f.Status == w.status && strings.Contains(f.Title+" "+f.Detail+" "+f.Evidence+" "+f.Fix, w.text) {
				ok = true
			}
		}
		if !ok {
			t.Errorf("want %s %s containing %q; got:\n%s", w.id, w.status, w.text, dump(find(fs, w.id)))
		}
	}
	// An error answer is never a listing: only bl.test may list anything.
	for _, f := range find(fs, "dnsbl.listed") {
		if f.Status == checks.StatusFail && !strings.Contains(f.Title, "bl.test") {
			t.Errorf("listing from an unhealthy list: %+v", f)
		}
		if strings.Contains(f.Title, "pubres.test") && f.Status != checks.StatusError {
			t.Errorf("pubres answer counted as a verdict: %+v", f)
		}
	}
}

// TestAuditProvider checks a provider's records: SendGrid's DKIM CNAMEs
// (one in place, one missing) and its bounce CNAME whose name only the
// console knows.
func TestAuditProvider(t *testing.T) {
	z := startZoo(t)
	mustZone(t, z.dns, "prov.test.", `@ MX 10 mx
mx A 192.0.2.10
s1._domainkey CNAME s1.domainkey.u1.wl1.sendgrid.net.
`)
	p, ok := providers.Builtin().Get("sendgrid")
	if !ok {
		t.Fatal("no sendgrid profile")
	}
	opts := checks.AuditOptions{Provider: p, NoCommonSelectors: true, HTTPClient: z.sts.client(z.r)}
	fs := checks.Audit(context.Background(), z.r, "prov.test", opts, nil)
	for _, w := range []want{
		{"provider.dkim", checks.StatusPass, "s1.domainkey.u1.wl1.sendgrid.net"},
		{"provider.dkim", checks.StatusFail, "s2._domainkey.prov.test"},
		{"provider.bounce", checks.StatusInfo, "em_id"},
		{"spf.provider", "", ""},
	} {
		ok := false
		for _, f := range find(fs, w.id) {
			if (w.status == "" || f.Status == w.status) && strings.Contains(f.Title+" "+f.Detail+" "+f.Evidence+" "+f.Fix, w.text) {
				ok = true
			}
		}
		if !ok {
			t.Errorf("want %s %s containing %q; got:\n%s", w.id, w.status, w.text, dump(fs))
		}
	}
}

// TestAuditSubdomainTreeWalk audits a subdomain without a DMARC record of
// its own: the record of its parent applies, and is reported as such.
func TestAuditSubdomainTreeWalk(t *testing.T) {
	z := startZoo(t)
	fs := checks.Audit(context.Background(), z.r, "a.b.good.test", checks.AuditOptions{NoCommonSelectors: true, HTTPClient: z.sts.client(z.r)}, nil)
	got := find(fs, "dmarc.present")
	if len(got) != 1 || got[0].Status != checks.StatusInfo || !strings.Contains(got[0].Title, "_dmarc.good.test") ||
		!strings.Contains(got[0].Detail, "reject") {
		t.Fatalf("dmarc.present:\n%s", dump(got))
	}
	if p := find(fs, "dmarc.policy"); len(p) != 1 || !strings.Contains(p[0].Title, "sp=reject") {
		t.Fatalf("dmarc.policy:\n%s", dump(p))
	}
}
