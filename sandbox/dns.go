package sandbox

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/miekg/dns"
)

// FailMode is how the DNS server misbehaves for a name chosen with Fail.
type FailMode int

// The failure modes of (*DNSServer).Fail. FailNone removes a failure.
const (
	FailNone     FailMode = iota // answer normally
	FailTimeout                  // send no answer at all
	FailServFail                 // answer SERVFAIL
	FailRefused                  // answer REFUSED
	FailTruncate                 // over UDP: TC=1 and no records; over TCP: the full answer
)

// String returns the mode's name.
func (m FailMode) String() string {
	switch m {
	case FailNone:
		return "none"
	case FailTimeout:
		return "timeout"
	case FailServFail:
		return "servfail"
	case FailRefused:
		return "refused"
	case FailTruncate:
		return "truncate"
	}
	return fmt.Sprintf("FailMode(%d)", int(m))
}

// DNSServer is an authoritative DNS server for the zones it is given,
// listening on UDP and TCP on the same loopback port. It is safe for
// concurrent use; zones and failures change while it runs.
type DNSServer struct {
	addr    string
	udp     *dns.Server
	tcp     *dns.Server
	done    chan struct{}
	served  sync.WaitGroup
	closing sync.Once
	queries atomic.Int64
	delay   atomic.Int64 // time.Duration before each answer

	mu    sync.RWMutex
	zones map[string]*zone // by lower-case FQDN origin
	fails map[failKey]FailMode
}

type failKey struct {
	name  string
	qtype uint16
}

// StartDNS starts a DNS server alone on addr ("" means 127.0.0.1:0, a free
// port), UDP and TCP on the same port, with no zones. It returns when both
// sockets serve, or with an error when either cannot be bound or ctx ends
// first.
func StartDNS(ctx context.Context, addr string) (*DNSServer, error) {
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	pc, l, err := listenUDPTCP(addr)
	if err != nil {
		return nil, err
	}
	s := &DNSServer{
		addr:  l.Addr().String(),
		done:  make(chan struct{}),
		zones: map[string]*zone{},
		fails: map[failKey]FailMode{},
	}
	started := make(chan struct{}, 2)
	notify := func() { started <- struct{}{} }
	h := dns.HandlerFunc(s.serveDNS)
	s.udp = &dns.Server{PacketConn: pc, Handler: h, UDPSize: 4096, NotifyStartedFunc: notify}
	s.tcp = &dns.Server{Listener: l, Handler: h, NotifyStartedFunc: notify,
		ReadTimeout: 5 * time.Second, WriteTimeout: 5 * time.Second}
	for _, srv := range []*dns.Server{s.udp, s.tcp} {
		s.served.Add(1)
		go func() {
			defer s.served.Done()
			_ = srv.ActivateAndServe()
		}()
	}
	for range 2 {
		select {
		case <-started:
		case <-ctx.Done():
			// ActivateAndServe may not have marked the server started
			// yet; closing the sockets ends it either way.
			pc.Close()
			l.Close()
			close(s.done)
			s.served.Wait()
			return nil, fmt.Errorf("sandbox: dns start: %w", ctx.Err())
		}
	}
	return s, nil
}

// listenUDPTCP binds UDP and TCP to the same address; with port 0 it retries
// until the port the kernel gave UDP is free for TCP too.
func listenUDPTCP(addr string) (net.PacketConn, net.Listener, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, nil, fmt.Errorf("sandbox: dns address %q: %w", addr, err)
	}
	var lastErr error
	for range 20 {
		pc, err := net.ListenPacket("udp", addr)
		if err != nil {
			return nil, nil, fmt.Errorf("sandbox: dns listen udp %s: %w", addr, err)
		}
		_, p, _ := net.SplitHostPort(pc.LocalAddr().String())
		l, err := net.Listen("tcp", net.JoinHostPort(host, p))
		if err == nil {
			return pc, l, nil
		}
		pc.Close()
		lastErr = err
		if port != "0" {
			break
		}
	}
	return nil, nil, fmt.Errorf("sandbox: dns listen tcp %s: %w", addr, lastErr)
}

// Addr returns the host:port the server listens on, for UDP and TCP.
func (s *DNSServer) Addr() string { return s.addr }

// Queries returns how many queries the server has received, over both
// transports, answered or not.
func (s *DNSServer) Queries() int64 { return s.queries.Load() }

// SetDelay makes the server wait d before each answer (0 for none).
func (s *DNSServer) SetDelay(d time.Duration) { s.delay.Store(int64(d)) }

// Close stops both sockets and waits until no query is being served. It is
// safe to call more than once.
func (s *DNSServer) Close() error {
	var err error
	s.closing.Do(func() {
		close(s.done) // wakes handlers sleeping in SetDelay
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err = errors.Join(s.udp.ShutdownContext(ctx), s.tcp.ShutdownContext(ctx))
		s.udp.PacketConn.Close()
		s.tcp.Listener.Close()
		s.served.Wait()
	})
	return err
}

// Fail makes queries for name misbehave as mode says: for the query type
// qtype only, or for every type when qtype is 0. FailNone removes the rule.
// A rule for one type wins over a rule for every type.
func (s *DNSServer) Fail(name string, qtype uint16, mode FailMode) {
	k := failKey{canonical(name), qtype}
	s.mu.Lock()
	defer s.mu.Unlock()
	if mode == FailNone {
		delete(s.fails, k)
		return
	}
	s.fails[k] = mode
}

// ClearFails removes every rule set with Fail.
func (s *DNSServer) ClearFails() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.fails)
}

func (s *DNSServer) failFor(name string, qtype uint16) FailMode {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if m, ok := s.fails[failKey{name, qtype}]; ok {
		return m
	}
	return s.fails[failKey{name, 0}]
}

// canonical returns name in lower case, fully qualified.
func canonical(name string) string {
	return strings.ToLower(dns.Fqdn(name))
}
