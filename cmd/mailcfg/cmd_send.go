package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/net/idna"

	"github.com/mailcfg/mailcfg/checks"
)

func init() { commands = append(commands, newSendCmd) }

// sendOptions are the inputs of `mailcfg send`.
type sendOptions struct {
	Send           checks.SendOptions
	JSON, Color    bool
	TranscriptFile string
}

func newSendCmd(a *app) *cobra.Command {
	var t targetFlags
	var o sendOptions
	var from, to, keyFile, selector, dkimDomain string
	c := &cobra.Command{
		Use:   "send --from F --to T",
		Short: "Send a DKIM-signed test message and show the transcript and queue id",
		Long: `Build a proper test message (Date, Message-ID on the sender's domain, a Subject
with a run id, a body naming the settings tested), DKIM-sign it when --dkim-key
and --selector are given (relaxed/relaxed, rsa-sha256 or ed25519-sha256),
verify the signature against the key published in DNS — the check a receiver
makes — then send it and print the colour-coded transcript and the server's
queue id. Target and secret flags are those of check smtp.`,
		Example: `  SMTP_PASSWORD=... mailcfg send --provider postmark --user TOKEN --password-env SMTP_PASSWORD \
      --from me@example.com --to you@example.net --dkim-key dkim.pem --selector s1`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f, err := bareAddress("--from", from)
			if err != nil {
				return err
			}
			r, err := bareAddress("--to", to)
			if err != nil {
				return err
			}
			if (keyFile == "") != (selector == "") {
				return usagef("--dkim-key and --selector go together: give both to sign, or neither")
			}
			if selector != "" {
				if err := validHost(selector); err != nil || strings.Contains(selector, "_") {
					return usagef("--selector %q is not a valid DNS label", selector)
				}
			}
			if dkimDomain != "" {
				// RFC 8616 §4: d= is in A-labels; an IDN is converted.
				ascii, err := idna.Lookup.ToASCII(dkimDomain)
				if err == nil {
					err = validHost(ascii)
				}
				if err != nil {
					return usagef("--dkim-domain %q: %v", dkimDomain, err)
				}
			}
			s := checks.SendOptions{From: f, To: r, Selector: selector, DKIMDomain: dkimDomain}
			if keyFile != "" {
				if s.DKIMKey, err = readKeyFile(keyFile); err != nil {
					return err
				}
			}
			if s.HandshakeOptions, err = t.options(a); err != nil {
				return err
			}
			o.Send, o.JSON, o.Color = s, a.JSON, a.color()
			return runSend(cmd.Context(), o, a.stdio)
		},
	}
	t.bind(c)
	fl := c.Flags()
	fl.StringVar(&from, "from", "", "sender `address` (envelope and From:)")
	fl.StringVar(&to, "to", "", "recipient `address`")
	fl.StringVar(&keyFile, "dkim-key", "", "DKIM private key PEM `file` (PKCS#8 or PKCS#1) to sign with")
	fl.StringVar(&selector, "selector", "", "DKIM `selector` the key is published under")
	fl.StringVar(&dkimDomain, "dkim-domain", "", "signing `domain` d= (default: the --from domain)")
	fl.StringVar(&o.TranscriptFile, "transcript-file", "", "save the redacted transcript to `F` (Markdown when F ends in .md)")
	return c
}

// bareAddress checks that v is one plain address (local@domain), as the
// envelope needs (checks.ParseAddress: RFC 5321 §4.1.2, a UTF-8 local part
// per RFC 6531, an IDN domain per RFC 5890). It returns v as given; Send
// converts the domain to A-labels.
func bareAddress(flag, v string) (string, error) {
	if v == "" {
		return "", usagef("send needs %s ADDRESS", flag)
	}
	if _, err := checks.ParseAddress(v); err != nil {
		why := "it is not an address"
		var ae *checks.AddressError
		if errors.As(err, &ae) {
			why = ae.Reason
		}
		return "", usagef("%s %q: %s; give one bare address, like name@example.com or name@bücher.example", flag, v, why)
	}
	return v, nil
}

// runSend sends and prints the report.
func runSend(ctx context.Context, o sendOptions, io stdio) error {
	tf, err := openTranscriptFile(o.TranscriptFile)
	if err != nil {
		return err
	}
	p := painter(o.Color)
	var sink checks.Sink
	h := o.Send.HandshakeOptions
	if !o.JSON {
		fmt.Fprintf(io.Out, "%s %s → %s via %s port %d (%s)\n", p.bold("send"), o.Send.From, o.Send.To, h.Host, h.Port, h.TLS)
		sink = liveSink(io.Out, p, true)
	}
	rep := checks.Send(ctx, o.Send, sink)
	title := fmt.Sprintf("mailcfg send %s → %s via %s:%d (%s)", o.Send.From, o.Send.To, rep.Host, rep.Port, rep.TLS)
	summary := "queue id " + rep.QueueID + ", message id " + rep.MessageID
	if err := writeTranscriptFile(tf, title, summary, rep.Transcript); err != nil {
		fmt.Fprintf(io.Err, "mailcfg: writing %s: %v\n", o.TranscriptFile, err)
	}
	if o.JSON {
		if err := printJSON(io.Out, rep); err != nil {
			return err
		}
		return exitFor(rep.Summary())
	}
	printTLSInfo(io.Out, p, rep.TLSInfo)
	if rep.DKIM.Signed {
		v := p.green("verified against DNS")
		if !rep.DKIM.Verified {
			v = p.red("NOT verified: " + safeText(rep.DKIM.Error))
		}
		fmt.Fprintf(io.Out, "  %s %s d=%s s=%s, %s\n", p.dim("dkim:"), rep.DKIM.Algorithm, rep.DKIM.Domain, rep.DKIM.Selector, v)
	}
	fmt.Fprintf(io.Out, "  %s %s\n  %s %s\n", p.dim("message id:"), rep.MessageID, p.dim("queue id:"), orDash(safeText(rep.QueueID)))
	if rep.AuthResults != "" {
		fmt.Fprintf(io.Out, "  %s %s\n", p.dim("receiver:"), safeText(rep.AuthResults))
	}
	printFindings(io.Out, p, rep.Findings)
	fmt.Fprintf(io.Out, "\n%s\n", okVerdict(p, rep.OK))
	return exitFor(rep.Summary())
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
