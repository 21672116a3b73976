package wizard

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/mailcfg/mailcfg/checks"
	"github.com/mailcfg/mailcfg/providers"
)

// testCatalog is the builtin catalogue plus the two test profiles of
// testdata/providers.
func testCatalog(t *testing.T) *providers.Catalog {
	t.Helper()
	c, errs := providers.Load("testdata/providers")
	if len(errs) > 0 {
		t.Fatalf("test profiles: %v", errs)
	}
	for _, id := range []string{"test-multi", "test-single"} {
		if _, ok := c.Get(id); !ok {
			t.Fatalf("test profile %s not loaded", id)
		}
	}
	return c
}

func testEnv(t *testing.T, env map[string]string) Env {
	return Env{Catalog: testCatalog(t), Getenv: func(k string) string { return env[k] }}
}

func names(ids []StepID) string {
	var out []string
	for _, id := range ids {
		out = append(out, id.String())
	}
	return strings.Join(out, " ")
}

func TestStepOrder(t *testing.T) {
	var got []string
	for i, st := range Steps() {
		if st.ID != StepID(i) {
			t.Errorf("step %d has id %d", i, st.ID)
		}
		if st.Title == "" || st.Help == "" || st.Skip == nil {
			t.Errorf("step %s lacks a title, help or skip predicate", st.Name)
		}
		got = append(got, st.Name)
	}
	want := "provider domain port credentials handshake dns records send summary"
	if g := strings.Join(got, " "); g != want {
		t.Errorf("order = %q, want %q", g, want)
	}
	s := NewSession(testEnv(t, nil))
	if s.Current() != StepProvider {
		t.Errorf("a fresh session starts at %s", s.Current())
	}
	var walked []StepID
	walked = append(walked, s.Current())
	for s.Current() != StepSummary {
		walked = append(walked, s.Next())
	}
	if names(walked) != want {
		t.Errorf("Next walks %q, want %q", names(walked), want)
	}
	if s.Next() != StepSummary {
		t.Error("Next past the summary moved")
	}
}

func TestSkipsPerPrefill(t *testing.T) {
	env := map[string]string{"SMTP_PASS": "s3cret-value"}
	cases := []struct {
		name  string
		pre   Prefill
		first StepID
		path  string
	}{
		{"none", Prefill{}, StepProvider,
			"provider domain port credentials handshake dns records send summary"},
		{"provider with one region", Prefill{Provider: "test-single"}, StepDomain,
			"domain port credentials handshake dns records send summary"},
		{"provider with regions, no region", Prefill{Provider: "test-multi"}, StepProvider,
			"provider domain port credentials handshake dns records send summary"},
		{"provider and region", Prefill{Provider: "test-multi", Region: "us"}, StepDomain,
			"domain port credentials handshake dns records send summary"},
		{"domain", Prefill{Domain: "example.com"}, StepProvider,
			"provider port credentials handshake dns records send summary"},
		{"from implies domain", Prefill{From: "ops@example.com"}, StepProvider,
			"provider port credentials handshake dns records send summary"},
		{"port", Prefill{Provider: "test-single", Port: 587}, StepDomain,
			"domain credentials handshake dns records send summary"},
		{"user alone", Prefill{User: "u"}, StepProvider,
			"provider domain port credentials handshake dns records send summary"},
		{"user and secret", Prefill{User: "u", PasswordEnv: "SMTP_PASS"}, StepProvider,
			"provider domain port handshake dns records send summary"},
		{"everything", Prefill{Provider: "test-multi", Region: "eu", Domain: "example.com", Port: 465,
			User: "apikey", PasswordEnv: "SMTP_PASS", To: "x@example.org", Selector: "s1"}, StepHandshake,
			"handshake dns records send summary"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := NewSession(testEnv(t, env))
			if err := s.Apply(c.pre); err != nil {
				t.Fatalf("Apply: %v", err)
			}
			if s.Current() != c.first {
				t.Errorf("first step = %s, want %s", s.Current(), c.first)
			}
			if got := names(s.Path()); got != c.path {
				t.Errorf("path = %q\nwant   %q", got, c.path)
			}
		})
	}
}

