package checks

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/mailcfg/mailcfg/providers"
)

// SubmissionPorts are the ports ProbePorts tries by default: 25 (SMTP relay,
// RFC 5321), 465 (submission over implicit TLS, RFC 8314), 587 (submission
// with STARTTLS, RFC 6409) and 2525 (an unofficial alternative many
// providers offer where the others are blocked).
var SubmissionPorts = []int{25, 465, 587, 2525}

// The states of a probed port.
const (
	PortOpen     = "open"     // something answered SMTP (or TLS)
	PortRefused  = "refused"  // the host said no: nothing listens
	PortFiltered = "filtered" // no answer at all: dropped on the way
	PortError    = "error"    // the probe could not be made
)

// PortResult is what one port probe found.
type PortResult struct {
	Port    int               `json:"port"`
	State   string            `json:"state"`
	TLS     providers.TLSMode `json:"tls,omitempty"` // for open ports: starttls, implicit or none
	Banner  string            `json:"banner,omitempty"`
	Address string            `json:"address,omitempty"`
	Ms      int64             `json:"ms"`
	Finding Finding           `json:"finding"`
}

// ProbePorts probes ports (SubmissionPorts when nil) on host, all at once,
// and says for each whether it is open (with its greeting and TLS mode),
// refused or filtered, and what that means. opts gives the resolver, dialer
// and timeouts; its Host and Port are ignored. Each port reports a stage
// "port N" to sink.
func ProbePorts(ctx context.Context, host string, ports []int, opts HandshakeOptions, sink Sink) []PortResult {
	if ports == nil {
		ports = SubmissionPorts
	}
	if sink == nil {
		sink = Discard
	}
	var mu sync.Mutex
	safe := func(e Event) { mu.Lock(); defer mu.Unlock(); sink(e) }
	opts.Host = host
	out := make([]PortResult, len(ports))
	ips, err := resolveHost(ctx, &opts)
	if err != nil || len(ips) == 0 {
		f := connectFinding(host, 0, nil, nil, ctx.Err())
		f.Title = "Could not look up " + host
		if err != nil {
			f.Detail = err.Error()
		} else {
			f.Status, f.Title = StatusFail, host+" has no A or AAAA record"
		}
		for i, p := range ports {
			out[i] = PortResult{Port: p, State: PortError, Finding: f}
		}
		safe(Event{Kind: EventFinding, Finding: f})
		return out
	}
	var wg sync.WaitGroup
	for i, p := range ports {
		wg.Add(1)
		go func() {
			defer wg.Done()
			name := fmt.Sprintf("port %d", p)
			safe(Event{Kind: EventStage, Stage: Stage{Name: name, Status: "running", Running: true}})
			began := time.Now()
			res := probePort(ctx, ips, p, opts)
			res.Ms = time.Since(began).Milliseconds()
			res.Finding = portFinding(host, res)
			out[i] = res
			safe(Event{Kind: EventStage, Stage: Stage{Name: name, Status: res.Finding.Status, Ms: res.Ms, Detail: res.State}})
			safe(Event{Kind: EventFinding, Finding: res.Finding})
		}()
	}
	wg.Wait()
	return out
}

