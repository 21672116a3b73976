package sandbox

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"io"
	"log"
	"net"
	"strings"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Faults are the misbehaviours the SMTP server can be switched to while it
// runs (SetFaults). The zero value is a well-behaved server.
type Faults struct {
	// AuthReject fails every AUTH with 535 5.7.8 (RFC 4954 §6).
	AuthReject bool
	// Banner421 greets with 421 4.3.2 and closes (RFC 5321 §3.1).
	Banner421 bool
	// Temp451 answers MAIL FROM with 451 4.3.0 (RFC 5321 §4.2.5).
	Temp451 bool
	// SlowBanner is a delay before the greeting (after the TLS handshake
	// on the implicit-TLS listener).
	SlowBanner time.Duration
	// DropInData closes the connection after the message's data has
	// arrived, before the final reply.
	DropInData bool
	// NoSTARTTLS stops the STARTTLS listener offering STARTTLS (and so
	// AUTH, which it offers only under TLS).
	NoSTARTTLS bool
}

// SMTP server limits.
const (
	maxMessageBytes = 10 << 20
	maxRecipients   = 100
	readTimeout     = 60 * time.Second
	writeTimeout    = 30 * time.Second
)

// smtpServer is one go-smtp server and the listener it serves.
type smtpServer struct {
	srv *smtp.Server
	l   *chanListener
}

// newSMTPServer configures a go-smtp server for the sandbox. tlsOn makes it
// offer STARTTLS; submission requires AUTH before MAIL (RFC 6409 §4.3).
func (sb *Sandbox) newSMTPServer(addr net.Addr, tlsOn, submission bool) *smtpServer {
	s := smtp.NewServer(&backend{sb: sb, submission: submission})
	s.Domain = sb.Hostname
	s.MaxMessageBytes = maxMessageBytes
	s.MaxRecipients = maxRecipients
	s.ReadTimeout = readTimeout
	s.WriteTimeout = writeTimeout
	s.EnableSMTPUTF8 = true
	s.ErrorLog = log.New(io.Discard, "", 0)
	if tlsOn {
		s.TLSConfig = sb.tlsConfig
	}
	return &smtpServer{srv: s, l: newChanListener(addr)}
}

// backend makes a session for each connection of one go-smtp server.
type backend struct {
	sb         *Sandbox
	submission bool
}

// NewSession implements smtp.Backend.
func (b *backend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	return &session{sb: b.sb, conn: c, submission: b.submission}, nil
}

// session is one SMTP session; go-smtp calls it from one goroutine.
type session struct {
	sb         *Sandbox
	conn       *smtp.Conn
	submission bool
	authUser   string
	from       string
	to         []string
}

var (
	errAuthRequired = &smtp.SMTPError{Code: 530, EnhancedCode: smtp.EnhancedCode{5, 7, 0}, Message: "Authentication required"}
	errTemp451      = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Temporary failure, try again later"}
	errDropped      = errors.New("sandbox: connection dropped in DATA (fault)")
)

// AuthMechanisms implements smtp.AuthSession.
func (s *session) AuthMechanisms() []string { return []string{sasl.Plain, sasl.Login} }

// Auth implements smtp.AuthSession.
func (s *session) Auth(mech string) (sasl.Server, error) {
	switch mech {
	case sasl.Plain:
		return sasl.NewPlainServer(func(identity, user, pass string) error {
			// RFC 4616 §2: an authorization identity other than the
			// user's own is not granted here.
			if identity != "" && identity != user {
				return smtp.ErrAuthFailed
			}
			return s.login(user, pass)
		}), nil
	case sasl.Login:
		return &loginServer{auth: s.login}, nil
	}
	return nil, smtp.ErrAuthUnknownMechanism
}

// login checks the throwaway credentials; failures are 535 5.7.8.
func (s *session) login(user, pass string) error {
	if s.sb.Faults().AuthReject {
		return smtp.ErrAuthFailed
	}
	okUser := subtle.ConstantTimeCompare([]byte(user), []byte(s.sb.User))
	okPass := subtle.ConstantTimeCompare([]byte(pass), []byte(s.sb.Password))
	if okUser&okPass != 1 {
		return smtp.ErrAuthFailed
	}
	s.authUser = user
	return nil
}

// Mail implements smtp.Session.
func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if s.sb.Faults().Temp451 {
		return errTemp451
	}
	if s.submission && s.authUser == "" {
		return errAuthRequired
	}
	s.from = from
	s.to = nil
	return nil
}

// Rcpt implements smtp.Session.
func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}

// Data implements smtp.Session: it reads the message and captures it.
func (s *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err // go-smtp answers 552 for a message over the size limit
	}
	if s.sb.Faults().DropInData {
		s.conn.Conn().Close()
		return errDropped
	}
	_, isTLS := s.conn.TLSConnectionState()
	id := queueID()
	m := s.sb.capture(Message{
		QueueID:    id,
		From:       s.from,
		To:         append([]string(nil), s.to...),
		Raw:        raw,
		Size:       len(raw),
		RemoteAddr: s.conn.Conn().RemoteAddr().String(),
		Helo:       s.conn.Hostname(),
		TLS:        isTLS,
		AuthUser:   s.authUser,
		Received:   time.Now(),
	})
	// go-smtp sends a *SMTPError's code as it is: this is the final
	// 250 with a queue id, as Postfix words it, followed by what the
	// sandbox as a receiver concluded, so `mailcfg send` can show it.
	text := "OK: queued as " + id
	if m.AuthResults != "" {
		text += "; " + m.AuthResults
	}
	return &smtp.SMTPError{Code: 250, EnhancedCode: smtp.EnhancedCode{2, 0, 0}, Message: text}
}

// queueID returns a random queue id of 12 upper-case hex digits.
func queueID() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return strings.ToUpper(hex.EncodeToString(b[:]))
}

// Reset implements smtp.Session.
func (s *session) Reset() {
	s.from = ""
	s.to = nil
}

// Logout implements smtp.Session.
func (s *session) Logout() error { return nil }

// loginServer is the server side of the LOGIN mechanism
// (draft-murchison-sasl-login-00): "Username:", then "Password:".
type loginServer struct {
	step int
	user string
	auth func(user, pass string) error
}

// Next implements sasl.Server.
func (l *loginServer) Next(resp []byte) (challenge []byte, done bool, err error) {
	switch l.step {
	case 0:
		if len(resp) == 0 {
			l.step = 1
			return []byte("Username:"), false, nil
		}
		// An initial response carries the user name (§2.1).
		l.user = string(resp)
		l.step = 2
		return []byte("Password:"), false, nil
	case 1:
		l.user = string(resp)
		l.step = 2
		return []byte("Password:"), false, nil
	case 2:
		l.step = 3
		return nil, true, l.auth(l.user, string(resp))
	}
	return nil, true, sasl.ErrUnexpectedClientResponse
}
