package main

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/mailcfg/mailcfg/checks"
)

// app holds the global flags and the process's streams; every command reads
// them from here.
type app struct {
	stdio
	Resolver string
	Timeout  time.Duration
	JSON     bool
	NoColor  bool

	ran bool // a command's RunE was reached
}

// commands lists the constructors of the subcommands; each cmd_<name>.go
// adds its own in an init function.
var commands []func(*app) *cobra.Command

// rootRun is what bare `mailcfg` does (the wizard, set by cmd_setup.go); nil
// shows the help.
var rootRun func(a *app, cmd *cobra.Command) error

func run(ctx context.Context, args []string, io stdio) int {
	a := &app{stdio: io}
	root := a.rootCommand()
	root.SetArgs(args)
	root.SetIn(io.In)
	root.SetOut(io.Out)
	root.SetErr(io.Err)
	err := root.ExecuteContext(ctx)
	code, msg := exitCode(ctx, err, a.ran)
	if msg != "" {
		fmt.Fprintln(io.Err, msg)
	}
	return code
}

func (a *app) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "mailcfg",
		Short: "Get a domain's outgoing email right: SMTP, SPF, DKIM, DMARC",
		Long: `mailcfg checks a sending provider's SMTP handshake, audits a domain's
SPF, DKIM, DMARC, MTA-STS and TLS-RPT records, prints the exact records to
publish, and sends a DKIM-signed test message with a colour-coded transcript.

Exit codes: 0 ok; 1 a check failed; 2 bad usage; 3 a check could not be made;
130 interrupted.`,
		SilenceUsage:      true,
		SilenceErrors:     true,
		CompletionOptions: cobra.CompletionOptions{HiddenDefaultCmd: true},
		Args:              cobra.NoArgs,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			a.ran = true
			return a.validateGlobals()
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			if rootRun != nil {
				return rootRun(a, cmd)
			}
			return cmd.Help()
		},
	}
	pf := root.PersistentFlags()
	pf.StringVar(&a.Resolver, "resolver", "", "DNS resolver `host:port` for every query (default: the system's resolvers)")
	pf.DurationVar(&a.Timeout, "timeout", 0, "limit for each network step, e.g. 5s (default: 2s a DNS try, 30s an SMTP banner, 10s other steps)")
	pf.BoolVar(&a.JSON, "json", false, "print one JSON document on stdout and nothing else there")
	pf.BoolVar(&a.NoColor, "no-color", false, "no colour (also NO_COLOR=1, or when stdout is not a terminal)")
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		return usagef("%v (see %s --help)", err, cmd.CommandPath())
	})
	for _, c := range commands {
		root.AddCommand(c(a))
	}
	return root
}

// validateGlobals checks the global flags before any command runs.
func (a *app) validateGlobals() error {
	if a.Resolver != "" {
		if err := validateHostPort(a.Resolver, 53); err != nil {
			return usagef("--resolver %q: %v; give host:port, e.g. 127.0.0.1:53", a.Resolver, err)
		}
	}
	if a.Timeout < 0 {
		return usagef("--timeout %s is negative; give a duration such as 10s", a.Timeout)
	}
	return nil
}

// validateHostPort accepts host:port or a bare IP address (which gets
// defaultPort).
func validateHostPort(s string, defaultPort int) error {
	if _, err := netip.ParseAddr(s); err == nil && defaultPort > 0 {
		return nil
	}
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return fmt.Errorf("not host:port")
	}
	if host == "" {
		return fmt.Errorf("no host")
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > 65535 {
		return fmt.Errorf("port %q is not 1-65535", port)
	}
	return nil
}

// resolver returns the Resolver the global flags ask for.
func (a *app) resolver() *checks.DNSResolver {
	return checks.NewResolver(a.Resolver, a.dnsTimeout())
}

// dnsTimeout is the time one DNS try may take.
func (a *app) dnsTimeout() time.Duration {
	if a.Timeout > 0 {
		return a.Timeout
	}
	return 2 * time.Second
}

// color reports whether human output may use colour: not with --no-color, a
// non-empty NO_COLOR, or a stdout that is not a terminal.
func (a *app) color() bool {
	return !a.NoColor && a.Getenv("NO_COLOR") == "" && a.OutTTY
}
