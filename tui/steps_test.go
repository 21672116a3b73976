package tui

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/zalando/go-keyring"
	"go.uber.org/goleak"

	"github.com/mailcfg/mailcfg/providers"
	"github.com/mailcfg/mailcfg/wizard"
)

// both runs f with the coloured and the monochrome styles.
func both(t *testing.T, f func(t *testing.T, color bool)) {
	t.Run("color", func(t *testing.T) { f(t, true) })
	t.Run("nocolor", func(t *testing.T) { f(t, false) })
}

func TestProviderStep(t *testing.T) {
	both(t, func(t *testing.T, color bool) {
		h := newHarness(t, color, nil)
		h.wantStep(wizard.StepProvider)
		h.keys("/", "Test M")
		h.wantScreen("/ Test M", "Test Multi")
		h.golden("provider_filter")
		h.keys("enter")
		h.wantScreen("Test Multi has 2 regions", "smtp.eu.example.net")
		h.keys("down")
		h.golden("provider_region")
		h.keys("enter")
		h.wantStep(wizard.StepDomain)
		a := h.m.c.Session.Answers
		if a.Provider != "test-multi" || a.Region != "us" || a.Host != "smtp.us.example.net" || a.Port != 587 {
			t.Errorf("answers %+v", a)
		}
	})
}

func TestProviderStepNoMatch(t *testing.T) {
	both(t, func(t *testing.T, color bool) {
		h := newHarness(t, color, nil)
		h.keys("/", "zzzz", "enter")
		h.wantStep(wizard.StepProvider)
		h.wantScreen("no provider matches", "No provider matches the filter")
		h.golden("provider_nomatch")
		// esc clears the filter; the list is back.
		h.keys("/", "esc")
		if strings.Contains(h.screen(), "no provider matches") || len(h.m.steps[wizard.StepProvider].(*providerStep).shown) < 3 {
			t.Errorf("the filter was not cleared:\n%s", h.screen())
		}
	})
}

func TestProviderStepCustomHost(t *testing.T) {
	h := newHarness(t, false, nil)
	h.keys("/", "Custom server", "enter")
	h.wantScreen("type your SMTP server's host name")
	h.keys("not a host!", "enter")
	h.wantStep(wizard.StepProvider)
	h.wantScreen("✗")
	for range len("not a host!") {
		h.keys("backspace")
	}
	h.keys("smtp.bücher.example", "enter")
	h.wantStep(wizard.StepDomain)
	if got := h.m.c.Session.Answers.Host; got != "smtp.xn--bcher-kva.example" {
		t.Errorf("host = %q", got)
	}
}

func TestDomainStep(t *testing.T) {
	both(t, func(t *testing.T, color bool) {
		h := answered(t, color, nil, wizard.StepDomain)
		// Clear the prefilled answers and type an IDN.
		h.m.c.Session.Answers.DomainUnicode, h.m.c.Session.Answers.From = "", ""
		h.send(navMsg{to: wizard.StepDomain})
		h.keys("bücher.example")
		h.wantScreen("bücher.example = xn--bcher-kva.example in DNS (punycode)", "empty: postmaster@xn--bcher-kva.example")
		h.golden("domain_idn")
		h.keys("enter") // moves to the empty sender
		h.wantStep(wizard.StepDomain)
		h.keys("ops@bücher.example")
		h.wantScreen("sent as ops@xn--bcher-kva.example")
		h.keys("enter")
		h.wantStep(wizard.StepPort)
		a := h.m.c.Session.Answers
		if a.Domain != "xn--bcher-kva.example" || a.DomainUnicode != "bücher.example" || a.From != "ops@xn--bcher-kva.example" {
			t.Errorf("answers %+v", a)
		}
	})
}

func TestDomainStepInvalid(t *testing.T) {
	both(t, func(t *testing.T, color bool) {
		h := answered(t, color, nil, wizard.StepDomain)
		h.keys("tab", "backspace", "backspace", "backspace", "org") // sender ops@example.org
		h.wantScreen("✗ \"ops@example.org\" is not at example.com")
		h.keys("enter")
		h.wantStep(wizard.StepDomain)
		h.golden("domain_invalid")
	})
}

