package checks

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
)

// addresses parses the sender and the recipient (ParseAddress), noting in
// the transcript any IDN domain and its A-labels. A bad address is a
// send.address fail and nothing is sent.
func (s *session) addresses(opts SendOptions) (from, to Address, ok bool) {
	var errs []string
	parse := func(role, v string) Address {
		a, err := ParseAddress(v)
		if err != nil {
			var ae *AddressError
			why := errText(err)
			if errors.As(err, &ae) {
				why = fmt.Sprintf("%s %s: %s", role, Sanitize(fmt.Sprintf("%q", ae.Input), 300), ae.Reason)
			}
			errs = append(errs, why)
			return a
		}
		if a.IsIDN() {
			// RFC 5890 §2.3.2.1, RFC 6531 §3.2: the envelope and DNS use
			// the A-labels, which any server takes.
			s.tr.note("IDN: %s goes in the envelope as %s", Sanitize(a.Unicode(), 0), a.Envelope())
		}
		return a
	}
	from, to = parse("the sender", opts.From), parse("the recipient", opts.To)
	if len(errs) > 0 {
		s.find(Finding{ID: "send.address", Status: StatusFail, Title: "The test message cannot be addressed",
			Detail: strings.Join(errs, "; "),
			Fix:    "Give each address bare, as name@example.com (an internationalised domain such as name@bücher.example is fine).",
			Ref:    "RFC 5321 §4.1.2, RFC 6531 §3.3"})
		return from, to, false
	}
	return from, to, true
}

// smtputf8 checks, right after EHLO and before AUTH or MAIL, that a server
// offers SMTPUTF8 when an address needs it (RFC 6531 §3.4: a UTF-8 local
// part has no ASCII form, so without the extension the message cannot be
// sent; §3.2 forbids sending it anyway). It reports whether the send may go
// on; when not, only QUIT follows.
func (s *session) smtputf8(need bool, addrs ...Address) bool {
	if !need {
		return true
	}
	var utf8 []string
	for _, a := range addrs {
		if a.NeedsSMTPUTF8() {
			utf8 = append(utf8, Sanitize(a.Unicode(), 0))
		}
	}
	end := s.stageBegin("smtputf8")
	if s.ext.Has("SMTPUTF8") {
		s.find(Finding{ID: "smtp.smtputf8", Status: StatusPass,
			Title: "The server offers SMTPUTF8, so it takes " + strings.Join(utf8, " and "),
			Ref:   "RFC 6531 §3.1"})
		s.tr.note("SMTPUTF8: the envelope carries UTF-8, so MAIL FROM gets the SMTPUTF8 parameter")
		end(StatusPass, nil, "offered")
		return true
	}
	f := Finding{ID: "smtp.smtputf8", Status: StatusFail,
		Title: fmt.Sprintf("The server cannot take %s: it does not offer SMTPUTF8", strings.Join(utf8, " or ")),
		Detail: fmt.Sprintf("The part before the @ holds non-ASCII characters, which have no ASCII form: only a server that offers the SMTPUTF8 extension may receive them, and %s's EHLO reply does not list it. Nothing was sent.",
			Sanitize(s.opts.Host, 0)),
		Fix: "Test with an ASCII address (an internationalised domain alone is fine: it goes as xn-- A-labels), or send through a server that offers SMTPUTF8 (Postfix 3 and later with smtputf8_enable = yes, Exim built with SUPPORT_I18N).",
		Ref: "RFC 6531 §3.2, §3.4"}
	s.find(f)
	end(StatusFail, nil, "not offered")
	return false
}

// mailParams returns the MAIL FROM parameters the message needs besides
// SIZE: SMTPUTF8 whenever the envelope or the header holds UTF-8 (RFC 6531
// §3.4 — UTF-8 is never sent without it), and BODY=8BITMIME when the body
// has 8-bit bytes and the server offers 8BITMIME (RFC 6152 §3).
func (s *session) mailParams(from, to string, raw []byte) string {
	head, body := raw, []byte(nil)
	if i := bytes.Index(raw, []byte("\r\n\r\n")); i >= 0 {
		head, body = raw[:i], raw[i+4:]
	}
	p := ""
	if !isASCII(from) || !isASCII(to) || !isASCII(string(head)) {
		p += " SMTPUTF8"
	}
	if !isASCII(string(body)) {
		if s.ext.Has("8BITMIME") {
			p += " BODY=8BITMIME"
		} else {
			s.tr.note("the body is 8-bit but the server does not offer 8BITMIME (RFC 6531 §3.1 says a server with SMTPUTF8 must)")
		}
	}
	return p
}
