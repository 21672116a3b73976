package sandbox

import (
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// Options configure Start. The zero value runs the usual sandbox: the zone
// example.test, the SMTP host mail.example.test on 127.0.0.1 and DNS on a
// free loopback port.
type Options struct {
	// Domain is the sandbox's mail domain and DNS zone ("example.test").
	Domain string
	// Hostname is the SMTP server's name, in its certificate, banner and
	// MX record ("mail." + Domain).
	Hostname string
	// SMTPHost is the IP address the SMTP and HTTPS servers listen on and
	// the DNS records point at ("127.0.0.1").
	SMTPHost string
	// DNSAddr is where the DNS server listens ("127.0.0.1:0").
	DNSAddr string
	// Authenticate, when set, computes the Authentication-Results value of
	// each captured message (e.g. "spf=pass dkim=pass dmarc=pass"), which
	// goes to Message.AuthResults. It runs before the server's final reply
	// with a context that ends after 10 s or when the sandbox closes.
	Authenticate func(ctx context.Context, m *Message) string
}

// Sandbox is a running sandbox: SMTP, DNS and HTTPS servers that agree with
// each other. Its fields are read-only; its methods are safe for
// concurrent use.
type Sandbox struct {
	Domain       string // the mail domain, "example.test"
	Hostname     string // the SMTP host name, "mail.example.test"
	STARTTLSAddr string // host:port of the STARTTLS listener (AUTH required)
	ImplicitAddr string // host:port of the implicit-TLS listener (AUTH required)
	PlainAddr    string // host:port of the plain listener (no TLS, no AUTH)
	DNSAddr      string // host:port of the DNS server, UDP and TCP
	HTTPSAddr    string // host:port of the MTA-STS policy server
	CAPEM        []byte // the PEM of the CA that issued every certificate
	CAFile       string // CAPEM written to a file (0600) removed by Close
	User         string // the throwaway AUTH user
	Password     string // the throwaway AUTH password

	DKIMSelector        string        // selector of the RSA-2048 key
	DKIMEd25519Selector string        // selector of the Ed25519 key
	DKIMKey             crypto.Signer // the RSA-2048 private key
	DKIMEd25519Key      crypto.Signer // the Ed25519 private key
	DNS                 *DNSServer    // the DNS server, to add or break zones

	opts      Options
	smtpIP    net.IP
	stsID     string
	pki       *pki
	tlsConfig *tls.Config
	tmpDir    string
	ctx       context.Context
	cancel    context.CancelFunc
	listeners []net.Listener
	smtp      map[listenerKind]*smtpServer
	smtpNoTLS *smtpServer
	https     *http.Server
	wg        sync.WaitGroup // accept loops and connection preparation
	serving   sync.WaitGroup // go-smtp and HTTPS Serve calls
	closeOnce sync.Once
	closeErr  error

	faultMu sync.Mutex
	faults  Faults

	connMu sync.Mutex
	conns  map[*trackedConn]struct{}

	msgMu    sync.Mutex
	msgs     []Message
	msgAdded chan struct{} // closed and replaced when a message arrives
	subs     map[int]chan Message
	nextSub  int
}

// Start brings the sandbox up: DNS, the three SMTP listeners and HTTPS, all
// serving when it returns. ctx bounds the start only; Close stops the
// sandbox. On error nothing is left running.
func Start(ctx context.Context, opts Options) (_ *Sandbox, err error) {
	if opts.Domain == "" {
		opts.Domain = "example.test"
	}
	opts.Domain = strings.TrimSuffix(strings.ToLower(opts.Domain), ".")
	if opts.Hostname == "" {
		opts.Hostname = "mail." + opts.Domain
	}
	opts.Hostname = strings.TrimSuffix(strings.ToLower(opts.Hostname), ".")
	if opts.SMTPHost == "" {
		opts.SMTPHost = "127.0.0.1"
	}
	ip := net.ParseIP(opts.SMTPHost)
	if ip == nil {
		return nil, fmt.Errorf("sandbox: SMTP host %q is not an IP address", opts.SMTPHost)
	}
	recordIP := ip
	if ip.IsUnspecified() {
		recordIP = net.IPv4(127, 0, 0, 1)
	}
	sb := &Sandbox{
		Domain:              opts.Domain,
		Hostname:            opts.Hostname,
		DKIMSelector:        rsaSelector,
		DKIMEd25519Selector: ed25519Selector,
		opts:                opts,
		smtpIP:              recordIP,
		conns:               map[*trackedConn]struct{}{},
		msgAdded:            make(chan struct{}),
		subs:                map[int]chan Message{},
		smtp:                map[listenerKind]*smtpServer{},
	}
	sb.ctx, sb.cancel = context.WithCancel(context.Background())
	defer func() {
		if err != nil {
			sb.Close()
		}
	}()
	if err := sb.makeSecrets(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("sandbox: start: %w", err)
	}
	if sb.DNS, err = StartDNS(ctx, opts.DNSAddr); err != nil {
		return nil, err
	}
	sb.DNSAddr = sb.DNS.Addr()
	if err := sb.serveZones(); err != nil {
		return nil, err
	}
	if err := sb.startSMTP(ip); err != nil {
		return nil, err
	}
	if err := sb.startHTTPS(ip); err != nil {
		return nil, err
	}
	return sb, nil
}

// makeSecrets generates the CA and certificate, the CA file, the throwaway
// credentials and the DKIM keys.
func (sb *Sandbox) makeSecrets() error {
	names := []string{sb.Hostname, "mta-sts." + sb.Domain, "localhost"}
	ips := []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}
	if !sb.smtpIP.IsLoopback() {
		ips = append(ips, sb.smtpIP)
	}
	p, err := newPKI(names, ips)
	if err != nil {
		return err
	}
	sb.pki, sb.CAPEM, sb.tlsConfig = p, p.caPEM, p.tlsConfig()
	if sb.tmpDir, err = os.MkdirTemp("", "mailcfg-sandbox-"); err != nil {
		return fmt.Errorf("sandbox: temp dir: %w", err)
	}
	sb.CAFile = filepath.Join(sb.tmpDir, "ca.pem")
	if err := writeNew(sb.CAFile, sb.CAPEM); err != nil {
		return err
	}
	sb.User = "sandbox-" + randomHex(3)
	sb.Password = randomHex(12)
	sb.stsID = "sb" + time.Now().UTC().Format("20060102T150405")
	if sb.DKIMKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
		return fmt.Errorf("sandbox: dkim rsa key: %w", err)
	}
	_, edKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return fmt.Errorf("sandbox: dkim ed25519 key: %w", err)
	}
	sb.DKIMEd25519Key = edKey
	return nil
}