func TestApplyValues(t *testing.T) {
	s := NewSession(testEnv(t, map[string]string{"P": "pw"}))
	err := s.Apply(Prefill{Provider: "test-multi", Region: "us", Domain: "Bücher.Example.", Port: 465,
		User: "apikey", PasswordEnv: "$P"})
	if err != nil {
		t.Fatal(err)
	}
	a := s.Answers
	if a.Host != "smtp.us.example.net" || a.Port != 465 || a.TLS != providers.TLSImplicit {
		t.Errorf("target = %s:%d %s", a.Host, a.Port, a.TLS)
	}
	if a.Domain != "xn--bcher-kva.example" || a.DomainUnicode != "bücher.example" {
		t.Errorf("domain = %q / %q", a.Domain, a.DomainUnicode)
	}
	if a.From != "postmaster@xn--bcher-kva.example" || a.Recipient() != a.From {
		t.Errorf("from = %q, recipient %q", a.From, a.Recipient())
	}
	if a.Secret.Reveal() != "pw" || a.SecretEnv != "P" || a.Selector != "tm1" {
		t.Errorf("secret from %q, selector %q", a.SecretEnv, a.Selector)
	}
}

func TestApplyRejectsAndChangesNothing(t *testing.T) {
	cases := []struct {
		pre  Prefill
		want string
	}{
		{Prefill{Provider: "nope"}, "unknown provider"},
		{Prefill{Provider: "test-multi", Region: "mars"}, "unknown region"},
		{Prefill{Region: "eu"}, "--region needs --provider"},
		{Prefill{Domain: "exa mple.com"}, "--domain"},
		{Prefill{Domain: "example.com", From: "a@other.org"}, "not at example.com"},
		{Prefill{Provider: "test-multi", Port: 2525}, "offers ports 587, 465"},
		{Prefill{Port: 70000}, "not 1-65535"},
		{Prefill{PasswordEnv: "UNSET_VAR"}, "empty or unset"},
		{Prefill{To: "nobody"}, "--to"},
		{Prefill{Selector: "bad selector"}, "--selector"},
		{Prefill{Domain: "example.com", Provider: "nope"}, "unknown provider"},
	}
	for _, c := range cases {
		s := NewSession(testEnv(t, nil))
		err := s.Apply(c.pre)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Apply(%+v) = %v, want an error with %q", c.pre, err, c.want)
			continue
		}
		if s.Answers != (Answers{}) || slices.Contains(s.given[:], true) {
			t.Errorf("Apply(%+v) failed but changed the session: %+v", c.pre, s.Answers)
		}
	}
}

func TestParseDomain(t *testing.T) {
	cases := []struct{ in, ascii, uni, err string }{
		{"example.com", "example.com", "example.com", ""},
		{"  Example.COM. ", "example.com", "example.com", ""},
		{"bücher.example", "xn--bcher-kva.example", "bücher.example", ""},
		{"xn--bcher-kva.example", "xn--bcher-kva.example", "bücher.example", ""},
		{"例え.テスト", "xn--r8jz45g.xn--zckzah", "例え.テスト", ""},
		{"", "", "", "empty"},
		{"localhost", "", "", "one label"},
		{"-bad.example", "", "", "label"},
		{"a_b.example", "", "", ""},
		{"exa mple.com", "", "", ""},
		{strings.Repeat("a", 64) + ".com", "", "", ""},
	}
	for _, c := range cases {
		d, err := ParseDomain(c.in)
		if c.ascii == "" {
			if err == nil || !errors.Is(err, ErrDomain) || !strings.Contains(err.Error(), c.err) {
				t.Errorf("ParseDomain(%q) = %v, %v; want an ErrDomain with %q", c.in, d, err, c.err)
			}
			continue
		}
		if err != nil || d.ASCII != c.ascii || d.Unicode != c.uni {
			t.Errorf("ParseDomain(%q) = %+v, %v; want %s / %s", c.in, d, err, c.ascii, c.uni)
		}
	}
	d, _ := ParseDomain("bücher.example")
	if !d.IDN() || d.String() != "bücher.example (xn--bcher-kva.example)" {
		t.Errorf("IDN shown as %q", d.String())
	}
}

