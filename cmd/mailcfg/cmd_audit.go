package main

import (
	"bufio"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/net/idna"

	"github.com/mailcfg/mailcfg/checks"
	"github.com/mailcfg/mailcfg/providers"
)

func init() { commands = append(commands, newAuditCmd) }

// auditOptions are the inputs of `mailcfg audit`, validated.
type auditOptions struct {
	Domains     []string // from the arguments, in ASCII
	DomainsFile string   // one domain a line; # starts a comment
	Checks      checks.AuditOptions
	Concurrency int
	JSON        bool
	Color       bool
	Resolver    checks.Resolver
}

// auditFlags are the raw flag values.
type auditFlags struct {
	provider    string
	selectors   []string
	ips         []string
	domainsFile string
	concurrency int
	dnsbl       []string
	caFile      string
	stsPort     int
}

func newAuditCmd(a *app) *cobra.Command {
	var fl auditFlags
	cmd := &cobra.Command{
		Use:   "audit DOMAIN... [--provider ID] [--selector S]... [--ip IP]... [--domains-file F] [--concurrency N]",
		Short: "Audit a domain's mail DNS: MX, SPF, DKIM, DMARC, MTA-STS, TLS-RPT, PTR, DNSBL",
		Long: `Check everything a domain publishes for mail, live: MX (RFC 5321, null MX
RFC 7505), SPF (RFC 7208: syntax, the 10-lookup and 2-void-lookup limits over
the whole include tree), DKIM keys (RFC 6376, RFC 8301, RFC 8463) at the
--selector names, the provider's selectors and common ones, DMARC (RFC 9989,
with its DNS tree walk and report authorisations), MTA-STS (RFC 8461, the
policy fetched over HTTPS), TLS-RPT (RFC 8460), DNSSEC, DANE TLSA and BIMI.
With --ip, the address's reverse DNS (forward-confirmed) and blocklists
(--dnsbl, default Spamhaus ZEN, SpamCop, Barracuda; each list's health is
checked with its RFC 5782 test entries first). With --provider, whether the
provider's DKIM and bounce records are in place.

Every check runs at once; a lookup that times out or fails is reported as
"could not check" (exit 3), never as missing. Many domains: --domains-file
with --concurrency N audits N at a time.

Exit codes: 0 no fail or error; 1 a finding failed; 3 a check could not be
made; 2 bad usage.`,
		Example: "  mailcfg audit example.com\n  mailcfg audit example.com --provider sendgrid --ip 192.0.2.25\n  mailcfg audit --domains-file domains.txt --concurrency 16 --json",
		RunE: func(cmd *cobra.Command, args []string) error {
			opts, err := a.auditOptions(args, fl)
			if err != nil {
				return err
			}
			return runAudit(cmd.Context(), opts, a.stdio)
		},
	}
	f := cmd.Flags()
	f.StringVar(&fl.provider, "provider", "", "check the records this provider `ID` needs (see mailcfg providers)")
	f.StringArrayVar(&fl.selectors, "selector", nil, "a DKIM `selector` that must exist (repeatable)")
	f.StringArrayVar(&fl.ips, "ip", nil, "a sending `IP` to check for reverse DNS and blocklists (repeatable)")
	f.StringVar(&fl.domainsFile, "domains-file", "", "audit the domains in this `file`, one a line (# comments)")
	f.IntVar(&fl.concurrency, "concurrency", 8, "how many domains to audit at once")
	f.StringArrayVar(&fl.dnsbl, "dnsbl", nil, "a blocklist `zone` to ask instead of the defaults (repeatable)")
	f.StringVar(&fl.caFile, "ca-file", "", "also trust the CA certificates in this PEM `file` when fetching MTA-STS policies")
	f.IntVar(&fl.stsPort, "mta-sts-port", 443, "port to fetch MTA-STS policies from (for tests against a loopback server)")
	_ = f.MarkHidden("mta-sts-port")
	return cmd
}

