package checks

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/mailcfg/mailcfg/records"
)

// maxPolicyBytes caps a policy file; RFC 8461 §3.3 lets senders refuse
// bigger ones (64 KiB).
const maxPolicyBytes = 64 << 10

// NewMTASTSClient returns the HTTPS client the audit fetches MTA-STS
// policies with: host names are resolved through r (never the system's
// resolver), connections go to port (443 when 0), certificates are verified
// against roots (the system's when nil), redirects are not followed (RFC 8461
// §3.3) and each fetch is bounded by timeout (10 s when 0).
func NewMTASTSClient(r Resolver, roots *x509.CertPool, port int, timeout time.Duration) *http.Client {
	if port == 0 {
		port = 443
	}
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	d := &net.Dialer{Timeout: timeout}
	tr := &http.Transport{
		Proxy: nil,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			host, _, err := net.SplitHostPort(addr)
			if err != nil {
				return nil, err
			}
			ips := []net.IP{net.ParseIP(host)}
			if ips[0] == nil {
				if ips, err = LookupIP(ctx, r, host); err != nil {
					return nil, err
				}
				if len(ips) == 0 {
					return nil, fmt.Errorf("%s has no A or AAAA record", host)
				}
			}
			var last error
			for _, ip := range ips {
				c, err := d.DialContext(ctx, network, net.JoinHostPort(ip.String(), strconv.Itoa(port)))
				if err == nil {
					return c, nil
				}
				last = err
			}
			return nil, last
		},
		TLSClientConfig:       &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout:   timeout,
		ResponseHeaderTimeout: timeout,
		DisableKeepAlives:     true,
	}
	return &http.Client{Transport: tr, Timeout: timeout, CheckRedirect: noRedirect}
}

func noRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// auditMTASTS checks the _mta-sts TXT record and, when there is one, fetches
// and judges the policy it announces (RFC 8461 §3), comparing its mx
// patterns with the domain's MX hosts.
func auditMTASTS(ctx context.Context, r Resolver, domain string, client *http.Client, emit func(...Finding)) {
	name := "_mta-sts." + domain
	txt, _, err := txtAt(ctx, r, name)
	if err != nil {
		emit(couldNotCheck("mta_sts.present", "the MTA-STS record "+name, err))
		return
	}
	recs := auWithPrefix(txt, "v=STSv1")
	switch len(recs) {
	case 0:
		emit(Finding{ID: "mta_sts.present", Status: StatusInfo, Title: "No MTA-STS policy",
			Detail: "MTA-STS makes senders insist on TLS with a valid certificate when delivering to your MX; it protects mail you receive.",
			Fix:    "Publish a policy at https://mta-sts." + domain + "/.well-known/mta-sts.txt (start with mode: testing) and TXT " + name + " \"v=STSv1; id=<date>\".",
			Ref:    "RFC 8461 §3"})
		return
	case 1:
	default:
		emit(Finding{ID: "mta_sts.present", Status: StatusFail, Title: name + " holds " + fmt.Sprint(len(recs)) + " MTA-STS records",
			Detail: "Senders treat several records as no policy at all.", Fix: "Keep one record.", Ref: "RFC 8461 §3.1",
			Evidence: auEvidence(strings.Join(recs, " | "))})
		return
	}
	if _, err := records.ParseMTASTS(recs[0]); err != nil {
		emit(syntaxFinding("mta_sts.present", "The MTA-STS record", recs[0], err, "Publish exactly: v=STSv1; id=<1-32 letters and digits>", "RFC 8461 §3.1"))
		return
	}
	emit(Finding{ID: "mta_sts.present", Status: StatusPass, Title: "MTA-STS record at " + name, Evidence: auEvidence(recs[0]), Ref: "RFC 8461 §3.1"})

	url := "https://mta-sts." + domain + "/.well-known/mta-sts.txt"
	pol, raw, ferr := fetchSTSPolicy(ctx, client, url)
	if ferr != nil {
		emit(*ferr)
		return
	}
	ev := auEvidence(strings.ReplaceAll(strings.TrimSpace(raw), "\r\n", "; "))
	ev = strings.ReplaceAll(ev, `\n`, "; ")
	f := Finding{ID: "mta_sts.policy", Ref: "RFC 8461 §5", Evidence: ev}
	switch pol.Mode {
	case records.STSEnforce:
		f.Status, f.Title = StatusPass, "MTA-STS policy is enforced"
	case records.STSTesting:
		f.Status, f.Title = StatusInfo, "MTA-STS policy is in testing mode"
		f.Detail, f.Fix = "Senders report failures (to TLS-RPT) but still deliver.", "Switch to mode: enforce once TLS-RPT reports are clean, and change the id."
	default:
		f.Status, f.Title = StatusWarn, "MTA-STS policy mode is none"
		f.Detail, f.Fix = "Mode none withdraws the policy.", "Use mode: testing or enforce, or remove the TXT record."
	}
	emit(f)
	if pol.MaxAge < 86400 {
		emit(Finding{ID: "mta_sts.max_age", Status: StatusWarn, Title: fmt.Sprintf("MTA-STS max_age is only %d seconds", pol.MaxAge),
			Detail: "Senders forget the policy quickly, leaving a window for downgrade attacks.", Fix: "Use weeks: max_age: 604800 or more (at most 31557600).",
			Ref: "RFC 8461 §3.2", Evidence: ev})
	}
	if pol.Mode == records.STSNone {
		return
	}
	hosts, err := mxHosts(ctx, r, domain)
	if err != nil {
		emit(couldNotCheck("mta_sts.mx", "the MX hosts against the MTA-STS policy", err))
		return
	}
	var unmatched []string
	for _, h := range hosts {
		if !pol.Matches(h) {
			unmatched = append(unmatched, h)
		}
	}
	switch {
	case len(unmatched) > 0:
		st := StatusWarn
		if pol.Mode == records.STSEnforce {
			st = StatusFail
		}
		emit(Finding{ID: "mta_sts.mx", Status: st, Title: "MX " + auPlural(len(unmatched), "host", "hosts") + " not in the MTA-STS policy: " + strings.Join(unmatched, ", "),
			Detail: "Senders that honour the policy refuse to deliver to an MX it does not list.",
			Fix:    "Add an mx: line for each MX host (or a *.example.com pattern), then change the id in the TXT record.",
			Ref:    "RFC 8461 §4.1", Evidence: ev})
	case len(hosts) > 0:
		emit(Finding{ID: "mta_sts.mx", Status: StatusPass, Title: "Every MX host matches the MTA-STS policy", Evidence: strings.Join(hosts, ", "), Ref: "RFC 8461 §4.1"})
	}
}

