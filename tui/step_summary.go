package tui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/mailcfg/mailcfg/wizard"
)

// summaryStep shows what passed and what is left to do, and saves the whole
// report as Markdown.
type summaryStep struct {
	c     *Common
	saved *bool
	done  *bool
	file  saveField
}

func newSummaryStep(c *Common, saved, done *bool) *summaryStep {
	s := &summaryStep{c: c, saved: saved, done: done}
	sess := c.Session
	s.file = newSaveField(c, wizard.StepSummary, "mailcfg-report.md", "the report",
		func(path string) error { return sess.SaveReport(path, c.Now()) })
	return s
}

func (s *summaryStep) Enter() tea.Cmd {
	s.file.enter()
	return nil
}

func (s *summaryStep) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case doneMsg:
		if s.file.done(msg) {
			*s.saved = true
		}
	case tea.KeyPressMsg:
		k := s.c.Keys
		if s.file.on {
			return s.file.key(msg)
		}
		s.file.clear()
		switch {
		case key.Matches(msg, k.Save):
			return s.file.open("mailcfg-report-" + s.c.Session.Answers.Domain + ".md")
		case key.Matches(msg, k.Next):
			*s.done = true
			return tea.Quit
		}
	}
	return nil
}

func (s *summaryStep) View() string {
	st := s.c.Styles
	w := s.c.Width
	sess := s.c.Session
	var b strings.Builder
	b.WriteString(s.c.helpLine(wizard.StepSummary) + "\n\n")
	if sess.AllPassed() {
		b.WriteString(st.Pass.Render("✓ everything passed") + "\n\n")
	} else {
		b.WriteString(st.Warn.Render("! some things are left to do") + "\n\n")
	}
	todo := 0
	for _, it := range sess.Summary() {
		b.WriteString(st.Mark(it.Status) + " " + truncate(safe(it.Title), w-9) + "\n")
		for _, t := range it.Todo {
			if todo < 6 {
				b.WriteString("        " + truncate("- "+safe(t), w-8) + "\n")
			}
			todo++
		}
	}
	if todo > 6 {
		b.WriteString(st.Dim.Render("        … and more in the report") + "\n")
	}
	b.WriteString(s.file.view())
	return b.String()
}

func (s *summaryStep) Keys() []key.Binding {
	k := s.c.Keys
	if s.file.on {
		return []key.Binding{withHelp(k.Next, "save")}
	}
	return []key.Binding{withHelp(k.Save, "save report"), withHelp(k.Next, "finish")}
}

func (s *summaryStep) Busy() bool   { return false }
func (s *summaryStep) Typing() bool { return s.file.on }
func (s *summaryStep) Modal() bool  { return s.file.on }

func (s *summaryStep) inputs() []*textinput.Model { return []*textinput.Model{&s.file.name} }
