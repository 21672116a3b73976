package records

import (
	"net/netip"
	"strconv"
	"strings"
)

// SPF is a parsed Sender Policy Framework record (RFC 7208 §4.5, §12): the
// version "v=spf1" followed by its terms in the order they were written.
type SPF struct {
	Terms []SPFTerm
}

// SPFTerm is one directive (a mechanism with its qualifier) or one modifier of
// an SPF record (RFC 7208 §4.6.1).
type SPFTerm struct {
	// Qualifier is '+', '-', '~' or '?' for a mechanism ('+' when none was
	// written, RFC 7208 §4.6.2) and 0 for a modifier.
	Qualifier byte
	// Name is the lower-case mechanism name (all include a mx ptr ip4 ip6
	// exists) or modifier name (redirect exp, or an unknown modifier's name,
	// lower-cased too).
	Name string
	// Value is the text after the name as written, without the ':' or '='
	// that separates it: "example.com/24//64" for a:example.com/24//64,
	// "/24" for a/24, "" for a bare mechanism.
	Value string
	// Modifier reports whether the term is a modifier (name=value).
	Modifier bool
	// Pos is the byte offset of the term in the parsed record.
	Pos int

	// Domain is the domain-spec of include a mx ptr exists redirect exp (""
	// when the mechanism has none and the current domain applies), or the
	// macro-string of an unknown modifier.
	Domain string
	// Prefix is the network of ip4 and ip6.
	Prefix netip.Prefix
	// CIDR4 and CIDR6 are the prefix lengths of a and mx (RFC 7208 §5.6
	// dual-cidr-length): 32 and 128 when none was written.
	CIDR4, CIDR6 int
}

// SPF mechanism and modifier names (RFC 7208 §5, §6).
const (
	SPFAll      = "all"
	SPFInclude  = "include"
	SPFA        = "a"
	SPFMX       = "mx"
	SPFPTR      = "ptr"
	SPFIP4      = "ip4"
	SPFIP6      = "ip6"
	SPFExists   = "exists"
	SPFRedirect = "redirect"
	SPFExp      = "exp"
)

// spfVersion is the version section every SPF record starts with (RFC 7208
// §4.5).
const spfVersion = "v=spf1"

// IsSPF reports whether a TXT record's text is an SPF record: it begins with
// "v=spf1" followed by a space or nothing (RFC 7208 §4.5; ABNF strings are
// case-insensitive).
func IsSPF(txt string) bool {
	if len(txt) < len(spfVersion) || !strings.EqualFold(txt[:len(spfVersion)], spfVersion) {
		return false
	}
	return len(txt) == len(spfVersion) || txt[len(spfVersion)] == ' '
}

// ParseSPF parses an SPF record (RFC 7208 §12). Any syntax error anywhere in
// the record is reported (§4.6: such a record is a permerror, even when the
// faulty term would never be reached), as a *SyntaxError whose Pos is the
// byte offset of the problem.
func ParseSPF(s string) (*SPF, error) {
	if !IsSPF(s) {
		return nil, spfErr(s, 0, `the record does not start with "v=spf1"`)
	}
	rec := &SPF{Terms: make([]SPFTerm, 0, strings.Count(s, " "))}
	var seenRedirect, seenExp bool
	i := len(spfVersion)
	for i < len(s) {
		// terms = *( 1*SP ( directive / modifier ) ), record ends with *SP.
		if s[i] != ' ' {
			return nil, spfErr(s, i, "terms must be separated by spaces, found "+quoteByte(s[i]))
		}
		for i < len(s) && s[i] == ' ' {
			i++
		}
		if i == len(s) {
			break
		}
		end := strings.IndexByte(s[i:], ' ')
		if end < 0 {
			end = len(s)
		} else {
			end += i
		}
		t, err := parseSPFTerm(s, i, end)
		if err != nil {
			return nil, err
		}
		// RFC 7208 §6: redirect and exp appear at most once each.
		if seen := &seenRedirect; t.Name == SPFRedirect || t.Name == SPFExp {
			if t.Name == SPFExp {
				seen = &seenExp
			}
			if *seen {
				return nil, spfErr(s, i, "the "+t.Name+"= modifier appears more than once")
			}
			*seen = true
		}
		rec.Terms = append(rec.Terms, t)
		i = end
	}
	return rec, nil
}

