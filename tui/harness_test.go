package tui

import (
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/mailcfg/mailcfg/checks"
	"github.com/mailcfg/mailcfg/providers"
	"github.com/mailcfg/mailcfg/wizard"
)

// updating reports whether -update was given (the flag is defined by
// charmbracelet/x/exp/golden, which teatest imports): rewrite the golden
// views in testdata/.
func updating() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

// fixedNow is the clock of every test, so saved reports are stable.
var fixedNow = func() time.Time { return time.Date(2026, 11, 29, 17, 0, 0, 0, time.UTC) }

// harness drives a Model as the Bubble Tea runtime would, but in the test's
// goroutine: each Cmd runs (with a deadline) and its message goes back to
// Update. Spinner and cursor ticks are dropped, so nothing loops.
type harness struct {
	t       *testing.T
	m       *Model
	quit    bool
	clip    []string // values sent to the clipboard
	dir     string
	backend *fakeBackend
}

func testCatalog(t *testing.T) *providers.Catalog {
	t.Helper()
	c, errs := providers.Load("testdata/providers")
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	return c
}

// newHarness returns a wizard over a fresh session with the fake backend,
// at 80×24, coloured or not.
func newHarness(t *testing.T, color bool, fb *fakeBackend) *harness {
	t.Helper()
	if fb == nil {
		fb = &fakeBackend{}
	}
	sess := wizard.NewSession(wizard.Env{Catalog: testCatalog(t), Backend: fb,
		Getenv: func(k string) string { return map[string]string{"SMTP_SECRET": "env-secret-value"}[k] }})
	return harnessFor(t, sess, color, fb)
}

func harnessFor(t *testing.T, sess *wizard.Session, color bool, fb *fakeBackend) *harness {
	dir := t.TempDir()
	m := New(sess, Options{Color: color, Dark: true, Width: 80, Height: 24, Now: fixedNow, Dir: dir})
	h := &harness{t: t, m: m, dir: dir, backend: fb}
	t.Cleanup(m.Close)
	h.run(m.Init())
	return h
}

func (h *harness) send(msg tea.Msg) {
	h.t.Helper()
	_, cmd := h.m.Update(msg)
	h.run(cmd)
}

// run executes cmd and everything it leads to.
func (h *harness) run(cmd tea.Cmd) {
	h.t.Helper()
	queue := []tea.Cmd{cmd}
	for len(queue) > 0 {
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		msg := h.exec(c)
		switch msg := msg.(type) {
		case nil:
		case tea.BatchMsg:
			queue = append(queue, msg...)
		case tea.QuitMsg:
			h.quit = true
		default:
			tp := reflect.TypeOf(msg)
			switch {
			case strings.HasSuffix(tp.PkgPath(), "bubbles/v2/spinner"), strings.HasSuffix(tp.PkgPath(), "bubbles/v2/cursor"):
				// ticks: dropped, so the drain ends
			case tp.PkgPath() == "charm.land/bubbletea/v2" && tp.Name() == "setClipboardMsg":
				h.clip = append(h.clip, reflect.ValueOf(msg).String())
			case tp.PkgPath() == "charm.land/bubbletea/v2" && !exported(tp.Name()):
				// terminal queries the runtime answers
			default:
				_, next := h.m.Update(msg)
				queue = append(queue, next)
			}
		}
	}
}

func exported(name string) bool { return name != "" && strings.ToUpper(name[:1]) == name[:1] }

// exec runs one Cmd with a deadline: a Cmd that blocks is a bug.
func (h *harness) exec(c tea.Cmd) tea.Msg {
	h.t.Helper()
	ch := make(chan tea.Msg, 1)
	go func() { ch <- c() }()
	select {
	case msg := <-ch:
		return msg
	case <-time.After(10 * time.Second):
		h.t.Fatal("a Cmd blocked for 10 s")
		return nil
	}
}

// keys sends each key: names such as "enter", "esc", "tab", "down", "up",
// "space", "ctrl+c", "pgdown", or text typed a rune at a time.
func (h *harness) keys(ks ...string) {
	h.t.Helper()
	for _, k := range ks {
		if msg, ok := namedKey(k); ok {
			h.send(msg)
			continue
		}
		for _, r := range k {
			h.send(tea.KeyPressMsg{Code: r, Text: string(r)})
		}
	}
}

func namedKey(k string) (tea.KeyPressMsg, bool) {
	switch k {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}, true
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}, true
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}, true
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}, true
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}, true
	case "space":
		return tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}, true
	case "pgdown":
		return tea.KeyPressMsg{Code: tea.KeyPgDown}, true
	case "backspace":
		return tea.KeyPressMsg{Code: tea.KeyBackspace}, true
	case "ctrl+c":
		return tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}, true
	}
	return tea.KeyPressMsg{}, false
}

// screen is the frame without styles.
func (h *harness) screen() string { return ansi.Strip(h.m.Render()) }

// wantScreen fails unless the frame holds every string.
func (h *harness) wantScreen(subs ...string) {
	h.t.Helper()
	s := h.screen()
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			h.t.Fatalf("screen lacks %q:\n%s", sub, s)
		}
	}
}

// wantStep fails unless the wizard is at step id.
func (h *harness) wantStep(id wizard.StepID) {
	h.t.Helper()
	if h.m.Current() != id {
		h.t.Fatalf("at step %s, want %s:\n%s", h.m.Current(), id, h.screen())
	}
}

// golden compares the frame with testdata/NAME.golden (NAME.nocolor.golden
// for the monochrome styles), and checks it fits 80×24.
func (h *harness) golden(name string) {
	h.t.Helper()
	view := h.m.Render()
	if !h.m.c.Styles.Color {
		name += ".nocolor"
		if strings.Contains(view, "\x1b[3") || strings.Contains(view, "\x1b[9") || strings.Contains(view, "38;") {
			h.t.Errorf("the monochrome view has colour:\n%q", view)
		}
	}
	lines := strings.Split(view, "\n")
	if len(lines) > h.m.c.Height {
		h.t.Errorf("%d lines, more than the height %d", len(lines), h.m.c.Height)
	}
	for i, l := range lines {
		if w := ansi.StringWidth(l); w > h.m.c.Width {
			h.t.Errorf("line %d is %d cells, wider than %d: %q", i+1, w, h.m.c.Width, ansi.Strip(l))
		}
	}
	path := filepath.Join("testdata", name+".golden")
	if updating() {
		if err := os.WriteFile(path, []byte(view), 0o644); err != nil {
			h.t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		h.t.Fatalf("%v (run go test ./tui -update to create it)", err)
	}
	if string(want) != view {
		h.t.Errorf("view differs from %s (go test ./tui -update to accept):\n--- got\n%s\n--- want\n%s", path, ansi.Strip(view), ansi.Strip(string(want)))
	}
}

// answered returns a harness whose session has the answer steps filled
// for test-multi/us, example.com, port 587, apikey, and is at step id.
func answered(t *testing.T, color bool, fb *fakeBackend, id wizard.StepID) *harness {
	t.Helper()
	if fb == nil {
		fb = &fakeBackend{}
	}
	sess := wizard.NewSession(wizard.Env{Catalog: testCatalog(t), Backend: fb})
	must(t, sess.SetProvider("test-multi", "us", ""))
	must(t, sess.SetDomain("example.com", "ops@example.com", "s1"))
	must(t, sess.SetPort(587))
	must(t, sess.SetCredentials("apikey", checks.NewSecret("hunter2-secret"), ""))
	sess.Goto(id)
	return harnessFor(t, sess, color, fb)
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func timeAfter() <-chan time.Time { return time.After(5 * time.Second) }
