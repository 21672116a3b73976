package main

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/miekg/dns"
	"github.com/rogpeppe/go-internal/testscript"

	"github.com/mailcfg/mailcfg/checks"
	"github.com/mailcfg/mailcfg/sandbox"
)

// sandboxKey is the Env.Values key of a script's running sandbox, read by
// the sb* script commands (script_cmds_test.go).
type sandboxKey struct{}

// Zones the setup adds to a script's sandbox DNS beside example.test, for
// audit's exit codes: a domain whose records fail, and a copy of
// example.test whose DMARC lookup answers SERVFAIL.
const (
	failDomain     = "fail.test"
	servfailDomain = "servfail.test"
)

// scriptSetup prepares a script's environment: no colour decisions leak in
// from the developer's terminal, and XDG_CONFIG_HOME is the script's own.
// A script whose name starts with "sb_", or whose archive holds a file named
// .sandbox, also gets a running sandbox (see startScriptSandbox).
func scriptSetup(env *testscript.Env) error {
	env.Setenv("NO_COLOR", "")
	env.Setenv("XDG_CONFIG_HOME", env.WorkDir+"/config")
	name := strings.TrimPrefix(filepath.Base(env.WorkDir), "script-")
	_, err := os.Stat(filepath.Join(env.WorkDir, ".sandbox"))
	if strings.HasPrefix(name, "sb_") || err == nil {
		return startScriptSandbox(env)
	}
	return nil
}

// startScriptSandbox starts a sandbox for one script, stopped when the script
// ends, and exports where it is:
//
//	SB_STARTTLS_PORT SB_IMPLICIT_PORT SB_PLAIN_PORT SB_HTTPS_PORT  its listeners on 127.0.0.1
//	SB_DNS                    its DNS server, for --resolver
//	SB_CA                     its CA file, for --ca-file
//	SB_HOST SB_DOMAIN         mail.example.test, example.test
//	SB_USER SB_PASS           the throwaway credentials (--password-env SB_PASS)
//	SB_PASS_FILE              a file holding the password and a newline (stdin $SB_PASS_FILE)
//	SB_PASS_B64 SB_PLAIN_B64  base64 of the password and of "\0user\0pass" (AUTH PLAIN)
//	SB_SELECTOR SB_DKIM_KEY   the RSA DKIM selector and its private key (PKCS#8 PEM, 0600)
//	SB_ED_SELECTOR SB_ED_KEY  the same for the Ed25519 key
//	SB_FAIL_DOMAIN SB_SERVFAIL_DOMAIN  the extra zones (see failDomain)
//
// Its Authenticate hook is checks.AuthResults over its own DNS, as
// `mailcfg sandbox` wires it.
func startScriptSandbox(env *testscript.Env) error {
	var res atomic.Pointer[checks.DNSResolver]
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	sb, err := sandbox.Start(ctx, sandbox.Options{Authenticate: func(ctx context.Context, m *sandbox.Message) string {
		r := res.Load()
		if r == nil {
			return ""
		}
		host, _, _ := net.SplitHostPort(m.RemoteAddr)
		return checks.AuthResults(ctx, r, net.ParseIP(host), m.Helo, m.From, m.Raw)
	}})
	if err != nil {
		return fmt.Errorf("script sandbox: %w", err)
	}
	env.Defer(func() { sb.Close() })
	res.Store(checks.NewResolver(sb.DNSAddr, 2*time.Second))
	env.Values[sandboxKey{}] = sb

	port := func(addr string) string {
		_, p, _ := net.SplitHostPort(addr)
		return p
	}
	env.Setenv("SB_STARTTLS_PORT", port(sb.STARTTLSAddr))
	env.Setenv("SB_IMPLICIT_PORT", port(sb.ImplicitAddr))
	env.Setenv("SB_PLAIN_PORT", port(sb.PlainAddr))
	env.Setenv("SB_HTTPS_PORT", port(sb.HTTPSAddr))
	env.Setenv("SB_DNS", sb.DNSAddr)
	env.Setenv("SB_HOST", sb.Hostname)
	env.Setenv("SB_DOMAIN", sb.Domain)
	env.Setenv("SB_USER", sb.User)
	env.Setenv("SB_PASS", sb.Password)
	env.Setenv("SB_PASS_B64", base64.StdEncoding.EncodeToString([]byte(sb.Password)))
	env.Setenv("SB_PLAIN_B64", base64.StdEncoding.EncodeToString([]byte("\x00"+sb.User+"\x00"+sb.Password)))
	env.Setenv("SB_SELECTOR", sb.DKIMSelector)
	env.Setenv("SB_ED_SELECTOR", sb.DKIMEd25519Selector)
	env.Setenv("SB_FAIL_DOMAIN", failDomain)
	env.Setenv("SB_SERVFAIL_DOMAIN", servfailDomain)

	// The CA is written into $WORK, where the script's files live and a
	// failed script's work directory keeps it for a look.
	caFile := filepath.Join(env.WorkDir, "sb-ca.pem")
	if err := os.WriteFile(caFile, sb.CAPEM, 0o600); err != nil {
		return err
	}
	env.Setenv("SB_CA", caFile)
	// For --password-stdin: `stdin $SB_PASS_FILE`.
	passFile := filepath.Join(env.WorkDir, "sb-pass.txt")
	if err := os.WriteFile(passFile, []byte(sb.Password+"\n"), 0o600); err != nil {
		return err
	}
	env.Setenv("SB_PASS_FILE", passFile)
	for _, k := range []struct {
		env  string
		file string
		key  any
	}{{"SB_DKIM_KEY", "sb-dkim-rsa.pem", sb.DKIMKey}, {"SB_ED_KEY", "sb-dkim-ed25519.pem", sb.DKIMEd25519Key}} {
		der, err := x509.MarshalPKCS8PrivateKey(k.key)
		if err != nil {
			return fmt.Errorf("script sandbox: %s: %w", k.env, err)
		}
		path := filepath.Join(env.WorkDir, k.file)
		if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
			return err
		}
		env.Setenv(k.env, path)
	}
	return addScriptZones(sb)
}

