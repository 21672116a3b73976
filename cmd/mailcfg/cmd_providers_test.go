package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// runCapture runs mailcfg with args and an environment of its own, and
// returns the exit code, stdout and stderr.
func runCapture(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	io := stdio{In: strings.NewReader(""), Out: &out, Err: &errb, Getenv: func(k string) string { return env[k] }}
	code := run(context.Background(), args, io)
	return code, out.String(), errb.String()
}

func TestProvidersJSON(t *testing.T) {
	env := map[string]string{"XDG_CONFIG_HOME": t.TempDir()}
	code, out, errs := runCapture(t, env, "providers", "--json")
	if code != 0 || errs != "" {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	var doc struct {
		Providers []struct {
			ID      string `json:"id"`
			Name    string `json:"name"`
			Source  string `json:"source"`
			Regions []struct {
				Host string `json:"host"`
			} `json:"regions"`
			Ports []struct {
				Number int    `json:"number"`
				TLS    string `json:"tls"`
			} `json:"ports"`
			Username struct {
				Kind, Value, Hint string
			} `json:"username"`
			SPF struct {
				Include string `json:"include"`
			} `json:"spf"`
			DKIM struct {
				Method string `json:"method"`
			} `json:"dkim"`
		} `json:"providers"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, out)
	}
	real := 0
	ids := map[string]bool{}
	for _, p := range doc.Providers {
		ids[p.ID] = true
		if p.ID != "custom" && p.ID != "sandbox" {
			real++
			if len(p.Regions) == 0 || p.Regions[0].Host == "" || len(p.Ports) == 0 || p.DKIM.Method == "" || p.Source != "builtin" {
				t.Errorf("%s: incomplete in JSON: %+v", p.ID, p)
			}
		}
	}
	if real < 20 {
		t.Errorf("%d real providers in JSON, want at least 20", real)
	}
	if !ids["custom"] || !ids["sandbox"] || !ids["sendgrid"] {
		t.Errorf("ids: %v", ids)
	}
	for _, p := range doc.Providers {
		if p.ID == "sendgrid" && (p.Username.Value != "apikey" || p.SPF.Include != "sendgrid.net") {
			t.Errorf("sendgrid in JSON: %+v", p)
		}
	}
}

func TestProvidersTable(t *testing.T) {
	env := map[string]string{"XDG_CONFIG_HOME": t.TempDir()}
	code, out, errs := runCapture(t, env, "providers")
	if code != 0 || errs != "" {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	for _, want := range []string{"sendgrid", "smtp.sendgrid.net", "587 starttls", "literally apikey",
		"cloudflare", "465 implicit", "email-smtp.us-east-1.amazonaws.com", "(any host you name)"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q", want)
		}
	}
	for i, line := range strings.Split(out, "\n") {
		if n := utf8.RuneCountInString(line); n >= 80 {
			t.Errorf("line %d is %d columns: %q", i+1, n, line)
		}
	}
	if strings.Contains(out, "\x1b[") {
		t.Error("colour without a terminal")
	}
}

func TestProvidersColor(t *testing.T) {
	var out, errb bytes.Buffer
	env := map[string]string{"XDG_CONFIG_HOME": t.TempDir()}
	io := stdio{In: strings.NewReader(""), Out: &out, Err: &errb, OutTTY: true, Getenv: func(k string) string { return env[k] }}
	if code := run(context.Background(), []string{"providers"}, io); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), sgrGreen) {
		t.Error("no colour on a terminal")
	}
	out.Reset()
	env["NO_COLOR"] = "1"
	run(context.Background(), []string{"providers"}, io)
	if strings.Contains(out.String(), "\x1b[") {
		t.Error("colour despite NO_COLOR")
	}
}

// TestProvidersUserFiles checks that a user profile shows up and that a
// broken file is one warning line on stderr without failing the command,
// with and without --json.
func TestProvidersUserFiles(t *testing.T) {
	cfg := t.TempDir()
	dir := filepath.Join(cfg, "mailcfg", "providers")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	good := `id: office-relay
name: Office relay
regions: [{id: main, name: Main, host: relay.corp.example}]
ports: [{number: 587, tls: starttls}]
username: {kind: email, hint: Your address.}
secret: {kind: password, hint: Your password.}
dkim: {method: self}
`
	if err := os.WriteFile(filepath.Join(dir, "office.yaml"), []byte(good), 0o600); err != nil {
		t.Fatal(err)
	}
	bad := strings.Replace(good, "id: office-relay", "id: broken", 1) + "colour: blue\n"
	if err := os.WriteFile(filepath.Join(dir, "broken.yaml"), []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"XDG_CONFIG_HOME": cfg}
	for _, args := range [][]string{{"providers"}, {"providers", "--json"}} {
		code, out, errs := runCapture(t, env, args...)
		if code != 0 {
			t.Errorf("%v: exit %d", args, code)
		}
		if !strings.Contains(out, "office-relay") || strings.Contains(out, `"broken"`) {
			t.Errorf("%v: user profiles in output wrong:\n%s", args, out)
		}
		lines := strings.Split(strings.TrimSpace(errs), "\n")
		if len(lines) != 1 || !strings.Contains(lines[0], "broken.yaml:8: ") || !strings.Contains(lines[0], "colour") {
			t.Errorf("%v: stderr %q, want one warning naming broken.yaml:8", args, errs)
		}
		if strings.Contains(out, "warning") {
			t.Errorf("%v: warning on stdout", args)
		}
	}
}

func TestProvidersRejectsArgs(t *testing.T) {
	code, _, errs := runCapture(t, map[string]string{}, "providers", "extra")
	if code != exitUsage || strings.Count(strings.TrimSpace(errs), "\n") != 0 {
		t.Errorf("exit %d, stderr %q; want 2 and one line", code, errs)
	}
}
