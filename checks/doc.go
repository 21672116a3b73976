// Package checks holds every part of mailcfg that touches the network: the DNS
// resolver all lookups go through, the SMTP handshake and port probes, the DNS
// audit, the SPF evaluator (RFC 7208) and the test send.
//
// Libraries report, front-ends present: every check returns data (Findings,
// Stages, transcript Lines) and streams progress to a Sink as it goes, so the
// command line prints it and the wizard draws it live.
package checks
