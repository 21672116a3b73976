package wizard

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/mailcfg/mailcfg/checks"
	"github.com/mailcfg/mailcfg/providers"
	"github.com/mailcfg/mailcfg/sandbox"
)

// DemoSender is the sender the demo uses at the sandbox's domain.
const DemoSender = "demo"

// sandboxDialer sends the sandbox profile's ports to the sandbox's loopback
// listeners, whatever address was asked for: 587 (STARTTLS), 465 (implicit
// TLS), 25 (plain) and 443 (the MTA-STS policy over HTTPS). Other ports are
// refused, as a closed port would be.
type sandboxDialer struct {
	byPort map[int]string
	d      net.Dialer
}

func (s *sandboxDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	n, _ := strconv.Atoi(port)
	to, ok := s.byPort[n]
	if !ok {
		return nil, &net.OpError{Op: "dial", Net: network, Err: fmt.Errorf("connection refused: the sandbox has no port %d", n)}
	}
	return s.d.DialContext(ctx, network, to)
}

// SandboxEnv returns the environment that points the flow at a running
// sandbox: its DNS server as the resolver, its CA as the only trusted root,
// the profile's ports mapped to its listeners, and its RSA DKIM key to sign
// the test message with.
func SandboxEnv(sb *sandbox.Sandbox, cat *providers.Catalog, timeout time.Duration) Env {
	byPort := map[int]string{443: sb.HTTPSAddr}
	if p, ok := cat.Get(SandboxID); ok {
		for _, port := range p.Ports {
			switch port.TLS {
			case providers.TLSStartTLS:
				byPort[port.Number] = sb.STARTTLSAddr
			case providers.TLSImplicit:
				byPort[port.Number] = sb.ImplicitAddr
			default:
				byPort[port.Number] = sb.PlainAddr
			}
		}
	}
	dialer := &sandboxDialer{byPort: byPort, d: net.Dialer{Timeout: 5 * time.Second}}
	pool := sb.CertPool()
	res := checks.NewResolver(sb.DNSAddr, 2*time.Second)
	client := &http.Client{
		Timeout: 10 * time.Second,
		Transport: &http.Transport{
			DialContext:     dialer.DialContext,
			TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12},
		},
	}
	_, dnsPort, _ := net.SplitHostPort(sb.DNSAddr)
	authPort, _ := strconv.Atoi(dnsPort)
	return Env{
		AuthoritativePort: authPort,
		Catalog:           cat, Resolver: res, Dialer: dialer, RootCAs: pool, Timeout: timeout,
		HTTPClient: client, DKIMKey: sb.DKIMKey, DKIMSelector: sb.DKIMSelector,
		Getenv:     func(string) string { return "" },
		NoKeychain: true,
	}
}

// NewDemoSession returns a session against the sandbox with every answer
// filled in (provider sandbox, its domain, demo@ its domain, the recommended
// port, its throwaway credentials) but none marked given: the wizard shows
// every step with the answers ready, and RunHeadless runs them all.
func NewDemoSession(sb *sandbox.Sandbox, env Env) (*Session, error) {
	s := NewSession(env)
	if err := s.SetProvider(SandboxID, "", ""); err != nil {
		return nil, err
	}
	if err := s.SetDomain(sb.Domain, DemoSender+"@"+sb.Domain, sb.DKIMSelector); err != nil {
		return nil, err
	}
	if err := s.SetCredentials(sb.User, checks.NewSecret(sb.Password), ""); err != nil {
		return nil, err
	}
	s.Restart()
	return s, nil
}

// StartSandbox starts the embedded sandbox for the demo, its captured
// messages authenticated as a receiver would (SPF, DKIM, DMARC through the
// sandbox's own DNS, see checks.AuthResults). Close it when done.
func StartSandbox(ctx context.Context) (*sandbox.Sandbox, error) {
	var res atomic.Pointer[checks.DNSResolver]
	sb, err := sandbox.Start(ctx, sandbox.Options{
		Authenticate: func(ctx context.Context, m *sandbox.Message) string {
			r := res.Load()
			if r == nil {
				return ""
			}
			host, _, err := net.SplitHostPort(m.RemoteAddr)
			if err != nil {
				host = m.RemoteAddr
			}
			return checks.AuthResults(ctx, r, net.ParseIP(host), m.Helo, m.From, m.Raw)
		},
	})
	if err != nil {
		return nil, err
	}
	res.Store(checks.NewResolver(sb.DNSAddr, 2*time.Second))
	return sb, nil
}
