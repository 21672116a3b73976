package records

import (
	"strconv"
	"strings"
)

// MTASTS is the MTA-STS TXT record at _mta-sts.<domain> (RFC 8461 §3.1).
type MTASTS struct {
	// ID names the current policy; senders refetch it when ID changes.
	ID string
	// Extensions holds any other fields, name=value, in order.
	Extensions []string
}

// STSMaxAge is the largest max_age a policy may carry, about one year
// (RFC 8461 §3.2).
const STSMaxAge = 31557600

// ParseMTASTS parses an MTA-STS TXT record: v=STSv1 first, then id= of 1 to
// 32 letters and digits, and optional extension fields (RFC 8461 §3.1). The
// error is a *SyntaxError.
func ParseMTASTS(s string) (*MTASTS, error) {
	bad := func(pos int, msg string) error {
		return &SyntaxError{Kind: "mta-sts", Record: s, Pos: pos, Msg: msg}
	}
	m := &MTASTS{}
	pos := 0
	first := true
	for _, field := range strings.Split(s, ";") {
		start := pos
		pos += len(field) + 1
		f := strings.Trim(field, " \t")
		lead := len(field) - len(strings.TrimLeft(field, " \t"))
		if f == "" {
			if pos <= len(s) && strings.Trim(s[min(pos, len(s)):], " \t;") != "" {
				return nil, bad(start, "empty field between semicolons")
			}
			continue
		}
		name, val, ok := strings.Cut(f, "=")
		if !ok {
			return nil, bad(start+lead, "expected name=value, not "+tagQuote(f))
		}
		if first {
			// RFC 8461 §3.1: sts-version = %s"v=STSv1", first.
			if name != "v" || val != "STSv1" {
				return nil, bad(start+lead, "the record must start with v=STSv1")
			}
			first = false
			continue
		}
		switch {
		case name == "id":
			if len(val) < 1 || len(val) > 32 || !stsAlnum(val) {
				return nil, bad(start+lead+3, "id= must be 1 to 32 letters and digits, not "+tagQuote(val))
			}
			if m.ID != "" {
				return nil, bad(start+lead, "id= appears twice")
			}
			m.ID = val
		case stsExtName(name) && stsExtValue(val):
			m.Extensions = append(m.Extensions, name+"="+val)
		default:
			return nil, bad(start+lead, "invalid field "+tagQuote(f))
		}
	}
	if first {
		return nil, bad(0, "the record must start with v=STSv1")
	}
	if m.ID == "" {
		return nil, bad(len(s), "the record has no id= field")
	}
	return m, nil
}

// String formats m as "v=STSv1; id=...".
func (m *MTASTS) String() string {
	parts := append([]string{"v=STSv1", "id=" + m.ID}, m.Extensions...)
	return strings.Join(parts, "; ")
}

func stsAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		if !tagAlpha(s[i]) && !tagDigit(s[i]) {
			return false
		}
	}
	return true
}

// stsExtName: (ALPHA / DIGIT) 0*31(ALPHA / DIGIT / "_" / "-" / ".").
func stsExtName(s string) bool {
	if s == "" || len(s) > 32 || !tagAlpha(s[0]) && !tagDigit(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !tagAlpha(c) && !tagDigit(c) && c != '_' && c != '-' && c != '.' {
			return false
		}
	}
	return true
}

// stsExtValue: 1*(%x21-3A / %x3C / %x3E-7E).
func stsExtValue(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x21 || c > 0x7e || c == ';' || c == '=' {
			return false
		}
	}
	return true
}

// STSPolicy is an MTA-STS policy file, served at
// https://mta-sts.<domain>/.well-known/mta-sts.txt (RFC 8461 §3.2).
type STSPolicy struct {
	Version string   // "STSv1"
	Mode    string   // enforce, testing or none
	MX      []string // patterns: a host name, or "*." and a host name
	MaxAge  int      // seconds, at most STSMaxAge
}

// The policy modes of RFC 8461 §5.
const (
	STSEnforce = "enforce"
	STSTesting = "testing"
	STSNone    = "none"
)

