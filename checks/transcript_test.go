package checks

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

func TestTranscriptWriters(t *testing.T) {
	lines := []Line{
		{Dir: DirNote, Text: "connecting"},
		{Dir: DirServer, Text: "220 ```evil``` fence", At: 1500 * time.Millisecond},
		{Dir: DirClient, Text: "STARTTLS"},
		{Dir: DirNote, Text: noteTLSPrefix + "TLS 1.3"},
		{Dir: DirClient, Text: "AUTH PLAIN " + Masked},
	}
	var txt, md strings.Builder
	if err := WriteTranscriptText(&txt, lines); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"*** connecting", "  1.500s  <-  220", " -> STARTTLS", " ~> AUTH PLAIN ********"} {
		if !strings.Contains(txt.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, txt.String())
		}
	}
	if err := WriteTranscriptMarkdown(&md, "Ticket", "OK: all passed", lines); err != nil {
		t.Fatal(err)
	}
	m := md.String()
	if !strings.HasPrefix(m, "## Ticket\n\nOK: all passed\n") || !strings.Contains(m, "````text\n") || !strings.HasSuffix(m, "\n````\n") {
		t.Errorf("Markdown: the fence must outgrow the server's backticks:\n%s", m)
	}
	if got := InTLS(lines); got[3] || !got[4] {
		t.Errorf("InTLS = %v", got)
	}
}

func TestTranscriptScrubsSecretForms(t *testing.T) {
	s := NewSecret("pa55word")
	tr := &transcript{start: time.Now(), scrub: s.Forms("bob")}
	tr.add(DirServer, "535 no such user bob / pa55word / "+s.Forms("bob")[2])
	if strings.Contains(tr.lines[0].Text, "pa55word") || strings.Contains(tr.lines[0].Text, s.Forms("bob")[2]) {
		t.Errorf("echoed secret kept: %q", tr.lines[0].Text)
	}
}

// Server text is shown with its control characters escaped, so it can
// neither paint the terminal nor move the cursor.
func ExampleSanitize() {
	fmt.Println(Sanitize("220 evil\x1b[2J\x07 ready", 0))
	// Output: 220 evil\x1b[2J\x07 ready
}

// A transcript as text: swaks-style markers, and ******** for AUTH.
func ExampleWriteTranscriptText() {
	_ = WriteTranscriptText(os.Stdout, []Line{
		{Dir: DirServer, Text: "220 mx.example.test ESMTP"},
		{Dir: DirClient, Text: "EHLO client.example.test"},
		{Dir: DirNote, Text: noteTLSPrefix + "TLS 1.3, TLS_AES_128_GCM_SHA256"},
		{Dir: DirClient, Text: "AUTH PLAIN ********"},
		{Dir: DirServer, Text: "235 2.7.0 Authentication successful"},
	})
	// Output:
	//   0.000s  <-  220 mx.example.test ESMTP
	//   0.000s   -> EHLO client.example.test
	//   0.000s  *** TLS started: TLS 1.3, TLS_AES_128_GCM_SHA256
	//   0.000s   ~> AUTH PLAIN ********
	//   0.000s  <~  235 2.7.0 Authentication successful
}
