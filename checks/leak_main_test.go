package checks_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests if any goroutine (a hostile server, a
// sandbox, a probe racing TLS against the greeting) is still running once
// they have all finished.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
