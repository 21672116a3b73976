package tui

import (
	"fmt"

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
	return &handshakeStep{c: c, live: newLiveView(c, wizard.StepHandshake, "handshake", true)}
}

func (h *handshakeStep) Enter() tea.Cmd {
	if o := h.c.Session.Results.Handshake; o != nil {
		h.live.load(o)
		return nil
	}
	return h.run()
}

func (h *handshakeStep) run() tea.Cmd {
	return h.live.start(h.c.Session.WorkFor(wizard.StepHandshake))
}

func (h *handshakeStep) Update(msg tea.Msg) tea.Cmd {
	if cmd, ok := h.live.update(msg); ok {
		return cmd
	}
	switch msg := msg.(type) {
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

func (h *handshakeStep) failed() bool { return h.live.failed() }

func (h *handshakeStep) View() string {
	st := h.c.Styles
	a := h.c.Session.Answers
	head := h.c.helpLine(wizard.StepHandshake) + "\n\n" +
		fmt.Sprintf("%s %s:%d %s as %s\n\n", st.Label.Render("Server"), a.Host, a.Port,
			st.Dim.Render("("+tlsWord(a.TLS)+")"), st.Value.Render(orNone(a.User)))
	return h.live.verdict(h.live.body(head), "the handshake passed", "the handshake failed",
		": "+st.Key.Render("p")+" port · "+st.Key.Render("u")+" credentials · "+st.Key.Render("r")+" retry")
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
