package sandbox_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/mailcfg/mailcfg/sandbox"
)

// query asks addr over network ("udp" or "tcp") with a miekg/dns client.
// edns is the EDNS0 UDP size to announce (0 for no OPT); ad sets the AD bit.
func query(t testing.TB, network, addr, name string, qtype uint16, edns uint16, ad bool) *dns.Msg {
	t.Helper()
	m, err := tryQuery(network, addr, name, qtype, edns, ad, 3*time.Second)
	if err != nil {
		t.Fatalf("%s %s %s: %v", network, name, dns.TypeToString[qtype], err)
	}
	return m
}

func tryQuery(network, addr, name string, qtype uint16, edns uint16, ad bool, timeout time.Duration) (*dns.Msg, error) {
	q := new(dns.Msg)
	q.SetQuestion(dns.Fqdn(name), qtype)
	q.AuthenticatedData = ad
	if edns > 0 {
		q.SetEdns0(edns, false)
	}
	c := &dns.Client{Net: network, Timeout: timeout}
	in, _, err := c.Exchange(q, addr)
	return in, err
}

// txt joins the strings of each TXT record of an answer.
func txt(m *dns.Msg) []string {
	var out []string
	for _, rr := range m.Answer {
		if t, ok := rr.(*dns.TXT); ok {
			out = append(out, strings.Join(t.Txt, ""))
		}
	}
	return out
}

func TestExampleZoneOverUDPAndTCP(t *testing.T) {
	sb := start(t, sandboxOpts())
	smtpIP := "127.0.0.1"
	rev, _ := dns.ReverseAddr(smtpIP)
	rsaDER, _ := x509.MarshalPKIXPublicKey(sb.DKIMKey.Public())
	edPub := sb.DKIMEd25519Key.Public().(ed25519.PublicKey)
	cases := []struct {
		name  string
		qtype uint16
		want  func(m *dns.Msg) bool
	}{
		{"example.test", dns.TypeSOA, func(m *dns.Msg) bool {
			s, ok := m.Answer[0].(*dns.SOA)
			return ok && s.Ns == "ns.example.test."
		}},
		{"example.test", dns.TypeNS, func(m *dns.Msg) bool { return m.Answer[0].(*dns.NS).Ns == "ns.example.test." }},
		{"ns.example.test", dns.TypeA, func(m *dns.Msg) bool { return m.Answer[0].(*dns.A).A.String() == "127.0.0.1" }},
		{"example.test", dns.TypeMX, func(m *dns.Msg) bool {
			mx := m.Answer[0].(*dns.MX)
			return mx.Preference == 10 && mx.Mx == "mail.example.test."
		}},
		{"mail.example.test", dns.TypeA, func(m *dns.Msg) bool { return m.Answer[0].(*dns.A).A.String() == smtpIP }},
		{"mta-sts.example.test", dns.TypeA, func(m *dns.Msg) bool { return m.Answer[0].(*dns.A).A.String() == smtpIP }},
		{"example.test", dns.TypeTXT, func(m *dns.Msg) bool { return txt(m)[0] == "v=spf1 ip4:127.0.0.1 -all" }},
		{"mail.example.test", dns.TypeTXT, func(m *dns.Msg) bool { return txt(m)[0] == "v=spf1 a -all" }},
		{sb.DKIMSelector + "._domainkey.example.test", dns.TypeTXT, func(m *dns.Msg) bool {
			for _, s := range m.Answer[0].(*dns.TXT).Txt {
				if len(s) > 255 {
					return false
				}
			}
			return len(m.Answer[0].(*dns.TXT).Txt) > 1 &&
				txt(m)[0] == "v=DKIM1; k=rsa; p="+base64.StdEncoding.EncodeToString(rsaDER)
		}},
		{sb.DKIMEd25519Selector + "._domainkey.example.test", dns.TypeTXT, func(m *dns.Msg) bool {
			return txt(m)[0] == "v=DKIM1; k=ed25519; p="+base64.StdEncoding.EncodeToString(edPub)
		}},
		{"_dmarc.example.test", dns.TypeTXT, func(m *dns.Msg) bool {
			return txt(m)[0] == "v=DMARC1; p=reject; rua=mailto:dmarc@example.test"
		}},
		{"_mta-sts.example.test", dns.TypeTXT, func(m *dns.Msg) bool { return strings.HasPrefix(txt(m)[0], "v=STSv1; id=sb") }},
		{"_smtp._tls.example.test", dns.TypeTXT, func(m *dns.Msg) bool {
			return txt(m)[0] == "v=TLSRPTv1; rua=mailto:tls@example.test"
		}},
		{rev, dns.TypePTR, func(m *dns.Msg) bool { return m.Answer[0].(*dns.PTR).Ptr == "mail.example.test." }},
	}
	if _, ok := sb.DKIMKey.Public().(*rsa.PublicKey); !ok || sb.DKIMKey.Public().(*rsa.PublicKey).N.BitLen() != 2048 {
		t.Errorf("DKIMKey is not RSA-2048")
	}
	for _, network := range []string{"udp", "tcp"} {
		for _, c := range cases {
			m := query(t, network, sb.DNSAddr, c.name, c.qtype, 1232, false)
			if m.Rcode != dns.RcodeSuccess || len(m.Answer) == 0 {
				t.Errorf("%s %s %s: rcode %s, %d answers", network, c.name, dns.TypeToString[c.qtype],
					dns.RcodeToString[m.Rcode], len(m.Answer))
				continue
			}
			if !c.want(m) {
				t.Errorf("%s %s %s: unexpected answer %v", network, c.name, dns.TypeToString[c.qtype], m.Answer)
			}
			if !m.RecursionAvailable {
				t.Errorf("%s %s: RA not set", network, c.name)
			}
		}
	}
	if sb.DNS.Queries() < int64(2*len(cases)) {
		t.Errorf("Queries() = %d, want at least %d", sb.DNS.Queries(), 2*len(cases))
	}
}

