package tui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/mailcfg/mailcfg/wizard"
)

// domainStep asks for the sending domain, the sender and (optionally) the
// DKIM selector, validating as the person types; an IDN is shown both in
// Unicode and as punycode.
type domainStep struct {
	c      *Common
	fields [3]textinput.Model // domain, sender, selector
	focus  int
	err    string
}

func newDomainStep(c *Common) *domainStep {
	d := &domainStep{c: c}
	d.fields[0] = c.input("Domain   ", "example.com")
	d.fields[1] = c.input("Sender   ", "you@example.com")
	d.fields[2] = c.input("Selector ", "optional: the DKIM selector")
	return d
}

func (d *domainStep) Enter() tea.Cmd {
	a := d.c.Session.Answers
	d.fields[0].SetValue(a.DomainUnicode)
	d.fields[1].SetValue(a.From)
	d.fields[2].SetValue(a.Selector)
	d.err = ""
	for i := range d.fields {
		d.c.styleInput(&d.fields[i])
	}
	return d.focusOn(0)
}

func (d *domainStep) focusOn(i int) tea.Cmd {
	d.focus = i
	for j := range d.fields {
		d.fields[j].Blur()
	}
	return d.fields[i].Focus()
}

func (d *domainStep) Update(msg tea.Msg) tea.Cmd {
	km, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	k := d.c.Keys
	switch {
	case key.Matches(km, k.Tab), key.Matches(km, k.Down) && km.String() == "down":
		return d.focusOn((d.focus + 1) % len(d.fields))
	case km.String() == "up":
		return d.focusOn((d.focus + len(d.fields) - 1) % len(d.fields))
	case key.Matches(km, k.Next):
		if d.focus == 0 && d.fields[1].Value() == "" {
			if _, err := wizard.ParseDomain(d.fields[0].Value()); err == nil {
				return d.focusOn(1)
			}
		}
		err := d.c.Session.SetDomain(d.fields[0].Value(), d.fields[1].Value(), d.fields[2].Value())
		if err != nil {
			d.err = trimErr(err)
			return nil
		}
		return d.c.next()
	}
	d.err = ""
	return typeInto(&d.fields[d.focus], km)
}

// trimErr drops the package prefix of a wizard error for the screen.
func trimErr(err error) string {
	return strings.TrimPrefix(err.Error(), "wizard: ")
}

func (d *domainStep) View() string {
	st := d.c.Styles
	var b strings.Builder
	b.WriteString(d.c.helpLine(wizard.StepDomain) + "\n\n")
	for i, f := range d.fields {
		b.WriteString(f.View() + "\n")
		b.WriteString("         " + d.note(i) + "\n")
	}
	if p := d.c.Session.Profile(); p != nil && p.DKIM.Note != "" {
		b.WriteString("\n" + st.Dim.Render(wrap(p.DKIM.Note, d.c.Width, 0)) + "\n")
	}
	if d.err != "" {
		b.WriteString("\n" + st.Error.Render(wrap("✗ "+d.err, d.c.Width, 2)))
	}
	return b.String()
}

// note is the live validation line under field i.
func (d *domainStep) note(i int) string {
	st := d.c.Styles
	dom := d.fields[0].Value()
	switch i {
	case 0:
		if strings.TrimSpace(dom) == "" {
			return st.Dim.Render("the domain in your From address")
		}
		dd, err := wizard.ParseDomain(dom)
		if err != nil {
			return st.Error.Render("✗ " + strings.TrimPrefix(trimErr(err), "not a valid domain: "))
		}
		if dd.IDN() {
			return st.Pass.Render("✓ ") + dd.Unicode + st.Dim.Render(" = ") + st.Value.Render(dd.ASCII) + st.Dim.Render(" in DNS (punycode)")
		}
		return st.Pass.Render("✓ ") + st.Dim.Render("valid")
	case 1:
		from := d.fields[1].Value()
		dd, derr := wizard.ParseDomain(dom)
		if strings.TrimSpace(from) == "" {
			if derr == nil {
				return st.Dim.Render("empty: postmaster@" + dd.ASCII)
			}
			return st.Dim.Render("the address your mail comes from")
		}
		want := ""
		if derr == nil {
			want = dd.ASCII
		}
		addr, err := wizard.ValidateSender(from, want)
		if err != nil {
			return st.Error.Render("✗ " + strings.TrimPrefix(trimErr(err), "not a valid email address: "))
		}
		if addr != strings.TrimSpace(from) {
			return st.Pass.Render("✓ ") + st.Dim.Render("sent as ") + st.Value.Render(addr)
		}
		return st.Pass.Render("✓ ") + st.Dim.Render("valid")
	}
	return st.Dim.Render("used to check DKIM and sign the test message")
}

func (d *domainStep) Keys() []key.Binding {
	k := d.c.Keys
	return []key.Binding{k.Tab, k.Next}
}

func (d *domainStep) Busy() bool   { return false }
func (d *domainStep) Typing() bool { return true }
func (d *domainStep) Modal() bool  { return false }

func (d *domainStep) inputs() []*textinput.Model {
	return []*textinput.Model{&d.fields[0], &d.fields[1], &d.fields[2]}
}
