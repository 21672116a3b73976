package sandbox_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/mailcfg/mailcfg/sandbox"
)

// A client submits a message over STARTTLS, verifying the server against the
// sandbox's CA and authenticating with its throwaway credentials; the
// sandbox captures it.
func ExampleStart() {
	ctx := context.Background()
	sb, err := sandbox.Start(ctx, sandbox.Options{})
	if err != nil {
		panic(err)
	}
	defer sb.Close()

	c, err := smtp.DialStartTLS(sb.STARTTLSAddr, clientTLS(sb))
	if err != nil {
		panic(err)
	}
	defer c.Close()
	if err := c.Auth(sasl.NewPlainClient("", sb.User, sb.Password)); err != nil {
		panic(err)
	}
	msg := "From: alice@example.test\r\nTo: bob@example.test\r\nSubject: hello\r\n\r\nHi Bob.\r\n"
	if err := c.SendMail("alice@example.test", []string{"bob@example.test"}, strings.NewReader(msg)); err != nil {
		panic(err)
	}
	m, err := sb.WaitMessage(ctx, 1)
	if err != nil {
		panic(err)
	}
	fmt.Println(sb.Hostname, m.From, m.To, m.Subject, m.TLS, m.DKIM)
	// Output: mail.example.test alice@example.test [bob@example.test] hello true none
}
