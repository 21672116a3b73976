package main

import (
	"context"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/mailcfg/mailcfg/checks"
	"github.com/mailcfg/mailcfg/providers"
)

func init() { commands = append(commands, newCheckCmd) }

func newCheckCmd(a *app) *cobra.Command {
	c := &cobra.Command{
		Use:   "check",
		Short: "Live checks of a mail server: the SMTP handshake, reachable ports",
		Args:  noArgs,
	}
	c.AddCommand(newCheckSMTPCmd(a), newCheckPortsCmd(a))
	return c
}

// noArgs rejects positional arguments without echoing them: a secret typed
// in the wrong place must not be printed back.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usagef("%s takes no arguments (got %d); see %s --help", cmd.CommandPath(), len(args), cmd.CommandPath())
	}
	return nil
}

// refusePasswordFlag turns an attempt at --password into a clear usage
// error: the flag does not exist, on purpose.
func refusePasswordFlag(cmd *cobra.Command, err error) error {
	msg := err.Error()
	if strings.Contains(msg, "--password") && !strings.Contains(msg, "--password-") || strings.Contains(msg, "-p") && strings.Contains(msg, "shorthand") {
		return usagef("there is no --password flag: a secret on the command line leaks into shell history and ps; use --password-env VAR or --password-stdin")
	}
	return usagef("%v (see %s --help)", err, cmd.CommandPath())
}

// targetFlags pick the server and the credentials; check smtp and send
// share them.
type targetFlags struct {
	Provider, Region, Host string
	Port                   int
	TLS                    string
	User                   string
	Secret                 secretFlags
	CAFile                 string
	Insecure               bool
	AllowPlaintextAuth     bool
	Helo                   string
}

func (t *targetFlags) bind(c *cobra.Command) {
	f := c.Flags()
	f.StringVar(&t.Provider, "provider", "", "provider `ID` (see mailcfg providers): host, port and TLS from its profile")
	f.StringVar(&t.Region, "region", "", "the provider's `region` (default: its first)")
	f.StringVar(&t.Host, "host", "", "SMTP `host` (instead of, or overriding, --provider)")
	f.IntVar(&t.Port, "port", 0, "SMTP `port` (default: the profile's recommended port, else 587)")
	f.StringVar(&t.TLS, "tls", "", "TLS `mode`: starttls, implicit or none (default: the profile's, or 465 implicit, else starttls)")
	f.StringVar(&t.User, "user", "", "SMTP `username` for AUTH (default: the profile's literal username, if any)")
	f.StringVar(&t.Secret.Env, "password-env", "", "read the secret from environment variable `VAR`")
	f.BoolVar(&t.Secret.Stdin, "password-stdin", false, "read the secret from the first line of stdin")
	f.StringVar(&t.CAFile, "ca-file", "", "also trust the CA certificates in this PEM `file`")
	f.BoolVar(&t.Insecure, "insecure", false, "do not verify the server's certificate (dangerous; says so loudly)")
	f.BoolVar(&t.AllowPlaintextAuth, "allow-plaintext-auth", false, "allow AUTH without TLS to a host that is not loopback")
	f.StringVar(&t.Helo, "helo", "", "`name` to send with EHLO (default: this machine's fully qualified name)")
	c.SetFlagErrorFunc(refusePasswordFlag)
}

// options turns the flags into handshake options, or a usage error before
// anything touches the network.
func (t *targetFlags) options(a *app) (checks.HandshakeOptions, error) {
	o := checks.HandshakeOptions{Port: t.Port, Insecure: t.Insecure, AllowPlaintextAuth: t.AllowPlaintextAuth, HeloName: t.Helo}
	if t.Port < 0 || t.Port > 65535 {
		return o, usagef("--port %d is not 1-65535", t.Port)
	}
	switch t.TLS {
	case "", "starttls", "implicit", "none":
		o.TLS = providers.TLSMode(t.TLS)
	default:
		return o, usagef("--tls %q: give starttls, implicit or none", t.TLS)
	}
	if t.Provider != "" {
		cat, _ := providers.Load(providers.UserDirFrom(a.Getenv))
		p, ok := cat.Get(t.Provider)
		if !ok {
			return o, usagef("unknown provider %q; mailcfg providers lists them", t.Provider)
		}
		o.Profile = p
		if t.Host == "" {
			h, err := p.Host(t.Region)
			if err != nil {
				return o, usagef("--provider %s --region %q: %v", t.Provider, t.Region, err)
			}
			o.Host = h
		}
		if o.Port == 0 {
			o.Port = p.Recommended().Number
		}
		if o.TLS == "" {
			if pt, ok := p.Port(o.Port); ok {
				o.TLS = pt.TLS
			}
		}
		if t.User == "" && p.Username.Kind == "literal" {
			t.User = p.Username.Value
		}
	} else if t.Region != "" {
		return o, usagef("--region needs --provider")
	}
	if t.Host != "" {
		o.Host = t.Host
	}
	if o.Host == "" {
		return o, usagef("no server given: use --provider ID (see mailcfg providers) or --host H --port N")
	}
	if err := validHost(o.Host); err != nil {
		return o, usagef("--host %q: %v", o.Host, err)
	}
	if o.Port == 0 {
		o.Port = 587
	}
	if o.TLS == "" {
		o.TLS = providers.TLSStartTLS
		if o.Port == 465 {
			o.TLS = providers.TLSImplicit
		}
	}
	secret, err := readSecret(t.Secret, a.stdio)
	if err != nil {
		return o, err
	}
	switch {
	case t.User != "" && secret.Empty():
		return o, usagef("--user %s needs a secret: --password-env VAR or --password-stdin", t.User)
	case t.User == "" && !secret.Empty():
		return o, usagef("a secret was given but no --user")
	}
	o.User, o.Secret = t.User, secret
	if t.CAFile != "" {
		pem, err := os.ReadFile(t.CAFile)
		if err != nil {
			return o, usagef("--ca-file %s: %v", t.CAFile, unwrapPathError(err))
		}
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return o, usagef("--ca-file %s holds no PEM certificate", t.CAFile)
		}
		o.RootCAs = pool
	}
	if a.Timeout > 0 {
		o.Timeout, o.BannerTimeout = a.Timeout, a.Timeout
	}
	o.Resolver = a.resolver()
	if t.Insecure {
		fmt.Fprintln(a.Err, "mailcfg: WARNING: --insecure: the server's certificate is NOT verified; anyone on the path can pose as the server and read the credentials")
	}
	return o, nil
}

