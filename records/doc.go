// Package records is the pure grammar of the DNS records mail depends on:
// SPF (RFC 7208), DKIM public keys (RFC 6376, RFC 8463), DMARC (RFC 9989),
// MTA-STS (RFC 8461), TLS-RPT (RFC 8460) and BIMI. Each kind parses to a typed
// record and formats back; the planner merges what a provider needs with what
// a domain already publishes. Nothing here does I/O.
package records

import "fmt"

// SyntaxError is a record that does not parse: what was wrong and where.
type SyntaxError struct {
	Kind   string // "spf", "dmarc", "dkim", "mta-sts", "tls-rpt"
	Record string // the text that was parsed
	Pos    int    // byte offset of the problem in Record
	Msg    string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("%s: %s at byte %d", e.Kind, e.Msg, e.Pos)
}
