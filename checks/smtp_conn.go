package checks

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"time"
)

// session is one SMTP client session driven line by line over the raw
// connection (net/textproto's framing, done here so that every line is timed,
// redacted and sanitised as it passes, and so that ctx and per-step deadlines
// reach every read). It is used from one goroutine.
type session struct {
	opts HandshakeOptions
	sink Sink
	rep  *HandshakeReport
	tr   *transcript

	raw  net.Conn // the TCP connection
	conn net.Conn // raw, or the TLS connection over it
	br   *bufio.Reader
	ip   net.IP
	addr string

	tlsOn bool
	// broken is set when a read or write failed: the connection's state is
	// unknown, so nothing more (not even QUIT) is sent.
	broken bool
	ext    Extensions
	helo   string
	ctx    context.Context // the check's context, set by attach
	stopWG sync.WaitGroup
	stop   chan struct{}
}

// stageTimer opens a stage: it reports the stage running and returns a
// function that closes it with its outcome and time.
func (s *session) stageBegin(name string) func(st Status, r *Reply, detail string) {
	began := time.Now()
	s.sink(Event{Kind: EventStage, Stage: Stage{Name: name, Status: "running", Running: true}})
	return func(st Status, r *Reply, detail string) {
		stg := Stage{Name: name, Status: st, Ms: time.Since(began).Milliseconds(), Detail: s.tr.redact(detail)}
		if r != nil {
			stg.Code, stg.Enhanced = r.Code, r.Enhanced
		}
		s.rep.Stages = append(s.rep.Stages, stg)
		s.sink(Event{Kind: EventStage, Stage: stg})
	}
}

// find records a finding and streams it.
func (s *session) find(f Finding) {
	f.Title, f.Detail, f.Evidence = s.tr.redact(f.Title), s.tr.redact(f.Detail), s.tr.redact(f.Evidence)
	s.rep.Findings = append(s.rep.Findings, f)
	s.sink(Event{Kind: EventFinding, Finding: f})
}

// attach makes c the session's connection and closes it when ctx ends, so
// that a cancelled check returns at once from any read or write.
func (s *session) attach(ctx context.Context, c net.Conn) {
	s.raw, s.conn, s.ctx = c, c, ctx
	s.br = bufio.NewReaderSize(c, 4096)
	s.stop = make(chan struct{})
	s.stopWG.Add(1)
	go func() {
		defer s.stopWG.Done()
		select {
		case <-ctx.Done():
			c.Close()
		case <-s.stop:
		}
	}()
}

// close ends the connection and the goroutine watching ctx.
func (s *session) close() {
	if s.raw == nil {
		return
	}
	close(s.stop)
	s.stopWG.Wait()
	s.raw.Close()
	s.raw = nil
}

// send writes one command line. shown is what the transcript records (the
// line with any AUTH payload replaced by ********).
func (s *session) send(line, shown string, timeout time.Duration) error {
	s.tr.add(DirClient, shown)
	_ = s.conn.SetWriteDeadline(time.Now().Add(timeout))
	_, err := io.WriteString(s.conn, line+"\r\n")
	if err != nil {
		s.broken = true
	}
	return err
}

// read reads one reply, recording each line as it arrives, within timeout.
func (s *session) read(timeout time.Duration) (*Reply, error) {
	_ = s.conn.SetReadDeadline(time.Now().Add(timeout))
	r, err := readReply(s.br, func(l string) { s.tr.add(DirServer, l) })
	if r != nil { // what the reply carries on to findings and the report
		for i := range r.Raw {
			r.Raw[i] = s.tr.redact(r.Raw[i])
		}
		for i := range r.Lines {
			r.Lines[i] = s.tr.redact(r.Lines[i])
		}
	}
	if err != nil {
		s.broken = true
	}
	return r, err
}

// cmd sends a command and reads its reply.
func (s *session) cmd(line, shown string) (*Reply, error) {
	if err := s.send(line, shown, s.opts.timeout()); err != nil {
		return nil, err
	}
	return s.read(s.opts.timeout())
}

// isTimeout reports whether err is a deadline or timeout.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, os.ErrDeadlineExceeded) || errors.As(err, &ne) && ne.Timeout()
}

// isClosed reports whether err means the server closed the connection.
func isClosed(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, net.ErrClosed) || strings.Contains(err.Error(), "connection reset")
}
