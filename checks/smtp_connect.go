package checks

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"
	"time"

	"github.com/mailcfg/mailcfg/providers"
)

// probeAfter is how long the banner wait lasts before a silent plaintext
// port is probed for implicit TLS, and how long an implicit-TLS handshake
// may wait for the server's first byte: a TLS-mode mismatch shows within
// about two seconds instead of after the whole banner timeout.
const probeAfter = 1500 * time.Millisecond

// dialer returns the options' Dialer or a plain one.
func (o *HandshakeOptions) dialer() Dialer {
	if o.Dialer != nil {
		return o.Dialer
	}
	return &net.Dialer{}
}

// resolveHost returns the addresses to try: the host itself when it is an IP
// literal, else its A and AAAA records through the options' resolver.
func resolveHost(ctx context.Context, o *HandshakeOptions) ([]net.IP, error) {
	h := strings.TrimSuffix(strings.Trim(o.Host, "[]"), ".")
	if ip := net.ParseIP(h); ip != nil {
		return []net.IP{ip}, nil
	}
	r := o.Resolver
	if r == nil {
		r = NewResolver("", 0)
	}
	rctx, cancel := context.WithTimeout(ctx, o.timeout())
	defer cancel()
	return LookupIP(rctx, r, h)
}

// dialKind sorts a dial error: "refused", "timeout" or "error".
func dialKind(err error) string {
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return "refused"
	case isTimeout(err) || errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	}
	return "error"
}

// connect resolves the host and tries each address in turn (RFC 5321 §5.1
// for MX hosts; the same holds for a submission host with several
// addresses).
func (s *session) connect(ctx context.Context) bool {
	end := s.stageBegin("connect")
	ips, err := resolveHost(ctx, &s.opts)
	if err != nil || len(ips) == 0 {
		f := Finding{ID: "smtp.connect", Status: StatusError,
			Title: fmt.Sprintf("Could not look up %s", s.opts.Host),
			Fix:   "Check the host name and that DNS works from here (--resolver to pick a resolver)."}
		if err == nil {
			f.Status = StatusFail
			f.Title = fmt.Sprintf("%s has no A or AAAA record", s.opts.Host)
			f.Fix = "Check the host name against the provider's documentation."
		} else {
			f.Detail = err.Error()
		}
		s.find(f)
		end(f.Status, nil, f.Title)
		return false
	}
	var kinds []string
	var errs []string
	for _, ip := range ips {
		addr := addrString(ip, s.opts.Port)
		s.tr.note("connecting to %s", addr)
		dctx, cancel := context.WithTimeout(ctx, s.opts.timeout())
		c, err := s.opts.dialer().DialContext(dctx, "tcp", addr)
		cancel()
		if err == nil {
			s.ip, s.addr = ip, addr
			s.rep.Address = addr
			s.attach(ctx, c)
			s.tr.note("connected to %s", addr)
			end(StatusPass, nil, addr)
			return true
		}
		if ctx.Err() != nil {
			break
		}
		k := dialKind(err)
		kinds = append(kinds, k)
		errs = append(errs, addr+": "+errText(err))
		s.tr.note("%s: %s", addr, k)
	}
	f := connectFinding(s.opts.Host, s.opts.Port, kinds, errs, ctx.Err())
	s.find(f)
	end(f.Status, nil, f.Title)
	return false
}

// connectFinding explains why no address could be reached.
func connectFinding(host string, port int, kinds, errs []string, ctxErr error) Finding {
	f := Finding{ID: "smtp.connect", Status: StatusError, Evidence: strings.Join(errs, "; "), Ref: "RFC 5321 §3.1"}
	all := func(k string) bool {
		for _, x := range kinds {
			if x != k {
				return false
			}
		}
		return len(kinds) > 0
	}
	switch {
	case ctxErr != nil:
		f.Title = "The check was cancelled while connecting"
	case all("refused"):
		f.Status = StatusFail
		f.Title = fmt.Sprintf("%s refused the connection on port %d", host, port)
		f.Detail = "Nothing listens on that port there, or a firewall actively rejects it."
		f.Fix = "Check the host and port against the provider's documentation (submission is 587 with STARTTLS or 465 with implicit TLS)."
	case all("timeout"):
		f.Title = fmt.Sprintf("Connecting to %s port %d timed out", host, port)
		f.Detail = "No answer at all: the packets are dropped, by a firewall on your side (outbound), on the way, or at the server."
		f.Fix = "Try another port (mailcfg check ports --host " + host + ") or another network."
	default:
		f.Title = fmt.Sprintf("Could not connect to %s port %d", host, port)
		f.Fix = "Check your network connection and the host name."
	}
	if port == 25 {
		f.Fix = "Port 25 is blocked by most ISPs and clouds: use 587 (STARTTLS) or 465 (implicit TLS). " + f.Fix
	}
	return f
}

