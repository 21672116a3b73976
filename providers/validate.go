package providers

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// fieldError is a validation problem at a dotted YAML path ("ports.1.tls").
type fieldError struct {
	path string
	msg  string
}

var (
	idRE          = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)
	inputNameRE   = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	placeholderRE = regexp.MustCompile(`\{([^{}]*)\}`)
)

// AuthMechanisms are the SASL mechanisms a profile may list (RFC 4954 §4;
// PLAIN RFC 4616, CRAM-MD5 RFC 2195, OAUTHBEARER RFC 7628; LOGIN and XOAUTH2
// are widespread non-standard mechanisms).
var AuthMechanisms = []string{"PLAIN", "LOGIN", "CRAM-MD5", "XOAUTH2", "OAUTHBEARER"}

// usernameKinds and secretKinds are the words Username.Kind and Secret.Kind
// may hold.
var (
	usernameKinds = []string{"literal", "email", "generated", "any"}
	secretKinds   = []string{"password", "app_password", "api_key", "smtp_key", "token", "oauth_token"}
	recordTypes   = []string{"TXT", "CNAME", "MX"}
	// builtinPlaceholders are the template values every profile has.
	builtinPlaceholders = []string{"domain", "domain_dashed", "region"}
	// unconfirmedFields are the first parts of an Unconfirmed entry.
	unconfirmedFields = []string{"auth", "username", "secret", "spf", "spf.include", "dkim",
		"dkim.selectors", "dkim.cnames", "bounce", "dmarc", "limits", "extra", "regions", "ports"}
)

// validate checks the invariants every profile must hold, builtin or not.
func validate(p *Profile) []fieldError {
	var errs []fieldError
	bad := func(path, format string, args ...any) {
		errs = append(errs, fieldError{path, fmt.Sprintf(format, args...)})
	}
	if !idRE.MatchString(p.ID) {
		bad("id", "id %q must be lower-case letters, digits and dashes, e.g. my-relay", p.ID)
	}
	if strings.TrimSpace(p.Name) == "" {
		bad("name", "profile %q has no name", p.ID)
	}
	if p.Docs != "" {
		if u, err := url.Parse(p.Docs); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			bad("docs", "docs %q is not an http(s) URL", p.Docs)
		}
	}
	errs = append(errs, validateRegions(p)...)
	errs = append(errs, validatePorts(p)...)
	for i, m := range p.Auth {
		if !slices.Contains(AuthMechanisms, m) {
			bad(fmt.Sprintf("auth.%d", i), "AUTH mechanism %q is not one of %s", m, strings.Join(AuthMechanisms, ", "))
		}
	}
	if !slices.Contains(usernameKinds, p.Username.Kind) {
		bad("username.kind", "username kind %q is not one of %s", p.Username.Kind, strings.Join(usernameKinds, ", "))
	} else if p.Username.Kind == "literal" && p.Username.Value == "" {
		bad("username.value", "a literal username needs its value")
	}
	if !slices.Contains(secretKinds, p.Secret.Kind) {
		bad("secret.kind", "secret kind %q is not one of %s", p.Secret.Kind, strings.Join(secretKinds, ", "))
	}
	if p.SPF.Include != "" {
		if err := checkSPFInclude(p.SPF.Include); err != "" {
			bad("spf.include", "%s", err)
		}
	}
	errs = append(errs, validateTemplates(p)...)
	for i, u := range p.Unconfirmed {
		if msg := checkUnconfirmed(p, u); msg != "" {
			bad(fmt.Sprintf("unconfirmed.%d", i), "%s", msg)
		}
	}
	return errs
}

func validateRegions(p *Profile) []fieldError {
	var errs []fieldError
	if len(p.Regions) == 0 {
		return []fieldError{{"regions", fmt.Sprintf("profile %q needs at least one region with its SMTP host", p.ID)}}
	}
	seen := map[string]bool{}
	for i, r := range p.Regions {
		at := fmt.Sprintf("regions.%d", i)
		switch {
		case !idRE.MatchString(r.ID):
			errs = append(errs, fieldError{at + ".id", fmt.Sprintf("region id %q must be lower-case letters, digits and dashes", r.ID)})
		case seen[r.ID]:
			errs = append(errs, fieldError{at + ".id", fmt.Sprintf("region %q is listed twice", r.ID)})
		}
		seen[r.ID] = true
		if p.AnyHost && r.Host == "" {
			continue
		}
		if !plausibleHost(r.Host) {
			errs = append(errs, fieldError{at + ".host", fmt.Sprintf("host %q is not a plausible host name (e.g. smtp.example.com)", r.Host)})
		}
		if r.SPFInclude != "" {
			if msg := checkSPFInclude(r.SPFInclude); msg != "" {
				errs = append(errs, fieldError{at + ".spf_include", msg})
			}
		}
		for k := range r.Vars {
			if !inputNameRE.MatchString(k) || slices.Contains(builtinPlaceholders, k) {
				errs = append(errs, fieldError{at + ".vars", fmt.Sprintf("region variable %q must be a new lower-case name", k)})
			}
		}
	}
	return errs
}

func validatePorts(p *Profile) []fieldError {
	var errs []fieldError
	if len(p.Ports) == 0 {
		return []fieldError{{"ports", fmt.Sprintf("profile %q needs at least one port, the recommended one first", p.ID)}}
	}
	seen := map[int]bool{}
	for i, pt := range p.Ports {
		at := fmt.Sprintf("ports.%d", i)
		if pt.Number < 1 || pt.Number > 65535 {
			errs = append(errs, fieldError{at + ".number", fmt.Sprintf("port %d is not 1-65535", pt.Number)})
		} else if seen[pt.Number] {
			errs = append(errs, fieldError{at + ".number", fmt.Sprintf("port %d is listed twice", pt.Number)})
		}
		seen[pt.Number] = true
		switch pt.TLS {
		case TLSStartTLS, TLSImplicit, TLSNone:
		default:
			errs = append(errs, fieldError{at + ".tls", fmt.Sprintf("TLS mode %q is not starttls, implicit or none", pt.TLS)})
		}
	}
	return errs
}

