package sandbox

import (
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"net"
	"strings"

	"github.com/miekg/dns"
)

// The DKIM selectors of the sandbox's two keys.
const (
	rsaSelector     = "sb2026"
	ed25519Selector = "sb2026e"
)

// Record values the sandbox publishes.
const (
	dmarcRecordFmt  = "v=DMARC1; p=reject; rua=mailto:dmarc@%s"
	tlsrptRecordFmt = "v=TLSRPTv1; rua=mailto:tls@%s"
)

// dkimRecord returns the DKIM key record of a public key (RFC 6376 §3.6.1;
// k=ed25519 carries the raw 32-byte key, RFC 8463 §4).
func dkimRecord(pub any) (string, error) {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		der, err := x509.MarshalPKIXPublicKey(k)
		if err != nil {
			return "", err
		}
		return "v=DKIM1; k=rsa; p=" + base64.StdEncoding.EncodeToString(der), nil
	case ed25519.PublicKey:
		return "v=DKIM1; k=ed25519; p=" + base64.StdEncoding.EncodeToString(k), nil
	}
	return "", fmt.Errorf("sandbox: no DKIM record for a %T key", pub)
}

// spfRecord authorises exactly ip (RFC 7208 §5.6).
func spfRecord(ip net.IP) string {
	if ip.To4() != nil {
		return "v=spf1 ip4:" + ip.String() + " -all"
	}
	return "v=spf1 ip6:" + ip.String() + " -all"
}

// addressRR returns the A or AAAA record of name for ip.
func addressRR(name string, ip net.IP) dns.RR {
	h := dns.RR_Header{Name: name, Class: dns.ClassINET, Ttl: defaultTTL}
	if v4 := ip.To4(); v4 != nil {
		h.Rrtype = dns.TypeA
		return &dns.A{Hdr: h, A: v4}
	}
	h.Rrtype = dns.TypeAAAA
	return &dns.AAAA{Hdr: h, AAAA: ip}
}

// txtRR returns a TXT record of name whose value is split into strings of
// at most 255 bytes.
func txtRR(name, value string) dns.RR {
	return &dns.TXT{
		Hdr: dns.RR_Header{Name: name, Rrtype: dns.TypeTXT, Class: dns.ClassINET, Ttl: defaultTTL},
		Txt: splitTXT(value),
	}
}

// serveZones loads the sandbox's zones into its DNS server: the domain, the
// host name's when it lies outside the domain, and the reverse zone of the
// SMTP address with its PTR.
func (sb *Sandbox) serveZones() error {
	origin := dns.Fqdn(sb.Domain)
	host := dns.Fqdn(sb.Hostname)
	ip := sb.smtpIP
	dnsIP := net.ParseIP(hostOf(sb.DNSAddr))
	if dnsIP == nil || dnsIP.IsUnspecified() {
		dnsIP = ip
	}
	rsaRec, err := dkimRecord(sb.DKIMKey.Public())
	if err != nil {
		return err
	}
	edRec, err := dkimRecord(sb.DKIMEd25519Key.Public())
	if err != nil {
		return err
	}
	hdr := func(name string, t uint16) dns.RR_Header {
		return dns.RR_Header{Name: name, Rrtype: t, Class: dns.ClassINET, Ttl: defaultTTL}
	}
	rrs := []dns.RR{
		newSOA(origin),
		&dns.NS{Hdr: hdr(origin, dns.TypeNS), Ns: "ns." + origin},
		addressRR("ns."+origin, dnsIP),
		// RFC 5321 §5.1: mail for the domain goes to the sandbox.
		&dns.MX{Hdr: hdr(origin, dns.TypeMX), Preference: 10, Mx: host},
		addressRR(host, ip),
		addressRR("mta-sts."+origin, ip),
		txtRR(origin, spfRecord(ip)),
		// RFC 7208 §2.3: the HELO identity gets its own record.
		txtRR(host, "v=spf1 a -all"),
		txtRR(rsaSelector+"._domainkey."+origin, rsaRec),
		txtRR(ed25519Selector+"._domainkey."+origin, edRec),
		txtRR("_dmarc."+origin, fmt.Sprintf(dmarcRecordFmt, sb.Domain)),
		txtRR("_mta-sts."+origin, "v=STSv1; id="+sb.stsID),
		txtRR("_smtp._tls."+origin, fmt.Sprintf(tlsrptRecordFmt, sb.Domain)),
	}
	sb.DNS.AddZone(origin, rrs)
	if !dns.IsSubDomain(origin, host) {
		sb.DNS.AddZone(host, []dns.RR{addressRR(host, ip), txtRR(host, "v=spf1 a -all")})
	}
	// RFC 1035 §3.5: the PTR lives under in-addr.arpa (ip6.arpa for v6);
	// the zone is the parent of the address's name.
	rev, err := dns.ReverseAddr(ip.String())
	if err != nil {
		return fmt.Errorf("sandbox: reverse name of %s: %w", ip, err)
	}
	revZone := rev[strings.IndexByte(rev, '.')+1:]
	sb.DNS.AddZone(revZone, []dns.RR{&dns.PTR{Hdr: hdr(rev, dns.TypePTR), Ptr: host}})
	return nil
}

// hostOf returns the host part of a host:port.
func hostOf(addr string) string {
	h, _, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	return h
}
