package checks

import (
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"errors"
	"fmt"
	"strings"

	"github.com/mailcfg/mailcfg/records"
)

// Errors of DKIMKeyMatchesDNS, matched with errors.Is.
var (
	ErrDKIMKeyNotPublished = errors.New("dkim: no key is published at the selector")
	ErrDKIMKeyMismatch     = errors.New("dkim: the published key is not the signing key's public half")
)

// DKIMKeyMatchesDNS checks, before anything is signed, that the key
// published at <selector>._domainkey.<domain> is the public half of the
// signing key (pub, or a crypto.Signer whose Public is used). A mismatch is
// the classic silent DKIM failure: every signature then fails verification
// (RFC 6376 §6.1.2). It returns nil on a match; an error wrapping
// ErrDKIMKeyNotPublished or ErrDKIMKeyMismatch (with what was found), a
// *SyntaxError-wrapping error for a record that does not parse, or the
// *DNSError of a lookup that could not be made.
func DKIMKeyMatchesDNS(ctx context.Context, r Resolver, domain, selector string, pub crypto.PublicKey) error {
	if s, ok := pub.(crypto.Signer); ok {
		pub = s.Public()
	}
	name := strings.ToLower(selector) + "._domainkey." + strings.TrimSuffix(strings.ToLower(domain), ".")
	txts, err := LookupTXT(ctx, r, name)
	if err != nil {
		return err
	}
	switch len(txts) {
	case 0:
		return fmt.Errorf("%w: %s has no TXT record", ErrDKIMKeyNotPublished, name)
	case 1:
	default:
		// RFC 6376 §3.6.2.2: several records make the result undefined.
		return fmt.Errorf("%w: %s has %d TXT records; publish one", ErrDKIMKeyMismatch, name, len(txts))
	}
	k, err := records.ParseDKIMKey(txts[0])
	if err != nil {
		return fmt.Errorf("dkim: the record at %s does not parse: %w", name, err)
	}
	if k.Revoked() {
		return fmt.Errorf("%w: the key at %s is revoked (empty p=)", ErrDKIMKeyMismatch, name)
	}
	published, err := k.Key()
	if err != nil {
		return fmt.Errorf("%w: %s holds no usable %s key", ErrDKIMKeyMismatch, name, k.KeyType)
	}
	same := false
	switch p := published.(type) {
	case *rsa.PublicKey:
		same = p.Equal(pub)
	case ed25519.PublicKey:
		same = p.Equal(pub)
	}
	if !same {
		return fmt.Errorf("%w: %s publishes a %s key (%d bits) that is not the signing key's (%s); publish the signing key's record, or sign with the matching key",
			ErrDKIMKeyMismatch, name, k.KeyType, k.Bits(), records.DKIMKeyAlgorithm(pub))
	}
	return nil
}
