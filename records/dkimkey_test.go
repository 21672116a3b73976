package records

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
)

func rsaKeyB64(t *testing.T, bits int, pkcs1 bool) string {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		t.Fatal(err)
	}
	der := x509.MarshalPKCS1PublicKey(&k.PublicKey)
	if !pkcs1 {
		der, _ = x509.MarshalPKIXPublicKey(&k.PublicKey)
	}
	return base64.StdEncoding.EncodeToString(der)
}

func TestParseDKIMKeyRSA(t *testing.T) {
	p := rsaKeyB64(t, 2048, false)
	// Keys are often split in several TXT strings and may hold spaces.
	spaced := p[:100] + " " + p[100:]
	k, err := ParseDKIMKey("v=DKIM1; h=sha256; k=rsa; t=y:s; s=email; n=hello; p=" + spaced)
	if err != nil {
		t.Fatal(err)
	}
	if k.Bits() != 2048 || !k.Testing() || !k.Strict() || k.Revoked() || k.Version != "DKIM1" {
		t.Fatalf("got %+v bits %d", k, k.Bits())
	}
	if got := k.String(); got != "v=DKIM1; h=sha256; k=rsa; n=hello; s=email; t=y:s; p="+p {
		t.Fatalf("String() = %q", got)
	}
	k, err = ParseDKIMKey("p=" + rsaKeyB64(t, 1024, true))
	if err != nil || k.Bits() != 1024 || k.KeyType != "rsa" {
		t.Fatalf("PKCS#1 key: %v %+v", err, k)
	}
}

func TestParseDKIMKeyEd25519AndRevoked(t *testing.T) {
	pub, _, _ := ed25519.GenerateKey(rand.Reader)
	k, err := ParseDKIMKey("v=DKIM1; k=ed25519; p=" + base64.StdEncoding.EncodeToString(pub))
	if err != nil || k.Bits() != 256 {
		t.Fatalf("ed25519: %v %+v", err, k)
	}
	k, err = ParseDKIMKey("v=DKIM1; k=rsa; p=")
	if err != nil || !k.Revoked() || k.Bits() != 0 {
		t.Fatalf("revoked: %v %+v", err, k)
	}
	// A key of the wrong type for k= has no size.
	k, err = ParseDKIMKey("k=ed25519; p=" + rsaKeyB64(t, 1024, false))
	if err != nil || k.Bits() != 0 {
		t.Fatalf("mismatched: %v bits %d", err, k.Bits())
	}
}

func TestParseDKIMKeyErrors(t *testing.T) {
	for _, tc := range []struct{ in, frag string }{
		{"k=rsa; v=DKIM1; p=", "first"},
		{"v=DKIM2; p=", "DKIM1"},
		{"v=DKIM1; k=rsa", "no p="},
		{"v=DKIM1; p=!!!!", "base64"},
		{"v=DKIM1; p=; p=", "twice"},
		{"v=spf1 include:x -all", "DKIM1"},
		{"p=AAAA; flag", "expected ="},
	} {
		_, err := ParseDKIMKey(tc.in)
		var se *SyntaxError
		if !errors.As(err, &se) || !strings.Contains(se.Msg, tc.frag) {
			t.Errorf("%q: err = %v, want one mentioning %q", tc.in, err, tc.frag)
		}
	}
}
