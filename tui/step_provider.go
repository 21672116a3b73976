package tui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/mailcfg/mailcfg/providers"
	"github.com/mailcfg/mailcfg/wizard"
)

// The provider step's modes.
const (
	provList   = iota // choosing a provider
	provFilter        // typing the list's filter
	provRegion        // choosing the provider's region
	provHost          // typing the custom host
)

// providerStep is a filterable list of the catalogue, then the region when
// the profile has several, or the host for custom.
type providerStep struct {
	c       *Common
	mode    int
	all     []*providers.Profile
	shown   []*providers.Profile
	cur     int
	region  int
	entered bool // Enter has run once: a prefilled provider opened its region
	filter  textinput.Model
	host    textinput.Model
	err     string
}

func newProviderStep(c *Common) *providerStep {
	p := &providerStep{c: c}
	p.filter = c.input("/ ", "filter by name")
	p.host = c.input("host: ", "smtp.example.com")
	return p
}

func (p *providerStep) Enter() tea.Cmd {
	p.c.styleInput(&p.filter)
	p.c.styleInput(&p.host)
	if p.c.Session.Env.Catalog != nil {
		p.all = p.c.Session.Env.Catalog.All()
	}
	p.applyFilter()
	p.mode, p.err = provList, ""
	sess := p.c.Session
	if id := sess.Answers.Provider; id != "" {
		for i, pr := range p.shown {
			if pr.ID == id {
				p.cur = i
			}
		}
	}
	first := !p.entered
	p.entered = true
	// A deep link that names the provider but not its region (or a custom
	// provider's host) opens straight on the question still open.
	if pr := p.selected(); first && pr != nil && pr.ID == sess.Answers.Provider &&
		sess.Given(wizard.FieldProvider) && !sess.Given(wizard.FieldRegion) &&
		(pr.AnyHost || len(pr.Regions) > 1) {
		return p.choose()
	}
	return nil
}

func (p *providerStep) applyFilter() {
	q := strings.ToLower(strings.TrimSpace(p.filter.Value()))
	p.shown = p.shown[:0]
	for _, pr := range p.all {
		if q == "" || strings.Contains(strings.ToLower(pr.ID+" "+pr.Name+" "+pr.Description), q) {
			p.shown = append(p.shown, pr)
		}
	}
	p.cur = min(p.cur, max(len(p.shown)-1, 0))
}

func (p *providerStep) selected() *providers.Profile {
	if p.cur < 0 || p.cur >= len(p.shown) {
		return nil
	}
	return p.shown[p.cur]
}

func (p *providerStep) Update(msg tea.Msg) tea.Cmd {
	km, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	k := p.c.Keys
	switch p.mode {
	case provFilter:
		switch {
		case key.Matches(km, k.Back):
			p.filter.SetValue("")
			p.filter.Blur()
			p.applyFilter()
			p.mode = provList
		case key.Matches(km, k.Next), key.Matches(km, k.Down), key.Matches(km, k.Up):
			p.filter.Blur()
			p.mode = provList
			if key.Matches(km, k.Next) {
				return p.choose()
			}
		default:
			cmd := typeInto(&p.filter, km)
			p.applyFilter()
			return cmd
		}
		return nil
	case provRegion:
		pr := p.selected()
		switch {
		case key.Matches(km, k.Back):
			p.mode = provList
		case key.Matches(km, k.Up):
			p.region = max(p.region-1, 0)
		case key.Matches(km, k.Down):
			p.region = min(p.region+1, len(pr.Regions)-1)
		case key.Matches(km, k.Next):
			return p.commit(pr.Regions[p.region].ID, "")
		}
		return nil
	case provHost:
		switch {
		case key.Matches(km, k.Back):
			p.host.Blur()
			p.mode, p.err = provList, ""
		case key.Matches(km, k.Next):
			return p.commit("", p.host.Value())
		default:
			p.err = ""
			return typeInto(&p.host, km)
		}
		return nil
	}
	switch {
	case key.Matches(km, k.Up):
		p.cur = max(p.cur-1, 0)
	case key.Matches(km, k.Down):
		p.cur = min(p.cur+1, max(len(p.shown)-1, 0))
	case km.String() == "/":
		p.mode = provFilter
		return p.filter.Focus()
	case key.Matches(km, k.Next):
		return p.choose()
	}
	return nil
}

