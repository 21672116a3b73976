package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/mailcfg/mailcfg/checks"
)

// Findings carry text from DNS records and servers: drawn, it must not hold
// a single control byte, while the checks' own line breaks stay.
func TestPrintFindingsSanitises(t *testing.T) {
	var b bytes.Buffer
	printFindings(&b, painter(false), []checks.Finding{{
		ID: "spf.syntax", Status: checks.StatusFail,
		Title:    "bad \x1b[2J record",
		Detail:   "line one\nline \x07two",
		Evidence: "v=spf1 \x1b]0;pwned\x07 -all",
		Fix:      "remove \r it",
	}})
	out := b.String()
	for _, c := range out {
		if c < 0x20 && c != '\n' {
			t.Fatalf("control byte %q reached the output:\n%q", c, out)
		}
	}
	for _, want := range []string{`bad \x1b[2J record`, "line one\n           line \\x07two", `\x1b]0;pwned\x07`, `remove \r it`, "SPF"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}
