package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-msgauth/dkim"
	"github.com/miekg/dns"

	"github.com/mailcfg/mailcfg/records"
	"github.com/mailcfg/mailcfg/sandbox"
)

// recordsZone is what example.test publishes before the records command.
const recordsZone = `$TTL 300
@ IN MX 10 mail.example.test.
mail IN A 192.0.2.25
@ IN TXT "v=spf1 mx +all"
`

// startRecordsDNS serves example.test (plus extra zone lines) on loopback.
func startRecordsDNS(t *testing.T, extra string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	srv, err := sandbox.StartDNS(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	if err := srv.AddZoneText("example.test.", recordsZone+extra); err != nil {
		t.Fatal(err)
	}
	// The provider's SPF include, as the Internet would answer it.
	if err := srv.AddZoneText("amazonses.com.", "@ IN TXT \"v=spf1 ip4:199.255.192.0/22 ~all\"\n"); err != nil {
		t.Fatal(err)
	}
	return srv.Addr()
}

// runMailcfg runs the command in-process and returns its exit code and
// streams.
func runMailcfg(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	env := map[string]string{"XDG_CONFIG_HOME": t.TempDir()}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	code := run(ctx, args, stdio{In: strings.NewReader(""), Out: &out, Err: &errb, Getenv: func(k string) string { return env[k] }})
	return code, out.String(), errb.String()
}

func TestRecordsGenerateSignVerify(t *testing.T) {
	addr := startRecordsDNS(t, "")
	for _, alg := range []string{"rsa2048", "ed25519"} {
		t.Run(alg, func(t *testing.T) {
			keyFile := filepath.Join(t.TempDir(), "dkim.pem")
			code, out, stderr := runMailcfg(t, "records", "--resolver", addr, "--timeout", "2s", "--domain", "example.test",
				"--ip", "192.0.2.25", "--selector", "mc1", "--dkim-key", keyFile, "--dkim-generate", alg, "--format", "json")
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			var doc struct {
				Records []records.PlannedRecord `json:"records"`
				KeyFile string                  `json:"dkim_private_key_file"`
				SPFCost *records.SPFCost        `json:"spf_cost"`
			}
			if err := json.Unmarshal([]byte(out), &doc); err != nil {
				t.Fatalf("stdout is not one JSON document: %v\n%s", err, out)
			}
			if doc.KeyFile != keyFile {
				t.Errorf("dkim_private_key_file = %q", doc.KeyFile)
			}
			st, err := os.Stat(keyFile)
			if err != nil || st.Mode().Perm() != 0o600 {
				t.Fatalf("key file: %v, mode %v", err, st.Mode())
			}
			pemBytes, _ := os.ReadFile(keyFile)
			key, err := records.ParseDKIMPrivateKey(pemBytes)
			if err != nil {
				t.Fatal(err)
			}
			assertNoKey(t, out+stderr, pemBytes)

			var txt, spf string
			for _, r := range doc.Records {
				switch {
				case r.Name == "mc1._domainkey.example.test." && r.Type == "TXT":
					txt = r.Value
				case r.Purpose == "spf":
					spf = r.Value
					if r.Action != "replace" || r.Current != "v=spf1 mx +all" {
						t.Errorf("spf record %+v", r)
					}
				}
			}
			if spf != "v=spf1 mx ip4:192.0.2.25 ~all" {
				t.Errorf("spf = %q", spf)
			}
			if doc.SPFCost == nil || doc.SPFCost.Total != 1 {
				t.Errorf("spf cost = %+v", doc.SPFCost)
			}
			var signed bytes.Buffer
			msg := "From: me@example.test\r\nTo: you@example.net\r\nSubject: hi\r\n\r\nHello.\r\n"
			if err := dkim.Sign(&signed, strings.NewReader(msg), &dkim.SignOptions{Domain: "example.test", Selector: "mc1", Signer: key}); err != nil {
				t.Fatal(err)
			}
			vs, err := dkim.VerifyWithOptions(&signed, &dkim.VerifyOptions{LookupTXT: func(name string) ([]string, error) {
				if name != "mc1._domainkey.example.test" {
					t.Errorf("lookup of %s", name)
				}
				return []string{txt}, nil
			}})
			if err != nil || len(vs) != 1 || vs[0].Err != nil {
				t.Fatalf("go-msgauth does not verify against the printed %q: %v %+v", txt, err, vs)
			}

			// Never over an existing file: exit 2, one line, file unchanged.
			code, out, stderr = runMailcfg(t, "records", "--resolver", addr, "--domain", "example.test",
				"--dkim-key", keyFile, "--dkim-generate", alg)
			if code != 2 || !strings.Contains(stderr, "already exists") || strings.Count(strings.TrimSpace(stderr), "\n") != 0 || out != "" {
				t.Errorf("second run: exit %d, stdout %q, stderr %q", code, out, stderr)
			}
			if again, _ := os.ReadFile(keyFile); !bytes.Equal(again, pemBytes) {
				t.Error("the key file changed")
			}

			// The same key read back publishes the same record; the table
			// shows it without the private key.
			code, out, stderr = runMailcfg(t, "records", "--resolver", addr, "--domain", "example.test", "--selector", "mc1", "--dkim-key", keyFile)
			if code != 0 || !strings.Contains(out, txt) {
				t.Errorf("reading the key: exit %d, %s\n%s", code, stderr, out)
			}
			assertNoKey(t, out+stderr, pemBytes)
		})
	}
}

// assertNoKey fails when any encoding of the private key is in s.
func assertNoKey(t *testing.T, s string, pemBytes []byte) {
	t.Helper()
	block, _ := pem.Decode(pemBytes)
	if block == nil {
		t.Fatal("no PEM block")
	}
	secrets := []string{"PRIVATE KEY", base64.StdEncoding.EncodeToString(block.Bytes)[:40]}
	for _, line := range strings.Split(string(pemBytes), "\n")[1:3] {
		secrets = append(secrets, line)
	}
	k, _ := x509.ParsePKCS8PrivateKey(block.Bytes)
	switch k := k.(type) {
	case ed25519.PrivateKey:
		secrets = append(secrets, base64.StdEncoding.EncodeToString(k.Seed()), base64.RawURLEncoding.EncodeToString(k.Seed()))
	case *rsa.PrivateKey:
		secrets = append(secrets, base64.StdEncoding.EncodeToString(x509.MarshalPKCS1PrivateKey(k))[:40], k.D.String()[:30])
	}
	for _, sec := range secrets {
		if sec != "" && strings.Contains(s, sec) {
			t.Fatalf("the private key (%q…) is in the output", sec[:min(len(sec), 12)])
		}
	}
}

func TestRecordsUsageErrors(t *testing.T) {
	existing := filepath.Join(t.TempDir(), "key.pem")
	os.WriteFile(existing, []byte("not a key"), 0o600)
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"records"}, "--domain is required"},
		{[]string{"records", "--domain", "example.test", "--ip", "300.1.1.1"}, "--ip"},
		{[]string{"records", "--domain", "example.test", "--provider", "nope"}, "--provider"},
		{[]string{"records", "--domain", "example.test", "--dkim-generate", "rsa2048"}, "needs --dkim-key"},
		{[]string{"records", "--domain", "example.test", "--dkim-key", existing, "--dkim-generate", "dsa"}, "--dkim-generate"},
		{[]string{"records", "--domain", "example.test", "--dkim-key", existing}, "no PEM private key"},
		{[]string{"records", "--domain", "example.test", "--dkim-key", existing + ".missing"}, "--dkim-key"},
		{[]string{"records", "--domain", "example.test", "--provider", "ses", "--input", "token2=b"}, "--input token1=VALUE"},
		{[]string{"records", "--domain", "example.test", "--provider", "ses", "--region", "mars-1"}, "--region"},
		{[]string{"records", "--domain", "bad domain"}, "--domain"},
		{[]string{"records", "--domain", "example.test", "--dmarc-policy", "strict"}, "--dmarc-policy"},
		{[]string{"records", "--domain", "example.test", "--rua", "nobody"}, "--rua"},
		{[]string{"records", "--domain", "example.test", "--format", "yaml"}, "--format"},
		{[]string{"records", "--domain", "example.test", "--input", "novalue"}, "NAME=VALUE"},
	}
	for _, c := range cases {
		code, out, stderr := runMailcfg(t, c.args...)
		if code != 2 || !strings.Contains(stderr, c.want) || out != "" || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 2 and %q", c.args, code, out, stderr, c.want)
		}
	}
	if b, _ := os.ReadFile(existing); string(b) != "not a key" {
		t.Error("a usage error touched the key file")
	}
}

