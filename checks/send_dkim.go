package checks

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/emersion/go-msgauth/dkim"
)

// DKIMHeaderKeys are the header fields Send signs, as RFC 6376 §5.4.1
// advises: From (twice, so that a second From cannot be added — §5.4.2
// "oversigning"), To, Subject, Date, Message-ID and the MIME fields.
var DKIMHeaderKeys = []string{"From", "From", "To", "Subject", "Date", "Message-ID", "MIME-Version", "Content-Type", "Content-Transfer-Encoding"}

// DKIMResult says whether the test message was signed and whether the
// signature verifies against the key published in DNS.
type DKIMResult struct {
	Signed    bool   `json:"signed"`
	Verified  bool   `json:"verified"`
	Selector  string `json:"selector"` // always present (CONTRACT.md send --json)
	Domain    string `json:"domain,omitempty"`
	Algorithm string `json:"algorithm,omitempty"`
	// KeyMatches is whether the private key's public half is the key
	// published under the selector (nil when it could not be compared).
	KeyMatches *bool  `json:"key_matches,omitempty"`
	Error      string `json:"error"` // always present, "" when none (CONTRACT.md)
}

// signDKIM signs raw with relaxed/relaxed canonicalisation (RFC 6376 §3.4)
// and rsa-sha256 or ed25519-sha256 (RFC 8463), by the key's type.
func signDKIM(raw []byte, key crypto.Signer, domain, selector string) ([]byte, string, error) {
	alg := ""
	switch key.Public().(type) {
	case *rsa.PublicKey:
		alg = "rsa-sha256"
	case ed25519.PublicKey:
		alg = "ed25519-sha256"
	default:
		return nil, "", fmt.Errorf("dkim: key type %T is not RSA or Ed25519", key.Public())
	}
	var out bytes.Buffer
	err := dkim.Sign(&out, bytes.NewReader(raw), &dkim.SignOptions{
		Domain: domain, Selector: selector, Signer: key, Hash: crypto.SHA256,
		HeaderCanonicalization: dkim.CanonicalizationRelaxed,
		BodyCanonicalization:   dkim.CanonicalizationRelaxed,
		HeaderKeys:             DKIMHeaderKeys,
	})
	return out.Bytes(), alg, err
}

// verifyDKIM checks the signed message the way a receiver does (RFC 6376
// §6), with the key fetched through r, and compares key's public half with
// the published one.
func verifyDKIM(ctx context.Context, r Resolver, signed []byte, key crypto.Signer, res *DKIMResult) {
	lookup := func(name string) ([]string, error) { return LookupTXT(ctx, r, name) }
	vs, err := dkim.VerifyWithOptions(bytes.NewReader(signed), &dkim.VerifyOptions{LookupTXT: lookup, MaxVerifications: 5})
	switch {
	case err != nil:
		res.Error = err.Error()
	case len(vs) == 0:
		res.Error = "no signature found"
	case vs[0].Err != nil:
		res.Error = vs[0].Err.Error()
	default:
		res.Verified = true
	}
	name := res.Selector + "._domainkey." + res.Domain
	txts, lerr := lookup(name)
	if lerr != nil || len(txts) == 0 {
		if res.Error == "" && lerr != nil {
			res.Error = lerr.Error()
		}
		return
	}
	pub, perr := publishedKey(strings.Join(txts, ""))
	if perr != nil {
		return
	}
	m := publicKeysEqual(pub, key.Public())
	res.KeyMatches = &m
	if !m && res.Error != "" {
		res.Error += "; the published key is not this private key's public half"
	}
}

// publishedKey reads the p= tag of a DKIM key record (RFC 6376 §3.6.1).
func publishedKey(rec string) (crypto.PublicKey, error) {
	kind, p := "rsa", ""
	for _, t := range strings.Split(rec, ";") {
		k, v, _ := strings.Cut(strings.TrimSpace(t), "=")
		v = strings.Join(strings.Fields(v), "")
		switch strings.TrimSpace(k) {
		case "k":
			kind = strings.ToLower(v)
		case "p":
			p = v
		}
	}
	if p == "" {
		return nil, fmt.Errorf("dkim: key record has no public key (revoked)")
	}
	b, err := base64.StdEncoding.DecodeString(p)
	if err != nil {
		return nil, fmt.Errorf("dkim: p= is not base64: %w", err)
	}
	if kind == "ed25519" {
		if len(b) != ed25519.PublicKeySize {
			return nil, fmt.Errorf("dkim: ed25519 key has %d bytes", len(b))
		}
		return ed25519.PublicKey(b), nil
	}
	if k, err := x509.ParsePKIXPublicKey(b); err == nil {
		return k, nil
	}
	return x509.ParsePKCS1PublicKey(b)
}

// publicKeysEqual compares two public keys of any supported type.
func publicKeysEqual(a, b crypto.PublicKey) bool {
	type eq interface{ Equal(crypto.PublicKey) bool }
	if e, ok := a.(eq); ok {
		return e.Equal(b)
	}
	return false
}
