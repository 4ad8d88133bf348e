package xaiotel_test

// Tests of xai.WithInterceptors, the hook this package is built on, and of
// the promise that package xai does not link OpenTelemetry.

import (
	"context"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
	"github.com/gogrok/sdk/xai"
	"github.com/gogrok/sdk/xai/xaiotel"
	"github.com/gogrok/sdk/xai/xaitest"
)

// recorder is a pair of interceptors that log what they see.
type recorder struct {
	name string
	mu   *sync.Mutex
	log  *[]string
}

func (r recorder) add(s string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	*r.log = append(*r.log, s)
}

func (r recorder) unary(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	md, _ := metadata.FromOutgoingContext(ctx)
	if len(md.Get("authorization")) > 0 || len(md.Get("xai-sdk-version")) > 0 {
		r.add(r.name + " saw the client's metadata")
	}
	if _, ok := ctx.Deadline(); ok {
		r.add(r.name + " saw a deadline")
	}
	r.add(r.name + " in")
	err := invoker(ctx, method, req, reply, cc, opts...)
	r.add(r.name + " out " + status.Code(err).String())
	return err
}

func (r recorder) stream(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
	r.add(r.name + " stream")
	return streamer(ctx, desc, cc, method, opts...)
}

func TestWithInterceptorsWholeCallInOrder(t *testing.T) {
	t.Parallel()
	srv := xaitest.Start(t)
	var (
		mu  sync.Mutex
		log []string
	)
	outer, inner := recorder{"outer", &mu, &log}, recorder{"inner", &mu, &log}
	conn, err := grpc.NewClient(srv.Target(), srv.DialOptions()...)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, withConn := range []bool{false, true} {
		log = nil
		opts := []xai.Option{xai.WithAPIKey(srv.APIKey()), xai.WithInsecure(),
			xai.WithInterceptors(outer.unary, outer.stream), xai.WithInterceptors(inner.unary, nil)}
		if withConn {
			opts = append(opts, xai.WithGRPCConn(conn))
		} else {
			opts = append(opts, xai.WithEndpoint(srv.Target()), xai.WithDialOptions(srv.DialOptions()...))
		}
		client, err := xai.NewClient(opts...)
		if err != nil {
			t.Fatal(err)
		}
		srv.InjectFault(xaiv1.Chat_GetCompletion_FullMethodName, xaitest.Fault{Code: codes.Unavailable, Times: 2})
		chat := client.Chat.Create("grok-4").Append(xai.User("hi"))
		if _, err := chat.Sample(context.Background()); err != nil {
			t.Fatal(err)
		}
		streamAll(t, chat)
		client.Close()
		// Three attempts, one pass through each hook; the client's metadata
		// and default deadline are added inside them.
		want := []string{"outer in", "inner in", "inner out OK", "outer out OK", "outer stream"}
		if !slices.Equal(log, want) {
			t.Errorf("WithGRPCConn %t: hooks saw %q, want %q", withConn, log, want)
		}
	}
}

func TestWithInterceptorsBothNil(t *testing.T) {
	t.Parallel()
	_, err := xai.NewClient(xai.WithAPIKey("k"), xai.WithInterceptors(nil, nil))
	if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "WithInterceptors") {
		t.Errorf("err = %v, want InvalidArgument naming WithInterceptors", err)
	}
}

func TestTracingWithGRPCConn(t *testing.T) {
	t.Parallel()
	srv := xaitest.Start(t)
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	defer tp.Shutdown(context.Background())
	conn, err := grpc.NewClient(srv.Target(), srv.DialOptions()...)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	client, err := xai.NewClient(xai.WithGRPCConn(conn), xai.WithAPIKey(srv.APIKey()), xai.WithInsecure(),
		xaiotel.WithTracing(xaiotel.WithTracerProvider(tp), nil))
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	if _, err := client.Chat.Create("grok-3").Append(xai.User("hi")).Sample(context.Background()); err != nil {
		t.Fatal(err)
	}
	spans := exp.GetSpans()
	if len(spans) != 1 || spans[0].Name != "chat grok-3" {
		t.Fatalf("spans = %v", spans)
	}
}

// TestXaiDoesNotLinkOtelOrFakeDependencies checks that package xai, and so every program that
// does not import xaiotel, is built without OpenTelemetry, and without the
// modules only the fake server uses: the AIP-160 filter parser and the PDF
// reader (issue 16). The fake itself must link those, or the prefixes
// below would prove nothing.
func TestXaiDoesNotLinkOtelOrFakeDependencies(t *testing.T) {
	t.Parallel()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command:", err)
	}
	deps := func(pkg string) []string {
		out, err := exec.Command(goTool, "list", "-deps", pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list: %v\n%s", err, out)
		}
		return strings.Fields(string(out))
	}
	fakeOnly := []string{"go.einride.tech/aip/", "rsc.io/pdf"}
	fakeDeps := deps("github.com/gogrok/sdk/xai/xaitest")
	for _, prefix := range fakeOnly {
		if !slices.ContainsFunc(fakeDeps, func(d string) bool { return strings.HasPrefix(d, prefix) }) {
			t.Errorf("package xaitest does not depend on %s: update this test", prefix)
		}
	}
	for _, dep := range deps("github.com/gogrok/sdk/xai") {
		for _, prefix := range append(fakeOnly, "go.opentelemetry.io/") {
			if strings.HasPrefix(dep, prefix) {
				t.Errorf("package xai depends on %s", dep)
			}
		}
	}
}
