package providers

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// realProviders are the builtin profiles that are real services.
func realProviders(t *testing.T) []*Profile {
	t.Helper()
	var out []*Profile
	for _, p := range Builtin().All() {
		if p.ID != "custom" && p.ID != "sandbox" {
			out = append(out, p)
		}
	}
	return out
}

func TestBuiltinLoadsWithoutErrors(t *testing.T) {
	_, errs := builtin()
	for _, err := range errs {
		t.Errorf("builtin profile: %v", err)
	}
	entries, err := builtinFS.ReadDir("data")
	if err != nil {
		t.Fatal(err)
	}
	if got := len(Builtin().All()); got != len(entries) {
		t.Errorf("%d data files but %d profiles: one file a profile", len(entries), got)
	}
	// Each file is named after the profile it holds.
	for _, e := range entries {
		id := strings.TrimSuffix(e.Name(), ".yaml")
		if _, ok := Builtin().Get(id); !ok {
			t.Errorf("data/%s holds no profile with id %q", e.Name(), id)
		}
	}
}

func TestBuiltinInvariants(t *testing.T) {
	seen := map[string]bool{}
	for _, p := range Builtin().All() {
		if errs := validate(p); len(errs) > 0 {
			t.Errorf("%s: %v", p.ID, errs)
		}
		if seen[p.ID] {
			t.Errorf("id %s twice", p.ID)
		}
		seen[p.ID] = true
		if p.Source != "builtin" {
			t.Errorf("%s: Source = %q, want builtin", p.ID, p.Source)
		}
		host, err := p.Host("")
		if p.AnyHost {
			if !errors.Is(err, ErrAnyHost) {
				t.Errorf("%s: Host of an any-host profile: %q, %v", p.ID, host, err)
			}
		} else if err != nil || !plausibleHost(host) {
			t.Errorf("%s: Host(\"\") = %q, %v", p.ID, host, err)
		}
		if rec := p.Recommended(); rec != p.Ports[0] {
			t.Errorf("%s: Recommended() = %v, want the first port", p.ID, rec)
		}
	}
	for _, id := range []string{"custom", "sandbox"} {
		if !seen[id] {
			t.Errorf("no %s profile", id)
		}
	}
}

func TestAllOrder(t *testing.T) {
	all := Builtin().All()
	n := len(all)
	if n < 3 || all[n-2].ID != "custom" || all[n-1].ID != "sandbox" {
		t.Fatalf("All() must end with custom, sandbox; got %v", Builtin().IDs())
	}
	if !slices.IsSortedFunc(all[:n-2], func(a, b *Profile) int { return strings.Compare(a.ID, b.ID) }) {
		t.Errorf("All() not sorted by id: %v", Builtin().IDs())
	}
	// All returns a copy: changing it leaves the catalogue alone.
	all[0] = nil
	if Builtin().All()[0] == nil {
		t.Error("All() exposes the catalogue's slice")
	}
}

func TestGet(t *testing.T) {
	c := Builtin()
	for _, id := range []string{"sendgrid", " SendGrid ", "SENDGRID"} {
		if p, ok := c.Get(id); !ok || p.ID != "sendgrid" {
			t.Errorf("Get(%q) = %v, %v", id, p, ok)
		}
	}
	if _, ok := c.Get("no-such-provider"); ok {
		t.Error("Get(no-such-provider) found something")
	}
}

