package records

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"testing"
)

func TestParseSPFValid(t *testing.T) {
	tests := []struct {
		in, out string // out "" means the same as in
	}{
		{"v=spf1", ""},
		{"v=spf1 -all", ""},
		{"V=SPF1 +A MX:Example.com/24//64 -ALL", "v=spf1 a mx:Example.com/24//64 -all"},
		{"v=spf1   ip4:192.0.2.0/24  ~all  ", "v=spf1 ip4:192.0.2.0/24 ~all"},
		{"v=spf1 ip6:2001:db8::/32 ip6:::1 ip4:0.0.0.0/0 ?all", ""},
		{"v=spf1 a/24 a//64 a/0//0 mx/32//128", ""},
		{"v=spf1 include:_spf.google.com include:spf.protection.outlook.com -all", ""},
		{"v=spf1 ptr ptr:example.com exists:%{ir}.%{l1r+-}._spf.%{d} -all", ""},
		{"v=spf1 redirect=_spf.example.com", ""},
		{"v=spf1 -all exp=explain._spf.%{d}", ""},
		{"v=spf1 foo=bar moo.cow-far_out=man:dog/cat ~all", ""},
		{"v=spf1 unknown= -all", ""},
		{"v=spf1 a:macro%%percent%_%_space%-url-space.example.com -all", ""},
		{"v=spf1 a:foo.example.com. -all", ""},
		{"v=spf1 a:e-xample.com a:1-2.3-4 -all", ""},
		{"v=spf1 exists:%{i}.%{h} -all", ""},
		{"v=spf1 a:%{D2} -all", ""},
		{"v=spf1 xx=%{c}%{r}%{t}", ""},
		{"v=spf1 +all", "v=spf1 all"},
	}
	for _, tt := range tests {
		r, err := ParseSPF(tt.in)
		if err != nil {
			t.Errorf("ParseSPF(%q): %v", tt.in, err)
			continue
		}
		want := tt.out
		if want == "" {
			want = tt.in
		}
		if got := r.String(); got != want {
			t.Errorf("ParseSPF(%q).String() = %q, want %q", tt.in, got, want)
		}
		r2, err := ParseSPF(r.String())
		if err != nil || r2.String() != r.String() {
			t.Errorf("round trip of %q: %v, %v", tt.in, r2, err)
		}
	}
}

