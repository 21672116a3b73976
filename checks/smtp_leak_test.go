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
		// Each run must really be the kind it stands for, or the leak check
		// would prove nothing.
		if rep := checks.Handshake(context.Background(), sandboxOptions(t, sb, r, sb.STARTTLSAddr, providers.TLSStartTLS), nil); !rep.OK {
			t.Errorf("the finished check did not pass: %+v", rep.Findings)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		sb.DNS.SetDelay(0)
		o := sandboxOptions(t, sb, r, sb.ImplicitAddr, providers.TLSStartTLS) // waits for a banner that never comes
		if rep := checks.Handshake(ctx, o, nil); rep.OK || ctx.Err() == nil {
			t.Errorf("the cancelled check: OK %v, ctx %v", rep.OK, ctx.Err())
		}
		res := checks.ProbePorts(context.Background(), sb.Hostname, []int{portOf(t, sb.ImplicitAddr)}, checks.HandshakeOptions{Resolver: r}, nil)
		if res[0].State != checks.PortOpen || res[0].TLS != providers.TLSImplicit {
			t.Errorf("probe of the implicit-TLS port: %+v", res[0])
		}
	}()
}
