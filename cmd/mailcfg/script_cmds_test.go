package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/rogpeppe/go-internal/testscript"

	"github.com/mailcfg/mailcfg/sandbox"
)

// scriptCmds are the contract's own script commands, beside exits:
//
//	jsonhas [-file F] ARG...      stdout (or F) is one JSON document and nothing else, and every ARG holds
//	nosecret [FILE...]            no form of the sandbox password is in stdout, stderr or the files
//	ttyexec OUT prog args...      run prog with stdout and stderr on a terminal, its output to OUT
//	firstline OUT prog args...    start prog, keep its first stdout line in OUT, interrupt it, want exit 0
//	filemode FILE MODE            FILE's permission bits are MODE (octal, e.g. 0600)
//	sbmsg N FIELD REGEXP          the sandbox's N-th captured message has FIELD matching REGEXP
//	sbcount N                     the sandbox has captured exactly N messages so far
//	sbdns fail NAME TYPE MODE     the sandbox DNS answers NAME/TYPE with MODE (servfail, refused, timeout, truncate, none)
//	sbdns zone ORIGIN FILE        the sandbox DNS serves ORIGIN from a zone file fragment
//	sbfault FAULT...              set the sandbox SMTP faults (auth_reject, banner421, temp451, no_starttls,
//	                              drop_in_data, slow_banner=DUR, none)
//	interrupt AFTER N prog args...  start prog, send SIGINT after AFTER, want exit code N
var scriptCmds = map[string]func(*testscript.TestScript, bool, []string){
	"jsonhas":   cmdJSONHas,
	"nosecret":  cmdNoSecret,
	"ttyexec":   cmdTTYExec,
	"firstline": cmdFirstLine,
	"sbmsg":     cmdSBMsg,
	"sbcount":   cmdSBCount,
	"filemode":  cmdFileMode,
	"interrupt": cmdInterrupt,
	"sbdns":     cmdSBDNS,
	"sbfault":   cmdSBFault,
}

// mergeCmds returns one map holding the commands of every map given.
func mergeCmds(ms ...map[string]func(*testscript.TestScript, bool, []string)) map[string]func(*testscript.TestScript, bool, []string) {
	out := map[string]func(*testscript.TestScript, bool, []string){}
	for _, m := range ms {
		maps.Copy(out, m)
	}
	return out
}

// cmdJSONHas is `jsonhas [-file F] ARG...`. The text (the last command's
// stdout, or file F) must be exactly one JSON document, and each ARG must
// hold (with !, each must not hold; the one-document rule still applies).
// An ARG is a path, optionally followed by a test:
//
//	path            the value exists
//	path:TYPE       it is a string, number, int, bool, array, object or null;
//	                TYPE+ also wants a non-empty string, array or object
//	path=VALUE      its text is VALUE (strings unquoted, numbers as written)
//	path~REGEXP     its text matches REGEXP
//
// A path is dot-separated keys with index steps: [N] (negative from the
// end), [] (every element, and there is at least one) and [?KEY=VALUE] (some
// element whose KEY is VALUE; [?.=VALUE] for an element that is VALUE). The path "." is the document itself.
// Example: findings[?id=smtp.auth].status=fail
func cmdJSONHas(ts *testscript.TestScript, neg bool, args []string) {
	src := "stdout"
	if len(args) >= 2 && args[0] == "-file" {
		src, args = args[1], args[2:]
	}
	if len(args) == 0 {
		ts.Fatalf("usage: jsonhas [-file F] PATH[:TYPE|=VALUE|~REGEXP]...")
	}
	doc := decodeOneJSON(ts, src, ts.ReadFile(src))
	for _, arg := range args {
		path, op, want := splitJSONArg(arg)
		steps, err := parseJSONPath(path)
		if err != nil {
			ts.Fatalf("jsonhas %s: %v", arg, err)
		}
		test, err := jsonTest(op, want)
		if err != nil {
			ts.Fatalf("jsonhas %s: %v", arg, err)
		}
		why := evalJSON(doc, steps, test)
		switch {
		case neg && why == "":
			ts.Fatalf("jsonhas: %s holds in %s, want it not to", arg, src)
		case !neg && why != "":
			ts.Fatalf("jsonhas: %s does not hold in %s: %s", arg, src, why)
		}
	}
}

