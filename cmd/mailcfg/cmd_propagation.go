package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/miekg/dns"
	"github.com/spf13/cobra"

	"github.com/mailcfg/mailcfg/checks"
)

func init() { commands = append(commands, newPropagationCmd) }

// propagationOptions are the inputs of `mailcfg propagation`, validated.
type propagationOptions struct {
	Name     string // ASCII, no final dot
	Type     uint16 // TXT, CNAME or MX
	Want     string
	Checks   checks.PropagationOptions
	JSON     bool
	Color    bool
	Resolver checks.Resolver
}

// propagationTypes are the record types the command checks: those that
// `mailcfg records` asks a user to publish.
var propagationTypes = map[string]uint16{"TXT": dns.TypeTXT, "CNAME": dns.TypeCNAME, "MX": dns.TypeMX}

func newPropagationCmd(a *app) *cobra.Command {
	var typ, want string
	var nsAddrs []string
	var nsPort int
	cmd := &cobra.Command{
		Use:   "propagation NAME --type TXT|CNAME|MX --want VALUE [--ns-addr NS=HOST:PORT]...",
		Short: "Check whether a new record is published by every name server and visible yet",
		Long: `After publishing a record, ask each of its zone's authoritative name servers
directly, without recursion ("is it published?"), then your resolver ("is it
visible yet?"). Each server is shown with ✓ (it serves VALUE), ✗ (it serves
another value, or none) or ? (it could not be asked). Where your resolver
still holds an old answer, or a negative one, the wait is its TTL, or for a
negative answer the SOA's minimum (RFC 2308 §5).

VALUE is compared as text: TXT strings joined, names without their final
dot, case and runs of spaces ignored. An MX value is "PREFERENCE HOST".

Exit codes: 0 every name server and the resolver serve VALUE; 1 some serve
something else (or nothing); 3 none serve something else, but some could not
be asked; 2 bad usage.`,
		Example: `  mailcfg propagation _dmarc.example.com --type TXT --want "v=DMARC1; p=reject; rua=mailto:dmarc@example.com"
  mailcfg propagation s1._domainkey.example.com --type CNAME --want s1.domainkey.u1.wl1.sendgrid.net --json
  mailcfg propagation example.com --type MX --want "10 mx.example.com"`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts, err := a.propagationOptions(args, typ, want, cmd.Flags().Changed("want"), nsAddrs, nsPort)
			if err != nil {
				return err
			}
			return runPropagation(cmd.Context(), opts, a.stdio)
		},
	}
	f := cmd.Flags()
	f.StringVar(&typ, "type", "TXT", "the record `type`: TXT, CNAME or MX")
	f.StringVar(&want, "want", "", "the `value` the record should now hold")
	f.StringArrayVar(&nsAddrs, "ns-addr", nil, "ask name server `NS=HOST:PORT` at that address instead of its own (split horizon; repeatable)")
	f.IntVar(&nsPort, "ns-port", 53, "the `port` name servers are asked on")
	_ = f.MarkHidden("ns-port")
	return cmd
}

// propagationOptions validates the arguments and flags: any bad input is a
// usage error, before anything is looked up.
func (a *app) propagationOptions(args []string, typ, want string, wantSet bool, nsAddrs []string, nsPort int) (propagationOptions, error) {
	o := propagationOptions{JSON: a.JSON, Color: a.color()}
	if len(args) != 1 {
		return o, usagef("propagation: give exactly one record NAME, e.g. _dmarc.example.com (got %d)", len(args))
	}
	name, err := auditDomain(args[0])
	if err != nil {
		return o, usagef("propagation: %q is not a record name (%v); give one like _dmarc.example.com", args[0], err)
	}
	o.Name = name
	qt, ok := propagationTypes[strings.ToUpper(strings.TrimSpace(typ))]
	if !ok {
		return o, usagef("propagation: --type %q is not supported; give TXT, CNAME or MX", typ)
	}
	o.Type = qt
	if !wantSet || strings.TrimSpace(want) == "" {
		return o, usagef("propagation: --want is required: give the value you published, e.g. --want \"v=DMARC1; p=reject\"")
	}
	if o.Want, err = propagationWant(qt, want); err != nil {
		return o, err
	}
	if nsPort < 1 || nsPort > 65535 {
		return o, usagef("propagation: --ns-port %d is not a port; give 1 to 65535", nsPort)
	}
	o.Checks = checks.PropagationOptions{Port: nsPort, Timeout: a.dnsTimeout()}
	for _, s := range nsAddrs {
		ns, addr, ok := strings.Cut(s, "=")
		host, err := auditDomain(ns)
		if !ok || err != nil {
			return o, usagef("propagation: --ns-addr %q: give NS=HOST:PORT, e.g. ns1.example.com=192.0.2.53:53", s)
		}
		if ip, err := netip.ParseAddr(addr); err == nil {
			addr = net.JoinHostPort(ip.String(), "53")
		} else if err := validateHostPort(addr, 53); err != nil {
			return o, usagef("propagation: --ns-addr %q: %v; give NS=HOST:PORT, e.g. ns1.example.com=192.0.2.53:53", s, err)
		}
		if o.Checks.Addrs == nil {
			o.Checks.Addrs = map[string]string{}
		}
		o.Checks.Addrs[host] = addr
	}
	o.Resolver = a.resolver()
	return o, nil
}

