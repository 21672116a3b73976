package tui

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/mailcfg/mailcfg/wizard"
)

// recordsStep shows the records to publish as a table. The selected
// record's value is copied with OSC 52 and always shown in full below the
// table (the fallback for terminals that ignore OSC 52); the records save as
// a zone file; "check again" watches the authoritative servers and then the
// resolver until the new value appears.
type recordsStep struct {
	c       *Common
	set     *wizard.RecordSet
	cur     int
	running bool      // planning
	file    saveField // the zone file's name, and notices
	prop    liveView  // the propagation check
	propFor string
	watch   *wizard.Record // the record being watched until it appears
	rounds  int            // checks made of watch
}

// recheckMsg is the watch's timer: check the watched record again.
type recheckMsg struct{ gen int }

func newRecordsStep(c *Common) *recordsStep {
	r := &recordsStep{c: c, prop: newLiveView(c, wizard.StepRecords, "prop", false)}
	sess := c.Session
	r.file = newSaveField(c, wizard.StepRecords, "example.com.zone", "the zone fragment", sess.SaveZone)
	return r
}

func (r *recordsStep) Enter() tea.Cmd {
	r.file.enter()
	r.propFor = ""
	r.watch, r.rounds = nil, 0
	r.prop.reset()
	if rs := r.c.Session.Results.Records; rs != nil {
		r.set = rs
		return nil
	}
	return r.plan()
}

func (r *recordsStep) plan() tea.Cmd {
	r.set, r.running, r.cur = nil, true, 0
	return r.c.stream(wizard.StepRecords, "plan", r.c.Session.WorkFor(wizard.StepRecords))
}

func (r *recordsStep) selected() *wizard.Record {
	if r.set == nil || r.cur >= len(r.set.Records) {
		return nil
	}
	return &r.set.Records[r.cur]
}

func (r *recordsStep) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case progressMsg:
		switch msg.tag {
		case "plan":
			if msg.p.Done {
				r.running = false
				if rs, ok := msg.p.Result.(*wizard.RecordSet); ok {
					_ = r.c.Session.Store(wizard.StepRecords, rs)
					r.set = rs
				}
				return nil
			}
			return msg.again()
		case r.prop.tag:
			cmd, done := r.prop.take(msg)
			if done {
				if o := r.prop.result; o != nil && o.OK {
					// Published and visible: plan again so the table says keep.
					r.watch = nil
					return r.plan()
				}
				if r.watch == nil {
					return nil
				}
				// Not everywhere yet: look again after a while, until the
				// step is left (its generation changes) or r is pressed.
				gen := r.c.gen
				return tea.Tick(r.c.recheck(), func(time.Time) tea.Msg { return recheckMsg{gen} })
			}
			return cmd
		}
	case recheckMsg:
		if msg.gen == r.c.gen && r.watch != nil && !r.prop.running {
			return r.check(*r.watch)
		}
	case streamEndMsg:
		r.running, r.prop.running = false, false
	case doneMsg:
		r.file.done(msg)
	case tea.KeyPressMsg:
		return r.key(msg)
	}
	return nil
}

func (r *recordsStep) key(msg tea.KeyPressMsg) tea.Cmd {
	k := r.c.Keys
	if r.file.on {
		return r.file.key(msg)
	}
	r.file.clear()
	switch {
	case key.Matches(msg, k.Up):
		r.cur = max(r.cur-1, 0)
	case key.Matches(msg, k.Down):
		if r.set != nil {
			r.cur = min(r.cur+1, max(len(r.set.Records)-1, 0))
		}
	case key.Matches(msg, k.Copy):
		if rec := r.selected(); rec != nil {
			r.file.notice = "copied with OSC 52; if your terminal ignores it, select the value below"
			return tea.SetClipboard(rec.Value)
		}
	case key.Matches(msg, k.Save):
		if r.set != nil && r.set.Zone != "" {
			return r.file.open(r.c.Session.Answers.Domain + ".zone")
		}
	case key.Matches(msg, k.Again):
		if r.watch != nil {
			r.watch = nil // a second r stops watching
			return nil
		}
		if rec := r.selected(); rec != nil && !r.prop.running && !r.running {
			w := *rec
			r.watch, r.rounds = &w, 0
			return r.check(w)
		}
	case key.Matches(msg, k.Next) && !r.running:
		return r.c.next()
	}
	return nil
}

