package checks

import (
	"encoding/base64"
	"fmt"
)

// Masked is what a Secret prints as in every format.
const Masked = "********"

// Secret holds a password, API key or OAuth token. It prints as ******** in
// every format (fmt's verbs, %#v, JSON, text marshalling), so a secret that
// reaches a log line, an error or a JSON document by mistake shows nothing.
// Only Reveal returns the value, and only the AUTH exchange calls it.
type Secret struct {
	v *string // a pointer, so a copy of the struct does not copy the bytes around in %v of a parent
}

// NewSecret wraps s.
func NewSecret(s string) Secret { return Secret{v: &s} }

// Reveal returns the secret's value.
func (s Secret) Reveal() string {
	if s.v == nil {
		return ""
	}
	return *s.v
}

// Empty reports whether the secret holds nothing.
func (s Secret) Empty() bool { return s.Reveal() == "" }

// String implements fmt.Stringer.
func (s Secret) String() string { return Masked }

// GoString implements fmt.GoStringer, for %#v.
func (s Secret) GoString() string { return Masked }

// Format implements fmt.Formatter: every verb prints ********.
func (s Secret) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(Masked)) }

// MarshalJSON implements json.Marshaler.
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + Masked + `"`), nil }

// MarshalText implements encoding.TextMarshaler.
func (s Secret) MarshalText() ([]byte, error) { return []byte(Masked), nil }

// Forms returns the ways the secret can appear on the wire or in a file for
// the given username: the value itself and the base64 forms AUTH PLAIN,
// LOGIN and XOAUTH2 send. Leak tests and the transcript's scrubber search
// for each of them.
func (s Secret) Forms(user string) []string {
	v := s.Reveal()
	if v == "" {
		return nil
	}
	b := base64.StdEncoding.EncodeToString
	return []string{
		v,
		b([]byte(v)),
		b([]byte("\x00" + user + "\x00" + v)),
		b([]byte(user + "\x00" + user + "\x00" + v)),
		b([]byte("user=" + user + "\x01auth=Bearer " + v + "\x01\x01")),
	}
}