// probePort connects to the first address that answers and finds the
// port's TLS mode by racing two connections: on the first it waits for a
// plaintext greeting (STARTTLS when EHLO offers it), while a second sends a
// TLS ClientHello at once. An implicit-TLS port (RFC 8314 §3.3) stays silent
// on the first and completes the handshake on the second, so it is told in
// the handshake's round trips rather than after a banner timeout; a
// plaintext port greets first and its answer to the ClientHello fails that
// handshake.
func probePort(ctx context.Context, ips []net.IP, port int, opts HandshakeOptions) PortResult {
	res := PortResult{Port: port, State: PortError}
	var c net.Conn
	kind := ""
	for _, ip := range ips {
		addr := addrString(ip, port)
		dctx, cancel := context.WithTimeout(ctx, opts.timeout())
		conn, err := opts.dialer().DialContext(dctx, "tcp", addr)
		cancel()
		if err == nil {
			c, res.Address = conn, addr
			break
		}
		kind = dialKind(err)
		if ctx.Err() != nil {
			break
		}
	}
	if c == nil {
		switch kind {
		case "refused":
			res.State = PortRefused
		case "timeout":
			res.State = PortFiltered
		}
		return res
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	res.State = PortOpen
	br := bufio.NewReader(c)
	if b, ok := raceTLS(ctx, c, br, res.Address, opts); ok {
		res.TLS, res.Banner = providers.TLSImplicit, b
		return res
	}
	_ = c.SetReadDeadline(time.Now().Add(opts.bannerTimeout()))
	r, err := readReply(br, nil)
	if err != nil || r.Code != 220 {
		if r != nil && len(r.Raw) > 0 {
			res.Banner = r.Raw[0]
		}
		return res
	}
	res.Banner = r.Raw[0]
	res.TLS = providers.TLSNone
	_ = c.SetDeadline(time.Now().Add(opts.timeout()))
	if _, err := c.Write([]byte("EHLO " + probeHelo() + "\r\n")); err != nil {
		return res
	}
	if r, err := readReply(br, nil); err == nil && r.Code == 250 && parseEHLO(r.Lines).Has("STARTTLS") {
		res.TLS = providers.TLSStartTLS
	}
	_, _ = c.Write([]byte("QUIT\r\n"))
	_, _ = readReply(br, nil)
	return res
}

// raceTLS waits for the first byte of a plaintext greeting on c while a
// TLS probe runs on a second connection to addr, and reports whether TLS
// won (with the greeting read inside it). A TLS handshake that completes
// wakes the wait on c; a greeting on c cancels the probe. Both have ended
// when it returns.
func raceTLS(ctx context.Context, c net.Conn, br *bufio.Reader, addr string, opts HandshakeOptions) (string, bool) {
	type answer struct {
		banner string
		ok     bool
	}
	pctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan answer, 1)
	go func() {
		b, ok := probeTLSBanner(pctx, addr, opts)
		if ok {
			_ = c.SetReadDeadline(time.Now()) // the port speaks TLS: stop waiting
		}
		done <- answer{b, ok}
	}()
	_ = c.SetReadDeadline(time.Now().Add(opts.bannerTimeout()))
	if _, err := br.Peek(1); err == nil {
		cancel() // a plaintext greeting: the port is not implicit TLS
		<-done
		return "", false
	}
	a := <-done
	return a.banner, a.ok
}

// probeHelo is the EHLO name of a probe.
func probeHelo() string {
	if h := localFQDN(); h != "" {
		return h
	}
	return "[127.0.0.1]"
}

