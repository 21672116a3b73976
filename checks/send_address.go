package checks

// Addresses for the test send: RFC 5321 §4.1.2 (Mailbox, Local-part,
// Dot-string, Quoted-string), RFC 6531 §3.3 (UTF-8 in the local part with
// SMTPUTF8), RFC 5890/5891 (IDNA: A-labels for the envelope and DNS) and RFC
// 8616 §3–4 (SPF, DKIM and DMARC look up A-labels).

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// ErrAddress is the error ParseAddress's errors wrap.
var ErrAddress = errors.New("checks: not a valid mail address")

// AddressError says why a string is not an address Send can use. It wraps
// ErrAddress.
type AddressError struct {
	Input  string // the string as given
	Reason string // one short clause: what is wrong
}

// Error implements error.
func (e *AddressError) Error() string {
	return fmt.Sprintf("checks: address %q: %s", e.Input, e.Reason)
}

// Unwrap returns ErrAddress.
func (e *AddressError) Unwrap() error { return ErrAddress }

// Address is one mailbox (local@domain) checked and split for the envelope
// and the header.
type Address struct {
	// Local is the local part as given — a dot-string or a quoted string,
	// its case kept (RFC 5321 §2.4) — and may hold UTF-8 (RFC 6531 §3.3).
	Local string
	// Domain is the domain in A-labels, lower case: what the envelope,
	// DNS, DKIM d= and the Message-ID use (RFC 5890 §2.3.2.1).
	Domain string
	// UDomain is the domain in U-labels, for a header that may carry UTF-8
	// (RFC 6532 §3.2); Domain when it has no IDN label.
	UDomain string
}

// Envelope returns the address for MAIL FROM and RCPT TO: the local part as
// given and the domain in A-labels.
func (a Address) Envelope() string { return a.Local + "@" + a.Domain }

// Unicode returns the address with its domain in U-labels, for a UTF-8
// header (RFC 6532 §3.2).
func (a Address) Unicode() string { return a.Local + "@" + a.UDomain }

// NeedsSMTPUTF8 reports whether the address can be sent only with the
// SMTPUTF8 extension: its local part holds non-ASCII characters, which have
// no ASCII form (RFC 6531 §3.3). An IDN domain alone does not need it: its
// A-labels are ASCII.
func (a Address) NeedsSMTPUTF8() bool { return !isASCII(a.Local) }

// IsIDN reports whether the domain has a label that is not ASCII as the
// user writes it (an A-label "xn--…" in the envelope).
func (a Address) IsIDN() bool { return a.UDomain != a.Domain }

// RFC 5321 §4.5.3.1: size limits of the parts of an address.
const (
	maxLocalPart = 64  // §4.5.3.1.1, octets
	maxDomain    = 253 // §4.5.3.1.2 (255 octets on the wire, RFC 1035 §2.3.4)
	maxAddress   = 254 // §4.5.3.1.3: a path is at most 256 octets with its <>
)

// ParseAddress checks that s is one bare address — local@domain, no display
// name, no angle brackets, no comments — as the envelope needs it (RFC 5321
// §4.1.2), and converts its domain to A-labels with the IDNA lookup profile
// (RFC 5891 §5). The local part may be a quoted string and may hold UTF-8
// (RFC 6531 §3.3), but never a control, format (bidi, zero-width) or
// separator character outside quotes. Address literals ([192.0.2.1]) are
// refused: they have no DNS name to sign for or to check. Errors are
// *AddressError.
func ParseAddress(s string) (Address, error) {
	bad := func(format string, args ...any) (Address, error) {
		return Address{}, &AddressError{Input: s, Reason: fmt.Sprintf(format, args...)}
	}
	switch {
	case s == "":
		return bad("it is empty")
	case !utf8.ValidString(s):
		return bad("it is not valid UTF-8")
	case strings.HasPrefix(s, "<") || strings.HasSuffix(s, ">"):
		return bad("it has <angle brackets> or a display name")
	}
	local, rest, err := splitLocal(s)
	if err != "" {
		return bad("%s", err)
	}
	if len(local) > maxLocalPart {
		return bad("the part before @ is %d bytes; the limit is %d (RFC 5321 §4.5.3.1.1)", len(local), maxLocalPart)
	}
	if rest == "" {
		return bad("nothing follows the @")
	}
	if strings.HasPrefix(rest, "[") {
		return bad("an address literal has no domain name to sign for or check")
	}
	if strings.Contains(rest, "@") {
		return bad("it has more than one @ (quote a local part that holds one)")
	}
	ascii, uni, derr := idnaDomain(rest)
	if derr != "" {
		return bad("domain %q: %s", rest, derr)
	}
	a := Address{Local: local, Domain: ascii, UDomain: uni}
	if n := len(a.Envelope()); n > maxAddress {
		return bad("it is %d bytes; the limit is %d (RFC 5321 §4.5.3.1.3)", n, maxAddress)
	}
	return a, nil
}

