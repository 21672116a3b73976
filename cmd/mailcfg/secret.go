package main

import (
	"bufio"
	"io"
	"os"
	"regexp"
	"strings"

	"github.com/mailcfg/mailcfg/checks"
)

// maxSecretBytes bounds what --password-stdin reads (an OAuth token is a
// few KiB at most).
const maxSecretBytes = 64 << 10

// secretFlags are where a secret may come from: an environment variable or
// stdin, never a flag value (it would land in shell history and ps).
type secretFlags struct {
	Env   string // --password-env VAR
	Stdin bool   // --password-stdin
}

var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// readSecret reads the secret the flags point at. It returns an empty Secret
// when neither flag is given. Errors are usage errors that never contain
// the secret.
func readSecret(f secretFlags, io stdio) (checks.Secret, error) {
	switch {
	case f.Env != "" && f.Stdin:
		return checks.Secret{}, usagef("give the secret one way: --password-env VAR or --password-stdin, not both")
	case f.Env != "":
		if !envName.MatchString(f.Env) {
			return checks.Secret{}, usagef("--password-env takes the name of an environment variable (like SMTP_PASSWORD), not the secret itself")
		}
		v := io.Getenv(f.Env)
		if v == "" {
			// The name is not echoed: it may be the secret typed in the
			// wrong place.
			return checks.Secret{}, usagef("--password-env: that environment variable is unset or empty; export it first (export NAME=...) and pass its name")
		}
		return checks.NewSecret(v), nil
	case f.Stdin:
		return readStdinSecret(io.In)
	}
	return checks.Secret{}, nil
}

// readStdinSecret reads the first line of r (without its line end).
func readStdinSecret(r io.Reader) (checks.Secret, error) {
	if r == nil {
		r = os.Stdin
	}
	br := bufio.NewReaderSize(io.LimitReader(r, maxSecretBytes+1), 4096)
	line, err := br.ReadString('\n')
	if err != nil && err != io.EOF {
		return checks.Secret{}, usagef("--password-stdin: reading stdin failed: %v", err)
	}
	if len(line) > maxSecretBytes {
		return checks.Secret{}, usagef("--password-stdin: the first line of stdin is longer than 64 KiB; give the secret alone on one line")
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return checks.Secret{}, usagef("--password-stdin: stdin is empty; pipe the secret in, e.g. printf %%s \"$SMTP_PASSWORD\" | mailcfg ...")
	}
	return checks.NewSecret(line), nil
}
