package checks

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"
)

// tlsFirstByte is how long an implicit-TLS handshake waits for the server's
// first byte. A TLS server answers a ClientHello at once; a plaintext SMTP
// server answers with its banner, which the handshake sees as a bad record.
// Silence past this means nothing at that port speaks TLS to us.
const tlsFirstByte = 2 * time.Second

// firstByteConn gives the read side a short deadline until the first byte
// arrives, then the step's full deadline.
type firstByteConn struct {
	net.Conn
	full time.Time
	got  bool
}

func (c *firstByteConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 && !c.got {
		c.got = true
		_ = c.Conn.SetReadDeadline(c.full)
	}
	return n, err
}

// sniName is the host as a TLS server name: empty for an IP literal.
func sniName(host string) string {
	h := strings.TrimSuffix(strings.Trim(host, "[]"), ".")
	if net.ParseIP(h) != nil {
		return ""
	}
	return h
}

// handshakeTLS runs the TLS handshake over the connection (implicit TLS,
// RFC 8314 §3.2, or after STARTTLS, RFC 3207 §4) and checks the certificate
// (RFC 6125) itself, so each kind of failure gets its own finding and the
// certificate is described even when it is bad.
func (s *session) handshakeTLS(ctx context.Context, implicit bool) bool {
	end := s.stageBegin("tls")
	t := s.opts.timeout()
	fb := &firstByteConn{Conn: s.raw, full: time.Now().Add(t)}
	first := t
	if implicit {
		first = min(tlsFirstByte, t)
	}
	_ = s.raw.SetWriteDeadline(time.Now().Add(t))
	_ = s.raw.SetReadDeadline(time.Now().Add(first))
	tc := tls.Client(fb, &tls.Config{
		ServerName: sniName(s.opts.Host),
		// RFC 8996 deprecates TLS 1.0 and 1.1; RFC 8314 §4.1 wants 1.2 or later.
		MinVersion: tls.VersionTLS12,
		// Verification is done below, by hand, to tell its failures apart.
		InsecureSkipVerify: true, //nolint:gosec // verified in verifyCert before anything is sent
	})
	s.tr.note("TLS handshake (server name %q)", s.opts.Host)
	err := tc.Handshake()
	if err != nil {
		s.broken = true
		f := s.tlsFailure(err, implicit, fb.got, first)
		if ctx.Err() != nil {
			f.Status, f.Title = StatusError, "The check was cancelled during the TLS handshake"
		}
		s.find(f)
		end(f.Status, nil, f.Title)
		return false
	}
	st := tc.ConnectionState()
	s.conn, s.tlsOn = tc, true
	s.br = bufio.NewReaderSize(tc, 4096)
	info := &TLSInfo{Version: tls.VersionName(st.Version), Cipher: tls.CipherSuiteName(st.CipherSuite), ServerName: s.opts.Host}
	s.rep.TLSInfo = info
	s.tr.add(DirNote, noteTLSPrefix+info.Version+", "+info.Cipher)
	s.find(Finding{ID: "smtp.tls", Status: StatusPass, Title: fmt.Sprintf("TLS works: %s, %s", info.Version, info.Cipher), Ref: "RFC 8314"})
	ok := s.verifyCert(st, info)
	if ok {
		end(StatusPass, nil, info.Version)
	} else {
		end(StatusFail, nil, "certificate not trusted")
	}
	return ok
}

// tlsFailure explains a failed handshake, telling a TLS-mode mismatch apart.
func (s *session) tlsFailure(err error, implicit, gotByte bool, first time.Duration) Finding {
	f := Finding{ID: "smtp.tls", Status: StatusFail, Ref: "RFC 8314 §3", Detail: errText(err)}
	var rh tls.RecordHeaderError
	switch {
	case errors.As(err, &rh) && implicit && looksLikeText(rh.RecordHeader[:]):
		f.Title = fmt.Sprintf("Port %d speaks plain SMTP, not implicit TLS", s.opts.Port)
		f.Detail = "The server answered the TLS ClientHello with a plaintext greeting: it expects STARTTLS."
		f.Fix = "Use --tls starttls (usually port 587), or port 465 for implicit TLS."
		f.Evidence = Sanitize(string(rh.RecordHeader[:])+readMore(rh.Conn), 200)
	case isTimeout(err) && implicit && !gotByte:
		f.Title = fmt.Sprintf("No answer to the TLS ClientHello in %s", first)
		f.Detail = "Nothing at this port answered TLS. It may be a STARTTLS port whose server delays its greeting, or a TLS server that hangs."
		f.Fix = "Try --tls starttls, or check the port (465 implicit TLS, 587 STARTTLS)."
	case isTimeout(err):
		f.Status = StatusError
		f.Title = "The TLS handshake did not complete in time"
		f.Fix = "Retry; if it persists, the server's TLS is broken: tell the provider."
	default:
		f.Title = "The TLS handshake failed"
		f.Fix = "The server's TLS settings may be too old (TLS 1.2 is the minimum) or broken; tell the provider."
	}
	return f
}