func TestPortStep(t *testing.T) {
	both(t, func(t *testing.T, color bool) {
		h := answered(t, color, nil, wizard.StepPort)
		h.wantScreen("587", "STARTTLS", "✓ open 10 ms", "recommended", "Submission with STARTTLS.")
		h.golden("port_open")
		h.keys("down", "enter")
		h.wantStep(wizard.StepCredentials)
		if h.m.c.Session.Answers.Port != 465 {
			t.Errorf("port = %d", h.m.c.Session.Answers.Port)
		}
	})
}

func TestPortStepRefused(t *testing.T) {
	both(t, func(t *testing.T, color bool) {
		h := answered(t, color, &fakeBackend{refused: true}, wizard.StepPort)
		h.wantScreen("✗ refused", "Nothing listens on this port; use 587 or 465.")
		h.golden("port_refused")
	})
}

func TestCredentialsStep(t *testing.T) {
	both(t, func(t *testing.T, color bool) {
		h := newHarness(t, color, nil)
		sess := h.m.c.Session
		must(t, sess.SetProvider("test-multi", "eu", ""))
		must(t, sess.SetDomain("example.com", "", ""))
		h.send(navMsg{to: wizard.StepCredentials})
		h.wantScreen("Username apikey", "The username is literally apikey.", "nothing is stored")
		h.keys("top-secret-value")
		if strings.Contains(h.screen(), "top-secret-value") {
			t.Fatal("the secret is on the screen")
		}
		h.wantScreen("••••••••••••••••")
		h.golden("credentials")
		h.keys("enter")
		h.wantStep(wizard.StepHandshake)
		if sess.Answers.Secret.Reveal() != "top-secret-value" || sess.Answers.Keychain {
			t.Errorf("secret not taken, or stored: %+v", sess.Answers)
		}
	})
}

func TestCredentialsStepMissingSecret(t *testing.T) {
	both(t, func(t *testing.T, color bool) {
		h := newHarness(t, color, nil)
		must(t, h.m.c.Session.SetProvider("test-multi", "eu", ""))
		h.send(navMsg{to: wizard.StepCredentials})
		h.keys("tab", "NOT_SET_VAR", "enter")
		h.wantStep(wizard.StepCredentials)
		h.wantScreen("$NOT_SET_VAR is empty or unset")
		h.golden("credentials_missing")
		// The named variable that is set works.
		for range len("NOT_SET_VAR") {
			h.keys("backspace")
		}
		h.keys("SMTP_SECRET", "enter")
		h.wantStep(wizard.StepHandshake)
		if h.m.c.Session.Answers.SecretEnv != "SMTP_SECRET" {
			t.Errorf("env = %q", h.m.c.Session.Answers.SecretEnv)
		}
	})
}

func TestHandshakeStep(t *testing.T) {
	both(t, func(t *testing.T, color bool) {
		h := answered(t, color, nil, wizard.StepHandshake)
		h.wantScreen("✓ connect 3 ms", "✓ auth 2 ms", "TLS 1.3", "AUTH PLAIN ********", "✓ the handshake passed")
		if strings.Contains(h.screen(), "hunter2") {
			t.Fatal("secret on screen")
		}
		h.golden("handshake_pass")
		h.keys("enter")
		h.wantStep(wizard.StepDNS)
	})
}

func TestHandshakeStepAuthFails(t *testing.T) {
	both(t, func(t *testing.T, color bool) {
		h := answered(t, color, &fakeBackend{authFail: true}, wizard.StepHandshake)
		h.wantScreen("✗ auth 2 ms 535 5.7.8", "fix: Check the username", "✗ the handshake failed")
		h.golden("handshake_fail")
		h.keys("u")
		h.wantStep(wizard.StepCredentials)
		h.wantScreen("Username apikey") // the answer is kept
	})
}

