package main

import (
	"context"
	"crypto"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mailcfg/mailcfg/checks"
	"github.com/mailcfg/mailcfg/providers"
	"github.com/mailcfg/mailcfg/records"
)

func init() { commands = append(commands, newRecordsCmd) }

// recordsOptions are the inputs of `mailcfg records`.
type recordsOptions struct {
	Domain       string
	Provider     string
	Region       string
	IPs          []string
	Selector     string
	DKIMKey      string // the key file
	DKIMGenerate string // rsa2048 rsa3072 ed25519, or "" to read DKIMKey
	DMARCPolicy  string
	DMARCTesting bool
	DMARCSP      string
	ADKIM, ASPF  string
	RUA          []string
	Inputs       []string // NAME=VALUE
	Format       string   // table zone json

	Color    bool
	UserDir  string
	Resolver checks.Resolver
}

func newRecordsCmd(a *app) *cobra.Command {
	var o recordsOptions
	cmd := &cobra.Command{
		Use:   "records --domain D [--provider ID] [flags]",
		Short: "Print the exact SPF, DKIM, DMARC, MTA-STS and TLS-RPT records to publish",
		Long: `Print the DNS records a domain needs for its sending provider, merged with
what it already publishes (read live), each marked create, replace or keep.

SPF gets the provider's include and any --ip, merged into an existing record
(never a second one); its DNS lookups are counted live against the limit of
10. DKIM is the provider's CNAMEs (filled with --input values such as tokens),
a note on where to copy a provider-issued key, or the TXT of your own key:
--dkim-key FILE reads a PEM private key (PKCS#8 or PKCS#1) and publishes its
public half; with --dkim-generate rsa2048|rsa3072|ed25519 a new key is written
to FILE (mode 0600; an existing file is never overwritten). DMARC starts at
p=none with aggregate reports; the staged rollout to reject is printed too.

--format table (default) shows each value as one string, for web DNS panels;
zone prints a BIND zone-file fragment (long TXT values split into quoted
255-byte strings); json prints {"records": [...], "dkim_private_key_file"}.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.Color, o.UserDir, o.Resolver = a.color(), providers.UserDirFrom(a.Getenv), a.resolver()
			if a.JSON {
				if cmd.Flags().Changed("format") && o.Format != "json" {
					return usagef("--json and --format %s disagree; give one of them", o.Format)
				}
				o.Format = "json"
			}
			return runRecords(cmd.Context(), o, a.stdio)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Domain, "domain", "", "the domain mail is sent from (required)")
	f.StringVar(&o.Provider, "provider", "custom", "the sending provider's id (see mailcfg providers)")
	f.StringVar(&o.Region, "region", "", "the provider's region (default: its first)")
	f.StringArrayVar(&o.IPs, "ip", nil, "an address that sends for the domain, published as ip4:/ip6: (repeatable)")
	f.StringVar(&o.Selector, "selector", "", "the DKIM selector (default: the provider's, or s<YYYYMM> for your own key)")
	f.StringVar(&o.DKIMKey, "dkim-key", "", "a PEM private key `FILE` whose public half to publish (written there with --dkim-generate)")
	f.StringVar(&o.DKIMGenerate, "dkim-generate", "", "make a new key in the --dkim-key file: rsa2048, rsa3072 or ed25519")
	f.StringVar(&o.DMARCPolicy, "dmarc-policy", "", "none, quarantine or reject (default: keep the current policy, or none)")
	f.BoolVar(&o.DMARCTesting, "dmarc-testing", false, "add t=y: receivers apply the policy one level lower, a trial step")
	f.StringVar(&o.DMARCSP, "dmarc-sp", "", "the policy for subdomains (sp): none, quarantine or reject")
	f.StringVar(&o.ADKIM, "dmarc-adkim", "", "DKIM alignment: r (relaxed) or s (strict)")
	f.StringVar(&o.ASPF, "dmarc-aspf", "", "SPF alignment: r (relaxed) or s (strict)")
	f.StringArrayVar(&o.RUA, "rua", nil, "an `ADDR` for DMARC aggregate reports (repeatable; default dmarc-reports@DOMAIN)")
	f.StringArrayVar(&o.Inputs, "input", nil, "a provider value `NAME=VALUE` its records need, such as token1=… (repeatable)")
	f.StringVar(&o.Format, "format", "table", "output: table, zone or json")
	return cmd
}

// recordsJSON is the contract's records --json document.
type recordsJSON struct {
	Records            []records.PlannedRecord `json:"records"`
	DKIMPrivateKeyFile string                  `json:"dkim_private_key_file"`
	DKIMSelector       string                  `json:"dkim_selector,omitempty"`
	Domain             string                  `json:"domain"`
	Warnings           []string                `json:"warnings"`
	Notes              []string                `json:"notes,omitempty"`
	SPFCost            *records.SPFCost        `json:"spf_cost,omitempty"`
	Rollout            []records.RolloutStep   `json:"dmarc_rollout,omitempty"`
	MTASTSPolicy       string                  `json:"mta_sts_policy,omitempty"`
	MTASTSPolicyURL    string                  `json:"mta_sts_policy_url,omitempty"`
}

// runRecords checks every flag, reads or makes the key, plans against the
// live DNS, writes a new key only once the plan succeeded, and prints.
func runRecords(ctx context.Context, o recordsOptions, io stdio) error {
	req, err := o.request()
	if err != nil {
		return err
	}
	var keyPEM []byte
	var key crypto.Signer
	switch {
	case o.DKIMGenerate != "":
		if err := checkKeyFileFree(o.DKIMKey); err != nil {
			return err
		}
		key, keyPEM, err = records.GenerateDKIMKey(o.DKIMGenerate, nil)
		if err != nil {
			return err
		}
		defer clear(keyPEM)
	case o.DKIMKey != "":
		if key, err = readKeyFile(o.DKIMKey); err != nil {
			return err
		}
		if w := keyFileWarning(o.DKIMKey); w != "" {
			fmt.Fprintln(io.Err, "mailcfg: warning: "+w)
		}
	}
	if key != nil {
		req.DKIMKey = key.Public()
	}
	// Offline first: a bad request is exit 2 before any query or file.
	if _, err := records.MakePlan(req, nil); err != nil {
		return planUsage(err, req.Provider)
	}
	plan, err := checks.PlanRecords(ctx, o.Resolver, req)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return planUsage(err, req.Provider)
	}
	keyFile := ""
	if keyPEM != nil {
		if err := writeKeyFile(o.DKIMKey, keyPEM); err != nil {
			return err
		}
		keyFile = o.DKIMKey
	}
	selector := ""
	if key != nil {
		for _, r := range plan.Records {
			if r.Purpose == records.PurposeDKIM && r.Type == "TXT" {
				selector, _, _ = strings.Cut(r.Name, "._domainkey.")
			}
		}
	}
	switch o.Format {
	case "json":
		doc := recordsJSON{Records: plan.Records, DKIMPrivateKeyFile: keyFile, DKIMSelector: selector, Domain: plan.Domain,
			Warnings: plan.Warnings, Notes: plan.Notes, SPFCost: plan.SPFCost, Rollout: plan.Rollout,
			MTASTSPolicy: plan.MTASTSPolicy, MTASTSPolicyURL: plan.MTASTSPolicyURL}
		if doc.Records == nil {
			doc.Records = []records.PlannedRecord{}
		}
		if doc.Warnings == nil {
			doc.Warnings = []string{}
		}
		if err := printJSON(io.Out, doc); err != nil {
			return err
		}
	case "zone":
		if keyFile != "" {
			fmt.Fprintf(io.Out, "; DKIM private key written to %s (mode 0600), selector %s\n", keyFile, selector)
		}
		fmt.Fprint(io.Out, plan.Zone())
	default:
		p := painter(o.Color)
		fmt.Fprint(io.Out, shownPlan(plan).Table(tablePaint(p)))
		if keyFile != "" {
			fmt.Fprintf(io.Out, "\n%s %s (mode 0600), selector %s: keep it secret; the signer needs it.\n", p.green("DKIM private key written to"), keyFile, selector)
		}
	}
	return recordsExit(plan)
}

// request turns the flags into a records.Request, checking each (exit 2).
func (o recordsOptions) request() (records.Request, error) {
	var req records.Request
	if strings.TrimSpace(o.Domain) == "" {
		return req, usagef("--domain is required: give the domain mail is sent from, e.g. --domain example.com")
	}
	if !slices.Contains([]string{"table", "zone", "json"}, o.Format) {
		return req, usagef("--format %q: use table, zone or json", o.Format)
	}
	cat, errs := providers.Load(o.UserDir)
	prof, ok := cat.Get(strings.ToLower(o.Provider))
	if !ok {
		msg := fmt.Sprintf("--provider %q is not in the catalogue; use one of %s (see mailcfg providers)", o.Provider, strings.Join(cat.IDs(), ", "))
		if len(errs) > 0 {
			msg += "; a profile file has errors: " + oneLine(errs[0].Error())
		}
		return req, usagef("%s", msg)
	}
	if o.DKIMGenerate != "" && o.DKIMKey == "" {
		return req, usagef("--dkim-generate needs --dkim-key FILE: the path to write the new private key to")
	}
	if o.DKIMGenerate != "" && !slices.Contains(records.DKIMAlgorithms, strings.ToLower(o.DKIMGenerate)) {
		return req, usagef("--dkim-generate %q: use %s", o.DKIMGenerate, strings.Join(records.DKIMAlgorithms, ", "))
	}
	req = records.Request{Domain: o.Domain, Provider: prof, Region: o.Region, Selector: o.Selector,
		DMARCPolicy: strings.ToLower(o.DMARCPolicy), DMARCTesting: o.DMARCTesting, SubdomainPolicy: strings.ToLower(o.DMARCSP),
		ADKIM: strings.ToLower(o.ADKIM), ASPF: strings.ToLower(o.ASPF), RUA: o.RUA, Inputs: map[string]string{}}
	for _, s := range o.IPs {
		ip := net.ParseIP(strings.TrimSpace(s))
		if ip == nil {
			return req, usagef("--ip %q is not an IP address; give one like 192.0.2.1 or 2001:db8::1", s)
		}
		req.IPs = append(req.IPs, ip)
	}
	for _, in := range o.Inputs {
		name, val, ok := strings.Cut(in, "=")
		name = strings.TrimSpace(name)
		if !ok || name == "" || strings.TrimSpace(val) == "" {
			return req, usagef("--input %q: write NAME=VALUE, e.g. --input token1=abc", in)
		}
		req.Inputs[name] = val
	}
	return req, nil
}

// planUsage maps the planner's errors on a request to usage errors that name
// the flag to fix; others (two SPF records) pass through.
func planUsage(err error, prof *providers.Profile) error {
	var re *records.RequestError
	var mi *records.MissingInputError
	switch {
	case errors.As(err, &re):
		flag := map[string]string{"domain": "--domain", "region": "--region", "selector": "--selector", "ip": "--ip",
			"dkim_key": "--dkim-key", "dmarc_policy": "--dmarc-policy", "sp": "--dmarc-sp", "adkim": "--dmarc-adkim",
			"aspf": "--dmarc-aspf", "rua": "--rua", "tls_rua": "--rua", "input": "--input"}[re.Field]
		if re.Value != "" {
			return usagef("%s %q: %s", flag, re.Value, re.Msg)
		}
		return usagef("%s: %s", flag, re.Msg)
	case errors.As(err, &mi):
		var parts []string
		for _, in := range mi.Missing {
			s := "--input " + in.Name + "=VALUE"
			if in.Prompt != "" {
				s += " (" + in.Prompt
				if in.Example != "" {
					s += ", e.g. " + in.Example
				}
				s += ")"
			}
			parts = append(parts, s)
		}
		where := ""
		if prof != nil && prof.DKIM.Console != "" {
			where = "; find them in " + prof.DKIM.Console
		}
		return usagef("%s's records need values only its console shows: give %s%s", mi.Provider, strings.Join(parts, ", "), where)
	}
	return err
}

// recordsExit is the exit code of a plan: 1 when the SPF record stays over
// the lookup limit, 3 when a name could not be read, else 0.
func recordsExit(plan *records.Plan) error {
	var s checks.Summary
	if plan.SPFCost != nil && plan.SPFCost.Over {
		s.Fail++
	}
	if plan.SPFCost != nil && plan.SPFCost.Error != "" {
		s.Error++
	}
	for _, r := range plan.Records {
		// Another domain's record is that domain's business.
		if strings.Contains(r.Note, records.CouldNotRead) && !r.OtherZone {
			s.Error++
		}
	}
	return exitFor(s)
}

// tablePaint maps the table's roles to the command line's colours.
func tablePaint(p painter) records.Paint {
	return func(role, s string) string {
		switch role {
		case "heading":
			return p.bold(s)
		case records.ActionCreate:
			return p.green(s)
		case records.ActionReplace:
			return p.yellow(s)
		case records.ActionKeep:
			return p.dim(s)
		case "warn":
			return p.yellow(s)
		case "dim":
			return p.dim(s)
		case "value":
			return p.cyan(s)
		}
		return s
	}
}