// probeTLSBanner tries a TLS handshake (unverified: it only asks which
// protocol the port speaks) and reads the greeting inside it.
func probeTLSBanner(ctx context.Context, addr string, opts HandshakeOptions) (string, bool) {
	pctx, cancel := context.WithTimeout(ctx, tlsFirstByte)
	defer cancel()
	c, err := opts.dialer().DialContext(pctx, "tcp", addr)
	if err != nil {
		return "", false
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	tc := tls.Client(c, &tls.Config{InsecureSkipVerify: true, ServerName: sniName(opts.Host)}) //nolint:gosec // a protocol probe
	if err := tc.HandshakeContext(pctx); err != nil {
		return "", false
	}
	_ = tc.SetReadDeadline(time.Now().Add(opts.timeout()))
	r, err := readReply(bufio.NewReader(tc), nil)
	if err == nil && len(r.Raw) > 0 {
		_, _ = tc.Write([]byte("QUIT\r\n"))
		return r.Raw[0], true
	}
	return "", true
}

// portFinding says what a probe result means for the user.
func portFinding(host string, r PortResult) Finding {
	f := Finding{ID: "smtp.port", Evidence: r.Banner, Ref: "RFC 8314 §3, RFC 6409"}
	use := map[int]string{25: "relay between servers (MX); rarely for submission", 465: "submission over implicit TLS",
		587: "submission with STARTTLS", 2525: "an alternative submission port some providers offer"}[r.Port]
	if use != "" {
		use = " (" + use + ")"
	}
	switch r.State {
	case PortOpen:
		f.Status = StatusPass
		switch r.TLS {
		case providers.TLSImplicit:
			f.Title = fmt.Sprintf("Port %d is open and speaks implicit TLS%s", r.Port, use)
		case providers.TLSStartTLS:
			f.Title = fmt.Sprintf("Port %d is open and offers STARTTLS%s", r.Port, use)
		case providers.TLSNone:
			f.Status = StatusWarn
			f.Title = fmt.Sprintf("Port %d is open but offers no STARTTLS%s", r.Port, use)
			f.Fix = "Do not send credentials over it; use a TLS port."
		default:
			f.Status = StatusWarn
			f.Title = fmt.Sprintf("Port %d accepts connections but did not greet as SMTP", r.Port)
			f.Detail = "No SMTP greeting and no TLS: it may delay its greeting beyond the timeout, or not be a mail server."
		}
	case PortRefused:
		f.Status = StatusInfo
		f.Title = fmt.Sprintf("Port %d refused the connection%s", r.Port, use)
		f.Detail = "The host answered that nothing listens there (or a firewall rejects it): this port is not offered."
	case PortFiltered:
		f.Status = StatusError
		f.Title = fmt.Sprintf("Port %d is filtered: no answer%s", r.Port, use)
		f.Detail = "Packets were dropped, by a firewall on your side, on the way, or at " + host + "."
		f.Fix = "Try another port or network."
		if r.Port == 25 {
			f.Detail = "Port 25 is blocked by most ISPs and clouds for outgoing connections."
			f.Fix = "Use 587 (STARTTLS) or 465 (implicit TLS) to submit mail."
		}
	default:
		f.Status = StatusError
		f.Title = fmt.Sprintf("Port %d could not be probed", r.Port)
		f.Fix = "Check your network connection."
	}
	if f.Evidence != "" {
		f.Evidence = strings.TrimSpace(f.Evidence)
	}
	return f
}

// PortFindings returns each port's finding (once, when a failed lookup gave
// every port the same one) and, when no port is open, one that sums up: a
// fail when every port was refused (the host itself said nothing listens),
// an error when some were filtered or could not be probed, since a port
// blocked on the way out says nothing about the host (CONTRACT.md: error
// is never reported as fail). After a failed lookup the lookup's finding
// says it all.
func PortFindings(host string, rs []PortResult) []Finding {
	var out []Finding
	open, refused, lookup := false, 0, len(rs) > 0
	for _, r := range rs {
		if !slices.Contains(out, r.Finding) {
			out = append(out, r.Finding)
		}
		open = open || r.State == PortOpen
		if r.State == PortRefused {
			refused++
		}
		lookup = lookup && r.State == PortError && r.Finding.ID == "smtp.connect"
	}
	switch {
	case open || len(rs) == 0 || lookup:
	case refused == len(rs):
		out = append(out, Finding{ID: "smtp.port", Status: StatusFail,
			Title:  "No SMTP port of " + host + " is reachable from here",
			Detail: "Every port was refused: nothing listens on them.",
			Fix:    "Check the host name and the provider's documented ports."})
	default:
		out = append(out, Finding{ID: "smtp.port", Status: StatusError,
			Title:  "No SMTP port of " + host + " answered from here",
			Detail: "Some ports were filtered (no answer) or could not be probed: this network may block outgoing mail ports, so whether the host offers them could not be told.",
			Fix:    "Try another network, or the provider's port 2525 or HTTPS API."})
	}
	return out
}
