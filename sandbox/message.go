package sandbox

import (
	"bytes"
	"context"
	"fmt"
	"mime"
	"net/mail"
	"strings"
	"time"

	"github.com/emersion/go-msgauth/dkim"
	"github.com/miekg/dns"
)

// Message is one message the SMTP server accepted.
type Message struct {
	From        string    // envelope sender (MAIL FROM)
	To          []string  // envelope recipients (RCPT TO)
	Subject     string    // the Subject header, MIME words decoded
	MessageID   string    // the Message-ID header, angle brackets kept
	Size        int       // len(Raw)
	Raw         []byte    // the message as received, CRLF line ends
	DKIM        string    // "pass" (a signature verified), "fail" or "none" (unsigned)
	AuthResults string    // Options.Authenticate's verdict, "" without it
	RemoteAddr  string    // the client's host:port
	Helo        string    // the EHLO/HELO name
	TLS         bool      // received under TLS
	AuthUser    string    // the authenticated user, "" when none
	Received    time.Time // when the data ended
	QueueID     string    // the id of the final 250 reply ("queued as ID")
}

// Header returns the message's header block as received (up to the empty
// line), or all of Raw when it has no body.
func (m Message) Header() string {
	if i := bytes.Index(m.Raw, []byte("\r\n\r\n")); i >= 0 {
		return string(m.Raw[:i+2])
	}
	if i := bytes.Index(m.Raw, []byte("\n\n")); i >= 0 {
		return string(m.Raw[:i+1])
	}
	return string(m.Raw)
}

// parseHeaders fills Subject and MessageID from the raw message; a message
// whose header does not parse keeps them empty.
func parseHeaders(m *Message) {
	msg, err := mail.ReadMessage(bytes.NewReader(m.Raw))
	if err != nil {
		return
	}
	subj := msg.Header.Get("Subject")
	if dec, err := new(mime.WordDecoder).DecodeHeader(subj); err == nil {
		subj = dec
	}
	m.Subject = subj
	m.MessageID = strings.TrimSpace(msg.Header.Get("Message-Id"))
}

// verifyDKIM checks the message's DKIM signatures (RFC 6376 §6) against
// the keys in the sandbox's own DNS: "pass" when one verifies, "none" when
// there is none, else "fail".
func (sb *Sandbox) verifyDKIM(raw []byte) string {
	verifs, err := dkim.VerifyWithOptions(bytes.NewReader(raw), &dkim.VerifyOptions{
		LookupTXT:        sb.lookupTXT,
		MaxVerifications: 5,
	})
	if len(verifs) == 0 {
		if err != nil {
			return "fail" // a header too broken to look for signatures in
		}
		return "none"
	}
	for _, v := range verifs {
		if v.Err == nil {
			return "pass"
		}
	}
	return "fail"
}

// lookupTXT asks the sandbox's DNS server for the TXT records of name with
// a DNS client, as any receiver would, over UDP and then TCP when
// truncated. Multiple strings of one record are joined (RFC 7208 §3.3).
func (sb *Sandbox) lookupTXT(name string) ([]string, error) {
	ctx, cancel := context.WithTimeout(sb.ctx, 3*time.Second)
	defer cancel()
	q := new(dns.Msg)
	q.SetQuestion(dns.Fqdn(name), dns.TypeTXT)
	q.SetEdns0(advertisedUDPSize, false)
	c := &dns.Client{Net: "udp", Timeout: 2 * time.Second}
	in, _, err := c.ExchangeContext(ctx, q, sb.DNSAddr)
	if err == nil && in.Truncated {
		c.Net = "tcp"
		in, _, err = c.ExchangeContext(ctx, q, sb.DNSAddr)
	}
	if err != nil {
		return nil, fmt.Errorf("sandbox: lookup %s TXT: %w", name, err)
	}
	if in.Rcode != dns.RcodeSuccess && in.Rcode != dns.RcodeNameError {
		return nil, fmt.Errorf("sandbox: lookup %s TXT: %s", name, dns.RcodeToString[in.Rcode])
	}
	var out []string
	for _, rr := range in.Answer {
		if t, ok := rr.(*dns.TXT); ok {
			out = append(out, strings.Join(t.Txt, ""))
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("sandbox: lookup %s TXT: no record", name)
	}
	return out, nil
}

// capture completes a received message (headers, DKIM, Authenticate) and
// stores it, waking waiters and subscribers.
func (sb *Sandbox) capture(m Message) Message {
	parseHeaders(&m)
	m.DKIM = sb.verifyDKIM(m.Raw)
	if sb.opts.Authenticate != nil {
		ctx, cancel := context.WithTimeout(sb.ctx, 10*time.Second)
		m.AuthResults = sb.opts.Authenticate(ctx, &m)
		cancel()
	}
	sb.msgMu.Lock()
	defer sb.msgMu.Unlock()
	sb.msgs = append(sb.msgs, m)
	close(sb.msgAdded)
	sb.msgAdded = make(chan struct{})
	for _, ch := range sb.subs {
		select {
		case ch <- m:
		default: // a subscriber this far behind misses the message
		}
	}
	return m
}

// Messages returns a copy of the messages captured so far, oldest first.
func (sb *Sandbox) Messages() []Message {
	sb.msgMu.Lock()
	defer sb.msgMu.Unlock()
	return append([]Message(nil), sb.msgs...)
}

// WaitMessage returns the n-th captured message (1-based), waiting for it
// until ctx ends or the sandbox closes.
func (sb *Sandbox) WaitMessage(ctx context.Context, n int) (Message, error) {
	if n < 1 {
		return Message{}, fmt.Errorf("sandbox: message %d: numbers start at 1", n)
	}
	for {
		sb.msgMu.Lock()
		if len(sb.msgs) >= n {
			m := sb.msgs[n-1]
			sb.msgMu.Unlock()
			return m, nil
		}
		added := sb.msgAdded
		sb.msgMu.Unlock()
		select {
		case <-added:
		case <-ctx.Done():
			return Message{}, fmt.Errorf("sandbox: waiting for message %d: %w", n, ctx.Err())
		case <-sb.ctx.Done():
			return Message{}, fmt.Errorf("sandbox: waiting for message %d: sandbox closed", n)
		}
	}
}

// subscriberBuffer is how many messages a subscriber may fall behind before
// it misses some.
const subscriberBuffer = 256

// Subscribe returns a channel that receives each message captured from now
// on, and a function that ends the subscription and closes the channel.
// Close ends every subscription. A subscriber more than 256 messages behind
// misses messages rather than slowing the server.
func (sb *Sandbox) Subscribe() (<-chan Message, func()) {
	ch := make(chan Message, subscriberBuffer)
	sb.msgMu.Lock()
	defer sb.msgMu.Unlock()
	if sb.subs == nil {
		close(ch) // closed already
		return ch, func() {}
	}
	id := sb.nextSub
	sb.nextSub++
	sb.subs[id] = ch
	return ch, func() {
		sb.msgMu.Lock()
		defer sb.msgMu.Unlock()
		if c, ok := sb.subs[id]; ok {
			delete(sb.subs, id)
			close(c)
		}
	}
}

// endSubscriptions closes every subscriber's channel.
func (sb *Sandbox) endSubscriptions() {
	sb.msgMu.Lock()
	defer sb.msgMu.Unlock()
	for _, ch := range sb.subs {
		close(ch)
	}
	sb.subs = nil
}
