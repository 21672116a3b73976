package main

import (
	"crypto"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/mailcfg/mailcfg/records"
)

// keyFileMode is the only mode a private key file is ever written with.
const keyFileMode = 0o600

// checkKeyFileFree fails (exit 2) when path exists, before any work is done:
// a key file is never overwritten.
func checkKeyFileFree(path string) error {
	if _, err := os.Lstat(path); err == nil {
		return usagef("--dkim-key %s already exists and is never overwritten: choose a new path, or leave out --dkim-generate to publish that key", path)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return usagef("--dkim-key %s: %v", path, unwrapPathError(err))
	}
	return nil
}

// writeKeyFile creates path with mode 0600 and writes pemBytes to it. It
// refuses an existing file (O_EXCL, so not even a race can overwrite one)
// and removes what it created if the write fails.
func writeKeyFile(path string, pemBytes []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, keyFileMode)
	if errors.Is(err, fs.ErrExist) {
		return checkKeyFileFree(path)
	}
	if err != nil {
		return usagef("--dkim-key %s: cannot create it: %v", path, unwrapPathError(err))
	}
	// The umask may only take bits away; say 0600 explicitly all the same.
	err = f.Chmod(keyFileMode)
	if err == nil {
		_, err = f.Write(pemBytes)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return errors.New("writing the DKIM key to " + path + ": " + unwrapPathError(err).Error())
	}
	return nil
}

// readKeyFile reads a PKCS#8 or PKCS#1 PEM private key. Errors name the
// file, never its contents.
func readKeyFile(path string) (crypto.Signer, error) {
	data, err := readSmallFile(path, maxKeyFileBytes)
	if err != nil {
		return nil, usagef("--dkim-key %s: %v; give a PEM private key file, or add --dkim-generate rsa2048 to make one", path, unwrapPathError(err))
	}
	key, err := records.ParseDKIMPrivateKey(data)
	clear(data)
	if err != nil {
		return nil, usagef("--dkim-key %s: %v", path, err)
	}
	return key, nil
}

// maxKeyFileBytes bounds a private key file: an RSA-4096 PEM is about 3.3 KB.
const maxKeyFileBytes = 64 << 10

// readSmallFile reads a regular file of at most limit bytes; a device, a
// FIFO or a larger file is refused rather than read without end.
func readSmallFile(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("not a regular file")
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		clear(data)
		return nil, fmt.Errorf("larger than %d KB, too large for a key", limit>>10)
	}
	return data, nil
}

// keyFileWarning says when a private key file can be read by others ("" when
// it cannot).
func keyFileWarning(path string) string {
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm()&0o077 == 0 {
		return ""
	}
	return fmt.Sprintf("%s holds a private key but has mode %04o; make it private: chmod 600 %s", path, st.Mode().Perm(), path)
}

// unwrapPathError drops the "open PATH:" prefix the message repeats.
func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
