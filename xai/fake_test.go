package xai

import (
	"context"
	"net"
	"sync"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/test/bufconn"
	"google.golang.org/protobuf/proto"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
)

// testKey is the API key of the tests. Tests assert that it never shows in
// logs, errors or formatted values, so it must not be logged by the tests
// either.
const testKey = "xai-SECRET-test-key-4f9a2c"

// scriptServer is a tiny Chat server whose answers each test scripts per
// attempt. The Chat integration tests use xaitest; this one exists for what
// a fake need not offer: exact per-attempt failures, push-back trailers and
// hand-made chunks.
type scriptServer struct {
	xaiv1.UnimplementedChatServer

	// unary answers GetCompletion; n counts attempts from 1.
	unary func(ctx context.Context, n int, req *xaiv1.GetCompletionsRequest) (*xaiv1.GetChatCompletionResponse, error)
	// stream answers GetCompletionChunk.
	stream func(n int, req *xaiv1.GetCompletionsRequest, srv grpc.ServerStreamingServer[xaiv1.GetChatCompletionChunk]) error
	// deferred answers GetDeferredCompletion.
	deferred func(n int, id string) (*xaiv1.GetDeferredCompletionResponse, error)

	mu    sync.Mutex
	calls []scriptCall
}

type scriptCall struct {
	method string
	md     metadata.MD
	req    proto.Message
}

func (s *scriptServer) record(ctx context.Context, method string, req proto.Message) int {
	md, _ := metadata.FromIncomingContext(ctx)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, scriptCall{method: method, md: md.Copy(), req: proto.Clone(req)})
	n := 0
	for _, c := range s.calls {
		if c.method == method {
			n++
		}
	}
	return n
}

func (s *scriptServer) count(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.calls {
		if c.method == method {
			n++
		}
	}
	return n
}

func (s *scriptServer) lastCall() scriptCall {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.calls) == 0 {
		return scriptCall{}
	}
	return s.calls[len(s.calls)-1]
}

func (s *scriptServer) GetCompletion(ctx context.Context, req *xaiv1.GetCompletionsRequest) (*xaiv1.GetChatCompletionResponse, error) {
	n := s.record(ctx, "GetCompletion", req)
	if s.unary == nil {
		return textResponse("resp-1", "hello"), nil
	}
	return s.unary(ctx, n, req)
}

func (s *scriptServer) GetCompletionChunk(req *xaiv1.GetCompletionsRequest, srv grpc.ServerStreamingServer[xaiv1.GetChatCompletionChunk]) error {
	n := s.record(srv.Context(), "GetCompletionChunk", req)
	if s.stream == nil {
		return sendChunks(srv, "a", "b", "c")
	}
	return s.stream(n, req, srv)
}

func (s *scriptServer) StartDeferredCompletion(ctx context.Context, req *xaiv1.GetCompletionsRequest) (*xaiv1.StartDeferredResponse, error) {
	s.record(ctx, "StartDeferredCompletion", req)
	return &xaiv1.StartDeferredResponse{RequestId: "req-1"}, nil
}

func (s *scriptServer) GetDeferredCompletion(ctx context.Context, req *xaiv1.GetDeferredRequest) (*xaiv1.GetDeferredCompletionResponse, error) {
	n := s.record(ctx, "GetDeferredCompletion", req)
	return s.deferred(n, req.GetRequestId())
}

func textResponse(id, text string) *xaiv1.GetChatCompletionResponse {
	return &xaiv1.GetChatCompletionResponse{Id: id, Outputs: []*xaiv1.CompletionOutput{{
		FinishReason: xaiv1.FinishReason_REASON_STOP,
		Message:      &xaiv1.CompletionMessage{Role: xaiv1.MessageRole_ROLE_ASSISTANT, Content: text},
	}}}
}

// sendChunks streams one chunk per text delta.
func sendChunks(srv grpc.ServerStreamingServer[xaiv1.GetChatCompletionChunk], deltas ...string) error {
	for _, d := range deltas {
		if err := srv.Send(&xaiv1.GetChatCompletionChunk{Id: "resp-s", Outputs: []*xaiv1.CompletionOutputChunk{{Delta: &xaiv1.Delta{Content: d}}}}); err != nil {
			return err
		}
	}
	return nil
}

// startScript serves s on loopback TCP, or in memory with useBufconn, and
// returns a client for it. Both are closed when the test ends.
func startScript(t *testing.T, s *scriptServer, useBufconn bool, opts ...Option) *Client {
	t.Helper()
	gs := grpc.NewServer()
	xaiv1.RegisterChatServer(gs, s)
	var base []Option
	if useBufconn {
		lis := bufconn.Listen(1 << 20)
		go gs.Serve(lis)
		base = []Option{WithEndpoint("passthrough:///bufnet"), WithDialOptions(grpc.WithContextDialer(
			func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }))}
	} else {
		lis, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		go gs.Serve(lis)
		base = []Option{WithEndpoint(lis.Addr().String())}
	}
	base = append(base, WithAPIKey(testKey), WithInsecure(), WithoutEnv())
	c, err := NewClient(append(base, opts...)...)
	if err != nil {
		gs.Stop()
		t.Fatalf("NewClient: %v", err)
	}
	t.Cleanup(func() {
		c.Close()
		gs.Stop()
	})
	return c
}
