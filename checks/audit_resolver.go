package checks

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
)

// resolverWatch sits under an audit's Cache, so it sees each distinct
// question once, and tells whether the resolver itself failed: every
// question ended in a timeout, a network error (connection refused,
// unreachable), a refusal or a malformed reply. A SERVFAIL is about the name
// asked (its zone is broken or its servers are down), not the resolver, and
// so is any answer, negative ones included. It is safe for concurrent use.
type resolverWatch struct {
	next Resolver

	mu       sync.Mutex
	asked    int       // questions that ended while the audit was alive
	failed   int       // of which the resolver itself failed
	first    *DNSError // the first of those failures
	servers  []string  // the resolvers that failed, in order seen
	byReason map[string]int
}

// Lookup implements Resolver.
func (w *resolverWatch) Lookup(ctx context.Context, name string, qtype uint16) (*Answer, error) {
	a, err := w.next.Lookup(ctx, name, qtype)
	if ctx.Err() != nil {
		return a, err // the audit's own end says nothing about the resolver
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.asked++
	var de *DNSError
	if err == nil || !errors.As(err, &de) || !resolverFault(err) {
		return a, err
	}
	w.failed++
	if w.first == nil {
		w.first = de
	}
	if de.Server != "" && !slices.Contains(w.servers, de.Server) {
		w.servers = append(w.servers, de.Server)
	}
	if w.byReason == nil {
		w.byReason = map[string]int{}
	}
	w.byReason[failReason(de)]++
	return a, err
}

// resolverFault reports whether err is the resolver's failure rather than
// the name's: anything but SERVFAIL (RFC 1035 §4.1.1 rcode 2).
func resolverFault(err error) bool {
	if errors.Is(err, ErrServFail) {
		return false
	}
	return errors.Is(err, ErrNetwork) || errors.Is(err, ErrTimeout) ||
		errors.Is(err, ErrRefused) || errors.Is(err, ErrBadReply)
}

// failReason says in a few words why a question failed at the resolver:
// the operating system's words for a network error ("connection refused").
func failReason(e *DNSError) string {
	switch {
	case errors.Is(e.Kind, ErrTimeout):
		return "no answer in time (timed out)"
	case errors.Is(e.Kind, ErrRefused):
		return "it refused the queries (REFUSED)"
	case errors.Is(e.Kind, ErrBadReply):
		return "its replies were malformed"
	}
	inner := e.Err
	for inner != nil {
		next := errors.Unwrap(inner)
		if next == nil {
			break
		}
		inner = next
	}
	if inner == nil {
		return "a network error"
	}
	return Sanitize(inner.Error(), 120)
}

// resolverFinding returns the dns.resolver error when the resolver answered
// none of the audit's questions, with fallback naming the resolvers when the
// failures did not; collapsed is how many other findings could not be made
// because of it. ok is false when any question was answered or failed for
// its own name's sake.
func (w *resolverWatch) resolverFinding(domain string, fallback []string, collapsed int) (Finding, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.asked == 0 || w.failed != w.asked {
		return Finding{}, false
	}
	servers := w.servers
	if len(servers) == 0 {
		servers = fallback
	}
	who := "The resolver"
	switch len(servers) {
	case 0:
	case 1:
		who += " " + servers[0]
	default:
		who = "The resolvers " + strings.Join(servers, ", ")
	}
	reason, most := "", 0
	for r, n := range w.byReason {
		if n > most || n == most && r < reason {
			reason, most = r, n
		}
	}
	detail := fmt.Sprintf("Every one of the %d %s this audit asked failed at the resolver itself, so %d %s could not be made; "+
		"this says nothing about %s's records.", w.asked, auPlural(w.asked, "question", "questions"),
		collapsed, auPlural(collapsed, "check", "checks"), domain)
	if errors.Is(w.first.Kind, ErrTimeout) {
		detail += " If the resolver answers for other domains, " + domain + "'s own name servers may be unreachable."
	}
	return Finding{
		ID: "dns.resolver", Status: StatusError,
		Title:    who + " answered no question: " + reason,
		Detail:   detail,
		Fix:      "Check --resolver (a working recursive resolver, host:port) and your network (firewall, VPN, offline), then try again.",
		Evidence: auEvidence(w.first.Error()),
	}, true
}
