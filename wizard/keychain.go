package wizard

import (
	"errors"
	"fmt"

	"github.com/zalando/go-keyring"

	"github.com/mailcfg/mailcfg/checks"
)

// KeychainService is the OS keychain service name secrets are stored under.
const KeychainService = "mailcfg"

// KeychainAccount is the keychain account a secret is stored under: the
// provider, the username and the SMTP host, as in
// "postmark:apikey@smtp.postmarkapp.com". A secret is only ever offered
// back for the same three.
func KeychainAccount(provider, host, user string) string {
	return provider + ":" + user + "@" + host
}

// account is the keychain account of the answers.
func (a *Answers) account() string { return KeychainAccount(a.Provider, a.Host, a.User) }

// LookupSecret reads the secret stored in the OS keychain under account;
// found is false (and err nil) when none is. It may block while the
// keychain asks the person, so front-ends call it off their event loop.
func LookupSecret(account string) (secret checks.Secret, found bool, err error) {
	v, err := keyring.Get(KeychainService, account)
	switch {
	case errors.Is(err, keyring.ErrNotFound):
		return checks.Secret{}, false, nil
	case err != nil:
		return checks.Secret{}, false, fmt.Errorf("wizard: keychain: %w", err)
	case v == "":
		return checks.Secret{}, false, nil
	}
	return checks.NewSecret(v), true, nil
}

// SaveSecret stores secret in the OS keychain under account. Like
// LookupSecret it may block; it changes no session.
func SaveSecret(account string, secret checks.Secret) error {
	if secret.Empty() {
		return fmt.Errorf("wizard: no secret to store in the keychain")
	}
	if err := keyring.Set(KeychainService, account, secret.Reveal()); err != nil {
		return fmt.Errorf("wizard: keychain: %w", err)
	}
	return nil
}

// KeychainAccount is the keychain account of the session's answers so far
// (see the function KeychainAccount); "" until the provider, the host and
// the username are known.
func (s *Session) KeychainAccount() string {
	a := &s.Answers
	if a.Provider == "" || a.Host == "" || a.User == "" {
		return ""
	}
	return a.account()
}

// StoreSecret stores the secret in the OS keychain (only when the person
// opted in on the credentials step) and marks the answers so the screen and
// the report say so.
func (s *Session) StoreSecret() error {
	a := &s.Answers
	if a.Secret.Empty() || s.KeychainAccount() == "" {
		return fmt.Errorf("wizard: nothing to store in the keychain yet")
	}
	if err := SaveSecret(a.account(), a.Secret); err != nil {
		return err
	}
	a.Keychain = true
	return nil
}

// UseStoredSecret answers the credentials step with user and the secret
// read from the keychain for them (LookupSecret), and marks the answers so
// the screen and the report say where it came from.
func (s *Session) UseStoredSecret(user string, secret checks.Secret) error {
	if err := s.SetCredentials(user, secret, ""); err != nil {
		return err
	}
	s.Answers.FromKeychain = true
	return nil
}
