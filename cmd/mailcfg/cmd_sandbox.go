package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/spf13/cobra"

	"github.com/mailcfg/mailcfg/checks"
	"github.com/mailcfg/mailcfg/sandbox"
)

func init() { commands = append(commands, newSandboxCmd) }

// sandboxOptions are the flags of `mailcfg sandbox`.
type sandboxOptions struct {
	SMTPHost string // IP address the SMTP and HTTPS servers listen on
	DNS      string // IP:port of the DNS server (port 0: a free one)
}

func newSandboxCmd(a *app) *cobra.Command {
	var o sandboxOptions
	cmd := &cobra.Command{
		Use:   "sandbox [--smtp-host IP] [--dns ADDR]",
		Short: "Run the embedded sandbox (SMTP, DNS, MTA-STS) until interrupted",
		Long: `Runs the embedded sandbox in the foreground until Ctrl-C or SIGTERM: a
capturing SMTP server (STARTTLS and implicit TLS with AUTH, plain without),
an authoritative DNS server for the zone example.test whose MX, SPF, DKIM,
DMARC, MTA-STS, TLS-RPT and PTR records agree with it, and the HTTPS server
of its MTA-STS policy. Certificates come from a CA made at start and written
to the CA file shown. The user and password shown are throwaway credentials
made for this run. Each message the server accepts is shown with its
headers, its DKIM result and its Authentication-Results.

With --json the first stdout line describes the sandbox and each captured
message adds one line. Stopping it with Ctrl-C or SIGTERM is the normal
end: it exits 0.`,
		Example: `  mailcfg sandbox
  mailcfg sandbox --json --dns 127.0.0.1:5353`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runSandbox(cmd.Context(), a, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.SMTPHost, "smtp-host", "127.0.0.1", "IP `address` the SMTP and HTTPS servers listen on and the DNS records name")
	f.StringVar(&o.DNS, "dns", "127.0.0.1:0", "`IP:port` of the DNS server, UDP and TCP (port 0 picks a free one)")
	return cmd
}

// validate checks the flags before anything starts.
func (o sandboxOptions) validate() error {
	if _, err := netip.ParseAddr(o.SMTPHost); err != nil {
		return usagef("--smtp-host %q is not an IP address; give one such as 127.0.0.1", o.SMTPHost)
	}
	host, port, err := net.SplitHostPort(o.DNS)
	if err == nil {
		_, err = netip.ParseAddr(host)
	}
	if err == nil {
		if n, perr := strconv.Atoi(port); perr != nil || n < 0 || n > 65535 {
			err = fmt.Errorf("bad port")
		}
	}
	if err != nil {
		return usagef("--dns %q is not IP:port; give one such as 127.0.0.1:5353 (port 0 picks a free one)", o.DNS)
	}
	return nil
}

// runSandbox starts the sandbox, prints it, prints each captured message
// until ctx ends, then stops it. An interrupted sandbox has done its job:
// that is a nil error (exit 0), not exit 130.
func runSandbox(ctx context.Context, a *app, o sandboxOptions) error {
	if err := o.validate(); err != nil {
		return err
	}
	// Authentication-Results come from the checks a receiver makes, asked
	// of the sandbox's own DNS, known once it runs.
	var resolver atomic.Pointer[checks.DNSResolver]
	sb, err := sandbox.Start(ctx, sandbox.Options{
		SMTPHost: o.SMTPHost,
		DNSAddr:  o.DNS,
		Authenticate: func(ctx context.Context, m *sandbox.Message) string {
			r := resolver.Load()
			if r == nil {
				return ""
			}
			host, _, _ := net.SplitHostPort(m.RemoteAddr)
			return checks.AuthResults(ctx, r, net.ParseIP(host), m.Helo, m.From, m.Raw)
		},
	})
	if err != nil {
		var oe *net.OpError
		switch {
		case ctx.Err() != nil:
			return nil
		case errors.As(err, &oe) && oe.Op == "listen":
			// A port in use, a privileged port or an address this
			// machine does not have: the flags asked for it.
			return usagef("cannot listen on %s (%v); give --smtp-host and --dns addresses this machine can bind, e.g. 127.0.0.1 and 127.0.0.1:0",
				oe.Addr, oe.Err)
		}
		return err
	}
	defer sb.Close()
	resolver.Store(checks.NewResolver(sb.DNSAddr, a.dnsTimeout()))
	msgs, stop := sb.Subscribe()
	defer stop()

	p := painter(a.color())
	if a.JSON {
		err = writeJSONLine(a.Out, sandboxInfo(sb))
	} else {
		printSandboxBanner(a.Out, p, sb)
	}
	if err != nil {
		return err
	}
	n := 0
	for {
		select {
		case <-ctx.Done():
			if !a.JSON {
				fmt.Fprintf(a.Out, "\n%s\n", p.dim(fmt.Sprintf("sandbox stopped after %d message(s); its CA file and credentials are gone", n)))
			}
			return sb.Close()
		case m, ok := <-msgs:
			if !ok {
				return nil
			}
			n++
			if a.JSON {
				err = writeJSONLine(a.Out, messageLine(m))
			} else {
				printMessage(a.Out, p, n, m)
			}
			if err != nil {
				return err
			}
		}
	}
}

// sandboxJSON is the first line of `mailcfg sandbox --json` (CONTRACT.md).
type sandboxJSON struct {
	SMTPAddrs           map[string]string `json:"smtp"`
	DNS                 string            `json:"dns"`
	CAFile              string            `json:"ca_file"`
	Domain              string            `json:"domain"`
	DKIMSelector        string            `json:"dkim_selector"`
	User                string            `json:"user"`
	Password            string            `json:"password"`
	Hostname            string            `json:"hostname"`
	HTTPS               string            `json:"https"`
	DKIMEd25519Selector string            `json:"dkim_ed25519_selector"`
}

func sandboxInfo(sb *sandbox.Sandbox) sandboxJSON {
	return sandboxJSON{
		SMTPAddrs:           map[string]string{"starttls": sb.STARTTLSAddr, "implicit": sb.ImplicitAddr, "plain": sb.PlainAddr},
		DNS:                 sb.DNSAddr,
		CAFile:              sb.CAFile,
		Domain:              sb.Domain,
		DKIMSelector:        sb.DKIMSelector,
		User:                sb.User,
		Password:            sb.Password, // a throwaway credential, shown by design
		Hostname:            sb.Hostname,
		HTTPS:               sb.HTTPSAddr,
		DKIMEd25519Selector: sb.DKIMEd25519Selector,
	}
}

// messageJSON is one captured message's line of `mailcfg sandbox --json`.
type messageJSON struct {
	From        string   `json:"from"`
	To          []string `json:"to"`
	Subject     string   `json:"subject"`
	MessageID   string   `json:"message_id"`
	Size        int      `json:"size"`
	DKIM        string   `json:"dkim"`
	AuthResults string   `json:"auth_results,omitempty"`
	RemoteAddr  string   `json:"remote_addr"`
	Helo        string   `json:"helo"`
	TLS         bool     `json:"tls"`
	AuthUser    string   `json:"auth_user,omitempty"`
	QueueID     string   `json:"queue_id"`
	Received    string   `json:"received"`
}

func messageLine(m sandbox.Message) messageJSON {
	return messageJSON{
		From: m.From, To: m.To, Subject: m.Subject, MessageID: m.MessageID, Size: m.Size,
		DKIM: m.DKIM, AuthResults: m.AuthResults, RemoteAddr: m.RemoteAddr, Helo: m.Helo,
		TLS: m.TLS, AuthUser: m.AuthUser, QueueID: m.QueueID,
		Received: m.Received.UTC().Format("2006-01-02T15:04:05.000Z"),
	}
}

// writeJSONLine writes v as one line of JSON.
func writeJSONLine(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// printSandboxBanner shows where everything is and how to try it.
func printSandboxBanner(w io.Writer, p painter, sb *sandbox.Sandbox) {
	row := func(label, value, note string) {
		if note != "" {
			note = "  " + p.dim(note)
		}
		fmt.Fprintf(w, "  %-15s %s%s\n", label, value, note)
	}
	fmt.Fprintf(w, "%s %s\n", p.bold("mailcfg sandbox:"), "the zone "+sb.Domain+" on "+hostPart(sb.STARTTLSAddr)+"; Ctrl-C stops it")
	row("SMTP STARTTLS", p.cyan(sb.STARTTLSAddr), "STARTTLS, then AUTH PLAIN or LOGIN (required)")
	row("SMTP implicit", p.cyan(sb.ImplicitAddr), "TLS on connect, AUTH required")
	row("SMTP plain", p.cyan(sb.PlainAddr), "no TLS, no AUTH, like port 25")
	row("DNS", p.cyan(sb.DNSAddr), "UDP and TCP, zone "+sb.Domain)
	row("MTA-STS HTTPS", p.cyan(sb.HTTPSAddr), "https://mta-sts."+sb.Domain+"/.well-known/mta-sts.txt")
	row("host name", sb.Hostname, "")
	row("CA file", sb.CAFile, "trust it to verify the certificates")
	row("user", sb.User, "")
	row("password", sb.Password, "throwaway, made for this run")
	row("DKIM", sb.DKIMSelector+" (RSA-2048), "+sb.DKIMEd25519Selector+" (Ed25519)", "keys made for this run")
	dnsHost, dnsPort, _ := net.SplitHostPort(sb.DNSAddr)
	fmt.Fprintf(w, "\n%s\n", p.bold("Try it:"))
	fmt.Fprintf(w, "  swaks --server %s --tls --tls-verify --tls-ca-path %s --auth PLAIN --auth-user %s --auth-password %s --from you@%s --to someone@%s\n",
		sb.STARTTLSAddr, sb.CAFile, sb.User, sb.Password, sb.Domain, sb.Domain)
	fmt.Fprintf(w, "  dig @%s -p %s %s MX +tcp\n", dnsHost, dnsPort, sb.Domain)
	fmt.Fprintf(w, "\n%s\n", p.dim("Waiting for messages…"))
}

// hostPart returns the host of a host:port.
func hostPart(addr string) string {
	h, _, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	return h
}

// maxShownHeaderLines caps how much of a message's header is printed.
const maxShownHeaderLines = 60

// printMessage shows one captured message: how it came, its verdicts and
// its header lines, sanitised (the text is the client's, not ours).
func printMessage(w io.Writer, p painter, n int, m sandbox.Message) {
	how := []string{"from " + m.RemoteAddr}
	if m.TLS {
		how = append(how, "TLS")
	} else {
		how = append(how, "no TLS")
	}
	if m.AuthUser != "" {
		how = append(how, "AUTH "+checks.Sanitize(m.AuthUser, 80))
	}
	how = append(how, "queued as "+m.QueueID)
	fmt.Fprintf(w, "\n%s %s\n", p.bold(fmt.Sprintf("── message %d · %s", n, m.Received.Format("15:04:05"))), p.dim(strings.Join(how, " · ")))
	to := make([]string, len(m.To))
	for i, t := range m.To {
		to[i] = checks.Sanitize(t, 200)
	}
	fmt.Fprintf(w, "  %-10s %s → %s (%d bytes, HELO %s)\n", "envelope", checks.Sanitize(m.From, 200), strings.Join(to, ", "), m.Size, checks.Sanitize(m.Helo, 100))
	fmt.Fprintf(w, "  %-10s %s\n", "DKIM", verdict(p, m.DKIM))
	if m.AuthResults != "" {
		fmt.Fprintf(w, "  %-10s %s\n", "results", m.AuthResults)
	}
	lines := strings.Split(strings.TrimRight(m.Header(), "\r\n"), "\n")
	for i, l := range lines {
		if i == maxShownHeaderLines {
			fmt.Fprintf(w, "  %s\n", p.dim(fmt.Sprintf("… %d more header lines", len(lines)-i)))
			break
		}
		l = strings.TrimSuffix(l, "\r")
		if strings.HasPrefix(l, "\t") { // a folded line (RFC 5322 §2.2.3)
			l = "    " + l[1:]
		}
		fmt.Fprintf(w, "  %s %s\n", p.dim("│"), checks.Sanitize(l, 200))
	}
}

// verdict colours a pass/fail/none word, keeping the word.
func verdict(p painter, s string) string {
	switch s {
	case "pass":
		return p.green("✓ pass")
	case "fail":
		return p.red("✗ fail")
	}
	return p.dim(s)
}
