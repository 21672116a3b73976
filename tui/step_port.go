package tui

import (
	"fmt"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/mailcfg/mailcfg/checks"
	"github.com/mailcfg/mailcfg/providers"
	"github.com/mailcfg/mailcfg/wizard"
)

// portStep lists the profile's ports, the recommended first with its
// reason, and probes each live, marking it as its probe completes.
//
// For a profile that takes any host (custom), t cycles the selected port's
// TLS mode and o takes a port number of the person's own.
type portStep struct {
	c       *Common
	ports   []providers.Port
	probes  map[int]wizard.PortProbe
	running bool
	cur     int
	err     string
	other   bool // typing a port number of one's own
	number  textinput.Model
}

var (
	keyTLS   = key.NewBinding(key.WithKeys("t"), key.WithHelp("t", "TLS mode"))
	keyOther = key.NewBinding(key.WithKeys("o"), key.WithHelp("o", "other port"))
)

func newPortStep(c *Common) *portStep {
	p := &portStep{c: c}
	p.number = c.input("Port ", "e.g. 2525")
	return p
}

func (p *portStep) inputs() []*textinput.Model { return []*textinput.Model{&p.number} }

// anyHost reports whether the profile takes any host, port and TLS mode.
func (p *portStep) anyHost() bool {
	pr := p.c.Session.Profile()
	return pr != nil && pr.AnyHost
}

func (p *portStep) Enter() tea.Cmd {
	s := p.c.Session
	p.ports = s.Ports()
	p.cur, p.err, p.other = 0, "", false
	for i, port := range p.ports {
		if port.Number == s.Answers.Port {
			p.cur = i
		}
	}
	p.probes = map[int]wizard.PortProbe{}
	for _, pr := range s.Results.Ports {
		p.probes[pr.Port.Number] = pr
	}
	if len(p.probes) > 0 {
		return nil
	}
	return p.probe()
}

func (p *portStep) probe() tea.Cmd {
	p.running = true
	p.probes = map[int]wizard.PortProbe{}
	return p.c.stream(wizard.StepPort, "probe", p.c.Session.WorkFor(wizard.StepPort))
}

func (p *portStep) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case progressMsg:
		if msg.p.Done {
			p.running = false
			if res, ok := msg.p.Result.([]wizard.PortProbe); ok {
				_ = p.c.Session.Store(wizard.StepPort, res)
				for _, pr := range res {
					p.probes[pr.Port.Number] = pr
				}
			}
			return nil
		}
		// Each port's probe ends with a stage "port N" whose detail is
		// its state.
		if e := msg.p.Event; e.Kind == checks.EventStage && !e.Stage.Running {
			if n, err := strconv.Atoi(strings.TrimPrefix(e.Stage.Name, "port ")); err == nil {
				p.probes[n] = wizard.PortProbe{Port: wizard.DefaultPort(n), State: e.Stage.Detail, Ms: e.Stage.Ms}
			}
		}
		return msg.again()
	case streamEndMsg:
		p.running = false
	case tea.KeyPressMsg:
		k := p.c.Keys
		if p.other {
			return p.otherKey(msg)
		}
		switch {
		case p.anyHost() && key.Matches(msg, keyTLS) && len(p.ports) > 0:
			port := p.ports[p.cur]
			if err := p.c.Session.SetPortTLS(port.Number, nextTLS(port.TLS)); err != nil {
				p.err = trimErr(err)
				return nil
			}
			p.ports = p.c.Session.Ports()
			return nil
		case p.anyHost() && key.Matches(msg, keyOther):
			p.other = true
			p.number.SetValue("")
			return p.number.Focus()
		case key.Matches(msg, k.Up):
			p.cur = max(p.cur-1, 0)
		case key.Matches(msg, k.Down):
			p.cur = min(p.cur+1, len(p.ports)-1)
		case key.Matches(msg, k.Again):
			if !p.running {
				return p.probe()
			}
		case key.Matches(msg, k.Next):
			if len(p.ports) == 0 {
				return nil
			}
			port := p.ports[p.cur]
			if err := p.c.Session.SetPortTLS(port.Number, port.TLS); err != nil {
				p.err = trimErr(err)
				return nil
			}
			return p.c.next()
		}
	}
	return nil
}

