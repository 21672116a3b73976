package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
	"github.com/miekg/dns"
)

// lockedBuffer is a bytes.Buffer safe for the command's goroutine and the
// test's.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// sandboxRun is `mailcfg sandbox` running in the test's process.
type sandboxRun struct {
	lines  chan string // stdout, line by line; closed at the end
	stderr *lockedBuffer
	code   chan int
	stop   context.CancelFunc
}

// runSandboxCmd starts `mailcfg args...` and stops it at the end of the test.
func runSandboxCmd(t *testing.T, args ...string) *sandboxRun {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	r := &sandboxRun{lines: make(chan string, 100), stderr: &lockedBuffer{}, code: make(chan int, 1), stop: cancel}
	io := stdio{In: strings.NewReader(""), Out: pw, Err: r.stderr, Getenv: func(string) string { return "" }}
	go func() {
		code := run(ctx, args, io)
		pw.Close()
		r.code <- code
	}()
	go func() {
		defer close(r.lines)
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			r.lines <- sc.Text()
		}
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-r.code:
		case <-time.After(15 * time.Second):
			t.Error("mailcfg sandbox did not stop within 15 s of its context ending")
		}
	})
	return r
}

// next returns the next stdout line, failing after 20 s.
func (r *sandboxRun) next(t *testing.T) string {
	t.Helper()
	select {
	case l, ok := <-r.lines:
		if !ok {
			t.Fatalf("stdout ended; stderr: %s", r.stderr.String())
		}
		return l
	case <-time.After(20 * time.Second):
		t.Fatalf("no stdout line within 20 s; stderr: %s", r.stderr.String())
	}
	return ""
}

// interrupt stops the command as Ctrl-C does and returns its exit code and
// what it printed after.
func (r *sandboxRun) interrupt(t *testing.T) (int, []string) {
	t.Helper()
	r.stop()
	var rest []string
	for l := range r.lines {
		rest = append(rest, l)
	}
	select {
	case code := <-r.code:
		r.code <- code // for the cleanup
		return code, rest
	case <-time.After(15 * time.Second):
		t.Fatal("mailcfg sandbox did not stop")
	}
	return 0, nil
}

type sandboxFirstLine struct {
	SMTP         map[string]string `json:"smtp"`
	DNS          string            `json:"dns"`
	CAFile       string            `json:"ca_file"`
	Domain       string            `json:"domain"`
	DKIMSelector string            `json:"dkim_selector"`
	User         string            `json:"user"`
	Password     string            `json:"password"`
}

// firstLine reads and checks the --json first line.
func firstLine(t *testing.T, r *sandboxRun) sandboxFirstLine {
	t.Helper()
	var info sandboxFirstLine
	line := r.next(t)
	if err := json.Unmarshal([]byte(line), &info); err != nil {
		t.Fatalf("first line is not JSON: %v\n%s", err, line)
	}
	for _, k := range []string{"starttls", "implicit", "plain"} {
		if !strings.HasPrefix(info.SMTP[k], "127.0.0.1:") {
			t.Errorf("smtp.%s = %q", k, info.SMTP[k])
		}
	}
	if !strings.HasPrefix(info.DNS, "127.0.0.1:") || info.CAFile == "" || info.Domain != "example.test" ||
		info.DKIMSelector == "" || info.User == "" || info.Password == "" {
		t.Errorf("first line %s", line)
	}
	return info
}

