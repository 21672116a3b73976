package records

import (
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"strings"
)

// DKIMKey is a parsed DKIM public key record (RFC 6376 §3.6.1), the TXT
// record at <selector>._domainkey.<domain>.
type DKIMKey struct {
	Version string // v: "DKIM1" or "" when absent
	// KeyType is k: "rsa" (the default when absent) or "ed25519" (RFC
	// 8463); other values are kept as written.
	KeyType string
	// PublicKey is p decoded from base64; empty means the key was revoked
	// (RFC 6376 §3.6.1).
	PublicKey []byte
	Flags     []string // t: "y" testing, "s" strict
	Hashes    []string // h: acceptable hash algorithms; empty means all
	Services  []string // s: service types; empty means "*"
	Notes     string   // n
}

// ParseDKIMKey parses a DKIM key record. v, when present, must come first and
// be DKIM1; p is required and must be base64 (it may be empty, a revoked
// key); whitespace inside p is ignored (RFC 6376 §3.6.1). Unknown tags are
// ignored, as RFC 6376 §3.2 requires. The error is a *SyntaxError.
func ParseDKIMKey(s string) (*DKIMKey, error) {
	tags, err := parseTagList("dkim", s)
	if err != nil {
		return nil, err
	}
	bad := func(pos int, msg string) error {
		return &SyntaxError{Kind: "dkim", Record: s, Pos: pos, Msg: msg}
	}
	k := &DKIMKey{KeyType: "rsa"}
	seenP := false
	for i, t := range tags {
		switch t.Name {
		case "v":
			// RFC 6376 §3.6.1: if present, v MUST be the first tag and
			// its value DKIM1.
			if i != 0 {
				return nil, bad(t.Pos, "v= must be the first tag")
			}
			if t.Value != "DKIM1" {
				return nil, bad(t.ValPos, "version must be DKIM1, not "+tagQuote(t.Value))
			}
			k.Version = t.Value
		case "k":
			if t.Value == "" {
				return nil, bad(t.ValPos, "k= is empty; use rsa or ed25519")
			}
			k.KeyType = strings.ToLower(t.Value)
		case "p":
			seenP = true
			b64 := strings.Map(func(r rune) rune {
				if r == ' ' || r == '\t' || r == '\r' || r == '\n' {
					return -1
				}
				return r
			}, t.Value)
			if b64 == "" {
				k.PublicKey = nil
				continue
			}
			key, err := base64.StdEncoding.DecodeString(b64)
			if err != nil {
				return nil, bad(t.ValPos, "p= is not valid base64")
			}
			k.PublicKey = key
		case "h":
			k.Hashes = dkimList(t.Value)
		case "s":
			k.Services = dkimList(t.Value)
		case "t":
			k.Flags = dkimList(t.Value)
		case "n":
			k.Notes = t.Value
		}
	}
	if !seenP {
		return nil, bad(len(s), "the record has no p= tag (the public key)")
	}
	return k, nil
}

func dkimList(v string) []string {
	var out []string
	for _, x := range tagSplit(v, ':') {
		if x != "" {
			out = append(out, strings.ToLower(x))
		}
	}
	return out
}

// Revoked reports whether the key was revoked with an empty p= (RFC 6376
// §3.6.1).
func (k *DKIMKey) Revoked() bool { return len(k.PublicKey) == 0 }

// Testing reports the t=y flag: the domain is testing DKIM and verifiers must
// not treat signed mail differently from unsigned (RFC 6376 §3.6.1).
func (k *DKIMKey) Testing() bool { return k.hasFlag("y") }

// Strict reports the t=s flag: the i= domain of signatures must equal d=.
func (k *DKIMKey) Strict() bool { return k.hasFlag("s") }

func (k *DKIMKey) hasFlag(f string) bool {
	for _, x := range k.Flags {
		if x == f {
			return true
		}
	}
	return false
}

// ErrDKIMKey is returned by Key for a p= that holds no usable key.
var ErrDKIMKey = errors.New("dkim: p= holds no usable public key")

// Key returns the public key: an *rsa.PublicKey (SubjectPublicKeyInfo, or a
// bare PKCS#1 key as some publishers write) or an ed25519.PublicKey (the raw
// 32 bytes of RFC 8463 §4).
func (k *DKIMKey) Key() (any, error) {
	if k.Revoked() {
		return nil, ErrDKIMKey
	}
	switch k.KeyType {
	case "rsa":
		if pub, err := x509.ParsePKIXPublicKey(k.PublicKey); err == nil {
			if r, ok := pub.(*rsa.PublicKey); ok {
				return r, nil
			}
			return nil, ErrDKIMKey
		}
		if r, err := x509.ParsePKCS1PublicKey(k.PublicKey); err == nil {
			return r, nil
		}
	case "ed25519":
		if len(k.PublicKey) == ed25519.PublicKeySize {
			return ed25519.PublicKey(k.PublicKey), nil
		}
	}
	return nil, ErrDKIMKey
}

// Bits returns the key's size in bits (the RSA modulus length; 256 for
// ed25519), or 0 when p= holds no key of the record's type.
func (k *DKIMKey) Bits() int {
	pub, err := k.Key()
	if err != nil {
		return 0
	}
	switch p := pub.(type) {
	case *rsa.PublicKey:
		return p.N.BitLen()
	case ed25519.PublicKey:
		return 256
	}
	return 0
}

// String formats k as a DKIM key record: v (when set), then h, k, n, s, t
// and p last.
func (k *DKIMKey) String() string {
	var parts []string
	add := func(name, v string) {
		if v != "" {
			parts = append(parts, name+"="+v)
		}
	}
	add("v", k.Version)
	add("h", strings.Join(k.Hashes, ":"))
	add("k", k.KeyType)
	add("n", k.Notes)
	add("s", strings.Join(k.Services, ":"))
	add("t", strings.Join(k.Flags, ":"))
	parts = append(parts, "p="+base64.StdEncoding.EncodeToString(k.PublicKey))
	return strings.Join(parts, "; ")
}
