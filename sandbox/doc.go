// Package sandbox runs a self-contained mail world on loopback for tests,
// the demo and `mailcfg sandbox`: a capturing SMTP server, an authoritative
// DNS server for the zone example.test whose records agree with it, and an
// HTTPS server for its MTA-STS policy. Everything listens on 127.0.0.1 with
// ports the kernel picks, lives in one *Sandbox value (no package state), is
// ready when Start returns and is gone, goroutines and sockets, when Close
// returns; any number of sandboxes run side by side in one process.
//
// The SMTP side (RFC 5321) listens three times: STARTTLS (RFC 3207) with AUTH
// (RFC 4954, PLAIN per RFC 4616 and LOGIN per draft-murchison-sasl-login)
// required before MAIL as on a submission port (RFC 6409), implicit TLS
// (RFC 8314 §3.3) likewise, and plain without AUTH like an MX on port 25.
// Certificates come from a CA generated in memory at Start; its PEM is
// exported so that clients verify instead of skipping verification. Every
// accepted message is captured with its DKIM result (RFC 6376, RFC 8463)
// verified against the sandbox's own DNS. Faults (535, 421, 451, a slow
// banner, a connection dropped in DATA, no STARTTLS) can be switched on and
// off while it runs.
//
// The DNS side (RFC 1034, RFC 1035) answers like a recursive resolver for the
// zones it holds: it follows CNAMEs across them, tells NXDOMAIN from NODATA
// with the zone's SOA in the authority section (RFC 2308), refuses names
// outside every zone, honours the EDNS0 UDP payload size and sets TC when an
// answer does not fit (RFC 6891, RFC 7766), and sets AD for zones marked
// signed when the query asked with DO or AD (RFC 6840 §5.7). The zone
// example.test carries MX, SPF (RFC 7208), DKIM keys, DMARC (RFC 9989),
// MTA-STS (RFC 8461), TLS-RPT (RFC 8460) and the PTR of the SMTP address.
// Other zones, broken ones included, are added at run time.
package sandbox
