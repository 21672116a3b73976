package main

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/mailcfg/mailcfg/providers"
	"github.com/mailcfg/mailcfg/tui"
	"github.com/mailcfg/mailcfg/wizard"
)

// demoOptions are the flags of `mailcfg demo`.
type demoOptions struct {
	Headless   bool
	Accessible bool
}

func init() { commands = append(commands, newDemoCmd) }

func newDemoCmd(a *app) *cobra.Command {
	var o demoOptions
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "The whole wizard against a sandbox it starts: no network, no credentials",
		Long: `demo starts the embedded sandbox (loopback SMTP, DNS and HTTPS for
example.test, with a throwaway CA, user and DKIM key) and runs the whole
wizard against it with every answer filled in. With --headless the same flow
runs without a user interface, prints the report and exits 0 when every step
passes.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.runDemo(cmd.Context(), o)
		},
	}
	cmd.Flags().BoolVar(&o.Headless, "headless", false, "run every step without a user interface and print the report")
	cmd.Flags().BoolVar(&o.Accessible, "accessible", false, "plain prompts without the full-screen UI (also ACCESSIBLE=1)")
	return cmd
}

func (a *app) runDemo(ctx context.Context, o demoOptions) error {
	if a.JSON {
		return usagef("demo has no JSON output; use mailcfg demo --headless for a text report")
	}
	accessible := a.accessible(o.Accessible)
	if !o.Headless && (!a.InTTY || !a.OutTTY) {
		return usagef("mailcfg demo needs a terminal; without one run mailcfg demo --headless")
	}
	sb, err := wizard.StartSandbox(ctx)
	if err != nil {
		return fmt.Errorf("demo: start the sandbox: %w", err)
	}
	defer sb.Close()
	sess, err := wizard.NewDemoSession(sb, wizard.SandboxEnv(sb, providers.Builtin(), a.Timeout))
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	switch {
	case o.Headless:
		ok := sess.RunHeadless(ctx, a.Out, time.Now)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if !ok {
			return &exitCodeError{exitFail}
		}
		return nil
	case accessible:
		x := &tui.Accessible{In: a.In, Out: a.Out, ReadSecret: a.readSecret}
		ok, err := x.Run(ctx, sess)
		if err != nil {
			return err
		}
		if !ok {
			return &exitCodeError{exitFail}
		}
		return nil
	}
	return a.runWizardTUI(ctx, sess)
}
