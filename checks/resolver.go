package checks

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"
	"golang.org/x/sync/singleflight"
)

// Resolver is the one door every DNS lookup of mailcfg goes through. A
// negative answer (NXDOMAIN, or no records of the type) is an Answer, not an
// error; an error means the question could not be answered (timeout,
// SERVFAIL, refusal, network failure) and is a *DNSError.
type Resolver interface {
	Lookup(ctx context.Context, name string, qtype uint16) (*Answer, error)
}

// Answer is the outcome of one question.
type Answer struct {
	Name  string // the fully qualified name asked
	Type  uint16
	Rcode int      // dns.RcodeSuccess or dns.RcodeNameError
	RRs   []dns.RR // the answer section
	Ns    []dns.RR // the authority section (the SOA of a negative answer)
	// Authenticated is the AD flag: the resolver validated the answer with
	// DNSSEC.
	Authenticated bool
	Server        string // the server that answered
}

// NXDomain reports whether the name does not exist.
func (a *Answer) NXDomain() bool { return a.Rcode == dns.RcodeNameError }

// Records returns the answer's records of the asked type (a CNAME chain the
// resolver followed is left out).
func (a *Answer) Records() []dns.RR {
	var out []dns.RR
	for _, rr := range a.RRs {
		if rr.Header().Rrtype == a.Type {
			out = append(out, rr)
		}
	}
	return out
}

// Void reports whether the answer holds no record of the asked type (RFC 7208
// §4.6.4 calls such a lookup void).
func (a *Answer) Void() bool { return len(a.Records()) == 0 }

// TXT returns each TXT record's character-strings joined without separator,
// as RFC 7208 §3.3 and RFC 6376 §3.6.2.2 read them, with miekg/dns's
// presentation escapes (\", \\, \DDD) undone so the bytes are those published.
func (a *Answer) TXT() []string {
	var out []string
	for _, rr := range a.Records() {
		if t, ok := rr.(*dns.TXT); ok {
			var b strings.Builder
			for _, s := range t.Txt {
				b.WriteString(unescapeTXT(s))
			}
			out = append(out, b.String())
		}
	}
	return out
}

// unescapeTXT undoes the zone-file escapes of one character-string.
func unescapeTXT(s string) string {
	if strings.IndexByte(s, '\\') < 0 {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 >= len(s) {
			b = append(b, c)
			continue
		}
		if i+3 < len(s) && isDigit3(s[i+1:i+4]) {
			if n := int(s[i+1]-'0')*100 + int(s[i+2]-'0')*10 + int(s[i+3]-'0'); n <= 255 {
				b = append(b, byte(n))
				i += 3
				continue
			}
		}
		b = append(b, s[i+1])
		i++
	}
	return string(b)
}

func isDigit3(s string) bool {
	return len(s) == 3 && s[0] >= '0' && s[0] <= '9' && s[1] >= '0' && s[1] <= '9' && s[2] >= '0' && s[2] <= '9'
}

// CNAMETarget returns the target of the first CNAME in the answer, or "".
func (a *Answer) CNAMETarget() string {
	for _, rr := range a.RRs {
		if c, ok := rr.(*dns.CNAME); ok {
			return c.Target
		}
	}
	return ""
}

// NegativeTTL is how long a resolver may cache this negative answer: the
// lesser of the SOA's TTL and its minimum (RFC 2308 §5), or 0 when unknown.
func (a *Answer) NegativeTTL() time.Duration {
	for _, rr := range a.Ns {
		if soa, ok := rr.(*dns.SOA); ok {
			return time.Duration(min(soa.Hdr.Ttl, soa.Minttl)) * time.Second
		}
	}
	return 0
}

// Errors a DNSError matches with errors.Is.
var (
	ErrTimeout  = errors.New("dns: timed out")
	ErrServFail = errors.New("dns: server failure (SERVFAIL)")
	ErrRefused  = errors.New("dns: query refused")
	ErrNetwork  = errors.New("dns: network error")
	ErrBadReply = errors.New("dns: malformed reply")
)

// DNSError is why a question could not be answered.
type DNSError struct {
	Name   string
	Type   uint16
	Server string
	Kind   error // one of ErrTimeout, ErrServFail, ErrRefused, ErrNetwork, ErrBadReply
	Err    error // the underlying error, if any
}

