package xai

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"math"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
	"github.com/gogrok/sdk/xai/xaitest"
)

func TestUnaryRetries(t *testing.T) {
	t.Parallel()
	unavailable := xaitest.Fault{Code: codes.Unavailable, Message: "overloaded"}
	tests := []struct {
		name     string
		faults   []xaitest.Fault
		opts     []CallOption
		wantCode codes.Code
		wantReqs int
	}{
		{"unavailable twice then success", []xaitest.Fault{{Code: codes.Unavailable, Times: 2}}, nil, codes.OK, 3},
		{"unavailable more than the attempts", []xaitest.Fault{{Code: codes.Unavailable, Times: 9}}, nil, codes.Unavailable, 5},
		{"invalid argument not retried", []xaitest.Fault{{Code: codes.InvalidArgument, Message: "bad"}}, nil, codes.InvalidArgument, 1},
		{"internal not retried by default", []xaitest.Fault{{Code: codes.Internal}}, nil, codes.Internal, 1},
		{"resource exhausted not retried by default", []xaitest.Fault{{Code: codes.ResourceExhausted}}, nil, codes.ResourceExhausted, 1},
		{"WithoutRetry", []xaitest.Fault{unavailable}, []CallOption{WithoutRetry()}, codes.Unavailable, 1},
		{"WithCallRetry fewer attempts", []xaitest.Fault{{Code: codes.Unavailable, Times: 5}}, []CallOption{WithCallRetry(RetryPolicy{MaxAttempts: 2, InitialBackoff: time.Millisecond})}, codes.Unavailable, 2},
		{"WithCallRetry other codes", []xaitest.Fault{{Code: codes.ResourceExhausted, Times: 2}},
			[]CallOption{WithCallRetry(RetryPolicy{InitialBackoff: time.Millisecond, Codes: []codes.Code{codes.ResourceExhausted}})}, codes.OK, 3},
	}
	transports(t, func(t *testing.T, useBufconn bool) {
		srv, c := newFake(t, useBufconn)
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				srv.ResetRequests()
				for _, f := range tt.faults {
					srv.InjectFault(xaiv1.Chat_GetCompletion_FullMethodName, f)
				}
				resp, err := c.Chat.Create("grok-4").Append(User("hi")).Sample(context.Background(), tt.opts...)
				if tt.wantCode == codes.OK {
					if err != nil || resp.Content() == "" {
						t.Fatalf("Sample = %v, %v; want success", resp, err)
					}
				} else {
					checkErr(t, err, tt.wantCode)
				}
				if n := len(srv.Requests()); n != tt.wantReqs {
					t.Errorf("server got %d requests, want %d", n, tt.wantReqs)
				}
				// Leave no fault for the next case.
				for range 10 {
					if _, err := c.Chat.Create("grok-4").Append(User("drain")).Sample(context.Background(), WithoutRetry()); err == nil {
						break
					}
				}
			})
		}
		_, err := c.Chat.Create("grok-4").Append(User("hi")).Sample(context.Background(), WithCallRetry(RetryPolicy{Codes: []codes.Code{codes.OK}}))
		checkErr(t, err, codes.InvalidArgument, "WithCallRetry", "OK")
	})
}

// recordingRetryer replaces the retryer's waits with a record of them.
func recordingRetryer(c *Client) *[]time.Duration {
	var mu sync.Mutex
	var waits []time.Duration
	c.api.retry.sleep = func(ctx context.Context, d time.Duration) error {
		mu.Lock()
		waits = append(waits, d)
		mu.Unlock()
		return ctx.Err()
	}
	c.api.retry.jitter = func(d time.Duration) time.Duration { return d } // the upper bound
	return &waits
}

