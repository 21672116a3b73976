package tui

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/mailcfg/mailcfg/checks"
	"github.com/mailcfg/mailcfg/wizard"
)

// ErrNoInput is returned by RunAccessible when its input ends before the
// flow does.
var ErrNoInput = errors.New("tui: the input ended before the wizard did")

// Accessible is the wizard as plain prompts for screen readers: one
// question a line, no alternate screen, no cursor movement, no colour. The
// network steps print their progress as lines (the same text as `mailcfg
// demo --headless`).
type Accessible struct {
	In  io.Reader
	Out io.Writer
	// ReadSecret reads the secret without echoing it; nil reads a line of
	// In (for tests and piped input).
	ReadSecret func() (string, error)
	Now        func() time.Time
}

// Run asks every step the session does not skip, runs the checks and
// offers to save the report. It returns whether every part passed.
func (x *Accessible) Run(ctx context.Context, s *wizard.Session) (bool, error) {
	r := bufio.NewReader(x.In)
	ask := func(prompt, def string) (string, error) {
		if def != "" {
			prompt += " [" + def + "]"
		}
		fmt.Fprint(x.Out, prompt+": ")
		line, err := r.ReadString('\n')
		if err != nil && (line == "" || !errors.Is(err, io.EOF)) {
			return "", ErrNoInput
		}
		line = strings.TrimSpace(line)
		if line == "" {
			return def, nil
		}
		return line, nil
	}
	fmt.Fprintln(x.Out, "mailcfg setup, accessible mode. Press Enter to accept the value in brackets.")
	for _, id := range s.Path() {
		if ctx.Err() != nil {
			return false, ctx.Err()
		}
		var err error
		switch id {
		case wizard.StepProvider:
			err = x.provider(s, ask)
		case wizard.StepDomain:
			err = x.domain(s, ask)
		case wizard.StepPort:
			err = x.port(ctx, s, ask)
		case wizard.StepCredentials:
			err = x.credentials(s, ask, r)
		}
		if err != nil {
			return false, err
		}
	}
	now := time.Now
	if x.Now != nil {
		now = x.Now
	}
	ok := s.RunHeadless(ctx, x.Out, now)
	name, err := ask("\nSave the report as Markdown: file name, or Enter to skip", "")
	if err == nil && name != "" {
		if err := s.SaveReport(name, now()); err != nil {
			fmt.Fprintln(x.Out, "Could not save:", err)
		} else {
			fmt.Fprintln(x.Out, "Saved the report to", name)
		}
	}
	return ok, nil
}

type askFunc func(prompt, def string) (string, error)

// retry asks until f accepts the answer, printing each error.
func (x *Accessible) retry(f func() error) error {
	for {
		err := f()
		if err == nil || errors.Is(err, ErrNoInput) {
			return err
		}
		fmt.Fprintln(x.Out, "Error:", strings.TrimPrefix(err.Error(), "wizard: "))
	}
}

func (x *Accessible) provider(s *wizard.Session, ask askFunc) error {
	fmt.Fprintf(x.Out, "\n%s. %s\n", wizard.StepProvider.Info().Title, wizard.StepProvider.Info().Help)
	all := s.Env.Catalog.All()
	for i, p := range all {
		fmt.Fprintf(x.Out, "%d. %s (%s): %s\n", i+1, p.Name, p.ID, p.Description)
	}
	return x.retry(func() error {
		v, err := ask("Provider number or id", s.Answers.Provider)
		if err != nil {
			return err
		}
		if n, e := strconv.Atoi(v); e == nil && n >= 1 && n <= len(all) {
			v = all[n-1].ID
		}
		p, ok := s.Env.Catalog.Get(v)
		if !ok {
			return fmt.Errorf("unknown provider %q", v)
		}
		region, host := "", ""
		switch {
		case p.AnyHost:
			if host, err = ask("SMTP host name", s.Answers.Host); err != nil {
				return err
			}
		case len(p.Regions) > 1:
			for i, rg := range p.Regions {
				fmt.Fprintf(x.Out, "%d. %s (%s)\n", i+1, rg.Name, rg.ID)
			}
			if region, err = ask("Region number or id", p.Regions[0].ID); err != nil {
				return err
			}
			if n, e := strconv.Atoi(region); e == nil && n >= 1 && n <= len(p.Regions) {
				region = p.Regions[n-1].ID
			}
		}
		return s.SetProvider(p.ID, region, host)
	})
}

