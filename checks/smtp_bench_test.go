package checks_test

import (
	"context"
	"testing"

	"github.com/mailcfg/mailcfg/checks"
	"github.com/mailcfg/mailcfg/providers"
)

// BenchmarkHandshakeSandbox is a full check smtp (connect, banner, EHLO,
// STARTTLS, certificate verification, EHLO, AUTH PLAIN, QUIT) against the
// sandbox over loopback.
func BenchmarkHandshakeSandbox(b *testing.B) {
	sb, r := startSandbox(b)
	o := sandboxOptions(b, sb, r, sb.STARTTLSAddr, providers.TLSStartTLS)
	b.ReportAllocs()
	for b.Loop() {
		if rep := checks.Handshake(context.Background(), o, nil); !rep.OK {
			b.Fatalf("handshake failed: %+v", rep.Findings)
		}
	}
}
