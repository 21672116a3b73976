package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/mailcfg/mailcfg/checks"
)

// transcriptPrinter prints transcript lines as they arrive, swaks-style:
// time offset, direction marker ("<- " server, " -> " client, "<~ " and
// " ~> " inside TLS, "*** " notes) and the text, in colour when colour is on:
// client lines cyan, server 2xx/3xx green, 4xx yellow, 5xx red, notes dim.
type transcriptPrinter struct {
	w     io.Writer
	p     painter
	inTLS bool
}

// line prints one transcript line.
func (t *transcriptPrinter) line(l checks.Line) {
	mark := checks.Marker(l, t.inTLS)
	text := mark + l.Text
	switch l.Dir {
	case checks.DirClient:
		text = t.p.cyan(text)
	case checks.DirServer:
		text = t.serverColour(l.Text, text)
	default:
		text = t.p.dim(text)
	}
	fmt.Fprintf(t.w, "%s %s\n", t.p.dim(fmt.Sprintf("%7.3fs", l.At.Seconds())), text)
	if checks.InTLS([]checks.Line{l, {}})[1] {
		t.inTLS = true
	}
}

// serverColour colours a server line by its reply code's class.
func (t *transcriptPrinter) serverColour(raw, text string) string {
	if len(raw) >= 1 {
		switch raw[0] {
		case '2', '3':
			return t.p.green(text)
		case '4':
			return t.p.yellow(text)
		case '5':
			return t.p.red(text)
		}
	}
	return text
}

// printTranscript prints a whole transcript.
func printTranscript(w io.Writer, p painter, lines []checks.Line) {
	t := &transcriptPrinter{w: w, p: p}
	for _, l := range lines {
		t.line(l)
	}
}

// openTranscriptFile creates the --transcript-file before any network step
// (so a bad path fails first, exit 2); it is written with mode 0600 since it
// names the user and the servers.
func openTranscriptFile(path string) (*os.File, error) {
	if path == "" {
		return nil, nil
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, usagef("--transcript-file %s: %v; give a writable path", path, unwrapPathError(err))
	}
	// An existing file keeps its mode through O_TRUNC: make it private too.
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return nil, usagef("--transcript-file %s: %v; give a path you own", path, unwrapPathError(err))
	}
	return f, nil
}

// writeTranscriptFile writes the redacted transcript as Markdown when the
// file's name ends in .md, else as plain text, and closes it.
func writeTranscriptFile(f *os.File, title, summary string, lines []checks.Line) error {
	if f == nil {
		return nil
	}
	var err error
	if strings.HasSuffix(strings.ToLower(f.Name()), ".md") {
		err = checks.WriteTranscriptMarkdown(f, title, summary, lines)
	} else {
		if summary != "" {
			_, err = fmt.Fprintf(f, "# %s\n# %s\n", title, summary)
		}
		if err == nil {
			err = checks.WriteTranscriptText(f, lines)
		}
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
