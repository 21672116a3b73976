package checks

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// Transcript notes that mark where TLS begins; the printers draw every line
// after one of them with the in-TLS markers.
const (
	noteTLSPrefix = "TLS started: "
)

// transcript records a session's lines in order, with their time offsets,
// and streams each to a sink as it is recorded. It is used from one
// goroutine.
type transcript struct {
	start time.Time
	lines []Line
	sink  Sink
	scrub []string // secret forms replaced by ******** in anything recorded
}

func (t *transcript) add(dir Direction, text string) {
	l := Line{Dir: dir, Text: t.redact(text), At: time.Since(t.start)}
	t.lines = append(t.lines, l)
	if t.sink != nil {
		t.sink(Event{Kind: EventLine, Line: l})
	}
}

// scrubForms are the secret's forms (Secret.Forms) and, for a form with a
// byte Sanitize escapes, its escaped spelling too: replies are sanitised
// before they are redacted.
func scrubForms(s Secret, user string) []string {
	forms := s.Forms(user)
	for _, f := range forms {
		if e := Sanitize(f, len(f)*4+1); e != f {
			forms = append(forms, e)
		}
	}
	return forms
}

// redact replaces every form of the secret in text by ********: a server
// may quote the AUTH payload back, and its reply then reaches findings,
// stages and the banner as well as the transcript.
func (t *transcript) redact(text string) string {
	for _, s := range t.scrub {
		if s != "" && strings.Contains(text, s) {
			text = strings.ReplaceAll(text, s, Masked)
		}
	}
	return text
}

func (t *transcript) note(format string, args ...any) {
	t.add(DirNote, fmt.Sprintf(format, args...))
}

// InTLS reports, for each line, whether it was sent or received inside a TLS
// session (after the note that says TLS started).
func InTLS(lines []Line) []bool {
	out := make([]bool, len(lines))
	on := false
	for i, l := range lines {
		out[i] = on
		if l.Dir == DirNote && strings.HasPrefix(l.Text, noteTLSPrefix) {
			on = true
		}
	}
	return out
}

// Marker is the swaks-style direction marker of a line: "<- " from the
// server, " -> " from the client, "<~ " and " ~> " inside TLS, "*** " for a
// note.
func Marker(l Line, inTLS bool) string {
	switch {
	case l.Dir == DirNote:
		return "*** "
	case l.Dir == DirServer && inTLS:
		return "<~  "
	case l.Dir == DirServer:
		return "<-  "
	case inTLS:
		return " ~> "
	}
	return " -> "
}

// WriteTranscriptText writes lines as plain text, one a line: the time
// offset, the direction marker and the text (already redacted and
// sanitised when recorded).
func WriteTranscriptText(w io.Writer, lines []Line) error {
	tls := InTLS(lines)
	for i, l := range lines {
		if _, err := fmt.Fprintf(w, "%8s  %s%s\n", fmtOffset(l.At), Marker(l, tls[i]), l.Text); err != nil {
			return err
		}
	}
	return nil
}

// WriteTranscriptMarkdown writes lines as a Markdown section for a support
// ticket: a heading, an optional summary paragraph and the transcript in a
// fenced code block (the fence is longer than any backtick run in the
// text, so server text cannot close it).
func WriteTranscriptMarkdown(w io.Writer, title, summary string, lines []Line) error {
	var b strings.Builder
	if err := WriteTranscriptText(&b, lines); err != nil {
		return err
	}
	fence := "```"
	for strings.Contains(b.String(), fence) {
		fence += "`"
	}
	if title == "" {
		title = "SMTP transcript"
	}
	_, err := fmt.Fprintf(w, "## %s\n\n", title)
	if err == nil && summary != "" {
		_, err = fmt.Fprintf(w, "%s\n\n", summary)
	}
	if err == nil {
		_, err = fmt.Fprintf(w, "Secrets are shown as `%s`. Markers: `<-` server, `->` client, `~` inside TLS, `***` notes.\n\n%stext\n%s%s\n", Masked, fence, b.String(), fence)
	}
	return err
}

// fmtOffset prints a time offset as seconds with millisecond precision.
func fmtOffset(d time.Duration) string {
	return fmt.Sprintf("%.3fs", d.Seconds())
}
