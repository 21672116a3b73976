package records_test

import (
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/mailcfg/mailcfg/records"
)

// A domain that already publishes SPF gets the new sender merged in, never a
// second record; +all becomes ~all.
func ExampleMergeSPF() {
	merged, changes, err := records.MergeSPF("v=spf1 mx include:_spf.google.com +all", []string{"include:amazonses.com"})
	if err != nil {
		panic(err)
	}
	fmt.Println(merged)
	fmt.Println(len(changes), "changes")
	// Output:
	// v=spf1 mx include:_spf.google.com include:amazonses.com ~all
	// 2 changes
}

// Zone files carry long TXT values as several quoted strings of one record.
func ExampleZoneTXT() {
	fmt.Println(records.ZoneTXT("v=spf1 ip4:192.0.2.1 -all"))
	long := strings.Repeat("a", 300)
	fmt.Println(len(records.SplitTXT(long)), "strings")
	// Output:
	// "v=spf1 ip4:192.0.2.1 -all"
	// 2 strings
}

// Planning is pure: what the domain publishes now is passed in.
func ExampleMakePlan() {
	plan, err := records.MakePlan(records.Request{
		Domain: "example.test",
		IPs:    []net.IP{net.ParseIP("192.0.2.25")},
		Now:    time.Date(2026, 11, 29, 17, 0, 0, 0, time.UTC),
	}, records.Live{"example.test.": {TXT: []string{"v=spf1 mx -all"}}})
	if err != nil {
		panic(err)
	}
	for _, r := range plan.Records {
		fmt.Println(r.Action, r.Name, r.Value)
	}
	// Output:
	// replace example.test. v=spf1 mx ip4:192.0.2.25 -all
	// create _dmarc.example.test. v=DMARC1; p=none; rua=mailto:dmarc-reports@example.test
}

func BenchmarkPlanMake(b *testing.B) {
	k, _, err := records.GenerateDKIMKey(records.DKIMEd25519, nil)
	if err != nil {
		b.Fatal(err)
	}
	req := records.Request{Domain: "example.test", IPs: []net.IP{net.ParseIP("192.0.2.25")}, DKIMKey: k.Public(), Selector: "s1"}
	live := records.Live{"example.test.": {MX: []string{"10 mx.example.test."}, TXT: []string{"v=spf1 mx include:_spf.google.com ~all"}}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := records.MakePlan(req, live); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkZoneTXT(b *testing.B) {
	v := "v=DKIM1; k=rsa; p=" + strings.Repeat("MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8A", 13)
	b.ReportAllocs()
	for b.Loop() {
		records.ZoneTXT(v)
	}
}
