package checks

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
)

// TestMessage describes the test message Send builds.
type TestMessage struct {
	From, To string
	RunID    string
	Date     time.Time
	// Settings names what is being tested, one "name: value" per entry, for
	// the body.
	Settings []string
}

// NewRunID returns a short random id that ties a test message to its run.
func NewRunID() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// domainOf returns the domain part of an address, lower-cased.
func domainOf(addr string) string {
	addr = strings.Trim(strings.TrimSpace(addr), "<>")
	if i := strings.LastIndexByte(addr, '@'); i >= 0 {
		return strings.ToLower(strings.TrimSuffix(addr[i+1:], "."))
	}
	return ""
}

// Build returns the message (RFC 5322, with CRLF line ends and a MIME
// single-part text body, RFC 2045) and its Message-ID (RFC 5322 §3.6.4:
// unique, on the sender's domain).
func (m TestMessage) Build() (raw []byte, messageID string) {
	if m.Date.IsZero() {
		m.Date = time.Now()
	}
	if m.RunID == "" {
		m.RunID = NewRunID()
	}
	dom := domainOf(m.From)
	if dom == "" {
		dom = "localhost"
	}
	messageID = fmt.Sprintf("<mailcfg.%s.%d@%s>", m.RunID, m.Date.UnixNano(), dom)
	var b strings.Builder
	h := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	h("Date", m.Date.Format(time.RFC1123Z))
	h("From", "<"+asciiOnly(m.From)+">")
	h("To", "<"+asciiOnly(m.To)+">")
	h("Subject", "mailcfg test message "+m.RunID)
	h("Message-ID", messageID)
	h("MIME-Version", "1.0")
	h("Content-Type", "text/plain; charset=utf-8")
	h("Content-Transfer-Encoding", "7bit")
	b.WriteString("\r\n")
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
	for _, l := range body {
		// Only ASCII and no bare CR/LF reach the body (7bit, RFC 5322 §2.3).
		b.WriteString(asciiOnly(l) + "\r\n")
	}
	return []byte(b.String()), messageID
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
