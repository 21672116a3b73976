package checks

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
	"unicode"
)

// TestMessage describes the test message Send builds.
type TestMessage struct {
	From, To string
	RunID    string
	Date     time.Time
	// Settings names what is being tested, one "name: value" per entry, for
	// the body.
	Settings []string
	// UTF8 lets From, To and the body carry UTF-8 as given (RFC 6532 §3),
	// for a message sent with SMTPUTF8 (RFC 6531); otherwise every header
	// and body line is printable ASCII and anything else shows as "?".
	UTF8 bool
}

// NewRunID returns a short random id that ties a test message to its run.
func NewRunID() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// domainOf returns the domain part of an address, lower-cased and in
// A-labels, the form DNS, SPF, DKIM and DMARC use (RFC 8616 §3, §4).
func domainOf(addr string) string {
	addr = strings.Trim(strings.TrimSpace(addr), "<>")
	if i := strings.LastIndexByte(addr, '@'); i >= 0 {
		return asciiDomain(addr[i+1:])
	}
	return ""
}

// Build returns the message (RFC 5322, with CRLF line ends and a MIME
// single-part text body, RFC 2045) and its Message-ID (RFC 5322 §3.6.4:
// unique, on the sender's domain in A-labels). With UTF8 the From and To
// fields and the body keep their UTF-8 (RFC 6532 §3.2) and the body is
// declared 8bit when it has any (RFC 2045 §6.2); without it the message is
// 7-bit ASCII.
func (m TestMessage) Build() (raw []byte, messageID string) {
	if m.Date.IsZero() {
		m.Date = time.Now()
	}
	if m.RunID == "" {
		m.RunID = NewRunID()
	}
	dom := domainOf(m.From)
	if dom == "" || !isASCII(dom) {
		dom = "localhost"
	}
	clean := asciiOnly
	if m.UTF8 {
		clean = printableOnly
	}
	messageID = fmt.Sprintf("<mailcfg.%s.%d@%s>", m.RunID, m.Date.UnixNano(), dom)
	var b strings.Builder
	h := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	h("Date", m.Date.Format(time.RFC1123Z))
	h("From", "<"+clean(m.From)+">")
	h("To", "<"+clean(m.To)+">")
	h("Subject", "mailcfg test message "+m.RunID)
	h("Message-ID", messageID)
	h("MIME-Version", "1.0")
	h("Content-Type", "text/plain; charset=utf-8")
	body := []string{
		"This is a test message sent by mailcfg to check a domain's outgoing",
		"email setup. It can be deleted.",
		"",
		"Run id: " + m.RunID,
		"Sent:   " + m.Date.UTC().Format(time.RFC3339),
		"From:   " + m.From,
		"To:     " + m.To,
		"",
		"Settings tested:",
	}
	for _, s := range m.Settings {
		body = append(body, "  "+s)
	}
	body = append(body, "", "Look at this message's Authentication-Results header to see how the", "receiver judged SPF, DKIM and DMARC.")
	var text strings.Builder
	for _, l := range body {
		// No bare CR or LF reaches the body (RFC 5322 §2.3); without
		// UTF8 only ASCII does either (7bit).
		text.WriteString(clean(l) + "\r\n")
	}
	cte := "7bit"
	if !isASCII(text.String()) {
		cte = "8bit" // RFC 6152 §3: sent with BODY=8BITMIME
	}
	h("Content-Transfer-Encoding", cte)
	b.WriteString("\r\n")
	b.WriteString(text.String())
	return []byte(b.String()), messageID
}

// printableOnly replaces control characters (C0, DEL, C1), format
// characters (bidi, zero-width), line and paragraph separators and invalid
// UTF-8 with "?", keeping printable Unicode (RFC 6532 §3.2, RFC 5198 §2).
func printableOnly(s string) string {
	s = strings.ToValidUTF8(s, "?")
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || unicode.Is(unicode.Cf, r) || r == 0x2028 || r == 0x2029 {
			return '?'
		}
		return r
	}, s)
}

// asciiOnly replaces anything outside printable ASCII with "?".
func asciiOnly(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e {
			return '?'
		}
		return r
	}, s)
}
