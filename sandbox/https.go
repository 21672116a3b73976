package sandbox

import (
	"context"
	"crypto/tls"
	"fmt"
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

// HTTPClient returns an HTTP client for the sandbox's HTTPS server, for
// checks that fetch the MTA-STS policy (RFC 8461 §3.3): it trusts only the
// sandbox's CA and sends requests for mta-sts.<domain> or the SMTP host
// name, on any port, to HTTPSAddr; other hosts are refused. Keep-alives are
// off, so no connection outlives its request.
func (sb *Sandbox) HTTPClient() *http.Client {
	allowed := map[string]bool{"mta-sts." + sb.Domain: true, sb.Hostname: true}
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	return &http.Client{
		Timeout: 10 * time.Second,
		Transport: &http.Transport{
			TLSClientConfig:   &tls.Config{RootCAs: sb.CertPool(), MinVersion: tls.VersionTLS12},
			DisableKeepAlives: true,
			DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
				host, _, err := net.SplitHostPort(addr)
				if err != nil {
					return nil, err
				}
				if !allowed[strings.TrimSuffix(strings.ToLower(host), ".")] {
					return nil, fmt.Errorf("sandbox: %s is not served by this sandbox", host)
				}
				return dialer.DialContext(ctx, network, sb.HTTPSAddr)
			},
		},
	}
}
