package tui

import (
	"fmt"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/mailcfg/mailcfg/checks"
	"github.com/mailcfg/mailcfg/providers"
	"github.com/mailcfg/mailcfg/wizard"
)

// portStep lists the profile's ports, the recommended first with its
// reason, and probes each live, marking it as its probe completes.
type portStep struct {
	c       *Common
	ports   []providers.Port
	probes  map[int]wizard.PortProbe
	running bool
	cur     int
	err     string
}

func newPortStep(c *Common) *portStep { return &portStep{c: c} }

func (p *portStep) Enter() tea.Cmd {
	s := p.c.Session
	p.ports = s.Ports()
	p.cur, p.err = 0, ""
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
		switch {
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
			if err := p.c.Session.SetPort(p.ports[p.cur].Number); err != nil {
				p.err = trimErr(err)
				return nil
			}
			return p.c.next()
		}
	}
	return nil
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
		b.WriteString("\n" + wrap(pr.Note, p.c.Width, 0) + "\n")
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
		s = st.Err.Render("? " + pr.State)
	}
	return s + strings.Repeat(" ", max(0, 16-len([]rune(stripANSI(s)))))
}

func (p *portStep) Keys() []key.Binding {
	k := p.c.Keys
	return []key.Binding{k.moveHelp(), withHelp(k.Again, "probe again"), withHelp(k.Next, "use this port")}
}

func (p *portStep) Busy() bool   { return p.running }
func (p *portStep) Typing() bool { return false }
func (p *portStep) Modal() bool  { return false }