// TestRealProvidersComplete checks that at least 20 real providers are
// there and that every field the reference has a fact for is filled.
func TestRealProvidersComplete(t *testing.T) {
	real := realProviders(t)
	if len(real) < 20 {
		t.Fatalf("%d real providers, want at least 20", len(real))
	}
	// The reference gives no official documentation page for these.
	noDocs := []string{"icloud", "yahoo", "zoho"}
	for _, p := range real {
		check := func(field, v string) {
			if strings.TrimSpace(v) == "" {
				t.Errorf("%s: %s is empty", p.ID, field)
			}
		}
		check("name", p.Name)
		check("description", p.Description)
		if !slices.Contains(noDocs, p.ID) {
			check("docs", p.Docs)
		}
		check("username.hint", p.Username.Hint)
		check("secret.hint", p.Secret.Hint)
		check("auth_advice", p.AuthAdvice)
		if p.SPF.Include == "" {
			check("spf.note (no include)", p.SPF.Note)
		}
		if len(p.Auth) == 0 {
			t.Errorf("%s: no AUTH mechanisms", p.ID)
		}
		for _, r := range p.Regions {
			check("regions."+r.ID+".name", r.Name)
		}
		for _, pt := range p.Ports {
			check("note of port "+itoa(pt.Number), pt.Note)
		}
		switch p.DKIM.Method {
		case DKIMTXT:
			check("dkim.console", p.DKIM.Console)
		case DKIMCNAME:
			check("dkim.console", p.DKIM.Console)
			if len(p.DKIM.Selectors) != len(p.DKIM.CNAMEs) {
				t.Errorf("%s: %d selectors for %d DKIM CNAMEs", p.ID, len(p.DKIM.Selectors), len(p.DKIM.CNAMEs))
			}
		case DKIMNone:
			check("dkim.note", p.DKIM.Note)
		}
		for _, in := range p.Inputs {
			check("example of input "+in.Name, in.Example)
		}
		// Every template expands fully with the inputs' examples in
		// every region.
		for _, r := range p.Regions {
			vals := p.Values(r.ID, "example.com")
			for _, in := range p.Inputs {
				vals[in.Name] = in.Example
			}
			for _, rec := range slices.Concat(p.DKIM.CNAMEs, p.Bounce, p.Extra) {
				for _, tmpl := range []string{rec.Name, rec.Value} {
					if out, missing := Expand(tmpl, vals); len(missing) > 0 || strings.ContainsAny(out, "{}") {
						t.Errorf("%s/%s: %q expands to %q, missing %v", p.ID, r.ID, tmpl, out, missing)
					}
				}
			}
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func writeFile(t *testing.T, dir, name, text string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

const userRelay = `id: my-relay
name: My relay
description: The office relay.
regions:
  - {id: office, name: Office, host: relay.corp.example}
ports:
  - {number: 587, tls: starttls}
auth: [PLAIN]
username: {kind: email, hint: "Your address."}
secret: {kind: password, hint: "Your password."}
dkim: {method: self}
`

func TestUserDir(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", dir)
	if got, want := UserDir(), filepath.Join(dir, "mailcfg", "providers"); got != want {
		t.Errorf("UserDir() = %q, want %q", got, want)
	}
	env := map[string]string{"HOME": "/home/u"}
	if got, want := UserDirFrom(func(k string) string { return env[k] }), filepath.Join("/home/u", ".config", "mailcfg", "providers"); got != want {
		t.Errorf("UserDirFrom without XDG_CONFIG_HOME = %q, want %q", got, want)
	}
	env["XDG_CONFIG_HOME"] = "relative/dir" // ignored, as the XDG spec says
	if got := UserDirFrom(func(k string) string { return env[k] }); !strings.HasPrefix(got, "/home/u/") {
		t.Errorf("a relative XDG_CONFIG_HOME was used: %q", got)
	}
}

func TestLoadUserAddsAndOverrides(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	dir := UserDir()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	relay := writeFile(t, dir, "relay.yaml", userRelay)
	// Override the builtin postmark: same id, another host.
	override := strings.NewReplacer("id: my-relay", "id: postmark", "name: My relay", "name: Postmark (proxy)",
		"relay.corp.example", "postmark-proxy.corp.example").Replace(userRelay)
	pm := writeFile(t, dir, "postmark.yml", override)
	writeFile(t, dir, "README.txt", "not a profile")

	c, errs := Load(dir)
	if len(errs) > 0 {
		t.Fatalf("Load: %v", errs)
	}
	p, ok := c.Get("my-relay")
	if !ok {
		t.Fatal("user profile my-relay not loaded")
	}
	if h, _ := p.Host(""); h != "relay.corp.example" || p.Source != relay {
		t.Errorf("my-relay: host %q source %q", h, p.Source)
	}
	p, _ = c.Get("postmark")
	if h, _ := p.Host(""); h != "postmark-proxy.corp.example" || p.Source != pm || p.Name != "Postmark (proxy)" {
		t.Errorf("postmark not overridden: host %q source %q", h, p.Source)
	}
	if len(c.All()) != len(Builtin().All())+1 {
		t.Errorf("%d profiles, want builtin + 1", len(c.All()))
	}
	// The builtin catalogue is untouched.
	if bp, _ := Builtin().Get("postmark"); bp.Source != "builtin" {
		t.Error("Load changed the builtin catalogue")
	}
	// The order still ends with custom and sandbox.
	ids := c.IDs()
	if ids[len(ids)-1] != "sandbox" || ids[len(ids)-2] != "custom" {
		t.Errorf("order: %v", ids)
	}
}

func TestLoadMissingDir(t *testing.T) {
	for _, dir := range []string{"", filepath.Join(t.TempDir(), "nope")} {
		c, errs := Load(dir)
		if len(errs) > 0 || len(c.All()) != len(Builtin().All()) {
			t.Errorf("Load(%q): %d profiles, %v", dir, len(c.All()), errs)
		}
	}
}

// TestLoadMalformed checks that each broken file is reported with its name
// and line, and that the good file next to it still loads.
func TestLoadMalformed(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "good.yaml", userRelay)
	cases := []struct {
		file, text string
		line       int
		want       string
	}{
		{"syntax.yaml", "id: broken\nname: b: c\nports: x\n", 2, "mapping values are not allowed"},
		{"twice.yaml", "id: twice\nname: a\nname: b\n", 3, `mapping key "name" already defined at line 2`},
		{"typo.yaml", strings.Replace(userRelay, "auth: [PLAIN]", "auht: [PLAIN]", 1), 8, "field auht not found"},
		{"badtls.yaml", strings.Replace(userRelay, "tls: starttls", "tls: ssl", 1), 7, `TLS mode "ssl"`},
		{"badhost.yaml", strings.NewReplacer("id: my-relay", "id: bad-host", "relay.corp.example", "not a host").Replace(userRelay), 5, "not a plausible host"},
		{"badport.yaml", strings.NewReplacer("id: my-relay", "id: bad-port", "number: 587", "number: 70000").Replace(userRelay), 7, "not 1-65535"},
		{"wrongtype.yaml", strings.NewReplacer("id: my-relay", "id: wrong-type", "number: 587", "number: five").Replace(userRelay), 7, "cannot unmarshal"},
		{"scalar.yaml", "just a string\n", 1, "cannot unmarshal"},
		{"zz-dup.yaml", strings.Replace(userRelay, "name: My relay", "name: Second relay", 1), 1, "already defined in"},
	}
	for _, c := range cases {
		writeFile(t, dir, c.file, c.text)
	}
	cat, errs := Load(dir)
	if _, ok := cat.Get("my-relay"); !ok {
		t.Fatal("the good file did not load next to the broken ones")
	}
	if p, _ := cat.Get("my-relay"); p.Name != "My relay" {
		t.Errorf("zz-dup.yaml (later by name) replaced good.yaml: %q", p.Name)
	}
	for _, id := range []string{"broken", "twice", "bad-host", "bad-port", "wrong-type"} {
		if _, ok := cat.Get(id); ok {
			t.Errorf("broken profile %s was loaded", id)
		}
	}
	for _, c := range cases {
		var found *FileError
		for _, err := range errs {
			var fe *FileError
			if errors.As(err, &fe) && filepath.Base(fe.File) == c.file {
				found = fe
				break
			}
		}
		if found == nil {
			t.Errorf("%s: no error reported; got %v", c.file, errs)
			continue
		}
		want := filepath.Join(dir, c.file) + ":" + itoa(c.line) + ": "
		if got := found.Error(); !strings.HasPrefix(got, want) || !strings.Contains(got, c.want) {
			t.Errorf("%s: error %q, want prefix %q containing %q", c.file, got, want, c.want)
		}
		if strings.Contains(found.Error(), "\n") {
			t.Errorf("%s: error is not one line: %q", c.file, found.Error())
		}
	}
}

// BenchmarkParseBuiltin measures parsing and validating every embedded
// profile, which Builtin does once per process.
func BenchmarkParseBuiltin(b *testing.B) {
	for b.Loop() {
		ps, errs := parseDir(builtinFS, "data", "builtin:")
		if len(errs) > 0 || len(ps) == 0 {
			b.Fatal(errs)
		}
	}
}
