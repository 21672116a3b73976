package checks_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailcfg/mailcfg/checks"
	"github.com/mailcfg/mailcfg/providers"
	"github.com/mailcfg/mailcfg/records"
	"github.com/mailcfg/mailcfg/sandbox"
)

var (
	planKeyOnce sync.Once
	planKey     crypto.Signer
	planKeyTXT  string
)

// planTestKey is one RSA-2048 key for the whole file: the self-managed key,
// and the key behind every provider's CNAME or console.
func planTestKey(t *testing.T) (crypto.Signer, string) {
	planKeyOnce.Do(func() {
		k, _, err := records.GenerateDKIMKey(records.DKIMRSA2048, nil)
		if err != nil {
			t.Fatal(err)
		}
		planKey = k
		planKeyTXT, _ = records.DKIMRecord(k.Public())
	})
	return planKey, planKeyTXT
}

// policyServer serves one MTA-STS policy over HTTPS on loopback with a
// certificate for mta-sts.example.test.
type policyServer struct {
	mu     sync.Mutex
	policy string
	port   int
	pool   *x509.CertPool
}

func startPolicyServer(t *testing.T) *policyServer {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), DNSNames: []string{"mta-sts.example.test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true,
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	ps := &policyServer{pool: x509.NewCertPool()}
	ps.pool.AddCert(cert)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ps.port = ln.Addr().(*net.TCPAddr).Port
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/.well-known/mta-sts.txt" {
				http.NotFound(w, r)
				return
			}
			ps.mu.Lock()
			defer ps.mu.Unlock()
			w.Header().Set("Content-Type", "text/plain")
			io.WriteString(w, ps.policy)
		}),
		TLSConfig:         &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}},
		ReadHeaderTimeout: 5 * time.Second,
		ErrorLog:          log.New(io.Discard, "", 0),
	}
	go srv.ServeTLS(ln, "", "")
	t.Cleanup(func() { srv.Close() })
	return ps
}

// planBaseZone is example.test before planning: mail is received, nothing else.
const planBaseZone = "@ MX 10 mail.example.test.\nmail A 127.0.0.1\nmta-sts A 127.0.0.1\n"

