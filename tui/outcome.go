package tui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"

	"github.com/mailcfg/mailcfg/checks"
	"github.com/mailcfg/mailcfg/wizard"
)

// liveView is the one component the live checks share (the handshake, the
// send, the records step's "check again"): it starts the check's stream,
// collects its events and draws them: the stages (a spinner while running,
// then ✓ or ✗ with ms), the facts, the findings, the colour-coded transcript
// in a scrollable pane, and the verdict.
type liveView struct {
	c    *Common
	step wizard.StepID // the step the check runs in
	tag  string        // the tag of its stream's messages
	// keep is true when the outcome is the step's result, kept in the
	// session (the handshake, the send).
	keep bool

	stages   []checks.Stage
	lines    []checks.Line
	findings []checks.Finding
	result   *wizard.Outcome
	running  bool
	pane     viewport.Model
	follow   bool // keep the pane at the bottom as lines arrive
}

func newLiveView(c *Common, step wizard.StepID, tag string, keep bool) liveView {
	return liveView{c: c, step: step, tag: tag, keep: keep, pane: viewport.New(), follow: true}
}

// start clears the view (and the step's kept outcome) and streams w.
func (v *liveView) start(w wizard.Work) tea.Cmd {
	v.reset()
	v.running = true
	if v.keep {
		_ = v.c.Session.Store(v.step, (*wizard.Outcome)(nil))
	}
	return v.c.stream(v.step, v.tag, w)
}

// take adds one item of the view's stream: an event, after which it returns
// the Cmd that reads the next, or the final outcome (done), which is kept in
// the session when the view keeps it.
func (v *liveView) take(msg progressMsg) (next tea.Cmd, done bool) {
	if !msg.p.Done {
		v.event(msg.p.Event)
		return msg.again(), false
	}
	o, _ := msg.p.Result.(*wizard.Outcome)
	if o != nil && v.keep {
		_ = v.c.Session.Store(v.step, o)
	}
	v.finish(o)
	return nil, true
}

// update handles the messages of the view's stream and reports whether msg
// was one.
func (v *liveView) update(msg tea.Msg) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case progressMsg:
		if msg.tag == v.tag {
			cmd, _ := v.take(msg)
			return cmd, true
		}
	case streamEndMsg:
		if msg.tag == v.tag {
			v.running = false
			return nil, true
		}
	}
	return nil, false
}

// failed reports whether the check ended and did not pass.
func (v *liveView) failed() bool { return !v.running && v.result != nil && !v.result.OK }

// verdict ends body with the check's verdict once it has ended: "✓ pass"
// in the pass style, or "✗ fail" in the fail style followed by then (what
// to do about it).
func (v *liveView) verdict(body, pass, fail, then string) string {
	if v.running || v.result == nil {
		return body
	}
	st := v.c.Styles
	body = strings.TrimRight(body, "\n") + "\n"
	if v.result.OK {
		return body + st.Pass.Render("✓ "+pass)
	}
	return body + st.Fail.Render("✗ "+fail) + then
}

func (v *liveView) reset() {
	v.stages, v.lines, v.findings, v.result = nil, nil, nil, nil
	v.follow = true
	v.pane.SetContent("")
}

// load shows an outcome that is already known (coming back to a step).
func (v *liveView) load(o *wizard.Outcome) {
	v.reset()
	v.result = o
	v.stages, v.lines, v.findings = o.Stages, o.Transcript, o.Findings
	v.refresh()
}

// event adds one streamed event.
func (v *liveView) event(e checks.Event) {
	switch e.Kind {
	case checks.EventStage:
		for i := range v.stages {
			if v.stages[i].Name == e.Stage.Name {
				v.stages[i] = e.Stage
				return
			}
		}
		v.stages = append(v.stages, e.Stage)
	case checks.EventLine:
		v.lines = append(v.lines, e.Line)
		v.refresh()
	case checks.EventFinding:
		v.findings = append(v.findings, e.Finding)
	}
}

// finish takes the final outcome, which is authoritative.
func (v *liveView) finish(o *wizard.Outcome) {
	v.running = false
	if o != nil {
		v.load(o)
	}
}

func (v *liveView) refresh() {
	tls := checks.InTLS(v.lines)
	out := make([]string, len(v.lines))
	for i, l := range v.lines {
		out[i] = v.c.Styles.Line(l, tls[i])
	}
	v.pane.SetContentLines(out)
	if v.follow {
		v.pane.GotoBottom()
	}
}