// propagationWant checks VALUE for its type: a CNAME target is a name, an
// MX is "PREFERENCE HOST" (or "0 ." for a null MX, RFC 7505).
func propagationWant(qt uint16, want string) (string, error) {
	want = strings.TrimSpace(want)
	switch qt {
	case dns.TypeCNAME:
		t, err := auditDomain(want)
		if err != nil {
			return "", usagef("propagation: --want %q is not a host name (%v); give the CNAME's target, e.g. s1.domainkey.example.net", want, err)
		}
		return t, nil
	case dns.TypeMX:
		f := strings.Fields(want)
		pref, err := strconv.ParseUint(propFirst(f), 10, 16)
		if len(f) != 2 || err != nil {
			return "", usagef("propagation: --want %q is not an MX value; give \"PREFERENCE HOST\", e.g. \"10 mx.example.com\"", want)
		}
		if f[1] == "." {
			return strconv.FormatUint(pref, 10) + " .", nil
		}
		h, err := auditDomain(f[1])
		if err != nil {
			return "", usagef("propagation: --want %q: %q is not a host name (%v); give \"PREFERENCE HOST\"", want, f[1], err)
		}
		return strconv.FormatUint(pref, 10) + " " + h, nil
	}
	return want, nil
}

func propFirst(f []string) string {
	if len(f) == 0 {
		return ""
	}
	return f[0]
}

// propServerJSON is one server in `propagation --json`.
type propServerJSON struct {
	Name       string   `json:"name"`
	Addr       string   `json:"addr"`
	State      string   `json:"state"` // published, old, missing, error
	Values     []string `json:"values"`
	TTLSeconds int64    `json:"ttl_seconds"`
	Error      string   `json:"error,omitempty"`
}

// propagationJSON is the document `propagation --json` prints.
type propagationJSON struct {
	Name          string           `json:"name"`
	Type          string           `json:"type"`
	Want          string           `json:"want"`
	Zone          string           `json:"zone"`
	Authoritative []propServerJSON `json:"authoritative"`
	Resolver      *propServerJSON  `json:"resolver"`
	Published     bool             `json:"published"`
	Visible       bool             `json:"visible"`
	WaitSeconds   int64            `json:"wait_seconds"`
	OK            bool             `json:"ok"`
	Findings      []checks.Finding `json:"findings"`
	Error         string           `json:"error,omitempty"`
}

func propServer(s checks.PropagationServer) propServerJSON {
	vals := make([]string, 0, len(s.Values))
	for _, v := range s.Values {
		vals = append(vals, checks.Sanitize(v, 4096))
	}
	return propServerJSON{Name: s.Name, Addr: s.Addr, State: s.State, Values: vals,
		TTLSeconds: int64(s.TTL / time.Second), Error: checks.Sanitize(s.Err, 300)}
}

// runPropagation asks, prints and exits as the report calls for.
func runPropagation(ctx context.Context, o propagationOptions, io stdio) error {
	rep, err := checks.PropagationWith(ctx, o.Resolver, o.Name, o.Type, o.Want, o.Checks, nil)
	if errors.Is(ctx.Err(), context.Canceled) {
		return ctx.Err()
	}
	code := propagationExit(rep, err)
	if err != nil {
		f := checks.Finding{ID: "propagation.zone", Status: checks.StatusError,
			Title:  "Could not find the name servers of " + o.Name,
			Detail: checks.Sanitize(err.Error(), 300),
			Fix:    "Check the name; try again, or ask another resolver with --resolver."}
		rep.Findings = append(rep.Findings, f)
	}
	if o.JSON {
		doc := propagationJSON{Name: rep.Name, Type: rep.Type, Want: rep.Want, Zone: rep.Zone,
			Authoritative: []propServerJSON{}, Published: rep.Published, Visible: rep.Visible,
			WaitSeconds: int64(rep.Wait / time.Second), OK: code == exitOK, Findings: rep.Findings}
		for _, s := range rep.Authoritative {
			doc.Authoritative = append(doc.Authoritative, propServer(s))
		}
		if err == nil {
			rs := propServer(rep.Resolver)
			doc.Resolver = &rs
		} else {
			doc.Error = checks.Sanitize(err.Error(), 300)
		}
		if doc.Findings == nil {
			doc.Findings = []checks.Finding{}
		}
		if perr := printJSON(io.Out, doc); perr != nil {
			return perr
		}
	} else {
		printPropagation(io.Out, painter(o.Color), rep, err)
	}
	if code == exitOK {
		return nil
	}
	return &exitCodeError{code}
}

