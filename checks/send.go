package checks

import (
	"bytes"
	"context"
	"crypto"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/mailcfg/mailcfg/providers"
)

// SendOptions say where and how to send the test message. The embedded
// HandshakeOptions pick the server and credentials.
type SendOptions struct {
	HandshakeOptions
	From string // envelope and header sender
	To   string // the one recipient
	// DKIMKey signs the message when set, under Selector at DKIMDomain
	// (the From domain when empty).
	DKIMKey    crypto.Signer
	Selector   string
	DKIMDomain string
	// RunID goes into the Subject and Message-ID; empty means a random one.
	RunID string
}

// SendReport is the outcome of Send, shaped as the contract's send JSON.
type SendReport struct {
	OK        bool              `json:"ok"`
	QueueID   string            `json:"queue_id"`
	MessageID string            `json:"message_id"`
	RunID     string            `json:"run_id"`
	Size      int               `json:"size"`
	DKIM      DKIMResult        `json:"dkim"`
	Host      string            `json:"host"`
	Port      int               `json:"port"`
	TLS       providers.TLSMode `json:"tls"`
	Stages    []Stage           `json:"stages"`
	TLSInfo   *TLSInfo          `json:"tls_info,omitempty"`
	// FinalReply is the server's reply to the end of DATA (sanitised).
	FinalReply string `json:"final_reply,omitempty"`
	// AuthResults is the receiver's verdict ("spf=pass dkim=pass
	// dmarc=pass") when its final reply carries one, as the sandbox's does.
	AuthResults string    `json:"auth_results,omitempty"`
	Findings    []Finding `json:"findings"`
	Transcript  []Line    `json:"transcript"`
	// Message is the message as sent (signed when a key was given); it is
	// not part of the JSON.
	Message []byte `json:"-"`
}

// Summary counts the report's findings.
func (r *SendReport) Summary() Summary { return Summarize(r.Findings) }

// Send builds the test message, DKIM-signs it when a key is given and
// verifies the signature against the key published in DNS (reporting pass or
// why not — the message is sent either way), then runs the handshake and
// sends it (RFC 5321 §3.3: MAIL, RCPT, DATA) and reads the queue id from the
// final 250.
func Send(ctx context.Context, opts SendOptions, sink Sink) *SendReport {
	if opts.RunID == "" {
		opts.RunID = NewRunID()
	}
	s := newSession(opts.HandshakeOptions, sink)
	defer s.close()
	rep := &SendReport{RunID: opts.RunID, Host: opts.Host, Port: opts.Port, TLS: s.opts.TLS}
	from, to, ok := s.addresses(opts)
	if !ok {
		return s.sendReport(rep)
	}
	// RFC 6531 §3.2: SMTPUTF8 only when an address needs it; then the
	// header shows the domains in U-labels too (RFC 6532 §3.2), otherwise
	// everything is ASCII with A-labels and any server takes it.
	utf8 := from.NeedsSMTPUTF8() || to.NeedsSMTPUTF8()
	hdrFrom, hdrTo := from.Envelope(), to.Envelope()
	if utf8 {
		hdrFrom, hdrTo = from.Unicode(), to.Unicode()
	}
	settings := []string{
		"host: " + opts.Host, "port: " + strconv.Itoa(opts.Port), "tls: " + string(s.opts.TLS),
	}
	if opts.User != "" {
		settings = append(settings, "user: "+opts.User)
	}
	if opts.DKIMKey != nil {
		settings = append(settings, "dkim selector: "+opts.Selector)
	}
	if utf8 {
		settings = append(settings, "smtputf8: yes (RFC 6531)")
	}
	raw, mid := TestMessage{From: hdrFrom, To: hdrTo, RunID: opts.RunID, Settings: settings, UTF8: utf8}.Build()
	rep.MessageID = mid
	if opts.DKIMKey != nil {
		if opts.DKIMDomain == "" {
			opts.DKIMDomain = from.Domain
		}
		opts.DKIMDomain = asciiDomain(opts.DKIMDomain)
		raw = s.dkimStep(ctx, opts, raw, &rep.DKIM)
	}
	rep.Message, rep.Size = raw, len(raw)
	if s.open(ctx) && s.smtputf8(utf8, from, to) && s.auth(ctx) {
		rep.QueueID, rep.FinalReply = s.transfer(from.Envelope(), to.Envelope(), raw)
		rep.AuthResults = ParseAuthResults(rep.FinalReply)
	}
	s.quit()
	return s.sendReport(rep)
}

