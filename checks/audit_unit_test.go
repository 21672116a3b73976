package checks

import (
	"strings"
	"testing"

	"github.com/miekg/dns"
)

func TestTemplatePattern(t *testing.T) {
	for _, tc := range []struct {
		tmpl, value string
		ok          bool
	}{
		{"s1.domainkey.{account}.sendgrid.net", "s1.domainkey.u1.wl1.sendgrid.net", true},
		{"s1.domainkey.{account}.sendgrid.net", "s1.domainkey.u1.wl1.example.net", false},
		{"{token1}.dkim.amazonses.com", "abc.dkim.amazonses.com", true},
		{"v=DKIM1*", "v=DKIM1; p=AAAA", true},
		{"pm.mtasv.net", "PM.mtasv.net", true},
		{"10 feedback-smtp.{region}.amazonses.com", "10 feedback-smtp.us-east-1.amazonses.com", true},
	} {
		if got := templatePattern(tc.tmpl).MatchString(tc.value); got != tc.ok {
			t.Errorf("%q ~ %q = %v", tc.tmpl, tc.value, got)
		}
	}
}

func TestDescribeTLSA(t *testing.T) {
	rr, err := dns.NewRR("_25._tcp.mx.example. 300 TLSA 3 1 1 8f3a9c0d1e2f8f3a9c0d1e2f8f3a9c0d1e2f8f3a9c0d1e2f8f3a9c0d1e2f0011")
	if err != nil {
		t.Fatal(err)
	}
	got := describeTLSA(rr.(*dns.TLSA))
	if !strings.HasPrefix(got, "3 1 1 (DANE-EE, public key, SHA-256) 8f3a9c0d1e2f8f3a…") {
		t.Errorf("describeTLSA = %q", got)
	}
}

func TestLooksLikeDKIM(t *testing.T) {
	for s, want := range map[string]bool{
		"v=DKIM1; k=rsa; p=AAAA": true, "k=rsa; p=AAAA": true, "p=AAAA": true,
		"v=spf1 -all": false, "google-site-verification=x": false,
	} {
		if looksLikeDKIM([]string{s}) != want {
			t.Errorf("looksLikeDKIM(%q) = %v", s, !want)
		}
	}
}

func TestSortAudit(t *testing.T) {
	fs := []Finding{
		{ID: "bimi.present", Status: StatusInfo}, {ID: "mx.present", Status: StatusPass},
		{ID: "dmarc.policy", Status: StatusPass}, {ID: "dmarc.present", Status: StatusFail},
		{ID: "zzz.other", Status: StatusFail}, {ID: "spf.all", Status: StatusWarn},
	}
	SortAudit(fs)
	var ids []string
	for _, f := range fs {
		ids = append(ids, f.ID)
	}
	if got := strings.Join(ids, " "); got != "mx.present spf.all dmarc.present dmarc.policy bimi.present zzz.other" {
		t.Errorf("order: %s", got)
	}
}
