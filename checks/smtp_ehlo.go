package checks

import (
	"bufio"
	"context"
	"net"
	"os"
	"strings"
)

// heloName is the name to greet with (RFC 5321 §4.1.1.1: the client's fully
// qualified domain name, or an address literal when it has none): the
// option, else this machine's host name made fully qualified from
// /etc/hosts when needed, else the address literal of our side of the
// connection.
func (s *session) heloName() string {
	if s.opts.HeloName != "" {
		return s.opts.HeloName
	}
	if h := localFQDN(); h != "" {
		return h
	}
	if s.raw != nil {
		if a, ok := s.raw.LocalAddr().(*net.TCPAddr); ok {
			if a.IP.To4() != nil {
				return "[" + a.IP.String() + "]"
			}
			return "[IPv6:" + a.IP.String() + "]"
		}
	}
	return "localhost"
}

// localFQDN returns os.Hostname when it has a dot, else the first name with
// a dot on the /etc/hosts line that lists it, else "".
func localFQDN() string {
	h, err := os.Hostname()
	if err != nil || h == "" {
		return ""
	}
	if strings.Contains(strings.TrimSuffix(h, "."), ".") {
		return strings.TrimSuffix(h, ".")
	}
	f, err := os.Open("/etc/hosts")
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "#")
		fields := strings.Fields(line)
		if len(fields) < 2 {
			continue
		}
		listed := false
		for _, n := range fields[1:] {
			if strings.EqualFold(n, h) {
				listed = true
			}
		}
		if !listed {
			continue
		}
		for _, n := range fields[1:] {
			if strings.Contains(n, ".") && !strings.HasSuffix(n, ".localdomain") && n != "localhost.localdomain" {
				return n
			}
		}
	}
	return ""
}

// ehlo greets the server and reads its extensions (RFC 5321 §4.1.1.1); when
// EHLO is refused with 5xx it falls back to HELO (§3.2), which has no
// extensions.
func (s *session) ehlo() bool {
	end := s.stageBegin("ehlo")
	s.helo = s.heloName()
	s.rep.Helo = s.helo
	r, err := s.cmd("EHLO "+s.helo, "EHLO "+s.helo)
	if err == nil && r.Class() == 5 {
		s.tr.note("EHLO refused; trying HELO")
		r, err = s.cmd("HELO "+s.helo, "HELO "+s.helo)
		if err == nil && r.Code == 250 {
			s.ext = Extensions{}
			s.find(Finding{ID: "smtp.ehlo", Status: StatusWarn, Title: "The server refused EHLO and accepted only HELO",
				Detail: "Without EHLO there are no extensions: no STARTTLS, no AUTH, no SIZE.",
				Fix:    "This is an old or misconfigured server; check the host and port.", Ref: "RFC 5321 §3.2"})
			end(StatusWarn, r, "HELO only")
			return true
		}
	}
	if err != nil || r.Code != 250 {
		f := s.failure("smtp.ehlo", "EHLO", r, err)
		s.find(f)
		end(f.Status, r, f.Title)
		return false
	}
	s.setExtensions(r)
	detail := ""
	if s.tlsOn {
		detail = "inside TLS"
	}
	end(StatusPass, r, detail)
	return true
}

// startTLS asks for TLS (RFC 3207 §4) and runs the handshake; the server
// forgets the earlier EHLO, so the caller greets again.
func (s *session) startTLS(ctx context.Context) bool {
	if !s.ext.Has("STARTTLS") {
		end := s.stageBegin("starttls")
		f := Finding{ID: "smtp.tls", Status: StatusFail,
			Title:  "The server does not offer STARTTLS",
			Detail: "Its EHLO reply has no STARTTLS, so the session would stay unencrypted (or someone on the path stripped it).",
			Fix:    "Use port 465 with --tls implicit, or check the host and port; never send credentials without TLS.",
			Ref:    "RFC 3207 §4"}
		s.find(f)
		end(StatusFail, nil, f.Title)
		return false
	}
	end := s.stageBegin("starttls")
	r, err := s.cmd("STARTTLS", "STARTTLS")
	if err != nil || r.Code != 220 {
		f := s.failure("smtp.tls", "STARTTLS", r, err)
		s.find(f)
		end(f.Status, r, f.Title)
		return false
	}
	end(StatusPass, r, "")
	if s.br.Buffered() > 0 {
		// RFC 3207 §4.1 / CVE-2011-0411: bytes sent before the handshake
		// must not be read as if they came over TLS.
		f := Finding{ID: "smtp.tls", Status: StatusFail, Title: "The server sent data after 220 to STARTTLS, before the TLS handshake",
			Detail: "Bytes that arrive before TLS could have been injected by anyone on the path; the session was abandoned.",
			Fix:    "Report this to the provider.", Ref: "RFC 3207 §4.1"}
		s.find(f)
		return false
	}
	return s.handshakeTLS(ctx, false)
}
