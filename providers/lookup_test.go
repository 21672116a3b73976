package providers

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestExpand(t *testing.T) {
	vals := map[string]string{"domain": "example.com", "region": "eu-west-1", "token1": "abc"}
	cases := []struct {
		tmpl, want string
		missing    []string
	}{
		{"{token1}._domainkey.{domain}", "abc._domainkey.example.com", nil},
		{"b1.{domain_dashed}.dkim.brevo.com", "b1.example-com.dkim.brevo.com", nil},
		{"10 feedback-smtp.{region}.amazonses.com", "10 feedback-smtp.eu-west-1.amazonses.com", nil},
		{"no placeholders", "no placeholders", nil},
		{"", "", nil},
		{"{token2}.{token3}.{token2}.{domain}", "{token2}.{token3}.{token2}.example.com", []string{"token2", "token3"}},
		{"lone { brace", "lone { brace", nil},
		{"lone } brace", "lone } brace", nil},
		{"{}", "{}", nil},
		{"{{domain}}", "{example.com}", nil},
		{"{unclosed", "{unclosed", nil},
	}
	for _, c := range cases {
		got, missing := Expand(c.tmpl, vals)
		if got != c.want || !slices.Equal(missing, c.missing) {
			t.Errorf("Expand(%q) = %q, %q; want %q, %q", c.tmpl, got, missing, c.want, c.missing)
		}
	}
	// An explicit domain_dashed wins; a value is inserted as is, never
	// expanded again.
	got, _ := Expand("{domain_dashed}|{x}", map[string]string{"domain": "a.b", "domain_dashed": "given", "x": "{domain}"})
	if got != "given|{domain}" {
		t.Errorf("explicit values: %q", got)
	}
	// Without a domain, {domain_dashed} is missing too.
	if _, missing := Expand("{domain_dashed}", nil); !slices.Equal(missing, []string{"domain_dashed"}) {
		t.Errorf("missing = %v", missing)
	}
	// A trailing dot does not become a trailing dash.
	if got, _ := Expand("{domain_dashed}", map[string]string{"domain": "mail.example.com."}); got != "mail-example-com" {
		t.Errorf("dashed fqdn: %q", got)
	}
}

func ExampleExpand() {
	p, _ := Builtin().Get("brevo")
	vals := p.Values("", "example.com")
	for _, r := range p.DKIM.CNAMEs {
		name, _ := Expand(r.Name, vals)
		value, _ := Expand(r.Value, vals)
		fmt.Println(name, r.Type, value)
	}
	// Output:
	// brevo1._domainkey.example.com CNAME b1.example-com.dkim.brevo.com
	// brevo2._domainkey.example.com CNAME b2.example-com.dkim.brevo.com
}

func TestHostRegions(t *testing.T) {
	p, _ := Builtin().Get("mailgun")
	if h, err := p.Host("EU"); h != "smtp.eu.mailgun.org" || err != nil {
		t.Errorf("Host(EU) = %q, %v", h, err)
	}
	_, err := p.Host("mars")
	if err == nil || !strings.Contains(err.Error(), "us, eu") {
		t.Errorf("Host(mars) error %v should list the regions", err)
	}
	c, _ := Builtin().Get("custom")
	if _, err := c.Host(""); !errors.Is(err, ErrAnyHost) {
		t.Errorf("custom Host: %v", err)
	}
	empty := &Profile{ID: "x"}
	if _, err := empty.Host(""); err == nil {
		t.Error("Host of a profile without regions succeeded")
	}
	if empty.Recommended() != (Port{}) {
		t.Error("Recommended of a profile without ports is not the zero Port")
	}
}

func TestPort(t *testing.T) {
	p, _ := Builtin().Get("postmark")
	if pt, ok := p.Port(2525); !ok || pt.TLS != TLSStartTLS {
		t.Errorf("Port(2525) = %v, %v", pt, ok)
	}
	if _, ok := p.Port(465); ok {
		t.Error("Postmark has no port 465")
	}
}

func TestValues(t *testing.T) {
	p, _ := Builtin().Get("sparkpost")
	v := p.Values("eu", "example.org")
	want := map[string]string{"domain": "example.org", "domain_dashed": "example-org", "region": "eu",
		"bounce_target": "eu.sparkpostmail.com", "bounce_sub": "bounces"}
	for k, w := range want {
		if v[k] != w {
			t.Errorf("Values[%s] = %q, want %q", k, v[k], w)
		}
	}
	// A provider-generated token never gets a default.
	if _, ok := v["selector"]; ok {
		t.Errorf("Values invented a selector: %q", v["selector"])
	}
	ses, _ := Builtin().Get("ses")
	if v := ses.Values("", ""); v["region"] != "us-east-1" || v["token1"] != "" {
		t.Errorf("SES values: %v", v)
	}
}

