package checks_test

import (
	"bufio"
	"context"
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
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var wg sync.WaitGroup
	defer wg.Wait()
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
				time.Sleep(300 * time.Millisecond)
				_, _ = c.Write([]byte("220 slow.example ESMTP\r\n"))
				br := bufio.NewReader(c)
				for {
					line, err := br.ReadString('\n')
					if err != nil {
						return
					}
					switch {
					case strings.HasPrefix(strings.ToUpper(line), "EHLO"):
						_, _ = c.Write([]byte("250-slow.example\r\n250 STARTTLS\r\n"))
					case strings.HasPrefix(strings.ToUpper(line), "QUIT"):
						_, _ = c.Write([]byte("221 bye\r\n"))
						return
					default:
						_, _ = c.Write([]byte("500 what\r\n"))
					}
				}
			}()
		}
	}()
	port := ln.Addr().(*net.TCPAddr).Port
	res := checks.ProbePorts(context.Background(), "127.0.0.1", []int{port}, checks.HandshakeOptions{Timeout: 3 * time.Second}, nil)
	if r := res[0]; r.State != checks.PortOpen || r.TLS != providers.TLSStartTLS || r.Banner != "220 slow.example ESMTP" {
		t.Errorf("slow greeter: %+v", r)
	}
	ln.Close()
}

// TestProbePortCancelledMidRace: cancelling while the greeting and the TLS
// probe race ends both.
func TestProbePortCancelledMidRace(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var wg sync.WaitGroup
	defer wg.Wait()
	wg.Add(1)
	go func() { // accepts and says nothing, to either connection
		defer wg.Done()
		var conns []net.Conn
		defer func() {
			for _, c := range conns {
				c.Close()
			}
		}()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c)
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	port := ln.Addr().(*net.TCPAddr).Port
	res := checks.ProbePorts(ctx, "127.0.0.1", []int{port}, checks.HandshakeOptions{Timeout: 3 * time.Second}, nil)
	if res[0].State != checks.PortOpen || res[0].TLS != "" {
		t.Errorf("silent port, cancelled: %+v", res[0])
	}
	ln.Close()
}