func TestDNSStep(t *testing.T) {
	both(t, func(t *testing.T, color bool) {
		h := answered(t, color, &fakeBackend{auditFail: true}, wizard.StepDNS)
		h.wantScreen("SPF", "✗ fail  SPF needs 12 DNS lookups", "! warn  DMARC policy is none", "1 fail")
		// Worst first within an area: the failing SPF finding before the pass.
		s := h.screen()
		if strings.Index(s, "SPF needs 12") > strings.Index(s, "One SPF record") {
			t.Errorf("not worst first:\n%s", s)
		}
		h.keys("down", "down", "down", "down", "space")
		h.wantScreen("fix: Move to p=quarantine", "RFC 9989 §4.7")
		h.golden("dns_expanded")
		h.keys("enter")
		h.wantStep(wizard.StepRecords)
		if !h.m.c.Session.Results.DNSDone || len(h.m.c.Session.Results.Findings) != 6 {
			t.Errorf("results %+v", h.m.c.Session.Results)
		}
	})
}

func TestRecordsStep(t *testing.T) {
	both(t, func(t *testing.T, color bool) {
		h := answered(t, color, &fakeBackend{pending: true, propOK: true}, wizard.StepRecords)
		h.wantScreen("! 1 record(s) to publish", "create", "_dmarc.example.com.", "ACTION")
		h.keys("down", "down", "c")
		if len(h.clip) != 1 || !strings.HasPrefix(h.clip[0], "v=DMARC1; p=none") {
			t.Errorf("clipboard = %q", h.clip)
		}
		h.wantScreen("copied with OSC 52", "v=DMARC1; p=none; rua=mailto:dmarc-reports@example.com")
		h.golden("records")
		h.keys("s")
		h.wantScreen("Save as example.com.zone")
		h.keys("enter")
		h.wantScreen("saved the zone fragment")
		data, err := os.ReadFile(filepath.Join(h.dir, "example.com.zone"))
		if err != nil || !strings.Contains(string(data), "IN TXT") {
			t.Errorf("zone file: %v %q", err, data)
		}
		h.keys("r")
		h.wantScreen("check again: _dmarc.example.com. TXT", "✓ ns1.example.test", "Wait")
		h.keys("enter")
		h.wantStep(wizard.StepSend)
	})
}

func TestRecordsStepPlanError(t *testing.T) {
	both(t, func(t *testing.T, color bool) {
		h := answered(t, color, &fakeBackend{planErr: errors.New("records: the domain publishes two SPF records")}, wizard.StepRecords)
		h.wantScreen("? could not plan the records", "two SPF records")
		h.golden("records_error")
	})
}

func TestSendStep(t *testing.T) {
	both(t, func(t *testing.T, color bool) {
		h := answered(t, color, nil, wizard.StepSend)
		h.wantScreen("To ", "empty: send it to the sender, ops@example.com")
		h.keys("enter")
		h.wantScreen("✓ data 5 ms", "Queue id", "4QX2", "signed and verified", "✓ the test message was accepted")
		h.golden("send_pass")
		h.keys("enter")
		h.wantStep(wizard.StepSummary)
	})
}

func TestSendStepFails(t *testing.T) {
	both(t, func(t *testing.T, color bool) {
		h := answered(t, color, &fakeBackend{sendFail: true}, wizard.StepSend)
		h.keys("someone@example.org", "enter")
		h.wantScreen("To   someone@example.org", "✗ mail 1 ms 451 4.3.0", "✗ the test send failed")
		h.golden("send_fail")
		h.keys("r")
		h.wantScreen("someone@example.org") // back at the recipient, kept
	})
}

func TestSummaryStep(t *testing.T) {
	both(t, func(t *testing.T, color bool) {
		h := answered(t, color, &fakeBackend{auditFail: true}, wizard.StepHandshake)
		h.keys("enter") // to DNS, which runs
		h.keys("enter") // to records
		h.keys("enter") // to send
		h.keys("enter") // send
		h.keys("enter") // to summary
		h.wantStep(wizard.StepSummary)
		h.wantScreen("! some things are left to do", "✓ pass  SMTP handshake", "✗ fail  DNS checks of example.com",
			"- SPF needs 12 DNS lookups; the limit is 10: Drop includes")
		h.golden("summary")
		h.keys("s", "enter")
		h.wantScreen("saved the report to")
		data, err := os.ReadFile(filepath.Join(h.dir, "mailcfg-report-example.com.md"))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(data), "# mailcfg report for example.com") || strings.Contains(string(data), "hunter2") {
			t.Errorf("report:\n%s", data)
		}
		h.keys("enter")
		if !h.quit || !h.m.Finished() {
			t.Error("enter at the summary did not finish")
		}
	})
}

