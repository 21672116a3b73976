package sandbox_test

import (
	"net"
	"os"
	"testing"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
	"github.com/miekg/dns"

	"github.com/mailcfg/mailcfg/sandbox"
)

func TestOtherDomainAndHost(t *testing.T) {
	sb := start(t, sandbox.Options{Domain: "Shop.Test.", Hostname: "smtp.relay.test"})
	if sb.Domain != "shop.test" || sb.Hostname != "smtp.relay.test" {
		t.Fatalf("Domain %q Hostname %q", sb.Domain, sb.Hostname)
	}
	if m := query(t, "udp", sb.DNSAddr, "shop.test", dns.TypeMX, 0, false); len(m.Answer) != 1 || m.Answer[0].(*dns.MX).Mx != "smtp.relay.test." {
		t.Errorf("MX %v", m.Answer)
	}
	// The host name outside the domain gets its own zone.
	if m := query(t, "tcp", sb.DNSAddr, "smtp.relay.test", dns.TypeA, 0, false); len(m.Answer) != 1 {
		t.Errorf("A of the host %v", m.Answer)
	}
	if m := query(t, "udp", sb.DNSAddr, "_dmarc.shop.test", dns.TypeTXT, 0, false); len(txt(m)) != 1 || txt(m)[0] != "v=DMARC1; p=reject; rua=mailto:dmarc@shop.test" {
		t.Errorf("DMARC %v", m.Answer)
	}
	c, err := smtp.DialStartTLS(sb.STARTTLSAddr, clientTLS(sb))
	if err != nil {
		t.Fatal(err)
	}
	if err := sendWith(t, c, sasl.NewPlainClient("", sb.User, sb.Password), testMessage("other", "o1")); err != nil {
		t.Fatal(err)
	}
	waitOne(t, sb, 1)
}

func TestIPv6Host(t *testing.T) {
	l, err := net.Listen("tcp", "[::1]:0")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("no IPv6 loopback in CI, where the IPv6 sandbox must be tested: %v", err)
		}
		t.Skipf("no IPv6 loopback on this machine: %v", err)
	}
	l.Close()
	sb := start(t, sandbox.Options{SMTPHost: "::1"})
	if host, _, _ := net.SplitHostPort(sb.STARTTLSAddr); host != "::1" {
		t.Errorf("STARTTLSAddr %s", sb.STARTTLSAddr)
	}
	if m := query(t, "udp", sb.DNSAddr, "mail.example.test", dns.TypeAAAA, 0, false); len(m.Answer) != 1 {
		t.Errorf("AAAA %v", m.Answer)
	}
	if m := query(t, "udp", sb.DNSAddr, "example.test", dns.TypeTXT, 0, false); len(txt(m)) != 1 || txt(m)[0] != "v=spf1 ip6:::1 -all" {
		t.Errorf("SPF %v", m.Answer)
	}
	rev, _ := dns.ReverseAddr("::1")
	if m := query(t, "udp", sb.DNSAddr, rev, dns.TypePTR, 0, false); len(m.Answer) != 1 {
		t.Errorf("PTR %v", m.Answer)
	}
	c, err := smtp.DialTLS(sb.ImplicitAddr, clientTLS(sb))
	if err != nil {
		t.Fatal(err)
	}
	if err := sendWith(t, c, sasl.NewPlainClient("", sb.User, sb.Password), testMessage("v6", "v6")); err != nil {
		t.Fatal(err)
	}
	waitOne(t, sb, 1)
}

func TestStartRejectsBadHost(t *testing.T) {
	if _, err := sandbox.Start(t.Context(), sandbox.Options{SMTPHost: "mail.example.test"}); err == nil {
		t.Fatal("Start accepted a host name as SMTPHost")
	}
}

func TestStartFailsCleanlyWhenDNSPortIsTaken(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	// goleak in TestMain checks that the half-started sandbox left nothing.
	if sb, err := sandbox.Start(t.Context(), sandbox.Options{DNSAddr: pc.LocalAddr().String()}); err == nil {
		sb.Close()
		t.Fatal("Start succeeded on a taken DNS port")
	}
}
