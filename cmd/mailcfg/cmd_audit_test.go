package main

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/mailcfg/mailcfg/sandbox"
)

// auditTestSandbox starts the sandbox and adds two zones of its own: ok.test
// (everything right except DMARC, which SERVFAILs: exit 3) and bad.test (no
// DMARC at all: exit 1).
func auditTestSandbox(t *testing.T) (*sandbox.Sandbox, []string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	sb, err := sandbox.Start(ctx, sandbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sb.Close() })
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKIXPublicKey(&k.PublicKey)
	p := base64.StdEncoding.EncodeToString(der)
	key := `"v=DKIM1; k=rsa; p=` + p[:200] + `" "` + p[200:] + `"`
	zone := func(dmarc string) string {
		return "@ MX 10 mx\nmx A 192.0.2.10\n@ TXT \"v=spf1 ip4:192.0.2.10 -all\"\n" + sb.DKIMSelector + "._domainkey TXT " + key + "\n" +
			"_smtp._tls TXT \"v=TLSRPTv1; rua=mailto:tls@x.test\"\n" + dmarc
	}
	if err := sb.DNS.AddZoneText("err3.test.", zone("_dmarc TXT \"v=DMARC1; p=reject\"\n")); err != nil {
		t.Fatal(err)
	}
	sb.DNS.Fail("_dmarc.err3.test", dns.TypeTXT, sandbox.FailServFail)
	if err := sb.DNS.AddZoneText("bad.test.", zone("")); err != nil {
		t.Fatal(err)
	}
	if err := sb.DNS.AddZoneText("test.", ""); err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(sb.HTTPSAddr)
	global := []string{"--resolver", sb.DNSAddr, "--timeout", "500ms"}
	local := []string{"--selector", sb.DKIMSelector, "--ca-file", sb.CAFile, "--mta-sts-port", port}
	return sb, append(global, append([]string{"audit"}, local...)...)
}

type auditDoc struct {
	Domains []struct {
		Domain   string `json:"domain"`
		Findings []struct {
			ID       string `json:"id"`
			Status   string `json:"status"`
			Title    string `json:"title"`
			Evidence string `json:"evidence"`
		} `json:"findings"`
		Summary map[string]*int `json:"summary"`
	} `json:"domains"`
}

func TestAuditCommandJSON(t *testing.T) {
	sb, base := auditTestSandbox(t)
	code, out, errs := runCapture(t, nil, append(base, "--json", sb.Domain)...)
	if code != 0 || errs != "" {
		t.Fatalf("exit %d, stderr %q\n%s", code, errs, out)
	}
	var doc auditDoc
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("stdout is not one JSON document: %v\n%s", err, out)
	}
	if len(doc.Domains) != 1 || doc.Domains[0].Domain != "example.test" {
		t.Fatalf("domains: %+v", doc.Domains)
	}
	d := doc.Domains[0]
	for _, k := range []string{"pass", "info", "warn", "fail", "error"} {
		if d.Summary[k] == nil {
			t.Errorf("summary lacks %q", k)
		}
	}
	ids := map[string]string{}
	for _, f := range d.Findings {
		if ids[f.ID] == "" || f.Status == "pass" {
			ids[f.ID] = f.Status
		}
	}
	for _, id := range []string{"mx.present", "spf.present", "dkim.present", "dkim.key", "dmarc.present", "dmarc.policy", "mta_sts.present", "mta_sts.policy", "tlsrpt.present"} {
		if ids[id] != "pass" {
			t.Errorf("%s = %q, want pass", id, ids[id])
		}
	}
	if *d.Summary["pass"] == 0 || *d.Summary["fail"] != 0 || *d.Summary["error"] != 0 {
		t.Errorf("summary %v", d.Summary)
	}
}

