package checks

import (
	"fmt"
	"strings"

	"github.com/mailcfg/mailcfg/providers"
)

// replyMeaning fills f's status, title, detail, fix and reference from a
// reply the step did not want, by the codes people actually meet (RFC 5321
// §4.2.2–4.2.3, RFC 3463 §3, RFC 4954 §6, RFC 3207 §4).
func replyMeaning(f *Finding, what string, r *Reply, p *providers.Profile) {
	code := fmt.Sprintf("%d", r.Code)
	if r.Enhanced != "" {
		code += " " + r.Enhanced
	}
	f.Title = fmt.Sprintf("The server answered %s with %s", what, code)
	f.Status = StatusFail
	if r.Class() == 4 {
		// A temporary failure: the check could not be made now.
		f.Status = StatusError
	}
	f.Ref = "RFC 5321 §4.2.3"
	switch r.Code {
	case 421:
		f.Detail = "421: the service is not available now and the server is closing the connection — it is overloaded, rate-limiting this IP, or shutting down."
		f.Fix = "Retry in a few minutes; if it persists, your IP may be throttled or listed: ask the provider."
	case 450, 451, 452:
		f.Detail = fmt.Sprintf("%d: a temporary failure (mailbox busy, local error or insufficient storage, or greylisting).", r.Code)
		f.Fix = "Retry later; a real client retries by itself."
	case 454:
		if strings.Contains(what, "STARTTLS") {
			f.ID = "smtp.tls"
			f.Detail = "454: the server advertised STARTTLS but cannot start TLS now (often a missing or broken certificate on its side)."
			f.Fix = "Retry later or use port 465 with implicit TLS; tell the provider if it persists. Do not fall back to plaintext."
			f.Ref = "RFC 3207 §4"
		} else {
			f.Detail = "454 4.7.0: a temporary authentication failure on the server's side."
			f.Fix = "Retry later."
			f.Ref = "RFC 4954 §6"
		}
	case 530:
		f.Detail = "530: authentication (or TLS first) is required before this command."
		f.Fix = "Give credentials (--user and --password-env) and use STARTTLS or implicit TLS."
		f.Ref = "RFC 4954 §6"
	case 534:
		f.ID = "smtp.auth"
		f.Detail = "534 5.7.9: the server will not accept this mechanism or password kind — typically an account password where an app password or OAuth is required."
		f.Fix = authAdvice(p, "Create an app password (or use OAuth) in the provider's console.")
		f.Ref = "RFC 4954 §6"
	case 535:
		f.ID = "smtp.auth"
		f.Detail = "535 5.7.8: the username or secret was rejected."
		f.Fix = authAdvice(p, "Check the username and secret; many providers need an SMTP-specific credential, not the account password.")
		f.Ref = "RFC 4954 §6"
	case 538:
		f.ID = "smtp.auth"
		f.Detail = "538: this mechanism needs an encrypted connection."
		f.Fix = "Use STARTTLS or implicit TLS."
		f.Ref = "RFC 4954 §6"
	case 550, 553:
		f.Detail = fmt.Sprintf("%d: the server refused the address (no such mailbox, relaying denied, or a sender this account may not use).", r.Code)
		f.Fix = "Use a sender address (or domain) that is verified with the provider, and check the recipient address."
	case 554:
		f.Detail = "554: the transaction failed or the server will not talk to this client (often a blocked IP or policy rejection)."
		f.Fix = "Read the server's text; if it names a blocklist, ask the provider or delist your IP."
	case 500, 501, 502, 503, 504:
		f.Detail = fmt.Sprintf("%d: the server did not accept the command (syntax, not implemented, or wrong order).", r.Code)
		f.Fix = "Check the TLS mode and the port: this may not be a submission port."
	default:
		if r.Class() == 4 {
			f.Detail = "A temporary failure."
			f.Fix = "Retry later."
		} else {
			f.Detail = "A permanent failure."
			f.Fix = "Read the server's text for the reason."
		}
	}
	if r.Enhanced != "" {
		if m := enhancedMeaning[r.Enhanced[2:]]; m != "" {
			f.Detail += " (" + r.Enhanced + ": " + m + ")"
		}
	}
}

// authAdvice is the profile's advice for rejected credentials, with its
// username hint, or fallback.
func authAdvice(p *providers.Profile, fallback string) string {
	if p == nil {
		return fallback
	}
	var parts []string
	if p.AuthAdvice != "" {
		parts = append(parts, p.AuthAdvice)
	}
	if p.Username.Hint != "" {
		parts = append(parts, p.Username.Hint)
	}
	if p.Secret.Hint != "" {
		parts = append(parts, p.Secret.Hint)
	}
	if len(parts) == 0 {
		return fallback
	}
	return strings.Join(parts, " ")
}

// enhancedMeaning names the subject.detail of RFC 3463 codes seen in
// submission.
var enhancedMeaning = map[string]string{
	"1.0":  "bad address",
	"1.1":  "no such mailbox",
	"1.7":  "bad sender address syntax",
	"1.8":  "bad sender's system address",
	"2.2":  "mailbox full",
	"3.0":  "mail system error",
	"3.4":  "message too big",
	"4.1":  "no answer from host",
	"4.2":  "bad connection",
	"4.5":  "system congestion",
	"5.1":  "invalid command",
	"5.2":  "syntax error",
	"7.0":  "security or policy",
	"7.1":  "delivery not authorized",
	"7.8":  "authentication credentials invalid",
	"7.9":  "authentication mechanism is too weak",
	"7.11": "encryption required for this mechanism",
	"7.14": "trust relationship required",
}
