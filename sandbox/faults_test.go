package sandbox_test

import (
	"errors"
	"net"
	"os"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/mailcfg/mailcfg/sandbox"
)

func TestFaultAuthReject(t *testing.T) {
	sb := start(t, sandboxOpts())
	sb.SetFaults(sandbox.Faults{AuthReject: true})
	for _, a := range []sasl.Client{
		sasl.NewPlainClient("", sb.User, sb.Password),
		sasl.NewLoginClient(sb.User, sb.Password),
	} {
		c, err := smtp.DialStartTLS(sb.STARTTLSAddr, clientTLS(sb))
		if err != nil {
			t.Fatal(err)
		}
		assertCode(t, sendWith(t, c, a, testMessage("x", "ar")), 535, smtp.EnhancedCode{5, 7, 8})
	}
	// Switched off at run time, the same credentials work again.
	sb.SetFaults(sandbox.Faults{})
	c, err := smtp.DialStartTLS(sb.STARTTLSAddr, clientTLS(sb))
	if err != nil {
		t.Fatal(err)
	}
	if err := sendWith(t, c, sasl.NewPlainClient("", sb.User, sb.Password), testMessage("after", "ar2")); err != nil {
		t.Fatal(err)
	}
	if m := waitOne(t, sb, 1); m.Subject != "after" {
		t.Errorf("Subject %q", m.Subject)
	}
}

func TestFaultBanner421(t *testing.T) {
	sb := start(t, sandboxOpts())
	sb.SetFaults(sandbox.Faults{Banner421: true})
	for name, dial := range map[string]func() (*smtp.Client, error){
		"starttls-port": func() (*smtp.Client, error) { return smtp.Dial(sb.STARTTLSAddr) },
		"plain":         func() (*smtp.Client, error) { return smtp.Dial(sb.PlainAddr) },
		"implicit":      func() (*smtp.Client, error) { return smtp.DialTLS(sb.ImplicitAddr, clientTLS(sb)) },
	} {
		t.Run(name, func(t *testing.T) {
			c, err := dial()
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			c.CommandTimeout = 5 * time.Second
			assertCode(t, c.Hello("client.example.test"), 421, smtp.EnhancedCode{4, 3, 2})
		})
	}
}

func TestFaultTemp451OnMailFrom(t *testing.T) {
	sb := start(t, sandboxOpts())
	sb.SetFaults(sandbox.Faults{Temp451: true})
	c, err := smtp.DialStartTLS(sb.STARTTLSAddr, clientTLS(sb))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Auth(sasl.NewPlainClient("", sb.User, sb.Password)); err != nil {
		t.Fatalf("auth: %v", err)
	}
	assertCode(t, c.Mail("alice@example.test", nil), 451, smtp.EnhancedCode{4, 3, 0})
}

func TestFaultSlowBanner(t *testing.T) {
	sb := start(t, sandboxOpts())
	const delay = 400 * time.Millisecond
	sb.SetFaults(sandbox.Faults{SlowBanner: delay})
	for name, addr := range map[string]string{"starttls-port": sb.STARTTLSAddr, "plain": sb.PlainAddr} {
		t.Run(name, func(t *testing.T) {
			// A client that waits less than the delay meets a timeout
			// before any greeting.
			c, err := smtp.Dial(addr)
			if err != nil {
				t.Fatal(err)
			}
			c.CommandTimeout = delay / 4
			err = c.Hello("client.example.test")
			var ne net.Error
			if !errors.As(err, &ne) || !ne.Timeout() {
				t.Errorf("short wait: err = %v, want a timeout", err)
			}
			c.Close()
			// One that waits long enough gets 220 no sooner than the delay.
			began := time.Now()
			c, err = smtp.Dial(addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			c.CommandTimeout = 10 * time.Second
			if err := c.Hello("client.example.test"); err != nil {
				t.Fatalf("long wait: %v", err)
			}
			if waited := time.Since(began); waited < delay {
				t.Errorf("greeting after %v, before the %v delay", waited, delay)
			}
		})
	}
	t.Run("implicit", func(t *testing.T) {
		began := time.Now()
		c, err := smtp.DialTLS(sb.ImplicitAddr, clientTLS(sb))
		if err != nil {
			t.Fatal(err) // the handshake itself is not delayed
		}
		defer c.Close()
		c.CommandTimeout = 10 * time.Second
		if err := c.Hello("client.example.test"); err != nil {
			t.Fatal(err)
		}
		if waited := time.Since(began); waited < delay {
			t.Errorf("greeting after %v, before the %v delay", waited, delay)
		}
	})
}

func TestFaultDropInData(t *testing.T) {
	sb := start(t, sandboxOpts())
	sb.SetFaults(sandbox.Faults{DropInData: true})
	c, err := smtp.DialStartTLS(sb.STARTTLSAddr, clientTLS(sb))
	if err != nil {
		t.Fatal(err)
	}
	err = sendWith(t, c, sasl.NewPlainClient("", sb.User, sb.Password), testMessage("dropped", "d1"))
	if err == nil {
		t.Fatal("send succeeded though the connection was dropped in DATA")
	}
	var se *smtp.SMTPError
	if errors.As(err, &se) {
		t.Fatalf("got an SMTP reply %d %s; want the connection closed", se.Code, se.Message)
	}
	if n := len(sb.Messages()); n != 0 {
		t.Errorf("%d messages captured", n)
	}
}

func TestFaultNoSTARTTLS(t *testing.T) {
	sb := start(t, sandboxOpts())
	sb.SetFaults(sandbox.Faults{NoSTARTTLS: true})
	c, err := smtp.Dial(sb.STARTTLSAddr)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Hello("client.example.test"); err != nil {
		t.Fatal(err)
	}
	if ok, _ := c.Extension("STARTTLS"); ok {
		t.Error("STARTTLS offered with the NoSTARTTLS fault")
	}
	if ok, _ := c.Extension("AUTH"); ok {
		t.Error("AUTH offered over plaintext")
	}
	c.Close()
	_, err = smtp.DialStartTLS(sb.STARTTLSAddr, clientTLS(sb))
	if err == nil {
		t.Error("DialStartTLS succeeded")
	}
	sb.SetFaults(sandbox.Faults{})
	c, err = smtp.DialStartTLS(sb.STARTTLSAddr, clientTLS(sb))
	if err != nil {
		t.Fatalf("after clearing the fault: %v", err)
	}
	c.Close()
}

func TestCloseRemovesCAFileAndListeners(t *testing.T) {
	sb := start(t, sandboxOpts())
	if err := sb.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(sb.CAFile); !os.IsNotExist(err) {
		t.Errorf("CA file still there: %v", err)
	}
	for _, addr := range []string{sb.STARTTLSAddr, sb.ImplicitAddr, sb.PlainAddr, sb.HTTPSAddr, sb.DNSAddr} {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			t.Errorf("%s still accepts connections", addr)
		}
	}
	if err := sb.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}
