package checks

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"
)

// emitter collects an audit's findings and streams each to the sink the
// moment it is made. It is safe for concurrent use.
type emitter struct {
	mu   sync.Mutex
	sink Sink
	job  string
	out  []Finding
}

func (e *emitter) add(fs ...Finding) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, f := range fs {
		e.out = append(e.out, f)
		if e.sink != nil {
			e.sink(Event{Kind: EventFinding, Job: e.job, At: time.Now(), Finding: f})
		}
	}
}

// couldNotCheck is the error finding for a lookup that failed: the check
// could not be made, which is never the same as "missing" or "fail".
func couldNotCheck(id, what string, err error) Finding {
	detail := "The question could not be answered"
	if err != nil {
		detail += ": " + Sanitize(err.Error(), 300)
	}
	kind := "an error"
	switch {
	case errors.Is(err, ErrTimeout), errors.Is(err, context.DeadlineExceeded):
		kind = "a timeout"
	case errors.Is(err, ErrServFail):
		kind = "SERVFAIL"
	case errors.Is(err, ErrRefused):
		kind = "a refusal"
	}
	return Finding{
		ID: id, Status: StatusError,
		Title:  "Could not check " + what + " (" + kind + ")",
		Detail: detail + ". This says nothing about the record itself.",
		Fix:    "Try again, or ask another DNS server with --resolver; if it persists, check the domain's name servers.",
	}
}

// txtAt returns the TXT records at name, each record's strings joined with
// the presentation escapes undone (RFC 7208 §3.3, RFC 6376 §3.6.2.2), and the
// answer they came in.
func txtAt(ctx context.Context, r Resolver, name string) ([]string, *Answer, error) {
	a, err := r.Lookup(ctx, name, dns.TypeTXT)
	if err != nil {
		return nil, nil, err
	}
	return TXTStrings(a), a, nil
}

// auWithPrefix returns the strings of ss that start with prefix, ignoring
// case and leading spaces.
func auWithPrefix(ss []string, prefix string) []string {
	var out []string
	for _, s := range ss {
		if strings.HasPrefix(strings.ToLower(strings.TrimLeft(s, " \t")), strings.ToLower(prefix)) {
			out = append(out, s)
		}
	}
	return out
}

// auEvidence makes DNS text safe to show and short enough to read.
func auEvidence(s string) string { return Sanitize(s, 300) }

// auBare returns name lower-cased without its trailing dot, the form findings
// show.
func auBare(name string) string { return strings.ToLower(strings.TrimSuffix(name, ".")) }

// auInDomain reports whether host is domain or below it.
func auInDomain(host, domain string) bool {
	host, domain = auBare(host), auBare(domain)
	return host == domain || strings.HasSuffix(host, "."+domain)
}

func auPlural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
