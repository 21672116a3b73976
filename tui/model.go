// Package tui is mailcfg's Bubble Tea wizard: a root model that walks the
// steps of package wizard, one child model a step, drawn in a frame with a
// header, the step's body, a status line and a help bar. Network work never
// runs in Update: each step's checks run in Cmds that stream progress events
// back as messages (RFC 5321 handshakes, RFC 7208/6376/9989 DNS checks and
// the DKIM-signed test send of package checks), and leaving a step cancels
// its context.
package tui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/mailcfg/mailcfg/wizard"
)

// Options are the wizard's display choices.
type Options struct {
	// Color is false for NO_COLOR, --no-color or a terminal that is not one;
	// the monochrome styles are used then.
	Color bool
	// Dark is the initial guess of the background (the terminal's answer to
	// the background-colour query replaces it).
	Dark bool
	// Width and Height are the initial size (the first WindowSizeMsg
	// replaces them); 0 means 80×24.
	Width, Height int
	Now           func() time.Time
	// Dir is where files are saved ("" = the working directory).
	Dir string
	// NoAltScreen draws inline instead of on the alternate screen.
	NoAltScreen bool
}

// Model is the root of the wizard: the current step (the state), a child
// model for each step, and the frame around them.
type Model struct {
	c        *Common
	opts     Options
	steps    [wizard.StepSummary + 1]stepModel
	cancel   context.CancelFunc
	help     help.Model
	fullHelp bool
	confirm  bool // asking whether to quit
	quitting bool
	saved    bool // the report was saved: quitting loses nothing
	finished bool // the person finished at the summary
	ticking  bool // the spinner's tick is in flight
}

// New returns the wizard over sess.
func New(sess *wizard.Session, opts Options) *Model {
	if opts.Width == 0 {
		opts.Width, opts.Height = 80, 24
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	c := &Common{
		Session: sess, Width: opts.Width, Height: opts.Height,
		Keys: DefaultKeyMap(), Now: opts.Now, Dir: opts.Dir,
		ctx: context.Background(),
	}
	c.Styles = pickStyles(opts.Color, opts.Dark)
	c.spinner = spinner.New(spinner.WithSpinner(spinner.MiniDot))
	m := &Model{c: c, opts: opts, help: help.New()}
	m.restyle()
	m.steps = [...]stepModel{
		wizard.StepProvider:    newProviderStep(c),
		wizard.StepDomain:      newDomainStep(c),
		wizard.StepPort:        newPortStep(c),
		wizard.StepCredentials: newCredentialsStep(c),
		wizard.StepHandshake:   newHandshakeStep(c),
		wizard.StepDNS:         newDNSStep(c),
		wizard.StepRecords:     newRecordsStep(c),
		wizard.StepSend:        newSendStep(c),
		wizard.StepSummary:     newSummaryStep(c, &m.saved, &m.finished),
	}
	return m
}

func pickStyles(color, dark bool) Styles {
	if !color {
		return NoColorStyles()
	}
	return NewStyles(dark)
}

func (m *Model) restyle() {
	m.c.spinner.Style = m.c.Styles.Dim
	if m.c.Styles.Color {
		m.help.Styles = help.DefaultStyles(m.opts.Dark)
	} else {
		m.help.Styles = help.Styles{}
	}
	m.help.SetWidth(m.c.Width)
}

// Init enters the session's current step.
func (m *Model) Init() tea.Cmd {
	m.ticking = true
	cmds := []tea.Cmd{m.enter(), m.c.spinner.Tick}
	if m.opts.Color {
		cmds = append(cmds, tea.RequestBackgroundColor)
	}
	return tea.Batch(cmds...)
}

// Finished reports whether the person ended the wizard at the summary (not
// by quitting early).
func (m *Model) Finished() bool { return m.finished }

// Current returns the step on screen.
func (m *Model) Current() wizard.StepID { return m.c.Session.Current() }

func (m *Model) step() stepModel { return m.steps[m.Current()] }

// enter starts the current step with a fresh context.
func (m *Model) enter() tea.Cmd {
	m.leave()
	ctx, cancel := context.WithCancel(context.Background())
	m.c.ctx, m.cancel = ctx, cancel
	m.c.gen++
	return m.step().Enter()
}

// leave cancels the current step's work.
func (m *Model) leave() {
	if m.cancel != nil {
		m.cancel()
		m.cancel = nil
	}
}

// Close cancels whatever work is running; the program calls it on exit.
func (m *Model) Close() { m.leave() }

// Update handles global keys first, then routes the rest to the current
// step.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.c.Width, m.c.Height = msg.Width, msg.Height
		m.help.SetWidth(msg.Width)
		m.restyleInputs()
		return m, m.step().Update(msg)
	case tea.BackgroundColorMsg:
		if m.opts.Color {
			m.opts.Dark = msg.IsDark()
			m.c.Styles = NewStyles(m.opts.Dark)
			m.restyle()
			m.restyleInputs()
			return m, m.step().Update(msg)
		}
		return m, nil
	case spinner.TickMsg:
		// The spinner only turns while work runs, so an idle wizard does
		// not redraw.
		if !m.step().Busy() {
			m.ticking = false
			return m, nil
		}
		var cmd tea.Cmd
		m.c.spinner, cmd = m.c.spinner.Update(msg)
		return m, cmd
	case tea.KeyPressMsg:
		if cmd, done := m.globalKey(msg); done {
			return m, cmd
		}
	case navMsg:
		return m, m.spin(m.navigate(msg))
	case progressMsg:
		if msg.gen != m.c.gen || msg.step != m.Current() {
			return m, nil // a stale stream of a step left behind
		}
	case streamEndMsg:
		if msg.gen != m.c.gen || msg.step != m.Current() {
			return m, nil
		}
	case doneMsg:
		if msg.gen != m.c.gen || msg.step != m.Current() {
			return m, nil
		}
	}
	return m, m.spin(m.step().Update(msg))
}