func TestBackoffSchedule(t *testing.T) {
	t.Parallel()
	srv := &scriptServer{unary: func(context.Context, int, *xaiv1.GetCompletionsRequest) (*xaiv1.GetChatCompletionResponse, error) {
		return nil, statusErr(codes.Unavailable, "down")
	}}
	c := startScript(t, srv, true, WithRetryPolicy(RetryPolicy{MaxAttempts: 7}))
	waits := recordingRetryer(c)
	_, err := c.Chat.Create("grok-4").Append(User("hi")).Sample(context.Background())
	checkErr(t, err, codes.Unavailable, "down")
	want := []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond, 800 * time.Millisecond, time.Second, time.Second}
	if len(*waits) != len(want) {
		t.Fatalf("waits = %v, want %v", *waits, want)
	}
	for i := range want {
		if (*waits)[i] != want[i] {
			t.Errorf("wait %d = %v, want %v", i, (*waits)[i], want[i])
		}
	}
	// Real jitter stays within the bound.
	for range 100 {
		if d := fullJitter(time.Second); d < 0 || d > time.Second {
			t.Fatalf("jitter %v out of [0, 1s]", d)
		}
	}
}

func TestPushback(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		pushback  string
		wantWaits []time.Duration
		wantReqs  int
	}{
		{"wait as told", "250", []time.Duration{250 * time.Millisecond}, 2},
		{"zero", "0", []time.Duration{0}, 2},
		{"negative means stop", "-1", nil, 1},
		{"malformed means stop", "soon", nil, 1},
	}
	for _, tt := range tests {
		for _, stream := range []bool{false, true} {
			name, method := tt.name+"/unary", "GetCompletion"
			if stream {
				name, method = tt.name+"/stream", "GetCompletionChunk"
			}
			t.Run(name, func(t *testing.T) {
				srv := &scriptServer{}
				srv.unary = func(ctx context.Context, n int, _ *xaiv1.GetCompletionsRequest) (*xaiv1.GetChatCompletionResponse, error) {
					if n == 1 {
						grpc.SetTrailer(ctx, metadata.Pairs(pushbackTrailer, tt.pushback))
						return nil, statusErr(codes.Unavailable, "busy")
					}
					return textResponse("r", "ok"), nil
				}
				srv.stream = func(n int, _ *xaiv1.GetCompletionsRequest, ss grpc.ServerStreamingServer[xaiv1.GetChatCompletionChunk]) error {
					if n == 1 {
						ss.SetTrailer(metadata.Pairs(pushbackTrailer, tt.pushback))
						return statusErr(codes.Unavailable, "busy")
					}
					return sendChunks(ss, "ok")
				}
				c := startScript(t, srv, true)
				waits := recordingRetryer(c)
				chat := c.Chat.Create("grok-4").Append(User("hi"))
				var err error
				if stream {
					var s *Stream
					if s, err = chat.Stream(context.Background()); err == nil {
						for _, err = range s.All() {
						}
						s.Close()
					}
				} else {
					_, err = chat.Sample(context.Background())
				}
				if tt.wantReqs == 2 && err != nil {
					t.Fatal(err)
				}
				if tt.wantReqs == 1 {
					checkErr(t, err, codes.Unavailable, "busy")
				}
				if n := srv.count(method); n != tt.wantReqs {
					t.Errorf("server got %d requests, want %d", n, tt.wantReqs)
				}
				if len(*waits) != len(tt.wantWaits) || (len(tt.wantWaits) > 0 && (*waits)[0] != tt.wantWaits[0]) {
					t.Errorf("waits = %v, want %v", *waits, tt.wantWaits)
				}
			})
		}
	}
}

