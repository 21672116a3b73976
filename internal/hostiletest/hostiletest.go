// Package hostiletest holds the hostile peers that tests of every front-end
// share: a certificate whose names carry terminal escape sequences, and a
// minimal STARTTLS SMTP server that presents it. Only tests import it.
package hostiletest

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// CommonName is the escape-laden common name of Cert: CSI clear-screen, an
// OSC title change ended by BEL, and an 8-bit CSI (C1).
const CommonName = "mail\x1b[2J\x1b]0;pwned\x07.evil\u009b31m"

// Cert returns a self-signed certificate whose subject, issuer and names
// carry terminal escapes.
func Cert(t testing.TB) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	name := pkix.Name{CommonName: CommonName, Organization: []string{"evil\r\x1b[31m"}}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(7), Subject: name, Issuer: name,
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		DNSNames:    []string{"x\x1b[5m.evil.test"},
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// StartSMTP serves a minimal STARTTLS SMTP server on loopback that presents
// cert, and returns its port. It stops, with every connection, when the test
// ends.
func StartSMTP(t testing.TB, cert tls.Certificate) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				Serve(c, cert)
			}()
		}
	}()
	return ln.Addr().(*net.TCPAddr).Port
}

// Serve speaks the minimal STARTTLS dialogue on c: banner, EHLO offering
// STARTTLS, the TLS upgrade with cert, QUIT. It closes c when done.
func Serve(c net.Conn, cert tls.Certificate) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	rd := bufio.NewReader(c)
	w := func(s string) { _, _ = c.Write([]byte(s + "\r\n")) }
	w("220 evil.test ESMTP")
	for {
		line, err := rd.ReadString('\n')
		if err != nil {
			return
		}
		switch strings.ToUpper(strings.Fields(line + " x")[0]) {
		case "EHLO":
			w("250-evil.test")
			w("250 STARTTLS")
		case "STARTTLS":
			w("220 go ahead")
			tc := tls.Server(c, &tls.Config{Certificates: []tls.Certificate{cert}})
			if tc.Handshake() != nil {
				return
			}
			c, rd = tc, bufio.NewReader(tc)
		case "QUIT":
			w("221 bye")
			return
		default:
			w("502 no")
		}
	}
}

// DialFunc adapts a function to the dialer interface of checks options.
type DialFunc func(ctx context.Context, network, addr string) (net.Conn, error)

// DialContext calls f.
func (f DialFunc) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	return f(ctx, network, addr)
}

// SilentUDP listens on a loopback UDP port, reads every datagram and never
// answers: a DNS resolver that drops every query. It closes when the test
// ends and returns its address.
func SilentUDP(t testing.TB) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 1500)
		for {
			if _, _, err := pc.ReadFrom(buf); err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() { pc.Close(); <-done })
	return pc.LocalAddr().String()
}