func TestRecordsTwoSPFRefused(t *testing.T) {
	addr := startRecordsDNS(t, "@ IN TXT \"v=spf1 include:sendgrid.net ~all\"\n")
	code, out, stderr := runMailcfg(t, "records", "--resolver", addr, "--domain", "example.test", "--ip", "192.0.2.1")
	if code != 1 || out != "" || !strings.Contains(stderr, "2 SPF records") || !strings.Contains(stderr, "Merge them") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, stderr)
	}
}

func TestRecordsZoneOutput(t *testing.T) {
	addr := startRecordsDNS(t, "")
	keyFile := filepath.Join(t.TempDir(), "k.pem")
	code, out, stderr := runMailcfg(t, "records", "--resolver", addr, "--domain", "example.test", "--provider", "ses", "--region", "eu-west-1",
		"--input", "token1=aaa", "--input", "token2=bbb", "--input", "token3=ccc", "--dkim-key", keyFile, "--dkim-generate", "rsa3072",
		"--selector", "byo", "--rua", "dmarc@reports.example.net", "--format", "zone")
	if code != 0 {
		t.Fatalf("exit %d: %s\n%s", code, stderr, out)
	}
	pemBytes, _ := os.ReadFile(keyFile)
	assertNoKey(t, out, pemBytes)
	zone := "$ORIGIN example.test.\n$TTL 3600\n@ IN SOA ns1 hostmaster 1 7200 3600 1209600 3600\n@ IN NS ns1\nns1 IN A 192.0.2.53\n" + out
	zp := dns.NewZoneParser(strings.NewReader(zone), "example.test.", "")
	types := map[string]int{}
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		types[dns.TypeToString[rr.Header().Rrtype]]++
		if txt, ok := rr.(*dns.TXT); ok && strings.HasPrefix(rr.Header().Name, "byo.") && len(txt.Txt) < 2 {
			t.Errorf("the 3072-bit key is one string")
		}
	}
	if err := zp.Err(); err != nil {
		t.Fatalf("miekg/dns rejects the zone: %v\n%s", err, out)
	}
	if types["TXT"] < 5 || types["MX"] != 1 {
		t.Errorf("record types %v\n%s", types, out)
	}
	checkZoneWithNamed(t, zone)
}

// checkZoneWithNamed runs named-checkzone whenever it is installed; the
// tool missing under CI or MAILCFG_ZONE_CHECK=1 is a failure.
func checkZoneWithNamed(t *testing.T, zone string) {
	t.Helper()
	tool, err := exec.LookPath("named-checkzone")
	if err != nil {
		if os.Getenv("CI") != "" || os.Getenv("MAILCFG_ZONE_CHECK") == "1" {
			t.Fatal("named-checkzone is required here (CI or MAILCFG_ZONE_CHECK=1) but missing: apt-get install bind9-utils")
		}
		t.Log("named-checkzone is not installed (bind9-utils)")
		return
	}
	file := filepath.Join(t.TempDir(), "zone")
	if err := os.WriteFile(file, []byte(zone), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(tool, "-k", "fail", "-i", "local", "example.test", file).CombinedOutput(); err != nil {
		t.Fatalf("named-checkzone: %v\n%s", err, out)
	}
}
