package providers

import (
	"slices"
	"testing"
)

// fact is what shared/reference/providers.md says about one provider, as
// the tests hold the profiles to it.
type fact struct {
	id       string
	hosts    map[string]string // region → host
	ports    map[int]TLSMode   // ports that must be there, with their mode
	noPorts  []int             // ports the provider does not offer
	first    int               // the recommended port
	user     string            // a literal username, or ""
	userKind string            // the username kind
	auth     []string          // mechanisms that must be listed
	spf      string            // the SPF include ("" = none)
	spfIn    map[string]string // region → SPF include, where it differs
	dkim     string            // the DKIM method
	cnames   map[string]string // expanded DKIM CNAMEs for example.com
	bounce   []string          // expanded bounce records "name TYPE value"
	inputs   map[string]string // values for the templates
	selector []string          // DKIM selectors
	region   map[string]string // region → expanded bounce value check
}

var facts = []fact{
	{
		id: "ses",
		hosts: map[string]string{"": "email-smtp.us-east-1.amazonaws.com", "eu-west-1": "email-smtp.eu-west-1.amazonaws.com",
			"us-gov-west-1": "email-smtp.us-gov-west-1.amazonaws.com", "ap-southeast-2": "email-smtp.ap-southeast-2.amazonaws.com"},
		ports: map[int]TLSMode{587: TLSStartTLS, 2587: TLSStartTLS, 25: TLSStartTLS, 465: TLSImplicit, 2465: TLSImplicit},
		first: 587, userKind: "generated", spf: "amazonses.com", dkim: DKIMCNAME,
		inputs: map[string]string{"token1": "t1", "token2": "t2", "token3": "t3", "mail_from": "bounce"},
		cnames: map[string]string{"t1._domainkey.example.com": "t1.dkim.amazonses.com",
			"t2._domainkey.example.com": "t2.dkim.amazonses.com", "t3._domainkey.example.com": "t3.dkim.amazonses.com"},
		bounce: []string{"bounce.example.com MX 10 feedback-smtp.us-east-1.amazonses.com",
			"bounce.example.com TXT v=spf1 include:amazonses.com ~all"},
		region: map[string]string{"eu-central-1": "10 feedback-smtp.eu-central-1.amazonses.com"},
	},
	{
		id:    "sendgrid",
		hosts: map[string]string{"": "smtp.sendgrid.net", "eu": "smtp.eu.sendgrid.net"},
		ports: map[int]TLSMode{587: TLSStartTLS, 25: TLSStartTLS, 2525: TLSStartTLS, 465: TLSImplicit},
		first: 587, user: "apikey", userKind: "literal", spf: "sendgrid.net", dkim: DKIMCNAME,
		selector: []string{"s1", "s2"},
		inputs:   map[string]string{"account": "u1.wl2", "em_id": "7"},
		cnames: map[string]string{"s1._domainkey.example.com": "s1.domainkey.u1.wl2.sendgrid.net",
			"s2._domainkey.example.com": "s2.domainkey.u1.wl2.sendgrid.net"},
		bounce: []string{"em7.example.com CNAME u1.wl2.sendgrid.net"},
	},
	{
		id:    "mailgun",
		hosts: map[string]string{"": "smtp.mailgun.org", "us": "smtp.mailgun.org", "eu": "smtp.eu.mailgun.org"},
		ports: map[int]TLSMode{587: TLSStartTLS, 465: TLSImplicit, 2525: TLSStartTLS, 25: TLSStartTLS},
		first: 587, userKind: "generated", spf: "mailgun.org", spfIn: map[string]string{"eu": "eu.mailgun.org"}, dkim: DKIMTXT,
	},
	{
		id:    "postmark",
		hosts: map[string]string{"": "smtp.postmarkapp.com", "broadcasts": "smtp-broadcasts.postmarkapp.com"},
		ports: map[int]TLSMode{587: TLSStartTLS, 2525: TLSStartTLS, 25: TLSStartTLS}, noPorts: []int{465},
		first: 587, dkim: DKIMTXT, userKind: "generated",
		bounce: []string{"pm-bounces.example.com CNAME pm.mtasv.net"},
	},
	{
		id: "brevo", hosts: map[string]string{"": "smtp-relay.brevo.com"},
		ports: map[int]TLSMode{587: TLSStartTLS, 2525: TLSStartTLS, 465: TLSImplicit},
		first: 587, spf: "spf.brevo.com", dkim: DKIMCNAME, selector: []string{"brevo1", "brevo2"},
		cnames: map[string]string{"brevo1._domainkey.example.com": "b1.example-com.dkim.brevo.com",
			"brevo2._domainkey.example.com": "b2.example-com.dkim.brevo.com"},
	},
	{
		id: "sparkpost", hosts: map[string]string{"": "smtp.sparkpostmail.com", "eu": "smtp.eu.sparkpostmail.com"},
		ports: map[int]TLSMode{587: TLSStartTLS, 2525: TLSStartTLS}, noPorts: []int{465},
		first: 587, user: "SMTP_Injection", userKind: "literal", auth: []string{"LOGIN"}, spf: "_spf.sparkpostmail.com", dkim: DKIMTXT,
		inputs: map[string]string{"bounce_sub": "bounces"},
		bounce: []string{"bounces.example.com CNAME sparkpostmail.com"},
		region: map[string]string{"eu": "eu.sparkpostmail.com"},
	},
	{
		id: "resend", hosts: map[string]string{"": "smtp.resend.com", "eu-west-1": "smtp.resend.com"},
		ports: map[int]TLSMode{465: TLSImplicit, 2465: TLSImplicit, 25: TLSStartTLS, 587: TLSStartTLS, 2587: TLSStartTLS},
		user:  "resend", userKind: "literal", dkim: DKIMTXT, selector: []string{"resend"},
		bounce: []string{"send.example.com MX 10 feedback-smtp.us-east-1.amazonses.com",
			"send.example.com TXT v=spf1 include:amazonses.com ~all"},
		region: map[string]string{"eu-west-1": "10 feedback-smtp.eu-west-1.amazonses.com"},
	},
	{
		id: "mailtrap", hosts: map[string]string{"": "live.smtp.mailtrap.io", "bulk": "bulk.smtp.mailtrap.io"},
		ports: map[int]TLSMode{587: TLSStartTLS}, first: 587, user: "api", userKind: "literal",
		spf: "_spf.smtp.mailtrap.live", dkim: DKIMCNAME,
		cnames: map[string]string{"rwmt1._domainkey.example.com": "rwmt1.dkim.smtp.mailtrap.live",
			"rwmt2._domainkey.example.com": "rwmt2.dkim.smtp.mailtrap.live"},
	},
	{
		id: "mailtrap-sandbox", hosts: map[string]string{"": "sandbox.smtp.mailtrap.io"},
		ports: map[int]TLSMode{2525: TLSStartTLS, 465: TLSStartTLS, 587: TLSStartTLS, 25: TLSStartTLS},
		first: 2525, auth: []string{"PLAIN", "LOGIN", "CRAM-MD5"}, dkim: DKIMNone,
	},
	{
		id: "smtp2go", hosts: map[string]string{"": "mail.smtp2go.com", "eu": "mail-eu.smtp2go.com", "au": "mail-au.smtp2go.com"},
		ports: map[int]TLSMode{587: TLSStartTLS, 8025: TLSStartTLS, 80: TLSStartTLS, 465: TLSImplicit, 8465: TLSImplicit, 443: TLSImplicit},
		spf:   "spf.smtp2go.com", dkim: DKIMCNAME, inputs: map[string]string{"s_id": "9", "em_id": "3"},
		cnames: map[string]string{"s9._domainkey.example.com": "dkim.smtp2go.net"},
		bounce: []string{"em3.example.com CNAME return.smtp2go.net"},
	},
	{
		id: "mandrill", hosts: map[string]string{"": "smtp.mandrillapp.com"},
		ports:    map[int]TLSMode{587: TLSStartTLS, 465: TLSImplicit, 2525: TLSStartTLS, 25: TLSStartTLS},
		userKind: "any", spf: "spf.mandrillapp.com", dkim: DKIMCNAME, selector: []string{"mte1", "mte2"},
		cnames: map[string]string{"mte1._domainkey.example.com": "dkim1.mandrillapp.com", "mte2._domainkey.example.com": "dkim2.mandrillapp.com"},
	},
	{
		id: "elasticemail", hosts: map[string]string{"": "smtp.elasticemail.com"},
		ports: map[int]TLSMode{587: TLSStartTLS, 2525: TLSStartTLS, 465: TLSImplicit},
		spf:   "_spf.elasticemail.com", dkim: DKIMTXT, selector: []string{"api"},
	},
	{
		id: "gmail", hosts: map[string]string{"": "smtp.gmail.com"},
		ports: map[int]TLSMode{465: TLSImplicit, 587: TLSStartTLS}, userKind: "email",
		auth: []string{"XOAUTH2"}, spf: "_spf.google.com", dkim: DKIMTXT,
	},
	{
		id: "google-relay", hosts: map[string]string{"": "smtp-relay.gmail.com"},
		ports: map[int]TLSMode{587: TLSStartTLS}, first: 587, spf: "_spf.google.com",
	},
	{
		id: "microsoft365", hosts: map[string]string{"": "smtp.office365.com"},
		ports: map[int]TLSMode{587: TLSStartTLS, 25: TLSStartTLS}, first: 587, userKind: "email",
		auth: []string{"XOAUTH2"}, spf: "spf.protection.outlook.com", dkim: DKIMCNAME,
		selector: []string{"selector1", "selector2"},
		inputs:   map[string]string{"ms_dkim_zone": "contoso.onmicrosoft.com"},
		cnames: map[string]string{
			"selector1._domainkey.example.com": "selector1-example-com._domainkey.contoso.onmicrosoft.com",
			"selector2._domainkey.example.com": "selector2-example-com._domainkey.contoso.onmicrosoft.com"},
	},
	{
		id: "outlook", hosts: map[string]string{"": "smtp-mail.outlook.com"},
		ports: map[int]TLSMode{587: TLSStartTLS}, first: 587, auth: []string{"XOAUTH2"},
	},
	{
		id: "zoho", hosts: map[string]string{"": "smtppro.zoho.com", "eu": "smtppro.zoho.eu", "in": "smtppro.zoho.in",
			"au": "smtppro.zoho.com.au", "jp": "smtppro.zoho.jp", "cn": "smtppro.zoho.com.cn", "sa": "smtppro.zoho.sa", "ca": "smtppro.zohocloud.ca"},
		ports: map[int]TLSMode{465: TLSImplicit, 587: TLSStartTLS}, spf: "zohomail.com",
		spfIn: map[string]string{"eu": "zohomail.eu", "in": "zohomail.in"}, dkim: DKIMTXT,
	},
	{
		id: "fastmail", hosts: map[string]string{"": "smtp.fastmail.com"},
		ports: map[int]TLSMode{465: TLSImplicit}, first: 465, auth: []string{"PLAIN"}, spf: "spf.messagingengine.com",
		dkim: DKIMCNAME, selector: []string{"fm1", "fm2", "fm3"},
		cnames: map[string]string{"fm1._domainkey.example.com": "fm1.example.com.dkim.fmhosted.com",
			"fm2._domainkey.example.com": "fm2.example.com.dkim.fmhosted.com", "fm3._domainkey.example.com": "fm3.example.com.dkim.fmhosted.com"},
	},
	{
		id: "icloud", hosts: map[string]string{"": "smtp.mail.me.com"}, ports: map[int]TLSMode{587: TLSStartTLS}, first: 587,
		spf: "icloud.com", dkim: DKIMCNAME,
		cnames: map[string]string{"sig1._domainkey.example.com": "sig1.dkim.example.com.at.icloudmailadmin.com"},
	},
	{
		id: "proton", hosts: map[string]string{"": "smtp.protonmail.ch"}, ports: map[int]TLSMode{587: TLSStartTLS},
		auth: []string{"PLAIN"}, spf: "_spf.protonmail.ch", dkim: DKIMCNAME,
		inputs: map[string]string{"proton_id": "abc"},
		cnames: map[string]string{"protonmail2._domainkey.example.com": "protonmail2.domainkey.abc.domains.proton.ch"},
	},
	{
		id: "yahoo", hosts: map[string]string{"": "smtp.mail.yahoo.com"},
		ports: map[int]TLSMode{465: TLSImplicit, 587: TLSStartTLS}, userKind: "email",
	},
	{
		id: "scaleway", hosts: map[string]string{"": "smtp.tem.scaleway.com"},
		ports: map[int]TLSMode{25: TLSStartTLS, 587: TLSStartTLS, 2587: TLSStartTLS, 465: TLSImplicit, 2465: TLSImplicit},
		auth:  []string{"PLAIN", "LOGIN"}, spf: "_spf.tem.scaleway.com", dkim: DKIMTXT,
	},
	{
		id: "cloudflare", hosts: map[string]string{"": "smtp.mx.cloudflare.net"},
		ports: map[int]TLSMode{465: TLSImplicit}, noPorts: []int{587, 25, 2525}, first: 465,
		user: "api_token", userKind: "literal", auth: []string{"PLAIN", "LOGIN"},
	},
	{
		id: "aliyun", hosts: map[string]string{"": "smtpdm.aliyun.com", "ap-southeast-1": "smtpdm-ap-southeast-1.aliyuncs.com"},
		ports: map[int]TLSMode{465: TLSImplicit, 25: TLSNone, 80: TLSNone},
	},
	{
		id: "azure", hosts: map[string]string{"": "smtp.azurecomm.net"}, ports: map[int]TLSMode{587: TLSStartTLS}, first: 587,
	},
	{
		id: "sandbox", hosts: map[string]string{"": "mail.example.test"},
		ports: map[int]TLSMode{587: TLSStartTLS, 465: TLSImplicit, 25: TLSNone}, userKind: "generated", dkim: DKIMSelf,
	},
	{
		id: "custom", ports: map[int]TLSMode{465: TLSImplicit, 587: TLSStartTLS}, dkim: DKIMSelf,
	},
}

