package checks

import (
	"context"
	"crypto/hmac"
	"crypto/md5" //nolint:gosec // CRAM-MD5 is defined with HMAC-MD5 (RFC 2195)
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
)

// chooseMechanism picks the AUTH mechanism (RFC 4954) among those the server
// offers and, when the profile lists any, those the provider supports:
// XOAUTH2 when the secret is an OAuth token; over TLS, PLAIN (RFC 4616, one
// round trip, what RFC 4954 expects under TLS), then LOGIN, then CRAM-MD5;
// without TLS (loopback or --allow-plaintext-auth), CRAM-MD5 first (RFC 2195)
// because it never puts the password itself on the wire.
func chooseMechanism(server, profile []string, oauth, encrypted bool) string {
	if oauth {
		if slices.Contains(server, "XOAUTH2") {
			return "XOAUTH2"
		}
		return ""
	}
	order := []string{"PLAIN", "LOGIN", "CRAM-MD5"}
	if !encrypted {
		order = []string{"CRAM-MD5", "PLAIN", "LOGIN"}
	}
	pick := func(restrict bool) string {
		for _, m := range order {
			if slices.Contains(server, m) && (!restrict || slices.Contains(profile, m)) {
				return m
			}
		}
		return ""
	}
	if m := pick(len(profile) > 0); m != "" {
		return m
	}
	return pick(false)
}

// auth authenticates when a user is given. Every client line that carries a
// credential is recorded as ********.
func (s *session) auth(ctx context.Context) bool {
	if s.opts.User == "" {
		mechs := strings.Join(s.rep.AuthMechanisms, " ")
		if mechs == "" {
			mechs = "none"
		}
		s.find(Finding{ID: "smtp.auth", Status: StatusInfo, Title: "AUTH not tried: no --user given",
			Detail: "Mechanisms offered: " + mechs + "."})
		return true
	}
	end := s.stageBegin("auth")
	if !s.tlsOn && !s.isLoopback() && !s.opts.AllowPlaintextAuth {
		f := Finding{ID: "smtp.auth", Status: StatusFail, Title: "Credentials were not sent: the connection is not encrypted",
			Detail: "AUTH over plaintext exposes the secret to anyone on the path.",
			Fix:    "Use --tls starttls or --tls implicit; only if you must, pass --allow-plaintext-auth.", Ref: "RFC 4954 §4, RFC 8314 §3"}
		s.find(f)
		end(StatusFail, nil, f.Title)
		return false
	}
	if !s.ext.Has("AUTH") {
		f := Finding{ID: "smtp.auth", Status: StatusFail, Title: "The server does not offer AUTH",
			Detail: "Its EHLO reply lists no AUTH mechanisms, so it cannot take credentials here.",
			Fix:    "Use the provider's submission port (587 or 465), not an MX (port 25); some relays authorise by IP allow-list instead.",
			Ref:    "RFC 4954 §3"}
		if !s.tlsOn {
			f.Fix = "Servers usually offer AUTH only after TLS: use --tls starttls or implicit. " + f.Fix
		}
		s.find(f)
		end(StatusFail, nil, f.Title)
		return false
	}
	oauth := s.opts.Profile != nil && s.opts.Profile.Secret.Kind == "oauth_token"
	var profile []string
	if s.opts.Profile != nil {
		profile = s.opts.Profile.Auth
	}
	mech := chooseMechanism(s.ext.AuthMechanisms(), profile, oauth, s.tlsOn)
	if mech == "" {
		f := Finding{ID: "smtp.auth", Status: StatusFail,
			Title:  "No AUTH mechanism in common with the server",
			Detail: "The server offers " + strings.Join(s.ext.AuthMechanisms(), " ") + "; mailcfg speaks PLAIN, LOGIN, CRAM-MD5 and XOAUTH2 (for OAuth tokens).",
			Fix:    "Check the provider's documentation for the mechanism it expects.", Ref: "RFC 4954 §4"}
		s.find(f)
		end(StatusFail, nil, f.Title)
		return false
	}
	s.rep.AuthMechanism = mech
	r, err := s.runMechanism(mech)
	if err != nil || r.Code != 235 {
		f := s.failure("smtp.auth", "AUTH "+mech, r, err)
		f.ID = "smtp.auth"
		if r != nil && (r.Code == 535 || r.Code == 534) && s.opts.Profile != nil && s.opts.Profile.Username.Hint != "" {
			f.Detail += " Username sent: " + Sanitize(s.opts.User, 100) + "."
		}
		s.find(f)
		end(f.Status, r, f.Title)
		return false
	}
	s.find(Finding{ID: "smtp.auth", Status: StatusPass, Title: "Authenticated with " + mech + " as " + Sanitize(s.opts.User, 100), Ref: "RFC 4954"})
	end(StatusPass, r, mech)
	return true
}

// runMechanism runs one SASL exchange and returns the final reply.
func (s *session) runMechanism(mech string) (*Reply, error) {
	user, secret := s.opts.User, s.opts.Secret.Reveal()
	b64 := func(v string) string { return base64.StdEncoding.EncodeToString([]byte(v)) }
	switch mech {
	case "PLAIN":
		// RFC 4616 §2: authzid NUL authcid NUL passwd, as an initial response.
		return s.cmd("AUTH PLAIN "+b64("\x00"+user+"\x00"+secret), "AUTH PLAIN "+Masked)
	case "XOAUTH2":
		r, err := s.cmd("AUTH XOAUTH2 "+b64("user="+user+"\x01auth=Bearer "+secret+"\x01\x01"), "AUTH XOAUTH2 "+Masked)
		if err == nil && r.Code == 334 {
			// The server's JSON error; an empty line ends the exchange.
			return s.cmd("", "")
		}
		return r, err
	case "LOGIN":
		r, err := s.cmd("AUTH LOGIN", "AUTH LOGIN")
		if err != nil || r.Code != 334 {
			return r, err
		}
		r, err = s.cmd(b64(user), Masked)
		if err != nil || r.Code != 334 {
			return r, err
		}
		return s.cmd(b64(secret), Masked)
	case "CRAM-MD5":
		r, err := s.cmd("AUTH CRAM-MD5", "AUTH CRAM-MD5")
		if err != nil || r.Code != 334 {
			return r, err
		}
		challenge, derr := base64.StdEncoding.DecodeString(strings.TrimSpace(r.Text()))
		if derr != nil {
			_, _ = s.cmd("*", "*") // RFC 4954 §4: cancel the exchange
			return r, fmt.Errorf("%w: CRAM-MD5 challenge is not base64", ErrMalformedReply)
		}
		// RFC 2195 §2: user SP hex(HMAC-MD5(secret, challenge)).
		h := hmac.New(md5.New, []byte(secret))
		h.Write(challenge)
		return s.cmd(b64(user+" "+hex.EncodeToString(h.Sum(nil))), Masked)
	}
	return nil, fmt.Errorf("smtp: mechanism %s not supported", mech)
}
