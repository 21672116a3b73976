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
// unless the person ticks the keychain box, and the screen says which. When
// an earlier run stored a secret for the same provider, host and username,
// the step offers it ("use the stored secret") without ever showing it.
type credentialsStep struct {
	c         *Common
	user      textinput.Model
	secret    textinput.Model
	env       textinput.Model
	keychain  bool // store the typed secret in the keychain
	useStored bool // use the secret the keychain holds
	stored    storedSecret
	looking   bool // a keychain lookup is running
	then      bool // commit when the lookup ends
	focus     int  // a row: rowUser … rowStore
	err       string
	storing   bool
}

// The credentials step's rows, in order; rowUseStored shows only when the
// keychain holds a secret, rowStore only when it is not being used.
const (
	rowUser = iota
	rowSecret
	rowEnv
	rowUseStored
	rowStore
)

// storedSecret is what the keychain holds for one account.
type storedSecret struct {
	account string // the account looked up; "" before any lookup
	secret  checks.Secret
	found   bool
	err     error // the keychain could not be read
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
	for _, t := range s.inputs() {
		s.c.styleInput(t)
	}
	user := a.User
	if user == "" {
		user, _ = wizard.SuggestUser(sess.Profile(), &a)
	}
	s.user.SetValue(user)
	s.stored, s.useStored, s.looking, s.then = storedSecret{}, false, false, false
	switch {
	case a.FromKeychain:
		s.stored = storedSecret{account: sess.KeychainAccount(), secret: a.Secret, found: true}
		s.useStored = true
		s.secret.SetValue("")
	case a.SecretEnv == "":
		s.secret.SetValue(a.Secret.Reveal())
	default:
		s.secret.SetValue("")
	}
	s.env.SetValue(a.SecretEnv)
	s.keychain, s.err, s.storing = a.Keychain, "", false
	first := rowUser
	if user != "" {
		first = rowSecret
	}
	return tea.Batch(s.focusOn(first), s.lookup(), s.Update(nil))
}

// account is the keychain account for the username as typed.
func (s *credentialsStep) account() string {
	a := s.c.Session.Answers
	user := strings.TrimSpace(s.user.Value())
	if s.c.Session.Env.NoKeychain || a.Provider == "" || a.Host == "" || user == "" {
		return ""
	}
	return wizard.KeychainAccount(a.Provider, a.Host, user)
}

// lookup asks the keychain, off the Update loop, for a secret stored for
// the username as typed, unless it was asked already.
func (s *credentialsStep) lookup() tea.Cmd {
	acct := s.account()
	if acct == "" || acct == s.stored.account {
		return nil
	}
	s.stored, s.looking = storedSecret{account: acct}, true
	return s.c.fetch(wizard.StepCredentials, "lookup", func(context.Context) (any, error) {
		secret, found, err := wizard.LookupSecret(acct)
		return storedSecret{account: acct, secret: secret, found: found, err: err}, nil
	})
}

// rows are the focusable rows on screen, in order.
func (s *credentialsStep) rows() []int {
	rows := []int{rowUser, rowSecret, rowEnv}
	if s.stored.found {
		rows = append(rows, rowUseStored)
	}
	if !s.useStored && !s.c.Session.Env.NoKeychain {
		rows = append(rows, rowStore)
	}
	return rows
}

// move focuses the row d rows on from the current one, and looks the new
// username up when the focus leaves its field.
func (s *credentialsStep) move(d int) tea.Cmd {
	rows := s.rows()
	i := 0
	for j, r := range rows {
		if r == s.focus {
			i = j
		}
	}
	var look tea.Cmd
	if s.focus == rowUser {
		look = s.lookup()
	}
	return tea.Batch(s.focusOn(rows[(i+d+len(rows))%len(rows)]), look)
}

func (s *credentialsStep) focusOn(row int) tea.Cmd {
	s.focus = row
	for _, t := range s.inputs() {
		t.Blur()
	}
	if row <= rowEnv {
		return s.inputs()[row].Focus()
	}
	return nil
}

func (s *credentialsStep) Update(msg tea.Msg) tea.Cmd {
	cmd := s.update(msg)
	s.secret.Placeholder = "typed here, shown as ••••"
	if s.useStored {
		s.secret.Placeholder = "(from the OS keychain)"
	}
	return cmd
}

func (s *credentialsStep) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case doneMsg:
		if msg.tag == "lookup" {
			return s.looked(msg)
		}
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
		toggle := key.Matches(msg, k.Toggle) || msg.String() == "x"
		switch {
		case key.Matches(msg, k.Tab), msg.String() == "down":
			return s.move(+1)
		case msg.String() == "up":
			return s.move(-1)
		case s.focus == rowUseStored && toggle:
			s.useStored = !s.useStored
			return nil
		case s.focus == rowStore && toggle:
			s.keychain = !s.keychain
			return nil
		case key.Matches(msg, k.Next):
			return s.commit()
		}
		s.err = ""
		if s.focus > rowEnv {
			return nil
		}
		cmd := typeInto(s.inputs()[s.focus], msg)
		if s.focus != rowUser && strings.TrimSpace(s.inputs()[s.focus].Value()) != "" {
			s.useStored = false // a new secret replaces the stored one
		}
		return cmd
	}
	return nil
}

// looked takes the keychain's answer for an account.
func (s *credentialsStep) looked(msg doneMsg) tea.Cmd {
	got, ok := msg.val.(storedSecret)
	if !ok || got.account != s.stored.account {
		return nil // a lookup for a username since changed
	}
	s.stored, s.looking = got, false
	then := s.then
	s.then = false
	switch {
	case got.found && !then && s.secret.Value() == "" && s.env.Value() == "":
		s.useStored = true // nothing typed: offer the stored one, ticked
		if s.focus == rowStore {
			s.focus = rowUseStored
		}
	case !got.found && s.useStored:
		s.useStored = false
		if then {
			s.err = "nothing is stored in the OS keychain for " + strings.TrimSpace(s.user.Value()) +
				"; type the secret or name its environment variable"
			return nil
		}
	}
	if then {
		return s.commit()
	}
	return nil
}