func TestIsUnconfirmed(t *testing.T) {
	p, _ := Builtin().Get("mailtrap")
	for field, want := range map[string]bool{"ports.465": true, "ports.587": false, "auth": true, "spf.include": false} {
		if got := p.IsUnconfirmed(field); got != want {
			t.Errorf("mailtrap IsUnconfirmed(%s) = %v", field, got)
		}
	}
	z, _ := Builtin().Get("zoho")
	if !z.IsUnconfirmed("spf.include") || !z.IsUnconfirmed("spf.include.x") {
		t.Error("zoho spf.include should be unconfirmed")
	}
}

// TestValidateRejects breaks one invariant at a time in a valid profile.
func TestValidateRejects(t *testing.T) {
	base := func() *Profile {
		p, _ := Builtin().Get("sendgrid")
		c := *p
		c.Regions = slices.Clone(p.Regions)
		c.Ports = slices.Clone(p.Ports)
		c.Auth = slices.Clone(p.Auth)
		c.DKIM.CNAMEs = slices.Clone(p.DKIM.CNAMEs)
		c.Inputs = slices.Clone(p.Inputs)
		return &c
	}
	if errs := validate(base()); len(errs) != 0 {
		t.Fatalf("base profile invalid: %v", errs)
	}
	cases := []struct {
		name    string
		breakIt func(p *Profile)
		path    string
		want    string
	}{
		{"id case", func(p *Profile) { p.ID = "SendGrid" }, "id", "lower-case"},
		{"id space", func(p *Profile) { p.ID = "send grid" }, "id", "lower-case"},
		{"no name", func(p *Profile) { p.Name = " " }, "name", "no name"},
		{"bad docs", func(p *Profile) { p.Docs = "ftp://x" }, "docs", "http(s)"},
		{"no regions", func(p *Profile) { p.Regions = nil }, "regions", "at least one region"},
		{"bad host", func(p *Profile) { p.Regions[0].Host = "smtp" }, "regions.0.host", "plausible"},
		{"upper host", func(p *Profile) { p.Regions[0].Host = "SMTP.sendgrid.net" }, "regions.0.host", "plausible"},
		{"dup region", func(p *Profile) { p.Regions[1].ID = p.Regions[0].ID }, "regions.1.id", "twice"},
		{"no ports", func(p *Profile) { p.Ports = nil }, "ports", "at least one port"},
		{"port 0", func(p *Profile) { p.Ports[0].Number = 0 }, "ports.0.number", "1-65535"},
		{"port high", func(p *Profile) { p.Ports[1].Number = 65536 }, "ports.1.number", "1-65535"},
		{"dup port", func(p *Profile) { p.Ports[1].Number = p.Ports[0].Number }, "ports.1.number", "twice"},
		{"tls mode", func(p *Profile) { p.Ports[0].TLS = "ssl" }, "ports.0.tls", "TLS mode"},
		{"auth", func(p *Profile) { p.Auth = append(p.Auth, "plain") }, "auth.2", "AUTH mechanism"},
		{"username kind", func(p *Profile) { p.Username.Kind = "apikey" }, "username.kind", "username kind"},
		{"literal without value", func(p *Profile) { p.Username.Value = "" }, "username.value", "literal"},
		{"secret kind", func(p *Profile) { p.Secret.Kind = "pin" }, "secret.kind", "secret kind"},
		{"spf prefix", func(p *Profile) { p.SPF.Include = "include:sendgrid.net" }, "spf.include", `without "include:"`},
		{"spf not domain", func(p *Profile) { p.SPF.Include = "sendgrid net" }, "spf.include", "not a domain"},
		{"dkim method", func(p *Profile) { p.DKIM.Method = "CNAME" }, "dkim.method", "dkim method"},
		{"cname without records", func(p *Profile) { p.DKIM.CNAMEs = nil }, "dkim.cnames", "needs its cnames"},
		{"unknown placeholder", func(p *Profile) { p.DKIM.CNAMEs[0].Value = "s1.{tenant}.sendgrid.net" }, "dkim.cnames.0.value", "{tenant}"},
		{"brace", func(p *Profile) { p.DKIM.CNAMEs[1].Name = "s2._domainkey.{domain" }, "dkim.cnames.1.name", "unbalanced"},
		{"record type", func(p *Profile) { p.DKIM.CNAMEs[0].Type = "A" }, "dkim.cnames.0.type", "record type"},
		{"input shadows", func(p *Profile) { p.Inputs[0].Name = "domain" }, "inputs.0.name", "shadows"},
		{"input no prompt", func(p *Profile) { p.Inputs[0].Prompt = "" }, "inputs.0.prompt", "prompt"},
		{"unconfirmed port", func(p *Profile) { p.Unconfirmed = []string{"ports.9999"} }, "unconfirmed.0", "no port"},
		{"unconfirmed field", func(p *Profile) { p.Unconfirmed = []string{"colour"} }, "unconfirmed.0", "not a field"},
	}
	for _, c := range cases {
		p := base()
		c.breakIt(p)
		errs := validate(p)
		found := false
		for _, e := range errs {
			if e.path == c.path && strings.Contains(e.msg, c.want) {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: want an error at %s containing %q; got %v", c.name, c.path, c.want, errs)
		}
	}
}