// propagationExit is the exit code for a report: 1 when a server or the
// resolver serves something else (or nothing), else 3 when one could not be
// asked (or the zone's servers could not be found), else 0.
func propagationExit(rep *checks.PropagationReport, err error) int {
	if err != nil {
		return exitError
	}
	other, unknown := false, false
	for _, s := range append(append([]checks.PropagationServer(nil), rep.Authoritative...), rep.Resolver) {
		switch s.State {
		case checks.PropOld, checks.PropMissing:
			other = true
		case checks.PropError:
			unknown = true
		}
	}
	switch {
	case other:
		return exitFail
	case unknown:
		return exitError
	}
	return exitOK
}

// printPropagation writes the human report: each authoritative server with
// its mark, then the resolver with the wait, then a one-line verdict.
func printPropagation(w io.Writer, p painter, rep *checks.PropagationReport, err error) {
	clean := func(s string) string { return checks.Sanitize(s, 300) }
	fmt.Fprintf(w, "%s %s %s\n", p.bold("Propagation of"), p.bold(rep.Name), rep.Type)
	fmt.Fprintf(w, "  %s %s\n", p.dim("want:"), clean(rep.Want))
	if err != nil {
		fmt.Fprintf(w, "\n  %s  could not find the zone's name servers: %s\n", p.mark(checks.StatusError), clean(err.Error()))
		fmt.Fprintf(w, "           %s Check the name; try again, or ask another resolver with --resolver.\n", p.cyan("fix:"))
		return
	}
	fmt.Fprintf(w, "  %s %s, %d name %s\n", p.dim("zone:"), rep.Zone, len(rep.Authoritative), propPlural(len(rep.Authoritative), "server", "servers"))
	fmt.Fprintf(w, "\n%s\n", p.bold(`Authoritative servers ("is it published?")`))
	served := 0
	for _, s := range rep.Authoritative {
		if s.State == checks.PropPublished {
			served++
		}
		fmt.Fprintf(w, "  %s %s\n", propMark(p, s.State), propLine(s, rep.Type, clean))
	}
	who := "Your resolver"
	if rep.Resolver.Addr != "" {
		who += " " + rep.Resolver.Addr
	}
	fmt.Fprintf(w, "\n%s\n", p.bold(who+` ("is it visible yet?")`))
	fmt.Fprintf(w, "  %s %s\n", propMark(p, rep.Resolver.State), propLine(rep.Resolver, rep.Type, clean))
	if !rep.Visible && (rep.Resolver.State == checks.PropOld || rep.Resolver.State == checks.PropMissing) {
		why := "its TTL"
		if rep.Resolver.State == checks.PropMissing {
			why = "the SOA minimum, RFC 2308 §5"
		}
		wait := "an unknown time"
		if rep.Wait > 0 {
			wait = rep.Wait.String()
		}
		fmt.Fprintf(w, "    it may keep that answer for up to %s (%s)\n", wait, why)
	}
	verdict := fmt.Sprintf("Published on %d of %d name %s", served, len(rep.Authoritative), propPlural(len(rep.Authoritative), "server", "servers"))
	switch {
	case rep.Visible:
		verdict += "; visible through your resolver."
	default:
		verdict += "; not visible through your resolver yet."
	}
	fmt.Fprintf(w, "\n%s\n", verdict)
}

func propMark(p painter, state string) string {
	switch state {
	case checks.PropPublished:
		return p.green("✓")
	case checks.PropOld, checks.PropMissing:
		return p.red("✗")
	}
	return p.paint(sgrBold+sgrYellow, "?")
}

// propLine says what one server answered.
func propLine(s checks.PropagationServer, typ string, clean func(string) string) string {
	who := s.Name
	if s.Name == "resolver" {
		who = ""
	} else if s.Addr != "" {
		who += " (" + s.Addr + ")"
	}
	var what string
	switch s.State {
	case checks.PropPublished:
		what = "serves it"
	case checks.PropOld:
		what = "serves another value: " + clean(strings.Join(s.Values, " | "))
	case checks.PropMissing:
		what = "has no " + typ + " record there"
	default:
		what = "could not be asked: " + clean(s.Err)
	}
	if s.Name == "resolver" {
		switch s.State {
		case checks.PropPublished:
			what = "sees it"
		case checks.PropOld:
			what = "still has another value: " + clean(strings.Join(s.Values, " | "))
		case checks.PropMissing:
			what = "still has a negative answer (no " + typ + " record)"
		}
	}
	return strings.TrimSpace(who + "  " + what)
}

func propPlural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
