package checks

import (
	"net/netip"
	"strconv"
	"strings"

	"github.com/mailcfg/mailcfg/records"
)

// expand expands a parsed macro-string for the record of domain (RFC 7208
// §7.3, §7.4). explain admits the letters c, r and t of explanation text.
func (e *spfEval) expand(ms []records.SPFMacro, domain string, explain bool) (string, error) {
	var b strings.Builder
	for _, m := range ms {
		if m.Letter == 0 {
			b.WriteString(m.Literal)
			continue
		}
		v, err := e.macroValue(m.Letter, domain, explain)
		if err != nil {
			return "", err
		}
		v = spfTransform(v, m)
		if m.URLEscape {
			v = spfURLEscape(v)
		}
		b.WriteString(v)
	}
	return b.String(), nil
}

// macroValue is the value of one macro letter (RFC 7208 §7.3).
func (e *spfEval) macroValue(letter byte, domain string, explain bool) (string, error) {
	switch letter {
	case 's':
		return e.sender, nil
	case 'l':
		return e.local, nil
	case 'o':
		return e.senderDomain, nil
	case 'd':
		return domain, nil
	case 'h':
		return e.helo, nil
	case 'i':
		return spfDottedIP(e.ip), nil
	case 'v':
		if e.ip.Is4() {
			return "in-addr", nil
		}
		return "ip6", nil
	case 'p':
		return e.validatedName(domain), nil
	}
	if !explain {
		return "", spfPerm("macro %%{%c} is allowed only in explanation text (RFC 7208 §7.3)", letter)
	}
	switch letter {
	case 'c':
		return e.ip.String(), nil
	case 'r':
		return e.receiver, nil
	case 't':
		return strconv.FormatInt(e.now().Unix(), 10), nil
	}
	return "", spfPerm("unknown macro letter %q", letter)
}

// validatedName is %{p} (RFC 7208 §7.3): a validated name of the client
// address, preferring domain itself, then a subdomain of it, then any; or
// "unknown". The lookups behind it never fail the evaluation.
func (e *spfEval) validatedName(domain string) string {
	if !e.ptrDone {
		names, _ := e.ptrLookup(false)
		e.ptrNames = e.validate(names)
		e.ptrDone = true
	}
	for _, n := range e.ptrNames {
		if strings.EqualFold(n, strings.TrimSuffix(domain, ".")) {
			return n
		}
	}
	for _, n := range e.ptrNames {
		if spfIsSubdomain(n, domain) {
			return n
		}
	}
	if len(e.ptrNames) > 0 {
		return e.ptrNames[0]
	}
	return "unknown"
}

// dottedIP is %{i}: an IPv4 address in dotted quad, an IPv6 address as 32
// dot-separated nibbles (RFC 7208 §7.3).
func spfDottedIP(ip netip.Addr) string {
	if ip.Is4() {
		return ip.String()
	}
	const hex = "0123456789ABCDEF"
	b := make([]byte, 0, 63)
	for i, x := range ip.As16() {
		if i > 0 {
			b = append(b, '.')
		}
		b = append(b, hex[x>>4], '.', hex[x&15])
	}
	return string(b)
}

// transformMacro applies a macro's delimiters, reversal and digit count
// (RFC 7208 §7.3): split on the delimiters, reverse, keep the right-most
// parts, join with dots.
func spfTransform(v string, m records.SPFMacro) string {
	if m.Delims == "" && !m.Reverse && m.Digits == 0 {
		return v
	}
	delims := m.Delims
	if delims == "" {
		delims = "."
	}
	parts := spfSplitAny(v, delims)
	if m.Reverse {
		for i, j := 0, len(parts)-1; i < j; i, j = i+1, j-1 {
			parts[i], parts[j] = parts[j], parts[i]
		}
	}
	if m.Digits > 0 && m.Digits < len(parts) {
		parts = parts[len(parts)-m.Digits:]
	}
	return strings.Join(parts, ".")
}

// splitAny splits s at every byte found in seps, keeping empty parts.
func spfSplitAny(s, seps string) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(seps, s[i]) >= 0 {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

// urlEscape escapes every byte outside RFC 3986's unreserved set, as an
// upper-case macro letter asks (RFC 7208 §7.3).
func spfURLEscape(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

// truncateDomain removes labels from the left of a name longer than 253
// bytes until it fits (RFC 7208 §7.3).
func spfTruncate(s string) string {
	for len(strings.TrimSuffix(s, ".")) > 253 {
		i := strings.IndexByte(s, '.')
		if i < 0 {
			return s
		}
		s = s[i+1:]
	}
	return s
}
