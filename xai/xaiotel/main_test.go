package xaiotel_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests if any goroutine outlives them: every
// client, server, stream and context watch must be gone by then.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