func (s *credentialsStep) commit() tea.Cmd {
	sess := s.c.Session
	if s.useStored {
		if acct := s.account(); acct != s.stored.account || s.looking {
			// The username changed since the lookup: look again, then
			// commit.
			s.then = true
			return s.lookup()
		}
		if err := sess.UseStoredSecret(s.user.Value(), s.stored.secret); err != nil {
			s.err = trimErr(err)
			return nil
		}
		sess.Answers.Keychain = false
		return s.c.next()
	}
	secret := checks.NewSecret(s.secret.Value())
	if err := sess.SetCredentials(s.user.Value(), secret, s.env.Value()); err != nil {
		s.err = trimErr(err)
		return nil
	}
	sess.Answers.Keychain = false
	if !s.keychain || sess.Env.NoKeychain {
		return s.c.next()
	}
	// The keychain may prompt or block: store it off the Update loop.
	s.storing = true
	acct, stored := sess.KeychainAccount(), sess.Answers.Secret
	return s.c.do(wizard.StepCredentials, "keychain", func(context.Context) (string, error) {
		return "", wizard.SaveSecret(acct, stored)
	})
}

func (s *credentialsStep) View() string {
	st := s.c.Styles
	sess := s.c.Session
	w := s.c.Width
	var b strings.Builder
	b.WriteString(s.c.helpLine(wizard.StepCredentials) + "\n\n")
	p := sess.Profile()
	_, hint := wizard.SuggestUser(p, &sess.Answers)
	b.WriteString(s.user.View() + "\n")
	if hint != "" {
		b.WriteString("         " + st.Dim.Render(truncate(hint, w-10)) + "\n")
	}
	b.WriteString(s.secret.View() + "\n")
	if p != nil && p.Secret.Hint != "" {
		b.WriteString("         " + st.Dim.Render(truncate(p.Secret.Hint, w-10)) + "\n")
	}
	env := s.env
	if v := env.Value(); v != "" && !wizard.IsEnvVarName(v) {
		// Not a variable's name: most likely the secret pasted into the
		// wrong field, so it is masked like the secret field.
		env.EchoMode = textinput.EchoPassword
		b.WriteString(env.View() + "\n")
		b.WriteString("         " + st.Dim.Render(truncate("not a variable name (masked): type the secret in the field above", w-10)) + "\n\n")
	} else {
		b.WriteString(env.View() + "\n\n")
	}
	b.WriteString(s.keychainView())
	if s.storing {
		b.WriteString("\n" + s.c.spin() + " storing in the keychain…")
	}
	if s.err != "" {
		b.WriteString("\n" + st.Error.Render(wrap("✗ "+s.err, w, 2)))
	}
	return b.String()
}

// keychainView draws the keychain's rows and says, in words, whether the
// secret is stored, read from the keychain, or kept in memory only.
func (s *credentialsStep) keychainView() string {
	st := s.c.Styles
	w := s.c.Width
	var b strings.Builder
	if s.stored.found {
		b.WriteString(s.box(rowUseStored, s.useStored, "use the secret stored in the OS keychain") + "\n")
	}
	if !s.useStored && !s.c.Session.Env.NoKeychain {
		b.WriteString(s.box(rowStore, s.keychain, "store the secret in the OS keychain") + "\n")
	}
	user := strings.TrimSpace(s.user.Value())
	switch {
	case s.useStored:
		b.WriteString(st.Notice.Render(truncate("  ✓ using the secret stored for "+user+" (not shown); type one to replace it", w)) + "\n")
	case s.stored.found:
		b.WriteString(st.Dim.Render(truncate("  a secret for "+user+" is in the OS keychain; tick above to use it", w)) + "\n")
	case s.keychain:
		b.WriteString(st.Warn.Render("  ! it will be stored in the OS keychain under \""+wizard.KeychainService+"\"") + "\n")
	case s.c.Session.Env.NoKeychain:
		b.WriteString(st.Dim.Render("  nothing is stored: the demo's throwaway secret lives in memory until you quit") + "\n")
	default:
		b.WriteString(st.Dim.Render("  nothing is stored: the secret lives in memory until you quit") + "\n")
	}
	switch {
	case s.looking:
		b.WriteString(st.Dim.Render("  looking in the OS keychain for a stored secret…") + "\n")
	case s.stored.err != nil:
		b.WriteString(st.Dim.Render(truncate("  the OS keychain could not be read: "+trimErr(s.stored.err), w)) + "\n")
	}
	return b.String()
}

// box draws a checkbox row, marked when it has the focus.
func (s *credentialsStep) box(row int, ticked bool, text string) string {
	line := "[ ] " + text
	if ticked {
		line = "[x] " + text
	}
	if s.focus == row {
		return s.c.Styles.Selected.Render("▸ " + line)
	}
	return "  " + line
}

func (s *credentialsStep) Keys() []key.Binding {
	k := s.c.Keys
	keys := []key.Binding{k.Tab}
	if s.focus > rowEnv {
		keys = append(keys, withHelp(k.Toggle, "tick"))
	}
	return append(keys, k.Next)
}

func (s *credentialsStep) Busy() bool   { return s.storing }
func (s *credentialsStep) Typing() bool { return s.focus <= rowEnv }
func (s *credentialsStep) Modal() bool  { return false }

func (s *credentialsStep) inputs() []*textinput.Model {
	return []*textinput.Model{&s.user, &s.secret, &s.env}
}
