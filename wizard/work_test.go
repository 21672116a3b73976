package wizard

import (
	"bytes"
	"context"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/mailcfg/mailcfg/checks"
	"github.com/mailcfg/mailcfg/sandbox"
)

func TestStreamDeliversEventsThenResult(t *testing.T) {
	defer goleak.VerifyNone(t)
	ch := Stream(context.Background(), func(ctx context.Context, sink checks.Sink) any {
		for i := range 3 {
			sink(checks.Event{Kind: checks.EventStage, Stage: checks.Stage{Name: string(rune('a' + i))}})
		}
		return 42
	})
	var names []string
	var res any
	for p := range ch {
		if p.Done {
			res = p.Result
			continue
		}
		names = append(names, p.Event.Stage.Name)
	}
	if strings.Join(names, "") != "abc" || res != 42 {
		t.Errorf("got %v then %v", names, res)
	}
}

func TestStreamEndsWhenCancelled(t *testing.T) {
	defer goleak.VerifyNone(t)
	ctx, cancel := context.WithCancel(context.Background())
	started := make(chan struct{})
	ch := Stream(ctx, func(ctx context.Context, sink checks.Sink) any {
		close(started)
		for ctx.Err() == nil {
			sink(checks.Event{Kind: checks.EventLine}) // nobody reads: must not block past cancel
			time.Sleep(time.Millisecond)
		}
		return nil
	})
	<-started
	cancel()
	deadline := time.After(5 * time.Second)
	for {
		select {
		case _, ok := <-ch:
			if !ok {
				return
			}
		case <-deadline:
			t.Fatal("the stream did not end after cancel")
		}
	}
}

// TestRunHeadlessAgainstSandbox walks every network step against the real
// sandbox, as `mailcfg demo --headless` does, and checks the report.
func TestRunHeadlessAgainstSandbox(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	s, sb := demoSession(t, ctx)
	defer sb.Close()
	if s.Current() != StepProvider || len(s.Path()) != int(numSteps) {
		t.Errorf("the demo skips steps: %s", names(s.Path()))
	}
	var out bytes.Buffer
	ok := s.RunHeadless(ctx, &out, time.Now)
	text := out.String()
	if !ok {
		t.Fatalf("not every step passed:\n%s", text)
	}
	for _, want := range []string{"== SMTP handshake", "✓ pass auth", "== DNS checks", "== Records to publish",
		"== Test send", "# mailcfg report for example.test", "signed and verified", "queue id"} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if o := s.Results.Send; o == nil || o.Fact("Queue id") == "" {
		t.Error("no queue id")
	} else if got := o.Fact("Receiver"); got != "spf=pass dkim=pass dmarc=pass" {
		t.Errorf("the send step shows the receiver's verdict as %q", got)
	}
	msg, err := sb.WaitMessage(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if msg.DKIM != "pass" || !strings.Contains(msg.AuthResults, "dmarc=pass") {
		t.Errorf("captured message: dkim=%s auth-results=%q", msg.DKIM, msg.AuthResults)
	}
	assertNoSecret(t, text, sb.User, sb.Password)

	path := filepath.Join(t.TempDir(), "report.md")
	if err := s.SaveReport(path, time.Now()); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("report file mode: %v %v", fi, err)
	}
	if err := s.SaveReport(path, time.Now()); err == nil {
		t.Error("SaveReport overwrote a file")
	}
	data, _ := os.ReadFile(path)
	assertNoSecret(t, string(data), sb.User, sb.Password)
}

// assertNoSecret fails when text holds the secret or a base64 form of it.
func assertNoSecret(t *testing.T, text, user, secret string) {
	t.Helper()
	forms := checks.NewSecret(secret).Forms(user)
	forms = append(forms, base64.RawStdEncoding.EncodeToString([]byte(secret)))
	for _, f := range forms {
		if strings.Contains(text, f) {
			t.Fatalf("the secret (or its encoding %q) is in the output", f)
		}
	}
}

func TestSummaryNeverPassesWhatDidNotRun(t *testing.T) {
	s := NewSession(testEnv(t, nil))
	if s.AllPassed() {
		t.Fatal("a session that ran nothing passed")
	}
	for _, it := range s.Summary() {
		if it.Status != checks.StatusError || len(it.Todo) == 0 {
			t.Errorf("%s: %s with todo %v", it.Step, it.Status, it.Todo)
		}
	}
	s.Results = Results{Handshake: &Outcome{OK: true}, DNSDone: true,
		Findings: []checks.Finding{{ID: "dnssec.signed", Status: checks.StatusInfo}},
		Records:  &RecordSet{Records: []Record{{Action: "create", Name: "x.", Type: "TXT", Value: "v"}}},
		Send:     &Outcome{OK: true}}
	if !s.AllPassed() {
		t.Error("records to publish and info findings failed the summary")
	}
	s.Results.Send = &Outcome{Findings: []checks.Finding{{ID: "smtp.data", Status: checks.StatusFail, Title: "t", Fix: "f"}}}
	if s.AllPassed() {
		t.Error("a failed send passed")
	}
}

// TestPropagationAgainstSandbox runs the records step's "check again" on a
// record the sandbox publishes: its name server (on the sandbox's DNS port)
// and the resolver both serve it.
func TestPropagationAgainstSandbox(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, sb := demoSession(t, ctx)
	defer sb.Close()
	rs := s.WorkFor(StepRecords)(ctx, checks.Discard).(*RecordSet)
	if rs.Err != nil || len(rs.Records) == 0 {
		t.Fatalf("plan: %+v", rs)
	}
	var events int
	o := s.PropagationWork(rs.Records[0])(ctx, func(checks.Event) { events++ }).(*Outcome)
	if !o.OK || o.Fact("resolver") != "✓ serves the new value" {
		t.Errorf("propagation of %s: %+v", rs.Records[0].Name, o)
	}
	if events == 0 {
		t.Error("no progress was streamed")
	}
	changed := rs.Records[0]
	changed.Value = "v=spf1 -all"
	if o := s.PropagationWork(changed)(ctx, checks.Discard).(*Outcome); o.OK {
		t.Errorf("a value nobody serves propagated: %+v", o)
	}
}

// demoSession starts a sandbox (the caller closes it) and returns the demo's
// session over it.
func demoSession(t *testing.T, ctx context.Context) (*Session, *sandbox.Sandbox) {
	t.Helper()
	sb, err := StartSandbox(ctx)
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewDemoSession(sb, SandboxEnv(sb, testCatalog(t), 0))
	if err != nil {
		sb.Close()
		t.Fatal(err)
	}
	return s, sb
}