// parseSPFTerm parses s[start:end], one term.
func parseSPFTerm(s string, start, end int) (SPFTerm, error) {
	term := s[start:end]
	t := SPFTerm{Pos: start, CIDR4: 32, CIDR6: 128}
	q := byte(0)
	switch term[0] {
	case '+', '-', '~', '?':
		q = term[0]
		term = term[1:]
	}
	off := end - len(term) // offset of the name
	n := 0
	for n < len(term) && isNameByte(term[n], n == 0) {
		n++
	}
	name := lowerASCII(term[:n])
	rest := term[n:]
	if len(rest) > 0 && rest[0] == '=' {
		// modifier = redirect / explanation / unknown-modifier (§6, §12).
		if n == 0 {
			return t, spfErr(s, off, "a modifier needs a name that starts with a letter")
		}
		if q != 0 {
			return t, spfErr(s, start, "a modifier ("+name+"=) cannot have a qualifier")
		}
		if isMechanismName(name) {
			return t, spfErr(s, off, "the "+name+" mechanism takes ':', not '='")
		}
		t.Name, t.Value, t.Modifier, t.Domain = name, rest[1:], true, rest[1:]
		voff := off + n + 1
		switch name {
		case SPFRedirect, SPFExp:
			if err := checkDomainSpec(s, voff, t.Value); err != nil {
				return t, err
			}
		default:
			if _, err := parseMacroString(s, voff, t.Value, true, false); err != nil {
				return t, err
			}
		}
		return t, nil
	}
	if q == 0 {
		q = '+'
	}
	t.Qualifier = q
	if n == 0 || !isMechanismName(name) {
		word := term
		if i := strings.IndexAny(word, ":/="); i >= 0 {
			word = word[:i]
		}
		return t, spfErr(s, off, "unknown mechanism "+strconv.Quote(word))
	}
	t.Name, t.Value = name, rest
	if len(rest) > 0 && rest[0] == ':' {
		t.Value = rest[1:]
	} else if len(rest) > 0 && rest[0] != '/' {
		return t, spfErr(s, off+n, "unexpected "+quoteByte(rest[0])+" after "+name)
	}
	voff := end - len(t.Value)
	return t, parseMechanismValue(s, voff, &t, rest)
}

// parseMechanismValue checks and splits the argument of a mechanism (RFC 7208
// §5): rest is what followed the name (":…", "/…" or "").
func parseMechanismValue(s string, voff int, t *SPFTerm, rest string) error {
	hasColon := len(rest) > 0 && rest[0] == ':'
	v := t.Value
	switch t.Name {
	case SPFAll:
		if rest != "" {
			return spfErr(s, voff-(len(rest)-len(v)), "the all mechanism takes no argument")
		}
	case SPFInclude, SPFExists:
		if !hasColon {
			return spfErr(s, voff, "the "+t.Name+" mechanism needs ':' and a domain")
		}
		t.Domain = v
		return checkDomainSpec(s, voff, v)
	case SPFPTR:
		if !hasColon {
			if rest != "" {
				return spfErr(s, voff, "the ptr mechanism takes no prefix length")
			}
			return nil
		}
		t.Domain = v
		return checkDomainSpec(s, voff, v)
	case SPFA, SPFMX:
		dom, c4, c6, err := splitDualCIDR(s, voff, v)
		if err != nil {
			return err
		}
		t.CIDR4, t.CIDR6 = c4, c6
		if hasColon {
			t.Domain = dom
			return checkDomainSpec(s, voff, dom)
		}
		if dom != "" {
			return spfErr(s, voff, "bad prefix length "+strconv.Quote(v))
		}
	case SPFIP4, SPFIP6:
		if !hasColon {
			return spfErr(s, voff, "the "+t.Name+" mechanism needs ':' and a network")
		}
		p, err := parseIPNetwork(s, voff, v, t.Name == SPFIP6)
		if err != nil {
			return err
		}
		t.Prefix = p
	}
	return nil
}

// splitDualCIDR splits "domain/24//64" into its domain and its prefix
// lengths (RFC 7208 §5.6): ip4-cidr-length is "/" 0-32 and ip6-cidr-length
// is "//" 0-128, each optional, written without leading zeros.
func splitDualCIDR(s string, voff int, v string) (string, int, int, error) {
	c4, c6 := 32, 128
	// A suffix that is not "/" and digits belongs to the domain-spec.
	if i := strings.LastIndex(v, "//"); i >= 0 && allDigits(v[i+2:]) {
		n, ok := cidrLen(v[i+2:], 128)
		if !ok {
			return "", 0, 0, spfErr(s, voff+i, "bad IPv6 prefix length "+strconv.Quote(v[i:]))
		}
		c6, v = n, v[:i]
	}
	if i := strings.LastIndexByte(v, '/'); i >= 0 && allDigits(v[i+1:]) {
		n, ok := cidrLen(v[i+1:], 32)
		if !ok {
			return "", 0, 0, spfErr(s, voff+i, "bad IPv4 prefix length "+strconv.Quote(v[i:]))
		}
		c4, v = n, v[:i]
	}
	return v, c4, c6, nil
}

func allDigits(d string) bool {
	for i := 0; i < len(d); i++ {
		if !isDigit(d[i]) {
			return false
		}
	}
	return d != ""
}

// cidrLen parses a prefix length: "0" or digits without a leading zero, at
// most max.
func cidrLen(d string, max int) (int, bool) {
	if d == "" || len(d) > 3 || (d[0] == '0' && len(d) > 1) {
		return 0, false
	}
	for i := 0; i < len(d); i++ {
		if d[i] < '0' || d[i] > '9' {
			return 0, false
		}
	}
	n, _ := strconv.Atoi(d)
	return n, n <= max
}

