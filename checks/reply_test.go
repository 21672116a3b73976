package checks

import (
	"bufio"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestReadReply(t *testing.T) {
	cases := []struct {
		in       string
		code     int
		enhanced string
		lines    int
		err      error
	}{
		{"220 mx.test ESMTP\r\n", 220, "", 1, nil},
		{"250-mx.test\r\n250-SIZE 100\r\n250 AUTH PLAIN\r\n", 250, "", 3, nil},
		{"535 5.7.8 Authentication credentials invalid\r\n", 535, "5.7.8", 1, nil},
		{"454 4.7.0 TLS not available\n", 454, "4.7.0", 1, nil},
		{"250 2.0.0\r\n", 250, "2.0.0", 1, nil},
		{"550 4.1.1 class mismatch\r\n", 550, "", 1, nil},
		{"250\r\n", 250, "", 1, nil},
		{"hello\r\n", 0, "", 1, ErrMalformedReply},
		{"250-a\r\n251 b\r\n", 250, "", 2, ErrMalformedReply},
		{"250x\r\n", 0, "", 1, ErrMalformedReply},
		{"199 low\r\n", 0, "", 1, ErrMalformedReply},
		{strings.Repeat("250-x\r\n", 150), 250, "", MaxReplyLines, ErrReplyTooLong},
		{"220 " + strings.Repeat("A", 200000) + "\r\n", 0, "", 1, ErrReplyTooLarge},
	}
	for _, c := range cases {
		var seen int
		r, err := readReply(bufio.NewReader(strings.NewReader(c.in)), func(string) { seen++ })
		if c.err == nil && err != nil || c.err != nil && (err == nil || !strings.Contains(err.Error(), c.err.Error())) {
			t.Errorf("%.30q: err %v, want %v", c.in, err, c.err)
			continue
		}
		if r.Code != c.code || r.Enhanced != c.enhanced || len(r.Raw) != c.lines || seen != c.lines {
			t.Errorf("%.30q: got code %d enhanced %q lines %d (seen %d); want %d %q %d", c.in, r.Code, r.Enhanced, len(r.Raw), seen, c.code, c.enhanced, c.lines)
		}
	}
}

func TestReplyParseEHLO(t *testing.T) {
	ext := parseEHLO([]string{"mx.test greets you", "SIZE 35882577", "8BITMIME", "AUTH LOGIN plain", "AUTH=CRAM-MD5", "STARTTLS", "ENHANCEDSTATUSCODES", "PIPELINING", "SMTPUTF8", "X-CUSTOM a b"})
	for _, k := range []string{"SIZE", "8BITMIME", "AUTH", "STARTTLS", "ENHANCEDSTATUSCODES", "PIPELINING", "SMTPUTF8", "X-CUSTOM"} {
		if !ext.Has(k) {
			t.Errorf("missing %s in %v", k, ext)
		}
	}
	if got := strings.Join(ext.AuthMechanisms(), " "); got != "LOGIN PLAIN CRAM-MD5" {
		t.Errorf("mechanisms %q", got)
	}
	if ext.Size() != 35882577 {
		t.Errorf("size %d", ext.Size())
	}
	if ext.Has("MX.TEST") {
		t.Error("the greeting line is not an extension")
	}
}

func TestAuthChooseMechanism(t *testing.T) {
	cases := []struct {
		server, profile []string
		oauth, tls      bool
		want            string
	}{
		{[]string{"LOGIN", "PLAIN", "CRAM-MD5"}, nil, false, true, "PLAIN"},
		{[]string{"LOGIN", "PLAIN", "CRAM-MD5"}, nil, false, false, "CRAM-MD5"},
		{[]string{"LOGIN"}, nil, false, true, "LOGIN"},
		{[]string{"LOGIN", "PLAIN"}, []string{"LOGIN"}, false, true, "LOGIN"},
		{[]string{"PLAIN"}, []string{"CRAM-MD5"}, false, true, "PLAIN"},
		{[]string{"PLAIN", "XOAUTH2"}, nil, true, true, "XOAUTH2"},
		{[]string{"PLAIN"}, nil, true, true, ""},
		{[]string{"GSSAPI"}, nil, false, true, ""},
	}
	for _, c := range cases {
		if got := chooseMechanism(c.server, c.profile, c.oauth, c.tls); got != c.want {
			t.Errorf("chooseMechanism(%v, %v, oauth=%v, tls=%v) = %q; want %q", c.server, c.profile, c.oauth, c.tls, got, c.want)
		}
	}
}

func TestTranscriptSanitize(t *testing.T) {
	cases := map[string]string{
		"plain text":          "plain text",
		"a\x1b[2Jb":           `a\x1b[2Jb`,
		"bell\x07":            `bell\x07`,
		"tab\there":           `tab\there`,
		"cr\r":                `cr\r`,
		"\xff\xfe":            `\xff\xfe`,
		"c1 \u009b31m":        `c1 \u009b31m`,
		"bidi \u202e evil":    `bidi \u202e evil`,
		"unicode ok: héllo ✓": "unicode ok: héllo ✓",
	}
	for in, want := range cases {
		if got := Sanitize(in, 0); got != want {
			t.Errorf("Sanitize(%q) = %q; want %q", in, got, want)
		}
	}
	long := Sanitize(strings.Repeat("x", 2000), 0)
	if len(long) > MaxLineBytes+30 || !strings.Contains(long, "[+1488 bytes]") {
		t.Errorf("long line cut to %d bytes: %q", len(long), long[len(long)-30:])
	}
}

func TestSendParseQueueID(t *testing.T) {
	cases := map[string]string{
		"2.0.0 Ok: queued as 4BxQ7Z1abc":                "4BxQ7Z1abc",
		"OK id=1rABCd-0003Xy-Q1":                        "1rABCd-0003Xy-Q1",
		"2.0.0 OK  1700000000 d9443c01a7336-1d - gsmtp": "1700000000",
		"Ok 0100018c2f5e3a1b-aaaa-bbbb-000000":          "0100018c2f5e3a1b-aaaa-bbbb-000000",
		"2.0.0 Ok":                                      "",
		"OK: queued":                                    "",
	}
	for in, want := range cases {
		if got := ParseQueueID(in); got != want {
			t.Errorf("ParseQueueID(%q) = %q; want %q", in, got, want)
		}
	}
}

// FuzzReadReply feeds arbitrary server bytes to the reply reader: it must
// never panic, and what it keeps must be capped and free of control bytes.
func FuzzReadReply(f *testing.F) {
	for _, s := range []string{
		"220 mx.test ESMTP\r\n", "250-a\r\n250-b\r\n250 c\r\n", "535 5.7.8 no\r\n", "250-a\r\n251 b\r\n",
		"220 \x1b[2J\x07\r\n", "\xff\xfe\r\n", "250-" + strings.Repeat("A", 5000) + "\r\n250 x\r\n", "", "2", "250", "250-\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := readReply(bufio.NewReader(strings.NewReader(string(data))), nil)
		if r == nil {
			t.Fatal("nil reply")
		}
		if len(r.Raw) > MaxReplyLines {
			t.Fatalf("%d lines", len(r.Raw))
		}
		for _, l := range append(r.Raw, r.Lines...) {
			if len(l) > MaxLineBytes+40 {
				t.Fatalf("line of %d bytes", len(l))
			}
			if !utf8.ValidString(l) {
				t.Fatalf("invalid UTF-8 kept: %q", l)
			}
			for _, c := range []byte(l) {
				if c < 0x20 || c == 0x7f {
					t.Fatalf("control byte kept: %q", l)
				}
			}
		}
		if err == nil && (r.Code < 200 || r.Code > 599) {
			t.Fatalf("code %d accepted", r.Code)
		}
		if r.Enhanced != "" && r.Enhanced[0]-'0' != byte(r.Code/100) {
			t.Fatalf("enhanced %q with code %d", r.Enhanced, r.Code)
		}
	})
}

// FuzzReplyParseEHLO feeds arbitrary extension lines to the capability parser.
func FuzzReplyParseEHLO(f *testing.F) {
	for _, s := range []string{
		"mx\nSIZE 100\nAUTH PLAIN LOGIN\nSTARTTLS", "mx\nAUTH=LOGIN\nAUTH PLAIN", "mx\n\n  \nSIZE x", "mx\nauth cram-md5 cram-md5", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ext := parseEHLO(strings.Split(s, "\n"))
		seen := map[string]bool{}
		for _, m := range ext.AuthMechanisms() {
			if seen[m] || m == "" || m != strings.ToUpper(m) {
				t.Fatalf("mechanism %q duplicated, empty or not upper case", m)
			}
			seen[m] = true
		}
		for k := range ext {
			if k != strings.ToUpper(k) || strings.ContainsAny(k, " ") {
				t.Fatalf("keyword %q", k)
			}
		}
		_ = ext.Size()
	})
}
