package checks_test

import (
	"bytes"
	"context"
	"net"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-msgauth/dkim"

	"github.com/mailcfg/mailcfg/checks"
	"github.com/mailcfg/mailcfg/providers"
	"github.com/mailcfg/mailcfg/sandbox"
)

// startSandbox runs a sandbox for one test whose Authenticate hook is
// checks.AuthResults over the sandbox's own DNS, and returns it with a
// resolver for that DNS.
func startSandbox(t testing.TB) (*sandbox.Sandbox, checks.Resolver) {
	t.Helper()
	var res atomic.Pointer[checks.DNSResolver]
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	sb, err := sandbox.Start(ctx, sandbox.Options{Authenticate: func(ctx context.Context, m *sandbox.Message) string {
		host, _, _ := net.SplitHostPort(m.RemoteAddr)
		return checks.AuthResults(ctx, res.Load(), net.ParseIP(host), m.Helo, m.From, m.Raw)
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close() })
	r := checks.NewResolver(sb.DNSAddr, 2*time.Second)
	res.Store(r)
	return sb, r
}

func portOf(t testing.TB, addr string) int {
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	n, _ := strconv.Atoi(p)
	return n
}

// sandboxOptions targets the sandbox by its host name, resolved through its
// DNS, trusting its CA.
func sandboxOptions(t testing.TB, sb *sandbox.Sandbox, r checks.Resolver, addr string, mode providers.TLSMode) checks.HandshakeOptions {
	return checks.HandshakeOptions{Host: sb.Hostname, Port: portOf(t, addr), TLS: mode, User: sb.User, Secret: checks.NewSecret(sb.Password),
		RootCAs: sb.CertPool(), Resolver: r, Timeout: 5 * time.Second, BannerTimeout: 10 * time.Second, HeloName: "client.example.test"}
}

func stageNames(rep *checks.HandshakeReport) string {
	var n []string
	for _, s := range rep.Stages {
		n = append(n, s.Name+":"+string(s.Status))
	}
	return strings.Join(n, " ")
}

func TestSMTPSandboxSTARTTLSAuthPasses(t *testing.T) {
	sb, r := startSandbox(t)
	var events []checks.Event
	rep := checks.Handshake(context.Background(), sandboxOptions(t, sb, r, sb.STARTTLSAddr, providers.TLSStartTLS), func(e checks.Event) { events = append(events, e) })
	want := "connect:pass banner:pass ehlo:pass starttls:pass tls:pass ehlo:pass auth:pass quit:pass"
	if got := stageNames(rep); got != want || !rep.OK {
		t.Fatalf("stages %q (OK=%v); want %q; findings %+v", got, rep.OK, want, rep.Findings)
	}
	if rep.TLSInfo == nil || !rep.TLSInfo.Verified || rep.TLSInfo.DaysLeft < 1 || !strings.Contains(rep.TLSInfo.CertSubject, sb.Hostname) && !strings.Contains(strings.Join(rep.TLSInfo.CertSANs, " "), sb.Hostname) {
		t.Errorf("tls_info %+v", rep.TLSInfo)
	}
	if rep.Stages[0].Code != 0 || rep.Stages[1].Code != 220 || rep.Stages[3].Code != 220 || rep.Stages[6].Code != 235 || rep.Stages[7].Code != 221 {
		t.Errorf("stage codes %+v", rep.Stages)
	}
	if rep.AuthMechanism != "PLAIN" || len(rep.AuthMechanisms) == 0 {
		t.Errorf("mechanism %q of %v; PLAIN is preferred under TLS", rep.AuthMechanism, rep.AuthMechanisms)
	}
	// Every stage was reported running, then done, in order.
	var running, done int
	for _, e := range events {
		if e.Kind == checks.EventStage && e.Stage.Running {
			running++
		} else if e.Kind == checks.EventStage {
			done++
		}
	}
	if running != len(rep.Stages) || done != len(rep.Stages) {
		t.Errorf("%d running and %d done events for %d stages", running, done, len(rep.Stages))
	}
	tls := checks.InTLS(rep.Transcript)
	var sawTLS bool
	for i, l := range rep.Transcript {
		if l.Text == "AUTH PLAIN ********" && !tls[i] {
			t.Error("AUTH was sent outside TLS")
		}
		sawTLS = sawTLS || tls[i]
	}
	if !sawTLS {
		t.Error("no line marked inside TLS")
	}
}

func TestSMTPSandboxImplicitPasses(t *testing.T) {
	sb, r := startSandbox(t)
	rep := checks.Handshake(context.Background(), sandboxOptions(t, sb, r, sb.ImplicitAddr, providers.TLSImplicit), nil)
	want := "connect:pass tls:pass banner:pass ehlo:pass auth:pass quit:pass"
	if got := stageNames(rep); got != want || !rep.OK {
		t.Fatalf("stages %q; want %q; findings %+v", got, want, rep.Findings)
	}
}

func TestSMTPSandboxCertNeedsItsCA(t *testing.T) {
	sb, r := startSandbox(t)
	o := sandboxOptions(t, sb, r, sb.STARTTLSAddr, providers.TLSStartTLS)
	o.RootCAs = nil // the system's roots do not know the sandbox's CA
	rep := checks.Handshake(context.Background(), o, nil)
	f := failedAt(t, rep, "tls", "smtp.cert", checks.StatusFail, 0)
	if !strings.Contains(f.Title, "trusted authority") {
		t.Errorf("finding %+v", f)
	}
	if strings.Contains(stageNames(rep), "auth") {
		t.Errorf("AUTH was tried after an untrusted certificate: %s", stageNames(rep))
	}
}

func TestSMTPSandboxFaults(t *testing.T) {
	sb, r := startSandbox(t)
	cases := []struct {
		name   string
		faults sandbox.Faults
		stage  string
		id     string
		status checks.Status
		code   int
	}{
		{"auth reject", sandbox.Faults{AuthReject: true}, "auth", "smtp.auth", checks.StatusFail, 535},
		{"banner 421", sandbox.Faults{Banner421: true}, "banner", "smtp.banner", checks.StatusError, 421},
		{"no starttls", sandbox.Faults{NoSTARTTLS: true}, "starttls", "smtp.tls", checks.StatusFail, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sb.SetFaults(c.faults)
			defer sb.SetFaults(sandbox.Faults{})
			o := sandboxOptions(t, sb, r, sb.STARTTLSAddr, providers.TLSStartTLS)
			o.Profile = &providers.Profile{AuthAdvice: "Sandbox advice: use the printed password."}
			rep := checks.Handshake(context.Background(), o, nil)
			f := failedAt(t, rep, c.stage, c.id, c.status, c.code)
			if f.Fix == "" {
				t.Errorf("finding %+v has no fix", f)
			}
			if c.code == 535 && (!strings.Contains(f.Fix, "Sandbox advice") || !strings.Contains(f.Detail, "5.7.8")) {
				t.Errorf("535 finding %+v should carry 5.7.8 and the profile's advice", f)
			}
		})
	}
}

