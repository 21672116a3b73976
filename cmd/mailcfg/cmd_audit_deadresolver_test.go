package main

import (
	"encoding/json"
	"fmt"
	"github.com/mailcfg/mailcfg/internal/hostiletest"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// deadUDP returns a loopback address that answers no DNS question: a closed
// port (connection refused) or, with drop, a socket that reads every query
// and never answers.
func deadUDP(t *testing.T, drop bool) string {
	t.Helper()
	if drop {
		return hostiletest.SilentUDP(t)
	}
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := pc.LocalAddr().String()
	pc.Close() // a closed port: queries are refused
	return addr
}

// TestAuditDeadResolverOnce checks that a resolver that answers nothing is
// said once: one dns.resolver finding and a count of the checks it stopped
// in the human report, every finding (each an error) in the JSON, exit 3.
func TestAuditDeadResolverOnce(t *testing.T) {
	for _, tc := range []struct {
		name, addr, reason string
	}{
		{"closed port", deadUDP(t, false), "connection refused"},
		{"drops every packet", deadUDP(t, true), "timed out"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := []string{"--resolver", tc.addr, "--timeout", "200ms", "audit", "example.com"}
			code, out, errs := runCapture(t, map[string]string{"NO_COLOR": "1"}, args...)
			if code != 3 || errs != "" {
				t.Fatalf("exit %d, stderr %q, want 3\n%s", code, errs, out)
			}
			title := "The resolver " + tc.addr + " answered no question: "
			if strings.Count(out, title) != 1 || !strings.Contains(out, tc.reason) {
				t.Errorf("want %q…%q once:\n%s", title, tc.reason, out)
			}
			if strings.Contains(out, "Could not check") || strings.Count(out, "fix:") != 1 {
				t.Errorf("the checks the resolver stopped are listed, not counted:\n%s", out)
			}

			human := out
			code, out, _ = runCapture(t, nil, append(args, "--json")...)
			var doc auditDoc
			if err := json.Unmarshal([]byte(out), &doc); err != nil || code != 3 || len(doc.Domains) != 1 {
				t.Fatalf("exit %d, %v\n%s", code, err, out)
			}
			fs := doc.Domains[0].Findings
			res := 0
			for _, f := range fs {
				if f.Status != "error" {
					t.Errorf("%s is %s, want error", f.ID, f.Status)
				}
				if f.ID == "dns.resolver" {
					res++
				}
			}
			if res != 1 || len(fs) < 10 || *doc.Domains[0].Summary["error"] != len(fs) {
				t.Errorf("%d dns.resolver among %d findings, summary %v", res, len(fs), *doc.Domains[0].Summary["error"])
			}
			if !strings.Contains(human, fmt.Sprintf("\n  %d checks could not be made because of it", len(fs)-1)) {
				t.Errorf("the human report does not count the %d stopped checks", len(fs)-1)
			}
		})
	}
}

// TestAuditDeadResolverManyDomains checks that with --domains-file the
// resolver's failure is printed in full once and only named for the other
// domains, each of which still gets its heading and summary.
func TestAuditDeadResolverManyDomains(t *testing.T) {
	addr := deadUDP(t, true)
	file := filepath.Join(t.TempDir(), "domains.txt")
	domains := []string{"a.example", "b.example", "c.example", "d.example", "e.example"}
	if err := os.WriteFile(file, []byte(strings.Join(domains, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCapture(t, map[string]string{"NO_COLOR": "1"},
		"--resolver", addr, "--timeout", "150ms", "audit", "--domains-file", file, "--concurrency", "5")
	if code != 3 || errs != "" {
		t.Fatalf("exit %d, stderr %q\n%s", code, errs, out)
	}
	if n := strings.Count(out, "[dns.resolver]"); n != 1 {
		t.Errorf("the full resolver finding is printed %d times, want 1:\n%s", n, out)
	}
	if n := strings.Count(out, "fix:"); n != 1 {
		t.Errorf("%d fix lines, want 1:\n%s", n, out)
	}
	if n := strings.Count(out, "answered no question: no answer in time (timed out) (as above)"); n != len(domains)-1 {
		t.Errorf("%d short notes, want %d:\n%s", n, len(domains)-1, out)
	}
	for _, d := range domains {
		if !strings.Contains(out, "Mail DNS audit of "+d+"\n") {
			t.Errorf("no heading for %s", d)
		}
	}
	if !strings.Contains(out, "Audited 5 domains") {
		t.Errorf("no overall summary:\n%s", out)
	}
}

// TestAuditServFailIsNotTheResolver: a name that SERVFAILs keeps its own
// could-not-check finding and no resolver finding appears.
func TestAuditServFailIsNotTheResolver(t *testing.T) {
	_, base := auditTestSandbox(t)
	code, out, _ := runCapture(t, map[string]string{"NO_COLOR": "1"}, append(base, "err3.test")...)
	if code != 3 || !strings.Contains(out, "Could not check the DMARC record of err3.test (SERVFAIL)") ||
		strings.Contains(out, "dns.resolver") || strings.Contains(out, "because of it") {
		t.Errorf("exit %d:\n%s", code, out)
	}
}
