package wizard

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/mailcfg/mailcfg/checks"
)

// Mark is a status as a symbol and a word, so it reads without colour.
func Mark(st checks.Status) string {
	switch st {
	case checks.StatusPass:
		return "✓ pass"
	case checks.StatusInfo:
		return "i info"
	case checks.StatusWarn:
		return "! warn"
	case checks.StatusFail:
		return "✗ fail"
	case checks.StatusError:
		return "? error"
	}
	return string(st)
}

// WriteReport writes the whole session as Markdown, for a ticket or an
// onboarding doc: the settings, the summary, the handshake with its redacted
// transcript, the DNS findings, the records and the test send. The secret
// never appears: only where it came from.
func (s *Session) WriteReport(w io.Writer, now time.Time) error {
	a := &s.Answers
	b := &strings.Builder{}
	fmt.Fprintf(b, "# mailcfg report for %s\n\n", orDash(a.DomainUnicode))
	fmt.Fprintf(b, "Made %s.\n\n", now.UTC().Format("2006-01-02 15:04 MST"))
	b.WriteString("## Settings\n\n| setting | value |\n|---|---|\n")
	prov := a.Provider
	if p := s.Profile(); p != nil {
		prov = p.Name + " (" + p.ID + ")"
	}
	rows := [][2]string{
		{"provider", prov}, {"region", orDash(a.Region)},
		{"SMTP", fmt.Sprintf("%s:%d (%s)", a.Host, a.Port, a.TLS)},
		{"domain", domainBoth(a)}, {"sender", a.From}, {"recipient", a.Recipient()},
		{"username", orDash(a.User)}, {"secret", secretSource(a)},
		{"DKIM selector", orDash(a.Selector)},
	}
	for _, r := range rows {
		fmt.Fprintf(b, "| %s | %s |\n", r[0], mdCell(r[1]))
	}

	b.WriteString("\n## Summary\n\n")
	for _, it := range s.Summary() {
		fmt.Fprintf(b, "- **%s** %s\n", Mark(it.Status), shown(it.Title))
		for _, t := range it.Todo {
			// Continuation lines (a policy file's text) stay in the item.
			t = strings.ReplaceAll(shown(strings.TrimRight(t, "\n")), "\n", "\n    ")
			fmt.Fprintf(b, "  - [ ] %s\n", t)
		}
	}

	if o := s.Results.Handshake; o != nil {
		b.WriteString("\n## SMTP handshake\n\n")
		writeOutcome(b, o)
	}
	if s.Results.DNSDone {
		b.WriteString("\n## DNS checks\n\n")
		fs := append([]checks.Finding(nil), s.Results.Findings...)
		checks.SortWorstFirst(fs)
		writeFindings(b, fs)
	}
	if rs := s.Results.Records; rs != nil && rs.Err == nil {
		b.WriteString("\n## Records\n\n| action | name | type | value | purpose |\n|---|---|---|---|---|\n")
		for _, r := range rs.Records {
			fmt.Fprintf(b, "| %s | %s | %s | %s | %s |\n", r.Action, mdCode(r.Name), r.Type, mdCode(r.Value), r.Purpose)
		}
		if rs.Zone != "" {
			zone := strings.TrimRight(rs.Zone, "\n") // records.Zone escapes TXT values and comments
			fence := "```"
			for strings.Contains(zone, fence) {
				fence += "`"
			}
			fmt.Fprintf(b, "\nAs a zone file:\n\n%s\n%s\n%s\n", fence, zone, fence)
		}
	}
	if o := s.Results.Send; o != nil {
		b.WriteString("\n## Test send\n\n")
		writeOutcome(b, o)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func writeOutcome(b *strings.Builder, o *Outcome) {
	for _, st := range o.Stages {
		fmt.Fprintf(b, "- %s %s (%d ms)", Mark(st.Status), st.Name, st.Ms)
		if st.Code != 0 {
			fmt.Fprintf(b, " %d", st.Code)
			if st.Enhanced != "" {
				fmt.Fprintf(b, " %s", shown(st.Enhanced))
			}
		}
		if st.Detail != "" {
			fmt.Fprintf(b, ": %s", shown(st.Detail))
		}
		b.WriteString("\n")
	}
	if len(o.Facts) > 0 {
		b.WriteString("\n")
		for _, f := range o.Facts {
			fmt.Fprintf(b, "- %s: %s\n", f.Label, shown(f.Value))
		}
	}
	if len(o.Findings) > 0 {
		b.WriteString("\n")
		writeFindings(b, o.Findings)
	}
	if len(o.Transcript) > 0 {
		var t strings.Builder
		_ = checks.WriteTranscriptText(&t, o.Transcript)
		fence := "```"
		for strings.Contains(t.String(), fence) {
			fence += "`"
		}
		fmt.Fprintf(b, "\nTranscript (secrets shown as ********):\n\n%s\n%s%s\n", fence, t.String(), fence)
	}
}

func writeFindings(b *strings.Builder, fs []checks.Finding) {
	for _, f := range fs {
		fmt.Fprintf(b, "- **%s** %s %s\n", Mark(f.Status), shown(f.Title), mdCode(f.ID))
		if f.Detail != "" {
			fmt.Fprintf(b, "  - %s\n", shown(f.Detail))
		}
		if f.Fix != "" && f.Status != checks.StatusPass {
			fmt.Fprintf(b, "  - fix: %s\n", shown(f.Fix))
		}
	}
}

// SaveReport writes the report to path with mode 0600 and never over an
// existing file.
func (s *Session) SaveReport(path string, now time.Time) error {
	if path == "" {
		return fmt.Errorf("wizard: no file name for the report")
	}
	f, err := os.OpenFile(filepath.Clean(path), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("wizard: save report: %w", err)
	}
	if err := s.WriteReport(f, now); err != nil {
		f.Close()
		return fmt.Errorf("wizard: save report: %w", err)
	}
	return f.Close()
}

// SaveZone writes the records step's zone-file fragment to path, never over
// an existing file.
func (s *Session) SaveZone(path string) error {
	rs := s.Results.Records
	if rs == nil || rs.Zone == "" {
		return fmt.Errorf("wizard: no zone to save yet")
	}
	f, err := os.OpenFile(filepath.Clean(path), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return fmt.Errorf("wizard: save zone: %w", err)
	}
	if _, err := io.WriteString(f, rs.Zone); err != nil {
		f.Close()
		return fmt.Errorf("wizard: save zone: %w", err)
	}
	return f.Close()
}

func secretSource(a *Answers) string {
	switch {
	case a.Secret.Empty():
		return "—"
	case a.SecretEnv != "":
		return "from $" + a.SecretEnv + " (not stored)"
	case a.FromKeychain:
		return "read from the OS keychain"
	case a.Keychain:
		return "typed; stored in the OS keychain"
	}
	return "typed (not stored)"
}

func domainBoth(a *Answers) string {
	if a.DomainUnicode != "" && a.DomainUnicode != a.Domain {
		return a.DomainUnicode + " (" + a.Domain + ")"
	}
	return orDash(a.Domain)
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

func mdCell(s string) string { return strings.ReplaceAll(checks.Sanitize(s, 1<<16), "|", `\|`) }

// shown is text that may come from a server or a DNS record (a finding, a
// certificate's names, a reply) made safe for the report: control bytes
// escaped line by line, the line breaks the checks put in kept.
func shown(s string) string { return checks.SanitizeLines(s, 4096) }

// mdCode is s as a Markdown code span that s cannot break out of: its
// control bytes escaped, its pipes escaped for a table cell, and fenced by
// one backtick more than its longest run of them (CommonMark §6.1).
func mdCode(s string) string {
	s = mdCell(s)
	run, longest := 0, 0
	for _, c := range s {
		if c == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	fence := strings.Repeat("`", longest+1)
	if longest > 0 {
		return fence + " " + s + " " + fence
	}
	return fence + s + fence
}
