package sandbox_test

import (
	"context"
	"crypto/x509"
	"errors"
	"net"
	"os"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
	"go.uber.org/goleak"

	"github.com/mailcfg/mailcfg/sandbox"
)

func TestTwoSandboxesSideBySideLeaveNothing(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	ctx := context.Background()
	var sbs []*sandbox.Sandbox
	for range 2 {
		sb, err := sandbox.Start(ctx, sandbox.Options{})
		if err != nil {
			t.Fatal(err)
		}
		sbs = append(sbs, sb)
	}
	a, b := sbs[0], sbs[1]
	if a.STARTTLSAddr == b.STARTTLSAddr || a.DNSAddr == b.DNSAddr || a.CAFile == b.CAFile || a.Password == b.Password {
		t.Fatalf("sandboxes share an address, file or password")
	}
	for i, sb := range sbs {
		c, err := smtp.DialStartTLS(sb.STARTTLSAddr, clientTLS(sb))
		if err != nil {
			t.Fatal(err)
		}
		if err := sendWith(t, c, sasl.NewPlainClient("", sb.User, sb.Password), testMessage("to "+string(rune('a'+i)), "two")); err != nil {
			t.Fatal(err)
		}
	}
	// Each captured only its own message, and each trusts only its CA.
	if ma, mb := waitOne(t, a, 1), waitOne(t, b, 1); ma.Subject != "to a" || mb.Subject != "to b" ||
		len(a.Messages()) != 1 || len(b.Messages()) != 1 {
		t.Errorf("captured %q and %q", ma.Subject, mb.Subject)
	}
	// go-smtp shakes hands at the first command after STARTTLS.
	if c, err := smtp.DialStartTLS(a.STARTTLSAddr, clientTLS(b)); err != nil {
		t.Fatal(err)
	} else {
		var uerr x509.UnknownAuthorityError
		if err := c.Noop(); !errors.As(err, &uerr) {
			t.Errorf("sandbox a's certificate against sandbox b's CA: err = %v", err)
		}
		c.Close()
	}
	// Open connections, a subscription and a waiter must not keep anything
	// alive after Close.
	idle, err := net.Dial("tcp", a.PlainAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	a.SetFaults(sandbox.Faults{SlowBanner: time.Hour})
	slow, err := net.Dial("tcp", a.STARTTLSAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	a.DNS.SetDelay(time.Hour)
	before := a.DNS.Queries()
	queryDone := make(chan struct{})
	go func() {
		defer close(queryDone)
		_, _ = tryQuery("udp", a.DNSAddr, "example.test", 1, 0, false, time.Second)
	}()
	for deadline := time.Now().Add(5 * time.Second); a.DNS.Queries() == before; { // held by the delay
		if time.Now().After(deadline) {
			t.Fatal("the DNS query never arrived")
		}
		time.Sleep(5 * time.Millisecond)
	}
	ch, _ := a.Subscribe()
	waitErr := make(chan error, 1)
	go func() {
		_, err := a.WaitMessage(context.Background(), 5)
		waitErr <- err
	}()
	for _, sb := range sbs {
		if err := sb.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		if _, err := os.Stat(sb.CAFile); !os.IsNotExist(err) {
			t.Errorf("CA file %s left: %v", sb.CAFile, err)
		}
	}
	if _, open := <-ch; open {
		t.Error("subscription still open after Close")
	}
	if err := <-waitErr; err == nil {
		t.Error("WaitMessage returned no error after Close")
	}
	for _, addr := range []string{a.STARTTLSAddr, a.ImplicitAddr, a.PlainAddr, a.HTTPSAddr, a.DNSAddr, b.STARTTLSAddr, b.DNSAddr} {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			t.Errorf("%s still listening", addr)
		}
	}
	<-queryDone // the client's own timeout ends it
}
