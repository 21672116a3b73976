package tui

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// TestGoldensFit80x24 reads every golden view in testdata/ and holds each
// to the 80×24 terminal the issue promises: no line wider than 80 cells
// (counted as a terminal does, styles aside and wide runes as two), no more
// than 24 lines; and every view has both its coloured and its NO_COLOR
// golden.
func TestGoldensFit80x24(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join("testdata", "*.golden"))
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) < 30 {
		t.Fatalf("only %d golden views in testdata/", len(paths))
	}
	names := map[string]bool{}
	for _, p := range paths {
		names[filepath.Base(p)] = true
	}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(string(data), "\n")
		if len(lines) > 24 {
			t.Errorf("%s: %d lines, more than 24", p, len(lines))
		}
		for i, l := range lines {
			if w := ansi.StringWidth(l); w > 80 {
				t.Errorf("%s:%d: %d cells, wider than 80: %q", p, i+1, w, ansi.Strip(l))
			}
		}
		// The help bar always leads to the rest of the keys, and out.
		if last := ansi.Strip(lines[len(lines)-1]); !strings.HasSuffix(last, "? help • q quit") {
			t.Errorf("%s: the help bar lacks ? help and q quit: %q", p, last)
		}
		base := filepath.Base(p)
		var twin string
		if strings.HasSuffix(base, ".nocolor.golden") {
			twin = strings.TrimSuffix(base, ".nocolor.golden") + ".golden"
		} else {
			twin = strings.TrimSuffix(base, ".golden") + ".nocolor.golden"
		}
		if !names[twin] {
			t.Errorf("%s has no twin %s", p, twin)
		}
	}
}

// TestListsSayWhatIsHidden: a list taller than the screen says how many
// rows are above and below the window.
func TestListsSayWhatIsHidden(t *testing.T) {
	h := newHarness(t, false, nil)
	h.send(tea.WindowSizeMsg{Width: 80, Height: 12})
	n := len(h.m.c.Session.Env.Catalog.All())
	h.wantScreen("↓ " + strconv.Itoa(n-2) + " more below")
	h.keys("down", "down", "down")
	h.wantScreen("more above")
	for i, l := range strings.Split(h.m.Render(), "\n") {
		if w := ansi.StringWidth(l); w > 80 || i >= 12 {
			t.Fatalf("line %d does not fit 80×12: %q", i+1, ansi.Strip(l))
		}
	}
}
