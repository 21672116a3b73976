package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/mailcfg/mailcfg/checks"
)

func TestTranscriptColoursAndMarkers(t *testing.T) {
	lines := []checks.Line{
		{Dir: checks.DirNote, Text: "connected to 127.0.0.1:587"},
		{Dir: checks.DirServer, Text: "220 mx.test ESMTP", At: 5 * time.Millisecond},
		{Dir: checks.DirClient, Text: "STARTTLS"},
		{Dir: checks.DirNote, Text: "TLS started: TLS 1.3, TLS_AES_128_GCM_SHA256"},
		{Dir: checks.DirClient, Text: "AUTH PLAIN ********"},
		{Dir: checks.DirServer, Text: "451 4.3.0 try later"},
		{Dir: checks.DirServer, Text: "535 5.7.8 no"},
		{Dir: checks.DirServer, Text: "334 VXNlcm5hbWU6"},
	}
	var plain, colour bytes.Buffer
	printTranscript(&plain, painter(false), lines)
	printTranscript(&colour, painter(true), lines)
	p := plain.String()
	for _, want := range []string{"*** connected", "<-  220 mx.test", " -> STARTTLS", " ~> AUTH PLAIN ********", "<~  451", "0.005s"} {
		if !strings.Contains(p, want) {
			t.Errorf("plain transcript lacks %q:\n%s", want, p)
		}
	}
	if strings.Contains(p, "\x1b") {
		t.Error("colour off, but escapes printed")
	}
	c := colour.String()
	for _, want := range []string{sgrGreen + "<-  220", sgrCyan + " -> STARTTLS", sgrYellow + "<~  451", sgrRed + "<~  535", sgrGreen + "<~  334", sgrDim + "*** connected"} {
		if !strings.Contains(c, want) {
			t.Errorf("coloured transcript lacks %q:\n%q", want, c)
		}
	}
}