// validateTemplates checks the DKIM method and every record template: known
// types and placeholders that are built in, inputs or region variables.
func validateTemplates(p *Profile) []fieldError {
	var errs []fieldError
	known := slices.Clone(builtinPlaceholders)
	for i, in := range p.Inputs {
		at := fmt.Sprintf("inputs.%d", i)
		switch {
		case !inputNameRE.MatchString(in.Name):
			errs = append(errs, fieldError{at + ".name", fmt.Sprintf("input name %q must be lower-case letters, digits and _", in.Name)})
		case slices.Contains(known, in.Name):
			errs = append(errs, fieldError{at + ".name", fmt.Sprintf("input %q is declared twice or shadows a built-in value", in.Name)})
		}
		if in.Prompt == "" {
			errs = append(errs, fieldError{at + ".prompt", fmt.Sprintf("input %q needs a prompt", in.Name)})
		}
		known = append(known, in.Name)
	}
	// A region variable is usable when every region defines it.
	if len(p.Regions) > 0 {
		for k := range p.Regions[0].Vars {
			all := true
			for _, r := range p.Regions[1:] {
				if _, ok := r.Vars[k]; !ok {
					all = false
				}
			}
			if all {
				known = append(known, k)
			}
		}
	}
	switch p.DKIM.Method {
	case DKIMTXT, DKIMSelf, DKIMNone:
	case DKIMCNAME:
		if len(p.DKIM.CNAMEs) == 0 {
			errs = append(errs, fieldError{"dkim.cnames", "dkim method cname needs its cnames (name and value templates)"})
		}
	default:
		errs = append(errs, fieldError{"dkim.method", fmt.Sprintf("dkim method %q is not txt, cname, self or none", p.DKIM.Method)})
	}
	for i, s := range p.DKIM.Selectors {
		for _, msg := range checkTemplate(s, known) {
			errs = append(errs, fieldError{fmt.Sprintf("dkim.selectors.%d", i), msg})
		}
	}
	check := func(at string, recs []Record) {
		for i, r := range recs {
			ri := fmt.Sprintf("%s.%d", at, i)
			if !slices.Contains(recordTypes, r.Type) {
				errs = append(errs, fieldError{ri + ".type", fmt.Sprintf("record type %q is not TXT, CNAME or MX", r.Type)})
			}
			if r.Name == "" || r.Value == "" {
				errs = append(errs, fieldError{ri, "a record needs a name and a value"})
			}
			for _, msg := range checkTemplate(r.Name, known) {
				errs = append(errs, fieldError{ri + ".name", msg})
			}
			for _, msg := range checkTemplate(r.Value, known) {
				errs = append(errs, fieldError{ri + ".value", msg})
			}
		}
	}
	check("dkim.cnames", p.DKIM.CNAMEs)
	check("bounce", p.Bounce)
	check("extra", p.Extra)
	return errs
}

// checkTemplate reports braces that are not placeholders and placeholders
// that are not known.
func checkTemplate(s string, known []string) []string {
	var out []string
	for _, m := range placeholderRE.FindAllStringSubmatch(s, -1) {
		if !slices.Contains(known, m[1]) {
			out = append(out, fmt.Sprintf("placeholder {%s} in %q is neither built in (%s) nor a declared input",
				m[1], s, strings.Join(builtinPlaceholders, ", ")))
		}
	}
	rest := placeholderRE.ReplaceAllString(s, "")
	if strings.ContainsAny(rest, "{}") {
		out = append(out, fmt.Sprintf("unbalanced brace in %q", s))
	}
	return out
}

// checkSPFInclude returns what is wrong with an SPF include domain, or "".
func checkSPFInclude(s string) string {
	if strings.HasPrefix(strings.ToLower(s), "include:") {
		return fmt.Sprintf("spf include %q: write the domain without \"include:\"", s)
	}
	if !plausibleHost(s) {
		return fmt.Sprintf("spf include %q is not a domain name", s)
	}
	return ""
}

func checkUnconfirmed(p *Profile, u string) string {
	if slices.Contains(unconfirmedFields, u) {
		return ""
	}
	head, tail, ok := strings.Cut(u, ".")
	switch {
	case ok && head == "ports":
		if n, err := strconv.Atoi(tail); err == nil {
			if _, found := p.Port(n); found {
				return ""
			}
		}
		return fmt.Sprintf("unconfirmed %q: the profile has no port %s", u, tail)
	case ok && head == "regions":
		for _, r := range p.Regions {
			if r.ID == tail {
				return ""
			}
		}
		return fmt.Sprintf("unconfirmed %q: the profile has no region %s", u, tail)
	}
	return fmt.Sprintf("unconfirmed %q is not a field path (e.g. auth, spf.include, ports.465, regions.eu)", u)
}

// plausibleHost reports whether s looks like a lower-case DNS host name with
// at least two labels (RFC 1123 §2.1).
func plausibleHost(s string) bool {
	if len(s) > 253 || !strings.Contains(s, ".") {
		return false
	}
	for _, l := range strings.Split(s, ".") {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for _, c := range l {
			if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' && c != '_' {
				return false
			}
		}
	}
	return true
}
