package records

import (
	"fmt"
	"strings"
)

// ZoneTTL is the TTL of the records in a zone fragment: an hour, short
// enough to correct a mistake the same day.
const ZoneTTL = 3600

// Zone formats the plan as a BIND master-file fragment (RFC 1035 §5) to paste
// into the domain's zone: absolute names, one record a line, TXT values over
// 255 bytes split into several quoted strings of one record. Each record is
// preceded by a comment with its purpose, action and what it replaces;
// records that belong in another domain's zone appear only as comments.
func (p *Plan) Zone() string {
	var b strings.Builder
	c := p.counts()
	fmt.Fprintf(&b, "; mailcfg: records for %s. (create %d, replace %d, keep %d)\n", p.Domain, c[ActionCreate], c[ActionReplace], c[ActionKeep])
	for _, w := range p.Warnings {
		b.WriteString(zoneComment("warning: " + w))
	}
	for _, rec := range p.Records {
		b.WriteByte('\n')
		head := rec.Purpose + ": " + rec.Action
		if rec.Current != "" && rec.Action == ActionReplace {
			head += " (now: " + rec.Current + ")"
		}
		b.WriteString(zoneComment(head))
		if rec.Note != "" {
			b.WriteString(zoneComment(rec.Note))
		}
		line := ZoneLine(rec)
		if rec.OtherZone {
			b.WriteString(zoneComment("for the zone of " + otherZone(rec.Name) + ", not this one:"))
			b.WriteString("; " + line + "\n")
			continue
		}
		b.WriteString(line + "\n")
	}
	return b.String()
}

// ZoneLine formats one planned record as a master-file line.
func ZoneLine(rec PlannedRecord) string {
	rdata := rec.Value
	if rec.Type == "TXT" {
		rdata = ZoneTXT(rec.Value)
	}
	return fmt.Sprintf("%s\t%d\tIN\t%s\t%s", rec.Name, ZoneTTL, rec.Type, rdata)
}

// zoneComment turns text into comment lines, one per line of text, with
// control characters removed.
func zoneComment(s string) string {
	var b strings.Builder
	for _, line := range strings.Split(s, "\n") {
		line = strings.Map(func(r rune) rune {
			if r < ' ' || r == 0x7f || r >= 0x80 && r < 0xa0 { // C0, DEL and C1
				return -1
			}
			return r
		}, line)
		b.WriteString("; " + line + "\n")
	}
	return b.String()
}

// otherZone is the domain of a report authorisation record
// (<domain>._report._dmarc.<zone>.).
func otherZone(name string) string {
	if _, z, ok := strings.Cut(name, "._report._dmarc."); ok {
		return bare(z)
	}
	return bare(name)
}

// counts tallies the records by action.
func (p *Plan) counts() map[string]int {
	c := map[string]int{}
	for _, r := range p.Records {
		c[r.Action]++
	}
	return c
}