func TestRetryStopsWithContext(t *testing.T) {
	t.Parallel()
	srv := &scriptServer{unary: func(context.Context, int, *xaiv1.GetCompletionsRequest) (*xaiv1.GetChatCompletionResponse, error) {
		return nil, statusErr(codes.Unavailable, "down")
	}}
	// A backoff of ten minutes, within the default deadline of 27: a wait
	// that ignored the context or the deadline would hang the test rather
	// than pass it, so no wall-clock bound is needed below.
	c := startScript(t, srv, true, WithRetryPolicy(RetryPolicy{InitialBackoff: 10 * time.Minute, MaxBackoff: 10 * time.Minute}))
	c.api.retry.jitter = func(d time.Duration) time.Duration { return d }
	chat := c.Chat.Create("grok-4").Append(User("hi"))

	t.Run("cancel during backoff", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(50*time.Millisecond, cancel)
		_, err := chat.Sample(ctx)
		checkErr(t, err, codes.Canceled, "while waiting to retry", "down")
	})
	t.Run("deadline before the next attempt", func(t *testing.T) {
		before := srv.count("GetCompletion")
		_, err := chat.Sample(context.Background(), WithCallTimeout(time.Second))
		// The wait would outlast the deadline: the server's error comes back
		// at once rather than DEADLINE_EXCEEDED later.
		checkErr(t, err, codes.Unavailable, "down")
		if n := srv.count("GetCompletion") - before; n != 1 {
			t.Errorf("%d attempts, want 1", n)
		}
	})
}

func TestRawStubsOnConn(t *testing.T) {
	t.Parallel()
	srv, c := newFake(t, true)
	srv.InjectFault(xaiv1.Chat_GetCompletion_FullMethodName, xaitest.Fault{Code: codes.Unavailable})
	raw := xaiv1.NewChatClient(c.Conn())
	resp, err := raw.GetCompletion(context.Background(), &xaiv1.GetCompletionsRequest{
		Model: "grok-4", Messages: []*xaiv1.Message{User("raw").Proto()},
	}, WithCallMetadata("x-raw", "yes"))
	if err != nil {
		t.Fatalf("raw stub: %v", err)
	}
	if resp.GetId() == "" {
		t.Error("empty response")
	}
	reqs := srv.Requests()
	if len(reqs) != 2 {
		t.Fatalf("server got %d requests, want 2 (one retry)", len(reqs))
	}
	if got := reqs[1].Metadata.Get("x-raw"); len(got) != 1 {
		t.Errorf("call option metadata not sent through the raw stub: %v", reqs[1].Metadata)
	}
}

func TestRetryPolicyResolve(t *testing.T) {
	t.Parallel()
	got, err := RetryPolicy{MaxAttempts: 3}.resolve("test")
	if err != nil {
		t.Fatal(err)
	}
	d := DefaultRetryPolicy()
	if got.MaxAttempts != 3 || got.InitialBackoff != d.InitialBackoff || got.MaxBackoff != d.MaxBackoff || got.Multiplier != d.Multiplier || len(got.Codes) != 1 {
		t.Errorf("resolve filled %+v", got)
	}
	got, err = RetryPolicy{InitialBackoff: 3 * time.Second}.resolve("test")
	if err != nil || got.MaxBackoff != 3*time.Second {
		t.Errorf("InitialBackoff above the default max: %+v, %v", got, err)
	}
	for _, bad := range []RetryPolicy{
		{MaxAttempts: -1}, {InitialBackoff: -1}, {Multiplier: 0.5},
		{Codes: []codes.Code{codes.Canceled}}, {Codes: []codes.Code{99}},
	} {
		if _, err := bad.resolve("test"); !IsInvalidArgument(err) {
			t.Errorf("%+v: err = %v, want InvalidArgument", bad, err)
		}
	}
}

// The bound before jitter stays within [0, MaxBackoff], even when
// InitialBackoff * Multiplier^n overflows a Duration or is +Inf.
func TestBackoffBound(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		p       RetryPolicy
		attempt int
		want    time.Duration
	}{
		{"first", RetryPolicy{MaxAttempts: 10, MaxBackoff: time.Second}, 1, 100 * time.Millisecond},
		{"growing", RetryPolicy{MaxAttempts: 10, MaxBackoff: time.Second}, 3, 400 * time.Millisecond},
		{"capped", RetryPolicy{MaxAttempts: 10, MaxBackoff: time.Second}, 5, time.Second},
		{"max duration cap", RetryPolicy{MaxAttempts: 40, InitialBackoff: time.Second, MaxBackoff: math.MaxInt64, Multiplier: 14}, 28, math.MaxInt64},
		{"just below max duration", RetryPolicy{MaxAttempts: 100, InitialBackoff: time.Second, MaxBackoff: math.MaxInt64, Multiplier: 2}, 33, 1 << 32 * time.Second},
		{"pow is +Inf", RetryPolicy{MaxAttempts: 1000, InitialBackoff: time.Nanosecond, MaxBackoff: time.Hour, Multiplier: 1e300}, 999, time.Hour},
	}
	r := &retryer{jitter: func(d time.Duration) time.Duration { return d }}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := tt.p.resolve("test")
			if err != nil {
				t.Fatal(err)
			}
			got, ok := r.backoff(context.Background(), p, tt.attempt, statusErr(codes.Unavailable, "x"), nil)
			if !ok || got != tt.want {
				t.Errorf("backoff = %v, %t; want %v, true", got, ok, tt.want)
			}
		})
	}
}