// otherKey handles the keys of the port-number field.
func (p *portStep) otherKey(msg tea.KeyPressMsg) tea.Cmd {
	k := p.c.Keys
	switch {
	case key.Matches(msg, k.Back):
		p.other, p.err = false, ""
		p.number.Blur()
	case key.Matches(msg, k.Next):
		n, err := strconv.Atoi(strings.TrimSpace(p.number.Value()))
		if err != nil {
			p.err = fmt.Sprintf("%q is not a port number", p.number.Value())
			return nil
		}
		if err := p.c.Session.SetPortTLS(n, wizard.DefaultPort(n).TLS); err != nil {
			p.err = trimErr(err)
			return nil
		}
		p.number.Blur()
		cmd := p.Enter()
		for i, port := range p.ports {
			if port.Number == n {
				p.cur = i
			}
		}
		if p.probes[n].State == "" && !p.running {
			cmd = p.probe()
		}
		return cmd
	default:
		p.err = ""
		return typeInto(&p.number, msg)
	}
	return nil
}

// nextTLS cycles starttls → implicit → none.
func nextTLS(m providers.TLSMode) providers.TLSMode {
	switch m {
	case providers.TLSStartTLS:
		return providers.TLSImplicit
	case providers.TLSImplicit:
		return providers.TLSNone
	}
	return providers.TLSStartTLS
}

func (p *portStep) View() string {
	st := p.c.Styles
	a := p.c.Session.Answers
	var b strings.Builder
	b.WriteString(p.c.helpLine(wizard.StepPort) + "\n\n")
	fmt.Fprintf(&b, "Host %s\n\n", st.Value.Render(a.Host))
	for i, port := range p.ports {
		marker := "  "
		if i == p.cur {
			marker = st.Selected.Render("▸ ")
		}
		rec := ""
		if i == 0 {
			rec = st.Label.Render(" recommended")
		}
		fmt.Fprintf(&b, "%s%-5d %-9s %s%s\n", marker, port.Number, tlsWord(port.TLS), p.state(port.Number), rec)
		note := port.Note
		if note == "" {
			note = wizard.DefaultPort(port.Number).Note
		}
		if note != "" {
			b.WriteString("        " + st.Dim.Render(truncate(note, p.c.Width-10)) + "\n")
		}
	}
	if pr, ok := p.probes[p.selectedNumber()]; ok && pr.Note != "" {
		b.WriteString("\n" + wrap(safe(pr.Note), p.c.Width, 0) + "\n")
	}
	if p.other {
		b.WriteString("\n" + p.number.View() + "\n")
	}
	if p.err != "" {
		b.WriteString("\n" + st.Error.Render("✗ "+p.err))
	}
	return b.String()
}

func (p *portStep) selectedNumber() int {
	if p.cur < len(p.ports) {
		return p.ports[p.cur].Number
	}
	return 0
}

// state is a port's probe mark: a spinner while it runs, then open,
// refused or filtered by symbol and word.
func (p *portStep) state(n int) string {
	st := p.c.Styles
	pr, ok := p.probes[n]
	switch {
	case !ok && p.running:
		return fmt.Sprintf("%-16s", p.c.spin()+" probing")
	case !ok:
		return fmt.Sprintf("%-16s", "- not probed")
	}
	var s string
	switch pr.State {
	case wizard.PortOpen:
		s = st.Pass.Render("✓ open " + ms(pr.Ms))
	case wizard.PortRefused:
		s = st.Fail.Render("✗ refused")
	case wizard.PortFiltered:
		s = st.Warn.Render("! filtered")
	default:
		s = st.Err.Render("? " + safe(pr.State))
	}
	return s + strings.Repeat(" ", max(0, 16-len([]rune(stripANSI(s)))))
}

func (p *portStep) Keys() []key.Binding {
	k := p.c.Keys
	if p.other {
		return []key.Binding{withHelp(k.Next, "use it")}
	}
	keys := []key.Binding{k.moveHelp()}
	if p.anyHost() {
		keys = append(keys, keyTLS, keyOther)
	}
	return append(keys, withHelp(k.Again, "probe"), withHelp(k.Next, "use this port"))
}

func (p *portStep) Busy() bool   { return p.running }
func (p *portStep) Typing() bool { return p.other }
func (p *portStep) Modal() bool  { return p.other }
