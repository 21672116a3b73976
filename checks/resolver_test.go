package checks

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// testServer is a tiny loopback DNS server whose behaviour per name the test
// chooses. It is the resolver's own test double; the sandbox's DNS server is
// the one end-to-end tests use.
type testServer struct {
	addr    string
	queries atomic.Int64
	udp     atomic.Int64
	tcp     atomic.Int64
	delay   time.Duration
}

func startTestServer(t *testing.T, delay time.Duration) *testServer {
	t.Helper()
	ts := &testServer{delay: delay}
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", pc.LocalAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	ts.addr = pc.LocalAddr().String()
	h := dns.HandlerFunc(ts.serve)
	us := &dns.Server{PacketConn: pc, Handler: h}
	tcp := &dns.Server{Listener: ln, Handler: h}
	go func() { _ = us.ActivateAndServe() }()
	go func() { _ = tcp.ActivateAndServe() }()
	t.Cleanup(func() {
		_ = us.Shutdown()
		_ = tcp.Shutdown()
	})
	return ts
}

func (ts *testServer) serve(w dns.ResponseWriter, req *dns.Msg) {
	ts.queries.Add(1)
	isTCP := w.LocalAddr().Network() == "tcp"
	if isTCP {
		ts.tcp.Add(1)
	} else {
		ts.udp.Add(1)
	}
	if ts.delay > 0 {
		time.Sleep(ts.delay)
	}
	q := req.Question[0]
	m := new(dns.Msg)
	m.SetReply(req)
	switch {
	case strings.HasPrefix(q.Name, "drop."):
		return // never answer
	case strings.HasPrefix(q.Name, "servfail."):
		m.Rcode = dns.RcodeServerFailure
	case strings.HasPrefix(q.Name, "refused."):
		m.Rcode = dns.RcodeRefused
	case strings.HasPrefix(q.Name, "nx."):
		m.Rcode = dns.RcodeNameError
		soa, _ := dns.NewRR("test. 3600 IN SOA ns.test. host.test. 1 3600 600 86400 300")
		m.Ns = append(m.Ns, soa)
	case strings.HasPrefix(q.Name, "big."):
		if !isTCP {
			m.Truncated = true
			break
		}
		for i := 0; i < 40; i++ {
			rr, _ := dns.NewRR(q.Name + " 300 IN TXT \"" + strings.Repeat("x", 200) + "\"")
			m.Answer = append(m.Answer, rr)
		}
	default:
		rr, _ := dns.NewRR(q.Name + ` 300 IN TXT "v=spf1 " "-all"`)
		m.Answer = append(m.Answer, rr)
		m.AuthenticatedData = strings.HasPrefix(q.Name, "signed.")
	}
	_ = w.WriteMsg(m)
}

func TestResolverAnswersAndJoinsTXT(t *testing.T) {
	ts := startTestServer(t, 0)
	r := NewResolver(ts.addr, time.Second)
	a, err := r.Lookup(context.Background(), "Example.TEST", dns.TypeTXT)
	if err != nil {
		t.Fatal(err)
	}
	if got := a.TXT(); len(got) != 1 || got[0] != "v=spf1 -all" {
		t.Fatalf("TXT = %q, want one joined string", got)
	}
	if a.Name != "example.test." || a.NXDomain() || a.Void() {
		t.Fatalf("answer = %+v", a)
	}
	s, err := r.Lookup(context.Background(), "signed.test", dns.TypeTXT)
	if err != nil || !s.Authenticated {
		t.Fatalf("AD flag not carried: %+v %v", s, err)
	}
}

func TestResolverTruncatedRetriesOverTCP(t *testing.T) {
	ts := startTestServer(t, 0)
	r := NewResolver(ts.addr, time.Second)
	a, err := r.Lookup(context.Background(), "big.test", dns.TypeTXT)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(a.TXT()); n != 40 {
		t.Fatalf("got %d TXT records over TCP, want 40", n)
	}
	if ts.udp.Load() != 1 || ts.tcp.Load() != 1 {
		t.Fatalf("udp=%d tcp=%d, want one of each", ts.udp.Load(), ts.tcp.Load())
	}
}

func TestResolverNegativeAnswersAreNotErrors(t *testing.T) {
	ts := startTestServer(t, 0)
	r := NewResolver(ts.addr, time.Second)
	a, err := r.Lookup(context.Background(), "nx.test", dns.TypeTXT)
	if err != nil {
		t.Fatal(err)
	}
	if !a.NXDomain() || !a.Void() {
		t.Fatalf("want NXDOMAIN, got %+v", a)
	}
	if got := a.NegativeTTL(); got != 300*time.Second {
		t.Fatalf("NegativeTTL = %v, want 5m (SOA minimum)", got)
	}
}

