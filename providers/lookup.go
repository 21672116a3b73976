package providers

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// ErrAnyHost is returned by Host for a profile without a fixed host
// (custom): the user names the server.
var ErrAnyHost = errors.New("providers: this profile has no fixed host; give the server's host name")

// Region returns the region with the given id ("" = the default, the first)
// and whether there is one. Case is ignored.
func (p *Profile) Region(id string) (Region, bool) {
	if len(p.Regions) == 0 {
		return Region{}, false
	}
	if id == "" {
		return p.Regions[0], true
	}
	for _, r := range p.Regions {
		if strings.EqualFold(r.ID, id) {
			return r, true
		}
	}
	return Region{}, false
}

// RegionIDs returns the ids of the profile's regions, the default first.
func (p *Profile) RegionIDs() []string {
	ids := make([]string, len(p.Regions))
	for i, r := range p.Regions {
		ids[i] = r.ID
	}
	return ids
}

// Host returns the SMTP host of a region ("" = the default region). An
// unknown region is an error that lists the known ones; a profile without a
// fixed host returns ErrAnyHost.
func (p *Profile) Host(region string) (string, error) {
	r, ok := p.Region(region)
	if !ok {
		return "", fmt.Errorf("providers: %s has no region %q; use one of %s",
			p.ID, region, strings.Join(p.RegionIDs(), ", "))
	}
	if r.Host == "" {
		return "", ErrAnyHost
	}
	return r.Host, nil
}

// Recommended returns the port to use unless there is a reason not to: the
// first one listed (the zero Port for a profile without ports).
func (p *Profile) Recommended() Port {
	if len(p.Ports) == 0 {
		return Port{}
	}
	return p.Ports[0]
}

// Port returns the profile's port number n, with its TLS mode.
func (p *Profile) Port(n int) (Port, bool) {
	for _, pt := range p.Ports {
		if pt.Number == n {
			return pt, true
		}
	}
	return Port{}, false
}

// SPFInclude returns the domain to include in SPF for a region ("" = the
// default): the region's own include if it has one, else the profile's.
// It is "" when the provider needs no include.
func (p *Profile) SPFInclude(region string) string {
	if r, ok := p.Region(region); ok && r.SPFInclude != "" {
		return r.SPFInclude
	}
	return p.SPF.Include
}

// Values returns the template values a profile knows for a domain and a
// region ("" = the default): domain, domain_dashed, region, the region's
// Vars and the Defaults of the Inputs. The caller adds the inputs the user
// typed before calling Expand.
func (p *Profile) Values(region, domain string) map[string]string {
	vals := map[string]string{}
	for _, in := range p.Inputs {
		if in.Default != "" {
			vals[in.Name] = in.Default
		}
	}
	if r, ok := p.Region(region); ok {
		for k, v := range r.Vars {
			vals[k] = v
		}
		vals["region"] = r.ID
	}
	if domain != "" {
		vals["domain"] = domain
		vals["domain_dashed"] = dashed(domain)
	}
	return vals
}

// IsUnconfirmed reports whether the reference could not confirm the value
// of field (a path as in Profile.Unconfirmed), or of the field it is in:
// "ports.465" is unconfirmed when "ports.465" or "ports" is listed.
func (p *Profile) IsUnconfirmed(field string) bool {
	for f := field; f != ""; {
		if slices.Contains(p.Unconfirmed, f) {
			return true
		}
		i := strings.LastIndexByte(f, '.')
		if i < 0 {
			break
		}
		f = f[:i]
	}
	return false
}

// Expand fills the {name} placeholders of a record template with vals. The
// built-in {domain_dashed} is derived from vals["domain"] when vals lacks
// it. It returns the result and the names of the placeholders it could not
// fill, each once and in order; those stay in the result as written.
func Expand(tmpl string, vals map[string]string) (string, []string) {
	var b strings.Builder
	var missing []string
	rest := tmpl
	for {
		i := strings.IndexByte(rest, '{')
		if i < 0 {
			b.WriteString(rest)
			break
		}
		j := strings.IndexAny(rest[i+1:], "{}")
		if j <= 0 || rest[i+1+j] == '{' {
			// A lone brace, or "{}", is text.
			b.WriteString(rest[:i+1])
			rest = rest[i+1:]
			continue
		}
		name := rest[i+1 : i+1+j]
		b.WriteString(rest[:i])
		v, ok := vals[name]
		if !ok && name == "domain_dashed" && vals["domain"] != "" {
			v, ok = dashed(vals["domain"]), true
		}
		if ok {
			b.WriteString(v)
		} else {
			b.WriteString("{" + name + "}")
			if !slices.Contains(missing, name) {
				missing = append(missing, name)
			}
		}
		rest = rest[i+j+2:]
	}
	return b.String(), missing
}

// dashed is a domain with its dots replaced by dashes, as providers name
// DKIM targets: example.com → example-com.
func dashed(domain string) string {
	return strings.ReplaceAll(strings.TrimSuffix(domain, "."), ".", "-")
}
