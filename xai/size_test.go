package xai

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
	"github.com/gogrok/sdk/xai/xaitest"
)

// A request over the send limit is refused before anything is sent, as
// INVALID_ARGUMENT that says what to do, even with a policy that retries
// RESOURCE_EXHAUSTED; a reply over the receive limit is not rate limiting
// and is not retried (the server did the work).
func TestMaxMessageSize(t *testing.T) {
	t.Parallel()
	var attempts atomic.Int32 // calls that reached the connection, per attempt
	countUnary := func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		attempts.Add(1)
		return invoker(ctx, method, req, reply, cc, opts...)
	}
	countStream := func(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
		attempts.Add(1)
		return streamer(ctx, desc, cc, method, opts...)
	}
	retryAll := WithRetryPolicy(RetryPolicy{InitialBackoff: time.Millisecond, Codes: []codes.Code{codes.Unavailable, codes.ResourceExhausted}})
	srv, c := newFake(t, true, WithMaxMessageSize(1024), retryAll,
		WithDialOptions(grpc.WithChainUnaryInterceptor(countUnary), grpc.WithChainStreamInterceptor(countStream)))
	ctx := context.Background()
	big := c.Chat.Create("grok-4").Append(User(strings.Repeat("x", 2048)))

	t.Run("request over the send limit", func(t *testing.T) {
		_, err := big.Sample(ctx)
		checkErr(t, err, codes.InvalidArgument, "2067 bytes", "limit of 1024 bytes", "nothing was sent", "images", "Files API", "WithMaxMessageSize")
		if IsRateLimited(err) {
			t.Error("IsRateLimited is true for a request over the send limit")
		}
		// A stream reports it when read, as it reports any failure to open.
		s, err := big.Stream(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, err = range s.All() {
		}
		s.Close()
		checkErr(t, err, codes.InvalidArgument, "2067 bytes", "limit of 1024 bytes", "WithMaxMessageSize")
		if n := attempts.Load(); n != 0 {
			t.Errorf("%d attempts reached the connection, want none", n)
		}
		if len(srv.Requests()) != 0 {
			t.Error("an oversized request reached the server")
		}
	})

	reply := strings.Repeat("z", 4096)
	t.Run("unary reply over the receive limit", func(t *testing.T) {
		srv.ResetRequests()
		srv.EnqueueReply(xaitest.Reply{Content: reply})
		_, err := c.Chat.Create("grok-4").Append(User("small")).Sample(ctx)
		checkErr(t, err, codes.ResourceExhausted, "receive limit of 1024 bytes", "not retried", "WithMaxMessageSize")
		if IsRateLimited(err) {
			t.Error("IsRateLimited is true for a reply over the receive limit")
		}
		if n := len(srv.Requests()); n != 1 {
			t.Errorf("the server ran the call %d times, want 1", n)
		}
	})
	t.Run("streamed reply over the receive limit", func(t *testing.T) {
		srv.ResetRequests()
		srv.EnqueueReply(xaitest.Reply{Chunks: []string{reply}})
		s, err := c.Chat.Create("grok-4").Append(User("small")).Stream(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		for _, err = range s.All() {
		}
		checkErr(t, err, codes.ResourceExhausted, "receive limit of 1024 bytes", "WithMaxMessageSize")
		if IsRateLimited(err) {
			t.Error("IsRateLimited is true for a reply over the receive limit")
		}
		if n := len(srv.Requests()); n != 1 {
			t.Errorf("the server ran the call %d times, want 1", n)
		}
	})
	t.Run("rate limited by the server", func(t *testing.T) {
		srv.InjectFault(xaiv1.Chat_GetCompletion_FullMethodName, xaitest.Fault{Code: codes.ResourceExhausted, Message: "slow down"})
		_, err := c.Chat.Create("grok-4").Append(User("small")).Sample(ctx, WithoutRetry())
		if !IsRateLimited(err) {
			t.Errorf("IsRateLimited is false for RESOURCE_EXHAUSTED from the server: %v", err)
		}
	})
}

// The send limit also holds on a caller's connection (gRPC's own check,
// whose error the client explains), and is not retried.
func TestMaxMessageSizeOwnConn(t *testing.T) {
	t.Parallel()
	srv, _ := newFake(t, true)
	conn, err := grpc.NewClient(srv.Target(), append(srv.DialOptions(), grpc.WithDefaultCallOptions(grpc.MaxCallSendMsgSize(1024)))...)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	c, err := NewClient(WithGRPCConn(conn), WithInsecure(), WithAPIKey(srv.APIKey()), WithoutEnv(),
		WithRetryPolicy(RetryPolicy{InitialBackoff: time.Millisecond, Codes: []codes.Code{codes.ResourceExhausted}}))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, err = c.Chat.Create("grok-4").Append(User(strings.Repeat("x", 2048))).Sample(context.Background())
	checkErr(t, err, codes.InvalidArgument, "limit of 1024 bytes", "WithMaxMessageSize")
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("the server saw %d requests, want none", n)
	}
}