func TestParseSPFInvalid(t *testing.T) {
	tests := []struct {
		in  string
		pos int
		msg string
	}{
		{"", 0, "v=spf1"},
		{"v=spf10", 0, "v=spf1"},
		{"v=spf1mx", 0, "v=spf1"},
		{"spf1 -all", 0, "v=spf1"},
		{"v=spf1 -all\tmx", 11, "unexpected byte 0x9"},
		{"v=spf1 a:ctrl.example.com\rptr -all", 25, "byte 0xd is not allowed"},
		{"v=spf1 ip4:192.0.2.5\n include:x.example.com", 11, "bad address"},
		{"v=spf1 foo", 7, "unknown mechanism"},
		{"v=spf1 -foo:bar", 8, `unknown mechanism "foo"`},
		{"v=spf1 =all", 7, "modifier needs a name"},
		{"v=spf1 1up=foo", 7, "unknown mechanism"},
		{"v=spf1 -redirect=x.example.com", 7, "qualifier"},
		{"v=spf1 include", 14, "needs ':'"},
		{"v=spf1 include:", 15, "domain is required"},
		{"v=spf1 exists", 13, "needs ':'"},
		{"v=spf1 all:foo", 10, "no argument"},
		{"v=spf1 all/24", 10, "no argument"},
		{"v=spf1 ip4", 10, "needs ':'"},
		{"v=spf1 ip4:1.2.3.4/33", 18, "prefix length"},
		{"v=spf1 ip4:1.2.3.4/032", 18, "prefix length"},
		{"v=spf1 ip4:1.2.3.4/", 18, "prefix length"},
		{"v=spf1 ip4:01.2.3.4", 11, "bad address"},
		{"v=spf1 ip4:2001:db8::1", 11, "ip4 needs an IPv4"},
		{"v=spf1 ip6:1.2.3.4", 11, "ip6 needs an IPv6"},
		{"v=spf1 ip6:fe80::1%eth0", 11, "bad address"},
		{"v=spf1 ip6:::1/129", 14, "prefix length"},
		{"v=spf1 a/33", 8, "IPv4 prefix length"},
		{"v=spf1 a//129", 8, "IPv6 prefix length"},
		{"v=spf1 mx:example.com/24//300", 24, "IPv6 prefix length"},
		{"v=spf1 a/", 8, "bad prefix length"},
		{"v=spf1 a:museum", 9, "top-level label"},
		{"v=spf1 a:museum.", 9, "top-level label"},
		{"v=spf1 a:111.222.33.44", 9, "top-level label"},
		{"v=spf1 a:example.-com", 9, "top-level label"},
		{"v=spf1 a:\u00efgarbage.example.net -all", 9, "not allowed"},
		{"v=spf1 a:example.net \u0096all", 21, "unknown mechanism"},
		{"v=spf1 ptr/24", 10, "prefix length"},
		{"v=spf1 mx:", 10, "domain is required"},
		{"v=spf1 exists:%(ir).sbl.example.com", 14, "'%' must be followed"},
		{"v=spf1 exists:foo%.sbl.example.com", 17, "'%' must be followed"},
		{"v=spf1 exists:foo.example.com%", 29, "at the end"},
		{"v=spf1 exists:%{ir.example.com", 14, "closing"},
		{"v=spf1 a:%{a}.example.com", 9, "unknown macro letter"},
		{"v=spf1 a:%{}.example.com", 9, "empty macro"},
		{"v=spf1 a:%{d0}.example.com", 9, "1 or more"},
		{"v=spf1 a:%{d2!}.example.com", 9, "delimiter"},
		{"v=spf1 -all exp=%{r}.example.com", 16, "only in explanation"},
		{"v=spf1 -all foo=%abc", 16, "'%' must be followed"},
		{"v=spf1 exp=", 11, "domain is required"},
		{"v=spf1 exp=-all", 11, "top-level label"},
		{"v=spf1 ?all redirect=", 21, "domain is required"},
		{"v=spf1 redirect=a.example.com redirect=b.example.com", 30, "more than once"},
		{"v=spf1 exp=a.example.com -all exp=b.example.com", 30, "more than once"},
		{"v=spf1 a=foo", 7, "takes ':'"},
		{"v=spf1 a:b.example.com:", 9, "top-level label"},
	}
	for _, tt := range tests {
		_, err := ParseSPF(tt.in)
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("ParseSPF(%q) = %v, want a *SyntaxError", tt.in, err)
			continue
		}
		if se.Kind != "spf" || se.Record != tt.in {
			t.Errorf("ParseSPF(%q): Kind %q Record %q", tt.in, se.Kind, se.Record)
		}
		if se.Pos != tt.pos || !strings.Contains(se.Msg, tt.msg) {
			t.Errorf("ParseSPF(%q) = %v (pos %d), want %q at %d", tt.in, se, se.Pos, tt.msg, tt.pos)
		}
	}
}