func TestAuditCommandExitCodes(t *testing.T) {
	_, base := auditTestSandbox(t)
	for _, tc := range []struct {
		domain string
		code   int
		text   string
	}{
		{"bad.test", 1, "No DMARC record for bad.test"},
		{"err3.test", 3, "Could not check the DMARC record of err3.test (SERVFAIL)"},
	} {
		code, out, errs := runCapture(t, map[string]string{"NO_COLOR": "1"}, append(base, tc.domain)...)
		if code != tc.code || errs != "" {
			t.Errorf("%s: exit %d, stderr %q, want %d\n%s", tc.domain, code, errs, tc.code, out)
		}
		if !strings.Contains(out, tc.text) || !strings.Contains(out, "\nDMARC\n") || strings.Contains(out, "\x1b[") {
			t.Errorf("%s: human output lacks %q, its DMARC group, or has colour:\n%s", tc.domain, tc.text, out)
		}
		// Worst first within an area: in DMARC the fail or error line
		// comes before any pass.
		dm := out[strings.Index(out, "\nDMARC\n"):]
		if i, j := strings.Index(dm, "✓ pass"), strings.Index(dm, tc.text); i >= 0 && j > i {
			t.Errorf("%s: a pass is listed before the worst finding:\n%s", tc.domain, dm)
		}
	}
}

func TestAuditCommandDomainsFile(t *testing.T) {
	sb, base := auditTestSandbox(t)
	file := filepath.Join(t.TempDir(), "domains.txt")
	content := "# my domains\nbad.test\n\n" + sb.Domain + "   # the sandbox\nerr3.test\n"
	if err := os.WriteFile(file, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCapture(t, nil, append(base, "--json", "--domains-file", file, "--concurrency", "2")...)
	if code != 1 || errs != "" {
		t.Fatalf("exit %d (want 1: bad.test fails), stderr %q", code, errs)
	}
	var doc auditDoc
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range doc.Domains {
		got = append(got, d.Domain)
	}
	if strings.Join(got, ",") != "bad.test,example.test,err3.test" {
		t.Fatalf("domains in order: %v", got)
	}
}

func TestAuditCommandUsage(t *testing.T) {
	dir := t.TempDir()
	badFile := filepath.Join(dir, "bad.txt")
	_ = os.WriteFile(badFile, []byte("good.example\nnot a domain\n"), 0o600)
	emptyFile := filepath.Join(dir, "empty.txt")
	_ = os.WriteFile(emptyFile, []byte("# nothing\n"), 0o600)
	for _, tc := range []struct {
		args []string
		msg  string
	}{
		{[]string{"audit"}, "give at least one DOMAIN"},
		{[]string{"audit", "exa mple.com"}, "not a domain name"},
		{[]string{"audit", "localhost"}, "single label"},
		{[]string{"audit", "example.com", "--ip", "300.1.1.1"}, "--ip \"300.1.1.1\" is not an IP address"},
		{[]string{"audit", "--domains-file", filepath.Join(dir, "missing.txt")}, "no such file"},
		{[]string{"audit", "--domains-file", badFile}, "bad.txt:2"},
		{[]string{"audit", "--domains-file", emptyFile}, "holds no domain"},
		{[]string{"audit", "example.com", "--concurrency", "0"}, "--concurrency 0"},
		{[]string{"audit", "example.com", "--provider", "nope"}, "not in the catalogue"},
		{[]string{"audit", "example.com", "--selector", "a b"}, "not a DKIM selector"},
		{[]string{"audit", "example.com", "--dnsbl", "bad zone"}, "--dnsbl"},
		{[]string{"audit", "example.com", "--ca-file", filepath.Join(dir, "none.pem")}, "--ca-file"},
	} {
		code, out, errs := runCapture(t, map[string]string{"XDG_CONFIG_HOME": dir}, append([]string{"--resolver", "127.0.0.1:1"}, tc.args...)...)
		if code != 2 || out != "" || !strings.Contains(errs, tc.msg) || strings.Count(errs, "\n") != 1 {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want 2 and one line with %q", tc.args, code, out, errs, tc.msg)
		}
	}
}

func TestAuditDomainIDN(t *testing.T) {
	for in, want := range map[string]string{"Bücher.example": "xn--bcher-kva.example", "Example.COM.": "example.com", "_dmarc.example.com": "_dmarc.example.com"} {
		got, err := auditDomain(in)
		if err != nil || got != want {
			t.Errorf("auditDomain(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}
