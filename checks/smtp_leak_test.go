package checks_test

import (
	"context"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/mailcfg/mailcfg/checks"
	"github.com/mailcfg/mailcfg/providers"
)

// TestSMTPLeavesNothingRunning: a finished, a cancelled and a failed check
// leave no goroutine behind.
func TestSMTPLeavesNothingRunning(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	func() {
		sb, r := startSandbox(t)
		defer sb.Close()
		checks.Handshake(context.Background(), sandboxOptions(t, sb, r, sb.STARTTLSAddr, providers.TLSStartTLS), nil)
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		sb.DNS.SetDelay(0)
		o := sandboxOptions(t, sb, r, sb.ImplicitAddr, providers.TLSStartTLS) // waits for a banner that never comes
		checks.Handshake(ctx, o, nil)
		checks.ProbePorts(context.Background(), sb.Hostname, []int{portOf(t, sb.ImplicitAddr)}, checks.HandshakeOptions{Resolver: r}, nil)
	}()
}
