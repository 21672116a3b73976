package checks

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/mailcfg/mailcfg/records"
)

// CommonSelectors are DKIM selectors widely used by mail software and
// providers; the audit probes them when it is not told which to look at.
var CommonSelectors = []string{
	"default", "google", "selector1", "selector2", "k1", "k2", "k3", "s1", "s2",
	"mail", "dkim", "smtp", "mx", "key1", "key2", "sig1", "everlytickey1", "mandrill",
	"pm", "mailjet", "zoho", "protonmail", "fm1", "fm2", "fm3", "20230601", "202301",
}

// dkimProbe is one selector's lookup.
type dkimProbe struct {
	selector string
	explicit bool // asked for by the user or the provider's profile
	name     string
	txt      []string
	cname    string
	err      error
}

// auditDKIM looks every selector up at once (RFC 6376 §3.6.2.1:
// <selector>._domainkey.<domain>) and judges each key found. Selectors the
// user or the provider named must exist; the common ones are a guess, so
// their absence proves nothing.
func auditDKIM(ctx context.Context, r Resolver, domain string, explicit, common []string, emit func(...Finding)) {
	var probes []*dkimProbe
	seen := map[string]bool{}
	add := func(s string, exp bool) {
		s = strings.ToLower(strings.TrimSpace(s))
		if s == "" || seen[s] {
			return
		}
		seen[s] = true
		probes = append(probes, &dkimProbe{selector: s, explicit: exp, name: s + "._domainkey." + domain})
	}
	for _, s := range explicit {
		add(s, true)
	}
	for _, s := range common {
		add(s, false)
	}
	var wg sync.WaitGroup
	for _, p := range probes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var a *Answer
			p.txt, a, p.err = txtAt(ctx, r, p.name)
			if a != nil {
				p.cname = a.CNAMETarget()
			}
		}()
	}
	wg.Wait()

	var found, missing, failed []string
	var firstErr error
	for _, p := range probes {
		switch {
		case p.err != nil:
			if p.explicit {
				emit(couldNotCheck("dkim.present", "DKIM selector "+p.selector, p.err))
			}
			failed = append(failed, p.selector)
			if firstErr == nil {
				firstErr = p.err
			}
		case len(p.txt) == 0 || !p.explicit && !looksLikeDKIM(p.txt):
			if p.explicit {
				missing = append(missing, p.selector)
			}
		default:
			found = append(found, p.selector)
			emit(judgeDKIM(p)...)
		}
	}
	var names []string
	for _, p := range probes {
		if p.explicit {
			names = append(names, p.selector)
		}
	}
	switch {
	case len(missing) > 0:
		emit(Finding{ID: "dkim.present", Status: StatusFail,
			Title:  fmt.Sprintf("No DKIM key at %s %s", auPlural(len(missing), "selector", "selectors"), strings.Join(missing, ", ")),
			Detail: "Receivers look the signing key up at <selector>._domainkey." + domain + "; without it every signature with that selector fails.",
			Fix:    "Publish the key your provider or signer gives you as a TXT (or the CNAME it asks for) at " + missing[0] + "._domainkey." + domain + ".",
			Ref:    "RFC 6376 §3.6.2.1"})
		if len(found) > 0 {
			emit(Finding{ID: "dkim.present", Status: StatusPass, Title: "DKIM keys found at " + strings.Join(found, ", ")})
		}
	case len(found) > 0:
		emit(Finding{ID: "dkim.present", Status: StatusPass,
			Title: fmt.Sprintf("DKIM %s found at %s", auPlural(len(found), "key", "keys"), strings.Join(found, ", ")),
			Ref:   "RFC 6376 §3.6.2.1"})
	case len(failed) > 0 && len(names) == 0:
		emit(couldNotCheck("dkim.present", "the common DKIM selectors", firstErr))
	case len(failed) == 0 && len(names) == 0:
		emit(Finding{ID: "dkim.present", Status: StatusWarn, Title: "No DKIM key found at the common selectors",
			Detail: "DKIM selectors can be any name, so this does not prove there is none; without DKIM, mail cannot pass DMARC when forwarded.",
			Fix:    "Give the selector your signer uses with --selector, or set up DKIM with your provider.",
			Ref:    "RFC 6376 §3.6.2.1", Evidence: "probed " + strings.Join(common, ", ")})
	}
}

// looksLikeDKIM reports whether a guessed selector's TXT is a key record and
// not, say, a wildcard TXT that answers any name.
func looksLikeDKIM(txt []string) bool {
	for _, t := range txt {
		l := strings.ToLower(t)
		if strings.HasPrefix(strings.TrimSpace(l), "v=dkim1") || strings.Contains(l, "p=") && (strings.Contains(l, "k=") || strings.HasPrefix(strings.TrimSpace(l), "p=")) {
			return true
		}
	}
	return false
}

