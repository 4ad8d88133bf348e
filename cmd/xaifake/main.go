// Command xaifake serves the in-memory fake xAI API of package xaitest on a
// TCP port, so that clients in any language can be tested against it.
//
// Usage:
//
//	xaifake [-addr 127.0.0.1:50051] [-keys k1,k2] [-management-keys m1]
//	        [-teams 'red=k1,m1;blue=k2'] [-retention 720h] [-latency 0s]
//	        [-indexing-delay 0s] [-encryption-key HEX] [-shutdown-timeout 5s]
//	        [-media-addr 127.0.0.1:0] [-media-lifetime 1h]
//	        [-model KIND:NAME[,ALIAS...][:CAPABILITY,...]]...
//	        [-max-embed-inputs 2048] [-max-tokenize-tokens 131072]
//	        [-max-file-bytes 67108864] [-max-stored-responses 20000]
//	        [-control-key KEY] [-request-log 1000]
//
// Once the listener is ready it prints exactly one line to standard output:
//
//	xaifake listening on 127.0.0.1:50051 (api key: k1)
//
// so scripts can wait for it; with -addr 127.0.0.1:0 the line carries the
// port the system chose. The server speaks plaintext gRPC and expects the
// metadata `authorization: Bearer <key>` with one of the keys. Every key
// is a team of its own unless -teams groups them; a team sees only its own
// stored responses, files, collections, batches and videos. The -max-*
// flags set the limits of [xaitest.Limits]. The server offers gRPC server
// reflection and the standard health service (grpc.health.v1), both
// without a key. SIGINT or SIGTERM stops it gracefully: health turns
// NOT_SERVING, calls in progress get -shutdown-timeout to finish, then the
// rest are cut off. Diagnostics go to standard error.
//
// The images and videos it generates are served over plain HTTP on a
// loopback listener of their own (-media-addr; "" turns it off), and the
// URLs in responses point there; they expire after -media-lifetime on the
// fake's clock. The media address goes to standard error.
//
// -model adds a model the built-in catalogue (the official Python SDK
// 1.19's list) lacks, for example
//
//	-model chat:grok-5-0101,grok-5:reasoning,image-input
//	-model image:grok-imagine-image-3
//
// KIND is chat, image, video or embedding; the first name is the full name
// responses report, the others are aliases; the capabilities reasoning and
// image-input apply to chat models. The flag may be repeated.
//
// -control-key turns on the fake's control service
// (proto/xaitest/control/v1/control.proto) on the same port: with that key
// as `authorization: Bearer <control key>`, a test in any language scripts
// replies, faults, latency, the clock and job outcomes, and reads the
// requests received, of which the fake then keeps the -request-log most
// recent. Without -control-key the control service answers
// PERMISSION_DENIED and no request is kept. See xai/xaitest/README.md.
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
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/gogrok/sdk/xai/xaitest"
)

// defaultMemoryLimit is the Go runtime's soft memory limit for the
// process, unless the environment sets GOMEMLIMIT.
const defaultMemoryLimit = 192 << 20

