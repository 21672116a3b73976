package tui

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

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
