package checks

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

func TestSecretNeverPrints(t *testing.T) {
	s := NewSecret("hunter2-very-secret")
	holder := struct {
		User   string
		Secret Secret
		Ptr    *Secret
	}{"u", s, &s}
	js, _ := json.Marshal(holder)
	txt, _ := s.MarshalText()
	outs := []string{
		fmt.Sprint(s), fmt.Sprintf("%v %+v %#v %s %q %x %X %d", s, s, s, s, s, s, s, s),
		fmt.Sprintf("%v %+v %#v", holder, holder, &holder), string(js), string(txt), s.String(), s.GoString(),
	}
	for _, o := range outs {
		for _, f := range s.Forms("u") {
			if strings.Contains(o, f) {
				t.Fatalf("%q leaks the secret", o)
			}
		}
		if !strings.Contains(o, Masked) && !strings.Contains(o, "0x") {
			t.Errorf("%q does not show %s", o, Masked)
		}
	}
	if s.Reveal() != "hunter2-very-secret" || NewSecret("").Reveal() != "" || (Secret{}).Reveal() != "" {
		t.Error("Reveal does not return the value")
	}
}