// choose moves on from the list: to the region list, the host field, or
// the next step.
func (p *providerStep) choose() tea.Cmd {
	pr := p.selected()
	if pr == nil {
		p.err = "No provider matches the filter; press / and change it."
		return nil
	}
	a := p.c.Session.Answers
	switch {
	case pr.AnyHost:
		p.mode = provHost
		if a.Provider == pr.ID {
			p.host.SetValue(a.Host)
		}
		return p.host.Focus()
	case len(pr.Regions) > 1:
		p.mode, p.region = provRegion, 0
		for i, r := range pr.Regions {
			if a.Provider == pr.ID && r.ID == a.Region {
				p.region = i
			}
		}
		return nil
	}
	return p.commit("", "")
}

func (p *providerStep) commit(region, host string) tea.Cmd {
	pr := p.selected()
	if err := p.c.Session.SetProvider(pr.ID, region, host); err != nil {
		p.err = err.Error()
		return nil
	}
	p.err = ""
	return p.c.next()
}

func (p *providerStep) View() string {
	c, st := p.c, p.c.Styles
	var b strings.Builder
	b.WriteString(p.c.helpLine(wizard.StepProvider) + "\n\n")
	switch p.mode {
	case provRegion:
		pr := p.selected()
		fmt.Fprintf(&b, "%s has %d regions; choose the one your account is in:\n\n", st.Label.Render(pr.Name), len(pr.Regions))
		lo, hi, more := c.scrolled(len(pr.Regions), p.region, c.bodyHeight()-5)
		for i := lo; i < hi; i++ {
			r := pr.Regions[i]
			line := fmt.Sprintf("%-16s %s", r.ID, st.Dim.Render(r.Name+" · "+r.Host))
			b.WriteString(p.row(i == p.region, line) + "\n")
		}
		b.WriteString(more)
	case provHost:
		pr := p.selected()
		fmt.Fprintf(&b, "%s: type your SMTP server's host name or address.\n\n", st.Label.Render(pr.Name))
		b.WriteString(p.host.View() + "\n")
	default:
		if p.mode == provFilter || p.filter.Value() != "" {
			b.WriteString(p.filter.View() + "\n")
		}
		lo, hi, more := c.scrolled(len(p.shown), p.cur, c.bodyHeight()-4)
		for i := lo; i < hi; i++ {
			pr := p.shown[i]
			port := ""
			if len(pr.Ports) > 0 {
				rp := pr.Recommended()
				port = fmt.Sprintf("%d %s", rp.Number, tlsWord(rp.TLS))
			}
			line := fmt.Sprintf("%-20s %-14s %s", truncate(pr.Name, 20), port, st.Dim.Render(pr.Description))
			b.WriteString(p.row(i == p.cur, line) + "\n")
		}
		b.WriteString(more)
		if len(p.shown) == 0 {
			b.WriteString(st.Dim.Render("  (no provider matches)") + "\n")
		}
	}
	if p.err != "" {
		b.WriteString("\n" + st.Error.Render("✗ "+p.err))
	}
	return b.String()
}

// row draws a list row with the selection marker, which reads without
// colour.
func (p *providerStep) row(sel bool, line string) string {
	if sel {
		return p.c.Styles.Selected.Render("▸ ") + line
	}
	return "  " + line
}

func tlsWord(m providers.TLSMode) string {
	switch m {
	case providers.TLSStartTLS:
		return "STARTTLS"
	case providers.TLSImplicit:
		return "TLS"
	case providers.TLSNone:
		return "plain"
	}
	return string(m)
}

func (p *providerStep) Keys() []key.Binding {
	k := p.c.Keys
	switch p.mode {
	case provFilter, provHost:
		return []key.Binding{k.Next}
	}
	filter := key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter"))
	return []key.Binding{k.moveHelp(), filter, withHelp(k.Next, "choose")}
}

func (p *providerStep) Busy() bool   { return false }
func (p *providerStep) Typing() bool { return p.mode == provFilter || p.mode == provHost }
func (p *providerStep) Modal() bool  { return p.mode != provList }

// withHelp returns b with another description.
func withHelp(b key.Binding, desc string) key.Binding {
	b.SetHelp(b.Help().Key, desc)
	return b
}

func (p *providerStep) inputs() []*textinput.Model { return []*textinput.Model{&p.filter, &p.host} }
