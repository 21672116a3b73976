package tui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/mailcfg/mailcfg/checks"
	"github.com/mailcfg/mailcfg/wizard"
)

// dnsStep runs the DNS audit: findings stream in, grouped by area, worst
// first, each expandable to its detail and fix.
type dnsStep struct {
	c        *Common
	findings []checks.Finding
	open     map[string]bool // expanded findings, by id
	cur      int
	running  bool
}

func newDNSStep(c *Common) *dnsStep { return &dnsStep{c: c, open: map[string]bool{}} }

func (d *dnsStep) Enter() tea.Cmd {
	s := d.c.Session
	if s.Results.DNSDone {
		d.set(s.Results.Findings)
		return nil
	}
	return d.run()
}

func (d *dnsStep) run() tea.Cmd {
	d.findings, d.cur, d.running = nil, 0, true
	d.open = map[string]bool{}
	return d.c.stream(wizard.StepDNS, "audit", d.c.Session.WorkFor(wizard.StepDNS))
}

func (d *dnsStep) set(fs []checks.Finding) {
	d.findings = append([]checks.Finding(nil), fs...)
	checks.SortWorstFirst(d.findings)
	d.cur = min(d.cur, max(len(d.findings)-1, 0))
}

func (d *dnsStep) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case progressMsg:
		if msg.p.Done {
			d.running = false
			if fs, ok := msg.p.Result.([]checks.Finding); ok {
				_ = d.c.Session.Store(wizard.StepDNS, fs)
				d.set(fs)
			}
			return nil
		}
		if e := msg.p.Event; e.Kind == checks.EventFinding {
			d.set(append(d.findings, e.Finding))
		}
		return msg.again()
	case streamEndMsg:
		d.running = false
	case tea.KeyPressMsg:
		k := d.c.Keys
		switch {
		case key.Matches(msg, k.Up):
			d.cur = max(d.cur-1, 0)
		case key.Matches(msg, k.Down):
			d.cur = min(d.cur+1, max(len(d.findings)-1, 0))
		case key.Matches(msg, k.Toggle), msg.String() == "right", msg.String() == "left":
			if d.cur < len(d.findings) {
				id := d.findings[d.cur].ID + "\x00" + d.findings[d.cur].Title
				d.open[id] = !d.open[id]
			}
		case key.Matches(msg, k.Again) && !d.running:
			return d.run()
		case key.Matches(msg, k.Next) && !d.running:
			return d.c.next()
		}
	}
	return nil
}

func (d *dnsStep) View() string {
	st := d.c.Styles
	w := d.c.Width
	var head strings.Builder
	head.WriteString(d.c.helpLine(wizard.StepDNS) + "\n\n")
	sum := checks.Summarize(d.findings)
	status := fmt.Sprintf("%s  %d pass · %d warn · %d fail · %d could not check",
		st.Label.Render(d.c.Session.Answers.Domain), sum.Pass, sum.Warn, sum.Fail, sum.Error)
	if d.running {
		status = d.c.spin() + " " + status + " · checking…"
	}
	head.WriteString(truncate(status, w) + "\n")

	// Rows: an area heading before the first finding of each area, and
	// the expanded finding's detail, evidence and fix under it.
	type row struct {
		text string
		at   int // the finding index, -1 for headings
	}
	var rows []row
	area := ""
	curRow := 0
	for i, f := range d.findings {
		if f.Area() != area {
			area = f.Area()
			rows = append(rows, row{st.Label.Render(strings.ToUpper(area)), -1})
		}
		marker := "  "
		if i == d.cur {
			marker = st.Selected.Render("▸ ")
			curRow = len(rows)
		}
		rows = append(rows, row{marker + st.Mark(f.Status) + " " + safe(f.Title), i})
		if d.open[f.ID+"\x00"+f.Title] {
			for _, l := range detailLines(st, f, w) {
				rows = append(rows, row{l, i})
			}
		}
	}
	h := d.c.bodyHeight() - strings.Count(head.String(), "\n") - 1
	lo, hi, more := d.c.scrolled(len(rows), curRow, h)
	var b strings.Builder
	b.WriteString(head.String())
	for _, r := range rows[lo:hi] {
		b.WriteString(truncate(r.text, w) + "\n")
	}
	b.WriteString(more)
	if len(d.findings) == 0 && !d.running {
		b.WriteString(st.Dim.Render("no findings") + "\n")
	}
	return b.String()
}

// detailLines are an expanded finding's id, detail, evidence, fix and
// reference, indented under it.
func detailLines(st Styles, f checks.Finding, w int) []string {
	const ind = 12
	pad := strings.Repeat(" ", ind)
	var out []string
	add := func(label, s string) {
		if s == "" {
			return
		}
		text := wrap(label+safe(s), w, ind)
		out = append(out, strings.Split(pad+text, "\n")...)
	}
	add("id: ", f.ID)
	add("", f.Detail)
	add("seen: ", f.Evidence)
	if f.Status != checks.StatusPass {
		add("fix: ", f.Fix)
		add("", f.Ref)
	}
	for i := range out {
		out[i] = st.Dim.Render(out[i])
	}
	return out
}

func (d *dnsStep) Keys() []key.Binding {
	k := d.c.Keys
	keys := []key.Binding{k.moveHelp(), withHelp(k.Toggle, "details")}
	if !d.running {
		keys = append(keys, withHelp(k.Again, "recheck"), k.Next)
	}
	return keys
}

func (d *dnsStep) Busy() bool   { return d.running }
func (d *dnsStep) Typing() bool { return false }
func (d *dnsStep) Modal() bool  { return false }