func (x *Accessible) domain(s *wizard.Session, ask askFunc) error {
	fmt.Fprintf(x.Out, "\n%s. %s\n", wizard.StepDomain.Info().Title, wizard.StepDomain.Info().Help)
	return x.retry(func() error {
		d, err := ask("Domain", s.Answers.DomainUnicode)
		if err != nil {
			return err
		}
		dd, err := wizard.ParseDomain(d)
		if err != nil {
			return err
		}
		if dd.IDN() {
			fmt.Fprintf(x.Out, "In DNS this is %s.\n", dd.ASCII)
		}
		def := s.Answers.From
		if def == "" || !wizard.InDomain(def[strings.LastIndexByte(def, '@')+1:], dd.ASCII) {
			def = "postmaster@" + dd.ASCII
		}
		from, err := ask("Sender address", def)
		if err != nil {
			return err
		}
		sel, err := ask("DKIM selector, optional", s.Answers.Selector)
		if err != nil {
			return err
		}
		return s.SetDomain(d, from, sel)
	})
}

func (x *Accessible) port(ctx context.Context, s *wizard.Session, ask askFunc) error {
	fmt.Fprintf(x.Out, "\n%s. %s\n", wizard.StepPort.Info().Title, wizard.StepPort.Info().Help)
	res := s.WorkFor(wizard.StepPort)(ctx, checks.Discard)
	_ = s.Store(wizard.StepPort, res)
	for i, p := range s.Results.Ports {
		rec := ""
		if i == 0 {
			rec = ", recommended"
		}
		fmt.Fprintf(x.Out, "Port %d, %s%s: %s. %s\n", p.Port.Number, tlsWord(p.Port.TLS), rec, p.State, p.Port.Note)
	}
	return x.retry(func() error {
		v, err := ask("Port", strconv.Itoa(s.Answers.Port))
		if err != nil {
			return err
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			return fmt.Errorf("%q is not a port number", v)
		}
		return s.SetPort(n)
	})
}

func (x *Accessible) credentials(s *wizard.Session, ask askFunc, r *bufio.Reader) error {
	fmt.Fprintf(x.Out, "\n%s. %s\n", wizard.StepCredentials.Info().Title, wizard.StepCredentials.Info().Help)
	return x.retry(func() error {
		def, hint := wizard.SuggestUser(s.Profile(), &s.Answers)
		if s.Answers.User != "" {
			def = s.Answers.User
		}
		if hint != "" {
			fmt.Fprintln(x.Out, hint)
		}
		user, err := ask("Username", def)
		if err != nil {
			return err
		}
		if used, err := x.storedSecret(s, ask, user); used || err != nil {
			return err
		}
		env, err := ask("Environment variable holding the secret, or Enter to type it", s.Answers.SecretEnv)
		if err != nil {
			return err
		}
		secret := s.Answers.Secret
		if env == "" && (secret.Empty() || s.Answers.SecretEnv != "") {
			fmt.Fprint(x.Out, "Secret (not shown as you type): ")
			var v string
			if x.ReadSecret != nil {
				v, err = x.ReadSecret()
				fmt.Fprintln(x.Out)
			} else {
				v, err = r.ReadString('\n')
			}
			if err != nil && v == "" {
				return ErrNoInput
			}
			secret = checks.NewSecret(strings.TrimRight(v, "\r\n"))
		}
		if err := s.SetCredentials(user, secret, env); err != nil {
			return err
		}
		fmt.Fprintln(x.Out, "Nothing is stored: the secret stays in memory until mailcfg ends.")
		return nil
	})
}

// storedSecret offers the secret an earlier run stored in the OS keychain
// for the provider, host and user, and reports whether it was taken. It
// never prints the secret.
func (x *Accessible) storedSecret(s *wizard.Session, ask askFunc, user string) (bool, error) {
	a := s.Answers
	if s.Env.NoKeychain || a.Provider == "" || a.Host == "" || strings.TrimSpace(user) == "" {
		return false, nil
	}
	secret, found, err := wizard.LookupSecret(wizard.KeychainAccount(a.Provider, a.Host, strings.TrimSpace(user)))
	if err != nil || !found {
		return false, nil // the questions that follow ask for it
	}
	yes, err := ask("A secret for "+user+" is stored in the OS keychain. Use it? yes or no", "yes")
	if err != nil {
		return false, err
	}
	if !strings.HasPrefix(strings.ToLower(yes), "y") {
		return false, nil
	}
	if err := s.UseStoredSecret(user, secret); err != nil {
		return false, err
	}
	fmt.Fprintln(x.Out, "Using the secret stored in the OS keychain (it is not shown).")
	return true, nil
}
