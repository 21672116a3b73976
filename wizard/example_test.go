package wizard_test

import (
	"fmt"

	"github.com/mailcfg/mailcfg/wizard"
)

// An internationalised domain is shown both ways: as people read it and as
// DNS carries it.
func ExampleParseDomain() {
	d, err := wizard.ParseDomain("Bücher.Example.")
	if err != nil {
		panic(err)
	}
	fmt.Println(d.ASCII)
	fmt.Println(d)
	// Output:
	// xn--bcher-kva.example
	// bücher.example (xn--bcher-kva.example)
}

// Prefill from `mailcfg setup` flags skips the steps it answers.
func ExampleSession_Apply() {
	s := wizard.NewSession(wizard.Env{Catalog: nil})
	err := s.Apply(wizard.Prefill{Domain: "example.com", Port: 465})
	fmt.Println(err, s.Answers.From, s.Answers.Port)
	for _, id := range s.Path() {
		fmt.Print(id, " ")
	}
	fmt.Println()
	// Output:
	// <nil> postmaster@example.com 465
	// provider credentials handshake dns records send summary
}