// decodeOneJSON parses text as one JSON document followed by nothing but
// white space.
func decodeOneJSON(ts *testscript.TestScript, src, text string) any {
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		ts.Fatalf("jsonhas: %s is not JSON: %v\n%s", src, err, clip(text))
	}
	if rest := strings.TrimSpace(text[dec.InputOffset():]); rest != "" {
		ts.Fatalf("jsonhas: %s holds more than one JSON document; after it: %q", src, clip(rest))
	}
	return doc
}

func clip(s string) string {
	if len(s) > 400 {
		return s[:400] + "…"
	}
	return s
}

// splitJSONArg splits an ARG at its operator, the first :, = or ~ outside
// brackets.
func splitJSONArg(arg string) (path, op, want string) {
	depth := 0
	for i, c := range arg {
		switch c {
		case '[':
			depth++
		case ']':
			depth--
		case ':', '=', '~':
			if depth == 0 {
				return arg[:i], string(c), arg[i+1:]
			}
		}
	}
	return arg, "", ""
}

// jsonStep is one step of a path: a key, an index, every element, or a
// filter.
type jsonStep struct {
	key        string
	index      *int
	every      bool
	filterKey  string
	filterWant string
	filter     bool
}

func parseJSONPath(path string) ([]jsonStep, error) {
	if path == "." {
		return nil, nil
	}
	var steps []jsonStep
	for path != "" {
		switch {
		case path[0] == '.':
			path = path[1:]
		case path[0] == '[':
			end := strings.IndexByte(path, ']')
			if end < 0 {
				return nil, fmt.Errorf("unclosed [ in path")
			}
			in := path[1:end]
			path = path[end+1:]
			switch {
			case in == "":
				steps = append(steps, jsonStep{every: true})
			case in[0] == '?':
				k, v, ok := strings.Cut(in[1:], "=")
				if !ok {
					return nil, fmt.Errorf("filter [%s] needs ?KEY=VALUE", in)
				}
				steps = append(steps, jsonStep{filter: true, filterKey: k, filterWant: v})
			default:
				n, err := strconv.Atoi(in)
				if err != nil {
					return nil, fmt.Errorf("index [%s] is not a number", in)
				}
				steps = append(steps, jsonStep{index: &n})
			}
		default:
			end := strings.IndexAny(path, ".[")
			if end < 0 {
				end = len(path)
			}
			steps = append(steps, jsonStep{key: path[:end]})
			path = path[end:]
		}
	}
	return steps, nil
}

// jsonTest returns the check of a leaf value: "" when it holds, else why not.
func jsonTest(op, want string) (func(v any) string, error) {
	switch op {
	case "":
		return func(any) string { return "" }, nil
	case "=":
		return func(v any) string {
			if got := jsonText(v); got != want {
				return fmt.Sprintf("it is %q, not %q", got, want)
			}
			return ""
		}, nil
	case "~":
		re, err := regexp.Compile(want)
		if err != nil {
			return nil, err
		}
		return func(v any) string {
			if got := jsonText(v); !re.MatchString(got) {
				return fmt.Sprintf("%q does not match %q", clip(got), want)
			}
			return ""
		}, nil
	case ":":
		nonEmpty := strings.HasSuffix(want, "+")
		typ := strings.TrimSuffix(want, "+")
		switch typ {
		case "string", "number", "int", "bool", "array", "object", "null":
		default:
			return nil, fmt.Errorf("unknown type %q", want)
		}
		return func(v any) string {
			got := jsonType(v)
			ok := got == typ || typ == "int" && got == "number" && isInt(v)
			if !ok {
				return fmt.Sprintf("it is a %s (%s), not a %s", got, clip(jsonText(v)), typ)
			}
			if nonEmpty && jsonEmpty(v) {
				return fmt.Sprintf("it is an empty %s", got)
			}
			return ""
		}, nil
	}
	return nil, fmt.Errorf("unknown operator %q", op)
}

func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case json.Number:
		return "number"
	case bool:
		return "bool"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

