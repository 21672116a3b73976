package records

import "strings"

// tagSpec is one tag-spec of a tag=value list (RFC 6376 §3.2), the syntax DKIM
// keys, DMARC, TLS-RPT and BIMI records share.
type tagSpec struct {
	Name   string // as written
	Value  string // with surrounding whitespace removed
	Pos    int    // byte offset of the name
	ValPos int    // byte offset of the value
}

// isWSP reports folding white space: space, tab and the CR LF of folded
// lines (RFC 6376 §2.8 FWS).
func tagWSP(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// parseTagList splits s into tag-specs: tag-list = tag-spec *(";" tag-spec)
// [";"], tag-spec = [FWS] tag-name [FWS] "=" [FWS] tag-value [FWS] (RFC 6376
// §3.2). Tag names are ALPHA *(ALPHA / DIGIT / "_"); values are printable
// ASCII other than ";" with inner whitespace allowed. A tag named twice
// makes the whole list invalid (RFC 6376 §3.2). kind names the record in
// errors.
func parseTagList(kind, s string) ([]tagSpec, error) {
	var out []tagSpec
	seen := map[string]bool{}
	i := 0
	for i <= len(s) {
		end := strings.IndexByte(s[i:], ';')
		if end < 0 {
			end = len(s)
		} else {
			end += i
		}
		spec := s[i:end]
		if strings.TrimLeft(spec, " \t\r\n") == "" {
			// An empty spec is allowed only as the trailing ";" (and an
			// empty record is an empty list).
			if end < len(s) && strings.TrimLeft(s[end+1:], " \t\r\n") != "" {
				return nil, &SyntaxError{Kind: kind, Record: s, Pos: i, Msg: "empty tag between semicolons"}
			}
			break
		}
		t, err := parseTagSpec(kind, s, i, end)
		if err != nil {
			return nil, err
		}
		key := strings.ToLower(t.Name)
		if seen[key] {
			return nil, &SyntaxError{Kind: kind, Record: s, Pos: t.Pos, Msg: "tag " + t.Name + " appears twice"}
		}
		seen[key] = true
		out = append(out, t)
		i = end + 1
	}
	return out, nil
}

func parseTagSpec(kind, s string, start, end int) (tagSpec, error) {
	j := start
	for j < end && tagWSP(s[j]) {
		j++
	}
	nameStart := j
	for j < end && (tagAlpha(s[j]) || j > nameStart && (tagDigit(s[j]) || s[j] == '_')) {
		j++
	}
	if j == nameStart {
		return tagSpec{}, &SyntaxError{Kind: kind, Record: s, Pos: j, Msg: "expected a tag name"}
	}
	t := tagSpec{Name: s[nameStart:j], Pos: nameStart}
	for j < end && tagWSP(s[j]) {
		j++
	}
	if j >= end || s[j] != '=' {
		return tagSpec{}, &SyntaxError{Kind: kind, Record: s, Pos: j, Msg: "expected = after tag " + t.Name}
	}
	j++
	for j < end && tagWSP(s[j]) {
		j++
	}
	t.ValPos = j
	v := strings.TrimRight(s[j:end], " \t\r\n")
	for k := 0; k < len(v); k++ {
		c := v[k]
		if !tagWSP(c) && (c < 0x21 || c > 0x7e) {
			return tagSpec{}, &SyntaxError{Kind: kind, Record: s, Pos: j + k, Msg: "invalid character in the value of " + t.Name}
		}
	}
	t.Value = v
	return t, nil
}

func tagAlpha(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func tagDigit(c byte) bool { return c >= '0' && c <= '9' }

// splitList splits a value on sep, trimming whitespace around each item.
func tagSplit(v string, sep byte) []string {
	parts := strings.Split(v, string(sep))
	for i := range parts {
		parts[i] = strings.Trim(parts[i], " \t\r\n")
	}
	return parts
}

// validDomain reports whether d is a syntactically valid host name: labels of
// letters, digits, hyphens and underscores, 1 to 63 bytes, 253 in all, no
// label starting or ending with a hyphen (RFC 1035 §2.3.1, RFC 1123 §2.1). A
// trailing dot is allowed.
func tagDomainOK(d string) bool {
	d = strings.TrimSuffix(d, ".")
	if d == "" || len(d) > 253 {
		return false
	}
	for _, l := range strings.Split(d, ".") {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !tagAlpha(c) && !tagDigit(c) && c != '-' && c != '_' {
				return false
			}
		}
	}
	return true
}
