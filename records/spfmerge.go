package records

import (
	"fmt"
	"net/netip"
	"strings"
)

// NewSPF returns a fresh SPF record with the given mechanisms and ~all:
// unlisted senders soft-fail, which DMARC then judges (RFC 7208 §8.5).
func NewSPF(mechanisms []string) string {
	if len(mechanisms) == 0 {
		return spfVersion + " ~all"
	}
	return spfVersion + " " + strings.Join(mechanisms, " ") + " ~all"
}

// MergeSPF adds mechanisms to an existing SPF record without breaking it: its
// terms stay as written, in order; a mechanism it already has (an include of
// the same domain, an ip4/ip6 whose network holds the address) is not added
// twice; new ones go just before "all" (mechanisms after it are never reached,
// RFC 7208 §5.1) or, without one, after the last mechanism. The all
// qualifier is kept, except +all, which lets every host on the Internet pass
// and becomes ~all. changes says, a sentence each, what was done; none means
// merged is existing unchanged. An existing record that does not parse is an
// error (*SyntaxError): the caller must not guess its author's intent.
func MergeSPF(existing string, add []string) (merged string, changes []string, err error) {
	rec, err := ParseSPF(strings.TrimSpace(existing))
	if err != nil {
		return "", nil, err
	}
	src := strings.TrimSpace(existing)
	raw := make([]string, len(rec.Terms)) // each term as written
	for i, t := range rec.Terms {
		end := strings.IndexByte(src[t.Pos:], ' ')
		if end < 0 {
			raw[i] = src[t.Pos:]
		} else {
			raw[i] = src[t.Pos : t.Pos+end]
		}
	}
	var fresh []string
	for _, m := range add {
		if spfHas(rec, m) {
			continue
		}
		fresh = append(fresh, m)
		changes = append(changes, "added "+m)
	}
	// Where the new mechanisms go: before all, else after the last mechanism.
	at := len(raw)
	if all := rec.All(); all != nil {
		at = indexOfTerm(rec, all)
	} else {
		for at > 0 && rec.Terms[at-1].Modifier {
			at--
		}
	}
	if all := rec.All(); all != nil && all.Qualifier == '+' {
		// RFC 7208 §5.1: "+all" passes every host; nothing is protected.
		raw[indexOfTerm(rec, all)] = "~all"
		changes = append(changes, "changed +all to ~all: +all lets every host on the Internet pass SPF for the domain (RFC 7208 §5.1)")
	}
	if len(changes) == 0 {
		return src, nil, nil
	}
	out := append(append(append([]string{}, raw[:at]...), fresh...), raw[at:]...)
	return spfVersion + " " + strings.Join(out, " "), changes, nil
}

// indexOfTerm finds t (a pointer into rec.Terms) in rec.Terms.
func indexOfTerm(rec *SPF, t *SPFTerm) int {
	for i := range rec.Terms {
		if &rec.Terms[i] == t {
			return i
		}
	}
	return len(rec.Terms)
}

// spfHas reports whether rec already authorises what mechanism m does: the
// same include, or an ip4/ip6 term with a pass qualifier whose network holds
// all of m's.
func spfHas(rec *SPF, m string) bool {
	name, val, _ := strings.Cut(m, ":")
	name = strings.ToLower(name)
	var want netip.Prefix
	if name == SPFIP4 || name == SPFIP6 {
		p, err := netip.ParsePrefix(val)
		if err != nil {
			a, err := netip.ParseAddr(val)
			if err != nil {
				return false
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		want = p
	}
	for _, t := range rec.Terms {
		if t.Modifier || t.Name != name {
			continue
		}
		switch name {
		case SPFIP4, SPFIP6:
			if t.Qualifier == '+' && t.Prefix.IsValid() && t.Prefix.Bits() <= want.Bits() && t.Prefix.Contains(want.Addr()) {
				return true
			}
		default:
			if strings.EqualFold(strings.TrimSuffix(t.Value, "."), strings.TrimSuffix(val, ".")) {
				return true
			}
		}
	}
	return false
}

// EditSPF rewrites the top-level terms of an SPF record: each term whose
// formatted text (SPFTerm.String, compared without case) is a key of edits is
// replaced by the key's terms, or dropped when they are none. The other terms
// stay as written. It is how a record over the 10-lookup limit gets its
// proposed fix.
func EditSPF(record string, edits map[string][]string) (string, error) {
	rec, err := ParseSPF(strings.TrimSpace(record))
	if err != nil {
		return "", err
	}
	src := strings.TrimSpace(record)
	norm := map[string][]string{}
	for k, v := range edits {
		norm[strings.ToLower(strings.TrimPrefix(k, "+"))] = v
	}
	out := []string{spfVersion}
	matched := 0
	for _, t := range rec.Terms {
		if repl, ok := norm[strings.ToLower(t.String())]; ok {
			out = append(out, repl...)
			matched++
			continue
		}
		end := strings.IndexByte(src[t.Pos:], ' ')
		if end < 0 {
			out = append(out, src[t.Pos:])
		} else {
			out = append(out, src[t.Pos:t.Pos+end])
		}
	}
	if matched < len(norm) {
		return "", fmt.Errorf("records: %d of the terms to edit are not in the record", len(norm)-matched)
	}
	return strings.Join(out, " "), nil
}
