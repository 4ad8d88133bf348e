package xai

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests if any goroutine outlives them: every
// client, server and stream the tests open must be closed.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