// looksLikeText reports whether b is printable ASCII, as a plaintext banner
// ("220 m") is and a TLS record header never is.
func looksLikeText(b []byte) bool {
	for _, c := range b {
		if c < 0x20 && c != '\r' && c != '\n' || c > 0x7e {
			return false
		}
	}
	return len(b) > 0
}

// readMore reads what else the server sent after a bad record header, for
// evidence (at most one line, briefly).
func readMore(c net.Conn) string {
	if c == nil {
		return ""
	}
	_ = c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	buf := make([]byte, 120)
	n, _ := c.Read(buf)
	s := string(buf[:n])
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		s = s[:i]
	}
	return s
}

// certExpiryWarnDays is how close to expiry a certificate gets a warning.
const certExpiryWarnDays = 21

// verifyCert verifies the chain against the roots for the host (RFC 6125
// §6), describes the certificate in info and reports findings by kind. It
// reports whether the session may go on: yes when verified, or with
// Insecure.
func (s *session) verifyCert(st tls.ConnectionState, info *TLSInfo) bool {
	if len(st.PeerCertificates) == 0 {
		s.find(Finding{ID: "smtp.cert", Status: StatusFail, Title: "The server sent no certificate"})
		return s.opts.Insecure
	}
	now := s.opts.now()
	leaf := st.PeerCertificates[0]
	info.CertSubject = leaf.Subject.String()
	info.CertIssuer = leaf.Issuer.String()
	info.CertNotAfter = leaf.NotAfter.UTC()
	info.CertSANs = append([]string{}, leaf.DNSNames...)
	for _, ip := range leaf.IPAddresses {
		info.CertSANs = append(info.CertSANs, ip.String())
	}
	info.DaysLeft = int(leaf.NotAfter.Sub(now).Hours() / 24)
	inter := x509.NewCertPool()
	for _, c := range st.PeerCertificates[1:] {
		inter.AddCert(c)
	}
	host := strings.TrimSuffix(strings.Trim(s.opts.Host, "[]"), ".")
	_, err := leaf.Verify(x509.VerifyOptions{DNSName: host, Roots: s.opts.RootCAs, Intermediates: inter, CurrentTime: now})
	s.tr.note("certificate: %s, issued by %s, valid until %s (%d days), names %s",
		Sanitize(info.CertSubject, 200), Sanitize(info.CertIssuer, 200), info.CertNotAfter.Format("2006-01-02"), info.DaysLeft, Sanitize(strings.Join(info.CertSANs, " "), 300))
	if err == nil {
		info.Verified = true
		f := Finding{ID: "smtp.cert", Status: StatusPass,
			Title:    fmt.Sprintf("The certificate is valid for %s (%d days left)", host, info.DaysLeft),
			Evidence: Sanitize(info.CertSubject+"; issuer "+info.CertIssuer, 300), Ref: "RFC 6125"}
		if info.DaysLeft < certExpiryWarnDays {
			f.Status = StatusWarn
			f.Title = fmt.Sprintf("The certificate expires in %d days (%s)", info.DaysLeft, info.CertNotAfter.Format("2006-01-02"))
			f.Fix = "The server's operator must renew it; automatic renewal usually runs 30 days ahead, so it may be failing."
		}
		s.find(f)
		return true
	}
	info.VerifyError = errText(err)
	f := certFailure(err, host, info)
	if s.opts.Insecure {
		f.Status = StatusWarn
		f.Title += " (ignored: --insecure)"
		s.find(f)
		s.tr.note("certificate NOT verified; continuing because of --insecure")
		return true
	}
	s.find(f)
	s.tr.note("certificate not trusted; stopping before anything else is sent")
	return false
}

// certFailure is the finding for a verification error, by kind.
func certFailure(err error, host string, info *TLSInfo) Finding {
	f := Finding{ID: "smtp.cert", Status: StatusFail, Detail: errText(err), Ref: "RFC 6125 §6",
		Evidence: Sanitize(info.CertSubject+"; names: "+strings.Join(info.CertSANs, " ")+"; issuer "+info.CertIssuer, 400)}
	var he x509.HostnameError
	var ua x509.UnknownAuthorityError
	var ci x509.CertificateInvalidError
	switch {
	case errors.As(err, &ci) && ci.Reason == x509.Expired:
		if info.DaysLeft < 0 {
			f.Title = fmt.Sprintf("The certificate expired on %s", info.CertNotAfter.Format("2006-01-02"))
		} else {
			f.Title = "The certificate is not valid yet"
		}
		f.Fix = "The server's operator must renew it. If the date looks wrong, check this machine's clock."
	case errors.As(err, &he):
		f.Title = fmt.Sprintf("The certificate is not for %s", host)
		f.Fix = "Connect with the host name the certificate names (see the provider's documentation), not an alias or IP."
	case errors.As(err, &ua):
		f.Title = "The certificate is not signed by a trusted authority"
		f.Detail = "It is self-signed or from a private CA this machine does not trust (or someone is intercepting the connection)."
		f.Fix = "For a private CA, pass its certificate with --ca-file; otherwise do not send credentials to this server."
	default:
		f.Title = "The certificate could not be verified"
		f.Fix = "Ask the server's operator to fix the chain it sends."
	}
	return f
}
