// Command xaifake serves the in-memory fake xAI API of package xaitest on a
// TCP port, so that clients in any language can be tested against it.
//
// Usage:
//
//	xaifake [-addr 127.0.0.1:50051] [-keys k1,k2] [-management-keys m1]
//	        [-retention 720h] [-latency 0s] [-encryption-key HEX]
//	        [-shutdown-timeout 5s]
//
// Once the listener is ready it prints exactly one line to standard output:
//
//	xaifake listening on 127.0.0.1:50051 (api key: k1)
//
// so scripts can wait for it; with -addr 127.0.0.1:0 the line carries the
// port the system chose. The server speaks plaintext gRPC and expects the
// metadata `authorization: Bearer <key>` with one of the keys. SIGINT or
// SIGTERM stops it gracefully: calls in progress get -shutdown-timeout to
// finish, then the rest are cut off. Diagnostics go to standard error.
package main

import (
	"context"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/gogrok/sdk/xai/xaitest"
)

func main() {
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr, stop))
}

// run serves until stop delivers a signal and returns the exit code: 0
// after a clean stop, 1 when the server cannot start, 2 for bad flags.
func run(args []string, stdout, stderr io.Writer, stop <-chan os.Signal) int {
	fs := flag.NewFlagSet("xaifake", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:50051", "TCP address to listen on; port 0 picks a free port")
	keys := fs.String("keys", xaitest.DefaultAPIKey, "comma-separated API keys to accept; the first is printed at start")
	mgmtKeys := fs.String("management-keys", "", "comma-separated management keys; when set, Collections accepts only these and other services only -keys")
	retention := fs.Duration("retention", 720*time.Hour, "how long stored chat responses are kept")
	latency := fs.Duration("latency", 0, "delay added before every reply (a tenth of it between stream messages)")
	encKey := fs.String("encryption-key", "", "64 hex digits: AES-256 key for encrypted reasoning, so blobs survive restarts (default random)")
	grace := fs.Duration("shutdown-timeout", 5*time.Second, "how long calls in progress may run on after SIGINT or SIGTERM")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "xaifake: unexpected arguments: %q\n", fs.Args())
		return 2
	}
	accepted := splitKeys(*keys)
	if len(accepted) == 0 {
		fmt.Fprintln(stderr, "xaifake: -keys must name at least one API key")
		return 2
	}
	opts := []xaitest.Option{
		xaitest.WithAddress(*addr),
		xaitest.WithAPIKeys(accepted...),
		xaitest.WithRetention(*retention),
		xaitest.WithLatency(*latency),
		// Nobody can read the request log of a process: keep none.
		xaitest.WithRequestLog(0),
	}
	if m := splitKeys(*mgmtKeys); len(m) > 0 {
		opts = append(opts, xaitest.WithManagementKeys(m...))
	}
	if *encKey != "" {
		key, err := hex.DecodeString(*encKey)
		if err != nil || len(key) != 32 {
			fmt.Fprintln(stderr, "xaifake: -encryption-key must be 64 hex digits (32 bytes)")
			return 2
		}
		opts = append(opts, xaitest.WithEncryptionKey(key))
	}

	srv, err := xaitest.NewServer(opts...)
	if err != nil {
		fmt.Fprintf(stderr, "xaifake: %v\n", err)
		return 1
	}
	if m := splitKeys(*mgmtKeys); len(m) > 0 {
		fmt.Fprintf(stdout, "xaifake listening on %s (api key: %s, management key: %s)\n", srv.Addr(), srv.APIKey(), m[0])
	} else {
		fmt.Fprintf(stdout, "xaifake listening on %s (api key: %s)\n", srv.Addr(), srv.APIKey())
	}

	sig := <-stop
	fmt.Fprintf(stderr, "xaifake: %v received, shutting down\n", sig)
	ctx, cancel := context.WithTimeout(context.Background(), *grace)
	defer cancel()
	if err := srv.Shutdown(ctx); errors.Is(err, context.DeadlineExceeded) {
		fmt.Fprintf(stderr, "xaifake: calls still running after %v were cut off\n", *grace)
	}
	return 0
}

// splitKeys returns the non-empty, trimmed entries of a comma-separated list.
func splitKeys(list string) []string {
	var keys []string
	for _, k := range strings.Split(list, ",") {
		if k = strings.TrimSpace(k); k != "" {
			keys = append(keys, k)
		}
	}
	return keys
}
