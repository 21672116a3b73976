package tui

import "github.com/mailcfg/mailcfg/checks"

// safe is text that may hold what a server or a DNS record sent (a
// finding, a record's current value, a certificate's names) made safe to
// draw: each line's control bytes and escape sequences are shown escaped,
// so they cannot paint or move anything; the line breaks the checks put in
// are kept.
func safe(s string) string { return checks.SanitizeLines(s, 4096) }
