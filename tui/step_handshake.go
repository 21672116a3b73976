package tui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/mailcfg/mailcfg/wizard"
)

// handshakeStep runs the live SMTP handshake: the stages appear as they
// run, then the TLS details and capabilities, and the transcript in a
// scrollable pane. A failure shows its finding and fix and offers to go
// back to the port or the credentials.
type handshakeStep struct {
	c    *Common
	live liveView
}

func newHandshakeStep(c *Common) *handshakeStep {
	return &handshakeStep{c: c, live: newLiveView(c)}
}

func (h *handshakeStep) Enter() tea.Cmd {
	if o := h.c.Session.Results.Handshake; o != nil {
		h.live.load(o)
		return nil
	}
	return h.run()
}

func (h *handshakeStep) run() tea.Cmd {
	h.live.reset()
	h.live.running = true
	h.c.Session.Results.Handshake = nil
	return h.c.stream(wizard.StepHandshake, "handshake", h.c.Session.WorkFor(wizard.StepHandshake))
}

func (h *handshakeStep) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case progressMsg:
		if msg.p.Done {
			o, _ := msg.p.Result.(*wizard.Outcome)
			if o != nil {
				_ = h.c.Session.Store(wizard.StepHandshake, o)
			}
			h.live.finish(o)
			return nil
		}
		h.live.event(msg.p.Event)
		return msg.again()
	case streamEndMsg:
		h.live.running = false
	case tea.KeyPressMsg:
		k := h.c.Keys
		switch {
		case h.live.scroll(msg):
		case key.Matches(msg, k.Again) && !h.live.running:
			return h.run()
		case key.Matches(msg, k.ToPort) && h.failed():
			return h.c.jump(wizard.StepPort)
		case key.Matches(msg, k.ToCreds) && h.failed():
			return h.c.jump(wizard.StepCredentials)
		case key.Matches(msg, k.Next) && !h.live.running:
			return h.c.next()
		}
	}
	return nil
}

func (h *handshakeStep) failed() bool {
	return !h.live.running && h.live.result != nil && !h.live.result.OK
}

func (h *handshakeStep) View() string {
	st := h.c.Styles
	a := h.c.Session.Answers
	head := h.c.helpLine(wizard.StepHandshake) + "\n\n" +
		fmt.Sprintf("%s %s:%d %s as %s\n\n", st.Label.Render("Server"), a.Host, a.Port,
			st.Dim.Render("("+tlsWord(a.TLS)+")"), st.Value.Render(orNone(a.User)))
	body := h.live.body(head)
	if h.failed() {
		body = strings.TrimRight(body, "\n") + "\n" + st.Fail.Render("✗ the handshake failed") + ": " +
			st.Key.Render("p") + " port · " + st.Key.Render("u") + " credentials · " + st.Key.Render("r") + " retry"
	} else if !h.live.running && h.live.result != nil {
		body = strings.TrimRight(body, "\n") + "\n" + st.Pass.Render("✓ the handshake passed")
	}
	return body
}

func orNone(s string) string {
	if s == "" {
		return "(no username)"
	}
	return s
}

func (h *handshakeStep) Keys() []key.Binding {
	k := h.c.Keys
	keys := []key.Binding{k.scrollHelp()}
	if h.failed() {
		keys = append(keys, k.ToPort, k.ToCreds)
	}
	if !h.live.running {
		keys = append(keys, withHelp(k.Again, "retry"), k.Next)
	}
	return keys
}

func (h *handshakeStep) Busy() bool   { return h.live.running }
func (h *handshakeStep) Typing() bool { return false }
func (h *handshakeStep) Modal() bool  { return false }