func isInt(v any) bool {
	n, ok := v.(json.Number)
	if !ok {
		return false
	}
	_, err := n.Int64()
	return err == nil
}

func jsonEmpty(v any) bool {
	switch x := v.(type) {
	case string:
		return x == ""
	case []any:
		return len(x) == 0
	case map[string]any:
		return len(x) == 0
	}
	return false
}

// jsonText is a value as the script writes it: strings bare, the rest as
// JSON.
func jsonText(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// evalJSON walks steps from v and applies test at the end; it returns ""
// when the path exists and the test holds, else why not.
func evalJSON(v any, steps []jsonStep, test func(any) string) string {
	if len(steps) == 0 {
		return test(v)
	}
	s := steps[0]
	switch {
	case s.key != "":
		m, ok := v.(map[string]any)
		if !ok {
			return fmt.Sprintf("%s: not an object (a %s)", s.key, jsonType(v))
		}
		child, ok := m[s.key]
		if !ok {
			return fmt.Sprintf("no key %q (keys: %s)", s.key, strings.Join(sortedKeys(m), " "))
		}
		if why := evalJSON(child, steps[1:], test); why != "" {
			return s.key + ": " + why
		}
		return ""
	}
	arr, ok := v.([]any)
	if !ok {
		return fmt.Sprintf("not an array (a %s)", jsonType(v))
	}
	switch {
	case s.index != nil:
		i := *s.index
		if i < 0 {
			i += len(arr)
		}
		if i < 0 || i >= len(arr) {
			return fmt.Sprintf("[%d]: out of range (%d elements)", *s.index, len(arr))
		}
		if why := evalJSON(arr[i], steps[1:], test); why != "" {
			return fmt.Sprintf("[%d]: %s", *s.index, why)
		}
		return ""
	case s.every:
		if len(arr) == 0 {
			return "[]: the array is empty"
		}
		for i, e := range arr {
			if why := evalJSON(e, steps[1:], test); why != "" {
				return fmt.Sprintf("[%d]: %s", i, why)
			}
		}
		return ""
	}
	// A filter: some matching element must satisfy the rest.
	field := func(e any) (string, bool) {
		if s.filterKey == "." {
			return jsonText(e), true
		}
		m, ok := e.(map[string]any)
		if !ok {
			return "", false
		}
		v, ok := m[s.filterKey]
		return jsonText(v), ok
	}
	var whys []string
	for _, e := range arr {
		if got, ok := field(e); !ok || got != s.filterWant {
			continue
		}
		why := evalJSON(e, steps[1:], test)
		if why == "" {
			return ""
		}
		whys = append(whys, why)
	}
	if len(whys) == 0 {
		var seen []string
		for _, e := range arr {
			if got, ok := field(e); ok {
				seen = append(seen, got)
			}
		}
		return fmt.Sprintf("[?%s=%s]: no such element (%s seen: %s)", s.filterKey, s.filterWant, s.filterKey, strings.Join(seen, " "))
	}
	return fmt.Sprintf("[?%s=%s]: %s", s.filterKey, s.filterWant, strings.Join(whys, "; "))
}

func sortedKeys(m map[string]any) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// cmdNoSecret is `nosecret [FILE...]`: the sandbox password ($SB_PASS) is
// in none of the last command's stdout and stderr and the files, in any of
// the forms AUTH sends it: plain, base64 of the password (LOGIN), base64 of
// "\0user\0pass" and "user\0user\0pass" (PLAIN), padded or not, standard or
// URL alphabet, and hex.
func cmdNoSecret(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! nosecret")
	}
	user, pass := ts.Getenv("SB_USER"), ts.Getenv("SB_PASS")
	if pass == "" {
		ts.Fatalf("nosecret: no $SB_PASS (this script has no sandbox)")
	}
	forms := map[string]string{"the password": pass}
	for _, raw := range []struct{ name, s string }{
		{"base64 of the password", pass},
		{"base64 of AUTH PLAIN", "\x00" + user + "\x00" + pass},
		{"base64 of AUTH PLAIN with authzid", user + "\x00" + user + "\x00" + pass},
	} {
		forms[raw.name] = base64.RawStdEncoding.EncodeToString([]byte(raw.s))
		forms[raw.name+" (URL alphabet)"] = base64.RawURLEncoding.EncodeToString([]byte(raw.s))
	}
	forms["hex of the password"] = fmt.Sprintf("%x", pass)
	sources := append([]string{"stdout", "stderr"}, args...)
	for _, src := range sources {
		text := ts.ReadFile(src)
		for name, f := range forms {
			if f != "" && strings.Contains(text, f) {
				ts.Fatalf("nosecret: %s holds %s", src, name)
			}
		}
	}
}