// check starts one propagation check of rec.
func (r *recordsStep) check(rec wizard.Record) tea.Cmd {
	r.rounds++
	r.propFor = rec.Name + " " + rec.Type
	return r.prop.start(r.c.Session.PropagationWork(rec))
}

func (r *recordsStep) View() string {
	st := r.c.Styles
	w := r.c.Width
	var b strings.Builder
	b.WriteString(r.c.helpLine(wizard.StepRecords) + "\n\n")
	switch {
	case r.running:
		b.WriteString(r.c.spin() + " reading what " + r.c.Session.Answers.Domain + " publishes now…\n")
		return b.String()
	case r.set == nil:
		return b.String()
	case r.set.Err != nil:
		b.WriteString(st.Err.Render("? could not plan the records: ") + wrap(safe(trimErr(r.set.Err)), w, 2) + "\n")
		return b.String()
	}
	pending := len(r.set.Pending())
	if pending == 0 {
		b.WriteString(st.Pass.Render("✓ everything needed is published") + "\n")
	} else {
		b.WriteString(st.Warn.Render(fmt.Sprintf("! %d record(s) to publish at your DNS host", pending)) + "\n")
	}
	nameW := 30
	valW := max(w-2-8-6-nameW-3, 10)
	b.WriteString(st.Dim.Render(fmt.Sprintf("  %-8s%-6s%-*s %s", "ACTION", "TYPE", nameW, "NAME", "VALUE")) + "\n")
	lo, hi, more := r.c.scrolled(len(r.set.Records), r.cur, max(r.c.bodyHeight()-12, 3))
	for i := lo; i < hi; i++ {
		rec := r.set.Records[i]
		marker := "  "
		if i == r.cur {
			marker = st.Selected.Render("▸ ")
		}
		action := fmt.Sprintf("%-8s", rec.Action)
		switch rec.Action {
		case "keep":
			action = st.Pass.Render(action)
		case "create":
			action = st.Warn.Render(action)
		default:
			action = st.Fail.Render(action)
		}
		b.WriteString(marker + action + fmt.Sprintf("%-6s%-*s %s", rec.Type, nameW, truncate(safe(rec.Name), nameW),
			truncate(safe(rec.Value), valW)) + "\n")
	}
	b.WriteString(more)
	if rec := r.selected(); rec != nil {
		b.WriteString("\n" + st.Label.Render(rec.Purpose+" value:") + " " + st.Dim.Render("(select to copy)") + "\n")
		b.WriteString(hardWrap(safe(rec.Value), w) + "\n")
		if rec.Current != "" && rec.Action != "keep" {
			b.WriteString(st.Dim.Render(truncate("now: "+safe(rec.Current), w)) + "\n")
		}
	}
	if r.propFor != "" {
		b.WriteString("\n" + st.Label.Render("check again: ") + r.propFor + "\n")
		if sv := r.prop.stagesView(); sv != "" {
			b.WriteString(sv + "\n")
		}
		if r.prop.result == nil {
			for _, f := range r.prop.findings {
				b.WriteString(truncate(st.Mark(f.Status)+" "+safe(f.Title), w) + "\n")
			}
		}
		if f := r.prop.factsView(); f != "" {
			b.WriteString(f)
		}
		if r.watch != nil && !r.prop.running {
			b.WriteString(st.Dim.Render(fmt.Sprintf("not everywhere yet (check %d); checking again every %s — r stops", r.rounds, r.c.recheck())) + "\n")
		}
	}
	b.WriteString(r.file.view())
	return b.String()
}

// hardWrap breaks s every w cells, so a long value (a DKIM key) shows whole
// and can be selected by hand.
func hardWrap(s string, w int) string {
	if w < 10 {
		return s
	}
	rs := []rune(s)
	var lines []string
	for len(rs) > w {
		lines = append(lines, string(rs[:w]))
		rs = rs[w:]
	}
	return strings.Join(append(lines, string(rs)), "\n")
}

func (r *recordsStep) Keys() []key.Binding {
	k := r.c.Keys
	if r.file.on {
		return []key.Binding{withHelp(k.Next, "save")}
	}
	return []key.Binding{k.moveHelp(), k.Copy, withHelp(k.Save, "save zone"), k.Again, k.Next}
}

func (r *recordsStep) Busy() bool   { return r.running || r.prop.running }
func (r *recordsStep) Typing() bool { return r.file.on }
func (r *recordsStep) Modal() bool  { return r.file.on }

func (r *recordsStep) inputs() []*textinput.Model { return []*textinput.Model{&r.file.name} }