// invoke adds its trailer-capturing option once, not once per attempt, and
// still reads each attempt's own trailer.
func TestInvokeTrailerPerAttempt(t *testing.T) {
	t.Parallel()
	var waits []time.Duration
	r := &retryer{
		jitter: func(time.Duration) time.Duration { return 7 * time.Millisecond },
		sleep:  func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil },
	}
	callerOpts := []grpc.CallOption{grpc.WaitForReady(false)}
	attempts := 0
	invoker := func(_ context.Context, _ string, _, _ any, _ *grpc.ClientConn, opts ...grpc.CallOption) error {
		attempts++
		if len(opts) != len(callerOpts)+2 {
			t.Errorf("attempt %d got %d call options, want %d (the caller's, header and trailer)", attempts, len(opts), len(callerOpts)+2)
		}
		for _, o := range opts {
			if tr, ok := o.(grpc.TrailerCallOption); ok && attempts == 1 {
				*tr.TrailerAddr = metadata.Pairs(pushbackTrailer, "3")
			}
		}
		if attempts < 3 {
			return statusErr(codes.Unavailable, "down")
		}
		return nil
	}
	p := RetryPolicy{MaxAttempts: 5}
	p, _ = p.resolve("test")
	if err := r.invoke(context.Background(), p, "/s/m", nil, nil, nil, invoker, callerOpts); err != nil {
		t.Fatal(err)
	}
	// Attempt 1's pushback, then attempt 2 without a trailer: the jittered
	// backoff, not attempt 1's trailer again.
	if want := []time.Duration{3 * time.Millisecond, 7 * time.Millisecond}; !slices.Equal(waits, want) {
		t.Errorf("waits = %v, want %v", waits, want)
	}
	if len(callerOpts) != 1 || cap(callerOpts) != 1 {
		t.Errorf("the caller's options were changed: %v", callerOpts)
	}
}

// retryServiceConfig is the retry policy of the official Python SDK
// (src/xai_sdk/client.py, _DEFAULT_SERVICE_CONFIG_JSON: 5 attempts on
// UNAVAILABLE), with short backoffs, for grpc-go's own retry.
const retryServiceConfig = `{"methodConfig": [{"name": [{}], "retryPolicy": {
	"maxAttempts": 5, "initialBackoff": "0.001s", "maxBackoff": "0.005s",
	"backoffMultiplier": 2, "retryableStatusCodes": ["UNAVAILABLE"]}}]}`

