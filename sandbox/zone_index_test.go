package sandbox_test

import (
	"fmt"
	"testing"

	"github.com/miekg/dns"
)

// TestZoneIndexManyZones serves 300 zones, some nested, and checks that the
// zone with the longest origin answers each name, that names and empty
// non-terminals exist in the zone that holds them, and that Add, AddZone
// (replacing) and RemoveZone keep the indexes right.
func TestZoneIndexManyZones(t *testing.T) {
	d := startDNS(t)
	for i := range 300 {
		if err := d.AddZoneText(fmt.Sprintf("z%03d.test", i), "@ A 192.0.2.1\nx.y TXT \"deep\"\n"); err != nil {
			t.Fatal(err)
		}
	}
	// A child zone inside z007.test: its names are its own.
	if err := d.AddZoneText("sub.z007.test", "@ TXT \"child\"\n"); err != nil {
		t.Fatal(err)
	}
	type zcase struct {
		name  string
		qtype uint16
		rcode int
		n     int
		soa   string // the zone whose SOA is in the authority section
	}
	cases := []zcase{
		{"z123.test", dns.TypeA, dns.RcodeSuccess, 1, ""},
		{"Z299.TEST", dns.TypeA, dns.RcodeSuccess, 1, ""},
		{"x.y.z042.test", dns.TypeTXT, dns.RcodeSuccess, 1, ""},
		{"y.z042.test", dns.TypeTXT, dns.RcodeSuccess, 0, "z042.test."},     // empty non-terminal: NODATA
		{"q.y.z042.test", dns.TypeTXT, dns.RcodeNameError, 0, "z042.test."}, // under an ENT: NXDOMAIN
		{"x.z042.test", dns.TypeTXT, dns.RcodeNameError, 0, "z042.test."},
		{"sub.z007.test", dns.TypeTXT, dns.RcodeSuccess, 1, ""},
		{"sub.z007.test", dns.TypeA, dns.RcodeSuccess, 0, "sub.z007.test."},
		{"y.sub.z007.test", dns.TypeA, dns.RcodeNameError, 0, "sub.z007.test."},
		{"z300.test", dns.TypeA, dns.RcodeRefused, 0, ""},
		{"test", dns.TypeA, dns.RcodeRefused, 0, ""},
	}
	check := func(stage string) {
		t.Helper()
		for _, c := range cases {
			m := query(t, "udp", d.Addr(), c.name, c.qtype, 0, false)
			soa := ""
			if len(m.Ns) == 1 {
				soa = m.Ns[0].Header().Name
			}
			if m.Rcode != c.rcode || len(m.Answer) != c.n || soa != c.soa {
				t.Errorf("%s: %s %s: rcode %s, %d answers, SOA %q; want %s, %d, %q", stage, c.name,
					dns.TypeToString[c.qtype], dns.RcodeToString[m.Rcode], len(m.Answer), soa,
					dns.RcodeToString[c.rcode], c.n, c.soa)
			}
		}
	}
	check("start")

	// Add makes a new name and its empty non-terminals exist.
	rr, _ := dns.NewRR("a.b.c.z042.test. 60 IN TXT \"added\"")
	if err := d.Add(rr); err != nil {
		t.Fatal(err)
	}
	cases = append(cases,
		zcase{"a.b.c.z042.test", dns.TypeTXT, dns.RcodeSuccess, 1, ""},
		zcase{"c.z042.test", dns.TypeTXT, dns.RcodeSuccess, 0, "z042.test."})
	check("after Add")

	// AddZone replaces: the old names are gone, the new ones there.
	if err := d.AddZoneText("z042.test", "new TXT \"v2\"\n"); err != nil {
		t.Fatal(err)
	}
	if m := query(t, "udp", d.Addr(), "c.z042.test", dns.TypeTXT, 0, false); m.Rcode != dns.RcodeNameError {
		t.Errorf("replaced zone still has its old ENT: %s", dns.RcodeToString[m.Rcode])
	}
	if m := query(t, "udp", d.Addr(), "x.y.z042.test", dns.TypeTXT, 0, false); m.Rcode != dns.RcodeNameError {
		t.Errorf("replaced zone still has its old name: %s", dns.RcodeToString[m.Rcode])
	}
	if m := query(t, "udp", d.Addr(), "new.z042.test", dns.TypeTXT, 0, false); len(txt(m)) != 1 || txt(m)[0] != "v2" {
		t.Errorf("replacing zone: %v", m.Answer)
	}

	// Removing the child zone hands its names back to the parent.
	d.RemoveZone("sub.z007.test")
	if m := query(t, "udp", d.Addr(), "sub.z007.test", dns.TypeTXT, 0, false); m.Rcode != dns.RcodeNameError ||
		len(m.Ns) != 1 || m.Ns[0].Header().Name != "z007.test." {
		t.Errorf("after RemoveZone of the child: %s %v", dns.RcodeToString[m.Rcode], m.Ns)
	}
	d.RemoveZone("z007.test")
	if m := query(t, "udp", d.Addr(), "z007.test", dns.TypeA, 0, false); m.Rcode != dns.RcodeRefused {
		t.Errorf("after RemoveZone: %s", dns.RcodeToString[m.Rcode])
	}

	// A root zone catches what no other zone holds.
	if err := d.AddZoneText(".", "elsewhere.example. A 192.0.2.9\n"); err != nil {
		t.Fatal(err)
	}
	if m := query(t, "udp", d.Addr(), "elsewhere.example", dns.TypeA, 0, false); len(m.Answer) != 1 {
		t.Errorf("root zone: %s %v", dns.RcodeToString[m.Rcode], m.Answer)
	}
	if m := query(t, "udp", d.Addr(), "example", dns.TypeA, 0, false); m.Rcode != dns.RcodeSuccess || len(m.Answer) != 0 {
		t.Errorf("root zone ENT: %s %v", dns.RcodeToString[m.Rcode], m.Answer)
	}
	if m := query(t, "udp", d.Addr(), "z123.test", dns.TypeA, 0, false); len(m.Answer) != 1 {
		t.Errorf("with a root zone, z123.test: %v", m.Answer)
	}
}

// BenchmarkServeManyZones asks the server, over UDP, for names in one of
// 2,000 zones and in a zone of 20,000 names: with the zone and name indexes
// the cost per query does not depend on those numbers.
func BenchmarkServeManyZones(b *testing.B) {
	d := startDNS(b)
	for i := range 2000 {
		if err := d.AddZoneText(fmt.Sprintf("z%04d.test", i), "@ A 192.0.2.1\n_dmarc TXT \"v=DMARC1; p=none\"\n"); err != nil {
			b.Fatal(err)
		}
	}
	var big []dns.RR
	for i := range 20000 {
		rr, _ := dns.NewRR(fmt.Sprintf("h%05d.a.big.test. 60 IN A 192.0.2.2", i))
		big = append(big, rr)
	}
	d.AddZone("big.test", big)
	c := &dns.Client{Net: "udp"}
	conn, err := c.Dial(d.Addr())
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	names := []string{"_dmarc.z1999.test.", "nope.z0000.test.", "a.big.test.", "nope.big.test."}
	b.ResetTimer()
	for i := range b.N {
		m := new(dns.Msg)
		m.SetQuestion(names[i%len(names)], dns.TypeTXT)
		if _, _, err := c.ExchangeWithConn(m, conn); err != nil {
			b.Fatal(err)
		}
	}
}
