package checks

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// MaxLineBytes caps one transcript line as shown: RFC 5321 §4.5.3.1.5 allows a
// reply line 512 octets including CRLF, so anything longer is cut with a
// note of how much was dropped.
const MaxLineBytes = 512

// Sanitize makes server text safe to show in a terminal or a file: control
// characters (C0, DEL, C1) and invalid UTF-8 are written as escapes (\x1b,
// \r, \t…), so an escape sequence cannot paint the terminal or move the
// cursor, and the result is cut to max bytes (MaxLineBytes when max <= 0).
func Sanitize(s string, max int) string {
	if max <= 0 {
		max = MaxLineBytes
	}
	clean := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			clean = false
			break
		}
	}
	if clean && len(s) <= max {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		if b.Len() >= max {
			fmt.Fprintf(&b, "…[+%d bytes]", len(s)-i)
			break
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\n':
			b.WriteString(`\n`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r >= 0x80 && r < 0xa0:
			fmt.Fprintf(&b, `\u%04x`, r)
		case r == 0x2028 || r == 0x2029 || r == 0xfeff || (r >= 0x200b && r <= 0x200f) || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069):
			// Line separators, zero-width and bidi controls can hide or
			// reorder text (the "Trojan Source" trick).
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// SanitizeLines is Sanitize for text whose line breaks are its own (a
// finding's detail, a policy file, a report's to-do): each line is
// sanitised on its own, cut to max bytes, and the LF between lines kept; a
// CR before an LF is dropped, any other CR is escaped.
func SanitizeLines(s string, max int) string {
	if !strings.ContainsRune(s, '\n') {
		return Sanitize(s, max)
	}
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = Sanitize(strings.TrimSuffix(l, "\r"), max)
	}
	return strings.Join(lines, "\n")
}
