// Package wizard is mailcfg's setup flow without any user interface: the
// steps a person walks through to get a domain's outgoing email right (the
// provider and region, the domain and sender, the port, the credentials, the
// SMTP handshake, the DNS checks, the records to publish, a DKIM-signed test
// send and a summary), what each step needs and yields, and the session
// state that keeps every answer while the person moves back and forth.
//
// Prefill (the flags of `mailcfg setup`) answers steps up front; a step whose
// answers are all given is skipped by a predicate, not by a branch in the
// flow. The network work of a step runs as a stream of progress events
// (checks.Event) that a front-end draws as they arrive: tui/ draws them live,
// RunHeadless prints them as text.
//
// The checks follow RFC 5321 and RFC 6409 (submission), RFC 3207 and RFC
// 8314 (STARTTLS and implicit TLS), RFC 7208 (SPF), RFC 6376 (DKIM), RFC
// 9989 (DMARC), RFC 8461 (MTA-STS) and RFC 8460 (TLS-RPT); domain names are
// converted with IDNA 2008 (RFC 5891) so an internationalised domain is
// shown both in Unicode and as the punycode (RFC 3492) that DNS carries.
package wizard