// TestPlanRoundTripAudit plans example.test for every built-in profile (and
// custom with --ip) against the sandbox's DNS, publishes the plan there (as
// its zone output) with what the provider's side would answer, and audits the
// domain: no finding may fail.
func TestPlanRoundTripAudit(t *testing.T) {
	key, keyTXT := planTestKey(t)
	sts := startPolicyServer(t)
	for _, prof := range providers.Builtin().All() {
		t.Run(prof.ID, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			dnsSrv, err := sandbox.StartDNS(ctx, "")
			if err != nil {
				t.Fatal(err)
			}
			defer dnsSrv.Close()
			if err := dnsSrv.AddZoneText("example.test.", planBaseZone); err != nil {
				t.Fatal(err)
			}
			r := &checks.DNSResolver{Servers: []string{dnsSrv.Addr()}, Timeout: time.Second}

			req := records.Request{Domain: "example.test", Provider: prof, Inputs: map[string]string{}}
			for _, in := range prof.Inputs {
				req.Inputs[in.Name] = in.Example
				if in.Example == "" {
					req.Inputs[in.Name] = "x" + in.Name
				}
			}
			var selectors []string
			switch prof.DKIM.Method {
			case providers.DKIMSelf:
				req.DKIMKey, req.Selector = key.Public(), "mc2026"
				selectors = append(selectors, "mc2026")
			}
			if prof.ID == "custom" {
				req.IPs = []net.IP{net.ParseIP("192.0.2.25")}
			}
			// Offline first, for the names the provider's side must answer.
			offline, err := records.MakePlan(req, nil)
			if err != nil {
				t.Fatalf("MakePlan: %v", err)
			}
			// The provider's side: its SPF include, the targets of its
			// CNAMEs and MX records, and (for a provider-issued key) the
			// TXT the user copies from its console.
			outside := map[string][]string{}
			addOutside := func(name, line string) {
				name = strings.TrimSuffix(strings.ToLower(name), ".")
				labels := strings.Split(name, ".")
				zone := strings.Join(labels[max(0, len(labels)-2):], ".") + "."
				if zone == "example.test." {
					return
				}
				outside[zone] = append(outside[zone], name+". "+line)
			}
			vals := prof.Values("", "example.test")
			for k, v := range req.Inputs {
				vals[k] = v
			}
			if inc := prof.SPFInclude(""); inc != "" {
				inc, _ = providers.Expand(inc, vals)
				addOutside(inc, `TXT "v=spf1 ip4:192.0.2.0/24 ~all"`)
			}
			extra := ""
			for _, rec := range offline.Records {
				switch rec.Type {
				case "CNAME":
					if rec.Purpose == records.PurposeDKIM {
						addOutside(rec.Value, "TXT "+records.ZoneTXT(keyTXT))
						sel, _, _ := strings.Cut(rec.Name, "._domainkey.")
						selectors = append(selectors, sel)
					} else {
						addOutside(rec.Value, `TXT "v=spf1 ip4:192.0.2.0/24 ~all"`)
						addOutside(rec.Value, "A 127.0.0.1")
					}
				case "MX":
					addOutside(strings.Fields(rec.Value)[1], "A 127.0.0.1")
				}
			}
			if prof.DKIM.Method == providers.DKIMTXT {
				for _, s := range prof.DKIM.Selectors {
					if sel, miss := providers.Expand(s, vals); len(miss) == 0 {
						extra += sel + "._domainkey.example.test. TXT " + records.ZoneTXT(keyTXT) + "\n"
						selectors = append(selectors, sel)
					}
				}
			}
			zones := make([]string, 0, len(outside))
			for z := range outside {
				zones = append(zones, z)
			}
			sort.Strings(zones)
			for _, z := range zones {
				if err := dnsSrv.AddZoneText(z, strings.Join(outside[z], "\n")+"\n"); err != nil {
					t.Fatal(err)
				}
			}
			plan, err := checks.PlanRecords(ctx, r, req)
			if err != nil {
				t.Fatalf("PlanRecords: %v", err)
			}
			if len(plan.Warnings) > 0 {
				t.Errorf("warnings: %q", plan.Warnings)
			}
			if sc := plan.SPFCost; sc == nil || sc.Error != "" || sc.Total > 10 || (prof.SPFInclude("") != "" && sc.Total < 1) {
				t.Errorf("spf cost = %+v", sc)
			}
			if err := dnsSrv.AddZoneText("example.test.", planBaseZone+plan.Zone()+extra); err != nil {
				t.Fatalf("the zone output does not load in the sandbox: %v\n%s", err, plan.Zone())
			}
			sts.mu.Lock()
			sts.policy = plan.MTASTSPolicy
			sts.mu.Unlock()

			fs := checks.Audit(ctx, r, "example.test", checks.AuditOptions{
				Provider: prof, Selectors: selectors, NoCommonSelectors: true,
				HTTPClient: checks.NewMTASTSClient(r, sts.pool, sts.port, 5*time.Second),
			}, nil)
			pass := map[string]bool{}
			for _, f := range fs {
				if f.Status == checks.StatusPass {
					pass[f.ID] = true
				}
				if f.Status == checks.StatusFail {
					t.Errorf("fail %s: %s | %s | %s", f.ID, f.Title, f.Detail, f.Evidence)
				}
			}
			for _, id := range []string{"spf.present", "dmarc.present", "mta_sts.present", "tlsrpt.present"} {
				if !pass[id] && (id != "spf.present" || plan.Record("example.test", records.PurposeSPF) != nil) {
					t.Errorf("%s does not pass", id)
				}
			}
			if len(selectors) > 0 && !pass["dkim.present"] {
				t.Errorf("dkim.present does not pass (selectors %v)", selectors)
			}
		})
	}
}
