package tui

import (
	"context"
	"net"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mailcfg/mailcfg/internal/hostiletest"

	tea "charm.land/bubbletea/v2"

	"github.com/mailcfg/mailcfg/checks"
	"github.com/mailcfg/mailcfg/providers"
	"github.com/mailcfg/mailcfg/wizard"
)

// styleSGR matches the wizard's own styling (SGR sequences); anything else
// that is a control byte in a view came from outside and was not escaped.
var styleSGR = regexp.MustCompile("\x1b\\[[0-9;:]*m")

func noForeignControl(t *testing.T, where, view string) {
	t.Helper()
	for _, r := range styleSGR.ReplaceAllString(view, "") {
		if (r < 0x20 && r != '\n') || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			t.Fatalf("%s: raw control %U reached the view:\n%q", where, r, view)
		}
	}
}

// hostileSession is the demo session pointed at the zone evil.test, whose
// current DMARC record holds escapes, with every SMTP port leading to a
// server whose certificate names hold escapes (--insecure, so the flow goes
// past it and describes it).
func hostileSession(t *testing.T) *wizard.Session {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	sb, err := wizard.StartSandbox(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close() })
	if err := sb.DNS.AddZoneText("evil.test.", "$TTL 60\n@ MX 10 mail.evil.test.\n@ TXT \"v=spf1 -all\"\nmail A 127.0.0.1\n"+
		"_dmarc TXT \"v=DMARC1; p=none; zz=\\027[2J\\027]0;pwned\\007\\194\\155\"\n"); err != nil {
		t.Fatal(err)
	}
	env := wizard.SandboxEnv(sb, providers.Builtin(), 5*time.Second)
	port := hostiletest.StartSMTP(t, hostiletest.Cert(t))
	env.Dialer = hostiletest.DialFunc(func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	})
	env.Insecure = true
	sess, err := wizard.NewDemoSession(sb, env)
	if err != nil {
		t.Fatal(err)
	}
	must(t, sess.SetDomain("evil.test", "demo@evil.test", ""))
	return sess
}

// TestViewsEscapeServerAndDNSText: the handshake step draws the
// certificate's names and the records step the value a record has now;
// both are the other side's text and must reach the screen escaped.
func TestViewsEscapeServerAndDNSText(t *testing.T) {
	sess := hostileSession(t)
	sess.Goto(wizard.StepHandshake)
	h := harnessFor(t, sess, false, nil)
	h.send(tea.WindowSizeMsg{Width: 400, Height: 40}) // the whole certificate line
	h.wantScreen("Certificate", `CN=mail\x1b[2J`)
	noForeignControl(t, "handshake step", h.m.Render())

	sess.Goto(wizard.StepRecords)
	h = harnessFor(t, sess, false, nil)
	h.wantScreen("_dmarc.evil.test.")
	for i := 0; i < 6 && !strings.Contains(h.screen(), "now: "); i++ {
		h.keys("down")
	}
	h.wantScreen(`now: v=DMARC1; p=none; zz=\x1b[2J`)
	noForeignControl(t, "records step", h.m.Render())
}

// hostileAudit is the fake backend with an audit whose finding carries
// escapes in every field, as a careless check could pass DNS text on.
type hostileAudit struct{ *fakeBackend }

func (hostileAudit) Audit(_ context.Context, _ wizard.Target, sink checks.Sink) []checks.Finding {
	f := checks.Finding{ID: "spf.syntax", Status: checks.StatusFail, Title: "SPF \x1b[2J broken",
		Detail: "line one\nline \x1b]0;pwned\x07 two", Evidence: "v=spf1 \x1b[5m -all", Fix: "fix \r\u009b31m it", Ref: "RFC 7208"}
	sink(checks.Event{Kind: checks.EventFinding, Finding: f})
	return []checks.Finding{f}
}

// TestDNSAndSummaryStepsEscapeFindings: the DNS step (expanded) and the
// summary draw a finding's title, detail, evidence and fix escaped.
func TestDNSAndSummaryStepsEscapeFindings(t *testing.T) {
	sess := wizard.NewSession(wizard.Env{Catalog: testCatalog(t), Backend: hostileAudit{&fakeBackend{}}})
	must(t, sess.SetProvider("test-multi", "us", ""))
	must(t, sess.SetDomain("example.com", "ops@example.com", "s1"))
	must(t, sess.SetPort(587))
	must(t, sess.SetCredentials("apikey", checks.NewSecret("hunter2-secret"), ""))
	sess.Goto(wizard.StepDNS)
	h := harnessFor(t, sess, false, nil)
	h.keys("space")
	h.wantScreen(`SPF \x1b[2J broken`, `line \x1b]0;pwned\x07 two`, `v=spf1 \x1b[5m -all`)
	noForeignControl(t, "dns step", h.m.Render())

	sess.Goto(wizard.StepSummary)
	h = harnessFor(t, sess, false, nil)
	h.wantScreen(`SPF \x1b[2J broken`)
	noForeignControl(t, "summary step", h.m.Render())
}
