package checks

import (
	"context"
	"net"
	"strings"
	"testing"
)

func TestDNSBLName(t *testing.T) {
	for ip, want := range map[string]string{
		"192.0.2.99":  "99.2.0.192.zen.spamhaus.org.",
		"2001:db8::1": "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.zen.spamhaus.org.",
	} {
		if got := DNSBLName(net.ParseIP(ip), "zen.spamhaus.org."); got != want {
			t.Errorf("DNSBLName(%s) = %q, want %q", ip, got, want)
		}
	}
}

// TestDNSBLErrorCodes checks that no error answer is ever a listing: the
// Spamhaus 127.255.255.x codes and answers outside 127/8 are errors, with
// their meaning.
func TestDNSBLErrorCodes(t *testing.T) {
	m := NewMapResolver(`$TTL 60
2.0.0.127.zen.test. A 127.0.0.2
9.2.0.192.zen.test. A 127.255.255.255
8.2.0.192.zen.test. A 127.255.255.252
7.2.0.192.zen.test. A 198.51.100.1
6.2.0.192.zen.test. A 127.0.0.4
6.2.0.192.zen.test. A 127.0.0.10
`)
	ctx := context.Background()
	for ip, want := range map[string]string{
		"192.0.2.9": "excessive query volume",
		"192.0.2.8": "malformed",
		"192.0.2.7": "outside 127.0.0.0/8",
	} {
		v := dnsblAsk(ctx, m, DNSBLName(net.ParseIP(ip), "zen.test"))
		f := dnsblFinding("zen.test", net.ParseIP(ip), "", nil, v)
		if f.Status != StatusError || !strings.Contains(f.Detail, want) {
			t.Errorf("%s: %s %q, want error with %q", ip, f.Status, f.Detail, want)
		}
	}
	v := dnsblAsk(ctx, m, DNSBLName(net.ParseIP("192.0.2.6"), "zen.test"))
	f := dnsblFinding("zen.spamhaus.org", net.ParseIP("192.0.2.6"), "", nil, v)
	if f.Status != StatusFail || !strings.Contains(f.Detail, "XBL") || !strings.Contains(f.Detail, "PBL (ISP)") {
		t.Errorf("listing: %+v", f)
	}
	// A list whose test entry answers nothing is not believed.
	why, err := dnsblHealth(ctx, m, "other.test")
	if err != nil || !strings.Contains(why, "127.0.0.2") {
		t.Errorf("health of a silent list: %q %v", why, err)
	}
	if why, err := dnsblHealth(ctx, m, "zen.test"); err != nil || why != "" {
		t.Errorf("health of a good list: %q %v", why, err)
	}
}