func (e *DNSError) Error() string {
	s := fmt.Sprintf("dns: %s %s", dns.TypeToString[e.Type], strings.TrimSuffix(e.Name, "."))
	if e.Server != "" {
		s += " via " + e.Server
	}
	s += ": " + strings.TrimPrefix(e.Kind.Error(), "dns: ")
	if e.Err != nil && !errors.Is(e.Err, e.Kind) {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *DNSError) Unwrap() []error { return []error{e.Kind, e.Err} }

// DNSResolver asks recursive resolvers over UDP (TCP when the answer is
// truncated), with a timeout and one retry for each question, and asks a
// question that is already in flight only once. It does not cache: wrap it
// with NewCache for that.
type DNSResolver struct {
	// Servers are host:port addresses, tried in order.
	Servers []string
	// Timeout bounds one try; zero means 2 s.
	Timeout time.Duration
	// Retries is how many more tries a timed-out question gets; -1 means none.
	Retries int
	// NoRecursion clears the RD bit (for asking authoritative servers).
	NoRecursion bool

	group singleflight.Group
}

// SystemServers returns the resolvers of /etc/resolv.conf, or 127.0.0.1:53.
func SystemServers() []string {
	cfg, err := dns.ClientConfigFromFile("/etc/resolv.conf")
	if err != nil || len(cfg.Servers) == 0 {
		return []string{"127.0.0.1:53"}
	}
	out := make([]string, 0, len(cfg.Servers))
	for _, s := range cfg.Servers {
		out = append(out, net.JoinHostPort(s, cfg.Port))
	}
	return out
}

// NewResolver returns a DNSResolver for addr (host:port, or a host for port
// 53), or for the system's resolvers when addr is empty.
func NewResolver(addr string, timeout time.Duration) *DNSResolver {
	r := &DNSResolver{Timeout: timeout}
	if addr == "" {
		r.Servers = SystemServers()
	} else {
		if _, _, err := net.SplitHostPort(addr); err != nil {
			addr = net.JoinHostPort(addr, "53")
		}
		r.Servers = []string{addr}
	}
	return r
}

// Lookup asks for name's records of qtype. Simultaneous identical questions
// share one query.
func (r *DNSResolver) Lookup(ctx context.Context, name string, qtype uint16) (*Answer, error) {
	name = dns.Fqdn(strings.ToLower(name))
	key := name + "/" + dns.TypeToString[qtype]
	ch := r.group.DoChan(key, func() (any, error) {
		// The shared query must not die with the first caller's context.
		return r.exchange(context.WithoutCancel(ctx), name, qtype, ctx.Done())
	})
	select {
	case res := <-ch:
		if res.Err != nil {
			return nil, res.Err
		}
		return res.Val.(*Answer), nil
	case <-ctx.Done():
		return nil, &DNSError{Name: name, Type: qtype, Kind: ErrTimeout, Err: ctx.Err()}
	}
}

func (r *DNSResolver) exchange(ctx context.Context, name string, qtype uint16, done <-chan struct{}) (*Answer, error) {
	timeout := r.Timeout
	if timeout <= 0 {
		timeout = 2 * time.Second
	}
	retries := r.Retries
	if retries == 0 {
		retries = 1
	} else if retries < 0 {
		retries = 0
	}
	// Abandon the shared query once its first asker has given up.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-done:
			cancel()
		case <-ctx.Done():
		}
	}()

	m := new(dns.Msg)
	m.SetQuestion(name, qtype)
	m.RecursionDesired = !r.NoRecursion
	m.SetEdns0(1232, true)
	m.AuthenticatedData = true

	var last *DNSError
	servers := r.Servers
	if len(servers) == 0 {
		servers = []string{"127.0.0.1:53"}
	}
	for try := 0; try <= retries; try++ {
		server := servers[try%len(servers)]
		a, err := r.once(ctx, m, server, timeout)
		if err == nil {
			return a, nil
		}
		last = err
		last.Name, last.Type = name, qtype
		if !errors.Is(err.Kind, ErrTimeout) && !errors.Is(err.Kind, ErrNetwork) || ctx.Err() != nil {
			break
		}
	}
	return nil, last
}