func TestNegativeAnswers(t *testing.T) {
	d := startDNS(t)
	if err := d.AddZoneText("neg.test", "$TTL 60\n@ IN MX 0 .\nwww IN A 192.0.2.1\na.b.deep IN TXT \"x\"\n"); err != nil {
		t.Fatal(err)
	}
	for _, network := range []string{"udp", "tcp"} {
		cases := []struct {
			name    string
			qtype   uint16
			rcode   int
			withSOA bool
		}{
			{"www.neg.test", dns.TypeTXT, dns.RcodeSuccess, true},      // NODATA
			{"nope.neg.test", dns.TypeA, dns.RcodeNameError, true},     // NXDOMAIN
			{"b.deep.neg.test", dns.TypeA, dns.RcodeSuccess, true},     // empty non-terminal (RFC 8020)
			{"www.elsewhere.test", dns.TypeA, dns.RcodeRefused, false}, // outside every zone
		}
		for _, c := range cases {
			m := query(t, network, d.Addr(), c.name, c.qtype, 0, false)
			if m.Rcode != c.rcode || len(m.Answer) != 0 {
				t.Errorf("%s %s: rcode %s with %d answers, want %s", network, c.name,
					dns.RcodeToString[m.Rcode], len(m.Answer), dns.RcodeToString[c.rcode])
			}
			hasSOA := len(m.Ns) == 1 && m.Ns[0].Header().Rrtype == dns.TypeSOA && m.Ns[0].Header().Name == "neg.test."
			if hasSOA != c.withSOA {
				t.Errorf("%s %s: authority %v", network, c.name, m.Ns)
			}
		}
	}
}

