package tui

import (
	"errors"
	"strings"
	"testing"

	"github.com/zalando/go-keyring"
	"go.uber.org/goleak"

	"github.com/mailcfg/mailcfg/wizard"
)

// TestMain keeps every test off the OS keychain: go-keyring's mock stands
// in for it. It also fails the package's tests if any goroutine (a program,
// a sandbox, a running step) is still running once they have all finished.
// teatest's own SIGINT watcher waits for the life of the process by design.
func TestMain(m *testing.M) {
	keyring.MockInit()
	goleak.VerifyTestMain(m, goleak.IgnoreTopFunction("github.com/charmbracelet/x/exp/teatest/v2.NewTestModel.func2"))
}

// keychainHarness is a wizard at the credentials step for test-multi/us,
// example.com, port 587, no secret yet, with the keychain holding stored
// for apikey there ("" holds nothing).
func keychainHarness(t *testing.T, color bool, stored string) *harness {
	t.Helper()
	keyring.MockInit()
	t.Cleanup(keyring.MockInit)
	if stored != "" {
		must(t, keyring.Set(wizard.KeychainService,
			wizard.KeychainAccount("test-multi", "smtp.us.example.net", "apikey"), stored))
	}
	h := newHarness(t, color, nil)
	sess := h.m.c.Session
	must(t, sess.SetProvider("test-multi", "us", ""))
	must(t, sess.SetDomain("example.com", "ops@example.com", ""))
	must(t, sess.SetPort(587))
	h.send(navMsg{to: wizard.StepCredentials})
	return h
}

// TestCredentialsStepOffersStoredSecret: a secret an earlier run stored
// for the same provider, host and user is offered, ticked, never shown,
// and used.
func TestCredentialsStepOffersStoredSecret(t *testing.T) {
	both(t, func(t *testing.T, color bool) {
		h := keychainHarness(t, color, "stored-secret-value")
		h.wantScreen("[x] use the secret stored in the OS keychain",
			"using the secret stored for apikey (not shown)")
		if s := h.screen(); strings.Contains(s, "stored-secret-value") || strings.Contains(s, "Secret   •") ||
			strings.Contains(s, "store the secret in the OS keychain") {
			t.Fatalf("the stored secret shows, or the store box is offered again:\n%s", s)
		}
		h.golden("credentials_stored")
		h.keys("enter")
		h.wantStep(wizard.StepHandshake)
		a := h.m.c.Session.Answers
		if a.Secret.Reveal() != "stored-secret-value" || !a.FromKeychain || a.Keychain {
			t.Errorf("secret %q, FromKeychain %v, Keychain %v", a.Secret.Reveal(), a.FromKeychain, a.Keychain)
		}
		// Coming back keeps the choice and still shows nothing of it.
		h.keys("esc")
		h.wantStep(wizard.StepCredentials)
		h.wantScreen("[x] use the secret stored in the OS keychain")
		if strings.Contains(h.screen(), "Secret   •") {
			t.Error("the stored secret's length shows in the field")
		}
	})
}

// TestCredentialsStepTypedSecretReplacesStored: typing a secret unticks
// the stored one; the typed one is used.
func TestCredentialsStepTypedSecretReplacesStored(t *testing.T) {
	h := keychainHarness(t, false, "stored-secret-value")
	h.keys("new-secret")
	h.wantScreen("[ ] use the secret stored in the OS keychain", "a secret for apikey is in the OS keychain; tick above to use it")
	h.keys("enter")
	h.wantStep(wizard.StepHandshake)
	if a := h.m.c.Session.Answers; a.Secret.Reveal() != "new-secret" || a.FromKeychain {
		t.Errorf("secret %q, FromKeychain %v", a.Secret.Reveal(), a.FromKeychain)
	}
}

// TestCredentialsStepStoredSecretIsPerUser: another username finds nothing
// stored, and the offer goes; enter then asks for a secret.
func TestCredentialsStepStoredSecretIsPerUser(t *testing.T) {
	h := keychainHarness(t, false, "stored-secret-value")
	h.keys("up") // to the username
	for range len("apikey") {
		h.keys("backspace")
	}
	h.keys("someone", "enter")
	h.wantStep(wizard.StepCredentials)
	h.wantScreen("nothing is stored in the OS keychain for someone", "[ ] store the secret in the OS keychain")
	if strings.Contains(h.screen(), "use the secret stored") {
		t.Errorf("the offer stayed for another user:\n%s", h.screen())
	}
	if !h.m.c.Session.Answers.Secret.Empty() {
		t.Error("a secret was taken for another user")
	}
}

// TestCredentialsStepNothingStored: with nothing in the keychain, no offer;
// with the keychain failing, the screen says so in one line.
func TestCredentialsStepNothingStored(t *testing.T) {
	h := keychainHarness(t, false, "")
	h.wantScreen("[ ] store the secret in the OS keychain", "nothing is stored")
	if strings.Contains(h.screen(), "use the secret stored") {
		t.Errorf("an offer with nothing stored:\n%s", h.screen())
	}
	keyring.MockInitWithError(errors.New("the keychain is locked"))
	defer keyring.MockInit()
	h = newHarness(t, false, nil)
	must(t, h.m.c.Session.SetProvider("test-multi", "us", ""))
	h.send(navMsg{to: wizard.StepCredentials})
	h.wantScreen("the OS keychain could not be read: keychain: the keychain is locked")
}

// TestCredentialsStepDemoLeavesKeychainAlone: with NoKeychain (the demo)
// nothing is looked up or offered.
func TestCredentialsStepDemoLeavesKeychainAlone(t *testing.T) {
	keyring.MockInitWithError(errors.New("touched"))
	defer keyring.MockInit()
	fb := &fakeBackend{}
	sess := wizard.NewSession(wizard.Env{Catalog: testCatalog(t), Backend: fb, NoKeychain: true})
	must(t, sess.SetProvider("test-multi", "us", ""))
	sess.Goto(wizard.StepCredentials)
	h := harnessFor(t, sess, false, fb)
	h.wantScreen("nothing is stored: the demo's throwaway secret")
	for _, bad := range []string{"keychain could not", "store the secret in", "use the secret stored"} {
		if strings.Contains(h.screen(), bad) {
			t.Errorf("the demo shows %q:\n%s", bad, h.screen())
		}
	}
}
