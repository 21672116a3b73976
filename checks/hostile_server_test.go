package checks_test

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"math/big"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// hostile is a loopback server for one test: each accepted connection runs
// handle; Close (registered with t.Cleanup) closes the listener and every
// connection and waits for the handlers.
type hostile struct {
	ln    net.Listener
	wg    sync.WaitGroup
	mu    sync.Mutex
	conns []net.Conn
	port  int
	// got collects the lines the client sent (for the mini server).
	got []string
}

func startHostile(t testing.TB, handle func(c net.Conn, h *hostile)) *hostile {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h := &hostile{ln: ln, port: ln.Addr().(*net.TCPAddr).Port}
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			h.mu.Lock()
			h.conns = append(h.conns, c)
			h.mu.Unlock()
			h.wg.Add(1)
			go func() {
				defer h.wg.Done()
				defer c.Close()
				handle(c, h)
			}()
		}
	}()
	t.Cleanup(h.Close)
	return h
}

func (h *hostile) Close() {
	h.ln.Close()
	h.mu.Lock()
	for _, c := range h.conns {
		c.Close()
	}
	h.mu.Unlock()
	h.wg.Wait()
}

func (h *hostile) record(l string) {
	h.mu.Lock()
	h.got = append(h.got, l)
	h.mu.Unlock()
}

func (h *hostile) lines() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.got...)
}

// testCert makes a self-signed certificate for 127.0.0.1 and
// mail.hostile.test, valid for days from now (negative: expired), and the
// pool that trusts it.
func testCert(t testing.TB, days int) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(now.UnixNano()),
		Subject:      pkix.Name{CommonName: "mail.hostile.test"},
		NotBefore:    now.Add(-48 * time.Hour), NotAfter: now.Add(time.Duration(days) * 24 * time.Hour),
		DNSNames:    []string{"mail.hostile.test"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:        true, BasicConstraintsValid: true,
	}
	if days < 0 {
		tmpl.NotBefore = now.Add(time.Duration(days-30) * 24 * time.Hour)
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}

// mini is a small scripted SMTP server: enough of RFC 5321 for a handshake,
// AUTH PLAIN/LOGIN/CRAM-MD5/XOAUTH2 (any credentials accepted unless
// rejectAuth), and a send.
type mini struct {
	banner      string   // default "220 mini.test ESMTP"
	ext         []string // EHLO extensions
	extTLS      []string // extensions after TLS (ext when nil)
	cert        *tls.Certificate
	starttls    string // reply to STARTTLS; default 220
	implicit    bool
	rejectAuth  string // e.g. "535 5.7.8 bad credentials"
	closeAfter  string // close the connection after replying to this command
	ehloReply   string // replaces the EHLO reply (e.g. "502 no")
	finalReply  string // reply to the end of DATA
	mailReply   string // reply to MAIL FROM
	rcptReply   string // reply to RCPT TO
	afterTLSExt bool
}

func (m *mini) serve(c net.Conn, h *hostile) {
	if m.implicit {
		tc := tls.Server(c, &tls.Config{Certificates: []tls.Certificate{*m.cert}})
		if tc.Handshake() != nil {
			return
		}
		c = tc
	}
	rd := bufio.NewReader(c)
	w := func(s string) { c.Write([]byte(s + "\r\n")) }
	if m.banner == "" {
		w("220 mini.test ESMTP")
	} else {
		w(m.banner)
	}
	inTLS := m.implicit
	for {
		_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
		line, err := rd.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		h.record(line)
		verb := strings.ToUpper(strings.SplitN(line, " ", 2)[0])
		switch verb {
		case "EHLO":
			if m.ehloReply != "" {
				w(m.ehloReply)
				break
			}
			ext := m.ext
			if inTLS && m.extTLS != nil {
				ext = m.extTLS
			}
			if len(ext) == 0 {
				w("250 mini.test")
			} else {
				w("250-mini.test")
				for i, e := range ext {
					if i == len(ext)-1 {
						w("250 " + e)
					} else {
						w("250-" + e)
					}
				}
			}
		case "HELO":
			w("250 mini.test")
		case "STARTTLS":
			if m.starttls != "" {
				w(m.starttls)
				break
			}
			w("220 2.0.0 go ahead")
			tc := tls.Server(c, &tls.Config{Certificates: []tls.Certificate{*m.cert}})
			if tc.Handshake() != nil {
				return
			}
			c, rd, inTLS = tc, bufio.NewReader(tc), true
			w = func(s string) { c.Write([]byte(s + "\r\n")) }
		case "AUTH":
			f := strings.Fields(line)
			switch strings.ToUpper(f[1]) {
			case "LOGIN":
				w("334 VXNlcm5hbWU6")
				l, _ := rd.ReadString('\n')
				h.record(strings.TrimSpace(l))
				w("334 UGFzc3dvcmQ6")
				l, _ = rd.ReadString('\n')
				h.record(strings.TrimSpace(l))
			case "CRAM-MD5":
				w("334 " + base64.StdEncoding.EncodeToString([]byte("<1896.697170952@mini.test>")))
				l, _ := rd.ReadString('\n')
				h.record(strings.TrimSpace(l))
			}
			if m.rejectAuth != "" {
				w(m.rejectAuth)
			} else {
				w("235 2.7.0 Authentication successful")
			}
		case "MAIL", "RCPT":
			switch {
			case verb == "MAIL" && m.mailReply != "":
				w(m.mailReply)
			case verb == "RCPT" && m.rcptReply != "":
				w(m.rcptReply)
			default:
				w("250 2.1.0 Ok")
			}
		case "DATA":
			w("354 End data with <CR><LF>.<CR><LF>")
			for {
				l, err := rd.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
			}
			if m.finalReply != "" {
				w(m.finalReply)
			} else {
				w("250 2.0.0 Ok: queued as 4BxQ7Z1abc")
			}
		case "QUIT":
			w("221 2.0.0 Bye")
			return
		default:
			w("502 5.5.2 Error: command not recognized")
		}
		if m.closeAfter != "" && verb == m.closeAfter {
			return
		}
	}
}
