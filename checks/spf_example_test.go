package checks_test

import (
	"context"
	"fmt"
	"net"

	"github.com/mailcfg/mailcfg/checks"
)

func ExampleCheckHost() {
	r := checks.NewMapResolver(`$TTL 300
example.com.       TXT "v=spf1 ip4:192.0.2.0/24 include:_spf.example.net -all exp=why.example.com"
why.example.com.   TXT "%{i} may not send for %{d}"
_spf.example.net.  TXT "v=spf1 ip4:198.51.100.0/24 ~all"
`)
	ctx := context.Background()
	for _, ip := range []string{"192.0.2.7", "198.51.100.7", "203.0.113.7"} {
		res := checks.CheckHost(ctx, r, net.ParseIP(ip), "example.com", "bounce@example.com", "mail.example.com")
		fmt.Printf("%s: %s after %d lookups %q\n", ip, res.Result, res.Lookups, res.Explanation)
	}
	// Output:
	// 192.0.2.7: pass after 0 lookups ""
	// 198.51.100.7: pass after 1 lookups ""
	// 203.0.113.7: fail after 1 lookups "203.0.113.7 may not send for example.com"
}

func ExampleSPFCost() {
	r := checks.NewMapResolver(`$TTL 300
example.com.       TXT "v=spf1 mx include:_spf.example.net -all"
example.com.       MX  10 mail.example.com.
_spf.example.net.  TXT "v=spf1 include:_a.example.net include:_b.example.net ~all"
_a.example.net.    TXT "v=spf1 ip4:198.51.100.0/24 -all"
_b.example.net.    TXT "v=spf1 ip4:203.0.113.0/24 -all"
`)
	tree, err := checks.SPFCost(context.Background(), r, "example.com", "")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(tree.Render())
	// Output:
	// example.com: 4 lookups
	//   mx  1
	//   include:_spf.example.net  1 (+2 below = 3)
	//     include:_a.example.net  1
	//       ip4:198.51.100.0/24
	//       -all
	//     include:_b.example.net  1
	//       ip4:203.0.113.0/24
	//       -all
	//     ~all
	//   -all
}