// spin adds the spinner's tick to cmd when work has started and the
// spinner is still.
func (m *Model) spin(cmd tea.Cmd) tea.Cmd {
	if m.ticking || !m.step().Busy() {
		return cmd
	}
	m.ticking = true
	return tea.Batch(cmd, m.c.spinner.Tick)
}

// restyleInputs gives every text field the current styles and width.
func (m *Model) restyleInputs() {
	for _, st := range m.steps {
		if in, ok := st.(interface{ inputs() []*textinput.Model }); ok {
			for _, t := range in.inputs() {
				m.c.styleInput(t)
			}
		}
	}
}

// globalKey handles quit, help and back; done reports that the key was
// used up.
func (m *Model) globalKey(msg tea.KeyPressMsg) (tea.Cmd, bool) {
	k := m.c.Keys
	if m.confirm {
		switch {
		case key.Matches(msg, k.Yes), key.Matches(msg, k.ForceQuit):
			return m.quit(), true
		case key.Matches(msg, k.No), key.Matches(msg, k.Quit):
			m.confirm = false
		}
		return nil, true
	}
	st := m.step()
	switch {
	case key.Matches(msg, k.ForceQuit), !st.Typing() && key.Matches(msg, k.Quit):
		if m.wouldLose() {
			m.confirm = true
			return nil, true
		}
		return m.quit(), true
	case key.Matches(msg, k.Help) && (!st.Typing() || msg.String() == "f1"):
		m.fullHelp = !m.fullHelp
		return nil, true
	case !st.Modal() && key.Matches(msg, k.Back):
		if m.c.Session.CanBack() {
			return m.c.back(), true
		}
		return nil, true
	}
	return nil, false
}

// wouldLose reports whether quitting now loses work: a running check, or
// answers given in the wizard whose report was not saved.
func (m *Model) wouldLose() bool {
	if m.step().Busy() {
		return true
	}
	if m.saved {
		return false
	}
	return m.Current() > m.c.Session.Path()[0]
}

