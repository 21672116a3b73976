package wizard

import (
	"errors"
	"strings"
	"testing"

	"github.com/zalando/go-keyring"

	"github.com/mailcfg/mailcfg/checks"
)

func TestStoreSecretOnlyWhenAsked(t *testing.T) {
	keyring.MockInit()
	s := NewSession(testEnv(t, nil))
	if err := s.StoreSecret(); err == nil {
		t.Fatal("stored an empty answer set")
	}
	if err := s.SetProvider("test-multi", "eu", ""); err != nil {
		t.Fatal(err)
	}
	if err := s.SetCredentials("apikey", checks.NewSecret("k3y"), ""); err != nil {
		t.Fatal(err)
	}
	if _, err := keyring.Get(KeychainService, KeychainAccount("test-multi", "smtp.eu.example.net", "apikey")); !errors.Is(err, keyring.ErrNotFound) {
		t.Fatalf("something was stored before the person asked: %v", err)
	}
	if err := s.StoreSecret(); err != nil {
		t.Fatal(err)
	}
	got, err := keyring.Get(KeychainService, KeychainAccount("test-multi", "smtp.eu.example.net", "apikey"))
	if err != nil || got != "k3y" || !s.Answers.Keychain {
		t.Errorf("keychain has %q, %v; Keychain=%v", got, err, s.Answers.Keychain)
	}
	if secretSource(&s.Answers) != "typed; stored in the OS keychain" {
		t.Errorf("the report says %q", secretSource(&s.Answers))
	}
	keyring.MockInitWithError(errors.New("locked"))
	if err := s.StoreSecret(); err == nil {
		t.Error("a keychain error was not reported")
	}
}

// TestStoredSecretReadBack: what one run stored, a later one finds for the
// same provider, host and user only, and the report says where it came
// from.
func TestStoredSecretReadBack(t *testing.T) {
	keyring.MockInit()
	acct := KeychainAccount("test-multi", "smtp.eu.example.net", "apikey")
	if _, found, err := LookupSecret(acct); found || err != nil {
		t.Fatalf("found %v, %v in an empty keychain", found, err)
	}
	if err := SaveSecret(acct, checks.NewSecret("")); err == nil {
		t.Error("stored an empty secret")
	}
	if err := SaveSecret(acct, checks.NewSecret("k3y")); err != nil {
		t.Fatal(err)
	}
	for _, other := range []string{
		KeychainAccount("test-multi", "smtp.us.example.net", "apikey"),
		KeychainAccount("test-multi", "smtp.eu.example.net", "someone"),
		KeychainAccount("custom", "smtp.eu.example.net", "apikey"),
	} {
		if _, found, _ := LookupSecret(other); found {
			t.Errorf("%s found the secret stored for %s", other, acct)
		}
	}
	secret, found, err := LookupSecret(acct)
	if err != nil || !found || secret.Reveal() != "k3y" {
		t.Fatalf("read back %v, %v", found, err)
	}
	s := NewSession(testEnv(t, nil))
	if err := s.SetProvider("test-multi", "eu", ""); err != nil {
		t.Fatal(err)
	}
	if s.KeychainAccount() != "" {
		t.Errorf("an account before the username: %q", s.KeychainAccount())
	}
	if err := s.UseStoredSecret("apikey", secret); err != nil {
		t.Fatal(err)
	}
	if s.KeychainAccount() != acct || !s.Answers.FromKeychain || s.Answers.Secret.Reveal() != "k3y" {
		t.Errorf("account %q, answers %+v", s.KeychainAccount(), s.Answers)
	}
	if got := secretSource(&s.Answers); got != "read from the OS keychain" {
		t.Errorf("the report says %q", got)
	}
	// Typing another secret forgets where the last one came from.
	if err := s.SetCredentials("apikey", checks.NewSecret("other"), ""); err != nil {
		t.Fatal(err)
	}
	if s.Answers.FromKeychain {
		t.Error("a typed secret is still marked as read from the keychain")
	}
	keyring.MockInitWithError(errors.New("locked"))
	defer keyring.MockInit()
	if _, _, err := LookupSecret(acct); err == nil || !strings.Contains(err.Error(), "locked") {
		t.Errorf("a keychain error came back as %v", err)
	}
}