// fetchSTSPolicy fetches and parses a policy; a failure is returned as the
// finding that reports it.
func fetchSTSPolicy(ctx context.Context, client *http.Client, url string) (*records.STSPolicy, string, *Finding) {
	c := *client
	c.CheckRedirect = noRedirect
	if c.Timeout == 0 {
		c.Timeout = 10 * time.Second
	}
	fail := func(st Status, title, detail, fix string) *Finding {
		return &Finding{ID: "mta_sts.policy", Status: st, Title: title, Detail: detail, Fix: fix, Ref: "RFC 8461 §3.3", Evidence: url}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, "", fail(StatusError, "Could not build the MTA-STS request", err.Error(), "")
	}
	resp, err := c.Do(req)
	if err != nil {
		var dnsErr *DNSError
		var certErr *tls.CertificateVerificationError
		var hostErr x509.HostnameError
		var uaErr x509.UnknownAuthorityError
		switch {
		case errors.As(err, &certErr), errors.As(err, &hostErr), errors.As(err, &uaErr):
			return nil, "", fail(StatusFail, "The MTA-STS policy host's certificate is not valid", Sanitize(err.Error(), 300),
				"Serve mta-sts."+hostOfURL(url)+" with a certificate from a public CA that names it.")
		case errors.As(err, &dnsErr) || stsTimeout(err) || ctx.Err() != nil:
			return nil, "", fail(StatusError, "Could not fetch the MTA-STS policy", Sanitize(err.Error(), 300),
				"Try again; a timeout or DNS failure says nothing about the policy.")
		}
		return nil, "", fail(StatusFail, "The MTA-STS policy cannot be fetched", Sanitize(err.Error(), 300),
			"Serve the policy over HTTPS at "+url+"; the TXT record announces a policy senders cannot get.")
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxPolicyBytes+1))
	if err != nil {
		return nil, "", fail(StatusError, "Could not read the MTA-STS policy", Sanitize(err.Error(), 300), "Try again.")
	}
	if resp.StatusCode != http.StatusOK {
		return nil, "", fail(StatusFail, fmt.Sprintf("The MTA-STS policy URL answers HTTP %d", resp.StatusCode),
			"Senders need a 200 answer and must not follow redirects.", "Serve the policy file itself at "+url+".")
	}
	if len(body) > maxPolicyBytes {
		return nil, "", fail(StatusFail, "The MTA-STS policy is over 64 KiB", "", "Shorten it.")
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(strings.ToLower(ct), "text/plain") {
		return nil, string(body), fail(StatusFail, "The MTA-STS policy is served as "+Sanitize(ct, 60)+", not text/plain",
			"Senders may refuse a policy of another media type.", "Serve it with Content-Type: text/plain.")
	}
	pol, err := records.ParseSTSPolicy(string(body))
	if err != nil {
		f := syntaxFinding("mta_sts.policy", "The MTA-STS policy", string(body), err, "Write version: STSv1, mode:, one mx: line per MX host and max_age:, one per line.", "RFC 8461 §3.2")
		return nil, string(body), &f
	}
	return pol, string(body), nil
}

func hostOfURL(u string) string {
	u = strings.TrimPrefix(u, "https://mta-sts.")
	if i := strings.IndexByte(u, '/'); i >= 0 {
		u = u[:i]
	}
	return u
}

func stsTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout() || errors.Is(err, context.DeadlineExceeded)
}
