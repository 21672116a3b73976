package checks_test

import (
	"context"
	"github.com/mailcfg/mailcfg/internal/hostiletest"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/mailcfg/mailcfg/checks"
	"github.com/mailcfg/mailcfg/sandbox"
)

// closedPort returns a loopback UDP address nothing listens on: queries to
// it get ICMP port unreachable, read as "connection refused".
func closedPort(t *testing.T) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := pc.LocalAddr().String()
	pc.Close()
	return addr
}

// dropAll is a resolver on loopback that reads every query and never answers.
func dropAll(t *testing.T) string { return hostiletest.SilentUDP(t) }

// servFailAll starts a DNS server on loopback that answers SERVFAIL to
// every question, as a resolver does for a domain whose servers are broken.
func servFailAll(t *testing.T) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) {
		m := new(dns.Msg)
		m.SetRcode(r, dns.RcodeServerFailure)
		_ = w.WriteMsg(m)
	})}
	started := make(chan struct{})
	srv.NotifyStartedFunc = func() { close(started) }
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.ActivateAndServe() }()
	<-started
	t.Cleanup(func() { _ = srv.Shutdown(); <-done })
	return pc.LocalAddr().String()
}

// byID returns the findings with id.
func byID(fs []checks.Finding, id string) []checks.Finding {
	var out []checks.Finding
	for _, f := range fs {
		if f.ID == id {
			out = append(out, f)
		}
	}
	return out
}

// TestAuditDeadResolver audits through a resolver that answers nothing, by
// a closed port and by dropping every packet: one dns.resolver error names
// the resolver and the reason, first, and every other finding is still
// there, each an error (none a fail or a pass).
func TestAuditDeadResolver(t *testing.T) {
	for _, tc := range []struct {
		name, addr, reason string
	}{
		{"closed port", closedPort(t), "connection refused"},
		{"drops every packet", dropAll(t), "timed out"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &checks.DNSResolver{Servers: []string{tc.addr}, Timeout: 150 * time.Millisecond}
			var streamed []string
			sink := func(e checks.Event) {
				if e.Kind == checks.EventFinding {
					streamed = append(streamed, e.Finding.ID)
				}
			}
			fs := checks.Audit(context.Background(), r, "example.com", checks.AuditOptions{}, sink)
			res := byID(fs, "dns.resolver")
			if len(res) != 1 {
				t.Fatalf("%d dns.resolver findings, want 1:\n%s", len(res), dump(fs))
			}
			f := res[0]
			want := "The resolver " + tc.addr + " answered no question: "
			if f.Status != checks.StatusError || !strings.HasPrefix(f.Title, want) || !strings.Contains(f.Title, tc.reason) {
				t.Errorf("dns.resolver: %s %q, want error %q…%q", f.Status, f.Title, want, tc.reason)
			}
			if !strings.Contains(f.Fix, "--resolver") || !strings.Contains(f.Evidence, "via "+tc.addr) {
				t.Errorf("dns.resolver fix %q evidence %q", f.Fix, f.Evidence)
			}
			if fs[0].ID != "dns.resolver" {
				t.Errorf("dns.resolver is not first: %s", fs[0].ID)
			}
			s := checks.Summarize(fs)
			if s.Error != len(fs) || len(fs) < 10 {
				t.Errorf("want only errors, at least 10: %+v\n%s", s, dump(fs))
			}
			n := len(fs) - 1
			if !strings.Contains(f.Detail, "so "+strconv.Itoa(n)+" checks could not be made") {
				t.Errorf("detail does not count the %d other checks: %q", n, f.Detail)
			}
			if len(streamed) != len(fs) || streamed[len(streamed)-1] != "dns.resolver" {
				t.Errorf("streamed %d findings, last %v; returned %d", len(streamed), streamed[len(streamed)-1:], len(fs))
			}
		})
	}
}

// TestAuditNameFailuresAreNotTheResolver checks that SERVFAIL, for one name
// or for every name, keeps the usual per-finding errors and makes no
// dns.resolver finding: the resolver answered, the names are broken.
func TestAuditNameFailuresAreNotTheResolver(t *testing.T) {
	t.Run("one name", func(t *testing.T) {
		d, err := sandbox.StartDNS(context.Background(), "")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = d.Close() })
		if err := d.AddZoneText("one.test", strings.Join(baseZone("one.test"), "\n")+"\n"); err != nil {
			t.Fatal(err)
		}
		d.Fail("_dmarc.one.test", dns.TypeTXT, sandbox.FailServFail)
		fs := checks.Audit(context.Background(), resolverFor(d, time.Second), "one.test", checks.AuditOptions{}, nil)
		if len(byID(fs, "dns.resolver")) != 0 {
			t.Errorf("a dns.resolver finding for one SERVFAIL:\n%s", dump(fs))
		}
		dm := byID(fs, "dmarc.present")
		if len(dm) != 1 || dm[0].Status != checks.StatusError || !strings.Contains(dm[0].Title, "SERVFAIL") {
			t.Errorf("dmarc.present: %+v", dm)
		}
		if s := checks.Summarize(fs); s.Pass == 0 {
			t.Errorf("nothing passed beside the SERVFAIL: %+v", s)
		}
	})
	t.Run("every name", func(t *testing.T) {
		r := &checks.DNSResolver{Servers: []string{servFailAll(t)}, Timeout: time.Second}
		fs := checks.Audit(context.Background(), r, "example.com", checks.AuditOptions{}, nil)
		if len(byID(fs, "dns.resolver")) != 0 {
			t.Errorf("a dns.resolver finding when every name SERVFAILs:\n%s", dump(fs))
		}
		if s := checks.Summarize(fs); s.Error != len(fs) || s.Error < 10 {
			t.Errorf("want every finding an error: %+v", s)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		r := &checks.DNSResolver{Servers: []string{dropAll(t)}, Timeout: time.Second}
		fs := checks.Audit(ctx, r, "example.com", checks.AuditOptions{}, nil)
		if len(byID(fs, "dns.resolver")) != 0 {
			t.Errorf("a dns.resolver finding for an audit cancelled by its caller:\n%s", dump(fs))
		}
	})
}
