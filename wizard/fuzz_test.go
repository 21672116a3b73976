package wizard

import (
	"strings"
	"testing"
)

// FuzzParseDomain checks that whatever is typed, ParseDomain either refuses
// it or returns a lower-case letter-digit-hyphen name of at most 253 bytes
// that parses back to itself, with a Unicode form that converts to it.
func FuzzParseDomain(f *testing.F) {
	for _, s := range []string{"example.com", "Bücher.Example.", "xn--bcher-kva.example", "例え.テスト",
		"-a.b", "a..b", "a_b.c", strings.Repeat("a.", 130) + "com", "\u00df.de", "xn--zca.de", " ."} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDomain(s)
		if err != nil {
			return
		}
		if len(d.ASCII) > 253 || d.ASCII != strings.ToLower(d.ASCII) || !strings.Contains(d.ASCII, ".") {
			t.Fatalf("ParseDomain(%q) = %q", s, d.ASCII)
		}
		for _, l := range strings.Split(d.ASCII, ".") {
			if !hostLabel(l) {
				t.Fatalf("ParseDomain(%q) has label %q", s, l)
			}
		}
		again, err := ParseDomain(d.ASCII)
		if err != nil || again.ASCII != d.ASCII {
			t.Fatalf("ParseDomain(%q) = %q, which parses to %q, %v", s, d.ASCII, again.ASCII, err)
		}
		if back, err := ParseDomain(d.Unicode); err != nil || back.ASCII != d.ASCII {
			t.Fatalf("the Unicode form %q of %q parses to %q, %v", d.Unicode, d.ASCII, back.ASCII, err)
		}
	})
}