// validHost accepts a DNS name or an IP literal.
func validHost(h string) error {
	h = strings.TrimSuffix(strings.Trim(h, "[]"), ".")
	if net.ParseIP(h) != nil {
		return nil
	}
	if len(h) == 0 || len(h) > 253 {
		return fmt.Errorf("not a host name")
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" || len(label) > 63 {
			return fmt.Errorf("not a host name (empty or long label)")
		}
		for _, c := range label {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return fmt.Errorf("not a host name (character %q)", c)
			}
		}
	}
	return nil
}

// checkSMTPOptions are the inputs of `mailcfg check smtp`.
type checkSMTPOptions struct {
	Handshake      checks.HandshakeOptions
	JSON, Color    bool
	Transcript     bool
	TranscriptFile string
}

func newCheckSMTPCmd(a *app) *cobra.Command {
	var t targetFlags
	var o checkSMTPOptions
	c := &cobra.Command{
		Use:   "smtp",
		Short: "Live SMTP handshake: connect, banner, EHLO, TLS, certificate, AUTH, QUIT",
		Long: `Walk a server's submission handshake and report every stage with its time
and reply code: connect (each address in turn), the banner (waited for up to
30 s, as servers delay it on purpose), EHLO and its extensions, STARTTLS or
implicit TLS, the certificate (verified for the host name), AUTH with the best
mechanism both sides speak, QUIT.

The secret comes from --password-env VAR or --password-stdin, never a flag; it
never appears in any output, not even base64-encoded.`,
		Example: `  SMTP_PASSWORD=... mailcfg check smtp --provider sendgrid --password-env SMTP_PASSWORD
  mailcfg check smtp --host smtp.example.com --port 465 --user me@example.com --password-stdin --transcript`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			h, err := t.options(a)
			if err != nil {
				return err
			}
			o.Handshake, o.JSON, o.Color = h, a.JSON, a.color()
			return runCheckSMTP(cmd.Context(), o, a.stdio)
		},
	}
	t.bind(c)
	c.Flags().BoolVar(&o.Transcript, "transcript", false, "print the colour-coded transcript")
	c.Flags().StringVar(&o.TranscriptFile, "transcript-file", "", "save the redacted transcript to `F` (Markdown when F ends in .md, else text)")
	return c
}

// runCheckSMTP runs the handshake and prints it live (or the JSON at the end).
func runCheckSMTP(ctx context.Context, o checkSMTPOptions, io stdio) error {
	tf, err := openTranscriptFile(o.TranscriptFile)
	if err != nil {
		return err
	}
	p := painter(o.Color)
	var sink checks.Sink
	if !o.JSON {
		fmt.Fprintf(io.Out, "%s %s port %d (%s)\n", p.bold("check smtp"), o.Handshake.Host, o.Handshake.Port, o.Handshake.TLS)
		sink = liveSink(io.Out, p, o.Transcript)
	}
	rep := checks.Handshake(ctx, o.Handshake, sink)
	title := fmt.Sprintf("mailcfg check smtp %s:%d (%s)", rep.Host, rep.Port, rep.TLS)
	if err := writeTranscriptFile(tf, title, handshakeSummary(rep), rep.Transcript); err != nil {
		fmt.Fprintf(io.Err, "mailcfg: writing %s: %v\n", o.TranscriptFile, err)
	}
	if o.JSON {
		if err := printJSON(io.Out, rep); err != nil {
			return err
		}
		return exitFor(rep.Summary())
	}
	printTLSInfo(io.Out, p, rep.TLSInfo)
	if len(rep.Extensions) > 0 {
		fmt.Fprintf(io.Out, "  %s %s\n", p.dim("extensions:"), strings.Join(rep.Extensions, ", "))
	}
	printFindings(io.Out, p, rep.Findings)
	fmt.Fprintf(io.Out, "\n%s in %d ms\n", okVerdict(p, rep.OK), rep.Ms)
	return exitFor(rep.Summary())
}

