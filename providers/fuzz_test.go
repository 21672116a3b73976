package providers

import (
	"errors"
	"strings"
	"testing"
)

// FuzzParseFile feeds arbitrary bytes to the profile parser: it must never
// panic, every profile it returns must hold the invariants, and every
// problem must be a one-line FileError.
func FuzzParseFile(f *testing.F) {
	entries, err := builtinFS.ReadDir("data")
	if err != nil {
		f.Fatal(err)
	}
	for _, e := range entries {
		data, err := builtinFS.ReadFile("data/" + e.Name())
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(userRelay + "---\n" + strings.Replace(userRelay, "my-relay", "second", 1)))
	f.Fuzz(func(t *testing.T, data []byte) {
		ps, errs := parseFile("f.yaml", data)
		for _, p := range ps {
			if v := validate(p); len(v) > 0 {
				t.Fatalf("parseFile returned an invalid profile %s: %v", p.ID, v)
			}
			if _, err := p.Host(""); err != nil && !p.AnyHost {
				t.Fatalf("Host of a valid profile: %v", err)
			}
		}
		for _, err := range errs {
			var fe *FileError
			if !errors.As(err, &fe) || fe.File != "f.yaml" {
				t.Fatalf("error %v is not a FileError for f.yaml", err)
			}
			if fe.Line < 0 {
				t.Fatalf("negative line in %v", err)
			}
		}
	})
}
