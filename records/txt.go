package records

import (
	"strconv"
	"strings"
)

// MaxTXTString is the longest character-string a TXT record can hold: one
// length octet caps it at 255 bytes (RFC 1035 §3.3).
const MaxTXTString = 255

// SplitTXT cuts a record value into the character-strings of one TXT record,
// each at most 255 bytes. Verifiers join them again with nothing between them
// (RFC 7208 §3.3, RFC 6376 §3.6.2.2), so the cut may fall anywhere; an empty
// value is one empty string.
func SplitTXT(s string) []string {
	if len(s) <= MaxTXTString {
		return []string{s}
	}
	out := make([]string, 0, len(s)/MaxTXTString+1)
	for len(s) > MaxTXTString {
		out = append(out, s[:MaxTXTString])
		s = s[MaxTXTString:]
	}
	if s != "" {
		out = append(out, s)
	}
	return out
}

// ZoneTXT formats a record value as the RDATA of a TXT line in a zone file:
// the value's 255-byte strings, each quoted, separated by spaces. Quotes and
// backslashes are escaped and bytes outside printable ASCII are written as
// \DDD (RFC 1035 §5.1), so the line loads back to exactly s.
func ZoneTXT(s string) string {
	var b strings.Builder
	for i, part := range SplitTXT(s) {
		if i > 0 {
			b.WriteByte(' ')
		}
		quoteZone(&b, part)
	}
	return b.String()
}

// quoteZone writes one quoted character-string in master-file syntax.
func quoteZone(b *strings.Builder, s string) {
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < ' ' || c > '~':
			b.WriteByte('\\')
			d := strconv.Itoa(int(c))
			b.WriteString(strings.Repeat("0", 3-len(d)))
			b.WriteString(d)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
}