func TestQuitAsksWhenWorkWouldBeLost(t *testing.T) {
	h := newHarness(t, false, nil)
	h.keys("q") // nothing answered yet: quits at once
	if !h.quit {
		t.Fatal("q at the first step did not quit")
	}
	h = answered(t, false, nil, wizard.StepPort)
	h.keys("q")
	if h.quit {
		t.Fatal("quit without asking")
	}
	h.wantScreen("Quit mailcfg setup?", "not saved")
	h.keys("n")
	h.wantStep(wizard.StepPort)
	h.keys("ctrl+c", "y")
	if !h.quit {
		t.Fatal("y did not quit")
	}
	// In a text field, q is text and ctrl+c still asks.
	h = answered(t, false, nil, wizard.StepDomain)
	h.keys("q")
	if h.quit || !strings.Contains(h.screen(), "example.comq") {
		t.Fatalf("q did not type:\n%s", h.screen())
	}
	h.keys("ctrl+c", "ctrl+c")
	if !h.quit {
		t.Fatal("ctrl+c twice did not quit")
	}
}

func TestBackKeepsAnswersInTheUI(t *testing.T) {
	h := answered(t, false, nil, wizard.StepCredentials)
	h.keys("esc")
	h.wantStep(wizard.StepPort)
	h.keys("esc")
	h.wantStep(wizard.StepDomain)
	h.wantScreen("Domain   example.com", "Sender   ops@example.com", "Selector s1")
	h.keys("esc", "esc")
	h.wantStep(wizard.StepProvider)
	h.wantScreen("▸ Test Multi")
}

func TestHelpAndResize(t *testing.T) {
	h := answered(t, false, nil, wizard.StepPort)
	h.keys("?")
	h.wantScreen("Keys", "scroll down", "r probe")
	h.keys("?")
	h.send(tea.WindowSizeMsg{Width: 60, Height: 16})
	for i, l := range strings.Split(h.m.Render(), "\n") {
		if len([]rune(stripANSI(l))) > 60 || i >= 16 {
			t.Fatalf("line %d does not fit 60×16: %q", i+1, stripANSI(l))
		}
	}
	h.wantScreen("mailcfg setup — Port")
}

func TestLeavingAStepCancelsItsWork(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	fb := &fakeBackend{block: make(chan struct{})}
	sess := wizard.NewSession(wizard.Env{Catalog: testCatalog(t), Backend: fb})
	must(t, sess.SetProvider("test-multi", "us", ""))
	sess.Goto(wizard.StepCredentials)
	m := New(sess, Options{Width: 80, Height: 24, Now: fixedNow})
	defer m.Close()
	// Enter the handshake: its Cmd would block, so only start it.
	_, _ = m.Update(navMsg{to: wizard.StepHandshake})
	if !m.step().Busy() {
		t.Fatal("the handshake is not running")
	}
	m.Update(tea.KeyPressMsg{Code: tea.KeyEscape})
	// esc while busy still goes back (the root turns it into a navMsg).
	m.Update(navMsg{dir: -1})
	select {
	case <-fb.block:
	case <-timeAfter():
		t.Fatal("leaving the step did not cancel its context")
	}
	if m.Current() != wizard.StepCredentials {
		t.Errorf("at %s", m.Current())
	}
}

func TestStaleMessagesAreDropped(t *testing.T) {
	h := answered(t, false, nil, wizard.StepPort)
	before := h.screen()
	h.send(progressMsg{step: wizard.StepPort, gen: h.m.c.gen - 1, p: wizard.Progress{Done: true, Result: []wizard.PortProbe{}}})
	if h.screen() != before {
		t.Error("a message of an older generation changed the screen")
	}
}

