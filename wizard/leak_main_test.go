package wizard

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests if any goroutine (a stream, a sandbox
// the headless run started) is still running once they have all finished.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
