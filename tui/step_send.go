package tui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/mailcfg/mailcfg/wizard"
)

// sendStep asks for the recipient (the sender by default), sends the
// DKIM-signed test message and shows the stages, the colour-coded
// transcript, the DKIM verification and the queue id.
type sendStep struct {
	c    *Common
	to   textinput.Model
	live liveView
	sent bool // the send ran (or is running)
	err  string
}

func newSendStep(c *Common) *sendStep {
	s := &sendStep{c: c, live: newLiveView(c, wizard.StepSend, "send", true)}
	s.to = c.input("To ", "")
	return s
}

func (s *sendStep) Enter() tea.Cmd {
	a := s.c.Session.Answers
	s.c.styleInput(&s.to)
	s.to.Placeholder = a.From
	s.to.SetValue(a.To)
	s.err = ""
	if o := s.c.Session.Results.Send; o != nil {
		s.sent = true
		s.live.load(o)
		return nil
	}
	s.sent = false
	s.live.reset()
	return s.to.Focus()
}

func (s *sendStep) send() tea.Cmd {
	if err := s.c.Session.SetRecipient(s.to.Value()); err != nil {
		s.err = trimErr(err)
		return nil
	}
	s.to.Blur()
	s.sent, s.err = true, ""
	return s.live.start(s.c.Session.WorkFor(wizard.StepSend))
}

func (s *sendStep) Update(msg tea.Msg) tea.Cmd {
	if cmd, ok := s.live.update(msg); ok {
		return cmd
	}
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		k := s.c.Keys
		if !s.sent {
			if key.Matches(msg, k.Next) {
				return s.send()
			}
			s.err = ""
			return typeInto(&s.to, msg)
		}
		switch {
		case s.live.scroll(msg):
		case key.Matches(msg, k.Again) && !s.live.running:
			s.sent = false
			s.c.Session.Results.Send = nil
			s.live.reset()
			return s.to.Focus()
		case key.Matches(msg, k.Next) && !s.live.running:
			return s.c.next()
		}
	}
	return nil
}

func (s *sendStep) View() string {
	st := s.c.Styles
	a := s.c.Session.Answers
	var b strings.Builder
	b.WriteString(s.c.helpLine(wizard.StepSend) + "\n\n")
	fmt.Fprintf(&b, "%s %s  %s %s:%d\n", st.Label.Render("From"), a.From, st.Label.Render("via"), a.Host, a.Port)
	if !s.sent {
		b.WriteString(s.to.View() + "\n")
		b.WriteString(st.Dim.Render("   empty: send it to the sender, "+a.From) + "\n")
		if s.err != "" {
			b.WriteString("\n" + st.Error.Render("✗ "+s.err) + "\n")
		}
		return b.String()
	}
	fmt.Fprintf(&b, "%s %s\n\n", st.Label.Render("To  "), a.Recipient())
	return s.live.verdict(s.live.body(b.String()), "the test message was accepted", "the test send failed",
		"; press "+st.Key.Render("r")+" to try again")
}

func (s *sendStep) Keys() []key.Binding {
	k := s.c.Keys
	if !s.sent {
		return []key.Binding{withHelp(k.Next, "send")}
	}
	keys := []key.Binding{k.scrollHelp()}
	if !s.live.running {
		keys = append(keys, withHelp(k.Again, "send again"), k.Next)
	}
	return keys
}

func (s *sendStep) Busy() bool   { return s.live.running }
func (s *sendStep) Typing() bool { return !s.sent }
func (s *sendStep) Modal() bool  { return false }

func (s *sendStep) inputs() []*textinput.Model { return []*textinput.Model{&s.to} }
