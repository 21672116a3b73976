package tui

import (
	"testing"

	"github.com/mailcfg/mailcfg/providers"
	"github.com/mailcfg/mailcfg/wizard"
)

// BenchmarkFirstFrame measures the wizard's own share of the time to the
// first frame: a session over the builtin catalogue, the model, Init (its
// Cmds are not run) and the first Render at 80×24. scripts/first-frame.sh
// measures the whole start in a real terminal.
func BenchmarkFirstFrame(b *testing.B) {
	cat := providers.Builtin()
	b.ReportAllocs()
	for b.Loop() {
		m := New(wizard.NewSession(wizard.Env{Catalog: cat}), Options{Color: true, Dark: true})
		m.Init()
		if m.Render() == "" {
			b.Fatal("empty frame")
		}
		m.Close()
	}
}
