package checks_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/mailcfg/mailcfg/checks"
	"github.com/mailcfg/mailcfg/sandbox"
)

const propZone = `@ 3600 SOA ns1 host 1 7200 3600 1209600 120
@ NS ns1
@ NS ns2
ns1 A 127.0.0.1
ns2 A 127.0.0.1
`

// TestPropagation publishes a new DMARC record on one of two authoritative
// servers, while the user's resolver still caches the old one, then a
// negative answer: each server's state and the wait must be reported.
func TestPropagation(t *testing.T) {
	ns1, ns2, res := startDNS(t), startDNS(t), startDNS(t)
	newRec := "v=DMARC1; p=reject"
	mustZone(t, ns1, "prop.test.", propZone+`_dmarc TXT "`+newRec+`"`+"\n")
	mustZone(t, ns2, "prop.test.", propZone+`_dmarc TXT "v=DMARC1; p=none"`+"\n")
	mustZone(t, res, "prop.test.", propZone+`_dmarc 600 TXT "v=DMARC1; p=none"`+"\n")
	opts := checks.PropagationOptions{Timeout: time.Second, Addrs: map[string]string{"ns1.prop.test": ns1.Addr(), "ns2.prop.test": ns2.Addr()}}
	r := resolverFor(res, time.Second)

	var streamed int
	sink := func(e checks.Event) {
		if e.Kind == checks.EventFinding {
			streamed++
		}
	}
	rep, err := checks.PropagationWith(context.Background(), r, "_dmarc.prop.test", dns.TypeTXT, newRec, opts, sink)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Zone != "prop.test" || len(rep.Authoritative) != 2 {
		t.Fatalf("zone %q, %d servers", rep.Zone, len(rep.Authoritative))
	}
	states := map[string]string{}
	for _, s := range rep.Authoritative {
		states[s.Name] = s.State
	}
	if states["ns1.prop.test"] != checks.PropPublished || states["ns2.prop.test"] != checks.PropOld {
		t.Errorf("states %v", states)
	}
	if rep.Published || rep.Visible || rep.Resolver.State != checks.PropOld || rep.Wait != 600*time.Second {
		t.Errorf("published %v visible %v resolver %+v wait %s", rep.Published, rep.Visible, rep.Resolver, rep.Wait)
	}
	if streamed != len(rep.Findings) || streamed != 3 {
		t.Errorf("streamed %d, findings %d", streamed, len(rep.Findings))
	}

	// Both servers now publish; the resolver has a negative answer, kept
	// for the SOA's minimum (RFC 2308 §5).
	mustZone(t, ns2, "prop.test.", propZone+`_dmarc TXT "`+newRec+`"`+"\n")
	mustZone(t, res, "prop.test.", propZone)
	rep, err = checks.PropagationWith(context.Background(), r, "_dmarc.prop.test", dns.TypeTXT, newRec, opts, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Published || rep.Visible || rep.Resolver.State != checks.PropMissing || rep.Wait != 120*time.Second {
		t.Errorf("published %v visible %v resolver %+v wait %s", rep.Published, rep.Visible, rep.Resolver, rep.Wait)
	}
	f := find(rep.Findings, "propagation.resolver")
	if len(f) != 1 || f[0].Status != checks.StatusInfo || !strings.Contains(f[0].Title, "2m0s") {
		t.Errorf("resolver finding: %s", dump(f))
	}

	// Visible everywhere; and a name server that does not answer is an
	// error, not "missing".
	mustZone(t, res, "prop.test.", propZone+`_dmarc TXT "`+newRec+`"`+"\n")
	ns2.Fail("_dmarc.prop.test", dns.TypeTXT, sandbox.FailServFail)
	rep, err = checks.PropagationWith(context.Background(), r, "_dmarc.prop.test", dns.TypeTXT, newRec, opts, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Visible || rep.Published {
		t.Errorf("visible %v published %v", rep.Visible, rep.Published)
	}
	for _, s := range rep.Authoritative {
		if s.Name == "ns2.prop.test" && s.State != checks.PropError {
			t.Errorf("failing server state %q", s.State)
		}
	}
	if e := find(rep.Findings, "propagation.authoritative"); !strings.Contains(dump(e), "error") {
		t.Errorf("want an error finding: %s", dump(e))
	}
}