// banner waits for the greeting (RFC 5321 §4.3.1: 220, or 554 when the
// server will not talk). The wait is shown live; a plaintext port that stays
// silent is probed on a second connection for implicit TLS, which is how a
// STARTTLS client meets an implicit-TLS port.
func (s *session) banner(ctx context.Context) bool {
	end := s.stageBegin("banner")
	began := time.Now()
	limit := s.opts.bannerTimeout()
	deadline := began.Add(limit)
	probed := s.tlsOn
	next := began.Add(min(probeAfter, limit))
	for {
		_ = s.conn.SetReadDeadline(next)
		_, err := s.br.Peek(1)
		if err == nil {
			s.broken = false
			break
		}
		waited := time.Since(began).Round(100 * time.Millisecond)
		s.broken = true // unless the greeting comes, nothing more is said
		if !isTimeout(err) || ctx.Err() != nil || !time.Now().Before(deadline) {
			f := s.failure("smtp.banner", "the greeting", nil, err)
			if isTimeout(err) {
				f.Title = fmt.Sprintf("No greeting from the server in %s", limit)
				f.Detail = "The connection opened but the server never said 220. Some servers delay the greeting on purpose, but not this long."
				f.Fix = "Retry with a longer --timeout, or check that this port runs SMTP."
				if !s.tlsOn {
					f.Fix += " If the port expects implicit TLS, use --tls implicit."
				}
			}
			s.find(f)
			end(f.Status, nil, f.Title)
			return false
		}
		if !probed {
			probed = true
			s.tr.note("no greeting after %s; probing for implicit TLS on a second connection", waited)
			if s.probeImplicit(ctx) {
				f := Finding{ID: "smtp.tls", Status: StatusFail,
					Title:  fmt.Sprintf("Port %d speaks implicit TLS, but the check used %s", s.opts.Port, s.opts.TLS),
					Detail: "The server waits for a TLS ClientHello and sends no plaintext greeting, so a STARTTLS client hangs until it times out.",
					Fix:    "Use --tls implicit (RFC 8314 implicit TLS, usually port 465), or port 587 for STARTTLS.",
					Ref:    "RFC 8314 §3.3"}
				s.find(f)
				end(StatusFail, nil, f.Title)
				return false
			}
			s.tr.note("no TLS there either; still waiting for the greeting (up to %s)", limit)
		} else {
			s.tr.note("still waiting for the greeting: %s of %s (servers may delay it on purpose)", waited, limit)
		}
		next = time.Now().Add(5 * time.Second)
		if next.After(deadline) {
			next = deadline
		}
	}
	r, err := s.read(max(time.Until(deadline), 500*time.Millisecond))
	if r != nil && len(r.Raw) > 0 {
		s.rep.Banner = r.Raw[0]
	}
	if err != nil || r.Code != 220 {
		f := s.failure("smtp.banner", "the greeting", r, err)
		s.find(f)
		end(f.Status, r, f.Title)
		return false
	}
	end(StatusPass, r, fmt.Sprintf("greeting after %s", time.Since(began).Round(time.Millisecond)))
	return true
}

// probeImplicit reports whether the server's port completes a TLS handshake
// (with no verification: this only asks which protocol it speaks) within
// two seconds.
func (s *session) probeImplicit(ctx context.Context) bool {
	pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	c, err := s.opts.dialer().DialContext(pctx, "tcp", s.addr)
	if err != nil {
		return false
	}
	defer c.Close()
	tc := tls.Client(c, &tls.Config{InsecureSkipVerify: true, ServerName: sniName(s.opts.Host)}) //nolint:gosec // a protocol probe, nothing is sent
	err = tc.HandshakeContext(pctx)
	return err == nil
}

// isLoopback reports whether the session's peer is this machine.
func (s *session) isLoopback() bool { return s.ip != nil && s.ip.IsLoopback() }

// wantsTLS reports whether the mode uses TLS at all.
func wantsTLS(m providers.TLSMode) bool { return m != providers.TLSNone }