// parseIPNetwork parses the argument of ip4 or ip6 (RFC 7208 §5.6): an
// address in its text form and an optional prefix length.
func parseIPNetwork(s string, voff int, v string, six bool) (netip.Prefix, error) {
	addr, bits, max := v, -1, 32
	if six {
		max = 128
	}
	if i := strings.IndexByte(v, '/'); i >= 0 {
		n, ok := cidrLen(v[i+1:], max)
		if !ok {
			return netip.Prefix{}, spfErr(s, voff+i, "bad prefix length "+strconv.Quote(v[i:]))
		}
		addr, bits = v[:i], n
	}
	ip, err := netip.ParseAddr(addr)
	switch {
	case err != nil || ip.Zone() != "":
		return netip.Prefix{}, spfErr(s, voff, "bad address "+strconv.Quote(addr))
	case six && !ip.Is6():
		return netip.Prefix{}, spfErr(s, voff, "ip6 needs an IPv6 address, not "+strconv.Quote(addr))
	case !six && !ip.Is4():
		return netip.Prefix{}, spfErr(s, voff, "ip4 needs an IPv4 address, not "+strconv.Quote(addr))
	}
	if bits < 0 {
		bits = max
	}
	return netip.PrefixFrom(ip, bits), nil
}

// String formats the record minimally: "v=spf1", then each term, '+'
// qualifiers left out.
func (r *SPF) String() string {
	var b strings.Builder
	b.WriteString(spfVersion)
	for _, t := range r.Terms {
		b.WriteByte(' ')
		b.WriteString(t.String())
	}
	return b.String()
}

// String formats the term as it appears in a record, with a '+' qualifier
// left out.
func (t SPFTerm) String() string {
	if t.Modifier {
		return t.Name + "=" + t.Value
	}
	s := t.Name
	if t.Qualifier != 0 && t.Qualifier != '+' {
		s = string(t.Qualifier) + s
	}
	switch {
	case t.Value == "":
	case (t.Name == SPFA || t.Name == SPFMX) && t.Domain == "":
		// Only prefix lengths: a/24, mx//64.
		s += t.Value
	default:
		s += ":" + t.Value
	}
	return s
}

// LookupCost is how many DNS lookups the term counts for toward the limit of
// 10 (RFC 7208 §4.6.4): 1 for include, a, mx, ptr, exists and redirect; 0
// for all, ip4, ip6, exp and unknown modifiers.
func (t SPFTerm) LookupCost() int {
	switch t.Name {
	case SPFInclude, SPFA, SPFMX, SPFPTR, SPFExists:
		if !t.Modifier {
			return 1
		}
	case SPFRedirect:
		return 1
	}
	return 0
}

// All returns the record's "all" mechanism, or nil.
func (r *SPF) All() *SPFTerm { return r.find(SPFAll, false) }

// Redirect returns the record's redirect= modifier, or nil.
func (r *SPF) Redirect() *SPFTerm { return r.find(SPFRedirect, true) }

// Exp returns the record's exp= modifier, or nil.
func (r *SPF) Exp() *SPFTerm { return r.find(SPFExp, true) }

// LookupCost is the sum of the terms' lookup costs: the record's own share of
// the limit of 10, without what its includes and redirect cost.
func (r *SPF) LookupCost() int {
	n := 0
	for _, t := range r.Terms {
		n += t.LookupCost()
	}
	return n
}

func (r *SPF) find(name string, modifier bool) *SPFTerm {
	for i := range r.Terms {
		if r.Terms[i].Name == name && r.Terms[i].Modifier == modifier {
			return &r.Terms[i]
		}
	}
	return nil
}

func isMechanismName(n string) bool {
	switch n {
	case SPFAll, SPFInclude, SPFA, SPFMX, SPFPTR, SPFIP4, SPFIP6, SPFExists:
		return true
	}
	return false
}

// isNameByte reports whether c may appear in a name (RFC 7208 §12: name =
// ALPHA *( ALPHA / DIGIT / "-" / "_" / "." )).
func isNameByte(c byte, first bool) bool {
	if isAlpha(c) {
		return true
	}
	return !first && (isDigit(c) || c == '-' || c == '_' || c == '.')
}

// lowerASCII lower-cases s, allocating only when it has upper case.
func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] >= 'A' && s[i] <= 'Z' {
			return strings.ToLower(s)
		}
	}
	return s
}

func isAlpha(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func quoteByte(c byte) string {
	if c >= 0x21 && c <= 0x7e {
		return "'" + string(c) + "'"
	}
	return "byte 0x" + strconv.FormatUint(uint64(c), 16)
}

func spfErr(s string, pos int, msg string) *SyntaxError {
	return &SyntaxError{Kind: "spf", Record: s, Pos: pos, Msg: msg}
}
