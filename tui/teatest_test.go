package tui

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/mailcfg/mailcfg/checks"
	"github.com/mailcfg/mailcfg/providers"
	"github.com/mailcfg/mailcfg/wizard"
)

// demoModel starts a sandbox and returns the wizard over a demo session
// against it, as `mailcfg demo` runs it.
func demoModel(t *testing.T) *Model {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	sb, err := wizard.StartSandbox(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close() })
	sess, err := wizard.NewDemoSession(sb, wizard.SandboxEnv(sb, providers.Builtin(), 0))
	if err != nil {
		t.Fatal(err)
	}
	return New(sess, Options{Width: 80, Height: 24, Now: fixedNow, Dir: t.TempDir()})
}

// waitScreen waits until the program's output (without styles) holds every
// string.
func waitScreen(t *testing.T, tm *teatest.TestModel, subs ...string) {
	t.Helper()
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
		s := ansi.Strip(string(b))
		for _, sub := range subs {
			if !strings.Contains(s, sub) {
				return false
			}
		}
		return true
	}, teatest.WithDuration(30*time.Second), teatest.WithCheckInterval(20*time.Millisecond))
}

var enter = tea.KeyPressMsg{Code: tea.KeyEnter}

// TestDemoWalkthrough drives the real wizard program through every step of
// the demo against a live sandbox, from the first screen to the summary.
func TestDemoWalkthrough(t *testing.T) {
	m := demoModel(t)
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(80, 24))
	waitScreen(t, tm, "Provider and region", "mailcfg sandbox")
	tm.Send(enter)
	waitScreen(t, tm, "Domain and sender", "example.test")
	tm.Send(enter)
	waitScreen(t, tm, "open", "recommended")
	tm.Send(enter)
	waitScreen(t, tm, "Credentials", "••••")
	tm.Send(enter)
	waitScreen(t, tm, "handshake passed")
	tm.Send(enter)
	waitScreen(t, tm, "DNS checks", "r recheck")
	tm.Send(enter)
	waitScreen(t, tm, "everything needed is published")
	tm.Send(enter)
	waitScreen(t, tm, "Test send", "send it to the sender")
	tm.Send(enter)
	waitScreen(t, tm, "test message was accepted")
	tm.Send(enter)
	waitScreen(t, tm, "everything passed")
	tm.Send(enter)
	final := tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second)).(*Model)
	if !final.Finished() {
		t.Error("the wizard did not finish at the summary")
	}
	if !final.c.Session.AllPassed() {
		t.Errorf("not every step passed: %+v", final.c.Session.Summary())
	}
}

// TestDemoHandshakeFailureOffersTheWayBack breaks the password and checks
// the handshake step's failure path against the live sandbox.
func TestDemoHandshakeFailureOffersTheWayBack(t *testing.T) {
	m := demoModel(t)
	sess := m.c.Session
	sess.Answers.Secret = wrongSecret()
	sess.Goto(wizard.StepHandshake)
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(80, 24))
	waitScreen(t, tm, "535", "handshake failed")
	tm.Send(tea.KeyPressMsg{Code: 'u', Text: "u"})
	waitScreen(t, tm, "Credentials")
	tm.Send(tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl})
	waitScreen(t, tm, "Quit mailcfg setup?")
	tm.Send(tea.KeyPressMsg{Code: 'y', Text: "y"})
	final := tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second)).(*Model)
	if final.Finished() || final.Current() != wizard.StepCredentials {
		t.Errorf("finished=%v at %s", final.Finished(), final.Current())
	}
	out, _ := final.c.Session.Answers.Secret.MarshalText()
	if !bytes.Equal(out, []byte("********")) {
		t.Error("the secret marshals to its value")
	}
}

func wrongSecret() checks.Secret { return checks.NewSecret("not-the-sandbox-password") }