// startDNS runs a DNS server alone for the test.
func startDNS(t testing.TB) *sandbox.DNSServer {
	t.Helper()
	d, err := sandbox.StartDNS(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := d.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return d
}

func TestCNAMEAcrossZones(t *testing.T) {
	d := startDNS(t)
	if err := d.AddZoneText("one.test", "www CNAME mid.two.test.\nloop CNAME loop2\nloop2 CNAME loop\nout CNAME www.nowhere.test.\ngone CNAME missing.two.test.\n"); err != nil {
		t.Fatal(err)
	}
	if err := d.AddZoneText("two.test", "mid CNAME host\nhost A 192.0.2.7\n"); err != nil {
		t.Fatal(err)
	}
	m := query(t, "udp", d.Addr(), "WWW.One.Test", dns.TypeA, 0, false)
	if m.Rcode != dns.RcodeSuccess || len(m.Answer) != 3 {
		t.Fatalf("answer %v rcode %s", m.Answer, dns.RcodeToString[m.Rcode])
	}
	if a, ok := m.Answer[2].(*dns.A); !ok || a.A.String() != "192.0.2.7" {
		t.Errorf("last answer %v", m.Answer[2])
	}
	// Asking for the CNAME itself does not follow it.
	if m := query(t, "udp", d.Addr(), "www.one.test", dns.TypeCNAME, 0, false); len(m.Answer) != 1 {
		t.Errorf("CNAME query: %v", m.Answer)
	}
	if m := query(t, "udp", d.Addr(), "loop.one.test", dns.TypeA, 0, false); m.Rcode != dns.RcodeServerFailure {
		t.Errorf("loop: rcode %s", dns.RcodeToString[m.Rcode])
	}
	if m := query(t, "udp", d.Addr(), "out.one.test", dns.TypeA, 0, false); m.Rcode != dns.RcodeSuccess || len(m.Answer) != 1 {
		t.Errorf("chain leaving the zones: rcode %s, %v", dns.RcodeToString[m.Rcode], m.Answer)
	}
	m = query(t, "udp", d.Addr(), "gone.one.test", dns.TypeA, 0, false)
	if m.Rcode != dns.RcodeNameError || len(m.Answer) != 1 || len(m.Ns) != 1 || m.Ns[0].Header().Name != "two.test." {
		t.Errorf("chain to NXDOMAIN: rcode %s answer %v ns %v", dns.RcodeToString[m.Rcode], m.Answer, m.Ns)
	}
}

func TestFailModes(t *testing.T) {
	d := startDNS(t)
	if err := d.AddZoneText("fail.test", "a TXT \"v=spf1 -all\"\na A 192.0.2.1\n"); err != nil {
		t.Fatal(err)
	}
	d.Fail("a.fail.test", dns.TypeTXT, sandbox.FailServFail)
	if m := query(t, "udp", d.Addr(), "a.fail.test", dns.TypeTXT, 0, false); m.Rcode != dns.RcodeServerFailure {
		t.Errorf("servfail: %s", dns.RcodeToString[m.Rcode])
	}
	// A rule for one type leaves the others alone.
	if m := query(t, "udp", d.Addr(), "a.fail.test", dns.TypeA, 0, false); m.Rcode != dns.RcodeSuccess || len(m.Answer) != 1 {
		t.Errorf("A beside a TXT rule: %s %v", dns.RcodeToString[m.Rcode], m.Answer)
	}
	d.Fail("a.fail.test", 0, sandbox.FailRefused)
	if m := query(t, "tcp", d.Addr(), "a.fail.test", dns.TypeA, 0, false); m.Rcode != dns.RcodeRefused {
		t.Errorf("refused: %s", dns.RcodeToString[m.Rcode])
	}
	d.Fail("a.fail.test", dns.TypeTXT, sandbox.FailNone)
	d.Fail("a.fail.test", 0, sandbox.FailTimeout)
	for _, network := range []string{"udp", "tcp"} {
		_, err := tryQuery(network, d.Addr(), "a.fail.test", dns.TypeA, 0, false, 200*time.Millisecond)
		var ne net.Error
		if !errors.As(err, &ne) || !ne.Timeout() {
			t.Errorf("timeout over %s: err = %v", network, err)
		}
	}
	d.Fail("a.fail.test", 0, sandbox.FailTruncate)
	m := query(t, "udp", d.Addr(), "a.fail.test", dns.TypeTXT, 1232, false)
	if !m.Truncated || len(m.Answer) != 0 {
		t.Errorf("truncate over UDP: TC=%v answers %v", m.Truncated, m.Answer)
	}
	m = query(t, "tcp", d.Addr(), "a.fail.test", dns.TypeTXT, 1232, false)
	if m.Truncated || len(txt(m)) != 1 || txt(m)[0] != "v=spf1 -all" {
		t.Errorf("truncate, then TCP: TC=%v answers %v", m.Truncated, m.Answer)
	}
	d.ClearFails()
	if m := query(t, "udp", d.Addr(), "a.fail.test", dns.TypeTXT, 0, false); m.Rcode != dns.RcodeSuccess || m.Truncated {
		t.Errorf("after ClearFails: %s TC=%v", dns.RcodeToString[m.Rcode], m.Truncated)
	}
}

func TestEDNS0SizeAndTruncation(t *testing.T) {
	d := startDNS(t)
	var zone strings.Builder
	for i := range 12 {
		zone.WriteString("big TXT \"" + strings.Repeat(string(rune('a'+i)), 200) + "\"\n")
	}
	if err := d.AddZoneText("big.test", zone.String()); err != nil {
		t.Fatal(err)
	}
	// ~2.5 kB of TXT: too big for 512 bytes or 1232, fits 4096 and TCP.
	for _, c := range []struct {
		network string
		edns    uint16
		tc      bool
	}{{"udp", 0, true}, {"udp", 1232, true}, {"udp", 4096, false}, {"tcp", 0, false}} {
		m := query(t, c.network, d.Addr(), "big.big.test", dns.TypeTXT, c.edns, false)
		if m.Truncated != c.tc {
			t.Errorf("%s edns %d: TC=%v, want %v", c.network, c.edns, m.Truncated, c.tc)
		}
		if !c.tc && len(m.Answer) != 12 {
			t.Errorf("%s edns %d: %d answers", c.network, c.edns, len(m.Answer))
		}
		if c.edns > 0 && m.IsEdns0() == nil {
			t.Errorf("%s edns %d: no OPT in the reply", c.network, c.edns)
		}
	}
}

func TestDelay(t *testing.T) {
	d := startDNS(t)
	if err := d.AddZoneText("slow.test", "@ A 192.0.2.9\n"); err != nil {
		t.Fatal(err)
	}
	const delay = 300 * time.Millisecond
	d.SetDelay(delay)
	if _, err := tryQuery("udp", d.Addr(), "slow.test", dns.TypeA, 0, false, delay/3); err == nil {
		t.Error("answer came before the delay")
	}
	began := time.Now()
	m := query(t, "tcp", d.Addr(), "slow.test", dns.TypeA, 0, false)
	if waited := time.Since(began); waited < delay || len(m.Answer) != 1 {
		t.Errorf("answer after %v (delay %v): %v", waited, delay, m.Answer)
	}
	d.SetDelay(0)
	if m := query(t, "udp", d.Addr(), "slow.test", dns.TypeA, 0, false); len(m.Answer) != 1 {
		t.Errorf("after SetDelay(0): %v", m.Answer)
	}
}

func TestSignedZonesSetAD(t *testing.T) {
	d := startDNS(t)
	for _, z := range []string{"signed.test", "plain.test"} {
		if err := d.AddZoneText(z, "@ TXT \"v=spf1 -all\"\n"); err != nil {
			t.Fatal(err)
		}
	}
	d.SetSigned("signed.test", true)
	if m := query(t, "udp", d.Addr(), "signed.test", dns.TypeTXT, 0, true); !m.AuthenticatedData {
		t.Error("signed zone, AD asked: AD not set")
	}
	if m := query(t, "udp", d.Addr(), "signed.test", dns.TypeTXT, 0, false); m.AuthenticatedData {
		t.Error("signed zone, neither AD nor DO asked: AD set (RFC 6840 §5.7)")
	}
	if m := query(t, "udp", d.Addr(), "plain.test", dns.TypeTXT, 0, true); m.AuthenticatedData {
		t.Error("unsigned zone: AD set")
	}
	d.SetSigned("signed.test", false)
	if m := query(t, "udp", d.Addr(), "signed.test", dns.TypeTXT, 0, true); m.AuthenticatedData {
		t.Error("after SetSigned(false): AD set")
	}
}

func TestZoneAPI(t *testing.T) {
	d := startDNS(t)
	if err := d.AddZoneText("api.test", "@ IN TXT \"unterminated\n"); err == nil {
		t.Error("AddZoneText accepted a broken zone")
	}
	if m := query(t, "udp", d.Addr(), "api.test", dns.TypeTXT, 0, false); m.Rcode != dns.RcodeRefused {
		t.Errorf("a zone that did not parse is served: %s", dns.RcodeToString[m.Rcode])
	}
	rr, _ := dns.NewRR("api.test. 60 IN TXT \"v=spf1 ip4:192.0.2.0/24 -all\"")
	d.AddZone("api.test", []dns.RR{rr})
	if m := query(t, "udp", d.Addr(), "api.test", dns.TypeTXT, 0, false); len(txt(m)) != 1 {
		t.Errorf("AddZone: %v", m.Answer)
	}
	// A zone without SOA gets one, for negative answers.
	if m := query(t, "udp", d.Addr(), "api.test", dns.TypeSOA, 0, false); len(m.Answer) != 1 {
		t.Errorf("synthesised SOA: %v", m.Answer)
	}
	extra, _ := dns.NewRR("www.api.test. 60 IN A 192.0.2.3")
	if err := d.Add(extra); err != nil {
		t.Fatal(err)
	}
	if m := query(t, "udp", d.Addr(), "www.api.test", dns.TypeA, 0, false); len(m.Answer) != 1 {
		t.Errorf("Add: %v", m.Answer)
	}
	outside, _ := dns.NewRR("www.other.test. 60 IN A 192.0.2.3")
	if err := d.Add(outside); err == nil {
		t.Error("Add of a record outside every zone: no error")
	}
	d.RemoveZone("api.test")
	if m := query(t, "udp", d.Addr(), "api.test", dns.TypeTXT, 0, false); m.Rcode != dns.RcodeRefused {
		t.Errorf("after RemoveZone: %s", dns.RcodeToString[m.Rcode])
	}
}

// A root zone's made-up SOA must pack, or every negative answer is lost.
func TestRootZoneNegativeAnswer(t *testing.T) {
	srv, err := sandbox.StartDNS(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if err := srv.AddZoneText(".", "a.test. 300 IN A 192.0.2.1\n"); err != nil {
		t.Fatal(err)
	}
	m := new(dns.Msg)
	m.SetQuestion("missing.test.", dns.TypeA)
	c := &dns.Client{Timeout: 2 * time.Second}
	in, _, err := c.Exchange(m, srv.Addr())
	if err != nil {
		t.Fatalf("no answer for a missing name in the root zone: %v", err)
	}
	if in.Rcode != dns.RcodeNameError || len(in.Ns) != 1 || in.Ns[0].(*dns.SOA).Ns != "ns." {
		t.Fatalf("got %v", in)
	}
}
