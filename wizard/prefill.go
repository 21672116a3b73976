package wizard

import (
	"fmt"
	"strings"

	"github.com/mailcfg/mailcfg/checks"
	"github.com/mailcfg/mailcfg/providers"
)

// Apply validates prefilled answers, stores them and marks them given, so
// the steps they answer skip; then it moves the session to its first step
// that is not skipped. An invalid value is an error naming the flag, and
// nothing is applied.
func (s *Session) Apply(p Prefill) error {
	trial := *s // validate on a copy; commit only when all is well
	if err := trial.apply(p); err != nil {
		return err
	}
	*s = trial
	s.Restart()
	return nil
}

func (s *Session) apply(p Prefill) error {
	if p.Region != "" && p.Provider == "" {
		return fmt.Errorf("--region needs --provider")
	}
	if p.Provider != "" {
		if prof := s.catalogGet(p.Provider); prof != nil && prof.AnyHost {
			// A custom host is asked for on the provider step; the id alone
			// only preselects it.
			s.Answers.Provider = prof.ID
		} else if err := s.SetProvider(p.Provider, p.Region, ""); err != nil {
			return fmt.Errorf("--provider %q --region %q: %w", p.Provider, p.Region, err)
		}
		s.Give(FieldProvider)
		if p.Region != "" {
			s.Give(FieldRegion)
		}
	}
	if p.Selector != "" {
		if !validSelector(p.Selector) {
			return fmt.Errorf("--selector %q: use letters, digits, hyphens and dots", p.Selector)
		}
		s.Answers.Selector = p.Selector
		s.Give(FieldSelector)
	}
	if p.From != "" && p.Domain == "" {
		_, d, err := ParseAddress(p.From)
		if err != nil {
			return fmt.Errorf("--from: %w", err)
		}
		p.Domain = d.ASCII
	}
	if p.Domain != "" {
		if err := s.SetDomain(p.Domain, p.From, ""); err != nil {
			return fmt.Errorf("--domain/--from: %w", err)
		}
		s.Give(FieldDomain)
		if p.From != "" {
			s.Give(FieldFrom)
		}
	}
	if p.To != "" {
		if err := s.SetRecipient(p.To); err != nil {
			return fmt.Errorf("--to: %w", err)
		}
		s.Give(FieldTo)
	}
	if p.Port != 0 {
		if err := s.SetPort(p.Port); err != nil {
			return fmt.Errorf("--port: %w", err)
		}
		s.Give(FieldPort)
	}
	if p.User != "" {
		s.Answers.User = strings.TrimSpace(p.User)
		s.Give(FieldUser)
	}
	if p.PasswordEnv != "" {
		name := strings.TrimPrefix(p.PasswordEnv, "$")
		if !envVarName.MatchString(name) {
			// Not echoed: it is most likely the secret itself.
			return fmt.Errorf("--password-env takes the name of an environment variable (like SMTP_PASSWORD), not the secret itself")
		}
		v := s.Env.Getenv(name)
		if v == "" {
			return fmt.Errorf("--password-env %s: the variable is empty or unset; export it first", name)
		}
		s.Answers.Secret, s.Answers.SecretEnv = checks.NewSecret(v), name
		s.Give(FieldSecret)
	}
	return nil
}

func (s *Session) catalogGet(id string) *providers.Profile {
	if s.Env.Catalog == nil {
		return nil
	}
	p, _ := s.Env.Catalog.Get(id)
	return p
}