// addScriptZones adds the zones of failDomain and servfailDomain.
func addScriptZones(sb *sandbox.Sandbox) error {
	// fail.test: SPF that authorises everyone (+all), two DMARC records, a
	// DKIM key record that does not parse.
	failZone := `
@        IN MX  10 mail.example.test.
@        IN TXT "v=spf1 +all"
_dmarc   IN TXT "v=DMARC1; p=none"
_dmarc   IN TXT "v=DMARC1; p=reject"
sb2026._domainkey IN TXT "v=DKIM1; k=rsa; p=not-base64!"
`
	if err := sb.DNS.AddZoneText(failDomain, failZone); err != nil {
		return err
	}
	// servfail.test: example.test's records under another name (MX to the
	// sandbox, its SPF, its DKIM keys, DMARC, TLS-RPT), but the DMARC
	// lookup answers SERVFAIL: a check that could not be made.
	var b strings.Builder
	fmt.Fprintf(&b, "@ IN MX 10 %s.\n", sb.Hostname)
	copyTXT := func(name string) error {
		r := checks.NewResolver(sb.DNSAddr, 2*time.Second)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		txts, err := checks.LookupTXT(ctx, r, name+sb.Domain)
		if err != nil {
			return fmt.Errorf("script sandbox: copying %s%s: %w", name, sb.Domain, err)
		}
		owner := strings.TrimSuffix(name, ".")
		if owner == "" {
			owner = "@"
		}
		for _, t := range txts {
			fmt.Fprintf(&b, "%s IN TXT %s\n", owner, zoneQuote(t))
		}
		return nil
	}
	for _, name := range []string{"", sb.DKIMSelector + "._domainkey.", sb.DKIMEd25519Selector + "._domainkey.", "_dmarc.", "_smtp._tls."} {
		if err := copyTXT(name); err != nil {
			return err
		}
	}
	if err := sb.DNS.AddZoneText(servfailDomain, b.String()); err != nil {
		return err
	}
	sb.DNS.Fail("_dmarc."+servfailDomain, dns.TypeTXT, sandbox.FailServFail)
	return nil
}

// zoneQuote writes a TXT value as quoted strings of at most 255 bytes.
func zoneQuote(s string) string {
	var parts []string
	for len(s) > 0 {
		n := min(len(s), 255)
		parts = append(parts, `"`+strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s[:n])+`"`)
		s = s[n:]
	}
	return strings.Join(parts, " ")
}
