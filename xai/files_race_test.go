//go:build race

package xai

// raceEnabled is true when the tests are built with -race. The race
// detector makes sync.Pool drop a share of the buffers put back, so gRPC's
// buffer pools allocate more: total allocation is then only logged.
const raceEnabled = true