// TestProfilesMatchReference holds a sample of profiles (more than eight)
// to the facts of shared/reference/providers.md.
func TestProfilesMatchReference(t *testing.T) {
	for _, f := range facts {
		t.Run(f.id, func(t *testing.T) {
			p, ok := Builtin().Get(f.id)
			if !ok {
				t.Fatalf("no profile %s", f.id)
			}
			for region, want := range f.hosts {
				if got, err := p.Host(region); got != want || err != nil {
					t.Errorf("Host(%q) = %q, %v; want %q", region, got, err, want)
				}
			}
			for n, mode := range f.ports {
				if pt, ok := p.Port(n); !ok || pt.TLS != mode {
					t.Errorf("port %d: %v %v, want %s", n, pt, ok, mode)
				}
			}
			for _, n := range f.noPorts {
				if _, ok := p.Port(n); ok {
					t.Errorf("port %d is listed; the provider has none", n)
				}
			}
			if f.first != 0 && p.Recommended().Number != f.first {
				t.Errorf("recommended port %d, want %d", p.Recommended().Number, f.first)
			}
			if f.user != "" && (p.Username.Kind != "literal" || p.Username.Value != f.user) {
				t.Errorf("username %+v, want literally %q", p.Username, f.user)
			}
			if f.userKind != "" && p.Username.Kind != f.userKind {
				t.Errorf("username kind %q, want %q", p.Username.Kind, f.userKind)
			}
			for _, m := range f.auth {
				if !slices.Contains(p.Auth, m) {
					t.Errorf("AUTH %v lacks %s", p.Auth, m)
				}
			}
			if f.spf != "" && p.SPF.Include != f.spf {
				t.Errorf("SPF include %q, want %q", p.SPF.Include, f.spf)
			}
			for region, want := range f.spfIn {
				if got := p.SPFInclude(region); got != want {
					t.Errorf("SPFInclude(%q) = %q, want %q", region, got, want)
				}
			}
			if f.dkim != "" && p.DKIM.Method != f.dkim {
				t.Errorf("DKIM method %q, want %q", p.DKIM.Method, f.dkim)
			}
			if f.selector != nil && !slices.Equal(p.DKIM.Selectors, f.selector) {
				t.Errorf("selectors %v, want %v", p.DKIM.Selectors, f.selector)
			}
			vals := p.Values("", "example.com")
			for k, v := range f.inputs {
				vals[k] = v
			}
			got := map[string]string{}
			for _, r := range p.DKIM.CNAMEs {
				name, _ := Expand(r.Name, vals)
				value, _ := Expand(r.Value, vals)
				got[name] = value
			}
			for name, want := range f.cnames {
				if got[name] != want {
					t.Errorf("DKIM CNAME %s → %q, want %q (all: %v)", name, got[name], want, got)
				}
			}
			var bounce []string
			for _, r := range p.Bounce {
				name, _ := Expand(r.Name, vals)
				value, _ := Expand(r.Value, vals)
				bounce = append(bounce, name+" "+r.Type+" "+value)
			}
			for _, want := range f.bounce {
				if !slices.Contains(bounce, want) {
					t.Errorf("bounce records %q lack %q", bounce, want)
				}
			}
			for region, want := range f.region {
				rv := p.Values(region, "example.com")
				for k, v := range f.inputs {
					rv[k] = v
				}
				var values []string
				for _, r := range p.Bounce {
					v, _ := Expand(r.Value, rv)
					values = append(values, v)
				}
				if !slices.Contains(values, want) {
					t.Errorf("region %s: bounce values %q lack %q", region, values, want)
				}
			}
		})
	}
}