// auditOptions validates the flags and arguments; any bad input is a usage
// error, before anything is looked up.
func (a *app) auditOptions(args []string, fl auditFlags) (auditOptions, error) {
	o := auditOptions{Concurrency: fl.concurrency, JSON: a.JSON, Color: a.color(), DomainsFile: fl.domainsFile}
	for _, d := range args {
		ascii, err := auditDomain(d)
		if err != nil {
			return o, usagef("audit: %q is not a domain name (%v); give one like example.com", d, err)
		}
		o.Domains = append(o.Domains, ascii)
	}
	if fl.domainsFile != "" {
		n, err := auditCheckFile(fl.domainsFile)
		if err != nil {
			return o, err
		}
		if n == 0 && len(o.Domains) == 0 {
			return o, usagef("audit: --domains-file %s holds no domain", fl.domainsFile)
		}
	}
	if len(o.Domains) == 0 && fl.domainsFile == "" {
		return o, usagef("audit: give at least one DOMAIN, or --domains-file FILE")
	}
	if fl.concurrency < 1 || fl.concurrency > 1000 {
		return o, usagef("audit: --concurrency %d is out of range; give 1 to 1000", fl.concurrency)
	}
	if fl.stsPort < 1 || fl.stsPort > 65535 {
		return o, usagef("audit: --mta-sts-port %d is not a port", fl.stsPort)
	}
	for _, s := range fl.ips {
		addr, err := netip.ParseAddr(s)
		if err != nil || addr.Zone() != "" {
			return o, usagef("audit: --ip %q is not an IP address; give one like 192.0.2.1 or 2001:db8::1", s)
		}
		o.Checks.IPs = append(o.Checks.IPs, net.IP(addr.Unmap().AsSlice()))
	}
	for _, s := range fl.selectors {
		if !auditLabels(s) {
			return o, usagef("audit: --selector %q is not a DKIM selector; give the part before ._domainkey, e.g. s1", s)
		}
		o.Checks.Selectors = append(o.Checks.Selectors, strings.ToLower(s))
	}
	for _, z := range fl.dnsbl {
		ascii, err := auditDomain(z)
		if err != nil {
			return o, usagef("audit: --dnsbl %q is not a zone name (%v); give one like zen.spamhaus.org", z, err)
		}
		o.Checks.DNSBLZones = append(o.Checks.DNSBLZones, ascii)
	}
	if fl.provider != "" {
		cat, _ := providers.Load(providers.UserDirFrom(a.Getenv))
		p, ok := cat.Get(fl.provider)
		if !ok {
			return o, usagef("audit: --provider %q is not in the catalogue; use one of %s (see mailcfg providers)", fl.provider, strings.Join(cat.IDs(), ", "))
		}
		o.Checks.Provider = p
	}
	var roots *x509.CertPool
	if fl.caFile != "" {
		pool, err := auditCAPool(fl.caFile)
		if err != nil {
			return o, err
		}
		roots = pool
	}
	dns := a.resolver()
	o.Resolver = dns
	// With --ip, the audit warns when the blocklists would be asked
	// through a public resolver (dnsbl.resolver).
	o.Checks.ResolverAddrs = append([]string(nil), dns.Servers...)
	httpTimeout := 10 * time.Second
	if a.Timeout > 0 {
		httpTimeout = a.Timeout
	}
	o.Checks.HTTPClient = checks.NewMTASTSClient(dns, roots, fl.stsPort, httpTimeout)
	return o, nil
}

// auditCAPool is the system's roots plus the certificates of a PEM file.
func auditCAPool(path string) (*x509.CertPool, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, usagef("audit: --ca-file %s: %v", path, auditUnwrapPath(err))
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(data) {
		return nil, usagef("audit: --ca-file %s holds no PEM certificate", path)
	}
	return pool, nil
}

func auditUnwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// auditDomain checks a domain name and returns it in ASCII (IDNA 2008
// A-labels for Unicode names), lower case, without a final dot.
func auditDomain(s string) (string, error) {
	d := strings.TrimSuffix(strings.TrimSpace(s), ".")
	if d == "" {
		return "", errors.New("empty")
	}
	ascii, err := idna.Lookup.ToASCII(d)
	if err != nil {
		// Underscore labels (_dmarc-style zones) are not IDNA but are
		// valid DNS names.
		ascii = strings.ToLower(d)
	}
	if len(ascii) > 253 {
		return "", errors.New("longer than 253 bytes")
	}
	if !strings.Contains(ascii, ".") {
		return "", errors.New("a single label; give the full name")
	}
	if !auditLabels(ascii) {
		return "", errors.New("labels must be letters, digits and hyphens, 1-63 long")
	}
	return strings.ToLower(ascii), nil
}

// auditLabels reports whether s is dot-separated labels of letters,
// digits, hyphens and underscores, 1 to 63 bytes, not starting or ending with
// a hyphen (RFC 1035 §2.3.1).
func auditLabels(s string) bool {
	if s == "" {
		return false
	}
	for _, l := range strings.Split(s, ".") {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for _, c := range []byte(l) {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}

// auditFileLines yields the domains of a domains file, one a line, skipping
// blank lines and # comments; bad names yield an error with the line.
func auditFileLines(r io.Reader, file string, yield func(line int, d string, err error) bool) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 4096), 64<<10)
	n := 0
	for sc.Scan() {
		n++
		line := sc.Text()
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		d, err := auditDomain(line)
		if err != nil {
			err = usagef("audit: %s:%d: %q is not a domain name (%v)", file, n, line, err)
		}
		if !yield(n, d, err) {
			return nil
		}
	}
	if err := sc.Err(); err != nil {
		return usagef("audit: --domains-file %s: %v", file, err)
	}
	return nil
}

// auditCheckFile reads the file once to validate every line, keeping
// nothing, so that a bad line stops the command before any lookup.
func auditCheckFile(path string) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, usagef("audit: --domains-file %s: %v", path, auditUnwrapPath(err))
	}
	defer f.Close()
	count := 0
	var bad error
	err = auditFileLines(f, path, func(_ int, _ string, err error) bool {
		if err != nil {
			bad = err
			return false
		}
		count++
		return true
	})
	if bad != nil {
		return 0, bad
	}
	return count, err
}