// TestRetryMatchesGRPCRetry drives the same fake server through grpc-go's
// own retry (a connection with the service-config retryPolicy of the
// official Python SDK, which implements gRFC A6) and through the client,
// for every method whose repetition repeats work, and checks that the
// server sees the same number of invocations: a call that fails before
// response headers is retried; one that fails after the server sent them
// (having done the work) is committed and runs exactly once.
func TestRetryMatchesGRPCRetry(t *testing.T) {
	t.Parallel()
	srv, c := newFake(t, true)
	raw, err := grpc.NewClient(srv.Target(), append(srv.DialOptions(), grpc.WithDefaultServiceConfig(retryServiceConfig))...)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	ctx := context.Background()
	rawCtx := metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+srv.APIKey())
	chatReq := func() *xaiv1.GetCompletionsRequest {
		return c.Chat.Create("grok-4").Append(User("do the work once")).Request()
	}
	stored := func(t *testing.T) string {
		resp, err := c.Chat.Create("grok-4", WithStoreMessages(true)).Append(User("keep me")).Sample(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return resp.ID()
	}
	uploaded := func(t *testing.T) string {
		f, err := c.Files.Upload(ctx, "work.txt", strings.NewReader("some work"))
		if err != nil {
			t.Fatal(err)
		}
		return f.ID
	}
	drain := func(s interface {
		Recv() (*xaiv1.GetChatCompletionChunk, error)
	}) error {
		for {
			if _, err := s.Recv(); err != nil {
				if err == io.EOF {
					return nil
				}
				return err
			}
		}
	}
	methods := []struct {
		name, method string
		// prepare makes what the call needs and returns its argument.
		prepare func(t *testing.T) string
		raw     func(arg string) error
		sdk     func(arg string) error
	}{
		{"Chat.Sample", xaiv1.Chat_GetCompletion_FullMethodName, nil,
			func(string) error { _, err := xaiv1.NewChatClient(raw).GetCompletion(rawCtx, chatReq()); return err },
			func(string) error {
				_, err := c.Chat.Create("grok-4").Append(User("do the work once")).Sample(ctx)
				return err
			}},
		{"Chat.Stream", xaiv1.Chat_GetCompletionChunk_FullMethodName, nil,
			func(string) error {
				s, err := xaiv1.NewChatClient(raw).GetCompletionChunk(rawCtx, chatReq())
				if err != nil {
					return err
				}
				return drain(s)
			},
			func(string) error {
				s, err := c.Chat.Create("grok-4").Append(User("do the work once")).Stream(ctx)
				if err != nil {
					return err
				}
				defer s.Close()
				for _, err := range s.All() {
					if err != nil {
						return err
					}
				}
				return nil
			}},
		{"Chat.StartDeferred", xaiv1.Chat_StartDeferredCompletion_FullMethodName, nil,
			func(string) error {
				_, err := xaiv1.NewChatClient(raw).StartDeferredCompletion(rawCtx, chatReq())
				return err
			},
			func(string) error {
				_, err := c.Chat.Create("grok-4").Append(User("do the work once")).StartDeferred(ctx)
				return err
			}},
		{"Chat.DeleteStoredCompletion", xaiv1.Chat_DeleteStoredCompletion_FullMethodName, stored,
			func(id string) error {
				_, err := xaiv1.NewChatClient(raw).DeleteStoredCompletion(rawCtx, &xaiv1.DeleteStoredCompletionRequest{ResponseId: id})
				return err
			},
			func(id string) error { _, err := c.Chat.DeleteStoredCompletion(ctx, id); return err }},
		{"Batch.Create", xaiv1.BatchMgmt_CreateBatch_FullMethodName, nil,
			func(string) error {
				_, err := xaiv1.NewBatchMgmtClient(raw).CreateBatch(rawCtx, &xaiv1.CreateBatchRequest{Name: "once"})
				return err
			},
			func(string) error { _, err := c.Batch.Create(ctx, "once"); return err }},
		{"Files.Delete", xaiv1.Files_DeleteFile_FullMethodName, uploaded,
			func(id string) error {
				_, err := xaiv1.NewFilesClient(raw).DeleteFile(rawCtx, &xaiv1.DeleteFileRequest{FileId: id})
				return err
			},
			func(id string) error { return c.Files.Delete(ctx, id) }},
	}
	faults := []struct {
		name     string
		fault    xaitest.Fault
		wantCode codes.Code
		want     int // invocations, from gRFC A6
	}{
		{"fails before headers", xaitest.Fault{Code: codes.Unavailable, Times: 2}, codes.OK, 3},
		{"fails after headers", xaitest.Fault{Code: codes.Unavailable, AfterHeaders: true}, codes.Unavailable, 1},
	}
	for _, m := range methods {
		for _, f := range faults {
			t.Run(m.name+"/"+f.name, func(t *testing.T) {
				var counts [2]int
				for i, call := range []func(string) error{m.raw, m.sdk} {
					var arg string
					if m.prepare != nil {
						arg = m.prepare(t)
					}
					srv.ResetRequests()
					srv.InjectFault(m.method, f.fault)
					err := call(arg)
					if status.Code(err) != f.wantCode {
						t.Errorf("%s call: %v, want %v", [2]string{"grpc-go", "client"}[i], err, f.wantCode)
					}
					for _, r := range srv.Requests() {
						if r.FullMethod == m.method {
							counts[i]++
						}
					}
				}
				if counts[0] != f.want || counts[1] != counts[0] {
					t.Errorf("invocations: grpc-go's retry %d, the client %d; want %d for both", counts[0], counts[1], f.want)
				}
			})
		}
	}
}

