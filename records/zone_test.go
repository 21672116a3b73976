package records

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// zoneHead makes a fragment a loadable zone: an SOA and an NS at the apex.
func zoneHead(origin string) string {
	return "$ORIGIN " + origin + "\n$TTL 3600\n" +
		"@ IN SOA ns1." + origin + " hostmaster." + origin + " 2026112901 7200 3600 1209600 3600\n" +
		"@ IN NS ns1." + origin + "\nns1 IN A 192.0.2.53\n"
}

// checkZoneTool runs named-checkzone on a zone whenever it is installed. It
// fails when the tool is missing and CI or MAILCFG_ZONE_CHECK=1 is set, and
// says so in the log otherwise.
func checkZoneTool(t *testing.T, origin, zone string) {
	t.Helper()
	tool, err := exec.LookPath("named-checkzone")
	if err != nil {
		if os.Getenv("CI") != "" || os.Getenv("MAILCFG_ZONE_CHECK") == "1" {
			t.Fatalf("named-checkzone is required here (CI or MAILCFG_ZONE_CHECK=1) but missing: apt-get install bind9-utils")
		}
		t.Log("named-checkzone is not installed; install bind9-utils to run this check")
		return
	}
	file := filepath.Join(t.TempDir(), "zone")
	if err := os.WriteFile(file, []byte(zone), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(tool, "-k", "fail", "-i", "local", origin, file).CombinedOutput()
	if err != nil {
		t.Fatalf("named-checkzone rejects the zone: %v\n%s\n--- zone:\n%s", err, out, zone)
	}
	if !strings.Contains(string(out), "OK") {
		t.Fatalf("named-checkzone said: %s", out)
	}
}

func TestZoneLoads(t *testing.T) {
	k, _, err := GenerateDKIMKey(DKIMRSA3072, nil)
	if err != nil {
		t.Fatal(err)
	}
	p := mustPlan(t, Request{
		Domain: "example.test", IPs: []net.IP{net.ParseIP("192.0.2.10")}, DKIMKey: k, Selector: "s2026",
		RUA: []string{"dmarc@reports.example.net"}, Provider: mustProfile(t, "ses"),
		Inputs: map[string]string{"token1": "t1", "token2": "t2", "token3": "t3"},
	}, Live{"example.test.": {MX: []string{"10 mx.example.test."}, TXT: []string{`v=spf1 mx exp=explain._spf.%{d} -all`}}})
	frag := p.Zone()
	zone := zoneHead("example.test.") + frag
	zp := dns.NewZoneParser(strings.NewReader(zone), "example.test.", "")
	got := map[string]dns.RR{}
	n := 0
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		n++
		got[strings.ToLower(rr.Header().Name)+"/"+dns.TypeToString[rr.Header().Rrtype]+"/"+rrValue(rr)] = rr
	}
	if err := zp.Err(); err != nil {
		t.Fatalf("miekg/dns rejects the zone: %v\n%s", err, zone)
	}
	for _, rec := range p.Records {
		key := rec.Name + "/" + rec.Type + "/" + rec.Value
		_, ok := got[key]
		if rec.OtherZone == ok {
			t.Errorf("record %s loaded=%v, want %v", key, ok, !rec.OtherZone)
		}
	}
	dk := p.Record("s2026._domainkey.example.test", PurposeDKIM)
	if len(dk.Value) <= 255 {
		t.Fatalf("a 3072-bit key record of %d bytes", len(dk.Value))
	}
	if rr := got[dk.Name+"/TXT/"+dk.Value].(*dns.TXT); len(rr.Txt) < 2 {
		t.Errorf("the long DKIM record is %d string(s)", len(rr.Txt))
	}
	if !strings.Contains(frag, "; for the zone of reports.example.net") {
		t.Errorf("the authorisation record is not set apart:\n%s", frag)
	}
	checkZoneTool(t, "example.test", zone)
}

// rrValue is a record's value as PlannedRecord.Value holds it.
func rrValue(rr dns.RR) string {
	switch v := rr.(type) {
	case *dns.TXT:
		parts := make([]string, len(v.Txt))
		for i, s := range v.Txt {
			parts[i] = unescapeTXT(s)
		}
		return strings.Join(parts, "")
	case *dns.CNAME:
		return v.Target
	case *dns.MX:
		return strconv.Itoa(int(v.Preference)) + " " + v.Mx
	}
	return rr.String()
}