// judgeDKIM returns the dkim.key (and dkim.testing) findings of one
// selector's record.
func judgeDKIM(p *dkimProbe) []Finding {
	id := "dkim.key"
	where := "DKIM selector " + p.selector
	via := ""
	if p.cname != "" {
		via = " (via CNAME → " + auBare(p.cname) + ")"
	}
	ev := auEvidence(p.name + via + ": " + shortKey(p.txt[0]))
	if len(p.txt) > 1 {
		return []Finding{{ID: id, Status: StatusFail, Title: where + " has " + fmt.Sprint(len(p.txt)) + " TXT records",
			Detail: "A key name must hold one record; receivers may pick either and fail.",
			Fix:    "Keep one TXT record at " + p.name + ".", Ref: "RFC 6376 §3.6.2.2", Evidence: ev}}
	}
	k, err := records.ParseDKIMKey(p.txt[0])
	if err != nil {
		return []Finding{{ID: id, Status: StatusFail, Title: where + "'s key record does not parse",
			Detail: Sanitize(err.Error(), 200) + ".", Fix: "Republish the record exactly as your signer gives it: v=DKIM1; k=rsa; p=<base64 key>.",
			Ref: "RFC 6376 §3.6.1", Evidence: ev}}
	}
	var fs []Finding
	if k.Testing() {
		fs = append(fs, Finding{ID: "dkim.testing", Status: StatusWarn, Title: where + " is in testing mode (t=y)",
			Detail: "Receivers must treat its signatures like unsigned mail.", Fix: "Remove t=y once signing works.",
			Ref: "RFC 6376 §3.6.1", Evidence: ev})
	}
	if k.Revoked() {
		return append(fs, Finding{ID: id, Status: StatusWarn, Title: where + " is revoked (empty p=)",
			Detail: "Signatures with this selector fail; that is right for a retired key, wrong for one still in use.",
			Fix:    "If you still sign with " + p.selector + ", publish its public key; otherwise sign with another selector.",
			Ref:    "RFC 6376 §3.6.1", Evidence: ev})
	}
	if len(k.Services) > 0 && !slices.Contains(k.Services, "*") && !slices.Contains(k.Services, "email") {
		return append(fs, Finding{ID: id, Status: StatusFail, Title: where + " is not for email (s=" + Sanitize(strings.Join(k.Services, ":"), 40) + ")",
			Detail: "Verifiers ignore a key whose service types leave out email.", Fix: "Remove s= or set s=email.",
			Ref: "RFC 6376 §3.6.1", Evidence: ev})
	}
	if len(k.Hashes) > 0 && !slices.Contains(k.Hashes, "sha256") {
		return append(fs, Finding{ID: id, Status: StatusFail, Title: where + " allows only h=" + Sanitize(strings.Join(k.Hashes, ":"), 40),
			Detail: "rsa-sha1 signatures are no longer valid, so nothing signed with this key verifies.", Fix: "Remove h= or set h=sha256.",
			Ref: "RFC 8301 §3.1", Evidence: ev})
	}
	bits := k.Bits()
	f := Finding{ID: id, Ref: "RFC 8301 §3.2", Evidence: ev}
	switch {
	case k.KeyType != "rsa" && k.KeyType != "ed25519":
		f.Status, f.Title = StatusFail, where+" has unknown key type k="+Sanitize(k.KeyType, 20)
		f.Detail, f.Fix = "Verifiers ignore keys of types they do not know.", "Use k=rsa (or k=ed25519 beside an RSA key)."
	case bits == 0:
		f.Status, f.Title = StatusFail, where+"'s p= holds no valid "+k.KeyType+" key"
		f.Detail, f.Fix = "The key data does not decode, so every signature fails.", "Republish the public key exactly as your signer gives it, in one TXT record (split into strings if long)."
	case k.KeyType == "ed25519":
		f.Status, f.Title, f.Ref = StatusPass, where+": Ed25519 key", "RFC 8463"
		f.Detail = "Not every receiver verifies Ed25519 yet: sign with an RSA key as well."
	case bits < 1024:
		f.Status, f.Title = StatusFail, fmt.Sprintf("%s: RSA key of %d bits, under the 1024 minimum", where, bits)
		f.Detail, f.Fix = "Verifiers must not accept RSA keys under 1024 bits.", "Generate a 2048-bit key and publish it under a new selector."
	case bits < 2048:
		f.Status, f.Title = StatusWarn, fmt.Sprintf("%s: RSA key of %d bits", where, bits)
		f.Detail, f.Fix = "Accepted, but signers should use at least 2048 bits.", "Rotate to a 2048-bit key under a new selector."
	default:
		f.Status, f.Title = StatusPass, fmt.Sprintf("%s: RSA key of %d bits", where, bits)
	}
	if p.cname != "" {
		f.Detail = strings.TrimSpace(f.Detail + " The key is delegated by CNAME to " + auBare(p.cname) + ", whose owner rotates it.")
	}
	return append(fs, f)
}

// shortKey shortens the p= of a key record for display.
func shortKey(s string) string {
	i := strings.Index(s, "p=")
	if i < 0 || len(s)-i < 40 {
		return s
	}
	return s[:i+20] + "…" + s[len(s)-8:]
}
