package checks

import (
	"net"
	"net/netip"
	"strings"
)

// publicResolvers are the well-known public recursive resolvers. Spamhaus
// refuses queries that come through them (answering 127.255.255.254, or
// nothing useful), so blocklist verdicts asked through them mean nothing.
var publicResolvers = map[netip.Addr]string{
	netip.MustParseAddr("8.8.8.8"):              "Google Public DNS",
	netip.MustParseAddr("8.8.4.4"):              "Google Public DNS",
	netip.MustParseAddr("2001:4860:4860::8888"): "Google Public DNS",
	netip.MustParseAddr("2001:4860:4860::8844"): "Google Public DNS",
	netip.MustParseAddr("1.1.1.1"):              "Cloudflare 1.1.1.1",
	netip.MustParseAddr("1.0.0.1"):              "Cloudflare 1.1.1.1",
	netip.MustParseAddr("2606:4700:4700::1111"): "Cloudflare 1.1.1.1",
	netip.MustParseAddr("2606:4700:4700::1001"): "Cloudflare 1.1.1.1",
	netip.MustParseAddr("9.9.9.9"):              "Quad9",
	netip.MustParseAddr("149.112.112.112"):      "Quad9",
	netip.MustParseAddr("2620:fe::fe"):          "Quad9",
	netip.MustParseAddr("2620:fe::9"):           "Quad9",
	netip.MustParseAddr("208.67.222.222"):       "OpenDNS",
	netip.MustParseAddr("208.67.220.220"):       "OpenDNS",
	netip.MustParseAddr("2620:119:35::35"):      "OpenDNS",
	netip.MustParseAddr("2620:119:53::53"):      "OpenDNS",
}

// PublicResolver reports whether addr (an IP address, or host:port) is a
// well-known public resolver, and whose.
func PublicResolver(addr string) (string, bool) {
	host := addr
	if h, _, err := net.SplitHostPort(addr); err == nil {
		host = h
	}
	ip, err := netip.ParseAddr(strings.Trim(host, "[]"))
	if err != nil {
		return "", false
	}
	name, ok := publicResolvers[ip.Unmap().WithZone("")]
	return name, ok
}

// ResolverServers returns the addresses r sends its questions to, when r is
// a *DNSResolver or a Cache over one; nil otherwise.
func ResolverServers(r Resolver) []string {
	for {
		switch v := r.(type) {
		case *DNSResolver:
			return append([]string(nil), v.Servers...)
		case *Cache:
			r = v.next
		default:
			return nil
		}
	}
}

// dnsblResolverFinding says whether the blocklists were asked through a
// public resolver (dnsbl.resolver): warn when any of servers is one, pass
// otherwise. It returns false when servers is empty (unknown).
func dnsblResolverFinding(servers []string) (Finding, bool) {
	if len(servers) == 0 {
		return Finding{}, false
	}
	var public []string
	for _, s := range servers {
		if who, ok := PublicResolver(s); ok {
			public = append(public, s+" ("+who+")")
		}
	}
	if len(public) == 0 {
		return Finding{ID: "dnsbl.resolver", Status: StatusPass,
			Title:    "Blocklists were asked through " + strings.Join(servers, ", ") + ", not a public resolver",
			Evidence: strings.Join(servers, ", ")}, true
	}
	return Finding{ID: "dnsbl.resolver", Status: StatusWarn,
		Title: "Blocklists were asked through a public resolver: " + strings.Join(public, ", "),
		Detail: "Spamhaus and other lists refuse queries that arrive through public resolvers (Spamhaus answers " +
			"127.255.255.254, reported here as could-not-check), and some answer nothing at all, so a " +
			"\"not listed\" through them proves little.",
		Fix:      "Ask through your own recursive resolver (for example unbound on the sending host) with --resolver, or use the list's paid query service.",
		Evidence: strings.Join(servers, ", ")}, true
}
