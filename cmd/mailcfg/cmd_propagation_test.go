package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/mailcfg/mailcfg/sandbox"
)

// propZone is the zone prop.test as both its name servers serve it, with
// the SOA minimum (negative TTL) at 120 s.
const propZone = `@ 3600 SOA ns1 host 1 7200 3600 1209600 120
@ NS ns1
@ NS ns2
ns1 A 127.0.0.1
ns2 A 127.0.0.1
`

// propEnv is two authoritative servers of prop.test and a third server
// playing the user's resolver, each a sandbox DNS server on loopback.
type propEnv struct {
	ns1, ns2, res *sandbox.DNSServer
}

func startPropEnv(t *testing.T) *propEnv {
	t.Helper()
	start := func() *sandbox.DNSServer {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		s, err := sandbox.StartDNS(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		return s
	}
	return &propEnv{ns1: start(), ns2: start(), res: start()}
}

// set serves prop.test with extra records on each server ("" = none).
func (e *propEnv) set(t *testing.T, ns1, ns2, res string) {
	t.Helper()
	for _, x := range []struct {
		s    *sandbox.DNSServer
		recs string
	}{{e.ns1, ns1}, {e.ns2, ns2}, {e.res, res}} {
		if err := x.s.AddZoneText("prop.test.", propZone+x.recs); err != nil {
			t.Fatal(err)
		}
	}
}

func (e *propEnv) args(extra ...string) []string {
	return append([]string{"--resolver", e.res.Addr(), "--timeout", "500ms", "propagation",
		"--ns-addr", "ns1.prop.test=" + e.ns1.Addr(), "--ns-addr", "ns2.prop.test=" + e.ns2.Addr()}, extra...)
}

type propDoc struct {
	Zone          string `json:"zone"`
	Authoritative []struct {
		Name, Addr, State string
		Values            []string
	} `json:"authoritative"`
	Resolver *struct {
		State  string `json:"state"`
		Addr   string `json:"addr"`
		TTL    int64  `json:"ttl_seconds"`
		Values []string
	} `json:"resolver"`
	Published   bool              `json:"published"`
	Visible     bool              `json:"visible"`
	WaitSeconds int64             `json:"wait_seconds"`
	OK          bool              `json:"ok"`
	Findings    []json.RawMessage `json:"findings"`
	Error       string            `json:"error"`
}

func TestPropagationCommand(t *testing.T) {
	e := startPropEnv(t)
	const newRec, oldRec = "v=DMARC1; p=reject", "v=DMARC1; p=none"
	rec := func(ttl, v string) string { return "_dmarc " + ttl + " TXT \"" + v + "\"\n" }
	env := map[string]string{"NO_COLOR": "1"}
	want := []string{"_dmarc.prop.test", "--type", "txt", "--want", newRec}

	// One server still has the old value; the resolver caches it for 600 s.
	e.set(t, rec("300", newRec), rec("300", oldRec), rec("600", oldRec))
	code, out, errs := runCapture(t, env, e.args(want...)...)
	if code != 1 || errs != "" {
		t.Fatalf("old value: exit %d, stderr %q\n%s", code, errs, out)
	}
	for _, s := range []string{"✓ ns1.prop.test (" + e.ns1.Addr() + ")  serves it",
		"✗ ns2.prop.test (" + e.ns2.Addr() + ")  serves another value: " + oldRec,
		"Your resolver " + e.res.Addr(), "✗ still has another value: " + oldRec, "up to 10m0s (its TTL)", "Published on 1 of 2 name servers; not visible"} {
		if !strings.Contains(out, s) {
			t.Errorf("old value: output lacks %q:\n%s", s, out)
		}
	}
	var doc propDoc
	code, out, _ = runCapture(t, nil, e.args(append(want, "--json")...)...)
	if err := json.Unmarshal([]byte(out), &doc); err != nil || code != 1 {
		t.Fatalf("old value --json: exit %d, %v\n%s", code, err, out)
	}
	states := map[string]string{}
	for _, s := range doc.Authoritative {
		states[s.Name] = s.State
	}
	if doc.Zone != "prop.test" || states["ns1.prop.test"] != "published" || states["ns2.prop.test"] != "old" ||
		doc.Resolver == nil || doc.Resolver.State != "old" || doc.Resolver.TTL != 600 || doc.WaitSeconds != 600 ||
		doc.Published || doc.Visible || doc.OK || len(doc.Findings) != 3 {
		t.Errorf("old value --json: %+v %+v", doc, doc.Resolver)
	}

	// Published everywhere; the resolver holds a negative answer for the
	// SOA minimum.
	e.set(t, rec("300", newRec), rec("300", newRec), "")
	code, out, _ = runCapture(t, env, e.args(want...)...)
	if code != 1 || !strings.Contains(out, "still has a negative answer (no TXT record)") || !strings.Contains(out, "up to 2m0s (the SOA minimum, RFC 2308 §5)") ||
		!strings.Contains(out, "Published on 2 of 2") {
		t.Errorf("negative answer: exit %d\n%s", code, out)
	}

	// Visible everywhere: exit 0.
	e.set(t, rec("300", newRec), rec("300", newRec), rec("300", newRec))
	code, out, errs = runCapture(t, env, e.args(want...)...)
	if code != 0 || errs != "" || strings.Count(out, "serves it") != 2 || !strings.Contains(out, "✓ sees it") || !strings.Contains(out, "; visible through your resolver.") {
		t.Errorf("visible: exit %d, stderr %q\n%s", code, errs, out)
	}
	code, out, _ = runCapture(t, nil, e.args(append(want, "--json")...)...)
	if err := json.Unmarshal([]byte(out), &doc); err != nil || code != 0 || !doc.OK || !doc.Published || !doc.Visible || doc.WaitSeconds != 0 {
		t.Errorf("visible --json: exit %d %v %+v", code, err, doc)
	}

	// A server that cannot be asked: ?, exit 3 (nothing serves another value).
	e.ns2.Fail("_dmarc.prop.test", dns.TypeTXT, sandbox.FailServFail)
	code, out, _ = runCapture(t, env, e.args(want...)...)
	if code != 3 || !strings.Contains(out, "? ns2.prop.test ("+e.ns2.Addr()+")  could not be asked") {
		t.Errorf("servfail: exit %d\n%s", code, out)
	}
	// ... but a server with another value beats it: exit 1.
	if err := e.ns1.AddZoneText("prop.test.", propZone+rec("300", oldRec)); err != nil {
		t.Fatal(err)
	}
	if code, out, _ = runCapture(t, env, e.args(want...)...); code != 1 {
		t.Errorf("old + servfail: exit %d, want 1\n%s", code, out)
	}
}

// TestPropagationCommandTypes checks CNAME and MX values, compared without
// case or final dots.
func TestPropagationCommandTypes(t *testing.T) {
	e := startPropEnv(t)
	recs := "s1._domainkey CNAME s1.DomainKey.u1.wl1.sendgrid.net.\n@ MX 10 mx.prop.test.\n"
	e.set(t, recs, recs, recs)
	for _, tc := range []struct {
		args []string
		code int
	}{
		{[]string{"s1._domainkey.prop.test", "--type", "CNAME", "--want", "s1.domainkey.u1.wl1.sendgrid.net."}, 0},
		{[]string{"s1._domainkey.prop.test", "--type", "CNAME", "--want", "s2.domainkey.u1.wl1.sendgrid.net"}, 1},
		{[]string{"prop.test", "--type", "mx", "--want", "10   MX.prop.test."}, 0},
		{[]string{"prop.test", "--type", "MX", "--want", "20 mx.prop.test"}, 1},
	} {
		if code, out, errs := runCapture(t, map[string]string{"NO_COLOR": "1"}, e.args(tc.args...)...); code != tc.code || errs != "" {
			t.Errorf("%v: exit %d, stderr %q, want %d\n%s", tc.args, code, errs, tc.code, out)
		}
	}
}

// TestPropagationCommandNoZone asks about a name no server knows: the zone's
// servers cannot be found, which is "could not check" (exit 3), never a fail.
func TestPropagationCommandNoZone(t *testing.T) {
	e := startPropEnv(t)
	e.set(t, "", "", "")
	code, out, errs := runCapture(t, nil, e.args("_dmarc.elsewhere.example", "--want", "v=DMARC1; p=none", "--json")...)
	var doc propDoc
	if err := json.Unmarshal([]byte(out), &doc); err != nil || code != 3 || errs != "" {
		t.Fatalf("exit %d, stderr %q, %v\n%s", code, errs, err, out)
	}
	if doc.Error == "" || doc.OK || len(doc.Findings) != 1 || !strings.Contains(string(doc.Findings[0]), `"status": "error"`) {
		t.Errorf("doc %+v", doc)
	}
	code, out, _ = runCapture(t, map[string]string{"NO_COLOR": "1"}, e.args("_dmarc.elsewhere.example", "--want", "v=DMARC1; p=none")...)
	if code != 3 || !strings.Contains(out, "? error  could not find the zone's name servers") {
		t.Errorf("human: exit %d\n%s", code, out)
	}
}

func TestPropagationCommandUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		msg  string
	}{
		{[]string{"propagation", "--want", "x"}, "exactly one record NAME"},
		{[]string{"propagation", "a.example", "b.example", "--want", "x"}, "exactly one record NAME"},
		{[]string{"propagation", "not a name", "--want", "x"}, "not a record name"},
		{[]string{"propagation", "_dmarc.example.com"}, "--want is required"},
		{[]string{"propagation", "_dmarc.example.com", "--want", "  "}, "--want is required"},
		{[]string{"propagation", "_dmarc.example.com", "--type", "AAAA", "--want", "x"}, "--type \"AAAA\""},
		{[]string{"propagation", "example.com", "--type", "MX", "--want", "mx.example.com"}, "not an MX value"},
		{[]string{"propagation", "example.com", "--type", "MX", "--want", "70000 mx.example.com"}, "not an MX value"},
		{[]string{"propagation", "example.com", "--type", "MX", "--want", "10 bad_host!"}, "not a host name"},
		{[]string{"propagation", "s1._domainkey.example.com", "--type", "CNAME", "--want", "not a name"}, "not a host name"},
		{[]string{"propagation", "_dmarc.example.com", "--want", "x", "--ns-addr", "ns1.example.com"}, "NS=HOST:PORT"},
		{[]string{"propagation", "_dmarc.example.com", "--want", "x", "--ns-addr", "ns1.example.com=127.0.0.1:99999"}, "--ns-addr"},
		{[]string{"propagation", "_dmarc.example.com", "--want", "x", "--ns-port", "0"}, "--ns-port 0"},
	} {
		code, out, errs := runCapture(t, nil, append([]string{"--resolver", "127.0.0.1:1"}, tc.args...)...)
		if code != 2 || out != "" || !strings.Contains(errs, tc.msg) || strings.Count(errs, "\n") != 1 {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want 2 and one line with %q", tc.args, code, out, errs, tc.msg)
		}
	}
}

// TestPropagationWantNormalised checks the values the command passes on.
func TestPropagationWantNormalised(t *testing.T) {
	for _, tc := range []struct {
		qt       uint16
		in, want string
	}{
		{dns.TypeMX, " 10  MX.Example.COM. ", "10 mx.example.com"},
		{dns.TypeMX, "0 .", "0 ."},
		{dns.TypeCNAME, "Target.Example.NET.", "target.example.net"},
		{dns.TypeTXT, `  "v=spf1" " -all" `, `"v=spf1" " -all"`},
	} {
		got, err := propagationWant(tc.qt, tc.in)
		if err != nil || got != tc.want {
			t.Errorf("propagationWant(%s, %q) = %q, %v; want %q", dns.TypeToString[tc.qt], tc.in, got, err, tc.want)
		}
	}
}
