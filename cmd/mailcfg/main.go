// Command mailcfg gets a domain's outgoing email right: it checks a sending
// provider's SMTP handshake, audits the domain's SPF, DKIM, DMARC, MTA-STS and
// TLS-RPT records, prints the exact records to publish and sends a DKIM-signed
// test message. See the command-line contract for its commands, JSON and exit
// codes.
package main

import (
	"context"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/charmbracelet/x/term"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	code := run(ctx, os.Args[1:], newStdio())
	stop()
	os.Exit(code)
}

// stdio is what a command may touch of its process: its streams, its
// environment and whether those streams are terminals.
type stdio struct {
	In       io.Reader
	Out, Err io.Writer
	InTTY    bool
	OutTTY   bool
	Getenv   func(string) string
}

func newStdio() stdio {
	return stdio{
		In: os.Stdin, Out: os.Stdout, Err: os.Stderr,
		InTTY:  term.IsTerminal(os.Stdin.Fd()),
		OutTTY: term.IsTerminal(os.Stdout.Fd()),
		Getenv: os.Getenv,
	}
}
