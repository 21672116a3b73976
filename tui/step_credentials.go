package tui

import (
	"context"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/mailcfg/mailcfg/checks"
	"github.com/mailcfg/mailcfg/wizard"
)

// credentialsStep asks for the username (prefilled from the profile's
// convention, with its hint) and the secret: typed into a masked field or
// read from an environment variable the person names. Nothing is stored
// unless the person ticks the keychain box, and the screen says which.
type credentialsStep struct {
	c        *Common
	user     textinput.Model
	secret   textinput.Model
	env      textinput.Model
	keychain bool
	focus    int // 0 user, 1 secret, 2 env, 3 keychain
	err      string
	storing  bool
}

func newCredentialsStep(c *Common) *credentialsStep {
	s := &credentialsStep{c: c}
	s.user = c.input("Username ", "")
	s.secret = c.input("Secret   ", "typed here, shown as ••••")
	s.secret.EchoMode = textinput.EchoPassword
	s.secret.EchoCharacter = '•'
	s.env = c.input("or $     ", "NAME of an environment variable holding it")
	return s
}

func (s *credentialsStep) Enter() tea.Cmd {
	sess := s.c.Session
	a := sess.Answers
	for _, t := range []*textinput.Model{&s.user, &s.secret, &s.env} {
		s.c.styleInput(t)
	}
	user := a.User
	if user == "" {
		user, _ = wizard.SuggestUser(sess.Profile(), &a)
	}
	s.user.SetValue(user)
	if a.SecretEnv == "" {
		s.secret.SetValue(a.Secret.Reveal())
	} else {
		s.secret.SetValue("")
	}
	s.env.SetValue(a.SecretEnv)
	s.keychain, s.err, s.storing = a.Keychain, "", false
	first := 0
	if user != "" {
		first = 1
	}
	return s.focusOn(first)
}

func (s *credentialsStep) focusOn(i int) tea.Cmd {
	s.focus = i
	s.user.Blur()
	s.secret.Blur()
	s.env.Blur()
	switch i {
	case 0:
		return s.user.Focus()
	case 1:
		return s.secret.Focus()
	case 2:
		return s.env.Focus()
	}
	return nil
}

func (s *credentialsStep) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case doneMsg:
		s.storing = false
		if msg.err != nil {
			s.err = trimErr(msg.err)
			return nil
		}
		s.c.Session.Answers.Keychain = true
		return s.c.next()
	case tea.KeyPressMsg:
		if s.storing {
			return nil
		}
		k := s.c.Keys
		switch {
		case key.Matches(msg, k.Tab), msg.String() == "down":
			return s.focusOn((s.focus + 1) % 4)
		case msg.String() == "up":
			return s.focusOn((s.focus + 3) % 4)
		case s.focus == 3 && (key.Matches(msg, k.Toggle) || msg.String() == "x"):
			s.keychain = !s.keychain
			return nil
		case key.Matches(msg, k.Next):
			return s.commit()
		}
		var cmd tea.Cmd
		switch s.focus {
		case 0:
			s.user, cmd = s.user.Update(msg)
		case 1:
			s.secret, cmd = s.secret.Update(msg)
		case 2:
			s.env, cmd = s.env.Update(msg)
		}
		s.err = ""
		return cmd
	}
	return nil
}

func (s *credentialsStep) commit() tea.Cmd {
	sess := s.c.Session
	secret := checks.NewSecret(s.secret.Value())
	if err := sess.SetCredentials(s.user.Value(), secret, s.env.Value()); err != nil {
		s.err = trimErr(err)
		return nil
	}
	sess.Answers.Keychain = false
	if !s.keychain {
		return s.c.next()
	}
	// The keychain may prompt or block: store it off the Update loop.
	s.storing = true
	return s.c.do(wizard.StepCredentials, "keychain", func(context.Context) (string, error) {
		return "", sess.StoreSecret()
	})
}

func (s *credentialsStep) View() string {
	st := s.c.Styles
	sess := s.c.Session
	var b strings.Builder
	b.WriteString(s.c.helpLine(wizard.StepCredentials) + "\n\n")
	p := sess.Profile()
	_, hint := wizard.SuggestUser(p, &sess.Answers)
	b.WriteString(s.user.View() + "\n")
	if hint != "" {
		b.WriteString("         " + st.Dim.Render(truncate(hint, s.c.Width-10)) + "\n")
	}
	b.WriteString(s.secret.View() + "\n")
	if p != nil && p.Secret.Hint != "" {
		b.WriteString("         " + st.Dim.Render(truncate(p.Secret.Hint, s.c.Width-10)) + "\n")
	}
	b.WriteString(s.env.View() + "\n")
	box := "[ ]"
	if s.keychain {
		box = "[x]"
	}
	line := box + " store the secret in the OS keychain"
	if s.focus == 3 {
		line = st.Selected.Render("▸ " + line)
	} else {
		line = "  " + line
	}
	b.WriteString("\n" + line + "\n")
	if s.keychain {
		b.WriteString(st.Warn.Render("  ! it will be stored in the OS keychain under \""+wizard.KeychainService+"\"") + "\n")
	} else {
		b.WriteString(st.Dim.Render("  nothing is stored: the secret lives in memory until you quit") + "\n")
	}
	if s.storing {
		b.WriteString("\n" + s.c.spin() + " storing in the keychain…")
	}
	if s.err != "" {
		b.WriteString("\n" + st.Error.Render(wrap("✗ "+s.err, s.c.Width, 2)))
	}
	return b.String()
}

func (s *credentialsStep) Keys() []key.Binding {
	k := s.c.Keys
	keys := []key.Binding{k.Tab}
	if s.focus == 3 {
		keys = append(keys, withHelp(k.Toggle, "tick"))
	}
	return append(keys, k.Next)
}

func (s *credentialsStep) Busy() bool   { return s.storing }
func (s *credentialsStep) Typing() bool { return s.focus < 3 }
func (s *credentialsStep) Modal() bool  { return false }

func (s *credentialsStep) inputs() []*textinput.Model {
	return []*textinput.Model{&s.user, &s.secret, &s.env}
}