func (r *DNSResolver) once(ctx context.Context, m *dns.Msg, server string, timeout time.Duration) (*Answer, *DNSError) {
	c := &dns.Client{Net: "udp", Timeout: timeout, UDPSize: 1232}
	qctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	in, err := exchangeConn(qctx, c, m, server)
	if err == nil && in.Truncated {
		c.Net = "tcp"
		in, err = exchangeConn(qctx, c, m, server)
	}
	if err != nil {
		kind := ErrNetwork
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
			kind = ErrTimeout
		}
		return nil, &DNSError{Server: server, Kind: kind, Err: err}
	}
	if in.Id != m.Id {
		return nil, &DNSError{Server: server, Kind: ErrBadReply}
	}
	switch in.Rcode {
	case dns.RcodeSuccess, dns.RcodeNameError:
	case dns.RcodeServerFailure:
		return nil, &DNSError{Server: server, Kind: ErrServFail}
	case dns.RcodeRefused:
		return nil, &DNSError{Server: server, Kind: ErrRefused}
	default:
		return nil, &DNSError{Server: server, Kind: ErrBadReply, Err: fmt.Errorf("rcode %s", dns.RcodeToString[in.Rcode])}
	}
	return &Answer{
		Name: m.Question[0].Name, Type: m.Question[0].Qtype, Rcode: in.Rcode,
		RRs: in.Answer, Ns: in.Ns, Authenticated: in.AuthenticatedData, Server: server,
	}, nil
}

// exchangeConn is one query over its own connection, which is closed as soon
// as ctx ends: miekg/dns only turns a context's deadline into socket
// deadlines, so without this a cancelled query would wait out its timeout.
func exchangeConn(ctx context.Context, c *dns.Client, m *dns.Msg, server string) (*dns.Msg, error) {
	conn, err := c.DialContext(ctx, server)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	in, _, err := c.ExchangeWithConnContext(ctx, m, conn)
	if err != nil && ctx.Err() != nil {
		err = ctx.Err()
	}
	return in, err
}

// Cache wraps a Resolver so that each question is asked at most once for the
// Cache's lifetime, even when asked at the same moment by several goroutines.
// Errors are remembered too, so a dead server costs one timeout, not one per
// asker. Make one Cache per unit of work (one domain's audit) so memory does
// not grow with the number of domains.
type Cache struct {
	next Resolver
	mu   sync.Mutex
	m    map[string]*cacheEntry
	// Queries counts the questions passed to the wrapped resolver.
	Queries int
}

type cacheEntry struct {
	done chan struct{}
	a    *Answer
	err  error
}

// NewCache returns a Cache over next.
func NewCache(next Resolver) *Cache {
	return &Cache{next: next, m: map[string]*cacheEntry{}}
}

// Lookup implements Resolver.
func (c *Cache) Lookup(ctx context.Context, name string, qtype uint16) (*Answer, error) {
	key := dns.Fqdn(strings.ToLower(name)) + "/" + dns.TypeToString[qtype]
	c.mu.Lock()
	e, ok := c.m[key]
	if !ok {
		e = &cacheEntry{done: make(chan struct{})}
		c.m[key] = e
		c.Queries++
		c.mu.Unlock()
		e.a, e.err = c.next.Lookup(ctx, name, qtype)
		if e.err != nil && ctx.Err() != nil {
			// Our own cancellation says nothing about the name: forget it.
			c.mu.Lock()
			delete(c.m, key)
			c.mu.Unlock()
		}
		close(e.done)
		return e.a, e.err
	}
	c.mu.Unlock()
	select {
	case <-e.done:
		return e.a, e.err
	case <-ctx.Done():
		return nil, &DNSError{Name: name, Type: qtype, Kind: ErrTimeout, Err: ctx.Err()}
	}
}

// LookupTXT returns the TXT strings of name (each record's strings joined).
// A missing name or type gives no strings and no error.
func LookupTXT(ctx context.Context, r Resolver, name string) ([]string, error) {
	a, err := r.Lookup(ctx, name, dns.TypeTXT)
	if err != nil {
		return nil, err
	}
	return a.TXT(), nil
}

// LookupIP returns the A and AAAA addresses of name, asked concurrently. When
// one question fails and the other finds no address, whether the name has an
// address could not be told: the error is returned, never an empty answer.
func LookupIP(ctx context.Context, r Resolver, name string) ([]net.IP, error) {
	var wg sync.WaitGroup
	var a4, a6 *Answer
	var e4, e6 error
	wg.Add(2)
	go func() { defer wg.Done(); a4, e4 = r.Lookup(ctx, name, dns.TypeA) }()
	go func() { defer wg.Done(); a6, e6 = r.Lookup(ctx, name, dns.TypeAAAA) }()
	wg.Wait()
	if e4 != nil && e6 != nil {
		return nil, e4
	}
	var ips []net.IP
	if a4 != nil {
		for _, rr := range a4.Records() {
			ips = append(ips, rr.(*dns.A).A)
		}
	}
	if a6 != nil {
		for _, rr := range a6.Records() {
			ips = append(ips, rr.(*dns.AAAA).AAAA)
		}
	}
	if len(ips) == 0 {
		if e4 != nil {
			return nil, e4
		}
		if e6 != nil {
			return nil, e6
		}
	}
	return ips, nil
}
