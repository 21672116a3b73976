package tui

import "charm.land/bubbles/v2/key"

// KeyMap is every key binding of the wizard. Global keys (quit, help, back)
// are handled by the root model first; the steps use the rest.
type KeyMap struct {
	Quit      key.Binding // q (when no text field has focus) and ctrl+c
	ForceQuit key.Binding // ctrl+c: quits even from a text field
	Help      key.Binding
	Next      key.Binding
	Back      key.Binding
	Up        key.Binding
	Down      key.Binding
	Tab       key.Binding
	Toggle    key.Binding // expand a finding, tick a checkbox
	Copy      key.Binding
	Save      key.Binding
	Again     key.Binding // "check again", retry
	ToPort    key.Binding // handshake failed: back to the port
	ToCreds   key.Binding // handshake failed: back to the credentials
	Yes, No   key.Binding // the quit question
	PageUp    key.Binding
	PageDown  key.Binding
}

// DefaultKeyMap returns the wizard's keys.
func DefaultKeyMap() KeyMap {
	b := func(keys []string, k, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(k, desc))
	}
	return KeyMap{
		Quit:      b([]string{"q", "ctrl+c"}, "q", "quit"),
		ForceQuit: b([]string{"ctrl+c"}, "ctrl+c", "quit"),
		Help:      b([]string{"?", "f1"}, "?", "help"),
		Next:      b([]string{"enter"}, "enter", "next"),
		Back:      b([]string{"esc", "shift+tab"}, "esc", "back"),
		Up:        b([]string{"up", "k", "ctrl+p"}, "↑/k", "up"),
		Down:      b([]string{"down", "j", "ctrl+n"}, "↓/j", "down"),
		Tab:       b([]string{"tab"}, "tab", "next field"),
		Toggle:    b([]string{"space"}, "space", "expand"),
		Copy:      b([]string{"c"}, "c", "copy"),
		Save:      b([]string{"s"}, "s", "save"),
		Again:     b([]string{"r"}, "r", "recheck"),
		ToPort:    b([]string{"p"}, "p", "port"),
		ToCreds:   b([]string{"u"}, "u", "credentials"),
		Yes:       b([]string{"y", "Y"}, "y", "yes, quit"),
		No:        b([]string{"n", "N", "esc"}, "n", "no, stay"),
		PageUp:    b([]string{"pgup"}, "pgup", "scroll up"),
		PageDown:  b([]string{"pgdown"}, "pgdn", "scroll down"),
	}
}

// helpKeys adapts a step's bindings to bubbles/help: the short help is the
// step's keys plus the global ones, the full help adds the rest.
type helpKeys struct {
	step []key.Binding
	km   KeyMap
}

// ShortHelp implements help.KeyMap.
func (h helpKeys) ShortHelp() []key.Binding {
	return append(append([]key.Binding(nil), h.step...), h.km.Back, h.km.Help, h.km.Quit)
}

// FullHelp implements help.KeyMap.
func (h helpKeys) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		h.step,
		{h.km.Next, h.km.Back, h.km.Tab, h.km.Up, h.km.Down},
		{h.km.PageUp, h.km.PageDown, h.km.Help, h.km.Quit, h.km.ForceQuit},
	}
}

// moveHelp is one help entry for the list keys, to keep the bar short.
func (k KeyMap) moveHelp() key.Binding {
	return key.NewBinding(key.WithKeys("up", "down"), key.WithHelp("↑↓", "move"))
}

// scrollHelp is one help entry for the transcript's keys.
func (k KeyMap) scrollHelp() key.Binding {
	return key.NewBinding(key.WithKeys("pgup", "pgdown"), key.WithHelp("pgup/pgdn", "scroll"))
}
