package main

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/miekg/dns"
	"github.com/rogpeppe/go-internal/testscript"

	"github.com/mailcfg/mailcfg/sandbox"
)

// scriptSandbox returns the script's sandbox, or fails the script.
func scriptSandbox(ts *testscript.TestScript, cmd string) *sandbox.Sandbox {
	sb, _ := ts.Value(sandboxKey{}).(*sandbox.Sandbox)
	if sb == nil {
		ts.Fatalf("%s: this script has no sandbox (name it sb_*.txtar or add a .sandbox file)", cmd)
	}
	return sb
}

// cmdSBMsg is `sbmsg N FIELD REGEXP`: it waits (up to 10 s) for the
// sandbox's N-th message and matches FIELD (from, to, subject, message_id,
// dkim, auth_results, helo, tls, auth_user, queue_id, raw) against REGEXP;
// with !, FIELD must not match.
func cmdSBMsg(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 3 {
		ts.Fatalf("usage: sbmsg N FIELD REGEXP")
	}
	sb := scriptSandbox(ts, "sbmsg")
	n, err := strconv.Atoi(args[0])
	if err != nil || n < 1 {
		ts.Fatalf("sbmsg: %q is not a message number", args[0])
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	m, err := sb.WaitMessage(ctx, n)
	if err != nil {
		ts.Fatalf("sbmsg: message %d: %v (captured: %d)", n, err, len(sb.Messages()))
	}
	fields := map[string]string{
		"from": m.From, "to": strings.Join(m.To, ","), "subject": m.Subject, "message_id": m.MessageID,
		"dkim": m.DKIM, "auth_results": m.AuthResults, "helo": m.Helo, "tls": strconv.FormatBool(m.TLS),
		"auth_user": m.AuthUser, "queue_id": m.QueueID, "raw": string(m.Raw),
	}
	got, ok := fields[args[1]]
	if !ok {
		ts.Fatalf("sbmsg: unknown field %q", args[1])
	}
	re, err := regexp.Compile(args[2])
	ts.Check(err)
	switch {
	case re.MatchString(got) && neg:
		ts.Fatalf("sbmsg: message %d %s %q matches %q", n, args[1], clip(got), args[2])
	case !re.MatchString(got) && !neg:
		ts.Fatalf("sbmsg: message %d %s %q does not match %q", n, args[1], clip(got), args[2])
	}
}

// cmdSBCount is `sbcount N`: the sandbox has captured exactly N messages
// (a command that refused its input must have sent nothing).
func cmdSBCount(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: sbcount N")
	}
	n, err := strconv.Atoi(args[0])
	ts.Check(err)
	if got := len(scriptSandbox(ts, "sbcount").Messages()); got != n {
		ts.Fatalf("sbcount: the sandbox captured %d messages, want %d", got, n)
	}
}

// cmdSBDNS is `sbdns fail NAME TYPE MODE` (TYPE a record type or ANY; MODE
// servfail, refused, timeout, truncate or none) and `sbdns zone ORIGIN FILE`.
func cmdSBDNS(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! sbdns")
	}
	sb := scriptSandbox(ts, "sbdns")
	switch {
	case len(args) == 4 && args[0] == "fail":
		qtype, ok := dns.StringToType[strings.ToUpper(args[2])]
		if strings.EqualFold(args[2], "ANY") {
			qtype = 0 // every type, as (*sandbox.DNSServer).Fail takes it
		}
		if !ok {
			ts.Fatalf("sbdns: unknown type %q", args[2])
		}
		modes := map[string]sandbox.FailMode{"servfail": sandbox.FailServFail, "refused": sandbox.FailRefused,
			"timeout": sandbox.FailTimeout, "truncate": sandbox.FailTruncate, "none": sandbox.FailNone}
		mode, ok := modes[args[3]]
		if !ok {
			ts.Fatalf("sbdns: unknown mode %q", args[3])
		}
		sb.DNS.Fail(args[1], qtype, mode)
	case len(args) == 3 && args[0] == "zone":
		ts.Check(sb.DNS.AddZoneText(args[1], ts.ReadFile(args[2])))
	default:
		ts.Fatalf("usage: sbdns fail NAME TYPE MODE | sbdns zone ORIGIN FILE")
	}
}

// cmdSBFault is `sbfault FAULT...`: it sets the sandbox's SMTP faults to
// exactly those named (none clears them).
func cmdSBFault(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: sbfault auth_reject|banner421|temp451|no_starttls|drop_in_data|slow_banner=DUR|none...")
	}
	sb := scriptSandbox(ts, "sbfault")
	var f sandbox.Faults
	for _, a := range args {
		switch a {
		case "auth_reject":
			f.AuthReject = true
		case "banner421":
			f.Banner421 = true
		case "temp451":
			f.Temp451 = true
		case "no_starttls":
			f.NoSTARTTLS = true
		case "drop_in_data":
			f.DropInData = true
		case "none":
		default:
			if d, ok := strings.CutPrefix(a, "slow_banner="); ok {
				var err error
				f.SlowBanner, err = time.ParseDuration(d)
				ts.Check(err)
				continue
			}
			ts.Fatalf("sbfault: unknown fault %q", a)
		}
	}
	sb.SetFaults(f)
}
