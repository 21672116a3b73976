package sandbox

import (
	"net"
	"testing"

	"github.com/miekg/dns"
)

// recorder is a dns.ResponseWriter that keeps the reply.
type recorder struct {
	network string
	reply   *dns.Msg
}

func (r *recorder) LocalAddr() net.Addr {
	if r.network == "udp" {
		return &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 53}
	}
	return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 53}
}
func (r *recorder) RemoteAddr() net.Addr        { return &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 5353} }
func (r *recorder) WriteMsg(m *dns.Msg) error   { r.reply = m; return nil }
func (r *recorder) Write(b []byte) (int, error) { return len(b), nil }
func (r *recorder) Close() error                { return nil }
func (r *recorder) TsigStatus() error           { return nil }
func (r *recorder) TsigTimersOnly(bool)         {}
func (r *recorder) Hijack()                     {}

// fuzzServer is a DNSServer without sockets, with a few zones that link.
func fuzzServer(t testing.TB) *DNSServer {
	s := &DNSServer{done: make(chan struct{}), zones: map[string]*zone{}, fails: map[failKey]FailMode{}}
	for origin, text := range map[string]string{
		"a.test": "@ MX 10 mail\nmail A 192.0.2.1\nwww CNAME host.b.test.\nloop CNAME loop\nbig TXT \"" + string(make([]byte, 200)) + "\"\n",
		"b.test": "host A 192.0.2.2\nhost TXT \"v=spf1 -all\"\n",
	} {
		if err := s.AddZoneText(origin, text); err != nil {
			t.Fatal(err)
		}
	}
	s.SetSigned("b.test", true)
	s.Fail("fail.a.test", 0, FailTruncate)
	return s
}

// FuzzServeDNS feeds arbitrary wire-format queries to the DNS handler: it
// must not panic, and every reply it sends must pack, carry the query's id
// and fit the UDP size the query allowed.
func FuzzServeDNS(f *testing.F) {
	for _, q := range []struct {
		name  string
		qtype uint16
		edns  uint16
	}{{"www.a.test.", dns.TypeA, 0}, {"a.test.", dns.TypeMX, 1232}, {"loop.a.test.", dns.TypeA, 0},
		{"nope.a.test.", dns.TypeTXT, 4096}, {"fail.a.test.", dns.TypeTXT, 0}, {"x.other.", dns.TypeA, 0}} {
		m := new(dns.Msg)
		m.SetQuestion(q.name, q.qtype)
		if q.edns > 0 {
			m.SetEdns0(q.edns, true)
		}
		b, err := m.Pack()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, true)
	}
	s := fuzzServer(f)
	f.Fuzz(func(t *testing.T, wire []byte, udp bool) {
		q := new(dns.Msg)
		if err := q.Unpack(wire); err != nil {
			return
		}
		w := &recorder{network: "tcp"}
		if udp {
			w.network = "udp"
		}
		s.serveDNS(w, q)
		if w.reply == nil {
			return // FailTimeout, or nothing to say
		}
		b, err := w.reply.Pack()
		if err != nil {
			t.Fatalf("reply does not pack: %v", err)
		}
		if w.reply.Id != q.Id {
			t.Fatalf("reply id %d, query id %d", w.reply.Id, q.Id)
		}
		limit := dns.MinMsgSize
		if opt := q.IsEdns0(); opt != nil {
			limit = max(limit, int(opt.UDPSize()))
		}
		if udp && len(b) > limit {
			t.Fatalf("UDP reply of %d bytes over the %d the query allowed", len(b), limit)
		}
	})
}
