package checks_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailcfg/mailcfg/checks"
	"github.com/mailcfg/mailcfg/sandbox"
)

// startDNS starts the sandbox's DNS server on loopback for one test.
func startDNS(t testing.TB) *sandbox.DNSServer {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s, err := sandbox.StartDNS(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// resolverFor is a DNSResolver asking s, with short tries so timeouts are
// quick.
func resolverFor(s *sandbox.DNSServer, timeout time.Duration) *checks.DNSResolver {
	return &checks.DNSResolver{Servers: []string{s.Addr()}, Timeout: timeout}
}

var (
	keysOnce sync.Once
	key2048  string
	key1024  string
	key512   string
	keyEd    string
)

// dkimKeys makes the public keys the zoo publishes, once per test binary.
func dkimKeys(t testing.TB) {
	keysOnce.Do(func() {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatal(err)
		}
		der, _ := x509.MarshalPKIXPublicKey(&k.PublicKey)
		key2048 = base64.StdEncoding.EncodeToString(der)
		k, err = rsa.GenerateKey(rand.Reader, 1024)
		if err != nil {
			t.Fatal(err)
		}
		der, _ = x509.MarshalPKIXPublicKey(&k.PublicKey)
		key1024 = base64.StdEncoding.EncodeToString(der)
		// Go refuses to generate a 512-bit key; a public key only needs a
		// 512-bit modulus.
		n, _ := rand.Prime(rand.Reader, 512)
		der, _ = x509.MarshalPKIXPublicKey(&rsa.PublicKey{N: n, E: 65537})
		key512 = base64.StdEncoding.EncodeToString(der)
		pub, _, _ := ed25519.GenerateKey(rand.Reader)
		keyEd = base64.StdEncoding.EncodeToString(pub)
	})
}

// txt renders a TXT record's value for a zone file, split into strings of
// at most 255 bytes.
func txt(v string) string {
	var parts []string
	for len(v) > 255 {
		parts = append(parts, v[:255])
		v = v[255:]
	}
	parts = append(parts, v)
	for i, p := range parts {
		parts[i] = strconv.Quote(p)
	}
	return strings.Join(parts, " ")
}

// stsServer is a loopback HTTPS server holding MTA-STS policies by host,
// with a certificate from its own CA for the hosts in certHosts.
type stsServer struct {
	addr  string
	port  int
	pool  *x509.CertPool
	mu    sync.Mutex
	pages map[string]stsPage
}

type stsPage struct {
	status      int
	contentType string
	body        string
	// wait, when set, holds the answer until it is closed (or 5 s pass;
	// then released reports false).
	wait     chan struct{}
	released chan bool
}

func startSTS(t testing.TB, certHosts []string) *stsServer {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ca := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "zoo CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, _ := x509.ParseCertificate(caDER)
	leafKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	leaf := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: certHosts[0]}, DNSNames: certHosts,
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, leaf, caCert, &leafKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	s := &stsServer{pool: x509.NewCertPool(), pages: map[string]stsPage{}}
	s.pool.AddCert(caCert)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.addr = ln.Addr().String()
	s.port = ln.Addr().(*net.TCPAddr).Port
	srv := &http.Server{
		Handler: http.HandlerFunc(s.serve),
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{{
			Certificate: [][]byte{leafDER}, PrivateKey: leafKey,
		}}},
		ReadHeaderTimeout: 5 * time.Second,
		ErrorLog:          log.New(io.Discard, "", 0),
	}
	go func() { _ = srv.ServeTLS(ln, "", "") }()
	t.Cleanup(func() { _ = srv.Close() })
	return s
}

func (s *stsServer) set(host string, p stsPage) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pages[host] = p
}

func (s *stsServer) serve(w http.ResponseWriter, r *http.Request) {
	host, _, err := net.SplitHostPort(r.Host)
	if err != nil {
		host = r.Host
	}
	s.mu.Lock()
	p, ok := s.pages[strings.ToLower(host)]
	s.mu.Unlock()
	if !ok || r.URL.Path != "/.well-known/mta-sts.txt" {
		http.NotFound(w, r)
		return
	}
	if p.wait != nil {
		select {
		case <-p.wait:
			p.released <- true
		case <-time.After(5 * time.Second):
			p.released <- false
		}
	}
	ct := p.contentType
	if ct == "" {
		ct = "text/plain"
	}
	w.Header().Set("Content-Type", ct)
	if p.status != 0 {
		w.WriteHeader(p.status)
	}
	_, _ = w.Write([]byte(p.body))
}

// client returns the MTA-STS client of the zoo: names resolved through r,
// connections to the server's port, its CA trusted.
func (s *stsServer) client(r checks.Resolver) *http.Client {
	return checks.NewMTASTSClient(r, s.pool, s.port, 3*time.Second)
}

// find returns the findings with id.
func find(fs []checks.Finding, id string) []checks.Finding {
	var out []checks.Finding
	for _, f := range fs {
		if f.ID == id {
			out = append(out, f)
		}
	}
	return out
}