func (m *Model) quit() tea.Cmd {
	m.leave()
	m.quitting = true
	return tea.Quit
}

// navigate leaves the current step (cancelling its work) and enters the
// next, the previous or the named one.
func (m *Model) navigate(msg navMsg) tea.Cmd {
	s := m.c.Session
	before := s.Current()
	switch {
	case msg.dir > 0:
		s.Next()
	case msg.dir < 0:
		s.Back()
	default:
		s.Goto(msg.to)
	}
	if s.Current() == before && msg.dir != 0 {
		return nil
	}
	m.fullHelp = false
	return m.enter()
}

// View draws the frame: header, the step's body, the status line and help.
func (m *Model) View() tea.View {
	v := tea.NewView(m.Render())
	v.AltScreen = !m.opts.NoAltScreen
	v.WindowTitle = "mailcfg setup"
	return v
}

// Render returns the frame as a string (what View shows).
func (m *Model) Render() string {
	if m.quitting {
		return ""
	}
	c := m.c
	w := c.Width
	var b strings.Builder
	b.WriteString(m.header())
	b.WriteString("\n\n")
	body := m.step().View()
	if m.confirm {
		body = m.confirmView()
	} else if m.fullHelp {
		body = c.Styles.Title.Render("Keys") + "\n\n" + m.help.FullHelpView(helpKeys{m.step().Keys(), c.Keys}.FullHelp())
	}
	h := c.bodyHeight()
	body = clip(body, w, h)
	b.WriteString(body)
	if n := strings.Count(body, "\n") + 1; n < h {
		b.WriteString(strings.Repeat("\n", h-n))
	}
	b.WriteString("\n\n")
	b.WriteString(truncate(m.shortHelp(), w))
	return b.String()
}

// shortHelp is the help bar. When the step's keys and the global ones do
// not fit the width, it leaves out esc (back), then the step's first keys
// (moving and scrolling, which the arrows make plain), so that "? help" and
// "q quit", which lead to the rest, always show.
func (m *Model) shortHelp() string {
	k := m.c.Keys
	step := m.step().Keys()
	global := []key.Binding{k.Back, k.Help, k.Quit}
	whole := m.help
	whole.SetWidth(0)
	fits := func() bool {
		return ansi.StringWidth(whole.ShortHelpView(append(append([]key.Binding(nil), step...), global...))) <= m.c.Width
	}
	if !fits() {
		global = global[1:]
	}
	for len(step) > 1 && !fits() {
		step = step[1:]
	}
	return m.help.ShortHelpView(append(step, global...))
}

// header is the title line and the row of step names, the current one
// marked by brackets as well as style.
func (m *Model) header() string {
	c := m.c
	s := c.Session
	cur := s.Current()
	path := s.Path()
	pos := 0
	for i, id := range path {
		if id == cur {
			pos = i + 1
		}
	}
	title := c.Styles.Title.Render("mailcfg setup") + c.Styles.Dim.Render(" — ") +
		c.Styles.Label.Render(cur.Info().Title) + c.Styles.Dim.Render(fmt.Sprintf(" (%d of %d)", pos, len(path)))
	var names []string
	for _, id := range path {
		n := id.String()
		switch {
		case id == cur:
			names = append(names, c.Styles.StepCur.Render("["+n+"]"))
		case id < cur:
			names = append(names, c.Styles.StepDone.Render(n))
		default:
			names = append(names, c.Styles.StepTodo.Render(n))
		}
	}
	return truncate(title, c.Width) + "\n" + truncate(strings.Join(names, " "), c.Width)
}

func (m *Model) confirmView() string {
	c := m.c
	why := "Your answers and results are not saved."
	if m.step().Busy() {
		why = "A check is still running; it will be stopped."
	}
	box := c.Styles.Box.Render(c.Styles.Label.Render("Quit mailcfg setup?") + "\n\n" + why + "\n\n" +
		c.Styles.Key.Render("y") + " quit   " + c.Styles.Key.Render("n") + " stay")
	return box
}
