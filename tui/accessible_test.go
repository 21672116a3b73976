package tui

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zalando/go-keyring"

	"github.com/mailcfg/mailcfg/wizard"
)

func TestAccessibleMode(t *testing.T) {
	sess := wizard.NewSession(wizard.Env{Catalog: testCatalog(t), Backend: &fakeBackend{}})
	report := filepath.Join(t.TempDir(), "report.md")
	in := strings.Join([]string{
		"test-multi", "2", // provider, region us
		"exa mple", "bücher.example", "", "", // a bad domain, then an IDN; default sender and selector
		"",                         // port: the default
		"", "", "secret-value-123", // username apikey, no variable, the typed secret
		report,
	}, "\n") + "\n"
	var out bytes.Buffer
	x := &Accessible{In: strings.NewReader(in), Out: &out, Now: fixedNow}
	ok, err := x.Run(context.Background(), sess)
	text := out.String()
	if err != nil || !ok {
		t.Fatalf("Run = %v, %v\n%s", ok, err, text)
	}
	for _, want := range []string{"Provider number or id: ", "Region number or id [eu]: ", "Error: not a valid domain",
		"In DNS this is xn--bcher-kva.example.", "Sender address [postmaster@xn--bcher-kva.example]: ",
		"Port 587, STARTTLS, recommended: open.", "Username [apikey]: ", "Secret (not shown as you type): ",
		"Nothing is stored", "== SMTP handshake", "Saved the report to"} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if strings.Contains(text, "\x1b") {
		t.Error("accessible output has escape sequences")
	}
	if strings.Contains(text, "secret-value-123") {
		t.Error("the secret was echoed")
	}
	a := sess.Answers
	if a.Region != "us" || a.Domain != "xn--bcher-kva.example" || a.Port != 587 || a.User != "apikey" {
		t.Errorf("answers %+v", a)
	}
	data, err := os.ReadFile(report)
	if err != nil || strings.Contains(string(data), "secret-value-123") {
		t.Errorf("report: %v", err)
	}
}

func TestAccessibleModeInputEnds(t *testing.T) {
	sess := wizard.NewSession(wizard.Env{Catalog: testCatalog(t), Backend: &fakeBackend{}})
	x := &Accessible{In: strings.NewReader("test-multi\n"), Out: &bytes.Buffer{}}
	if _, err := x.Run(context.Background(), sess); !errors.Is(err, ErrNoInput) {
		t.Errorf("err = %v, want ErrNoInput", err)
	}
}

// TestAccessibleModeStoredSecret: the plain prompts offer a secret stored
// in the keychain for the same provider, host and user, and never print it.
func TestAccessibleModeStoredSecret(t *testing.T) {
	keyring.MockInit()
	t.Cleanup(keyring.MockInit)
	must(t, keyring.Set(wizard.KeychainService,
		wizard.KeychainAccount("test-multi", "smtp.us.example.net", "apikey"), "stored-secret-value"))
	sess := wizard.NewSession(wizard.Env{Catalog: testCatalog(t), Backend: &fakeBackend{}})
	in := strings.Join([]string{"test-multi", "us", "example.com", "", "", "", "", "", ""}, "\n") + "\n"
	var out bytes.Buffer
	x := &Accessible{In: strings.NewReader(in), Out: &out, Now: fixedNow}
	if _, err := x.Run(context.Background(), sess); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	text := out.String()
	for _, want := range []string{"A secret for apikey is stored in the OS keychain. Use it? yes or no [yes]: ",
		"Using the secret stored in the OS keychain (it is not shown)."} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "stored-secret-value") || strings.Contains(text, "Secret (not shown") {
		t.Errorf("the secret was printed, or asked for again:\n%s", text)
	}
	if a := sess.Answers; a.Secret.Reveal() != "stored-secret-value" || !a.FromKeychain {
		t.Errorf("answers: FromKeychain %v", a.FromKeychain)
	}
}
