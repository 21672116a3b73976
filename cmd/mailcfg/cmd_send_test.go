package main

import (
	"bufio"
	"encoding/json"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailcfg/mailcfg/checks"
)

// noUTF8Server is a loopback SMTP server that offers 8BITMIME but not
// SMTPUTF8 and records every line it gets; it answers only EHLO and QUIT
// as a real server would and everything else with 250. It stops when the
// test ends.
type noUTF8Server struct {
	port int
	mu   sync.Mutex
	got  []string
}

func startNoUTF8Server(t *testing.T) *noUTF8Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &noUTF8Server{port: ln.Addr().(*net.TCPAddr).Port}
	var wg sync.WaitGroup
	var conns []net.Conn
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.mu.Lock()
			conns = append(conns, c)
			s.mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				s.serve(c)
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		s.mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		s.mu.Unlock()
		wg.Wait()
	})
	return s
}

func (s *noUTF8Server) serve(c net.Conn) {
	_ = c.SetDeadline(time.Now().Add(20 * time.Second))
	rd := bufio.NewReader(c)
	c.Write([]byte("220 ascii.test ESMTP\r\n"))
	for {
		line, err := rd.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		s.mu.Lock()
		s.got = append(s.got, line)
		s.mu.Unlock()
		switch strings.ToUpper(strings.SplitN(line, " ", 2)[0]) {
		case "EHLO":
			c.Write([]byte("250-ascii.test\r\n250-8BITMIME\r\n250 SIZE 1000000\r\n"))
		case "QUIT":
			c.Write([]byte("221 2.0.0 Bye\r\n"))
			return
		default:
			c.Write([]byte("250 2.0.0 Ok\r\n"))
		}
	}
}

func (s *noUTF8Server) lines() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.got...)
}

// TestSendSMTPUTF8NotOfferedCLI: a UTF-8 local part to a server without
// SMTPUTF8 is a fail (exit 1) that says what to do, in JSON and in text,
// and the server gets only EHLO and QUIT.
func TestSendSMTPUTF8NotOfferedCLI(t *testing.T) {
	srv := startNoUTF8Server(t)
	args := []string{"--no-color", "--timeout", "5s", "send", "--host", "127.0.0.1", "--port", strconv.Itoa(srv.port), "--tls", "none",
		"--from", "jörg@bücher.example", "--to", "b@example.test"}
	code, out, errs := runCLI(t, nil, "", append(args, "--json")...)
	if code != 1 || errs != "" {
		t.Fatalf("exit %d, stderr %q; want 1 and nothing", code, errs)
	}
	var rep checks.SendReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	var f *checks.Finding
	for i := range rep.Findings {
		if rep.Findings[i].ID == "smtp.smtputf8" {
			f = &rep.Findings[i]
		}
	}
	if rep.OK || f == nil || f.Status != checks.StatusFail || !strings.Contains(f.Title, "jörg@bücher.example") || !strings.Contains(f.Fix, "ASCII address") {
		t.Fatalf("ok=%v finding %+v", rep.OK, f)
	}
	if got := srv.lines(); len(got) != 2 || !strings.HasPrefix(got[0], "EHLO ") || got[1] != "QUIT" {
		t.Errorf("the server got %q; want EHLO and QUIT only", got)
	}
	code, out, _ = runCLI(t, nil, "", args...)
	if code != 1 || !strings.Contains(out, "cannot take jörg@bücher.example") || !strings.Contains(out, "smtp.smtputf8") {
		t.Errorf("exit %d; text report:\n%s", code, out)
	}
	noRawControl(t, "send text", out)
}

// TestSendAddressUsage: a bad --from or --to is exit 2 with one line that
// names the flag and the fault, before anything is dialled.
func TestSendAddressUsage(t *testing.T) {
	srv := startNoUTF8Server(t)
	for _, c := range []struct{ flag, addr, want string }{
		{"--from", "Me <me@example.test>", "angle brackets"},
		{"--from", "me@example.test.", "ends with a dot"},
		{"--to", "a\u202eb@example.test", "formatting character U+202E"},
		{"--to", "a\r\nRSET@example.test", "not allowed"},
		{"--to", "x@" + strings.Repeat("a", 64) + ".test", "limit is 63"},
		{"--from", strings.Repeat("l", 65) + "@example.test", "limit is 64"},
	} {
		from, to := "me@example.test", "you@example.test"
		if c.flag == "--from" {
			from = c.addr
		} else {
			to = c.addr
		}
		code, out, errs := runCLI(t, nil, "", "send", "--host", "127.0.0.1", "--port", strconv.Itoa(srv.port), "--tls", "none", "--from", from, "--to", to)
		if code != 2 || out != "" || strings.Count(errs, "\n") != 1 || !strings.Contains(errs, c.flag) || !strings.Contains(errs, c.want) {
			t.Errorf("%s %q: exit %d, stdout %q, stderr %q; want exit 2 and one line with %q", c.flag, c.addr, code, out, errs, c.want)
		}
		noRawControl(t, "stderr", errs)
	}
	if got := srv.lines(); len(got) != 0 {
		t.Errorf("the server got %q", got)
	}
}