// sendVia sends a message with go-smtp over STARTTLS, verifying the server
// against the CA file the sandbox printed.
func sendVia(t *testing.T, info sandboxFirstLine, subject string) {
	t.Helper()
	pem, err := os.ReadFile(info.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	c, err := smtp.DialStartTLS(info.SMTP["starttls"], &tls.Config{RootCAs: pool, ServerName: "mail.example.test"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.CommandTimeout = 10 * time.Second
	if err := c.Auth(sasl.NewPlainClient("", info.User, info.Password)); err != nil {
		t.Fatal(err)
	}
	msg := "From: alice@example.test\r\nTo: bob@example.test\r\nSubject: " + subject +
		"\r\nMessage-ID: <cmd1@example.test>\r\n\r\nhello\r\n"
	if err := c.SendMail("alice@example.test", []string{"bob@example.test"}, strings.NewReader(msg)); err != nil {
		t.Fatal(err)
	}
	_ = c.Quit()
}

func TestSandboxCommandJSON(t *testing.T) {
	r := runSandboxCmd(t, "sandbox", "--json")
	info := firstLine(t, r)

	// Its DNS answers for example.test over TCP.
	q := new(dns.Msg)
	q.SetQuestion("example.test.", dns.TypeMX)
	in, _, err := (&dns.Client{Net: "tcp", Timeout: 3 * time.Second}).Exchange(q, info.DNS)
	if err != nil || len(in.Answer) != 1 || in.Answer[0].(*dns.MX).Mx != "mail.example.test." {
		t.Fatalf("MX over TCP: %v %v", err, in)
	}

	sendVia(t, info, "json line")
	line := r.next(t)
	var m struct {
		From        string   `json:"from"`
		To          []string `json:"to"`
		Subject     string   `json:"subject"`
		MessageID   string   `json:"message_id"`
		Size        int      `json:"size"`
		DKIM        string   `json:"dkim"`
		AuthResults string   `json:"auth_results"`
	}
	if err := json.Unmarshal([]byte(line), &m); err != nil {
		t.Fatalf("message line is not JSON: %v\n%s", err, line)
	}
	if m.From != "alice@example.test" || len(m.To) != 1 || m.To[0] != "bob@example.test" || m.Subject != "json line" ||
		m.MessageID != "<cmd1@example.test>" || m.Size == 0 || m.DKIM != "none" {
		t.Errorf("message line %s", line)
	}
	// 127.0.0.1 is what example.test's SPF authorises.
	if !strings.Contains(m.AuthResults, "spf=pass") || !strings.Contains(m.AuthResults, "dkim=none") {
		t.Errorf("auth_results %q", m.AuthResults)
	}

	code, rest := r.interrupt(t)
	if code != exitOK || len(rest) != 0 {
		t.Errorf("after Ctrl-C: exit %d, more stdout %q", code, rest)
	}
	if _, err := os.Stat(info.CAFile); !os.IsNotExist(err) {
		t.Errorf("CA file left behind: %v", err)
	}
	if s := r.stderr.String(); s != "" {
		t.Errorf("stderr: %q", s)
	}
}

func TestSandboxCommandHuman(t *testing.T) {
	r := runSandboxCmd(t, "sandbox")
	fields := map[string]string{}
	var banner []string
	for {
		l := r.next(t)
		banner = append(banner, l)
		if strings.HasPrefix(l, "Waiting for messages") {
			break
		}
		if f := strings.Fields(l); len(f) >= 2 {
			switch {
			case strings.HasPrefix(strings.TrimSpace(l), "SMTP plain"):
				fields["plain"] = f[2]
			case f[0] == "password" || f[0] == "user":
				fields[f[0]] = f[1]
			case f[0] == "CA" && f[1] == "file":
				fields["ca"] = f[2]
			}
		}
	}
	if fields["plain"] == "" || fields["password"] == "" || fields["user"] == "" || fields["ca"] == "" {
		t.Fatalf("banner lacks an address or credential:\n%s", strings.Join(banner, "\n"))
	}
	if !strings.Contains(strings.Join(banner, "\n"), "swaks --server ") {
		t.Errorf("banner shows no swaks command line")
	}

	// A hostile subject must not reach the terminal as an escape sequence.
	c, err := smtp.Dial(fields["plain"])
	if err != nil {
		t.Fatal(err)
	}
	msg := "From: alice@example.test\r\nTo: bob@example.test\r\nSubject: \x1b[2Jred\x07\r\n\r\nbody\r\n"
	if err := c.SendMail("alice@example.test", []string{"bob@example.test"}, strings.NewReader(msg)); err != nil {
		t.Fatal(err)
	}
	c.Close()
	var block []string
	for {
		l := r.next(t)
		block = append(block, l)
		if strings.Contains(l, "Subject:") {
			break
		}
	}
	all := strings.Join(block, "\n")
	if strings.ContainsAny(all, "\x1b\x07") {
		t.Errorf("raw control characters printed: %q", all)
	}
	if !strings.Contains(all, `Subject: \x1b[2Jred\a`) && !strings.Contains(all, `Subject: \x1b[2Jred\x07`) {
		t.Errorf("subject not shown escaped:\n%s", all)
	}
	if !strings.Contains(all, "── message 1") || !strings.Contains(all, "alice@example.test → bob@example.test") {
		t.Errorf("message block:\n%s", all)
	}
	code, rest := r.interrupt(t)
	if code != exitOK || !strings.Contains(strings.Join(rest, "\n"), "sandbox stopped after 1 message") {
		t.Errorf("after Ctrl-C: exit %d, %q", code, rest)
	}
}

func TestSandboxCommandWithSwaks(t *testing.T) {
	swaks, err := exec.LookPath("swaks")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("swaks is not installed (apt-get install -y swaks): %v", err)
		}
		t.Skip("swaks is not installed; apt-get install -y swaks")
	}
	r := runSandboxCmd(t, "sandbox", "--json")
	info := firstLine(t, r)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, swaks, "--server", info.SMTP["starttls"], "--tls", "--tls-verify",
		"--tls-ca-path", info.CAFile, "--auth", "LOGIN", "--auth-user", info.User, "--auth-password", info.Password,
		"--from", "alice@example.test", "--to", "bob@example.test", "--h-Subject", "from swaks", "--timeout", "10").CombinedOutput()
	if err != nil {
		t.Fatalf("swaks: %v\n%s", err, out)
	}
	line := r.next(t)
	var m struct {
		Subject string `json:"subject"`
		From    string `json:"from"`
		TLS     bool   `json:"tls"`
	}
	if err := json.Unmarshal([]byte(line), &m); err != nil || m.Subject != "from swaks" || m.From != "alice@example.test" || !m.TLS {
		t.Errorf("message line %s (%v)", line, err)
	}
}

func TestSandboxCommandBadFlags(t *testing.T) {
	taken, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	for _, args := range [][]string{
		{"sandbox", "--dns", taken.LocalAddr().String()},
		{"sandbox", "--smtp-host", "192.0.2.1"}, // not an address of this machine
		{"sandbox", "--smtp-host", "mail.example.test"},
		{"sandbox", "--smtp-host", "300.1.1.1"},
		{"sandbox", "--dns", "nope"},
		{"sandbox", "--dns", "localhost:53"},
		{"sandbox", "--dns", "127.0.0.1:99999"},
		{"sandbox", "extra-argument"},
	} {
		var out, errOut lockedBuffer
		code := run(context.Background(), args, stdio{In: strings.NewReader(""), Out: &out, Err: &errOut,
			Getenv: func(string) string { return "" }})
		lines := strings.Split(strings.TrimSpace(errOut.String()), "\n")
		if code != exitUsage || out.String() != "" || len(lines) != 1 || !strings.HasPrefix(lines[0], "mailcfg: ") {
			t.Errorf("%q: exit %d, stdout %q, stderr %q", args, code, out.String(), errOut.String())
		}
	}
}
