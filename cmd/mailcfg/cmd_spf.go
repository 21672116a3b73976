package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/mailcfg/mailcfg/checks"
)

func init() { commands = append(commands, newSPFCmd) }

// spfOptions are the inputs of `mailcfg spf`.
type spfOptions struct {
	Domain   string
	IP       net.IP
	Sender   string // "" means postmaster@Domain
	Helo     string // "" means Domain
	JSON     bool
	Color    bool
	Resolver checks.Resolver
	// Limit bounds the whole evaluation (RFC 7208 §4.6.4 asks for at least
	// 20 seconds).
	Limit time.Duration
}

func newSPFCmd(a *app) *cobra.Command {
	var ip, sender, helo string
	cmd := &cobra.Command{
		Use:   "spf DOMAIN --ip IP [--sender ADDR] [--helo NAME]",
		Short: "Evaluate SPF for a connection (RFC 7208 check_host) and show how",
		Long: `Run RFC 7208 check_host() for mail from --ip claiming DOMAIN: the result
(pass, fail, softfail, neutral, none, permerror, temperror), the explanation a
fail carries, the DNS-lookup and void-lookup counts against their limits of
10 and 2, and a trace of every step.

DOMAIN goes to check_host as given: a malformed one yields none or permerror
as RFC 7208 §4.3 says. --sender defaults to postmaster@DOMAIN and --helo to
DOMAIN. The command exits 0 whenever it reached a result, whatever the
result; 2 for a bad --ip.`,
		Example: "  mailcfg spf example.com --ip 192.0.2.1\n  mailcfg spf example.com --ip 2001:db8::25 --sender bounce@example.com --json",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if ip == "" {
				return usagef("spf: --ip is required: give the connecting client's address, e.g. --ip 192.0.2.1")
			}
			addr, err := netip.ParseAddr(ip)
			if err != nil || addr.Zone() != "" {
				return usagef("spf: --ip %q is not an IP address; give one like 192.0.2.1 or 2001:db8::1", ip)
			}
			opts := spfOptions{Domain: args[0], IP: net.IP(addr.AsSlice()), Sender: sender, Helo: helo,
				JSON: a.JSON, Color: a.color(), Resolver: checks.NewCache(a.resolver()), Limit: 30 * time.Second}
			return runSPF(cmd.Context(), opts, a.stdio)
		},
	}
	f := cmd.Flags()
	f.StringVar(&ip, "ip", "", "the connecting client's IP address (IPv4 or IPv6)")
	f.StringVar(&sender, "sender", "", "the MAIL FROM address (default postmaster@DOMAIN)")
	f.StringVar(&helo, "helo", "", "the HELO/EHLO name, for the %{h} macro (default DOMAIN)")
	return cmd
}

// runSPF evaluates and prints the result; every result is a normal exit.
func runSPF(ctx context.Context, opts spfOptions, io stdio) error {
	if opts.Sender == "" {
		opts.Sender = "postmaster@" + opts.Domain
	}
	if opts.Helo == "" {
		opts.Helo = opts.Domain
	}
	if opts.Limit > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, opts.Limit)
		defer cancel()
	}
	res := checks.CheckHost(ctx, opts.Resolver, opts.IP, opts.Domain, opts.Sender, opts.Helo)
	if errors.Is(ctx.Err(), context.Canceled) {
		return ctx.Err() // interrupted: exit 130
	}
	if res.Trace == nil {
		res.Trace = []string{}
	}
	if opts.JSON {
		return printJSON(io.Out, res)
	}
	printSPF(io.Out, painter(opts.Color), opts, res)
	return nil
}

// printSPF writes the human report: the result in its colour, what decided
// it, the explanation, the counts and the trace.
func printSPF(w io.Writer, p painter, opts spfOptions, res *checks.SPFResult) {
	clean := func(s string) string { return checks.Sanitize(s, 1000) }
	fmt.Fprintf(w, "%s %s\n", p.bold("SPF check_host for"), clean(opts.Domain))
	fmt.Fprintf(w, "  %s %s   %s %s   %s %s\n", p.dim("client"), opts.IP, p.dim("sender"), clean(opts.Sender), p.dim("helo"), clean(opts.Helo))
	fmt.Fprintf(w, "\n  %s  %s\n", p.bold("result"), spfResultWord(p, res.Result))
	if res.Mechanism != "" {
		fmt.Fprintf(w, "  %s  %s %s\n", p.dim("decided by"), clean(res.Mechanism), p.dim("in "+clean(res.Domain)))
	}
	if res.Explanation != "" {
		fmt.Fprintf(w, "  %s  %s\n", p.dim("explanation"), clean(res.Explanation))
	}
	lookups := fmt.Sprintf("%d/10", res.Lookups)
	if res.Lookups > 10 {
		lookups = p.red(lookups)
	}
	voids := fmt.Sprintf("%d/2", res.VoidLookups)
	if res.VoidLookups > 2 {
		voids = p.red(voids)
	}
	fmt.Fprintf(w, "  %s  %s   %s  %s\n", p.dim("DNS lookups"), lookups, p.dim("void lookups"), voids)
	if res.Record != "" {
		fmt.Fprintf(w, "  %s  %s\n", p.dim("record"), clean(res.Record))
	}
	fmt.Fprintf(w, "\n%s\n", p.bold("Trace"))
	for _, l := range res.Trace {
		fmt.Fprintf(w, "  %s\n", clean(l))
	}
	fmt.Fprintf(w, "\n%s\n", p.dim(spfMeaning(res.Result)))
}

// spfResultWord is the result in its colour, readable without it.
func spfResultWord(p painter, r string) string {
	switch r {
	case checks.SPFPass:
		return p.green("✓ " + r)
	case checks.SPFFail, checks.SPFPermError:
		return p.red("✗ " + r)
	case checks.SPFSoftFail:
		return p.yellow("~ " + r)
	case checks.SPFTempError:
		return p.paint(sgrBold+sgrYellow, "? "+r)
	}
	return p.blue("· " + r)
}

// spfMeaning says in a sentence what a result means to a receiver (RFC 7208
// §2.6, §8).
func spfMeaning(r string) string {
	switch r {
	case checks.SPFPass:
		return "pass: the client is authorized to send for the domain (RFC 7208 §2.6.3)."
	case checks.SPFFail:
		return "fail: the domain says this client may not send for it; receivers may reject (RFC 7208 §2.6.4)."
	case checks.SPFSoftFail:
		return "softfail: probably not authorized; receivers accept but mark the mail (RFC 7208 §2.6.5)."
	case checks.SPFNeutral:
		return "neutral: the domain makes no assertion about this client (RFC 7208 §2.6.2)."
	case checks.SPFNone:
		return "none: no SPF record, or the domain is not a valid domain name (RFC 7208 §2.6.1, §4.3)."
	case checks.SPFPermError:
		return "permerror: the domain's SPF is broken and needs a fix by its owner (RFC 7208 §2.6.7)."
	case checks.SPFTempError:
		return "temperror: a DNS lookup failed; try again later (RFC 7208 §2.6.6)."
	}
	return strings.TrimSpace(r)
}
