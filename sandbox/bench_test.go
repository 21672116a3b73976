package sandbox_test

import (
	"context"
	"testing"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
	"github.com/miekg/dns"

	"github.com/mailcfg/mailcfg/sandbox"
)

// BenchmarkStartClose measures bringing a whole sandbox up and down (an
// RSA-2048 key generation dominates).
func BenchmarkStartClose(b *testing.B) {
	for b.Loop() {
		sb, err := sandbox.Start(context.Background(), sandbox.Options{})
		if err != nil {
			b.Fatal(err)
		}
		sb.Close()
	}
}

// BenchmarkSTARTTLSSendCapture measures one authenticated STARTTLS
// submission, from dial to the message captured with its DKIM check.
func BenchmarkSTARTTLSSendCapture(b *testing.B) {
	sb := start(b, sandbox.Options{})
	msg := testMessage("bench", "b1")
	n := 0
	for b.Loop() {
		c, err := smtp.DialStartTLS(sb.STARTTLSAddr, clientTLS(sb))
		if err != nil {
			b.Fatal(err)
		}
		if err := sendWith(b, c, sasl.NewPlainClient("", sb.User, sb.Password), msg); err != nil {
			b.Fatal(err)
		}
		n++
		waitOne(b, sb, n)
	}
}

// BenchmarkDNSQueryUDP measures one TXT query answered over UDP.
func BenchmarkDNSQueryUDP(b *testing.B) {
	sb := start(b, sandbox.Options{})
	c := &dns.Client{Net: "udp"}
	q := new(dns.Msg)
	q.SetQuestion(sb.DKIMSelector+"._domainkey.example.test.", dns.TypeTXT)
	q.SetEdns0(1232, false)
	for b.Loop() {
		if _, _, err := c.Exchange(q, sb.DNSAddr); err != nil {
			b.Fatal(err)
		}
	}
}
