package main

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailcfg/mailcfg/records"
)

func TestKeyFileWrite(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "k.pem")
	if err := writeKeyFile(path, []byte("first")); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, %v", st.Mode(), err)
	}
	// Never over an existing file, not even one that is only a symlink.
	var ue *usageError
	if err := writeKeyFile(path, []byte("second")); !errors.As(err, &ue) || !strings.Contains(err.Error(), "never overwritten") {
		t.Errorf("existing file: %v", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "first" {
		t.Errorf("file now holds %q", b)
	}
	target := filepath.Join(dir, "target")
	link := filepath.Join(dir, "link.pem")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	if err := checkKeyFileFree(link); !errors.As(err, &ue) {
		t.Errorf("dangling symlink: %v", err)
	}
	if err := writeKeyFile(link, []byte("x")); !errors.As(err, &ue) {
		t.Errorf("write through a dangling symlink: %v", err)
	}
	if _, err := os.Stat(target); !os.IsNotExist(err) {
		t.Errorf("the symlink's target was created: %v", err)
	}
	if err := writeKeyFile(filepath.Join(dir, "no", "such", "dir.pem"), []byte("x")); !errors.As(err, &ue) {
		t.Errorf("missing directory: %v", err)
	}
}

func TestKeyFileRead(t *testing.T) {
	dir := t.TempDir()
	k, pemBytes, err := records.GenerateDKIMKey(records.DKIMRSA2048, nil)
	if err != nil {
		t.Fatal(err)
	}
	pkcs8 := filepath.Join(dir, "pkcs8.pem")
	pkcs1 := filepath.Join(dir, "pkcs1.pem")
	os.WriteFile(pkcs8, pemBytes, 0o600)
	os.WriteFile(pkcs1, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k.(*rsa.PrivateKey))}), 0o600)
	for _, p := range []string{pkcs8, pkcs1} {
		got, err := readKeyFile(p)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if !got.(*rsa.PrivateKey).Equal(k) {
			t.Errorf("%s: a different key", p)
		}
	}
	if w := keyFileWarning(pkcs8); w != "" {
		t.Errorf("a 0600 file warned: %s", w)
	}
	os.Chmod(pkcs1, 0o644)
	if w := keyFileWarning(pkcs1); !strings.Contains(w, "chmod 600") {
		t.Errorf("a 0644 file: %q", w)
	}
	bad := filepath.Join(dir, "bad.pem")
	os.WriteFile(bad, []byte("-----BEGIN PRIVATE KEY-----\nc2VjcmV0LWJ5dGVz\n-----END PRIVATE KEY-----\n"), 0o600)
	_, err = readKeyFile(bad)
	var ue *usageError
	if !errors.As(err, &ue) || strings.Contains(err.Error(), "c2VjcmV0") {
		t.Errorf("bad key: %v", err)
	}
}
