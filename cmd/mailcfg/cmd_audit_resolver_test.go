package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/mailcfg/mailcfg/checks"
)

// TestAuditPublicResolverWarning checks that `audit --ip` tells the audit
// which resolver it asks, so that a public one (here --resolver 8.8.8.8)
// gives the dnsbl.resolver warning. The lookups themselves go to the
// sandbox: the test never leaves loopback.
func TestAuditPublicResolverWarning(t *testing.T) {
	sb, _ := auditTestSandbox(t)
	if err := sb.DNS.AddZoneText("bl.test.", "2.0.0.127 A 127.0.0.2\n"); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	a := &app{stdio: stdio{In: strings.NewReader(""), Out: &out, Err: &out, Getenv: func(string) string { return "" }},
		Resolver: "8.8.8.8", JSON: true}
	o, err := a.auditOptions([]string{sb.Domain}, auditFlags{concurrency: 1, stsPort: 443, ips: []string{"127.0.0.1"}, dnsbl: []string{"bl.test"}})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(o.Checks.ResolverAddrs, ",") != "8.8.8.8:53" {
		t.Fatalf("ResolverAddrs = %v", o.Checks.ResolverAddrs)
	}
	o.Resolver = checks.NewResolver(sb.DNSAddr, time.Second)
	o.Checks.HTTPClient = checks.NewMTASTSClient(o.Resolver, sb.CertPool(), 443, time.Second)
	_ = runAudit(context.Background(), o, a.stdio)
	var doc auditDoc
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil || len(doc.Domains) != 1 {
		t.Fatalf("%v\n%s", err, out.String())
	}
	found := false
	for _, f := range doc.Domains[0].Findings {
		if f.ID == "dnsbl.resolver" {
			found = f.Status == "warn" && strings.Contains(f.Title, "8.8.8.8:53 (Google Public DNS)")
		}
	}
	if !found {
		t.Errorf("no dnsbl.resolver warn:\n%s", out.String())
	}
}
