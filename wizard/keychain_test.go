package wizard

import (
	"errors"
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
	if _, err := keyring.Get(KeychainService, "apikey@smtp.eu.example.net"); !errors.Is(err, keyring.ErrNotFound) {
		t.Fatalf("something was stored before the person asked: %v", err)
	}
	if err := s.StoreSecret(); err != nil {
		t.Fatal(err)
	}
	got, err := keyring.Get(KeychainService, "apikey@smtp.eu.example.net")
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