// sendReport completes rep from the finished session.
func (s *session) sendReport(rep *SendReport) *SendReport {
	hr := s.finish()
	rep.Stages, rep.TLSInfo, rep.Findings, rep.Transcript = hr.Stages, hr.TLSInfo, hr.Findings, hr.Transcript
	w := Worst(rep.Findings)
	rep.OK = rep.FinalReply != "" && w != StatusFail && w != StatusError
	return rep
}

// dkimStep signs raw and verifies the signature, reporting both.
func (s *session) dkimStep(ctx context.Context, opts SendOptions, raw []byte, res *DKIMResult) []byte {
	end := s.stageBegin("dkim")
	res.Selector = opts.Selector
	res.Domain = opts.DKIMDomain
	if res.Domain == "" {
		res.Domain = domainOf(opts.From)
	}
	signed, alg, err := signDKIM(raw, opts.DKIMKey, res.Domain, res.Selector)
	res.Algorithm = alg
	if err != nil {
		res.Error = err.Error()
		f := Finding{ID: "send.dkim", Status: StatusFail, Title: "The message could not be DKIM-signed", Detail: errText(err),
			Fix: "Give an RSA (2048 bits or more) or Ed25519 private key in PEM.", Ref: "RFC 6376 §5"}
		s.find(f)
		end(StatusFail, nil, f.Title)
		return raw
	}
	res.Signed = true
	r := s.opts.Resolver
	if r == nil {
		r = NewResolver("", 0)
	}
	vctx, cancel := context.WithTimeout(ctx, s.opts.timeout())
	verifyDKIM(vctx, r, signed, opts.DKIMKey, res)
	cancel()
	name := res.Selector + "._domainkey." + res.Domain
	if res.Verified {
		s.find(Finding{ID: "send.dkim", Status: StatusPass, Title: fmt.Sprintf("DKIM signature (%s, d=%s s=%s) verifies against the key in DNS", alg, res.Domain, res.Selector), Ref: "RFC 6376 §6"})
		s.tr.note("DKIM: signed with %s, d=%s, s=%s; verified against %s", alg, res.Domain, res.Selector, name)
		end(StatusPass, nil, "verified")
		return signed
	}
	f := Finding{ID: "send.dkim", Status: StatusFail, Title: "The DKIM signature does not verify against the key in DNS",
		Detail: Sanitize(res.Error, 300), Ref: "RFC 6376 §6.1.2",
		Fix: fmt.Sprintf("Publish this key's public half at %s (mailcfg records --dkim-key FILE --selector %s prints it), then wait for DNS to update.", name, res.Selector)}
	if res.KeyMatches != nil && !*res.KeyMatches {
		f.Title = "The key published under the selector is not this private key's public half"
		f.Fix = fmt.Sprintf("Either sign with the key whose public half is at %s, or publish this key's (mailcfg records --dkim-key FILE --selector %s).", name, res.Selector)
	}
	s.find(f)
	s.tr.note("DKIM: signed with %s, d=%s, s=%s; NOT verified: %s", alg, res.Domain, res.Selector, Sanitize(res.Error, 200))
	end(StatusFail, nil, "not verified")
	return signed
}

