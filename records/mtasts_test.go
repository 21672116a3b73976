package records

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestParseMTASTS(t *testing.T) {
	m, err := ParseMTASTS("v=STSv1; id=20260101T000000;")
	if err != nil || m.ID != "20260101T000000" || m.String() != "v=STSv1; id=20260101T000000" {
		t.Fatalf("%v %+v", err, m)
	}
	for _, tc := range []struct{ in, frag string }{
		{"id=1; v=STSv1", "start with v=STSv1"},
		{"v=STSv1", "no id="},
		{"v=STSv1; id=has-dash", "letters and digits"},
		{"v=STSv1; id=" + strings.Repeat("a", 33), "1 to 32"},
		{"v=STSv2; id=1", "start with"},
	} {
		_, err := ParseMTASTS(tc.in)
		var se *SyntaxError
		if !errors.As(err, &se) || !strings.Contains(se.Msg, tc.frag) {
			t.Errorf("%q: err = %v, want %q", tc.in, err, tc.frag)
		}
	}
}

func TestParseSTSPolicy(t *testing.T) {
	p, err := ParseSTSPolicy("version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmx: *.Backup.example.net.\r\nmax_age: 604800\r\nfuture: x\r\n")
	if err != nil {
		t.Fatal(err)
	}
	want := &STSPolicy{Version: "STSv1", Mode: "enforce", MX: []string{"mail.example.com", "*.backup.example.net"}, MaxAge: 604800}
	if !reflect.DeepEqual(p, want) {
		t.Fatalf("got %+v", p)
	}
	for host, ok := range map[string]bool{
		"mail.example.com": true, "MAIL.example.com.": true, "a.backup.example.net": true,
		"backup.example.net": false, "a.b.backup.example.net": false, "mail2.example.com": false, "": false,
	} {
		if p.Matches(host) != ok {
			t.Errorf("Matches(%q) = %v", host, !ok)
		}
	}
	p2, err := ParseSTSPolicy(p.String())
	if err != nil || !reflect.DeepEqual(p, p2) {
		t.Fatalf("round trip: %v %+v", err, p2)
	}
	for _, tc := range []struct{ in, frag string }{
		{"version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 31557601\n", "over the limit"},
		{"version: STSv1\nmode: enforce\nmax_age: 86400\n", "no mx"},
		{"version: STSv1\nmode: strict\nmx: a.example\nmax_age: 1\n", "mode must be"},
		{"version: STSv1\nmode: testing\nmx: *.*.example\nmax_age: 1\n", "mx pattern"},
		{"version: STSv1\nmode: testing\nmx: a.example\n", "no max_age"},
		{"mode: none\nmax_age: 1\n", "no version"},
		{"version STSv1\n", "key: value"},
	} {
		_, err := ParseSTSPolicy(tc.in)
		var se *SyntaxError
		if !errors.As(err, &se) || !strings.Contains(se.Msg, tc.frag) {
			t.Errorf("%q: err = %v, want %q", tc.in, err, tc.frag)
		}
	}
	if p, err := ParseSTSPolicy("version: STSv1\nmode: none\nmax_age: 86400\n"); err != nil || p.Mode != "none" {
		t.Fatalf("mode none without mx: %v", err)
	}
}
