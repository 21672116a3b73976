package tui

import (
	"context"
	"path/filepath"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/mailcfg/mailcfg/wizard"
)

// saveField is the "save as" prompt the records and summary steps share: a
// file-name field, the write run off the Update loop, and the notice or the
// error it ends with (which the step may also use for notices of its own).
type saveField struct {
	c      *Common
	step   wizard.StepID
	what   string                  // "the zone fragment", "the report"
	write  func(path string) error // runs in a Cmd, never in Update
	on     bool                    // the name is being typed
	name   textinput.Model
	notice string
	err    string
}

func newSaveField(c *Common, step wizard.StepID, placeholder, what string, write func(string) error) saveField {
	return saveField{c: c, step: step, what: what, write: write, name: c.input("Save as ", placeholder)}
}

// enter resets the field when its step becomes current.
func (f *saveField) enter() {
	f.c.styleInput(&f.name)
	f.on = false
	f.clear()
}

func (f *saveField) clear() { f.notice, f.err = "", "" }

// open shows the field with a suggested name.
func (f *saveField) open(name string) tea.Cmd {
	f.on = true
	f.clear()
	f.name.SetValue(name)
	f.name.CursorEnd()
	return f.name.Focus()
}

// key handles a key while the field is open: esc closes it, enter saves.
func (f *saveField) key(msg tea.KeyPressMsg) tea.Cmd {
	k := f.c.Keys
	switch {
	case key.Matches(msg, k.Back):
		f.on = false
		f.name.Blur()
	case key.Matches(msg, k.Next):
		f.on = false
		f.name.Blur()
		return f.save(f.name.Value())
	default:
		return typeInto(&f.name, msg)
	}
	return nil
}

// save writes to path (relative to the wizard's folder) in a Cmd.
func (f *saveField) save(path string) tea.Cmd {
	if !filepath.IsAbs(path) && f.c.Dir != "" {
		path = filepath.Join(f.c.Dir, path)
	}
	write, what := f.write, f.what
	return f.c.do(f.step, "save", func(context.Context) (string, error) {
		if err := write(path); err != nil {
			return "", err
		}
		return "✓ saved " + what + " to " + path, nil
	})
}

// done takes the end of a save and reports whether it succeeded.
func (f *saveField) done(msg doneMsg) bool {
	if msg.err != nil {
		f.err = trimErr(msg.err)
		return false
	}
	f.notice = msg.text
	return true
}

// view draws the open field, then the notice or the error.
func (f *saveField) view() string {
	st := f.c.Styles
	var out string
	if f.on {
		out += "\n" + f.name.View() + "\n"
	}
	if f.notice != "" {
		out += "\n" + st.Notice.Render(f.notice) + "\n"
	}
	if f.err != "" {
		out += "\n" + st.Error.Render("✗ "+f.err) + "\n"
	}
	return out
}

// typeInto gives a key to a text field and returns its Cmd.
func typeInto(t *textinput.Model, msg tea.Msg) tea.Cmd {
	var cmd tea.Cmd
	*t, cmd = t.Update(msg)
	return cmd
}
