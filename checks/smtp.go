package checks

// The SMTP handshake check: RFC 5321 (SMTP), RFC 3207 (STARTTLS), RFC 8314
// (implicit TLS for submission), RFC 4954 (AUTH), RFC 4616 (PLAIN), RFC 2195
// (CRAM-MD5), RFC 3463 and RFC 2034 (enhanced status codes), RFC 6125
// (certificate names).
//
// go-smtp's client is not used for the client side: it takes no context,
// sends "EHLO localhost" before STARTTLS, cannot time the banner apart from
// EHLO and its debug writer does not say who sent a line. The session here
// drives each line itself, so every line is timed, attributed, redacted and
// sanitised as it passes, and ctx reaches every read.

import (
	"context"
	"crypto/x509"
	"net"
	"strconv"
	"time"

	"github.com/mailcfg/mailcfg/providers"
)

// Dialer opens connections; *net.Dialer is one. Tests inject their own.
type Dialer interface {
	DialContext(ctx context.Context, network, addr string) (net.Conn, error)
}

// HandshakeOptions say whom to check and how.
type HandshakeOptions struct {
	Host string
	Port int
	// TLS is the port's mode; empty means implicit for 465, else starttls.
	TLS providers.TLSMode
	// User and Secret are the AUTH credentials; no AUTH is tried without a
	// User.
	User   string
	Secret Secret
	// Profile, when known, gives the AUTH advice for rejected credentials,
	// the mechanisms to prefer and whether the secret is an OAuth token.
	Profile *providers.Profile
	// RootCAs verifies the certificate; nil means the system's roots.
	RootCAs *x509.CertPool
	// Insecure skips certificate verification (the failure is still
	// reported, as a warning).
	Insecure bool
	// AllowPlaintextAuth allows AUTH on an unencrypted connection to a
	// host that is not loopback.
	AllowPlaintextAuth bool
	// Resolver looks up the host's A and AAAA records; nil means the
	// system's resolvers.
	Resolver Resolver
	// Dialer opens the TCP connections; nil means a net.Dialer.
	Dialer Dialer
	// Timeout bounds each step (connect, each command's reply, the TLS
	// handshake); zero means 10 s.
	Timeout time.Duration
	// BannerTimeout bounds the wait for the greeting; zero means 30 s, since
	// servers delay it on purpose (RFC 5321 §4.5.3.2.1 allows 5 minutes).
	BannerTimeout time.Duration
	// HeloName is the name sent with EHLO; empty means this machine's fully
	// qualified host name.
	HeloName string
	// Now is the clock for certificate checks; nil means time.Now.
	Now func() time.Time
}

func (o *HandshakeOptions) timeout() time.Duration {
	if o.Timeout > 0 {
		return o.Timeout
	}
	return 10 * time.Second
}

func (o *HandshakeOptions) bannerTimeout() time.Duration {
	if o.BannerTimeout > 0 {
		return o.BannerTimeout
	}
	return 30 * time.Second
}

func (o *HandshakeOptions) now() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}

// mode returns the TLS mode to use: the option, or the port's convention
// (RFC 8314 §3.3: 465 is implicit TLS).
func (o *HandshakeOptions) mode() providers.TLSMode {
	if o.TLS != "" {
		return o.TLS
	}
	if o.Port == 465 {
		return providers.TLSImplicit
	}
	return providers.TLSStartTLS
}

// TLSInfo describes the TLS session and the server's certificate.
type TLSInfo struct {
	Version      string    `json:"version"`
	Cipher       string    `json:"cipher"`
	Verified     bool      `json:"verified"`
	CertSubject  string    `json:"cert_subject"`
	CertNotAfter time.Time `json:"cert_not_after"`
	CertSANs     []string  `json:"cert_sans,omitempty"`
	CertIssuer   string    `json:"cert_issuer,omitempty"`
	DaysLeft     int       `json:"days_left"`
	ServerName   string    `json:"server_name,omitempty"`
	VerifyError  string    `json:"verify_error,omitempty"`
}

// HandshakeReport is the outcome of a handshake check, shaped as the
// contract's check smtp JSON.
type HandshakeReport struct {
	Host    string            `json:"host"`
	Port    int               `json:"port"`
	TLS     providers.TLSMode `json:"tls"`
	OK      bool              `json:"ok"`
	Address string            `json:"address,omitempty"` // the ip:port the session used
	Helo    string            `json:"helo,omitempty"`
	Banner  string            `json:"banner,omitempty"`
	Ms      int64             `json:"ms"`
	Stages  []Stage           `json:"stages"`
	TLSInfo *TLSInfo          `json:"tls_info"`
	// Extensions are the EHLO keywords with their parameters as the server
	// sent them (after TLS when TLS was used).
	Extensions     []string  `json:"extensions"`
	AuthMechanisms []string  `json:"auth_mechanisms"`
	AuthMechanism  string    `json:"auth_mechanism,omitempty"` // the one used
	Findings       []Finding `json:"findings"`
	Transcript     []Line    `json:"transcript"`
}

// Summary counts the report's findings.
func (r *HandshakeReport) Summary() Summary { return Summarize(r.Findings) }

