package checks

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"
)

// The states of one server in a PropagationReport.
const (
	PropPublished = "published" // it serves the wanted value
	PropOld       = "old"       // it serves other values
	PropMissing   = "missing"   // it has no record of the type
	PropError     = "error"     // it could not be asked
)

// PropagationServer is what one server answered.
type PropagationServer struct {
	Name   string   `json:"name"` // the NS host name, or "resolver"
	Addr   string   `json:"addr"` // host:port asked; for the resolver, its servers
	State  string   `json:"state"`
	Values []string `json:"values,omitempty"`
	// TTL is how long the answer may be cached: the records' TTL, or for a
	// negative answer the SOA's negative TTL (RFC 2308 §5).
	TTL time.Duration `json:"ttl"`
	Err string        `json:"error,omitempty"`
}

// PropagationReport says whether a record is published by every
// authoritative server of its zone and visible through the user's resolver.
type PropagationReport struct {
	Name          string              `json:"name"`
	Type          string              `json:"type"`
	Want          string              `json:"want"`
	Zone          string              `json:"zone"`
	Authoritative []PropagationServer `json:"authoritative"`
	Resolver      PropagationServer   `json:"resolver"`
	// Published is true when every authoritative server serves Want.
	Published bool `json:"published"`
	// Visible is true when the resolver already answers with Want.
	Visible bool `json:"visible"`
	// Wait is the longest the resolver may keep its old or negative answer.
	Wait     time.Duration `json:"wait"`
	Findings []Finding     `json:"findings"`
}

// PropagationOptions tunes PropagationWith.
type PropagationOptions struct {
	// Port is where authoritative servers are asked (53 when 0).
	Port int
	// Timeout bounds one query to an authoritative server (2 s when 0).
	Timeout time.Duration
	// Addrs maps NS host names to the host:port to ask instead of their
	// address (split-horizon setups, tests).
	Addrs map[string]string
}

// Propagation checks whether name's qtype records hold want: it finds the
// zone's name servers through r and asks each directly, without recursion
// ("is it published?"), then asks r ("is it visible yet?"); where r still
// has an old or a negative answer, the wait is its TTL or the SOA's negative
// TTL. want is compared with the record data as text (TXT strings joined,
// names without their final dot, case and spacing ignored); an empty want
// accepts any record. Findings stream to sink as each server answers.
func Propagation(ctx context.Context, r Resolver, name string, qtype uint16, want string, sink Sink) (*PropagationReport, error) {
	return PropagationWith(ctx, r, name, qtype, want, PropagationOptions{}, sink)
}

// PropagationWith is Propagation with options.
func PropagationWith(ctx context.Context, r Resolver, name string, qtype uint16, want string, opts PropagationOptions, sink Sink) (*PropagationReport, error) {
	name = dns.Fqdn(strings.ToLower(name))
	rep := &PropagationReport{Name: auBare(name), Type: dns.TypeToString[qtype], Want: want}
	em := &emitter{sink: sink, job: "propagation " + rep.Name}
	zone, err := findZone(ctx, r, name)
	if err != nil {
		return rep, err
	}
	rep.Zone = auBare(zone)
	servers, err := zoneServers(ctx, r, zone, opts.Port, opts.Addrs)
	if err != nil {
		return rep, err
	}
	rep.Authoritative = make([]PropagationServer, len(servers))
	var wg sync.WaitGroup
	for i, s := range servers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ar := &DNSResolver{Servers: []string{s.Addr}, NoRecursion: true, Timeout: opts.Timeout}
			ps := askServer(ctx, ar, name, qtype, want)
			ps.Name, ps.Addr = s.Name, s.Addr
			rep.Authoritative[i] = ps
			em.add(authFinding(rep, ps))
		}()
	}
	wg.Wait()
	rep.Published = len(servers) > 0
	for _, s := range rep.Authoritative {
		if s.State != PropPublished {
			rep.Published = false
		}
	}
	rs := askServer(ctx, r, name, qtype, want)
	rs.Name, rs.Addr = "resolver", strings.Join(ResolverServers(r), ", ")
	rep.Resolver = rs
	rep.Visible = rs.State == PropPublished
	if rs.State == PropOld || rs.State == PropMissing {
		rep.Wait = rs.TTL
	}
	em.add(resolverFinding(rep, rs))
	rep.Findings = em.out
	return rep, nil
}

// findZone returns the zone that holds name: the owner of the SOA in the
// answer, or in the authority section of a negative answer, walking up the
// tree when neither has one.
func findZone(ctx context.Context, r Resolver, name string) (string, error) {
	for cur := name; cur != "."; {
		a, err := r.Lookup(ctx, cur, dns.TypeSOA)
		if err != nil {
			return "", err
		}
		for _, rr := range append(append([]dns.RR(nil), a.RRs...), a.Ns...) {
			if soa, ok := rr.(*dns.SOA); ok {
				return strings.ToLower(soa.Hdr.Name), nil
			}
		}
		i, end := dns.NextLabel(cur, 0)
		if end {
			break
		}
		cur = cur[i:]
	}
	return "", fmt.Errorf("propagation: no zone (SOA) found above %s", auBare(name))
}