// ParseSTSPolicy parses a policy file: "key: value" lines ended by LF or
// CRLF, with version STSv1, mode, max_age and, unless the mode is none, one
// or more mx lines (RFC 8461 §3.2). Unknown keys are ignored; for a key
// other than mx given twice, the first wins. The error is a *SyntaxError
// whose Pos is the byte offset of the offending line.
func ParseSTSPolicy(text string) (*STSPolicy, error) {
	bad := func(pos int, msg string) error {
		return &SyntaxError{Kind: "mta-sts", Record: text, Pos: pos, Msg: msg}
	}
	p := &STSPolicy{MaxAge: -1}
	pos := 0
	for _, line := range strings.Split(text, "\n") {
		start := pos
		pos += len(line) + 1
		line = strings.TrimSuffix(line, "\r")
		if strings.Trim(line, " \t") == "" {
			continue
		}
		key, val, ok := strings.Cut(line, ":")
		if !ok {
			return nil, bad(start, "expected key: value, not "+tagQuote(line))
		}
		val = strings.Trim(val, " \t")
		switch key {
		case "version":
			if p.Version != "" {
				continue
			}
			if val != "STSv1" {
				return nil, bad(start, "version must be STSv1, not "+tagQuote(val))
			}
			p.Version = val
		case "mode":
			if p.Mode != "" {
				continue
			}
			if val != STSEnforce && val != STSTesting && val != STSNone {
				return nil, bad(start, "mode must be enforce, testing or none, not "+tagQuote(val))
			}
			p.Mode = val
		case "max_age":
			if p.MaxAge >= 0 {
				continue
			}
			n, err := strconv.Atoi(val)
			if err != nil || n < 0 || len(val) > 10 || val[0] == '+' {
				return nil, bad(start, "max_age must be a number of seconds, not "+tagQuote(val))
			}
			if n > STSMaxAge {
				return nil, bad(start, "max_age "+val+" is over the limit of 31557600 seconds (about a year)")
			}
			p.MaxAge = n
		case "mx":
			if !ValidMXPattern(val) {
				return nil, bad(start, "mx pattern "+tagQuote(val)+" is not a host name or *.host name")
			}
			p.MX = append(p.MX, strings.ToLower(strings.TrimSuffix(val, ".")))
		}
	}
	switch {
	case p.Version == "":
		return nil, bad(0, "the policy has no version: STSv1 line")
	case p.Mode == "":
		return nil, bad(0, "the policy has no mode line")
	case p.MaxAge < 0:
		return nil, bad(0, "the policy has no max_age line")
	case len(p.MX) == 0 && p.Mode != STSNone:
		return nil, bad(0, "the policy has no mx line; list each MX host")
	}
	return p, nil
}

// ValidMXPattern reports whether s is an MTA-STS mx pattern: a host name,
// optionally with one leading "*." wildcard label (RFC 8461 §3.2, §4.1).
func ValidMXPattern(s string) bool {
	s = strings.TrimPrefix(s, "*.")
	return !strings.Contains(s, "*") && tagDomainOK(s) && strings.Contains(strings.TrimSuffix(s, "."), ".")
}

// String formats p as a policy file with LF line ends.
func (p *STSPolicy) String() string {
	var b strings.Builder
	b.WriteString("version: " + p.Version + "\n")
	b.WriteString("mode: " + p.Mode + "\n")
	for _, mx := range p.MX {
		b.WriteString("mx: " + mx + "\n")
	}
	b.WriteString("max_age: " + strconv.Itoa(p.MaxAge) + "\n")
	return b.String()
}

// Matches reports whether an MX host is allowed by one of the policy's mx
// patterns: equal ignoring case and a trailing dot, or "*.rest" where the
// host is exactly one label followed by rest (RFC 8461 §4.1).
func (p *STSPolicy) Matches(mxHost string) bool {
	h := strings.ToLower(strings.TrimSuffix(mxHost, "."))
	if h == "" {
		return false
	}
	for _, pat := range p.MX {
		pat = strings.ToLower(strings.TrimSuffix(pat, "."))
		if rest, ok := strings.CutPrefix(pat, "*."); ok {
			label, tail, found := strings.Cut(h, ".")
			if found && label != "" && tail == rest {
				return true
			}
			continue
		}
		if h == pat {
			return true
		}
	}
	return false
}