// A stream that cannot be opened (no server, or a request over the size
// limit) reports it on its first read, where gRPC reports a failed stream:
// the logging (and tracing) around the call see it end there.
func TestStreamOpenFailureEndsTheCall(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := lis.Addr().String()
	lis.Close() // nothing listens there
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, err := NewClient(WithAPIKey(testKey), WithoutEnv(), WithEndpoint(addr), WithInsecure(), WithLogger(logger),
		WithRetryPolicy(RetryPolicy{MaxAttempts: 2, InitialBackoff: time.Millisecond}), WithMaxMessageSize(1024))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, tt := range []struct {
		text string
		code codes.Code
	}{
		{"hi", codes.Unavailable},
		{strings.Repeat("x", 2048), codes.InvalidArgument},
	} {
		logs.Reset()
		s, err := c.Chat.Create("grok-4").Append(User(tt.text)).Stream(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, err = range s.All() {
		}
		s.Close()
		checkErr(t, err, tt.code)
		if out := logs.String(); !strings.Contains(out, "finished call") || !strings.Contains(out, "grpc.code="+tt.code.String()) {
			t.Errorf("%v: the log does not show the call's end:\n%s", tt.code, out)
		}
	}
}

// xaitest.Fault carries status details and trailers, so that code can be
// tested against a server that pushes back (gRFC A6's
// grpc-retry-pushback-ms: a negative value means "do not retry") and sends
// a RetryInfo.
func TestFakeFaultDetailsAndPushback(t *testing.T) {
	t.Parallel()
	srv, c := newFake(t, true)
	srv.InjectFault(xaiv1.Chat_GetCompletion_FullMethodName, xaitest.Fault{
		Code: codes.Unavailable, Message: "overloaded", Times: 3,
		Details: []proto.Message{&errdetails.RetryInfo{RetryDelay: durationpb.New(2 * time.Second)}},
		Trailer: metadata.Pairs("grpc-retry-pushback-ms", "-1"),
	})
	var trailer metadata.MD
	_, err := c.Chat.Create("grok-4").Append(User("hi")).Sample(context.Background(), CaptureTrailer(&trailer))
	var xerr *Error
	if !errors.As(err, &xerr) || xerr.Code != codes.Unavailable {
		t.Fatalf("err = %v, want UNAVAILABLE", err)
	}
	if n := len(sentOf(srv, xaiv1.Chat_GetCompletion_FullMethodName)); n != 1 {
		t.Errorf("%d attempts, want 1: the pushback said not to retry", n)
	}
	var info *errdetails.RetryInfo
	for _, d := range xerr.Details {
		if ri, ok := d.(*errdetails.RetryInfo); ok {
			info = ri
		}
	}
	if info == nil || info.GetRetryDelay().AsDuration() != 2*time.Second {
		t.Errorf("details %v, want the RetryInfo of 2s", xerr.Details)
	}
	if got := trailer.Get("grpc-retry-pushback-ms"); len(got) != 1 || got[0] != "-1" {
		t.Errorf("trailer %v, want the pushback", trailer)
	}
}
