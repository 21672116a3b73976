package records

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"strings"
)

// The DKIM key algorithms GenerateDKIMKey makes.
const (
	DKIMRSA2048 = "rsa2048" // the default: RFC 8301 §3.2 says signers SHOULD use at least 2048 bits
	DKIMRSA3072 = "rsa3072"
	DKIMEd25519 = "ed25519" // RFC 8463; publish it beside an RSA key, not instead of one
)

// DKIMAlgorithms lists the names GenerateDKIMKey accepts, the default first.
var DKIMAlgorithms = []string{DKIMRSA2048, DKIMRSA3072, DKIMEd25519}

// ErrUnknownDKIMAlgorithm is returned for a key algorithm name that is not in
// DKIMAlgorithms.
var ErrUnknownDKIMAlgorithm = errors.New("records: unknown DKIM key algorithm")

// GenerateDKIMKey makes a DKIM signing key: alg is one of DKIMAlgorithms (""
// means rsa2048) and random is the entropy source (nil means crypto/rand; the
// RSA generator of the standard library may ignore it). It returns the key and
// its PKCS#8 PEM encoding, which holds the private key: write it only to a
// file with mode 0600.
func GenerateDKIMKey(alg string, random io.Reader) (crypto.Signer, []byte, error) {
	if random == nil {
		random = rand.Reader
	}
	var key crypto.Signer
	var err error
	switch strings.ToLower(alg) {
	case "", DKIMRSA2048:
		key, err = rsa.GenerateKey(random, 2048)
	case DKIMRSA3072:
		key, err = rsa.GenerateKey(random, 3072)
	case DKIMEd25519:
		_, key, err = ed25519.GenerateKey(random)
	default:
		return nil, nil, fmt.Errorf("%w %q: use %s", ErrUnknownDKIMAlgorithm, alg, strings.Join(DKIMAlgorithms, ", "))
	}
	if err != nil {
		return nil, nil, fmt.Errorf("records: generating a %s key: %w", alg, err)
	}
	pemBytes, err := MarshalDKIMKey(key)
	if err != nil {
		return nil, nil, err
	}
	return key, pemBytes, nil
}

// MarshalDKIMKey encodes a private key as a PKCS#8 "PRIVATE KEY" PEM block.
func MarshalDKIMKey(key crypto.Signer) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("records: encoding the DKIM key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// ParseDKIMPrivateKey reads an RSA or Ed25519 private key from PEM: PKCS#8
// ("PRIVATE KEY") or PKCS#1 ("RSA PRIVATE KEY"). The first private-key block
// counts; other blocks (a certificate) are skipped. Errors never quote the
// key's bytes.
func ParseDKIMPrivateKey(data []byte) (crypto.Signer, error) {
	rest := data
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			return nil, errors.New("records: no PEM private key found (want a PKCS#8 \"PRIVATE KEY\" or PKCS#1 \"RSA PRIVATE KEY\" block)")
		}
		switch block.Type {
		case "PRIVATE KEY":
			k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
			if err != nil {
				return nil, errors.New("records: the PKCS#8 private key does not parse")
			}
			switch k := k.(type) {
			case *rsa.PrivateKey:
				return k, nil
			case ed25519.PrivateKey:
				return k, nil
			}
			return nil, fmt.Errorf("records: a %T cannot sign DKIM (RFC 6376 and RFC 8463 allow RSA and Ed25519)", k)
		case "RSA PRIVATE KEY":
			k, err := x509.ParsePKCS1PrivateKey(block.Bytes)
			if err != nil {
				return nil, errors.New("records: the PKCS#1 RSA private key does not parse")
			}
			return k, nil
		case "ENCRYPTED PRIVATE KEY":
			return nil, errors.New("records: the private key is encrypted; decrypt it first (openssl pkcs8 -in FILE -out PLAIN)")
		}
	}
}

// DKIMPublicKeyData returns a public key's k= and p= values (RFC 6376
// §3.6.1): for RSA the base64 of its SubjectPublicKeyInfo DER, which every
// verifier reads (RFC 6376 erratum 3017); for Ed25519 the base64 of the raw 32
// bytes (RFC 8463 §4.2).
func DKIMPublicKeyData(pub crypto.PublicKey) (keyType, p string, err error) {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		// RFC 8301 §3.2: keys under 1024 bits are not valid; 2048 is advised.
		if k.N.BitLen() < 1024 {
			return "", "", fmt.Errorf("records: a %d-bit RSA key is too short for DKIM (RFC 8301 §3.2 needs 1024, advises 2048)", k.N.BitLen())
		}
		der, err := x509.MarshalPKIXPublicKey(k)
		if err != nil {
			return "", "", fmt.Errorf("records: encoding the RSA public key: %w", err)
		}
		return "rsa", base64.StdEncoding.EncodeToString(der), nil
	case rsa.PublicKey:
		return DKIMPublicKeyData(&k)
	case ed25519.PublicKey:
		if len(k) != ed25519.PublicKeySize {
			return "", "", fmt.Errorf("records: an Ed25519 public key has %d bytes, want %d", len(k), ed25519.PublicKeySize)
		}
		return "ed25519", base64.StdEncoding.EncodeToString(k), nil
	case *ed25519.PublicKey:
		return DKIMPublicKeyData(*k)
	case crypto.Signer:
		return DKIMPublicKeyData(k.Public())
	case nil:
		return "", "", errors.New("records: no DKIM public key")
	}
	return "", "", fmt.Errorf("records: a %T cannot be a DKIM key (RFC 6376 and RFC 8463 allow RSA and Ed25519)", pub)
}

// DKIMRecord returns the TXT value that publishes pub at a selector:
// "v=DKIM1; k=rsa; p=…" (RFC 6376 §3.6.1, RFC 8463 §4.2).
func DKIMRecord(pub crypto.PublicKey) (string, error) {
	kt, p, err := DKIMPublicKeyData(pub)
	if err != nil {
		return "", err
	}
	return "v=DKIM1; k=" + kt + "; p=" + p, nil
}

// DKIMKeyAlgorithm names a key as DKIMAlgorithms do where it can: "rsa2048",
// "rsa3072", "ed25519", or "rsaN" for other RSA sizes.
func DKIMKeyAlgorithm(pub crypto.PublicKey) string {
	if s, ok := pub.(crypto.Signer); ok {
		pub = s.Public()
	}
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return fmt.Sprintf("rsa%d", k.N.BitLen())
	case ed25519.PublicKey:
		return DKIMEd25519
	}
	return fmt.Sprintf("%T", pub)
}