// splitLocal reads the local part at the start of s (RFC 5321 §4.1.2
// Local-part = Dot-string / Quoted-string, with RFC 6531 §3.3's UTF-8) and
// returns it and what follows its @, or why it is not one.
func splitLocal(s string) (local, rest, why string) {
	if s[0] == '"' {
		i := 1
		for i < len(s) {
			r, size := utf8.DecodeRuneInString(s[i:])
			switch {
			case r == '"':
				if i == 1 {
					return "", "", "the quoted local part is empty"
				}
				if i+1 >= len(s) || s[i+1] != '@' {
					return "", "", "an @ must follow the closing quote of the local part"
				}
				return s[:i+1], s[i+2:], ""
			case r == '\\':
				// quoted-pairSMTP = %d92 %d32-126
				if i+1 >= len(s) || s[i+1] < 32 || s[i+1] > 126 {
					return "", "", `a backslash in quotes must be followed by a printable ASCII character`
				}
				i += 2
				continue
			case r == ' ':
				// qtextSMTP includes %d32: a space is allowed in quotes.
			case r < utf8.RuneSelf && (r < 32 || r > 126):
				return "", "", fmt.Sprintf("control character %U in the local part", r)
			case r >= utf8.RuneSelf:
				if why := badRune(r); why != "" {
					return "", "", why
				}
			}
			i += size
		}
		return "", "", "the quoted local part has no closing quote"
	}
	at := strings.IndexByte(s, '@')
	switch {
	case at < 0:
		return "", "", "it has no @"
	case at == 0:
		return "", "", "nothing comes before the @"
	}
	local = s[:at]
	for _, atom := range strings.Split(local, ".") {
		if atom == "" {
			return "", "", "a dot cannot begin or end the local part or come twice in a row (quote it if it must)"
		}
		for _, r := range atom {
			if r >= utf8.RuneSelf {
				if why := badRune(r); why != "" {
					return "", "", why
				}
				continue
			}
			if !isAtext(byte(r)) {
				return "", "", fmt.Sprintf("%q is not allowed in an unquoted local part", r)
			}
		}
	}
	return local, s[at+1:], ""
}

// isAtext reports whether c is an ASCII atext character (RFC 5322 §3.2.3,
// used by RFC 5321 §4.1.2's Atom).
func isAtext(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		strings.IndexByte("!#$%&'*+-/=?^_`{|}~", c) >= 0
}

// badRune says why a non-ASCII rune cannot be in a local part, or "".
// RFC 6531 §3.3 admits any UTF8-non-ascii, but controls (C1), format
// characters (bidi overrides, zero-width), separators, private-use and
// unassigned code points cannot be typed or seen reliably and can disguise
// an address (RFC 6530 §10.1, RFC 5198 §2), so they are refused.
func badRune(r rune) string {
	switch {
	case r == utf8.RuneError:
		return "it is not valid UTF-8"
	case unicode.IsControl(r):
		return fmt.Sprintf("control character %U in the local part", r)
	case unicode.Is(unicode.Cf, r):
		return fmt.Sprintf("invisible formatting character %U (bidi or zero-width) in the local part", r)
	case unicode.Is(unicode.Z, r):
		return fmt.Sprintf("space character %U in the local part", r)
	case unicode.Is(unicode.Co, r) || !unicode.IsGraphic(r):
		return fmt.Sprintf("character %U is private-use or unassigned", r)
	}
	return ""
}

// idnaDomain converts a domain to A-labels and U-labels with the IDNA2008
// lookup profile (RFC 5891 §5: mapped to lower case, labels validated,
// bidi rule), and checks the lengths DNS allows (RFC 1035 §2.3.4).
func idnaDomain(d string) (ascii, uni, why string) {
	if strings.HasSuffix(d, ".") {
		return "", "", "it ends with a dot"
	}
	a, err := idna.Lookup.ToASCII(d)
	if err != nil {
		return "", "", idnaReason(err)
	}
	if len(a) > maxDomain {
		return "", "", fmt.Sprintf("it is %d bytes in A-labels; the limit is %d", len(a), maxDomain)
	}
	for _, l := range strings.Split(a, ".") {
		switch {
		case l == "":
			return "", "", "it has an empty label (two dots in a row, or a leading dot)"
		case len(l) > 63:
			return "", "", fmt.Sprintf("label %q is %d bytes; the limit is 63", l, len(l))
		}
		for i := 0; i < len(l); i++ {
			if c := l[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return "", "", fmt.Sprintf("%q is not allowed in a domain name", c)
			}
		}
	}
	u, err := idna.Lookup.ToUnicode(a)
	if err != nil {
		u = a
	}
	return a, u, ""
}

// idnaReason words an idna error as a clause; its text is library wording
// that may quote the input, so it is sanitised.
func idnaReason(err error) string {
	msg := strings.Replace(strings.TrimPrefix(err.Error(), "idna: "), "rune", "character", 1)
	return "it is not a valid (internationalised) domain name: " + Sanitize(msg, 120)
}

// asciiDomain returns d in A-labels, lower case, without a trailing dot;
// when it does not convert, d lower-cased.
func asciiDomain(d string) string {
	d = strings.ToLower(strings.TrimSuffix(d, "."))
	if isASCII(d) {
		return d
	}
	if a, err := idna.Lookup.ToASCII(d); err == nil {
		return a
	}
	return d
}

// isASCII reports whether s holds only ASCII bytes.
func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