type nsAddr struct{ Name, Addr string }

// zoneServers returns the addresses of the zone's NS hosts.
func zoneServers(ctx context.Context, r Resolver, zone string, port int, override map[string]string) ([]nsAddr, error) {
	if port == 0 {
		port = 53
	}
	a, err := r.Lookup(ctx, zone, dns.TypeNS)
	if err != nil {
		return nil, err
	}
	var hosts []string
	for _, rr := range a.Records() {
		hosts = append(hosts, rr.(*dns.NS).Ns)
	}
	if len(hosts) == 0 {
		return nil, errors.New("propagation: " + auBare(zone) + " has no NS records")
	}
	addrs := make([][]net.IP, len(hosts))
	var wg sync.WaitGroup
	for i, h := range hosts {
		wg.Add(1)
		go func() { defer wg.Done(); addrs[i], _ = LookupIP(ctx, r, h) }()
	}
	wg.Wait()
	var out []nsAddr
	for i, h := range hosts {
		if a, ok := override[auBare(h)]; ok {
			out = append(out, nsAddr{Name: auBare(h), Addr: a})
			continue
		}
		for _, ip := range addrs[i] {
			out = append(out, nsAddr{Name: auBare(h), Addr: net.JoinHostPort(ip.String(), strconv.Itoa(port))})
		}
	}
	if len(out) == 0 {
		return nil, errors.New("propagation: no address for the name servers of " + auBare(zone))
	}
	return out, nil
}

// askServer asks one server and compares its answer with want.
func askServer(ctx context.Context, r Resolver, name string, qtype uint16, want string) PropagationServer {
	a, err := r.Lookup(ctx, name, qtype)
	if err != nil {
		return PropagationServer{State: PropError, Err: err.Error()}
	}
	ps := PropagationServer{}
	recs := a.Records()
	for _, rr := range recs {
		ps.Values = append(ps.Values, rdataText(rr))
	}
	if len(recs) == 0 {
		ps.State, ps.TTL = PropMissing, a.NegativeTTL()
		return ps
	}
	ps.TTL = time.Duration(recs[0].Header().Ttl) * time.Second
	ps.State = PropOld
	for _, v := range ps.Values {
		if want == "" || sameRData(v, want) {
			ps.State = PropPublished
		}
	}
	return ps
}

func sameRData(got, want string) bool {
	norm := func(s string) string {
		s = strings.TrimSpace(s)
		if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
			s = strings.ReplaceAll(s[1:len(s)-1], `" "`, "")
		}
		return strings.ToLower(strings.Join(strings.Fields(strings.TrimSuffix(s, ".")), " "))
	}
	return norm(got) == norm(want)
}

func authFinding(rep *PropagationReport, s PropagationServer) Finding {
	id := "propagation.authoritative"
	where := s.Name + " (" + s.Addr + ")"
	switch s.State {
	case PropPublished:
		return Finding{ID: id, Status: StatusPass, Title: where + " serves the new " + rep.Type + " record", Evidence: auEvidence(strings.Join(s.Values, " | "))}
	case PropError:
		return Finding{ID: id, Status: StatusError, Title: "Could not ask " + where, Detail: Sanitize(s.Err, 300),
			Fix: "Check that the name server answers; try again."}
	case PropOld:
		return Finding{ID: id, Status: StatusWarn, Title: where + " still serves another value",
			Detail: "The change has not reached this name server yet (or was made elsewhere).",
			Fix:    "Check the record at your DNS host; secondaries catch up after the zone's refresh interval.", Evidence: auEvidence(strings.Join(s.Values, " | "))}
	}
	return Finding{ID: id, Status: StatusWarn, Title: where + " has no " + rep.Type + " record at " + rep.Name,
		Fix: "Publish the record at your DNS host; secondaries catch up after the zone's refresh interval."}
}

func resolverFinding(rep *PropagationReport, s PropagationServer) Finding {
	id := "propagation.resolver"
	switch s.State {
	case PropPublished:
		return Finding{ID: id, Status: StatusPass, Title: "Your resolver sees the new record", Evidence: auEvidence(strings.Join(s.Values, " | "))}
	case PropError:
		return Finding{ID: id, Status: StatusError, Title: "Could not ask your resolver", Detail: Sanitize(s.Err, 300), Fix: "Try again."}
	}
	what := "an old answer"
	if s.State == PropMissing {
		what = "a negative answer (no record)"
	}
	f := Finding{ID: id, Status: StatusInfo, Title: fmt.Sprintf("Your resolver still has %s; it may keep it for up to %s", what, s.TTL),
		Detail: "Resolvers cache answers for their TTL; negative answers for the SOA's minimum (RFC 2308 §5).", Ref: "RFC 2308 §5",
		Evidence: auEvidence(strings.Join(s.Values, " | "))}
	if !rep.Published {
		f.Status = StatusWarn
		f.Fix = "Publish the record at every name server first."
	}
	return f
}
