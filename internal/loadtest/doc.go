// Package loadtest holds the opt-in load test of the SDK against the
// standalone fake server (cmd/xaifake): many concurrent streams through one
// client for a while, with memory sampled over time.
//
// The test is compiled only with the build tag "load", so `go test ./...`
// neither builds nor counts it. Run it with `make load`, or:
//
//	XAI_LOAD_DURATION=30s XAI_LOAD_STREAMS=1000 go test -tags load -run TestLoad -v ./internal/loadtest/
//
// Settings (environment): XAI_LOAD_DURATION (default 30s), XAI_LOAD_STREAMS
// (concurrent streams, default 1000), XAI_LOAD_LATENCY (the fake's -latency,
// default 50ms: each stream waits that long for its first chunk and a tenth
// of it between chunks, so the streams stay open together) and
// XAI_LOAD_SAMPLE (memory sampling period, default 2s).
package loadtest