func TestSMTPSandboxSlowBannerIsWaitedFor(t *testing.T) {
	sb, r := startSandbox(t)
	sb.SetFaults(sandbox.Faults{SlowBanner: 3 * time.Second})
	var notes []string
	rep := checks.Handshake(context.Background(), sandboxOptions(t, sb, r, sb.STARTTLSAddr, providers.TLSStartTLS), func(e checks.Event) {
		if e.Kind == checks.EventLine && e.Line.Dir == checks.DirNote {
			notes = append(notes, e.Line.Text)
		}
	})
	if !rep.OK || rep.Stages[1].Name != "banner" || rep.Stages[1].Ms < 2900 {
		t.Fatalf("a 3 s greeting delay must pass: stages %+v findings %+v", rep.Stages, rep.Findings)
	}
	if !strings.Contains(strings.Join(notes, "\n"), "waiting for the greeting") {
		t.Errorf("the wait was not shown live: %q", notes)
	}
}

func TestSMTPSandboxPorts(t *testing.T) {
	sb, r := startSandbox(t)
	ports := []int{portOf(t, sb.STARTTLSAddr), portOf(t, sb.ImplicitAddr), portOf(t, sb.PlainAddr)}
	// A port that refuses: listen, note the port, close.
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	closed := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	ports = append(ports, closed)
	res := checks.ProbePorts(context.Background(), sb.Hostname, ports, checks.HandshakeOptions{Resolver: r, Timeout: 3 * time.Second}, nil)
	want := []struct {
		state string
		tls   providers.TLSMode
	}{{checks.PortOpen, providers.TLSStartTLS}, {checks.PortOpen, providers.TLSImplicit}, {checks.PortOpen, providers.TLSNone}, {checks.PortRefused, ""}}
	for i, w := range want {
		if res[i].State != w.state || res[i].TLS != w.tls || res[i].Finding.ID != "smtp.port" {
			t.Errorf("port %d: %+v; want %s %s", ports[i], res[i], w.state, w.tls)
		}
	}
	if res[0].Banner == "" || !strings.HasPrefix(res[1].Banner, "220") {
		t.Errorf("banners %q %q", res[0].Banner, res[1].Banner)
	}
	// Filtered: a dialer that never answers.
	hang := dialFunc(func(ctx context.Context, _, _ string) (net.Conn, error) { <-ctx.Done(); return nil, ctx.Err() })
	res = checks.ProbePorts(context.Background(), "127.0.0.1", []int{25}, checks.HandshakeOptions{Dialer: hang, Timeout: 200 * time.Millisecond}, nil)
	if res[0].State != checks.PortFiltered || res[0].Finding.Status != checks.StatusError || !strings.Contains(res[0].Finding.Detail, "Port 25 is blocked") {
		t.Errorf("filtered port 25: %+v", res[0])
	}
	// A port blocked on the way out says nothing about the host: the check
	// could not be made (error), not a fail (CONTRACT.md).
	if fs := checks.PortFindings("127.0.0.1", res); checks.Worst(fs) != checks.StatusError {
		t.Errorf("no port open, one filtered, must be an error: %+v", fs)
	}
}

