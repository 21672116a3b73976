package sandbox_test

import (
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestMTASTSPolicy(t *testing.T) {
	sb := start(t, sandboxOpts())
	tr := &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: sb.CertPool()},
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, sb.HTTPSAddr)
		},
	}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 5 * time.Second}
	get := func(url string) (*http.Response, string) {
		t.Helper()
		resp, err := client.Get(url)
		if err != nil {
			t.Fatalf("GET %s: %v", url, err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp, string(body)
	}
	resp, body := get("https://mta-sts.example.test/.well-known/mta-sts.txt")
	want := "version: STSv1\r\nmode: enforce\r\nmx: mail.example.test\r\nmax_age: 86400\r\n"
	if resp.StatusCode != 200 || body != want {
		t.Errorf("status %d body %q", resp.StatusCode, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/plain" {
		t.Errorf("Content-Type %q", ct)
	}
	if resp, _ := get("https://mta-sts.example.test/.well-known/other.txt"); resp.StatusCode != 404 {
		t.Errorf("other path: %d", resp.StatusCode)
	}
	// The policy belongs to mta-sts.<domain>: the SMTP host's name gets 404.
	if resp, _ := get("https://mail.example.test/.well-known/mta-sts.txt"); resp.StatusCode != 404 {
		t.Errorf("by mail.example.test: %d", resp.StatusCode)
	}
	// A client that dialled the address itself still gets it.
	if resp, _ := get("https://localhost/.well-known/mta-sts.txt"); resp.StatusCode != 200 {
		t.Errorf("by localhost: %d", resp.StatusCode)
	}
}

func TestHTTPClient(t *testing.T) {
	sb := start(t, sandboxOpts())
	c := sb.HTTPClient()
	resp, err := c.Get("https://mta-sts.example.test/.well-known/mta-sts.txt")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "mode: enforce") {
		t.Errorf("status %d body %q", resp.StatusCode, body)
	}
	if _, err := c.Get("https://mta-sts.other.test/.well-known/mta-sts.txt"); err == nil {
		t.Error("a host outside the sandbox was reached")
	}
}
