package records

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestParseDMARC(t *testing.T) {
	d, err := ParseDMARC("v=DMARC1; p=Reject; sp=quarantine; np=reject; adkim=s; aspf=r; psd=n; t=y; fo=1:d; rua=mailto:agg@example.com, mailto:x@report.example!10m; ruf=mailto:f@example.com; pct=50; ri=3600; foo=bar")
	if err != nil {
		t.Fatal(err)
	}
	want := &DMARC{
		Policy: "reject", SubdomainPolicy: "quarantine", NonexistentPolicy: "reject",
		ADKIM: "s", ASPF: "r", PSD: "n", FO: "1:d", Testing: true,
		RUA:           []string{"mailto:agg@example.com", "mailto:x@report.example!10m"},
		RUF:           []string{"mailto:f@example.com"},
		Removed:       []string{"pct", "ri"},
		RemovedValues: map[string]string{"pct": "50", "ri": "3600"},
		Unknown:       []string{"foo"},
	}
	if !reflect.DeepEqual(d, want) {
		t.Fatalf("got %+v\nwant %+v", d, want)
	}
	if got := d.String(); got != "v=DMARC1; p=reject; sp=quarantine; np=reject; psd=n; t=y; adkim=s; aspf=r; rua=mailto:agg@example.com,mailto:x@report.example!10m; ruf=mailto:f@example.com; fo=1:d" {
		t.Fatalf("String() = %q", got)
	}
}

func TestParseDMARCErrors(t *testing.T) {
	for _, tc := range []struct {
		in   string
		pos  int
		frag string
	}{
		{"p=reject; v=DMARC1", 0, "start with v=DMARC1"},
		{"v=DMARC2; p=none", 2, "DMARC1"},
		{"v=DMARC1; p=block", 12, "none, quarantine or reject"},
		{"v=DMARC1; p=none; p=reject", 18, "twice"},
		{"v=DMARC1; adkim=x", 16, "relaxed"},
		{"v=DMARC1; rua=reports@example.com", 14, "not a URI"},
		{"v=DMARC1; rua=mailto:a@example.com,mailto:bad", 35, "mailto"},
		{"v=DMARC1; t=maybe", 12, "t="},
		{"v=DMARC1; psd=x", 14, "psd"},
		{"v=DMARC1; fo=2", 13, "fo"},
		{"v=DMARC1;; p=none", 9, "empty tag"},
		{"v=DMARC1; =none", 10, "tag name"},
		{"", 0, "v=DMARC1"},
	} {
		_, err := ParseDMARC(tc.in)
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("%q: err = %v, want *SyntaxError", tc.in, err)
			continue
		}
		if se.Pos != tc.pos || !strings.Contains(se.Msg, tc.frag) {
			t.Errorf("%q: got pos %d %q, want pos %d containing %q", tc.in, se.Pos, se.Msg, tc.pos, tc.frag)
		}
	}
}

func TestDMARCDefaults(t *testing.T) {
	d, err := ParseDMARC("v=DMARC1; rua=mailto:a@example.com;")
	if err != nil {
		t.Fatal(err)
	}
	if d.EffectivePolicy() != "none" || d.EffectiveSubdomainPolicy() != "none" || d.EffectiveNonexistentPolicy() != "none" {
		t.Fatalf("defaults: %s %s %s", d.EffectivePolicy(), d.EffectiveSubdomainPolicy(), d.EffectiveNonexistentPolicy())
	}
	d, _ = ParseDMARC("v=DMARC1; p=reject; sp=quarantine")
	if d.EffectiveNonexistentPolicy() != "quarantine" {
		t.Fatalf("np falls back to sp: %s", d.EffectiveNonexistentPolicy())
	}
}

func TestIsDMARC(t *testing.T) {
	for in, want := range map[string]bool{
		"v=DMARC1; p=none": true, "v = DMARC1": true, "v=DMARC1": true,
		"v=DMARC10": false, "v=spf1 -all": false, "p=none; v=DMARC1": false,
	} {
		if IsDMARC(in) != want {
			t.Errorf("IsDMARC(%q) = %v", in, !want)
		}
	}
}

func TestMailtoAddress(t *testing.T) {
	for in, want := range map[string]string{
		"mailto:a@Example.COM":         "example.com",
		"mailto:a.b+c@x.example!50m":   "x.example",
		"mailto:a@x.example?subject=x": "x.example",
		"mailto:@x.example":            "",
		"mailto:a@":                    "",
		"mailto:a b@x.example":         "",
		"mailto:a@x..example":          "",
		"https://x.example/":           "",
	} {
		_, dom, ok := MailtoAddress(in)
		if ok != (want != "") || dom != want {
			t.Errorf("MailtoAddress(%q) = %q, %v; want %q", in, dom, ok, want)
		}
	}
}