func TestParseAddress(t *testing.T) {
	good := map[string]string{
		"ops@example.com":         "ops@example.com",
		" ops@Bücher.example ":    "ops@xn--bcher-kva.example",
		"a.b+tag@sub.example.com": "a.b+tag@sub.example.com",
	}
	for in, want := range good {
		got, _, err := ParseAddress(in)
		if err != nil || got != want {
			t.Errorf("ParseAddress(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "ops", "@example.com", "ops@", "o ps@example.com", "a<b@example.com", "ops@example", strings.Repeat("x", 65) + "@example.com"} {
		if _, _, err := ParseAddress(in); !errors.Is(err, ErrAddress) {
			t.Errorf("ParseAddress(%q) = %v, want ErrAddress", in, err)
		}
	}
	if _, err := ValidateSender("ops@mail.example.com", "example.com"); err != nil {
		t.Errorf("a subdomain sender was refused: %v", err)
	}
	if _, err := ValidateSender("ops@notexample.com", "example.com"); err == nil {
		t.Error("a sender at another domain ending in the same letters was accepted")
	}
}

func TestValidatePort(t *testing.T) {
	c := testCatalog(t)
	multi, _ := c.Get("test-multi")
	if p, err := ValidatePort(multi, 465); err != nil || p.TLS != providers.TLSImplicit {
		t.Errorf("465 = %+v, %v", p, err)
	}
	if _, err := ValidatePort(multi, 25); !errors.Is(err, ErrPort) {
		t.Errorf("25 for a profile without it = %v", err)
	}
	if p, err := ValidatePort(nil, 465); err != nil || p.TLS != providers.TLSImplicit {
		t.Errorf("465 without a profile = %+v, %v", p, err)
	}
	if p, _ := ValidatePort(nil, 2525); p.TLS != providers.TLSStartTLS {
		t.Errorf("2525 = %+v, want STARTTLS", p)
	}
	if _, err := ValidatePort(nil, 0); !errors.Is(err, ErrPort) {
		t.Errorf("port 0 = %v", err)
	}
}

func TestSetters(t *testing.T) {
	s := NewSession(testEnv(t, map[string]string{"K": "key"}))
	if err := s.SetProvider("test-single", "", ""); err != nil {
		t.Fatal(err)
	}
	if s.Answers.Port != 465 || s.Answers.Host != "smtp.example.org" {
		t.Errorf("recommended port not chosen: %+v", s.Answers)
	}
	if err := s.SetDomain("example.com", "ops@example.com", ""); err != nil {
		t.Fatal(err)
	}
	if u, hint := SuggestUser(s.Profile(), &s.Answers); u != "ops@example.com" || hint == "" {
		t.Errorf("suggested user %q (%q)", u, hint)
	}
	if err := s.SetCredentials("ops@example.com", checks.Secret{}, ""); !errors.Is(err, ErrSecret) {
		t.Errorf("no secret accepted: %v", err)
	}
	if err := s.SetCredentials("ops@example.com", checks.Secret{}, "MISSING"); err == nil || !strings.Contains(err.Error(), "$MISSING") {
		t.Errorf("missing variable = %v", err)
	}
	if err := s.SetCredentials("ops@example.com", checks.Secret{}, "K"); err != nil || s.Answers.Secret.Reveal() != "key" {
		t.Errorf("secret from env: %v", err)
	}
	if err := s.SetCredentials("", checks.NewSecret("x"), ""); err == nil {
		t.Error("empty username accepted")
	}
	// A port the next provider lacks falls back to its recommended one.
	if err := s.SetPort(465); err != nil {
		t.Fatal(err)
	}
	if err := s.SetProvider("test-multi", "eu", ""); err != nil {
		t.Fatal(err)
	}
	if s.Answers.Port != 465 {
		t.Errorf("a port both offer was dropped: %d", s.Answers.Port)
	}
	if err := s.SetRecipient("bad"); err == nil {
		t.Error("bad recipient accepted")
	}
}

func TestBackKeepsAnswers(t *testing.T) {
	s := NewSession(testEnv(t, nil))
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(s.SetProvider("test-multi", "us", ""))
	s.Next()
	must(s.SetDomain("example.com", "ops@example.com", "sel1"))
	s.Next()
	must(s.SetPort(465))
	s.Next()
	must(s.SetCredentials("apikey", checks.NewSecret("pw"), ""))
	if s.Next() != StepHandshake {
		t.Fatalf("at %s, want handshake", s.Current())
	}
	before := s.Answers
	for _, want := range []StepID{StepCredentials, StepPort, StepDomain, StepProvider, StepProvider} {
		if got := s.Back(); got != want {
			t.Errorf("Back = %s, want %s", got, want)
		}
	}
	if s.CanBack() {
		t.Error("CanBack at the first step")
	}
	if s.Answers != before {
		t.Errorf("Back changed the answers:\n%+v\n%+v", s.Answers, before)
	}
	// Answering a step again with the same values keeps results.
	s.Results.Handshake = &Outcome{OK: true}
	must(s.SetPort(465))
	if s.Results.Handshake == nil {
		t.Error("an unchanged port dropped the handshake result")
	}
	must(s.SetPort(587))
	if s.Results.Handshake != nil {
		t.Error("a changed port kept a stale handshake result")
	}
}

func TestBackSkipsGivenSteps(t *testing.T) {
	s := NewSession(testEnv(t, nil))
	if err := s.Apply(Prefill{Provider: "test-single", Domain: "example.com"}); err != nil {
		t.Fatal(err)
	}
	if s.Current() != StepPort {
		t.Fatalf("first = %s", s.Current())
	}
	if s.CanBack() || s.Back() != StepPort {
		t.Error("Back went into a prefilled step")
	}
	s.Goto(StepProvider)
	if s.Current() != StepProvider {
		t.Error("Goto did not move")
	}
}