// liveSink prints each stage as it ends (and, with transcript, each line as
// it passes); the banner wait's notes show while it lasts.
func liveSink(w io.Writer, p painter, transcript bool) checks.Sink {
	tp := &transcriptPrinter{w: w, p: p}
	return func(e checks.Event) {
		switch e.Kind {
		case checks.EventStage:
			if e.Stage.Running {
				return
			}
			s := e.Stage
			code := ""
			if s.Code != 0 {
				code = strconv.Itoa(s.Code)
				if s.Enhanced != "" {
					code += " " + s.Enhanced
				}
			}
			fmt.Fprintf(w, "  %s %-9s %6s  %-9s %s\n", p.mark(s.Status), s.Name, fmt.Sprintf("%dms", s.Ms), safeText(code), p.dim(safeText(s.Detail)))
		case checks.EventLine:
			if transcript {
				tp.line(e.Line)
			} else if e.Line.Dir == checks.DirNote && strings.Contains(e.Line.Text, "waiting for the greeting") {
				fmt.Fprintf(w, "  %s\n", p.dim("… "+e.Line.Text))
			}
		}
	}
}

func printTLSInfo(w io.Writer, p painter, t *checks.TLSInfo) {
	if t == nil {
		return
	}
	v := p.green("verified")
	if !t.Verified {
		v = p.red("NOT verified")
	}
	fmt.Fprintf(w, "  %s %s, %s, certificate %s\n", p.dim("tls:"), t.Version, t.Cipher, v)
	// The certificate's names are the server's to choose: escape them.
	fmt.Fprintf(w, "  %s %s; issuer %s; names %s; expires %s (%d days)\n", p.dim("cert:"), safeText(t.CertSubject), safeText(t.CertIssuer),
		safeText(strings.Join(t.CertSANs, " ")), t.CertNotAfter.Format(time.DateOnly), t.DaysLeft)
}

func okVerdict(p painter, ok bool) string {
	if ok {
		return p.green("✓ OK")
	}
	return p.red("✗ NOT OK")
}

// handshakeSummary is one line for the transcript file's header.
func handshakeSummary(r *checks.HandshakeReport) string {
	var parts []string
	for _, s := range r.Stages {
		x := s.Name + " " + string(s.Status)
		if s.Code != 0 {
			x += " " + strconv.Itoa(s.Code)
		}
		parts = append(parts, x)
	}
	ok := "OK"
	if !r.OK {
		ok = "NOT OK"
	}
	return ok + ": " + strings.Join(parts, ", ")
}

// checkPortsOptions are the inputs of `mailcfg check ports`.
type checkPortsOptions struct {
	Host        string
	Handshake   checks.HandshakeOptions
	JSON, Color bool
}

func newCheckPortsCmd(a *app) *cobra.Command {
	var o checkPortsOptions
	c := &cobra.Command{
		Use:   "ports --host H",
		Short: "Probe ports 25, 465, 587 and 2525 at once: open, refused or filtered",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.Host == "" {
				return usagef("check ports needs --host H")
			}
			if err := validHost(o.Host); err != nil {
				return usagef("--host %q: %v", o.Host, err)
			}
			o.Handshake = checks.HandshakeOptions{Resolver: a.resolver(), Timeout: 5 * time.Second, BannerTimeout: 10 * time.Second}
			if a.Timeout > 0 {
				o.Handshake.Timeout, o.Handshake.BannerTimeout = a.Timeout, a.Timeout
			}
			o.JSON, o.Color = a.JSON, a.color()
			return runCheckPorts(cmd.Context(), o, a.stdio)
		},
	}
	c.Flags().StringVar(&o.Host, "host", "", "the `host` to probe")
	return c
}

func runCheckPorts(ctx context.Context, o checkPortsOptions, io stdio) error {
	res := checks.ProbePorts(ctx, o.Host, nil, o.Handshake, nil)
	fs := checks.PortFindings(o.Host, res)
	if o.JSON {
		if err := printJSON(io.Out, struct {
			Host     string              `json:"host"`
			Ports    []checks.PortResult `json:"ports"`
			Findings []checks.Finding    `json:"findings"`
		}{o.Host, res, fs}); err != nil {
			return err
		}
		return exitFor(checks.Summarize(fs))
	}
	p := painter(o.Color)
	fmt.Fprintf(io.Out, "%s %s\n", p.bold("check ports"), o.Host)
	for _, r := range res {
		fmt.Fprintf(io.Out, "  %s %5d  %-8s %-8s %6s  %s\n", p.mark(r.Finding.Status), r.Port, r.State, r.TLS, fmt.Sprintf("%dms", r.Ms), p.dim(r.Banner))
	}
	printFindings(io.Out, p, fs)
	return exitFor(checks.Summarize(fs))
}
