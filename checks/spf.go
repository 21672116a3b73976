package checks

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"time"

	"github.com/mailcfg/mailcfg/records"
)

// The results of check_host() (RFC 7208 §2.6), as the contract's JSON spells
// them.
const (
	SPFPass      = "pass"
	SPFFail      = "fail"
	SPFSoftFail  = "softfail"
	SPFNeutral   = "neutral"
	SPFNone      = "none"
	SPFPermError = "permerror"
	SPFTempError = "temperror"
)

// The processing limits of RFC 7208 §4.6.4.
const (
	spfMaxLookups     = 10 // mechanisms and modifiers that query DNS
	spfMaxVoid        = 2  // lookups answered NXDOMAIN or with no records
	spfMaxAddrLookups = 10 // address lookups behind one mx or ptr
)

// SPFResult is the outcome of check_host(): the result, the explanation a
// fail carries (RFC 7208 §6.2; "" when the record has no usable exp=), the
// DNS-lookup and void-lookup counts against the limits of §4.6.4, the record
// of the checked domain, and a trace of each step taken.
type SPFResult struct {
	Result      string   `json:"result"`
	Explanation string   `json:"explanation"`
	Lookups     int      `json:"lookups"`
	VoidLookups int      `json:"void_lookups"`
	Trace       []string `json:"trace"`
	Record      string   `json:"record,omitempty"`
	// Mechanism is the term that decided the result ("" when none did).
	Mechanism string `json:"mechanism,omitempty"`
	// Domain is the domain whose record decided (after redirects).
	Domain string `json:"domain,omitempty"`
}

// CheckHost runs RFC 7208 check_host() for a connection from ip whose MAIL
// FROM is sender (or, for the HELO identity, postmaster@helo) and whose SPF
// domain is domain. An empty sender means postmaster@domain; a sender without
// a local part gets "postmaster" (§4.3). Every lookup goes through r. It
// always returns a result: DNS failures are temperror (§2.6.6), a malformed
// domain or one without a record is none (§4.3, §4.5).
func CheckHost(ctx context.Context, r Resolver, ip net.IP, domain, sender, helo string) *SPFResult {
	e := &spfEval{ctx: ctx, r: r, helo: helo, now: time.Now, receiver: "unknown"}
	addr, ok := netip.AddrFromSlice(ip)
	if !ok {
		return &SPFResult{Result: SPFPermError, Trace: []string{"no valid client IP address"}}
	}
	e.ip = addr.Unmap()
	// One cache for the evaluation, shared with the lookups asked ahead.
	e.r = NewCache(r)
	e.pre = newSPFPrefetch(ctx, e.r, e.ip.Is6())
	defer e.pre.stop()
	if sender == "" {
		sender = "postmaster@" + domain
	}
	e.local, e.senderDomain = spfSplitSender(sender)
	e.sender = e.local + "@" + e.senderDomain
	res := &SPFResult{}
	out := e.checkHost(domain, 0, res)
	res.Result = out.result
	res.Explanation = out.explanation
	res.Mechanism, res.Domain = out.mechanism, out.domain
	res.Lookups, res.VoidLookups, res.Trace = e.lookups, e.voids, e.trace
	return res
}

// spfSplitSender splits a MAIL FROM address at its last '@' (RFC 7208 §4.3); an
// empty local part, or none, becomes "postmaster".
func spfSplitSender(s string) (local, domain string) {
	i := strings.LastIndexByte(s, '@')
	if i < 0 {
		return "postmaster", s
	}
	local, domain = s[:i], s[i+1:]
	if local == "" {
		local = "postmaster"
	}
	return local, domain
}

// spfEval is the state of one check_host() evaluation, shared by every
// include and redirect it follows.
type spfEval struct {
	ctx      context.Context
	r        Resolver
	ip       netip.Addr
	sender   string
	local    string
	helo     string
	now      func() time.Time
	receiver string // %{r} (RFC 7208 §7.3)

	senderDomain string
	lookups      int
	voids        int
	trace        []string
	ptrNames     []string     // validated names of ip, for %{p}
	ptrDone      bool         // ptrNames was computed
	inInclude    int          // how many includes deep the evaluation is
	pre          *spfPrefetch // lookups asked ahead
}

// spfOutcome is the result of one (possibly nested) check_host() call.
type spfOutcome struct {
	result      string
	explanation string
	mechanism   string
	domain      string
}

// spfAbort ends an evaluation early with a result (permerror, temperror)
// and the reason, for the trace.
type spfAbort struct {
	result string
	why    string
}

func (a *spfAbort) Error() string { return a.result + ": " + a.why }

func spfPerm(format string, args ...any) error {
	return &spfAbort{SPFPermError, fmt.Sprintf(format, args...)}
}

func spfTemp(err error) error {
	return &spfAbort{SPFTempError, err.Error()}
}

func (e *spfEval) tracef(depth int, format string, args ...any) {
	// Names and records come from DNS and the sender: scrub them here.
	e.trace = append(e.trace, strings.Repeat("  ", depth)+Sanitize(fmt.Sprintf(format, args...), 1000))
}