// cmdTTYExec is `ttyexec OUT prog args...`: prog runs with stdout and
// stderr on a pseudo-terminal (stdin stays /dev/null), with the script's
// environment; what it wrote goes to the file OUT. It fails unless prog
// exits 0 (with !, unless it exits non-zero).
func cmdTTYExec(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 2 {
		ts.Fatalf("usage: ttyexec OUT prog [args...]")
	}
	out, err := runOnTTY(scriptEnv(ts), ts.MkAbs("."), args[1], args[2:]...)
	ts.Check(os.WriteFile(ts.MkAbs(args[0]), out, 0o644))
	switch {
	case err != nil && !neg:
		ts.Fatalf("ttyexec %s: %v\n%s", args[1], err, out)
	case err == nil && neg:
		ts.Fatalf("ttyexec %s: succeeded unexpectedly", args[1])
	}
}

// scriptEnvNames are the variables a script may set that a program it
// starts outside ts.Exec must see.
var scriptEnvNames = []string{"HOME", "TMPDIR", "WORK", "XDG_CONFIG_HOME", "NO_COLOR", "SB_PASS", "SB_USER", "TERM"}

// scriptEnv is the process's environment with the script's values of
// scriptEnvNames over it.
func scriptEnv(ts *testscript.TestScript) []string {
	env := os.Environ()
	for _, k := range scriptEnvNames {
		env = append(env, k+"="+ts.Getenv(k))
	}
	return env
}

// cmdFirstLine is `firstline OUT prog args...`: it starts prog, waits (up
// to 30 s) for its first line on stdout and writes it to OUT, then sends
// SIGINT and wants prog to exit 0 within 10 s. What prog wrote to stderr
// goes to OUT.stderr.
func cmdFirstLine(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: firstline OUT prog [args...]")
	}
	path, err := exec.LookPath(args[1])
	ts.Check(err)
	cmd := exec.Command(path, args[2:]...)
	cmd.Env = scriptEnv(ts)
	cmd.Dir = ts.MkAbs(".")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	pipe, err := cmd.StdoutPipe()
	ts.Check(err)
	ts.Check(cmd.Start())
	lines := make(chan string, 1)
	go func() {
		br := bufio.NewReader(pipe)
		line, _ := br.ReadString('\n')
		lines <- line
		_, _ = io.Copy(io.Discard, br)
	}()
	var line string
	select {
	case line = <-lines:
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		ts.Fatalf("firstline %s: no line on stdout in 30 s; stderr: %s", args[1], stderr.String())
	}
	ts.Check(cmd.Process.Signal(syscall.SIGINT))
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err = <-done:
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		<-done
		ts.Fatalf("firstline %s: still running 10 s after SIGINT", args[1])
	}
	ts.Check(os.WriteFile(ts.MkAbs(args[0]), []byte(line), 0o644))
	ts.Check(os.WriteFile(ts.MkAbs(args[0]+".stderr"), stderr.Bytes(), 0o644))
	if err != nil {
		ts.Fatalf("firstline %s: after SIGINT: %v (want exit 0); stderr: %s", args[1], err, stderr.String())
	}
}

// cmdFileMode is `filemode FILE MODE`: FILE's permission bits are MODE,
// in octal (with !, they are not).
func cmdFileMode(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: filemode FILE MODE")
	}
	want, err := strconv.ParseUint(args[1], 8, 32)
	ts.Check(err)
	fi, err := os.Stat(ts.MkAbs(args[0]))
	ts.Check(err)
	got := uint64(fi.Mode().Perm())
	switch {
	case got != want && !neg:
		ts.Fatalf("filemode: %s has mode %#o, want %#o", args[0], got, want)
	case got == want && neg:
		ts.Fatalf("filemode: %s has mode %#o", args[0], got)
	}
}

