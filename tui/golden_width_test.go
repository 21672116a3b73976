package tui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

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