func TestCredentialsStepKeychain(t *testing.T) {
	keyring.MockInit()
	t.Cleanup(keyring.MockInit) // what it stored is not offered to later tests
	h := answered(t, false, nil, wizard.StepCredentials)
	h.keys("tab", "tab") // secret → env → keychain box
	h.keys("space")
	h.wantScreen("[x] store the secret in the OS keychain", `it will be stored in the OS keychain under "mailcfg"`)
	h.keys("enter")
	h.wantStep(wizard.StepHandshake)
	if got, err := keyring.Get(wizard.KeychainService, wizard.KeychainAccount("test-multi", "smtp.us.example.net", "apikey")); err != nil || got != "hunter2-secret" {
		t.Errorf("keychain: %q, %v", got, err)
	}
}

// TestRecordsStepWatchesUntilPublished: "check again" keeps asking until
// the record is everywhere, then plans again.
func TestRecordsStepWatchesUntilPublished(t *testing.T) {
	fb := &fakeBackend{pending: true, propOKAfter: 3}
	h := answered(t, false, fb, wizard.StepRecords)
	h.m.c.Recheck = time.Millisecond
	h.keys("down", "down", "r")
	if fb.propCalls != 3 {
		t.Errorf("%d checks, want 3", fb.propCalls)
	}
	st := h.m.steps[wizard.StepRecords].(*recordsStep)
	if st.watch != nil || st.rounds != 3 || st.running {
		t.Errorf("watch %v after %d rounds, running %v", st.watch, st.rounds, st.running)
	}
	h.wantScreen("✓ ns1.example.test")
}

// TestPortStepCustom: for the custom provider, any port and TLS mode.
func TestPortStepCustom(t *testing.T) {
	both(t, func(t *testing.T, color bool) { testPortStepCustom(t, color) })
}

func testPortStepCustom(t *testing.T, color bool) {
	h := newHarness(t, color, nil)
	sess := h.m.c.Session
	must(t, sess.SetProvider("custom", "", "smtp.example.com"))
	must(t, sess.SetDomain("example.com", "", ""))
	h.send(navMsg{to: wizard.StepPort})
	h.wantScreen("t TLS mode", "o other port")
	h.keys("o", "2525", "enter")
	h.wantScreen("2525  STARTTLS", "your own port")
	h.keys("t")
	h.wantScreen("2525  TLS")
	h.golden("port_custom")
	h.keys("enter")
	h.wantStep(wizard.StepCredentials)
	if a := sess.Answers; a.Port != 2525 || a.TLS != providers.TLSImplicit {
		t.Errorf("port %d %s", a.Port, a.TLS)
	}
	// A catalogue provider's port keeps its own mode.
	must(t, sess.SetProvider("test-multi", "eu", ""))
	if err := sess.SetPortTLS(587, providers.TLSImplicit); err == nil {
		t.Error("a provider's port took another TLS mode")
	}
}

// A secret pasted into the variable-name field is masked, not drawn.
func TestCredentialsStepMasksSecretInNameField(t *testing.T) {
	h := newHarness(t, false, nil)
	must(t, h.m.c.Session.SetProvider("test-multi", "eu", ""))
	h.send(navMsg{to: wizard.StepCredentials})
	h.keys("tab", "pa55-w0rd!secret")
	if strings.Contains(h.screen(), "pa55-w0rd!secret") {
		t.Fatalf("a secret typed in the name field is on the screen:\n%s", h.screen())
	}
	h.wantScreen("not a variable name (masked)")
}

// `mailcfg setup --provider X` for a provider with regions opens on the
// region question; going back later shows the whole list again.
func TestProviderStepPrefilledOpensRegion(t *testing.T) {
	sess := wizard.NewSession(wizard.Env{Catalog: testCatalog(t), Backend: &fakeBackend{}})
	must(t, sess.Apply(wizard.Prefill{Provider: "test-multi"}))
	h := harnessFor(t, sess, false, &fakeBackend{})
	h.wantStep(wizard.StepProvider)
	h.wantScreen("Test Multi has 2 regions")
	h.keys("enter")
	h.wantStep(wizard.StepDomain)
	h.keys("esc")
	h.wantStep(wizard.StepProvider)
	if strings.Contains(h.screen(), "has 2 regions") {
		t.Fatalf("going back should show the provider list:\n%s", h.screen())
	}
}
