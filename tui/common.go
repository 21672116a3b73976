package tui

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/mailcfg/mailcfg/wizard"
)

// Common is what the root model shares with every step: the session, the
// size, the styles, the keys, the clock, and the context and generation of
// the current step (leaving a step cancels its context; messages of an
// older generation are dropped).
type Common struct {
	Session *wizard.Session
	Width   int
	Height  int
	Styles  Styles
	Keys    KeyMap
	Now     func() time.Time
	// Dir is the folder files are saved in ("" = the working directory).
	Dir string

	// Recheck is how often the records step's watch asks again (0: 10 s).
	Recheck time.Duration

	spinner spinner.Model
	ctx     context.Context
	gen     int
}

// stepModel is one step's screen. Steps keep a pointer to Common and change
// themselves in Update; the root builds the frame around their View.
type stepModel interface {
	// Enter is called when the step becomes current: it loads the
	// session's answers into its fields and starts its work.
	Enter() tea.Cmd
	Update(msg tea.Msg) tea.Cmd
	// View returns the body, at most bodyHeight lines of Width.
	View() string
	// Keys are the step's own bindings for the help bar.
	Keys() []key.Binding
	// Busy reports whether work is running that quitting would lose.
	Busy() bool
	// Typing reports that a text field has focus, so q and ? are text.
	Typing() bool
	// Modal reports that the step wants esc too (a filter, a prompt).
	Modal() bool
}

// bodyHeight is the lines a step may draw: the frame takes two for the
// header, one blank, one for the status line and the help bar.
func (c *Common) bodyHeight() int { return max(c.Height-5, 3) }

// Messages of the wizard's flow.
type (
	// navMsg moves the flow: dir +1 next, -1 back, 0 to step.
	navMsg struct {
		dir int
		to  wizard.StepID
	}
	// progressMsg is one item of a step's stream; ch is re-read by the
	// next Cmd until the Done item.
	progressMsg struct {
		step wizard.StepID
		gen  int
		tag  string
		p    wizard.Progress
		ch   <-chan wizard.Progress
	}
	// streamEndMsg says a stream's channel closed without a Done item
	// (its context was cancelled).
	streamEndMsg struct {
		step wizard.StepID
		gen  int
		tag  string
	}
	// doneMsg is the end of a one-shot Cmd of a step (a save, the
	// keychain): err is nil on success.
	doneMsg struct {
		step wizard.StepID
		gen  int
		tag  string
		text string // val, when it is a string
		val  any
		err  error
	}
)

func (c *Common) next() tea.Cmd { return func() tea.Msg { return navMsg{dir: +1} } }
func (c *Common) back() tea.Cmd { return func() tea.Msg { return navMsg{dir: -1} } }
func (c *Common) jump(id wizard.StepID) tea.Cmd {
	return func() tea.Msg { return navMsg{to: id} }
}

// stream starts w for step under the current step's context and returns
// the Cmd that reads its first item.
func (c *Common) stream(step wizard.StepID, tag string, w wizard.Work) tea.Cmd {
	ch := wizard.Stream(c.ctx, w)
	return readNext(step, c.gen, tag, ch)
}

// readNext returns the Cmd that reads one item of ch. A step re-arms it
// after each item until the Done one.
func readNext(step wizard.StepID, gen int, tag string, ch <-chan wizard.Progress) tea.Cmd {
	return func() tea.Msg {
		p, ok := <-ch
		if !ok {
			return streamEndMsg{step: step, gen: gen, tag: tag}
		}
		return progressMsg{step: step, gen: gen, tag: tag, p: p, ch: ch}
	}
}

// again re-arms the stream of msg.
func (m progressMsg) again() tea.Cmd { return readNext(m.step, m.gen, m.tag, m.ch) }

// do runs f off the Update loop and reports its end as a doneMsg.
func (c *Common) do(step wizard.StepID, tag string, f func(ctx context.Context) (string, error)) tea.Cmd {
	return c.fetch(step, tag, func(ctx context.Context) (any, error) { return f(ctx) })
}

