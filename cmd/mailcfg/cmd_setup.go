package main

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"

	"github.com/mailcfg/mailcfg/checks"
	"github.com/mailcfg/mailcfg/providers"
	"github.com/mailcfg/mailcfg/tui"
	"github.com/mailcfg/mailcfg/wizard"
)

// setupOptions are the flags of `mailcfg setup`: the prefill, which skips
// the steps it answers, and the display choices.
type setupOptions struct {
	wizard.Prefill
	CAFile     string
	Accessible bool
}

// noTerminalHint is the one line printed when the wizard has no terminal.
const noTerminalHint = "the wizard needs a terminal; without one use the plain commands: " +
	"mailcfg check smtp, mailcfg check ports, mailcfg audit, mailcfg records, mailcfg send " +
	"(or mailcfg demo --headless)"

func init() {
	commands = append(commands, newSetupCmd)
	// Bare `mailcfg` is the wizard without prefill.
	rootRun = func(a *app, cmd *cobra.Command) error {
		return a.runSetup(cmd.Context(), setupOptions{})
	}
}

func newSetupCmd(a *app) *cobra.Command {
	var o setupOptions
	cmd := &cobra.Command{
		Use:   "setup",
		Short: "The wizard: from nothing to a verified test message, step by step",
		Long: `setup walks you through choosing a provider, your domain and sender, the
port, the credentials, a live SMTP handshake, the DNS checks, the records to
publish and a DKIM-signed test send, then saves a Markdown report.

Prefill flags skip the steps they answer, so docs can link straight to a
step: mailcfg setup --provider postmark --domain example.com. The secret
comes from --password-env VAR or is typed into a masked field; it is never a
flag value.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.runSetup(cmd.Context(), o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Provider, "provider", "", "provider `id` (see mailcfg providers)")
	f.StringVar(&o.Region, "region", "", "the provider's region `id`")
	f.StringVar(&o.Domain, "domain", "", "the sending `domain` (an IDN is converted to punycode)")
	f.IntVar(&o.Port, "port", 0, "SMTP `port` (one the provider offers)")
	f.StringVar(&o.User, "user", "", "SMTP `username`")
	f.StringVar(&o.From, "from", "", "sender `address` (default postmaster@DOMAIN)")
	f.StringVar(&o.To, "to", "", "test recipient `address` (default the sender)")
	f.StringVar(&o.Selector, "selector", "", "DKIM `selector` to check and sign with")
	f.StringVar(&o.PasswordEnv, "password-env", "", "read the secret from environment variable `VAR`")
	f.StringVar(&o.CAFile, "ca-file", "", "also trust the CA certificates in this PEM `file`")
	f.BoolVar(&o.Accessible, "accessible", false, "plain prompts without the full-screen UI, for screen readers (also ACCESSIBLE=1)")
	return cmd
}

// accessible reports whether the plain-prompt mode is asked for.
func (a *app) accessible(flag bool) bool {
	if flag {
		return true
	}
	v := a.Getenv("ACCESSIBLE")
	b, err := strconv.ParseBool(v)
	return v != "" && (err != nil || b)
}

func (a *app) runSetup(ctx context.Context, o setupOptions) error {
	if a.JSON {
		return usagef("the wizard has no JSON output; the plain commands have --json: mailcfg check smtp, mailcfg audit, mailcfg records, mailcfg send")
	}
	cat, errs := providers.Load(providers.UserDirFrom(a.Getenv))
	for _, err := range errs {
		fmt.Fprintf(a.Err, "mailcfg: skipping a provider file: %v\n", err)
	}
	env := wizard.Env{
		Catalog:  cat,
		Resolver: checks.NewCache(a.resolver()),
		Timeout:  a.Timeout,
		Getenv:   a.Getenv,
	}
	if o.CAFile != "" {
		pool, err := loadCAFile(o.CAFile)
		if err != nil {
			return err
		}
		env.RootCAs = pool
	}
	sess := wizard.NewSession(env)
	if err := sess.Apply(o.Prefill); err != nil {
		return usagef("%v", err)
	}
	if !a.InTTY || !a.OutTTY {
		return usagef("%s", noTerminalHint)
	}
	if a.accessible(o.Accessible) {
		x := &tui.Accessible{In: a.In, Out: a.Out, ReadSecret: a.readSecret}
		_, err := x.Run(ctx, sess)
		return err
	}
	return a.runWizardTUI(ctx, sess)
}

// loadCAFile reads a PEM file of CA certificates into a pool with the
// system's roots.
func loadCAFile(path string) (*x509.CertPool, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, usagef("--ca-file %s: %v", path, err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(data) {
		return nil, usagef("--ca-file %s: no PEM certificate in it", path)
	}
	return pool, nil
}

// readSecret reads a secret from the terminal without echo.
func (a *app) readSecret() (string, error) {
	if f, ok := a.In.(*os.File); ok && a.InTTY {
		b, err := term.ReadPassword(f.Fd())
		return string(b), err
	}
	return "", errors.New("no terminal to read the secret from; use --password-env")
}

// runWizardTUI runs the Bubble Tea wizard over sess until the person
// finishes (nil), quits early or is interrupted (context.Canceled: exit 130).
func (a *app) runWizardTUI(ctx context.Context, sess *wizard.Session) error {
	m := tui.New(sess, tui.Options{Color: a.color(), Dark: true, Now: time.Now})
	opts := []tea.ProgramOption{tea.WithContext(ctx), tea.WithInput(a.In), tea.WithOutput(a.Out)}
	if !a.color() {
		opts = append(opts, tea.WithColorProfile(colorprofile.Ascii))
	}
	_, err := tea.NewProgram(m, opts...).Run()
	m.Close()
	switch {
	case ctx.Err() != nil:
		return ctx.Err()
	case errors.Is(err, tea.ErrInterrupted), errors.Is(err, tea.ErrProgramKilled):
		return context.Canceled
	case err != nil:
		return fmt.Errorf("wizard: %w", err)
	case !m.Finished():
		return context.Canceled
	}
	return nil
}
