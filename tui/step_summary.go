package tui

import (
	"context"
	"path/filepath"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/mailcfg/mailcfg/wizard"
)

// summaryStep shows what passed and what is left to do, and saves the whole
// report as Markdown.
type summaryStep struct {
	c      *Common
	saved  *bool
	done   *bool
	naming bool
	name   textinput.Model
	notice string
	err    string
}

func newSummaryStep(c *Common, saved, done *bool) *summaryStep {
	s := &summaryStep{c: c, saved: saved, done: done}
	s.name = c.input("Save as ", "mailcfg-report.md")
	return s
}

func (s *summaryStep) Enter() tea.Cmd {
	s.c.styleInput(&s.name)
	s.naming, s.notice, s.err = false, "", ""
	return nil
}

func (s *summaryStep) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case doneMsg:
		if msg.err != nil {
			s.err = trimErr(msg.err)
			return nil
		}
		*s.saved = true
		s.notice = msg.text
	case tea.KeyPressMsg:
		k := s.c.Keys
		if s.naming {
			switch {
			case key.Matches(msg, k.Back):
				s.naming = false
			case key.Matches(msg, k.Next):
				s.naming = false
				return s.save(s.name.Value())
			default:
				var cmd tea.Cmd
				s.name, cmd = s.name.Update(msg)
				return cmd
			}
			return nil
		}
		s.notice, s.err = "", ""
		switch {
		case key.Matches(msg, k.Save):
			s.naming = true
			s.name.SetValue("mailcfg-report-" + s.c.Session.Answers.Domain + ".md")
			s.name.CursorEnd()
			return s.name.Focus()
		case key.Matches(msg, k.Next):
			*s.done = true
			return tea.Quit
		}
	}
	return nil
}

func (s *summaryStep) save(path string) tea.Cmd {
	if !filepath.IsAbs(path) && s.c.Dir != "" {
		path = filepath.Join(s.c.Dir, path)
	}
	sess, now := s.c.Session, s.c.Now()
	return s.c.do(wizard.StepSummary, "report", func(context.Context) (string, error) {
		if err := sess.SaveReport(path, now); err != nil {
			return "", err
		}
		return "✓ saved the report to " + path, nil
	})
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
		b.WriteString(st.Mark(it.Status) + " " + truncate(it.Title, w-9) + "\n")
		for _, t := range it.Todo {
			if todo < 6 {
				b.WriteString("        " + truncate("- "+t, w-8) + "\n")
			}
			todo++
		}
	}
	if todo > 6 {
		b.WriteString(st.Dim.Render("        … and more in the report") + "\n")
	}
	if s.naming {
		b.WriteString("\n" + s.name.View() + "\n")
	}
	if s.notice != "" {
		b.WriteString("\n" + st.Notice.Render(s.notice) + "\n")
	}
	if s.err != "" {
		b.WriteString("\n" + st.Error.Render("✗ "+s.err) + "\n")
	}
	return b.String()
}

func (s *summaryStep) Keys() []key.Binding {
	k := s.c.Keys
	if s.naming {
		return []key.Binding{withHelp(k.Next, "save")}
	}
	return []key.Binding{withHelp(k.Save, "save report"), withHelp(k.Next, "finish")}
}

func (s *summaryStep) Busy() bool   { return false }
func (s *summaryStep) Typing() bool { return s.naming }
func (s *summaryStep) Modal() bool  { return s.naming }

func (s *summaryStep) inputs() []*textinput.Model { return []*textinput.Model{&s.name} }