func TestResolverErrorsByKind(t *testing.T) {
	ts := startTestServer(t, 0)
	r := NewResolver(ts.addr, 150*time.Millisecond)
	for _, tc := range []struct {
		name string
		kind error
	}{
		{"servfail.test", ErrServFail},
		{"refused.test", ErrRefused},
		{"drop.test", ErrTimeout},
	} {
		_, err := r.Lookup(context.Background(), tc.name, dns.TypeA)
		if !errors.Is(err, tc.kind) {
			t.Errorf("%s: err = %v, want %v", tc.name, err, tc.kind)
		}
		var de *DNSError
		if !errors.As(err, &de) || de.Name != tc.name+"." {
			t.Errorf("%s: not a *DNSError naming the name: %#v", tc.name, err)
		}
	}
	// A timed-out question is tried twice (one retry); a SERVFAIL once.
	ts.queries.Store(0)
	_, _ = r.Lookup(context.Background(), "drop.again.test", dns.TypeA)
	if n := ts.queries.Load(); n != 2 {
		t.Errorf("timed-out question asked %d times, want 2", n)
	}
}

func TestResolverSharesSimultaneousQuestions(t *testing.T) {
	// The server holds the answer long enough for all 50 askers to start
	// even on a loaded machine; the timeout is well past that hold.
	ts := startTestServer(t, 500*time.Millisecond)
	r := NewResolver(ts.addr, 5*time.Second)
	var wg sync.WaitGroup
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := r.Lookup(context.Background(), "same.test", dns.TypeTXT); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if n := ts.queries.Load(); n != 1 {
		t.Fatalf("50 simultaneous askers made %d queries, want 1", n)
	}
}

func TestCacheAsksOnce(t *testing.T) {
	ts := startTestServer(t, 0)
	c := NewCache(NewResolver(ts.addr, 150*time.Millisecond))
	for i := 0; i < 3; i++ {
		if _, err := c.Lookup(context.Background(), "cached.test", dns.TypeTXT); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Lookup(context.Background(), "servfail.cached.test", dns.TypeTXT); !errors.Is(err, ErrServFail) {
			t.Fatalf("err = %v", err)
		}
	}
	if n := ts.queries.Load(); n != 2 {
		t.Fatalf("server saw %d queries, want 2 (one per question)", n)
	}
	if c.Queries != 2 {
		t.Fatalf("Cache.Queries = %d", c.Queries)
	}
}

func TestResolverHonoursCancellation(t *testing.T) {
	ts := startTestServer(t, 0)
	r := NewResolver(ts.addr, 5*time.Second)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := r.Lookup(ctx, "drop.cancel.test", dns.TypeA)
		done <- err
	}()
	// Cancel only once the question is out (the server has it), so the
	// test covers a lookup waiting on the network, not one never started.
	for deadline := time.Now().Add(5 * time.Second); ts.queries.Load() == 0; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			cancel()
			t.Fatal("the question never reached the server")
		}
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, ErrTimeout) {
			t.Fatalf("err = %v, want a timeout-kind DNSError", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("Lookup did not return after its context was cancelled")
	}
}

func TestLookupIPAsksBothFamilies(t *testing.T) {
	m := NewMapResolver(`
host.test. 300 IN A 192.0.2.1
host.test. 300 IN AAAA 2001:db8::1
alias.test. 300 IN CNAME host.test.
`)
	ips, err := LookupIP(context.Background(), m, "alias.test")
	if err != nil {
		t.Fatal(err)
	}
	if len(ips) != 2 || ips[0].String() != "192.0.2.1" || ips[1].String() != "2001:db8::1" {
		t.Fatalf("ips = %v", ips)
	}
	a, _ := m.Lookup(context.Background(), "empty.host.test", dns.TypeA)
	if !a.NXDomain() {
		t.Fatalf("missing name should be NXDOMAIN: %+v", a)
	}
	m.Fail("host.test", dns.TypeA, &DNSError{Name: "host.test.", Type: dns.TypeA, Kind: ErrServFail})
	ips, err = LookupIP(context.Background(), m, "host.test")
	if err != nil || len(ips) != 1 {
		t.Fatalf("one family failing should still give the other: %v %v", ips, err)
	}
	v4only := NewMapResolver("v4.test. 300 IN A 192.0.2.1\n")
	v4only.Fail("v4.test", dns.TypeA, &DNSError{Name: "v4.test.", Type: dns.TypeA, Kind: ErrServFail})
	if ips, err := LookupIP(context.Background(), v4only, "v4.test"); err == nil {
		t.Fatalf("A failed and AAAA is empty: want the error, got %v and no error", ips)
	}
}
