package tui

import (
	"fmt"
	"image/color"

	"charm.land/lipgloss/v2"

	"github.com/mailcfg/mailcfg/checks"
	"github.com/mailcfg/mailcfg/wizard"
)

// Styles is every style the wizard draws with. NewStyles makes the coloured
// set for a dark or light background; NoColorStyles the monochrome one.
// Status never rests on colour alone: each mark carries a symbol and a word.
type Styles struct {
	Color bool

	App      lipgloss.Style // the whole frame
	Title    lipgloss.Style // the header's title
	StepDone lipgloss.Style // a step name in the header, behind the current
	StepCur  lipgloss.Style // the current step in the header (also in brackets)
	StepTodo lipgloss.Style // a step name in the header, ahead
	Help     lipgloss.Style // the step's one line of help
	Label    lipgloss.Style // a field's label
	Value    lipgloss.Style // an answer shown back
	Dim      lipgloss.Style // secondary text
	Selected lipgloss.Style // the selected row of a list
	Error    lipgloss.Style // a validation error
	Notice   lipgloss.Style // a passing note ("copied")
	Key      lipgloss.Style // a key name in prose
	Box      lipgloss.Style // the transcript pane and the quit dialog

	Pass, Info, Warn, Fail, Err lipgloss.Style // status marks

	Client, Server2, Server4, Server5, Note lipgloss.Style // transcript lines
}

// NewStyles returns the coloured styles for a dark (isDark) or light
// terminal background.
func NewStyles(isDark bool) Styles {
	ld := lipgloss.LightDark(isDark)
	c := func(light, dark string) color.Color { return ld(lipgloss.Color(light), lipgloss.Color(dark)) }
	var (
		accent = c("#5A3FD9", "#A99BFF")
		dim    = c("#7A7A7A", "#8A8A8A")
		green  = c("#067D2E", "#4FD47A")
		yellow = c("#8A6100", "#F2C94C")
		red    = c("#B3261E", "#FF6B6B")
		blue   = c("#1F5FAD", "#6CB6FF")
		fg     = c("#1A1A1A", "#E8E8E8")
	)
	n := lipgloss.NewStyle
	return Styles{
		Color:    true,
		App:      n().Foreground(fg),
		Title:    n().Bold(true).Foreground(accent),
		StepDone: n().Foreground(green),
		StepCur:  n().Bold(true).Foreground(accent),
		StepTodo: n().Foreground(dim),
		Help:     n().Italic(true).Foreground(dim),
		Label:    n().Bold(true),
		Value:    n().Foreground(accent),
		Dim:      n().Foreground(dim),
		Selected: n().Bold(true).Foreground(accent),
		Error:    n().Foreground(red),
		Notice:   n().Foreground(green),
		Key:      n().Bold(true).Foreground(blue),
		Box:      n().Border(lipgloss.RoundedBorder()).BorderForeground(dim).Padding(0, 1),
		Pass:     n().Foreground(green),
		Info:     n().Foreground(blue),
		Warn:     n().Foreground(yellow),
		Fail:     n().Bold(true).Foreground(red),
		Err:      n().Bold(true).Foreground(yellow),
		Client:   n().Foreground(blue),
		Server2:  n().Foreground(green),
		Server4:  n().Foreground(yellow),
		Server5:  n().Foreground(red),
		Note:     n().Faint(true).Foreground(dim),
	}
}

// NoColorStyles returns the monochrome styles for NO_COLOR, --no-color and
// a terminal that is not one: no colour at all, emphasis by bold and
// underline, and marks that read by symbol and word.
func NoColorStyles() Styles {
	n := lipgloss.NewStyle
	plain := n()
	return Styles{
		App: plain, Title: n().Bold(true),
		StepDone: plain, StepCur: n().Bold(true), StepTodo: plain,
		Help: plain, Label: n().Bold(true), Value: plain, Dim: plain,
		Selected: n().Bold(true), Error: n().Bold(true), Notice: plain, Key: n().Bold(true),
		Box:  n().Border(lipgloss.NormalBorder()).Padding(0, 1),
		Pass: plain, Info: plain, Warn: plain, Fail: n().Bold(true), Err: n().Bold(true),
		Client: plain, Server2: plain, Server4: plain, Server5: n().Bold(true), Note: plain,
	}
}

// Mark draws a status as symbol and word in its colour: "✓ pass".
func (s Styles) Mark(st checks.Status) string {
	text := markText(st)
	switch st {
	case checks.StatusPass:
		return s.Pass.Render(text)
	case checks.StatusInfo:
		return s.Info.Render(text)
	case checks.StatusWarn:
		return s.Warn.Render(text)
	case checks.StatusFail:
		return s.Fail.Render(text)
	case checks.StatusError:
		return s.Err.Render(text)
	}
	return text
}

// markText pads the marks (wizard.Mark: symbol and word) to one width so
// columns line up.
func markText(st checks.Status) string { return fmt.Sprintf("%-7s", wizard.Mark(st)) }

// Line draws one transcript line: the swaks-style marker, then the text in
// the colour of its direction and reply class.
func (s Styles) Line(l checks.Line, inTLS bool) string {
	text := checks.Marker(l, inTLS) + l.Text
	switch l.Dir {
	case checks.DirClient:
		return s.Client.Render(text)
	case checks.DirServer:
		if len(l.Text) > 0 {
			switch l.Text[0] {
			case '2', '3':
				return s.Server2.Render(text)
			case '4':
				return s.Server4.Render(text)
			case '5':
				return s.Server5.Render(text)
			}
		}
		return text
	}
	return s.Note.Render(text)
}