// Handshake connects to the server and walks the submission handshake —
// connect, banner, EHLO, STARTTLS or implicit TLS with the certificate
// checked, AUTH when a user is given, QUIT — reporting each stage and
// transcript line to sink as it happens. It always returns a report; every
// problem is a finding in it.
func Handshake(ctx context.Context, opts HandshakeOptions, sink Sink) *HandshakeReport {
	s := newSession(opts, sink)
	defer s.close()
	if s.open(ctx) {
		s.auth(ctx)
	}
	s.quit()
	return s.finish()
}

func newSession(opts HandshakeOptions, sink Sink) *session {
	if sink == nil {
		sink = Discard
	}
	opts.TLS = opts.mode()
	rep := &HandshakeReport{Host: opts.Host, Port: opts.Port, TLS: opts.TLS,
		Stages: []Stage{}, Extensions: []string{}, AuthMechanisms: []string{}, Findings: []Finding{}}
	tr := &transcript{start: time.Now(), sink: sink, scrub: scrubForms(opts.Secret, opts.User)}
	return &session{opts: opts, sink: sink, rep: rep, tr: tr}
}

// finish fills the report's totals.
func (s *session) finish() *HandshakeReport {
	s.rep.Transcript = s.tr.lines
	if s.rep.Transcript == nil {
		s.rep.Transcript = []Line{}
	}
	s.rep.Ms = time.Since(s.tr.start).Milliseconds()
	w := Worst(s.rep.Findings)
	s.rep.OK = w != StatusFail && w != StatusError
	return s.rep
}

// open runs the stages before AUTH: connect, (TLS), banner, EHLO, STARTTLS
// with TLS and EHLO again. It reports whether the session may go on.
func (s *session) open(ctx context.Context) bool {
	if s.opts.Port == 25 {
		st := StatusInfo
		if s.opts.User != "" {
			st = StatusWarn
		}
		s.find(Finding{ID: "smtp.port", Status: st, Title: "Port 25 is for relay between servers, not for submission",
			Detail: "Port 25 is blocked by most ISPs and clouds for outgoing connections, and many providers do not take authenticated submission on it.",
			Fix:    "Use 587 (STARTTLS) or 465 (implicit TLS) to submit mail.", Ref: "RFC 6409 §3.1, RFC 8314 §3.3"})
	}
	if !s.connect(ctx) {
		return false
	}
	if s.opts.TLS == providers.TLSImplicit {
		if !s.handshakeTLS(ctx, true) {
			return false
		}
	}
	if !s.banner(ctx) {
		return false
	}
	if !s.ehlo() {
		return false
	}
	s.rep.AuthMechanisms = s.ext.AuthMechanisms()
	if s.opts.TLS == providers.TLSStartTLS {
		preAuth := s.ext.Has("AUTH")
		if !s.startTLS(ctx) {
			return false
		}
		if !s.ehlo() {
			return false
		}
		s.rep.AuthMechanisms = s.ext.AuthMechanisms()
		if !preAuth && s.ext.Has("AUTH") {
			s.find(Finding{ID: "smtp.auth_after_tls", Status: StatusInfo,
				Title:  "AUTH is offered only after STARTTLS",
				Detail: "The server hides AUTH until the session is encrypted, so credentials cannot be sent in clear. A client that tries AUTH before STARTTLS gets 530 or 503.",
				Fix:    "Make sure your mail client uses STARTTLS (or implicit TLS on 465) before authenticating.",
				Ref:    "RFC 3207 §4.2, RFC 4954 §4"})
		}
	}
	if s.opts.TLS == providers.TLSNone {
		st := StatusWarn
		s.find(Finding{ID: "smtp.tls", Status: st,
			Title:  "The session is not encrypted (--tls none)",
			Detail: "Everything, including the message and any credentials, crosses the network in clear.",
			Fix:    "Use port 587 with STARTTLS or port 465 with implicit TLS.",
			Ref:    "RFC 8314 §3"})
	}
	return true
}

// setExtensions records the EHLO reply's extensions in the report.
func (s *session) setExtensions(r *Reply) {
	s.ext = parseEHLO(r.Lines)
	s.rep.Extensions = s.rep.Extensions[:0]
	for i, l := range r.Lines {
		if i > 0 && l != "" {
			s.rep.Extensions = append(s.rep.Extensions, l)
		}
	}
}

// quit ends the session politely (RFC 5321 §4.1.1.10) when it is still
// open; a missing 221 is noted, not failed.
func (s *session) quit() {
	if s.conn == nil || s.raw == nil || s.broken {
		s.close()
		return
	}
	end := s.stageBegin("quit")
	r, err := s.cmd("QUIT", "QUIT")
	switch {
	case err != nil:
		end(StatusInfo, r, "no 221 reply: "+errText(err))
	case r.Code != 221:
		end(StatusInfo, r, "unexpected reply to QUIT")
	default:
		end(StatusPass, r, "")
	}
	s.close()
}

// addrString formats ip and port for dialling.
func addrString(ip net.IP, port int) string {
	return net.JoinHostPort(ip.String(), strconv.Itoa(port))
}
