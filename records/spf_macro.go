package records

import (
	"strconv"
	"strings"
)

// SPFMacro is one piece of an SPF macro-string (RFC 7208 §7.1): literal text,
// or a macro-expand to be replaced by the evaluator.
type SPFMacro struct {
	// Letter is the lower-case macro letter (s l o d i p h c r t v), or 0
	// for literal text.
	Letter byte
	// Literal is the text of a literal piece; "%%", "%_" and "%-" are
	// already turned into "%", " " and "%20".
	Literal string
	// URLEscape is set when the letter was written in upper case: the
	// expansion is then URL-escaped (RFC 7208 §7.3).
	URLEscape bool
	// Digits keeps only that many right-hand parts; 0 keeps them all.
	Digits int
	// Reverse reverses the parts before Digits applies.
	Reverse bool
	// Delims are the characters the value is split on; "" means ".".
	Delims string

	escape bool // a "%%", "%_" or "%-" (a macro-expand that is literal)
}

// ParseSPFMacros parses a macro-string (RFC 7208 §7.1). With explain set it
// parses an explain-string instead, the text an exp= TXT record holds:
// spaces are allowed and so are the letters c, r and t, which §7.3 keeps out
// of everything else. The error is a *SyntaxError.
func ParseSPFMacros(s string, explain bool) ([]SPFMacro, error) {
	return parseMacroString(s, 0, s, explain, explain)
}

// parseMacroString parses v, found at offset off of the record rec.
// allLetters admits c, r and t; spaces admits SP.
func parseMacroString(rec string, off int, v string, allLetters, spaces bool) ([]SPFMacro, error) {
	var out []SPFMacro
	run := -1 // start of the pending literal run
	flush := func(i int) {
		if run >= 0 {
			out = append(out, SPFMacro{Literal: v[run:i]})
			run = -1
		}
	}
	for i := 0; i < len(v); {
		c := v[i]
		if c != '%' {
			if !(c >= 0x21 && c <= 0x7e || c == ' ' && spaces) {
				return nil, spfErr(rec, off+i, "character "+quoteByte(c)+" is not allowed (only visible ASCII)")
			}
			if run < 0 {
				run = i
			}
			i++
			continue
		}
		flush(i)
		if i+1 >= len(v) {
			return nil, spfErr(rec, off+i, "a '%' at the end; write %% for a percent sign")
		}
		switch v[i+1] {
		case '%', '_', '-':
			lit := "%"
			switch v[i+1] {
			case '_':
				lit = " "
			case '-':
				lit = "%20"
			}
			out = append(out, SPFMacro{Literal: lit, escape: true})
			i += 2
			continue
		case '{':
		default:
			return nil, spfErr(rec, off+i, "'%' must be followed by '{', '%', '_' or '-'; write %% for a percent sign")
		}
		end := strings.IndexByte(v[i:], '}')
		if end < 0 {
			return nil, spfErr(rec, off+i, "macro without a closing '}'")
		}
		m, err := parseMacroExpand(rec, off+i, v[i+2:i+end], allLetters)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
		i += end + 1
	}
	flush(len(v))
	return out, nil
}

// parseMacroExpand parses the inside of "%{…}": macro-letter transformers
// *delimiter (RFC 7208 §7.1).
func parseMacroExpand(rec string, off int, in string, allLetters bool) (SPFMacro, error) {
	if in == "" {
		return SPFMacro{}, spfErr(rec, off, "empty macro %{}")
	}
	m := SPFMacro{Letter: in[0] | 0x20, URLEscape: in[0] >= 'A' && in[0] <= 'Z'}
	switch m.Letter {
	case 's', 'l', 'o', 'd', 'i', 'p', 'h', 'v':
	case 'c', 'r', 't':
		if !allLetters {
			return m, spfErr(rec, off, "macro %{"+string(in[0])+"} is allowed only in explanation text (RFC 7208 §7.3)")
		}
	default:
		return m, spfErr(rec, off, "unknown macro letter "+strconv.Quote(in[:1]))
	}
	j := 1
	for j < len(in) && isDigit(in[j]) {
		j++
	}
	if j > 1 {
		n, err := strconv.Atoi(in[1:j])
		if err != nil || n == 0 {
			// RFC 7208 §7.3: the digit transformer must be nonzero.
			return m, spfErr(rec, off, "macro digit transformer must be 1 or more")
		}
		m.Digits = min(n, 128)
	}
	if j < len(in) && in[j]|0x20 == 'r' {
		m.Reverse = true
		j++
	}
	ds := j
	for ; j < len(in); j++ {
		if !strings.ContainsRune(".-+,/_=", rune(in[j])) {
			return m, spfErr(rec, off, "bad macro delimiter "+quoteByte(in[j]))
		}
	}
	m.Delims = in[ds:]
	return m, nil
}

// checkDomainSpec checks a domain-spec (RFC 7208 §7.1): a macro-string
// without c, r and t that ends in a macro-expand or in "." toplabel ["."].
func checkDomainSpec(rec string, off int, v string) error {
	if v == "" {
		return spfErr(rec, off, "a domain is required")
	}
	ms, err := parseMacroString(rec, off, v, false, false)
	if err != nil {
		return err
	}
	last := ms[len(ms)-1]
	if last.Letter != 0 || last.escape {
		return nil
	}
	tail := strings.TrimSuffix(last.Literal, ".")
	dot := strings.LastIndexByte(tail, '.')
	if dot < 0 || !isTopLabel(tail[dot+1:]) {
		return spfErr(rec, off, strconv.Quote(v)+" does not end in a valid top-level label (such as .com)")
	}
	return nil
}

// isTopLabel reports whether l is a toplabel (RFC 7208 §7.1): letters, digits
// and hyphens, starting and ending with a letter or digit, not all digits.
func isTopLabel(l string) bool {
	if l == "" || l[0] == '-' || l[len(l)-1] == '-' {
		return false
	}
	alpha := false
	for i := 0; i < len(l); i++ {
		c := l[i]
		switch {
		case isAlpha(c), c == '-':
			alpha = true
		case isDigit(c):
		default:
			return false
		}
	}
	return alpha
}