func main() {
	if os.Getenv("GOMEMLIMIT") == "" {
		// A soft limit makes the collector work harder before the process
		// grows past it; with the default limits one fake then stays
		// under 256 MiB (docs/PERFORMANCE.md). GOMEMLIMIT overrides it.
		debug.SetMemoryLimit(defaultMemoryLimit)
	}
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
	indexing := fs.Duration("indexing-delay", 0, "how long a document added to a collection stays PROCESSING before it is indexed")
	encKey := fs.String("encryption-key", "", "64 hex digits: AES-256 key for encrypted reasoning, so blobs survive restarts (default random)")
	grace := fs.Duration("shutdown-timeout", 5*time.Second, "how long calls in progress may run on after SIGINT or SIGTERM")
	mediaAddr := fs.String("media-addr", "127.0.0.1:0", "address of the HTTP listener serving generated images and videos; empty turns it off")
	mediaLifetime := fs.Duration("media-lifetime", time.Hour, "how long generated image and video URLs can be downloaded")
	controlKey := fs.String("control-key", "", "key of the control service (xaitest.control.v1.ControlService); empty turns it off")
	requestLog := fs.Int("request-log", 1000, "with -control-key, how many recent requests the control service can list")
	var models []xaitest.Model
	fs.Func("model", "add a model: KIND:NAME[,ALIAS...][:CAPABILITY,...], KIND chat, image, video or embedding, CAPABILITY reasoning or image-input (repeatable)", func(spec string) error {
		m, err := parseModel(spec)
		if err == nil {
			models = append(models, m)
		}
		return err
	})
	teams := fs.String("teams", "", "teams of keys, as 'name=key1,key2;other=key3'; a key in no team is a team of its own")
	var limits xaitest.Limits
	fs.IntVar(&limits.EmbedInputs, "max-embed-inputs", xaitest.DefaultLimits.EmbedInputs, "most inputs per Embed request")
	fs.IntVar(&limits.TokenizeTokens, "max-tokenize-tokens", xaitest.DefaultLimits.TokenizeTokens, "most tokens per TokenizeText reply")
	fs.Int64Var(&limits.FileBytesPerTeam, "max-file-bytes", xaitest.DefaultLimits.FileBytesPerTeam, "most bytes of files per team")
	fs.IntVar(&limits.StoredResponsesPerTeam, "max-stored-responses", xaitest.DefaultLimits.StoredResponsesPerTeam, "most stored chat responses per team")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "xaifake: unexpected arguments: %q\n", fs.Args())
		return 2
	}
	if *indexing < 0 {
		fmt.Fprintln(stderr, "xaifake: -indexing-delay must not be negative")
		return 2
	}
	accepted := splitKeys(*keys)
	if len(accepted) == 0 {
		fmt.Fprintln(stderr, "xaifake: -keys must name at least one API key")
		return 2
	}
	if *requestLog < 0 {
		fmt.Fprintln(stderr, "xaifake: -request-log must not be negative")
		return 2
	}
	opts := []xaitest.Option{
		xaitest.WithAddress(*addr),
		xaitest.WithAPIKeys(accepted...),
		xaitest.WithRetention(*retention),
		xaitest.WithLatency(*latency),
		xaitest.WithLimits(limits),
	}
	if *controlKey != "" {
		opts = append(opts, xaitest.WithControlKey(*controlKey), xaitest.WithRequestLog(*requestLog))
	} else {
		// Without the control service nobody can read the log: keep none.
		opts = append(opts, xaitest.WithRequestLog(0))
	}
	if *teams != "" {
		groups, err := parseTeams(*teams)
		if err != nil {
			fmt.Fprintf(stderr, "xaifake: -teams: %v\n", err)
			return 2
		}
		opts = append(opts, xaitest.WithTeams(groups))
	}
	if m := splitKeys(*mgmtKeys); len(m) > 0 {
		opts = append(opts, xaitest.WithManagementKeys(m...))
	}
	if *mediaAddr != "" {
		opts = append(opts, xaitest.WithMediaServer(*mediaAddr), xaitest.WithMediaLifetime(*mediaLifetime))
	}
	if len(models) > 0 {
		opts = append(opts, xaitest.WithModels(models...))
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
	srv.SetIndexingDelay(*indexing)
	if m := splitKeys(*mgmtKeys); len(m) > 0 {
		fmt.Fprintf(stdout, "xaifake listening on %s (api key: %s, management key: %s)\n", srv.Addr(), srv.APIKey(), m[0])
	} else {
		fmt.Fprintf(stdout, "xaifake listening on %s (api key: %s)\n", srv.Addr(), srv.APIKey())
	}

	if *controlKey != "" {
		fmt.Fprintf(stderr, "xaifake: the control service is on (xaitest.control.v1.ControlService, keeping the last %d requests)\n", *requestLog)
	}
	if u := srv.MediaURL(); u != "" {
		fmt.Fprintf(stderr, "xaifake: serving generated media on %s\n", u)
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

// parseTeams reads -teams: teams separated by semicolons, each a name, an
// equals sign and comma-separated keys. Errors never show a key.
func parseTeams(list string) (map[string][]string, error) {
	teams := make(map[string][]string)
	for i, entry := range strings.Split(list, ";") {
		if strings.TrimSpace(entry) == "" {
			continue
		}
		name, keys, ok := strings.Cut(entry, "=")
		name = strings.TrimSpace(name)
		if !ok || name == "" || len(splitKeys(keys)) == 0 {
			return nil, fmt.Errorf("team %d must have the form name=key1,key2", i+1)
		}
		if _, dup := teams[name]; dup {
			return nil, fmt.Errorf("team %q is named twice", name)
		}
		teams[name] = splitKeys(keys)
	}
	return teams, nil
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

// parseModel reads a -model value: KIND:NAME[,ALIAS...][:CAPABILITY,...].
func parseModel(spec string) (xaitest.Model, error) {
	parts := strings.Split(spec, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return xaitest.Model{}, fmt.Errorf("%q is not KIND:NAME[,ALIAS...][:CAPABILITY,...]", spec)
	}
	var m xaitest.Model
	switch parts[0] {
	case "chat":
		m.Kind = xaitest.ChatModel
	case "image":
		m.Kind = xaitest.ImageModel
	case "video":
		m.Kind = xaitest.VideoModel
	case "embedding":
		m.Kind = xaitest.EmbeddingModel
	default:
		return m, fmt.Errorf("model kind %q is not chat, image, video or embedding", parts[0])
	}
	names := splitKeys(parts[1])
	if len(names) == 0 {
		return m, fmt.Errorf("%q names no model", spec)
	}
	m.Name, m.Aliases = names[0], names[1:]
	if len(parts) == 3 {
		for _, c := range splitKeys(parts[2]) {
			switch c {
			case "reasoning":
				m.Reasoning = true
			case "image-input":
				m.ImageInput = true
			default:
				return m, fmt.Errorf("capability %q is not reasoning or image-input", c)
			}
		}
	}
	return m, nil
}
