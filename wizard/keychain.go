package wizard

import (
	"fmt"

	"github.com/zalando/go-keyring"
)

// KeychainService is the OS keychain service name secrets are stored under.
const KeychainService = "mailcfg"

// keychainKey is the keychain account for the answers: the username at the
// SMTP host.
func keychainKey(a *Answers) string { return a.User + "@" + a.Host }

// StoreSecret stores the secret in the OS keychain (only when the person
// opted in on the credentials step) and marks the answers so the screen and
// the report say so.
func (s *Session) StoreSecret() error {
	a := &s.Answers
	if a.Secret.Empty() || a.User == "" || a.Host == "" {
		return fmt.Errorf("wizard: nothing to store in the keychain yet")
	}
	if err := keyring.Set(KeychainService, keychainKey(a), a.Secret.Reveal()); err != nil {
		return fmt.Errorf("wizard: keychain: %w", err)
	}
	a.Keychain = true
	return nil
}
