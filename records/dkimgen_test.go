package records

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"math/big"
	"strings"
	"testing"

	"github.com/emersion/go-msgauth/dkim"
)

func TestDKIMGenSignsAndVerifies(t *testing.T) {
	for _, alg := range DKIMAlgorithms {
		t.Run(alg, func(t *testing.T) {
			key, pemBytes, err := GenerateDKIMKey(alg, nil)
			if err != nil {
				t.Fatal(err)
			}
			block, _ := pem.Decode(pemBytes)
			if block == nil || block.Type != "PRIVATE KEY" {
				t.Fatalf("not a PKCS#8 PEM block: %q", pemBytes[:30])
			}
			back, err := ParseDKIMPrivateKey(pemBytes)
			if err != nil {
				t.Fatal(err)
			}
			rec, err := DKIMRecord(back.Public())
			if err != nil {
				t.Fatal(err)
			}
			k, err := ParseDKIMKey(rec)
			if err != nil {
				t.Fatalf("our record %q does not parse: %v", rec, err)
			}
			wantType, wantBits := "rsa", map[string]int{DKIMRSA2048: 2048, DKIMRSA3072: 3072, DKIMEd25519: 256}[alg]
			if alg == DKIMEd25519 {
				wantType = "ed25519"
			}
			if k.KeyType != wantType || k.Bits() != wantBits {
				t.Errorf("record %q: k=%s, %d bits; want %s, %d", rec, k.KeyType, k.Bits(), wantType, wantBits)
			}
			if DKIMKeyAlgorithm(key) != alg {
				t.Errorf("DKIMKeyAlgorithm = %s, want %s", DKIMKeyAlgorithm(key), alg)
			}
			var buf bytes.Buffer
			if err := dkim.Sign(&buf, strings.NewReader("From: a@example.test\r\n\r\nx\r\n"), &dkim.SignOptions{Domain: "example.test", Selector: "s1", Signer: back}); err != nil {
				t.Fatal(err)
			}
			vs, err := dkim.VerifyWithOptions(&buf, &dkim.VerifyOptions{LookupTXT: func(name string) ([]string, error) {
				if name != "s1._domainkey.example.test" {
					return nil, errors.New("unexpected name " + name)
				}
				return []string{strings.Join(SplitTXT(rec), "")}, nil
			}})
			if err != nil || len(vs) != 1 || vs[0].Err != nil {
				t.Fatalf("go-msgauth does not verify against %q: %v %+v", rec, err, vs)
			}
		})
	}
}

func TestDKIMGenRejects(t *testing.T) {
	if _, _, err := GenerateDKIMKey("rsa1024", nil); !errors.Is(err, ErrUnknownDKIMAlgorithm) {
		t.Errorf("rsa1024: %v", err)
	}
	small := &rsa.PublicKey{N: new(big.Int).Add(new(big.Int).Lsh(big.NewInt(1), 511), big.NewInt(1)), E: 65537}
	if _, err := DKIMRecord(small); err == nil || !strings.Contains(err.Error(), "512-bit") {
		t.Errorf("a 512-bit key: %v", err)
	}
	if _, err := DKIMRecord(nil); err == nil {
		t.Error("no key made a record")
	}
	if _, err := ParseDKIMPrivateKey([]byte("not pem")); err == nil {
		t.Error("garbage parsed as a key")
	}
	enc := pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: []byte{1, 2, 3}})
	if _, err := ParseDKIMPrivateKey(enc); err == nil || !strings.Contains(err.Error(), "encrypted") {
		t.Errorf("encrypted key: %v", err)
	}
}

func TestDKIMGenReadsPKCS1(t *testing.T) {
	k, _, err := GenerateDKIMKey(DKIMRSA2048, nil)
	if err != nil {
		t.Fatal(err)
	}
	rk := k.(*rsa.PrivateKey)
	p1 := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(rk)})
	// A certificate block first must be skipped.
	p1 = append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte{0}}), p1...)
	back, err := ParseDKIMPrivateKey(p1)
	if err != nil {
		t.Fatal(err)
	}
	if !back.(*rsa.PrivateKey).Equal(rk) {
		t.Error("PKCS#1 key read back differs")
	}
	_, edk, _ := ed25519.GenerateKey(nil)
	if _, p, err := DKIMPublicKeyData(edk.Public()); err != nil || len(p) != 44 {
		t.Errorf("ed25519 p= %q, %v (want 44 base64 characters)", p, err)
	}
}

// FuzzParseDKIMPrivateKey feeds arbitrary bytes to the key reader: it must
// return a key or an error, and an error never quotes the input.
func FuzzParseDKIMPrivateKey(f *testing.F) {
	f.Add([]byte("-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA==\n-----END PRIVATE KEY-----\n"))
	f.Add([]byte("-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n"))
	f.Add([]byte("garbage"))
	f.Fuzz(func(t *testing.T, data []byte) {
		k, err := ParseDKIMPrivateKey(data)
		if err != nil {
			if len(data) > 8 && strings.Contains(err.Error(), string(data)) {
				t.Fatalf("the error quotes the input: %v", err)
			}
			return
		}
		if _, err := DKIMRecord(k.Public()); err != nil && !strings.Contains(err.Error(), "too short") {
			t.Fatalf("a parsed key makes no record: %v", err)
		}
	})
}
