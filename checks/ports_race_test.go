package checks_test

import (
	"bufio"
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/mailcfg/mailcfg/checks"
	"github.com/mailcfg/mailcfg/providers"
)

// BenchmarkProbePort measures one port probe against the sandbox for each
// TLS mode: an implicit-TLS port is told by its TLS handshake, raced
// against the plaintext greeting, so it costs about as much as the others.
func BenchmarkProbePort(b *testing.B) {
	sb, r := startSandbox(b)
	for _, c := range []struct {
		name string
		addr string
		mode providers.TLSMode
	}{{"implicit", sb.ImplicitAddr, providers.TLSImplicit}, {"starttls", sb.STARTTLSAddr, providers.TLSStartTLS}, {"plain", sb.PlainAddr, providers.TLSNone}} {
		port := portOf(b, c.addr)
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				res := checks.ProbePorts(context.Background(), sb.Hostname, []int{port}, checks.HandshakeOptions{Resolver: r}, nil)
				if res[0].State != checks.PortOpen || res[0].TLS != c.mode {
					b.Fatalf("%+v", res[0])
				}
			}
		})
	}
}

// TestProbePortSlowGreeterIsPlaintext: a plaintext server that greets late
// (as greylisting front-ends do) is still told as plaintext with STARTTLS:
// the TLS probe racing it fails on the greeting, it does not win by
// default, and nothing is left running.
func TestProbePortSlowGreeterIsPlaintext(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	port, stop := serveEach(t, func(c net.Conn, _ <-chan struct{}) {
		time.Sleep(300 * time.Millisecond)
		_, _ = c.Write([]byte("220 slow.example ESMTP\r\n"))
		br := bufio.NewReader(c)
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				return
			}
			switch strings.ToUpper(strings.Fields(line + " x")[0]) {
			case "EHLO":
				_, _ = c.Write([]byte("250-slow.example\r\n250 STARTTLS\r\n"))
			case "QUIT":
				_, _ = c.Write([]byte("221 bye\r\n"))
				return
			default:
				_, _ = c.Write([]byte("500 what\r\n"))
			}
		}
	})
	defer stop()
	res := checks.ProbePorts(context.Background(), "127.0.0.1", []int{port}, checks.HandshakeOptions{Timeout: 3 * time.Second}, nil)
	if r := res[0]; r.State != checks.PortOpen || r.TLS != providers.TLSStartTLS || r.Banner != "220 slow.example ESMTP" {
		t.Errorf("slow greeter: %+v", r)
	}
}

// TestProbePortCancelledMidRace: cancelling while the greeting and the TLS
// probe race ends both.
func TestProbePortCancelledMidRace(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	// Says nothing to either connection until the test ends, and tells the
	// test of each connection it takes.
	accepted := make(chan struct{}, 4)
	port, stop := serveEach(t, func(_ net.Conn, done <-chan struct{}) {
		select {
		case accepted <- struct{}{}:
		default:
		}
		<-done
	})
	defer stop()
	// Cancel once both the greeting wait and the TLS probe are connected:
	// the race is then under way, however slow the machine. The timeout
	// only bounds a test that would otherwise hang.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	go func() {
		for range 2 {
			select {
			case <-accepted:
			case <-ctx.Done():
				return
			}
		}
		cancel()
	}()
	began := time.Now()
	res := checks.ProbePorts(ctx, "127.0.0.1", []int{port}, checks.HandshakeOptions{Timeout: 3 * time.Second}, nil)
	// Not a speed check: ignoring the cancel would wait out the 30 s banner
	// timeout, so 10 s only tells "ended on cancel" from "hung".
	if d := time.Since(began); d > 10*time.Second {
		t.Errorf("the cancelled probe returned after %s", d.Round(time.Millisecond))
	}
	if !errors.Is(ctx.Err(), context.Canceled) {
		t.Fatalf("the probe ended (%v) before both connections were made: %+v", ctx.Err(), res[0])
	}
	if res[0].State != checks.PortOpen || res[0].TLS != "" {
		t.Errorf("silent port, cancelled: %+v", res[0])
	}
}

// serveEach listens on loopback and runs handle for each connection (done
// closes when stop is called); stop closes the listener and waits for every
// handler.
func serveEach(t *testing.T, handle func(c net.Conn, done <-chan struct{})) (port int, stop func()) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(5 * time.Second))
				handle(c, done)
			}()
		}
	}()
	return ln.Addr().(*net.TCPAddr).Port, func() {
		close(done)
		ln.Close()
		wg.Wait()
	}
}