// cmdInterrupt is `interrupt AFTER N prog args...`: it starts prog, sends
// it SIGINT after the duration AFTER, and wants it to exit with code N
// within 10 s of the signal (the contract's 130 for an interrupted check).
// Its stdout and stderr go to the files interrupt.stdout and
// interrupt.stderr.
func cmdInterrupt(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 3 {
		ts.Fatalf("usage: interrupt AFTER N prog [args...]")
	}
	after, err := time.ParseDuration(args[0])
	ts.Check(err)
	want, err := strconv.Atoi(args[1])
	ts.Check(err)
	path, err := exec.LookPath(args[2])
	ts.Check(err)
	cmd := exec.Command(path, args[3:]...)
	cmd.Env, cmd.Dir = scriptEnv(ts), ts.MkAbs(".")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	ts.Check(cmd.Start())
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err = <-done:
		ts.Fatalf("interrupt: %s ended before the signal (%v); stdout: %s", args[2], err, clip(stdout.String()))
	case <-time.After(after):
	}
	ts.Check(cmd.Process.Signal(syscall.SIGINT))
	select {
	case err = <-done:
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		<-done
		ts.Fatalf("interrupt: %s still running 10 s after SIGINT", args[2])
	}
	ts.Check(os.WriteFile(ts.MkAbs("interrupt.stdout"), stdout.Bytes(), 0o644))
	ts.Check(os.WriteFile(ts.MkAbs("interrupt.stderr"), stderr.Bytes(), 0o644))
	got := 0
	if ee, ok := err.(*exec.ExitError); ok {
		got = ee.ExitCode()
	} else if err != nil {
		ts.Fatalf("interrupt: %v", err)
	}
	if got != want {
		ts.Fatalf("interrupt: %s exited %d after SIGINT, want %d; stderr: %s", args[2], got, want, stderr.String())
	}
}

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

// TestJSONHasArgs checks jsonhas's paths and tests on a small document, so
// that a script's jsonhas cannot hold by mistake.
func TestJSONHasArgs(t *testing.T) {
	var doc any
	dec := json.NewDecoder(strings.NewReader(`{"ok": true, "port": 587, "ms": 1.5, "name": "", "tls": null,
		"stages": [{"name": "connect", "code": 0}, {"name": "auth", "code": 535, "status": "fail"}],
		"ext": ["PIPELINING", "AUTH PLAIN"], "empty": [], "obj": {"a": {"b": "c"}}}`))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		arg  string
		hold bool
	}{
		{"ok", true}, {"ok=true", true}, {"ok=false", false}, {"ok:bool", true}, {"missing", false},
		{"port=587", true}, {"port:int", true}, {"ms:int", false}, {"ms:number", true}, {"port:string", false},
		{"name:string", true}, {"name:string+", false}, {"name=", true}, {"tls:null", true},
		{"stages:array+", true}, {"empty:array", true}, {"empty:array+", false}, {"empty[].x", false},
		{"stages[].code:int", true}, {"stages[].status", false}, {"stages[0].name=connect", true},
		{"stages[-1].name=auth", true}, {"stages[2]", false}, {"stages[?name=auth].code=535", true},
		{"stages[?name=auth].code=250", false}, {"stages[?name=quit]", false}, {"stages[?name=auth].status~^f", true},
		{"ext[?.=AUTH PLAIN]", true}, {"ext[?.=STARTTLS]", false}, {"obj.a.b=c", true}, {"obj.a.b~^x", false},
		{".:object", true}, {"stages.name", false}, {"ok.x", false},
	} {
		path, op, want := splitJSONArg(c.arg)
		steps, err := parseJSONPath(path)
		if err != nil {
			t.Fatalf("%s: %v", c.arg, err)
		}
		test, err := jsonTest(op, want)
		if err != nil {
			t.Fatalf("%s: %v", c.arg, err)
		}
		if why := evalJSON(doc, steps, test); (why == "") != c.hold {
			t.Errorf("%s: holds=%v (%s), want %v", c.arg, why == "", why, c.hold)
		}
	}
}
