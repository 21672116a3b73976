package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/mailcfg/mailcfg/checks"
	"github.com/mailcfg/mailcfg/sandbox"
)

// spfTestDNS serves a small SPF zone on loopback and returns its address.
func spfTestDNS(t *testing.T) *sandbox.DNSServer {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	srv, err := sandbox.StartDNS(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	err = srv.AddZoneText("spf.test.", `
@            TXT "v=spf1 ip4:192.0.2.0/24 include:_spf.spf.test -all exp=why.spf.test"
_spf         TXT "v=spf1 a:mail.spf.test ~all"
mail         A   198.51.100.7
why          TXT "%{i} is not one of %{d}'s servers"
broken       TXT "v=spf1 ip4:192.0.2.1 foo:bar -all"
soft         TXT "v=spf1 a:%{h} ~all"
slow         TXT "v=spf1 include:dead.spf.test -all"
`)
	if err != nil {
		t.Fatal(err)
	}
	srv.Fail("dead.spf.test", dns.TypeTXT, sandbox.FailServFail)
	return srv
}

type spfJSON struct {
	Result      string   `json:"result"`
	Explanation string   `json:"explanation"`
	Lookups     *int     `json:"lookups"`
	VoidLookups *int     `json:"void_lookups"`
	Trace       []string `json:"trace"`
}

func TestSPFCommandJSON(t *testing.T) {
	srv := spfTestDNS(t)
	tests := []struct {
		args        []string
		result      string
		lookups     int
		explanation string
	}{
		{[]string{"spf.test", "--ip", "192.0.2.55"}, "pass", 0, ""},
		{[]string{"spf.test", "--ip", "198.51.100.7", "--sender", "bob@spf.test"}, "pass", 2, ""},
		{[]string{"soft.spf.test", "--ip", "198.51.100.8", "--helo", "mail.spf.test"}, "softfail", 1, ""},
		{[]string{"spf.test", "--ip", "203.0.113.9"}, "fail", 2, "203.0.113.9 is not one of spf.test's servers"},
		{[]string{"broken.spf.test", "--ip", "192.0.2.1"}, "permerror", 0, ""},
		{[]string{"slow.spf.test", "--ip", "192.0.2.1"}, "temperror", 1, ""},
		{[]string{"nothing.spf.test", "--ip", "192.0.2.1"}, "none", 0, ""},
		{[]string{"foo..spf.test", "--ip", "192.0.2.1"}, "none", 0, ""},
		{[]string{"spf.test", "--ip", "::ffff:192.0.2.9"}, "pass", 0, ""},
	}
	for _, tt := range tests {
		args := append([]string{"--resolver", srv.Addr(), "--timeout", "500ms", "--json", "spf"}, tt.args...)
		code, out, errs := runCapture(t, nil, args...)
		if code != 0 || errs != "" {
			t.Errorf("%v: exit %d, stderr %q", tt.args, code, errs)
			continue
		}
		var got spfJSON
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Errorf("%v: stdout is not JSON: %v\n%s", tt.args, err, out)
			continue
		}
		if got.Result != tt.result || got.Lookups == nil || *got.Lookups != tt.lookups || got.VoidLookups == nil ||
			got.Explanation != tt.explanation || len(got.Trace) == 0 {
			t.Errorf("%v: got %+v (lookups %v), want %s with %d lookups, explanation %q", tt.args, got, got.Lookups, tt.result, tt.lookups, tt.explanation)
		}
	}
}

func TestSPFCommandHuman(t *testing.T) {
	srv := spfTestDNS(t)
	code, out, errs := runCapture(t, map[string]string{"NO_COLOR": "1"}, "--resolver", srv.Addr(), "spf", "spf.test", "--ip", "203.0.113.9")
	if code != 0 || errs != "" {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	for _, want := range []string{"result  ✗ fail", "decided by  -all in spf.test", "explanation  203.0.113.9 is not one of spf.test's servers",
		"DNS lookups  2/10", "void lookups  0/2", "include:_spf.spf.test", "Trace", "receivers may reject"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "\x1b[") {
		t.Errorf("colour without a terminal:\n%q", out)
	}
	// With colour on, the result word carries its colour and its symbol.
	var b strings.Builder
	printSPF(&b, painter(true), spfOptions{Domain: "spf.test"}, &checks.SPFResult{Result: "pass"})
	if !strings.Contains(b.String(), sgrGreen+"✓ pass"+sgrReset) {
		t.Errorf("coloured output: %q", b.String())
	}
}

func TestSPFCommandUsage(t *testing.T) {
	for _, args := range [][]string{
		{"spf", "example.com", "--ip", "not-an-ip"},
		{"spf", "example.com", "--ip", "fe80::1%eth0"},
		{"spf", "example.com"},
		{"spf", "--ip", "192.0.2.1"},
		{"spf", "a.example", "b.example", "--ip", "192.0.2.1"},
	} {
		code, out, errs := runCapture(t, nil, args...)
		if code != 2 || out != "" || strings.Count(errs, "\n") != 1 || !strings.HasPrefix(errs, "mailcfg: ") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want 2, nothing, one line", args, code, out, errs)
		}
	}
}