func TestSPFTerms(t *testing.T) {
	r, err := ParseSPF("v=spf1 ~a:mail.example.com/24//64 ip4:192.0.2.0/24 ip6:2001:db8::1 mx ptr include:x.example.com exists:%{i}.bl.example.com redirect=r.example.com exp=e.example.com foo=bar -all")
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		q        byte
		name     string
		value    string
		modifier bool
		pos      int
		cost     int
	}{
		{'~', "a", "mail.example.com/24//64", false, 7, 1},
		{'+', "ip4", "192.0.2.0/24", false, 34, 0},
		{'+', "ip6", "2001:db8::1", false, 51, 0},
		{'+', "mx", "", false, 67, 1},
		{'+', "ptr", "", false, 70, 1},
		{'+', "include", "x.example.com", false, 74, 1},
		{'+', "exists", "%{i}.bl.example.com", false, 96, 1},
		{0, "redirect", "r.example.com", true, 123, 1},
		{0, "exp", "e.example.com", true, 146, 0},
		{0, "foo", "bar", true, 164, 0},
		{'-', "all", "", false, 172, 0},
	}
	if len(r.Terms) != len(want) {
		t.Fatalf("%d terms, want %d", len(r.Terms), len(want))
	}
	for i, w := range want {
		g := r.Terms[i]
		if g.Qualifier != w.q || g.Name != w.name || g.Value != w.value || g.Modifier != w.modifier || g.Pos != w.pos || g.LookupCost() != w.cost {
			t.Errorf("term %d = %+v (cost %d), want %+v", i, g, g.LookupCost(), w)
		}
	}
	a := r.Terms[0]
	if a.Domain != "mail.example.com" || a.CIDR4 != 24 || a.CIDR6 != 64 {
		t.Errorf("a: domain %q cidr %d/%d", a.Domain, a.CIDR4, a.CIDR6)
	}
	if r.Terms[1].Prefix != netip.MustParsePrefix("192.0.2.0/24") || r.Terms[2].Prefix != netip.MustParsePrefix("2001:db8::1/128") {
		t.Errorf("prefixes %v %v", r.Terms[1].Prefix, r.Terms[2].Prefix)
	}
	if mx := r.Terms[3]; mx.Domain != "" || mx.CIDR4 != 32 || mx.CIDR6 != 128 {
		t.Errorf("mx: %+v", mx)
	}
	if r.All() == nil || r.All().Qualifier != '-' || r.Redirect().Domain != "r.example.com" || r.Exp().Domain != "e.example.com" {
		t.Errorf("All/Redirect/Exp: %v %v %v", r.All(), r.Redirect(), r.Exp())
	}
	if r.LookupCost() != 6 {
		t.Errorf("LookupCost = %d, want 6", r.LookupCost())
	}
	none, _ := ParseSPF("v=spf1 ip4:192.0.2.1")
	if none.All() != nil || none.Redirect() != nil || none.Exp() != nil {
		t.Error("All/Redirect/Exp of a record without them are not nil")
	}
}

func TestIsSPF(t *testing.T) {
	for in, want := range map[string]bool{
		"v=spf1": true, "v=spf1 -all": true, "V=SPF1 mx": true,
		"v=spf1mx": false, "v=spf10": false, "v=spf2.0/pra": false, " v=spf1": false, "": false,
		"v=DKIM1; p=": false,
	} {
		if IsSPF(in) != want {
			t.Errorf("IsSPF(%q) = %v", in, !want)
		}
	}
}

func TestParseSPFMacros(t *testing.T) {
	ms, err := ParseSPFMacros("%{ir}.%{v}._spf.%{D2} 100%% %_%-%{l1r+-=}", true)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, m := range ms {
		if m.Letter == 0 {
			fmt.Fprintf(&b, "[%s]", m.Literal)
		} else {
			fmt.Fprintf(&b, "{%c %v %d %v %q}", m.Letter, m.URLEscape, m.Digits, m.Reverse, m.Delims)
		}
	}
	want := `{i false 0 true ""}[.]{v false 0 false ""}[._spf.]{d true 2 false ""}[ 100][%][ ][ ][%20]{l false 1 true "+-="}`
	if b.String() != want {
		t.Errorf("got  %s\nwant %s", b.String(), want)
	}
	if _, err := ParseSPFMacros("a b", false); err == nil {
		t.Error("a space outside explanation text parsed")
	}
	if _, err := ParseSPFMacros("%{t}", false); err == nil {
		t.Error("%{t} outside explanation text parsed")
	}
}

func BenchmarkParseSPF(b *testing.B) {
	const rec = "v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 a mx:mail.example.com/24 include:_spf.google.com include:spf.protection.outlook.com exists:%{ir}.%{l1r+-}._spf.%{d} redirect=_spf.example.com exp=explain.%{d} ~all"
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseSPF(rec); err != nil {
			b.Fatal(err)
		}
	}
}

func ExampleParseSPF() {
	r, err := ParseSPF("v=spf1 +mx a:mail.example.com/24 include:_spf.example.net ~all")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, t := range r.Terms {
		fmt.Printf("%c %-7s %-20q cost %d\n", t.Qualifier, t.Name, t.Value, t.LookupCost())
	}
	fmt.Println(r)
	_, err = ParseSPF("v=spf1 ip4:192.0.2.300 -all")
	fmt.Println(err)
	// Output:
	// + mx      ""                   cost 1
	// + a       "mail.example.com/24" cost 1
	// + include "_spf.example.net"   cost 1
	// ~ all     ""                   cost 0
	// v=spf1 mx a:mail.example.com/24 include:_spf.example.net ~all
	// spf: bad address "192.0.2.300" at byte 11
}
