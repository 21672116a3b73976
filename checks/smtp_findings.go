package checks

import (
	"errors"
	"fmt"
	"strings"
)

// errText is an error's message, sanitised (server text can reach it).
func errText(err error) string {
	if err == nil {
		return ""
	}
	return Sanitize(err.Error(), 200)
}

// failure turns a failed step — a transport error or an unwanted reply —
// into a finding with the server's codes, what they mean and the fix.
func (s *session) failure(id, what string, r *Reply, err error) Finding {
	f := Finding{ID: id}
	if r != nil && len(r.Raw) > 0 {
		f.Evidence = strings.Join(r.Raw, " / ")
		if len(f.Evidence) > 600 {
			f.Evidence = f.Evidence[:600] + "…"
		}
	}
	switch {
	case err != nil && s.ctx != nil && s.ctx.Err() != nil:
		f.Status, f.Title = StatusError, fmt.Sprintf("The check was cancelled (or ran out of time) during %s", what)
		f.Fix = "Run it again; give it more time with --timeout."
	case err != nil && errors.Is(err, ErrReplyTooLong):
		f.Status, f.Title = StatusFail, fmt.Sprintf("The server's reply to %s ran past %d lines", what, MaxReplyLines)
		f.Detail = "It was abandoned so a broken or hostile server cannot exhaust memory."
		f.Fix = "This is not a normal SMTP server; check the host and port."
		f.Evidence = ""
	case err != nil && errors.Is(err, ErrReplyTooLarge):
		f.Status, f.Title = StatusFail, fmt.Sprintf("The server's reply to %s is larger than 64 KiB", what)
		f.Detail = "A reply line may be at most 512 octets; it was abandoned so a broken or hostile server cannot exhaust memory."
		f.Fix = "This is not a normal SMTP server; check the host and port."
		f.Ref = "RFC 5321 §4.5.3.1.5"
		f.Evidence = ""
	case err != nil && errors.Is(err, ErrMalformedReply):
		f.Status, f.Title = StatusFail, fmt.Sprintf("The server's reply to %s is not SMTP", what)
		f.Detail = errText(err)
		f.Fix = "Check that this host and port run an SMTP server, and the TLS mode (--tls)."
		f.Ref = "RFC 5321 §4.2"
	case err != nil && isTimeout(err):
		f.Status, f.Title = StatusError, fmt.Sprintf("Timed out waiting for the server's reply to %s", what)
		f.Detail = "The server stopped answering (or answers too slowly)."
		f.Fix = "Retry, perhaps with a longer --timeout."
	case err != nil && isClosed(err):
		f.Status, f.Title = StatusFail, fmt.Sprintf("The server closed the connection during %s", what)
		f.Detail = "It hung up without a reply: it may limit connections per IP, dislike this client's address or EHLO name, or have crashed."
		f.Fix = "Retry later; if it persists, ask the provider whether your IP is blocked."
	case err != nil:
		f.Status, f.Title = StatusError, fmt.Sprintf("%s failed: %s", what, errText(err))
		f.Fix = "Check your network connection."
	case r != nil:
		replyMeaning(&f, what, r, s.opts.Profile)
	}
	return f
}
