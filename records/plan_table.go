package records

import (
	"fmt"
	"strings"
)

// Paint styles a piece of table text by its role: "heading", "create",
// "replace", "keep", "warn", "dim" or "value". A nil Paint leaves text plain.
type Paint func(role, text string) string

// Table formats the plan for reading and pasting: one block a record with
// action, purpose, type and name on the first line and the value alone on
// the next, as one unsplit string (what web DNS panels want); then the SPF
// lookup count term by term, the DMARC rollout, notes and warnings.
func (p *Plan) Table(paint Paint) string {
	if paint == nil {
		paint = func(_, s string) string { return s }
	}
	var b strings.Builder
	c := p.counts()
	fmt.Fprintf(&b, "%s\n", paint("heading", fmt.Sprintf("Records for %s: create %d, replace %d, keep %d", p.Domain, c[ActionCreate], c[ActionReplace], c[ActionKeep])))
	const indent = "    "
	for _, rec := range p.Records {
		b.WriteByte('\n')
		fmt.Fprintf(&b, "%s  %-8s %-5s %s\n", paint(rec.Action, fmt.Sprintf("%-7s", rec.Action)), rec.Purpose, rec.Type, rec.Name)
		fmt.Fprintf(&b, "%s%s\n", indent, paint("value", rec.Value))
		if rec.Current != "" && rec.Action == ActionReplace {
			fmt.Fprintf(&b, "%s%s %s\n", indent, paint("dim", "now:"), rec.Current)
		}
		if rec.OtherZone {
			fmt.Fprintf(&b, "%s%s\n", indent, paint("dim", "(in "+otherZone(rec.Name)+"'s zone, not yours)"))
		}
		if rec.Note != "" {
			fmt.Fprintf(&b, "%s%s %s\n", indent, paint("dim", "note:"), rec.Note)
		}
	}
	if sc := p.SPFCost; sc != nil {
		fmt.Fprintf(&b, "\n%s\n", paint("heading", fmt.Sprintf("SPF DNS lookups: %d of %d", sc.Total, sc.Limit)))
		for _, t := range sc.Terms {
			line := fmt.Sprintf("%s%-40s %2d", indent, t.Term, t.Total)
			if t.Total != t.Cost {
				line += fmt.Sprintf("  (%d + %d below)", t.Cost, t.Total-t.Cost)
			}
			if t.Error != "" {
				line += "  " + t.Error
			}
			b.WriteString(line + "\n")
		}
		if sc.Error != "" {
			fmt.Fprintf(&b, "%s%s %s\n", indent, paint("warn", "could not count:"), sc.Error)
		}
		for _, f := range sc.Fixes {
			fmt.Fprintf(&b, "%s%s %s\n", indent, paint("warn", "fix:"), f)
		}
	}
	if len(p.Rollout) > 0 {
		fmt.Fprintf(&b, "\n%s\n", paint("heading", "DMARC rollout"))
		for _, s := range p.Rollout {
			mark := " "
			if s.Current {
				mark = "*"
			}
			fmt.Fprintf(&b, "%s%s %d. %s\n", indent, mark, s.Step, s.Record)
			fmt.Fprintf(&b, "%s     %s\n", indent, paint("dim", s.Watch))
		}
	}
	if len(p.Notes) > 0 {
		fmt.Fprintf(&b, "\n%s\n", paint("heading", "Also"))
		for _, n := range p.Notes {
			lines := strings.Split(strings.TrimRight(n, "\n"), "\n")
			fmt.Fprintf(&b, "%s- %s\n", indent, lines[0])
			for _, l := range lines[1:] {
				fmt.Fprintf(&b, "%s    %s\n", indent, l)
			}
		}
	}
	if len(p.Warnings) > 0 {
		fmt.Fprintf(&b, "\n%s\n", paint("heading", "Warnings"))
		for _, w := range p.Warnings {
			fmt.Fprintf(&b, "%s%s %s\n", indent, paint("warn", "!"), w)
		}
	}
	return b.String()
}