// writeNew writes data to a new file of mode 0600; it never overwrites.
func writeNew(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("sandbox: %w", err)
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("sandbox: write %s: %w", path, err)
	}
	return nil
}

// randomHex returns n random bytes in hex.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// listen opens a TCP listener on ip and a free port.
func (sb *Sandbox) listen(ip net.IP) (net.Listener, error) {
	l, err := net.Listen("tcp", net.JoinHostPort(ip.String(), "0"))
	if err != nil {
		return nil, fmt.Errorf("sandbox: listen: %w", err)
	}
	sb.listeners = append(sb.listeners, l)
	return l, nil
}

// startSMTP opens the three SMTP listeners and starts their servers.
func (sb *Sandbox) startSMTP(ip net.IP) error {
	addrs := map[listenerKind]*string{
		kindSTARTTLS: &sb.STARTTLSAddr, kindImplicit: &sb.ImplicitAddr, kindPlain: &sb.PlainAddr,
	}
	for _, kind := range []listenerKind{kindSTARTTLS, kindImplicit, kindPlain} {
		l, err := sb.listen(ip)
		if err != nil {
			return err
		}
		*addrs[kind] = l.Addr().String()
		sb.smtp[kind] = sb.newSMTPServer(l.Addr(), kind != kindPlain, kind != kindPlain)
		if kind == kindSTARTTLS {
			sb.smtpNoTLS = sb.newSMTPServer(l.Addr(), false, true)
		}
	}
	for _, s := range sb.allSMTP() {
		sb.serving.Add(1)
		go func() {
			defer sb.serving.Done()
			_ = s.srv.Serve(s.l)
		}()
	}
	for i, kind := range []listenerKind{kindSTARTTLS, kindImplicit, kindPlain} {
		sb.wg.Add(1)
		go sb.acceptLoop(sb.listeners[i], kind)
	}
	return nil
}

// allSMTP returns the go-smtp servers.
func (sb *Sandbox) allSMTP() []*smtpServer {
	var out []*smtpServer
	for _, kind := range []listenerKind{kindSTARTTLS, kindImplicit, kindPlain} {
		if s := sb.smtp[kind]; s != nil {
			out = append(out, s)
		}
	}
	if sb.smtpNoTLS != nil {
		out = append(out, sb.smtpNoTLS)
	}
	return out
}

// startHTTPS starts the MTA-STS policy server.
func (sb *Sandbox) startHTTPS(ip net.IP) error {
	l, err := sb.listen(ip)
	if err != nil {
		return err
	}
	sb.HTTPSAddr = l.Addr().String()
	sb.https = sb.newHTTPSServer()
	sb.serving.Add(1)
	go func() {
		defer sb.serving.Done()
		_ = sb.https.ServeTLS(l, "", "")
	}()
	return nil
}

// CertPool returns a pool holding the sandbox's CA, for clients' RootCAs.
func (sb *Sandbox) CertPool() *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(sb.CAPEM)
	return pool
}

// SetFaults switches the SMTP server's faults; connections already past a
// step are not affected by a change to it.
func (sb *Sandbox) SetFaults(f Faults) {
	sb.faultMu.Lock()
	defer sb.faultMu.Unlock()
	sb.faults = f
}

// Faults returns the faults in force.
func (sb *Sandbox) Faults() Faults {
	sb.faultMu.Lock()
	defer sb.faultMu.Unlock()
	return sb.faults
}

// Close stops every server, closes every connection and subscription,
// removes the CA file and returns when no goroutine of the sandbox is left.
// It is safe to call more than once.
func (sb *Sandbox) Close() error {
	sb.closeOnce.Do(func() {
		sb.cancel()
		var errs []error
		for _, l := range sb.listeners {
			if err := l.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
				errs = append(errs, err)
			}
		}
		sb.closeConns()
		sb.wg.Wait()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		for _, s := range sb.allSMTP() {
			if err := s.srv.Shutdown(ctx); err != nil {
				errs = append(errs, fmt.Errorf("sandbox: smtp shutdown: %w", err))
			}
			s.l.Close()
		}
		if sb.https != nil {
			// Its listener is closed already: that error is expected.
			if err := sb.https.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
				errs = append(errs, err)
			}
		}
		sb.serving.Wait()
		if sb.DNS != nil {
			errs = append(errs, sb.DNS.Close())
		}
		sb.endSubscriptions()
		if sb.tmpDir != "" {
			errs = append(errs, os.RemoveAll(sb.tmpDir))
		}
		sb.closeErr = errors.Join(errs...)
	})
	return sb.closeErr
}
