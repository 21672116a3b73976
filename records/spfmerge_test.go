package records

import (
	"errors"
	"strings"
	"testing"
)

func TestMergeSPF(t *testing.T) {
	cases := []struct {
		name, existing string
		add            []string
		want           string
		changes        int
		changeHas      string
	}{
		{"without the include", "v=spf1 mx include:_spf.google.com ~all", []string{"include:amazonses.com"},
			"v=spf1 mx include:_spf.google.com include:amazonses.com ~all", 1, "added include:amazonses.com"},
		{"with the include", "v=spf1 include:amazonses.com -all", []string{"include:AmazonSES.com."},
			"v=spf1 include:amazonses.com -all", 0, ""},
		{"plus all", "v=spf1 a +all", []string{"include:sendgrid.net"},
			"v=spf1 a include:sendgrid.net ~all", 2, "+all"},
		{"bare all is +all", "v=spf1 all", nil, "v=spf1 ~all", 1, "changed +all"},
		{"keeps ?all", "v=spf1 mx ?all", []string{"ip4:192.0.2.1"}, "v=spf1 mx ip4:192.0.2.1 ?all", 1, ""},
		{"ip inside a network", "v=spf1 ip4:192.0.2.0/24 -all", []string{"ip4:192.0.2.7", "ip6:2001:db8::1"},
			"v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::1 -all", 1, "ip6"},
		{"denied ip is not authorised", "v=spf1 -ip4:192.0.2.7 -all", []string{"ip4:192.0.2.7"},
			"v=spf1 -ip4:192.0.2.7 ip4:192.0.2.7 -all", 1, ""},
		{"no all, redirect kept last", "v=spf1 mx redirect=_spf.example.net", []string{"include:mailgun.org"},
			"v=spf1 mx include:mailgun.org redirect=_spf.example.net", 1, ""},
		{"terms kept as written", "v=spf1 +MX  Include:Spf.Example.NET ~all", []string{"include:spf.example.net"},
			"v=spf1 +MX  Include:Spf.Example.NET ~all", 0, ""},
		{"mechanism after all stays after", "v=spf1 -all mx", []string{"ip4:198.51.100.1"},
			"v=spf1 ip4:198.51.100.1 -all mx", 1, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, changes, err := MergeSPF(c.existing, c.add)
			if err != nil {
				t.Fatal(err)
			}
			if got != c.want {
				t.Errorf("got  %q\nwant %q", got, c.want)
			}
			if len(changes) != c.changes {
				t.Errorf("changes %q, want %d", changes, c.changes)
			}
			if c.changeHas != "" && !strings.Contains(strings.Join(changes, ";"), c.changeHas) {
				t.Errorf("changes %q lack %q", changes, c.changeHas)
			}
			if _, err := ParseSPF(got); err != nil {
				t.Errorf("merged record does not parse: %v", err)
			}
			if n := strings.Count(strings.ToLower(got), "v=spf1"); n != 1 {
				t.Errorf("%d version tags", n)
			}
		})
	}
}

func TestMergeSPFBadExisting(t *testing.T) {
	_, _, err := MergeSPF("v=spf1 include: ~all", []string{"include:amazonses.com"})
	var se *SyntaxError
	if !errors.As(err, &se) {
		t.Fatalf("err = %v, want a *SyntaxError", err)
	}
}

func TestMergeSPFEdit(t *testing.T) {
	got, err := EditSPF("v=spf1 +mx include:a.example include:b.example ~all", map[string][]string{
		"mx":                {"ip4:192.0.2.1", "ip6:2001:db8::1"},
		"include:b.example": nil,
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := "v=spf1 ip4:192.0.2.1 ip6:2001:db8::1 include:a.example ~all"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if _, err := EditSPF("v=spf1 mx ~all", map[string][]string{"a": nil}); err == nil {
		t.Error("editing a term that is not there succeeded")
	}
}

func TestMergeNewSPF(t *testing.T) {
	if got := NewSPF([]string{"include:amazonses.com", "ip4:192.0.2.1"}); got != "v=spf1 include:amazonses.com ip4:192.0.2.1 ~all" {
		t.Errorf("NewSPF = %q", got)
	}
	if got := NewSPF(nil); got != "v=spf1 ~all" {
		t.Errorf("NewSPF(nil) = %q", got)
	}
}

// FuzzMergeSPF checks that merging into any record that parses gives one
// record that parses, holds what was added, keeps every old term and never
// ends in +all.
func FuzzMergeSPF(f *testing.F) {
	f.Add("v=spf1 mx -all")
	f.Add("v=spf1 +all")
	f.Add("v=spf1 include:a.example redirect=b.example")
	f.Add("v=spf1 ip4:192.0.2.0/24 exp=explain.%{d} ?all")
	f.Fuzz(func(t *testing.T, existing string) {
		old, err := ParseSPF(strings.TrimSpace(existing))
		if err != nil {
			return
		}
		add := []string{"include:new.example", "ip4:192.0.2.1"}
		merged, _, err := MergeSPF(existing, add)
		if err != nil {
			t.Fatalf("%q: %v", existing, err)
		}
		rec, err := ParseSPF(merged)
		if err != nil {
			t.Fatalf("%q merged to %q, which does not parse: %v", existing, merged, err)
		}
		for _, m := range add {
			if !spfHas(rec, m) {
				t.Fatalf("%q merged to %q without %s", existing, merged, m)
			}
		}
		if all := rec.All(); all != nil && all.Qualifier == '+' {
			t.Fatalf("%q merged to %q, which passes everyone", existing, merged)
		}
		if len(rec.Terms) < len(old.Terms) {
			t.Fatalf("%q merged to %q lost terms", existing, merged)
		}
	})
}
