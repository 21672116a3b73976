package records_test

import (
	"bytes"
	"crypto"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-msgauth/dkim"
	"github.com/emersion/go-msgauth/dmarc"
	"github.com/miekg/dns"

	"github.com/mailcfg/mailcfg/providers"
	"github.com/mailcfg/mailcfg/records"
)

var (
	rtKeyOnce sync.Once
	rtKey     crypto.Signer
)

// roundTripKey is one RSA-2048 key shared by the round-trip tests.
func roundTripKey(t *testing.T) crypto.Signer {
	rtKeyOnce.Do(func() {
		k, _, err := records.GenerateDKIMKey(records.DKIMRSA2048, nil)
		if err != nil {
			t.Fatal(err)
		}
		rtKey = k
	})
	return rtKey
}

// RoundTripRequest is the request a user of profile p would make for
// example.test: every input the profile asks for given its example value,
// custom with --ip, self-managed profiles with a key.
func roundTripRequest(t *testing.T, p *providers.Profile) records.Request {
	req := records.Request{Domain: "example.test", Provider: p, Inputs: map[string]string{},
		Now: time.Date(2026, 11, 29, 17, 0, 0, 0, time.UTC)}
	for _, in := range p.Inputs {
		v := in.Example
		if v == "" {
			v = "x" + in.Name
		}
		req.Inputs[in.Name] = v
	}
	if p.DKIM.Method == providers.DKIMSelf {
		req.DKIMKey = roundTripKey(t).Public()
		req.Selector = "mc2026"
	}
	if p.ID == "custom" {
		req.IPs = []net.IP{net.ParseIP("192.0.2.25"), net.ParseIP("2001:db8::25")}
	}
	return req
}

// TestPlanRoundTripEveryProfile plans example.test for every built-in
// profile and parses every record back with records/ and go-msgauth.
func TestPlanRoundTripEveryProfile(t *testing.T) {
	all := providers.Builtin().All()
	if len(all) < 10 {
		t.Fatalf("only %d built-in profiles", len(all))
	}
	for _, prof := range all {
		t.Run(prof.ID, func(t *testing.T) {
			req := roundTripRequest(t, prof)
			live := records.Live{"example.test.": {MX: []string{"10 mail.example.test."}}}
			plan, err := records.MakePlan(req, live)
			if err != nil {
				t.Fatalf("MakePlan: %v", err)
			}
			if plan.Record("_dmarc.example.test", records.PurposeDMARC) == nil {
				t.Error("no DMARC record")
			}
			for _, rec := range plan.Records {
				checkRoundTrip(t, rec)
			}
			if req.DKIMKey != nil {
				dk := plan.Record(req.Selector+"._domainkey.example.test", records.PurposeDKIM)
				if dk == nil {
					t.Fatal("no DKIM record for the self-managed key")
				}
				verifyWithRecord(t, roundTripKey(t), req.Selector, dk.Value)
			}
			if prof.ID == "custom" {
				spf := plan.Record("example.test", records.PurposeSPF)
				if spf == nil || !strings.Contains(spf.Value, "ip4:192.0.2.25") || !strings.Contains(spf.Value, "ip6:2001:db8::25") {
					t.Errorf("custom SPF = %+v", spf)
				}
			}
			if _, err := records.ParseSTSPolicy(plan.MTASTSPolicy); err != nil {
				t.Errorf("MTA-STS policy: %v\n%s", err, plan.MTASTSPolicy)
			}
			zp := dns.NewZoneParser(strings.NewReader(plan.Zone()), "example.test.", "")
			for _, ok := zp.Next(); ok; _, ok = zp.Next() {
			}
			if err := zp.Err(); err != nil {
				t.Errorf("zone output: %v", err)
			}
		})
	}
}

// checkRoundTrip parses one planned record back.
func checkRoundTrip(t *testing.T, rec records.PlannedRecord) {
	t.Helper()
	if strings.ContainsAny(rec.Name+rec.Value, "{}") {
		t.Errorf("unfilled placeholder: %s %s", rec.Name, rec.Value)
	}
	if _, ok := dns.IsDomainName(rec.Name); !ok || !dns.IsFqdn(rec.Name) {
		t.Errorf("name %q is not a fully qualified domain name", rec.Name)
	}
	if rec.Action == "" {
		t.Errorf("%s: no action", rec.Name)
	}
	switch rec.Type {
	case "CNAME":
		if _, ok := dns.IsDomainName(rec.Value); !ok || !dns.IsFqdn(rec.Value) {
			t.Errorf("CNAME %s → %q", rec.Name, rec.Value)
		}
		return
	case "MX":
		if _, err := dns.NewRR(rec.Name + " MX " + rec.Value); err != nil || !strings.HasSuffix(rec.Value, ".") {
			t.Errorf("MX %s %q: %v", rec.Name, rec.Value, err)
		}
		return
	case "TXT":
	default:
		t.Errorf("%s: type %q", rec.Name, rec.Type)
		return
	}
	var err error
	switch {
	case records.IsSPF(rec.Value):
		_, err = records.ParseSPF(rec.Value)
	case rec.Purpose == records.PurposeDKIM:
		var k *records.DKIMKey
		if k, err = records.ParseDKIMKey(rec.Value); err == nil && k.Bits() == 0 {
			t.Errorf("DKIM %s holds no usable key", rec.Name)
		}
	case rec.Purpose == records.PurposeDMARC:
		if _, err = records.ParseDMARC(rec.Value); err == nil {
			if _, err = dmarc.Parse(rec.Value); err != nil && rec.Value == "v=DMARC1" {
				err = nil // the report authorisation has no p=, which go-msgauth (RFC 7489) wants
			}
		}
	case rec.Purpose == records.PurposeMTASTS:
		_, err = records.ParseMTASTS(rec.Value)
	case rec.Purpose == records.PurposeTLSRPT:
		_, err = records.ParseTLSRPT(rec.Value)
	default:
		t.Errorf("TXT %s of purpose %s is of no known kind: %q", rec.Name, rec.Purpose, rec.Value)
	}
	if err != nil {
		t.Errorf("%s %s %q does not parse back: %v", rec.Purpose, rec.Name, rec.Value, err)
	}
}

// verifyWithRecord signs a message with key and has go-msgauth verify it
// against the printed TXT value.
func verifyWithRecord(t *testing.T, key crypto.Signer, selector, txt string) {
	t.Helper()
	var signed bytes.Buffer
	msg := "From: me@example.test\r\nTo: you@example.net\r\nSubject: round trip\r\n\r\nHello.\r\n"
	if err := dkim.Sign(&signed, strings.NewReader(msg), &dkim.SignOptions{Domain: "example.test", Selector: selector, Signer: key}); err != nil {
		t.Fatal(err)
	}
	vs, err := dkim.VerifyWithOptions(&signed, &dkim.VerifyOptions{LookupTXT: func(string) ([]string, error) { return []string{txt}, nil }})
	if err != nil || len(vs) != 1 || vs[0].Err != nil {
		t.Fatalf("go-msgauth does not verify against %q: %v %+v", txt, err, vs)
	}
}