// scroll handles the pane's keys; it reports whether the key was one.
func (v *liveView) scroll(msg tea.KeyPressMsg) bool {
	k := v.c.Keys
	switch {
	case key.Matches(msg, k.PageUp):
		v.pane.PageUp()
	case key.Matches(msg, k.PageDown):
		v.pane.PageDown()
	case key.Matches(msg, k.Up):
		v.pane.ScrollUp(1)
	case key.Matches(msg, k.Down):
		v.pane.ScrollDown(1)
	default:
		return false
	}
	v.follow = v.pane.AtBottom()
	return true
}

// stagesView draws the stages on one or two lines.
func (v *liveView) stagesView() string {
	st := v.c.Styles
	var parts []string
	for _, s := range v.stages {
		var p string
		switch {
		case s.Running:
			p = v.c.spin() + " " + s.Name
			if s.Detail != "" {
				p += " (" + safe(s.Detail) + ")"
			}
		case s.Status == checks.StatusPass:
			p = st.Pass.Render("✓ "+s.Name) + " " + st.Dim.Render(ms(s.Ms))
		case s.Status == checks.StatusWarn || s.Status == checks.StatusInfo:
			p = st.Warn.Render("! "+s.Name) + " " + st.Dim.Render(ms(s.Ms))
		case s.Status == checks.StatusError:
			p = st.Err.Render("? "+s.Name) + " " + st.Dim.Render(ms(s.Ms))
		default:
			p = st.Fail.Render("✗ "+s.Name) + " " + st.Dim.Render(ms(s.Ms))
			if s.Code != 0 {
				p += " " + st.Fail.Render(fmt.Sprintf("%d %s", s.Code, safe(s.Enhanced)))
			}
		}
		parts = append(parts, p)
	}
	if len(parts) == 0 && v.running {
		return v.c.spin() + " starting…"
	}
	return wrapParts(parts, v.c.Width, "  ")
}

// wrapParts joins parts with sep, breaking lines before width.
func wrapParts(parts []string, width int, sep string) string {
	var lines []string
	cur := ""
	for _, p := range parts {
		switch {
		case cur == "":
			cur = p
		case len([]rune(stripANSI(cur+sep+p))) > width:
			lines = append(lines, cur)
			cur = p
		default:
			cur += sep + p
		}
	}
	if cur != "" {
		lines = append(lines, cur)
	}
	return strings.Join(lines, "\n")
}

// factsView draws the outcome's facts, one a line.
func (v *liveView) factsView() string {
	if v.result == nil {
		return ""
	}
	st := v.c.Styles
	var b strings.Builder
	for _, f := range v.result.Facts {
		b.WriteString(truncate(st.Label.Render(fmt.Sprintf("%-13s", f.Label))+" "+safe(f.Value), v.c.Width) + "\n")
	}
	return b.String()
}

// problemView draws the worst finding with its fix, when one is not a pass.
func (v *liveView) problemView() string {
	st := v.c.Styles
	fs := append([]checks.Finding(nil), v.findings...)
	checks.SortWorstFirst(fs)
	var b strings.Builder
	n := 0
	for _, f := range fs {
		if f.Status == checks.StatusPass || f.Status == checks.StatusInfo || n == 2 {
			continue
		}
		n++
		b.WriteString(st.Mark(f.Status) + " " + safe(f.Title) + " " + st.Dim.Render("["+safe(f.ID)+"]") + "\n")
		if f.Fix != "" {
			b.WriteString("        " + st.Key.Render("fix: ") + wrap(safe(f.Fix), v.c.Width, 13) + "\n")
		}
	}
	return b.String()
}

// paneView sizes the transcript pane to h lines and draws it.
func (v *liveView) paneView(h int) string {
	if len(v.lines) == 0 || h < 3 {
		return ""
	}
	v.pane.SetWidth(v.c.Width - 4)
	v.pane.SetHeight(h - 2)
	if v.follow {
		v.pane.GotoBottom()
	}
	return v.c.Styles.Box.Width(v.c.Width - 2).Render(v.pane.View())
}

// body draws everything within the step's height: header lines first, the
// transcript pane takes what is left.
func (v *liveView) body(head string) string {
	top := head + v.stagesView() + "\n"
	if f := v.factsView(); f != "" {
		top += "\n" + f
	}
	if p := v.problemView(); p != "" {
		top += "\n" + p
	}
	used := strings.Count(top, "\n") + 1
	return top + v.paneView(v.c.bodyHeight()-used)
}