// checkHost is check_host(<ip>, <domain>, <sender>) at nesting depth depth
// (RFC 7208 §4). When top is non-nil, the record of domain is kept in it.
func (e *spfEval) checkHost(domain string, depth int, top *SPFResult) spfOutcome {
	out := spfOutcome{domain: domain}
	// §4.3: a malformed domain gives none.
	if !validSPFDomain(domain) {
		e.tracef(depth, "%s: not a valid multi-label domain name → none (RFC 7208 §4.3)", spfPrintable(domain))
		out.result = SPFNone
		return out
	}
	recs, nx, err := spfRecords(e.ctx, e.r, domain)
	switch {
	case err != nil:
		e.tracef(depth, "%s: TXT lookup failed: %v → temperror (RFC 7208 §4.4)", domain, err)
		out.result = SPFTempError
		return out
	case nx:
		e.tracef(depth, "%s: no such domain (NXDOMAIN) → none (RFC 7208 §4.3)", domain)
		out.result = SPFNone
		return out
	case len(recs) == 0:
		e.tracef(depth, "%s: no SPF record → none (RFC 7208 §4.5)", domain)
		out.result = SPFNone
		return out
	case len(recs) > 1:
		e.tracef(depth, "%s: %d SPF records → permerror (RFC 7208 §4.5)", domain, len(recs))
		out.result = SPFPermError
		if top != nil {
			top.Record = strings.Join(recs, " | ")
		}
		return out
	}
	if top != nil {
		top.Record = recs[0]
	}
	e.tracef(depth, "%s: %s", domain, spfPrintable(recs[0]))
	rec, err := records.ParseSPF(recs[0])
	if err != nil {
		e.tracef(depth, "%s: %v → permerror (RFC 7208 §4.6)", domain, err)
		out.result = SPFPermError
		return out
	}
	e.pre.record(rec, domain)
	for _, t := range rec.Terms {
		if t.Modifier {
			continue
		}
		match, err := e.mechanism(domain, depth, t)
		if err != nil {
			return e.abort(depth, out, t, err)
		}
		if !match {
			continue
		}
		out.result = spfQualifierResult(t.Qualifier)
		out.mechanism = t.String()
		e.tracef(depth, "%s: %s matched → %s", domain, t.String(), out.result)
		if out.result == SPFFail && e.inInclude == 0 {
			// §6.2: an included record's exp= is never used; a
			// redirected-to record's is.
			out.explanation = e.explain(domain, depth, rec)
		}
		return out
	}
	if rd := rec.Redirect(); rd != nil {
		// §6.1: redirect applies only when no mechanism matched.
		if err := e.count(); err != nil {
			return e.abort(depth, out, *rd, err)
		}
		target, err := e.target(rd.Domain, domain)
		if err != nil {
			return e.abort(depth, out, *rd, err)
		}
		e.tracef(depth, "%s: redirect=%s (lookup %d/%d)", domain, target, e.lookups, spfMaxLookups)
		sub := e.checkHost(target, depth+1, nil)
		if sub.result == SPFNone {
			// §6.1: no record at the target is a permerror.
			e.tracef(depth, "%s: redirect target %s has no SPF record → permerror", domain, target)
			sub.result = SPFPermError
		}
		return sub
	}
	e.tracef(depth, "%s: no mechanism matched → neutral (RFC 7208 §4.7)", domain)
	out.result = SPFNeutral
	return out
}

// abort turns an error from a term into the outcome it calls for.
func (e *spfEval) abort(depth int, out spfOutcome, t records.SPFTerm, err error) spfOutcome {
	var a *spfAbort
	if !errors.As(err, &a) {
		a = &spfAbort{SPFTempError, err.Error()}
	}
	e.tracef(depth, "%s: %s: %s → %s", out.domain, t.String(), a.why, a.result)
	out.result = a.result
	out.mechanism = t.String()
	return out
}

// count charges one DNS-querying term against the limit of 10 (§4.6.4).
func (e *spfEval) count() error {
	e.lookups++
	if e.lookups > spfMaxLookups {
		return spfPerm("more than %d DNS-querying mechanisms and modifiers (RFC 7208 §4.6.4)", spfMaxLookups)
	}
	return nil
}

// void charges a lookup that found nothing against the limit of 2 (§4.6.4).
func (e *spfEval) void(name string) error {
	e.voids++
	if e.voids > spfMaxVoid {
		return spfPerm("%s is void lookup %d: more than %d void lookups (RFC 7208 §4.6.4)", name, e.voids, spfMaxVoid)
	}
	return nil
}

func spfQualifierResult(q byte) string {
	switch q {
	case '-':
		return SPFFail
	case '~':
		return SPFSoftFail
	case '?':
		return SPFNeutral
	}
	return SPFPass
}

// explain computes the explanation of a fail from rec's exp= (RFC 7208 §6.2).
// Any problem (a DNS error, no or several TXT records, a syntax error in the
// text) means no explanation. exp= does not count toward any limit.
func (e *spfEval) explain(domain string, depth int, rec *records.SPF) string {
	x := rec.Exp()
	if x == nil {
		return ""
	}
	ms, err := records.ParseSPFMacros(x.Domain, false)
	if err != nil {
		return ""
	}
	name, err := e.expand(ms, domain, false)
	if err != nil {
		return ""
	}
	name = spfTruncate(name)
	a, err := e.r.Lookup(e.ctx, name, spfTypeTXT)
	if err != nil {
		e.tracef(depth, "%s: exp=%s: %v; no explanation", domain, name, err)
		return ""
	}
	txts := TXTStrings(a)
	if len(txts) != 1 {
		e.tracef(depth, "%s: exp=%s: %d TXT records; no explanation", domain, name, len(txts))
		return ""
	}
	ms, err = records.ParseSPFMacros(txts[0], true)
	if err != nil {
		e.tracef(depth, "%s: exp=%s: %v; no explanation", domain, name, err)
		return ""
	}
	s, err := e.expand(ms, domain, true)
	if err != nil {
		return ""
	}
	e.tracef(depth, "%s: explanation from %s: %q", domain, name, s)
	return s
}

// printable replaces bytes outside visible ASCII for the trace.
func spfPrintable(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return fmt.Sprintf("%q", s)
		}
	}
	return s
}
