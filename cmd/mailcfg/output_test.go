package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
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

func TestPrintJSONEscapesDELAndC1(t *testing.T) {
	var b bytes.Buffer
	if err := printJSON(&b, map[string]string{"cert_subject": "CN=x\u009b2J\x7fy\x1b"}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, r := range out {
		if r < 0x20 && r != '\n' || r >= 0x7f && r <= 0x9f {
			t.Fatalf("control %U reached the JSON: %q", r, out)
		}
	}
	var back map[string]string
	if err := json.Unmarshal(b.Bytes(), &back); err != nil || back["cert_subject"] != "CN=x\u009b2J\x7fy\x1b" {
		t.Fatalf("JSON does not decode back to the value: %v %q", err, back)
	}
}

func TestReadKeyFileRefusesHugeAndSpecialFiles(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big.pem")
	if err := os.WriteFile(big, bytes.Repeat([]byte("A"), maxKeyFileBytes+1), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := readKeyFile(big); err == nil || !strings.Contains(err.Error(), "too large") {
		t.Fatalf("a huge file: err = %v", err)
	}
	if _, err := readKeyFile(dir); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Fatalf("a directory: err = %v", err)
	}
}