// transfer sends the envelope and the message, and returns the queue id and
// the final reply.
func (s *session) transfer(from, to string, raw []byte) (queueID, final string) {
	mail := "MAIL FROM:<" + from + ">" + s.mailParams(from, to, raw)
	if s.ext.Has("SIZE") {
		mail += " SIZE=" + strconv.Itoa(len(raw)) // RFC 1870 §6
	}
	steps := []struct{ stage, line string }{{"mail", mail}, {"rcpt", "RCPT TO:<" + to + ">"}, {"data", "DATA"}}
	for _, st := range steps {
		end := s.stageBegin(st.stage)
		r, err := s.cmd(st.line, Sanitize(st.line, 0))
		want := 250
		if st.stage == "data" {
			want = 354
		}
		if err != nil || r.Code != want {
			f := s.failure("smtp."+st.stage, st.line, r, err)
			s.find(f)
			end(f.Status, r, f.Title)
			return "", ""
		}
		if st.stage != "data" {
			end(StatusPass, r, "")
			continue
		}
		// RFC 5321 §4.5.2: a line that begins with "." gets one more.
		var b bytes.Buffer
		for _, l := range bytes.SplitAfter(raw, []byte("\r\n")) {
			if len(l) > 0 && l[0] == '.' {
				b.WriteByte('.')
			}
			b.Write(l)
		}
		if !bytes.HasSuffix(raw, []byte("\r\n")) {
			b.WriteString("\r\n")
		}
		s.tr.note("message: %d bytes, %d lines (not shown)", len(raw), bytes.Count(raw, []byte("\n")))
		_ = s.conn.SetWriteDeadline(time.Now().Add(s.opts.timeout()))
		if _, err := s.conn.Write(b.Bytes()); err != nil {
			f := s.failure("smtp.data", "the message", nil, err)
			s.find(f)
			end(f.Status, nil, f.Title)
			return "", ""
		}
		r, err = s.cmd(".", ".")
		if err != nil || r.Code != 250 {
			f := s.failure("smtp.data", "the end of the message", r, err)
			s.find(f)
			end(f.Status, r, f.Title)
			return "", ""
		}
		queueID = ParseQueueID(r.Text())
		s.find(Finding{ID: "smtp.data", Status: StatusPass, Title: "The server accepted the message", Evidence: r.Raw[0]})
		end(StatusPass, r, queueID)
		return queueID, r.String()
	}
	return "", ""
}

var (
	queuedAsRE = regexp.MustCompile(`(?i)queued as ([A-Za-z0-9._@<>-]+)`)
	idEqRE     = regexp.MustCompile(`(?i)\bid=([A-Za-z0-9._@<>-]+)`)
	tokenRE    = regexp.MustCompile(`^[A-Za-z0-9._@<>-]{6,}$`)
)

// authResultsRE matches the method=result pairs of RFC 8601 that a final
// reply may carry.
var authResultsRE = regexp.MustCompile(`\b(spf|dkim|dmarc)=(pass|fail|softfail|neutral|none|permerror|temperror|policy)\b`)

// ParseAuthResults returns the "spf=… dkim=… dmarc=…" verdicts found in a
// final reply's text, in that order, or "".
func ParseAuthResults(text string) string {
	found := map[string]string{}
	for _, m := range authResultsRE.FindAllStringSubmatch(text, -1) {
		if _, ok := found[m[1]]; !ok {
			found[m[1]] = m[2]
		}
	}
	var parts []string
	for _, k := range []string{"spf", "dkim", "dmarc"} {
		if v, ok := found[k]; ok {
			parts = append(parts, k+"="+v)
		}
	}
	return strings.Join(parts, " ")
}

// ParseQueueID finds the queue id in the text of a final 250 reply:
// Postfix's "queued as X", Exim's "id=X", or otherwise the first token after
// the enhanced code and any "ok" that looks like an id (Gmail's, SES's).
func ParseQueueID(text string) string {
	if m := queuedAsRE.FindStringSubmatch(text); m != nil {
		return strings.Trim(m[1], "<>.")
	}
	if m := idEqRE.FindStringSubmatch(text); m != nil {
		return strings.Trim(m[1], "<>.")
	}
	for _, f := range strings.Fields(text) {
		f = strings.Trim(f, ":,;()[]")
		if parseEnhanced(f, 250) != "" {
			continue
		}
		switch strings.ToLower(f) {
		case "ok", "queued", "message", "accepted", "mail":
			continue
		}
		if tokenRE.MatchString(f) && strings.ContainsAny(f, "0123456789") {
			return strings.Trim(f, "<>.")
		}
	}
	return ""
}