// sendAndVerify sends a signed message and verifies what the sandbox
// captured with go-msgauth against the sandbox's DNS.
func sendAndVerify(t *testing.T, ed bool, alg string) {
	sb, r := startSandbox(t)
	key, selector := sb.DKIMKey, sb.DKIMSelector
	if ed {
		key, selector = sb.DKIMEd25519Key, sb.DKIMEd25519Selector
	}
	o := checks.SendOptions{HandshakeOptions: sandboxOptions(t, sb, r, sb.STARTTLSAddr, providers.TLSStartTLS),
		From: "tester@" + sb.Domain, To: "inbox@" + sb.Domain, DKIMKey: key, Selector: selector}
	rep := checks.Send(context.Background(), o, nil)
	if !rep.OK || rep.QueueID == "" || !rep.DKIM.Signed || !rep.DKIM.Verified || rep.DKIM.Algorithm != alg || rep.DKIM.KeyMatches == nil || !*rep.DKIM.KeyMatches {
		t.Fatalf("send report OK=%v queue %q dkim %+v findings %+v", rep.OK, rep.QueueID, rep.DKIM, rep.Findings)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	m, err := sb.WaitMessage(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(rep.FinalReply, rep.QueueID) || m.MessageID != strings.Trim(rep.MessageID, "<>") && m.MessageID != rep.MessageID {
		t.Errorf("queue id %q / final %q; message id %q vs captured %q", rep.QueueID, rep.FinalReply, rep.MessageID, m.MessageID)
	}
	vs, err := dkim.VerifyWithOptions(bytes.NewReader(m.Raw), &dkim.VerifyOptions{LookupTXT: func(name string) ([]string, error) {
		return checks.LookupTXT(ctx, r, name)
	}})
	if err != nil || len(vs) != 1 || vs[0].Err != nil || vs[0].Domain != sb.Domain {
		t.Fatalf("captured message does not verify: %v %+v", err, vs)
	}
	for _, h := range []string{"from", "to", "subject", "date", "message-id", "mime-version", "content-type"} {
		found := false
		for _, k := range vs[0].HeaderKeys {
			found = found || strings.EqualFold(k, h)
		}
		if !found {
			t.Errorf("%s is not signed (h=%v)", h, vs[0].HeaderKeys)
		}
	}
	raw := string(m.Raw)
	for _, want := range []string{"relaxed/relaxed", "a=" + alg, "Subject: mailcfg test message " + rep.RunID, "MIME-Version: 1.0", "Date: "} {
		if !strings.Contains(raw, want) {
			t.Errorf("captured message lacks %q", want)
		}
	}
	if strings.Contains(strings.ReplaceAll(raw, "\r\n", ""), "\n") {
		t.Error("bare LF in the message")
	}
	if m.DKIM != "pass" || m.AuthResults != "spf=pass dkim=pass dmarc=pass" {
		t.Errorf("the sandbox's receiver saw dkim=%q, auth results %q", m.DKIM, m.AuthResults)
	}
	if rep.AuthResults != m.AuthResults {
		t.Errorf("send reports the receiver's verdict as %q, the sandbox saw %q", rep.AuthResults, m.AuthResults)
	}
}

func TestSendSandboxRSA(t *testing.T)     { sendAndVerify(t, false, "rsa-sha256") }
func TestSendSandboxEd25519(t *testing.T) { sendAndVerify(t, true, "ed25519-sha256") }

func TestSendSandboxWrongKeyAndFaults(t *testing.T) {
	sb, r := startSandbox(t)
	other, _ := startSandbox(t)
	o := checks.SendOptions{HandshakeOptions: sandboxOptions(t, sb, r, sb.STARTTLSAddr, providers.TLSStartTLS),
		From: "tester@" + sb.Domain, To: "inbox@" + sb.Domain, DKIMKey: other.DKIMKey, Selector: sb.DKIMSelector}
	rep := checks.Send(context.Background(), o, nil)
	if rep.DKIM.Verified || rep.DKIM.KeyMatches == nil || *rep.DKIM.KeyMatches || rep.OK {
		t.Errorf("a key that is not the published one: dkim %+v OK=%v", rep.DKIM, rep.OK)
	}
	if rep.QueueID == "" {
		t.Error("the message is sent even when its signature does not verify")
	}
	o.DKIMKey = nil
	for _, c := range []struct {
		f     sandbox.Faults
		stage string
		code  int
		st    checks.Status
	}{{sandbox.Faults{Temp451: true}, "mail", 451, checks.StatusError}, {sandbox.Faults{DropInData: true}, "data", 0, checks.StatusFail}} {
		sb.SetFaults(c.f)
		rep := checks.Send(context.Background(), o, nil)
		sb.SetFaults(sandbox.Faults{})
		var last checks.Stage
		for _, s := range rep.Stages {
			if s.Name != "quit" {
				last = s
			}
		}
		if rep.OK || last.Name != c.stage || last.Code != c.code || last.Status != c.st {
			t.Errorf("fault %+v: last stage %+v OK=%v", c.f, last, rep.OK)
		}
	}
}
