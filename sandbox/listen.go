package sandbox

import (
	"crypto/tls"
	"errors"
	"net"
	"sync"
	"time"
)

// listenerKind tells the sandbox's three SMTP listeners apart.
type listenerKind int

const (
	kindSTARTTLS listenerKind = iota
	kindImplicit
	kindPlain
)

// handshakeTimeout bounds the implicit-TLS handshake the sandbox makes before
// handing a connection to go-smtp.
const handshakeTimeout = 10 * time.Second

// chanListener is the net.Listener a go-smtp server serves: it yields the
// connections the sandbox's own accept loops have prepared (faults applied,
// implicit TLS shaken hands) and chosen for that server.
type chanListener struct {
	addr  net.Addr
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
}

func newChanListener(addr net.Addr) *chanListener {
	return &chanListener{addr: addr, conns: make(chan net.Conn), done: make(chan struct{})}
}

// Accept returns the next connection, or net.ErrClosed once closed.
func (l *chanListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

// Close stops Accept; it is safe to call more than once.
func (l *chanListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

// Addr returns the address of the real listener behind it.
func (l *chanListener) Addr() net.Addr { return l.addr }

// trackedConn is an accepted connection the sandbox closes on Close, whoever
// holds it then.
type trackedConn struct {
	net.Conn
	sb   *Sandbox
	once sync.Once
}

// Close closes the connection and forgets it.
func (c *trackedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() {
		c.sb.connMu.Lock()
		delete(c.sb.conns, c)
		c.sb.connMu.Unlock()
	})
	return err
}

// track registers c, or returns nil when the sandbox is closing.
func (sb *Sandbox) track(c net.Conn) *trackedConn {
	sb.connMu.Lock()
	defer sb.connMu.Unlock()
	if sb.conns == nil {
		return nil
	}
	tc := &trackedConn{Conn: c, sb: sb}
	sb.conns[tc] = struct{}{}
	return tc
}

// closeConns closes every tracked connection and refuses new ones.
func (sb *Sandbox) closeConns() {
	sb.connMu.Lock()
	conns := sb.conns
	sb.conns = nil
	sb.connMu.Unlock()
	for c := range conns {
		c.Conn.Close()
	}
}

// acceptLoop accepts connections on l until it is closed and prepares each
// in its own goroutine.
func (sb *Sandbox) acceptLoop(l net.Listener, kind listenerKind) {
	defer sb.wg.Done()
	for {
		c, err := l.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) || sb.ctx.Err() != nil {
				return
			}
			// A transient accept error (out of descriptors): back off.
			select {
			case <-time.After(10 * time.Millisecond):
				continue
			case <-sb.ctx.Done():
				return
			}
		}
		tc := sb.track(c)
		if tc == nil {
			c.Close()
			return
		}
		sb.wg.Add(1)
		go sb.prepare(tc, kind)
	}
}

// prepare applies the banner faults to a new connection, makes the TLS
// handshake of the implicit-TLS listener, and hands the connection to the
// go-smtp server that fits the current faults.
func (sb *Sandbox) prepare(c *trackedConn, kind listenerKind) {
	defer sb.wg.Done()
	f := sb.Faults()
	var conn net.Conn = c
	if kind == kindImplicit {
		tc := tls.Server(c, sb.tlsConfig)
		_ = c.SetDeadline(time.Now().Add(handshakeTimeout))
		if err := tc.HandshakeContext(sb.ctx); err != nil {
			c.Close()
			return
		}
		_ = c.SetDeadline(time.Time{})
		conn = tc
	}
	if f.SlowBanner > 0 {
		t := time.NewTimer(f.SlowBanner)
		select {
		case <-t.C:
		case <-sb.ctx.Done():
			t.Stop()
			conn.Close()
			return
		}
	}
	if f.Banner421 {
		// RFC 5321 §3.1: a server that cannot serve says 421 instead of
		// 220 and closes the connection.
		_ = conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
		_, _ = conn.Write([]byte("421 4.3.2 " + sb.Hostname + " Service not available, try again later\r\n"))
		conn.Close()
		return
	}
	target := sb.smtp[kind]
	if kind == kindSTARTTLS && f.NoSTARTTLS {
		target = sb.smtpNoTLS
	}
	select {
	case target.l.conns <- conn:
	case <-sb.ctx.Done():
		conn.Close()
	}
}