// fetch runs f off the Update loop and reports its value as a doneMsg.
func (c *Common) fetch(step wizard.StepID, tag string, f func(ctx context.Context) (any, error)) tea.Cmd {
	ctx, gen := c.ctx, c.gen
	return func() tea.Msg {
		v, err := f(ctx)
		text, _ := v.(string)
		return doneMsg{step: step, gen: gen, tag: tag, text: text, val: v, err: err}
	}
}

// spin is the spinner's current frame.
func (c *Common) spin() string { return c.spinner.View() }

// input returns a text field styled for the wizard, its cursor steady (no
// blink) so the screen is the same from one frame to the next.
func (c *Common) input(prompt, placeholder string) textinput.Model {
	t := textinput.New()
	t.Prompt = prompt
	t.Placeholder = placeholder
	c.styleInput(&t)
	return t
}

func (c *Common) styleInput(t *textinput.Model) {
	t.SetWidth(max(c.Width-len([]rune(t.Prompt))-6, 10))
	var st textinput.Styles
	if c.Styles.Color {
		st = textinput.DefaultStyles(true)
		st.Focused.Prompt = c.Styles.Selected
		st.Blurred.Prompt = c.Styles.Dim
	} else {
		plain := lipgloss.NewStyle()
		ss := textinput.StyleState{Text: plain, Placeholder: plain, Suggestion: plain, Prompt: plain}
		st = textinput.Styles{Focused: ss, Blurred: ss}
	}
	st.Cursor.Blink = false
	t.SetStyles(st)
}

// truncate cuts s (which may hold styles) to w cells with an ellipsis.
func truncate(s string, w int) string {
	if w <= 0 {
		return ""
	}
	return ansi.Truncate(s, w, "…")
}

// clip keeps the first h lines of s, each truncated to w cells.
func clip(s string, w, h int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > h {
		lines = lines[:h]
	}
	for i, l := range lines {
		lines[i] = truncate(l, w)
	}
	return strings.Join(lines, "\n")
}

// window returns the range [lo, hi) of n rows to show in h lines so that
// row cur is visible.
func window(n, cur, h int) (int, int) {
	if h <= 0 || n <= h {
		return 0, n
	}
	lo := cur - h/2
	lo = max(0, min(lo, n-h))
	return lo, lo + h
}

// scrolled is window for a list that may not fit: when it does not, the
// window is a line shorter and more is the line that says how many rows are
// hidden above and below ("" when none are).
func (c *Common) scrolled(n, cur, h int) (lo, hi int, more string) {
	if h <= 1 || n <= h {
		lo, hi = window(n, cur, h)
		return lo, hi, ""
	}
	lo, hi = window(n, cur, h-1)
	var parts []string
	if lo > 0 {
		parts = append(parts, fmt.Sprintf("↑ %d more above", lo))
	}
	if hi < n {
		parts = append(parts, fmt.Sprintf("↓ %d more below", n-hi))
	}
	return lo, hi, c.Styles.Dim.Render("  "+strings.Join(parts, " · ")) + "\n"
}

// wrap breaks s into lines of at most w cells, each after the first
// indented by indent spaces.
func wrap(s string, w, indent int) string {
	if w <= indent+10 {
		return s
	}
	out := lipgloss.NewStyle().Width(w - indent).Render(s)
	lines := strings.Split(out, "\n")
	for i := range lines {
		lines[i] = strings.TrimRight(lines[i], " ")
		if i > 0 {
			lines[i] = strings.Repeat(" ", indent) + lines[i]
		}
	}
	return strings.Join(lines, "\n")
}

// ms formats a stage's time: "12 ms", or "12.3 s" from a second up.
func ms(n int64) string {
	if n < 1000 {
		return strconv.FormatInt(n, 10) + " ms"
	}
	return strconv.FormatInt(n/1000, 10) + "." + strconv.FormatInt((n%1000)/100, 10) + " s"
}

// stripANSI removes styling from s.
func stripANSI(s string) string { return ansi.Strip(s) }

// helpLine is a step's line of help, wrapped to the width.
func (c *Common) helpLine(id wizard.StepID) string {
	return c.Styles.Help.Render(wrap(id.Info().Help, c.Width, 0))
}

// recheck is the records step's watch interval.
func (c *Common) recheck() time.Duration {
	if c.Recheck > 0 {
		return c.Recheck
	}
	return 10 * time.Second
}
