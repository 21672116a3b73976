package sandbox

import (
	"crypto/tls"
	"io"
	"log"
	"net"
	"net/http"
	"strings"
	"time"
)

// mtaSTSPolicy returns the policy served at
// https://mta-sts.<domain>/.well-known/mta-sts.txt (RFC 8461 §3.2), lines
// ending in CRLF.
func (sb *Sandbox) mtaSTSPolicy() string {
	return "version: STSv1\r\nmode: enforce\r\nmx: " + sb.Hostname + "\r\nmax_age: 86400\r\n"
}

// newHTTPSServer returns the MTA-STS policy server. It answers for the host
// mta-sts.<domain> and for bare addresses (a client that dialled the
// listener directly); any other host name gets 404.
func (sb *Sandbox) newHTTPSServer() *http.Server {
	policyHost := "mta-sts." + sb.Domain
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/mta-sts.txt", func(w http.ResponseWriter, r *http.Request) {
		host := r.Host
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
		host = strings.TrimSuffix(strings.ToLower(host), ".")
		if host != policyHost && host != "localhost" && net.ParseIP(host) == nil {
			http.NotFound(w, r)
			return
		}
		// RFC 8461 §3.2: the media type is "text/plain".
		w.Header().Set("Content-Type", "text/plain")
		w.Header().Set("Cache-Control", "max-age=86400")
		_, _ = io.WriteString(w, sb.mtaSTSPolicy())
	})
	return &http.Server{
		Handler:           mux,
		TLSConfig:         &tls.Config{Certificates: sb.tlsConfig.Certificates, MinVersion: tls.VersionTLS12},
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      10 * time.Second,
		IdleTimeout:       30 * time.Second,
		ErrorLog:          log.New(io.Discard, "", 0),
	}
}
