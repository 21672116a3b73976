package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/mailcfg/mailcfg/checks"
)

// printJSON writes v as one indented JSON document. Besides the C0 controls
// encoding/json escapes, DEL and the C1 controls (which some terminals obey
// as escape sequences) are written as \u escapes, so JSON shown on a
// terminal cannot paint it either.
func printJSON(w io.Writer, v any) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	out := b.Bytes()
	if bytes.IndexFunc(out, func(r rune) bool { return r >= 0x7f && r <= 0x9f }) >= 0 {
		var esc bytes.Buffer
		for _, r := range string(out) {
			if r >= 0x7f && r <= 0x9f {
				fmt.Fprintf(&esc, "\\u%04x", r)
				continue
			}
			esc.WriteRune(r)
		}
		out = esc.Bytes()
	}
	_, err := w.Write(out)
	return err
}

// ANSI SGR codes of the command line's small palette (the wizard has its own
// styles in tui/).
const (
	sgrReset  = "\x1b[0m"
	sgrBold   = "\x1b[1m"
	sgrDim    = "\x1b[2m"
	sgrRed    = "\x1b[31m"
	sgrGreen  = "\x1b[32m"
	sgrYellow = "\x1b[33m"
	sgrBlue   = "\x1b[34m"
	sgrCyan   = "\x1b[36m"
)

// painter colours text when colour is on and passes it through otherwise.
type painter bool

func (p painter) paint(sgr, s string) string {
	if !p || s == "" {
		return s
	}
	return sgr + s + sgrReset
}

func (p painter) bold(s string) string   { return p.paint(sgrBold, s) }
func (p painter) dim(s string) string    { return p.paint(sgrDim, s) }
func (p painter) red(s string) string    { return p.paint(sgrRed, s) }
func (p painter) green(s string) string  { return p.paint(sgrGreen, s) }
func (p painter) yellow(s string) string { return p.paint(sgrYellow, s) }
func (p painter) cyan(s string) string   { return p.paint(sgrCyan, s) }
func (p painter) blue(s string) string   { return p.paint(sgrBlue, s) }

// mark is a status as symbol and word, so it reads without colour.
func (p painter) mark(s checks.Status) string {
	switch s {
	case checks.StatusPass:
		return p.green("✓ pass ")
	case checks.StatusInfo:
		return p.blue("i info ")
	case checks.StatusWarn:
		return p.yellow("! warn ")
	case checks.StatusFail:
		return p.red("✗ fail ")
	case checks.StatusError:
		return p.paint(sgrBold+sgrYellow, "? error")
	}
	return string(s)
}

// printFindings writes findings grouped by area, worst first, each with its
// mark, detail and fix.
func printFindings(w io.Writer, p painter, fs []checks.Finding) {
	fs = append([]checks.Finding(nil), fs...)
	checks.SortWorstFirst(fs)
	area := ""
	for _, f := range fs {
		if f.Area() != area {
			area = f.Area()
			fmt.Fprintf(w, "\n%s\n", p.bold(areaTitle(area)))
		}
		fmt.Fprintf(w, "  %s  %s %s\n", p.mark(f.Status), safeText(f.Title), p.dim("["+safeText(f.ID)+"]"))
		if f.Detail != "" {
			fmt.Fprintf(w, "           %s\n", indent(safeText(f.Detail), "           "))
		}
		if f.Evidence != "" {
			fmt.Fprintf(w, "           %s %s\n", p.dim("seen:"), indent(safeText(f.Evidence), "                 "))
		}
		if f.Fix != "" && f.Status != checks.StatusPass {
			fmt.Fprintf(w, "           %s %s\n", p.cyan("fix:"), safeText(f.Fix))
		}
		if f.Ref != "" && f.Status != checks.StatusPass {
			fmt.Fprintf(w, "           %s\n", p.dim(f.Ref))
		}
	}
}

// areaTitle is the heading of a finding area ("mta_sts" → "MTA-STS").
func areaTitle(area string) string {
	switch area {
	case "mta_sts":
		return "MTA-STS"
	case "tlsrpt":
		return "TLS-RPT"
	case "fcrdns", "ptr":
		return "PTR"
	}
	return strings.ToUpper(strings.ReplaceAll(area, "_", " "))
}

// indent puts prefix before every line of s but the first.
func indent(s, prefix string) string {
	return strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n"+prefix)
}

// safeText makes text that may hold what a server or a DNS record sent safe
// to draw: each line's control bytes and escape sequences are shown escaped
// (a TXT record can carry ESC as well as an SMTP banner can); the line breaks
// the checks put in themselves are kept.
func safeText(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = checks.Sanitize(l, 4096)
	}
	return strings.Join(lines, "\n")
}
