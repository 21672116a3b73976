package main

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mailcfg/mailcfg/internal/hostiletest"

	"github.com/mailcfg/mailcfg/sandbox"
)

// noRawControl fails when out holds a control byte other than LF and TAB, or
// a C1 control: what a server or a DNS record sent must be drawn escaped.
func noRawControl(t *testing.T, where, out string) {
	t.Helper()
	for _, r := range out {
		if (r < 0x20 && r != '\n' && r != '\t') || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			t.Fatalf("%s: raw control %U reached the output:\n%q", where, r, out)
		}
	}
}

// TestRecordsTableEscapesCurrentValues: the table shows what the domain
// publishes now ("now: …"), and that text is the DNS operator's to choose.
func TestRecordsTableEscapesCurrentValues(t *testing.T) {
	addr := startRecordsDNS(t, "_dmarc IN TXT \"v=DMARC1; p=none; zz=\\027[2J\\027]0;pwned\\007\\194\\155\"\n")
	code, out, errs := runMailcfg(t, "--resolver", addr, "--timeout", "2s", "records", "--domain", "example.test", "--no-color")
	if code == 2 {
		t.Fatalf("exit 2: %s", errs)
	}
	if !strings.Contains(out, `\x1b[2J`) {
		t.Errorf("the current DMARC record is not shown escaped:\n%s", out)
	}
	noRawControl(t, "records table", out)
	noRawControl(t, "records stderr", errs)
}

// TestCheckSMTPEscapesCertificateNames: a certificate's subject, issuer and
// names are the server's to choose; check smtp prints them (--insecure goes
// on past the untrusted certificate) and must print them escaped.
func TestCheckSMTPEscapesCertificateNames(t *testing.T) {
	port := hostiletest.StartSMTP(t, hostiletest.Cert(t))
	code, out, errs := runCLI(t, nil, "", "check", "smtp", "--host", "127.0.0.1", "--port", strconv.Itoa(port),
		"--tls", "starttls", "--insecure", "--timeout", "5s", "--transcript")
	if code == 2 {
		t.Fatalf("exit 2: %s", errs)
	}
	if !strings.Contains(out, `mail\x1b[2J`) {
		t.Errorf("the certificate's subject is not shown escaped:\n%s", out)
	}
	noRawControl(t, "check smtp", out)
	noRawControl(t, "check smtp stderr", errs)
}

// TestTranscriptFileIsPrivateEvenWhenItExisted: the transcript names the
// user and the servers; a file that existed with a wider mode is made 0600
// before anything is written to it.
func TestTranscriptFileIsPrivateEvenWhenItExisted(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.txt")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := openTranscriptFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("transcript file mode %v (%v); want 0600", st.Mode().Perm(), err)
	}
}

// TestSPFExplanationIsEscaped: the exp= explanation is the domain owner's
// text (RFC 7208 §6.2); one with control bytes is refused, and nothing of it
// reaches the output raw.
func TestSPFExplanationIsEscaped(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	srv, err := sandbox.StartDNS(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	if err := srv.AddZoneText("evil.test.", "@ TXT \"v=spf1 ip4:192.0.2.1 exp=why.evil.test -all\"\n"+
		"why TXT \"\\027[2J\\027]0;pwned\\007 %{i} is not allowed\\013\\194\\155\"\n"); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCapture(t, nil, "--resolver", srv.Addr(), "--timeout", "2s", "--no-color", "spf", "evil.test", "--ip", "203.0.113.9")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	// RFC 7208 §6.2: an explanation that is not visible ASCII is dropped.
	if !strings.Contains(out, "no explanation") || strings.Contains(out, "pwned") {
		t.Errorf("the hostile explanation was not refused:\n%s", out)
	}
	noRawControl(t, "spf", out)
}