// auditDomainJSON is one domain of `audit --json`.
type auditDomainJSON struct {
	Domain   string           `json:"domain"`
	Findings []checks.Finding `json:"findings"`
	Summary  checks.Summary   `json:"summary"`
	index    int
}

// runAudit audits every domain, at most Concurrency at once, reading the
// domains file as it goes. Human output prints each domain when its audit
// ends; JSON keeps only the per-domain reports and prints them in input
// order at the end.
func runAudit(ctx context.Context, o auditOptions, io stdio) error {
	var file *os.File
	if o.DomainsFile != "" {
		f, err := os.Open(o.DomainsFile)
		if err != nil {
			return usagef("audit: --domains-file %s: %v", o.DomainsFile, auditUnwrapPath(err))
		}
		defer f.Close()
		file = f
	}
	seq := func(yield func(string) bool) {
		for _, d := range o.Domains {
			if !yield(d) {
				return
			}
		}
		if file != nil {
			_ = auditFileLines(file, o.DomainsFile, func(_ int, d string, err error) bool {
				return err != nil || yield(d)
			})
		}
	}
	p := painter(o.Color)
	var total checks.Summary
	var docs []auditDomainJSON
	count := 0
	shown := map[string]bool{} // dns.resolver titles already printed in full
	checks.AuditMany(ctx, o.Resolver, seq, o.Checks, o.Concurrency, nil, func(rep checks.DomainReport) {
		total.Add(rep.Summary)
		count++
		if o.JSON {
			fs := rep.Findings
			if fs == nil {
				fs = []checks.Finding{}
			}
			docs = append(docs, auditDomainJSON{Domain: rep.Domain, Findings: fs, Summary: rep.Summary, index: rep.Index})
			return
		}
		printAuditDomain(io.Out, p, rep, shown)
	})
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if o.JSON {
		sort.Slice(docs, func(i, j int) bool { return docs[i].index < docs[j].index })
		if docs == nil {
			docs = []auditDomainJSON{}
		}
		if err := printJSON(io.Out, map[string]any{"domains": docs}); err != nil {
			return err
		}
	} else if count > 1 {
		fmt.Fprintf(io.Out, "\n%s %d domains: %s\n", p.bold("Audited"), count, auditSummaryLine(p, total))
	}
	return exitFor(total)
}

// printAuditDomain writes one domain's findings grouped by area, worst
// first. When the resolver answered none of the audit's questions
// (dns.resolver), that one finding stands for the checks it stopped: they
// are counted, not listed (--json lists them), and a resolver failure
// already printed for an earlier domain (shown, by title) is only named.
func printAuditDomain(w io.Writer, p painter, rep checks.DomainReport, shown map[string]bool) {
	fmt.Fprintf(w, "%s %s\n", p.bold("Mail DNS audit of"), p.bold(rep.Domain))
	var cause *checks.Finding
	for i, f := range rep.Findings {
		if f.ID == "dns.resolver" && f.Status == checks.StatusError {
			cause = &rep.Findings[i]
		}
	}
	if cause == nil {
		printFindings(w, p, rep.Findings)
		fmt.Fprintf(w, "\n  %s\n\n", auditSummaryLine(p, rep.Summary))
		return
	}
	var rest []checks.Finding
	stopped := 0
	for _, f := range rep.Findings {
		switch {
		case f.ID == "dns.resolver":
		case f.Status == checks.StatusError:
			stopped++
		default:
			rest = append(rest, f)
		}
	}
	because := fmt.Sprintf("%d %s could not be made because of it (--json lists each).",
		stopped, auPluralWord(stopped, "check", "checks"))
	if shown[cause.Title] {
		fmt.Fprintf(w, "  %s  %s %s\n", p.mark(checks.StatusError), safeText(cause.Title), p.dim("(as above)"))
		fmt.Fprintf(w, "           %s\n", because)
		if len(rest) > 0 {
			printFindings(w, p, rest)
		}
	} else {
		shown[cause.Title] = true
		printFindings(w, p, append([]checks.Finding{*cause}, rest...))
		fmt.Fprintf(w, "\n  %s\n", because)
	}
	fmt.Fprintf(w, "\n  %s\n\n", auditSummaryLine(p, rep.Summary))
}

// auPluralWord picks one or many by n.
func auPluralWord(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func auditSummaryLine(p painter, s checks.Summary) string {
	return fmt.Sprintf("%s, %s, %s, %s, %s",
		p.green(fmt.Sprintf("%d pass", s.Pass)), p.blue(fmt.Sprintf("%d info", s.Info)),
		p.yellow(fmt.Sprintf("%d warn", s.Warn)), p.red(fmt.Sprintf("%d fail", s.Fail)),
		fmt.Sprintf("%d could not check", s.Error))
}
