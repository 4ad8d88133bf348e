package xai

// Test helpers shared by the tests of package xai: fakes (xaitest, and the
// hand-scripted scriptServer), assertions on errors, readers of streams,
// iterators and the fake's request log, and builders of test data.

import (
	"context"
	"encoding/base64"
	"errors"
	"iter"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"
	"google.golang.org/protobuf/proto"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
	"github.com/gogrok/sdk/xai/xaitest"
)

// fastRetry keeps retry tests quick.
var fastRetry = RetryPolicy{InitialBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond}

// testKey is the API key of the tests. Tests assert that it never shows in
// logs, errors or formatted values, so it must not be logged by the tests
// either.
const testKey = "xai-SECRET-test-key-4f9a2c"

// mgmtKey is the management key of the tests; like testKey it must never
// show in errors or logs.
const mgmtKey = "xai-SECRET-mgmt-key-81b3e0"

// newFake starts an xaitest server accepting testKey, over loopback TCP or
// bufconn, and a client for it. Both are closed when the test ends.
func newFake(t *testing.T, useBufconn bool, opts ...Option) (*xaitest.Server, *Client) {
	t.Helper()
	return startFake(t, false, transportOpts(useBufconn), opts...)
}

// newLeakCheckedFake is newFake after one warm-up call, with a leak check
// when the test ends: every goroutine started after it (streams, watches of
// contexts) must be gone by then, while the client is still open.
func newLeakCheckedFake(t *testing.T, useBufconn bool, opts ...Option) (*xaitest.Server, *Client) {
	t.Helper()
	srv, c := newFake(t, useBufconn, opts...)
	warm(t, c)
	before := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, before) })
	return srv, c
}

// newRAGFake starts an xaitest server that splits API and management keys,
// and a client with both keys whose management endpoint is the fake.
func newRAGFake(t *testing.T, useBufconn bool, opts ...Option) (*xaitest.Server, *Client) {
	t.Helper()
	return startFake(t, true, transportOpts(useBufconn), opts...)
}

// newRAGFakeWith is newRAGFake with more options for the server.
func newRAGFakeWith(t *testing.T, srvOpts []xaitest.Option, opts ...Option) (*xaitest.Server, *Client) {
	t.Helper()
	return startFake(t, true, srvOpts, opts...)
}

// transportOpts returns the server options for bufconn or loopback TCP.
func transportOpts(useBufconn bool) []xaitest.Option {
	if useBufconn {
		return []xaitest.Option{xaitest.WithBufconn()}
	}
	return nil
}

// startFake starts an xaitest server accepting testKey (and mgmtKey on
// the management service when mgmt is set) and a client for it with
// opts after the defaults. Both are closed when the test ends.
func startFake(t *testing.T, mgmt bool, srvOpts []xaitest.Option, opts ...Option) (*xaitest.Server, *Client) {
	t.Helper()
	keys := []xaitest.Option{xaitest.WithAPIKeys(testKey)}
	base := []Option{WithAPIKey(testKey), WithoutEnv(), WithInsecure(), WithRetryPolicy(fastRetry)}
	if mgmt {
		keys = append(keys, xaitest.WithManagementKeys(mgmtKey))
		base = append(base, WithManagementKey(mgmtKey))
	}
	srv := xaitest.Start(t, append(keys, srvOpts...)...)
	base = append(base, WithEndpoint(srv.Target()), WithDialOptions(srv.DialOptions()...))
	if mgmt {
		base = append(base, WithManagementEndpoint(srv.Target()))
	}
	c, err := NewClient(append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return srv, c
}

// setEnv sets the key variables of env and unsets the others for the test.
func setEnv(t *testing.T, env map[string]string) {
	t.Helper()
	for _, k := range []string{APIKeyEnv, ManagementKeyEnv} {
		t.Setenv(k, "") // registers restoration
		if v, ok := env[k]; ok {
			t.Setenv(k, v)
		} else if err := os.Unsetenv(k); err != nil {
			t.Fatal(err)
		}
	}
}

// checkErr is the one assertion on errors of this package's tests: err
// must be an *Error with code (for errors.As and status.Code alike) whose
// message contains every one of parts and never the test key.
func checkErr(t *testing.T, err error, code codes.Code, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %v containing %q", code, parts)
	}
	var xerr *Error
	if !errors.As(err, &xerr) {
		t.Fatalf("error %v (%T) is not an *xai.Error", err, err)
	}
	if xerr.Code != code || status.Code(err) != code {
		t.Errorf("code = %v (status.Code %v), want %v; error: %v", xerr.Code, status.Code(err), code, err)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("error %q does not mention %q", err, p)
		}
	}
	assertNoKey(t, "error", err.Error())
}

// wantInvalid is checkErr for code InvalidArgument.
func wantInvalid(t *testing.T, err error, parts ...string) {
	t.Helper()
	checkErr(t, err, codes.InvalidArgument, parts...)
}

// errCase is the error of one call that must fail before the network, and
// what its message must mention.
type errCase struct {
	name string
	err  error
	msg  []string
}

// checkInvalidCalls checks, one subtest per case, that each call failed
// with INVALID_ARGUMENT naming its msg, and then that none reached srv.
func checkInvalidCalls(t *testing.T, srv *xaitest.Server, cases []errCase) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) { wantInvalid(t, tt.err, tt.msg...) })
	}
	checkNoneSent(t, srv)
}

// checkNoneSent fails if srv received any request: the calls of the test
// were all to fail before the network.
func checkNoneSent(t *testing.T, srv *xaitest.Server) {
	t.Helper()
	if reqs := srv.Requests(); len(reqs) != 0 {
		t.Errorf("the server received %d requests, want none; first: %s", len(reqs), reqs[0].FullMethod)
	}
}

// maxErrorLen bounds error messages: they must never quote a whole data URL.
const maxErrorLen = 600

// checkFuzzError is wantInvalid for fuzz targets, which also bound the
// length of the message.
func checkFuzzError(t *testing.T, err error, parts ...string) {
	t.Helper()
	wantInvalid(t, err, parts...)
	if len(err.Error()) > maxErrorLen {
		t.Fatalf("error message is %d bytes long: %.200s...", len(err.Error()), err)
	}
}

// assertNoKey fails if s, described by what, holds a test key.
func assertNoKey(t *testing.T, what, s string) {
	t.Helper()
	if strings.Contains(s, testKey) || strings.Contains(s, "SECRET") {
		t.Errorf("%s contains the API key", what)
	}
}

// codeOf returns the code of an *Error, or OK for nil.
func codeOf(err error) codes.Code {
	var xerr *Error
	if errors.As(err, &xerr) {
		return xerr.Code
	}
	if err == nil {
		return codes.OK
	}
	return codes.Unknown
}

// ptr returns a pointer to a copy of v, for optional proto fields.
func ptr[T any](v T) *T { return &v }

// drainSeq collects an iterator, stopping at its first error.
func drainSeq[T any](seq iter.Seq2[T, error]) ([]T, error) {
	var out []T
	for v, err := range seq {
		if err != nil {
			return out, err
		}
		out = append(out, v)
	}
	return out, nil
}

// firstErr returns the first error of a sequence.
func firstErr[T any](seq func(func(T, error) bool)) error {
	var first error
	for _, err := range seq {
		if err != nil {
			first = err
			break
		}
	}
	return first
}

// sentOf returns the messages of the calls of one method the fake
// received.
func sentOf(srv *xaitest.Server, fullMethod string) []proto.Message {
	var out []proto.Message
	for _, r := range srv.Requests() {
		if r.FullMethod == fullMethod {
			out = append(out, r.Message)
		}
	}
	return out
}

// streamText opens chat's stream and reads it to its end, failing the test
// on any error; it returns the stream and the joined content of its chunks.
func streamText(t *testing.T, chat *Chat) (*Stream, string) {
	t.Helper()
	s, err := chat.Stream(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	texts, err := drain(s)
	if err != nil {
		t.Fatal(err)
	}
	return s, strings.Join(texts, "")
}

// actAfter reads seq up to its first error, calling act once after the
// n-th element, and returns the count of elements read and that error: nil
// if seq ended cleanly.
func actAfter[T any](seq iter.Seq2[T, error], n int, act func()) (read int, err error) {
	for _, err := range seq {
		if err != nil {
			return read, err
		}
		if read++; read == n {
			act()
		}
	}
	return read, nil
}

// drain reads a stream to its end and returns the chunk texts and the
// error, if any.
func drain(s *Stream) ([]string, error) { return drainSeq(seqTexts(s.All(), Chunk.Content)) }

// drainSample reads a sample stream to its end and returns the chunk texts
// of choice 0 and the error, if any.
func drainSample(s *SampleStream) ([]string, error) {
	return drainSeq(seqTexts(s.All(), CompletionChunk.Text))
}

// seqTexts maps the elements of seq to their text.
func seqTexts[T any](seq iter.Seq2[T, error], text func(T) string) iter.Seq2[string, error] {
	return func(yield func(string, error) bool) {
		for v, err := range seq {
			var s string
			if err == nil {
				s = text(v)
			}
			if !yield(s, err) {
				return
			}
		}
	}
}

// checkSaveRestore fails unless chat can be saved with MarshalJSON and
// restored by svc with its request unchanged.
func checkSaveRestore(t *testing.T, svc *ChatService, chat *Chat) {
	t.Helper()
	data, err := chat.MarshalJSON()
	if err != nil {
		t.Fatalf("MarshalJSON: %v", err)
	}
	back, err := svc.Restore(data)
	if err != nil {
		t.Fatalf("Restore of %s: %v", data, err)
	}
	if !proto.Equal(back.Request(), chat.Request()) {
		t.Fatalf("save and restore changed the request:\n%v\nwant\n%v", back.Request(), chat.Request())
	}
}

// transports runs f once over loopback TCP and once over bufconn.
func transports(t *testing.T, f func(t *testing.T, useBufconn bool)) {
	t.Run("loopback", func(t *testing.T) { f(t, false) })
	t.Run("bufconn", func(t *testing.T) { f(t, true) })
}

// statusErr is a gRPC status error, as a server handler returns.
func statusErr(c codes.Code, msg string) error { return status.Error(c, msg) }

// warm makes one call so that the connection's goroutines exist before a
// leak check takes its snapshot.
func warm(t *testing.T, c *Client) {
	t.Helper()
	if _, err := c.Chat.Create("grok-4").Append(User("warm up")).Sample(context.Background()); err != nil {
		t.Fatalf("warm-up call: %v", err)
	}
}

// startStubClient serves the services register adds on bufconn and returns a
// client for them; for answers the fake never gives.
func startStubClient(t *testing.T, register func(*grpc.Server)) *Client {
	t.Helper()
	gs := grpc.NewServer()
	register(gs)
	lis := bufconn.Listen(1 << 20)
	go gs.Serve(lis)
	c, err := NewClient(WithEndpoint("passthrough:///bufnet"), WithDialOptions(grpc.WithContextDialer(
		func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) })),
		WithAPIKey(testKey), WithInsecure(), WithoutEnv())
	if err != nil {
		gs.Stop()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c.Close()
		gs.Stop()
	})
	return c
}

// fakePNG returns n bytes starting with the PNG signature.
func fakePNG(n int) []byte {
	b := make([]byte, max(n, len(pngMagic)))
	copy(b, pngMagic)
	return b
}

// fakeJPEG returns n bytes starting with the JPEG signature.
func fakeJPEG(n int) []byte {
	b := make([]byte, max(n, len(jpegMagic)))
	copy(b, jpegMagic)
	return b
}

// b64 is standard base64.
func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// textContent is a text content part.
func textContent(s string) *xaiv1.Content {
	return &xaiv1.Content{Content: &xaiv1.Content_Text{Text: s}}
}

// toolCall is a tool call of the given type with a function name and
// arguments.
func toolCall(id, name, args string, typ xaiv1.ToolCallType) *xaiv1.ToolCall {
	return &xaiv1.ToolCall{Id: id, Type: typ, Tool: &xaiv1.ToolCall_Function{Function: &xaiv1.FunctionCall{Name: name, Arguments: args}}}
}

// methods returns the methods of the requests the fake received.
func methods(srv *xaitest.Server) []string {
	var out []string
	for _, r := range srv.Requests() {
		out = append(out, r.FullMethod)
	}
	return out
}

// upload stores a text file through the client.
func upload(t *testing.T, c *Client, name, content string) string {
	t.Helper()
	f, err := c.Files.Upload(context.Background(), name, strings.NewReader(content))
	if err != nil {
		t.Fatal(err)
	}
	return f.ID
}

// msg is a message of role with parts.
func msg(role xaiv1.MessageRole, parts ...*xaiv1.Content) *xaiv1.Message {
	return &xaiv1.Message{Role: role, Content: parts}
}

// imageContent is an image content part.
func imageContent(img *xaiv1.ImageUrlContent) *xaiv1.Content {
	return &xaiv1.Content{Content: &xaiv1.Content_ImageUrl{ImageUrl: img}}
}

// imageURLContent is an image content part for a URL.
func imageURLContent(u string, d xaiv1.ImageDetail) *xaiv1.Content {
	return imageContent(&xaiv1.ImageUrlContent{Source: &xaiv1.ImageUrlContent_ImageUrl{ImageUrl: u}, Detail: d})
}

// fileContent is a file content part.
func fileContent(f *xaiv1.FileContent) *xaiv1.Content {
	return &xaiv1.Content{Content: &xaiv1.Content_File{File: f}}
}

// gifBytes begin like a GIF image, a format the client refuses.
var gifBytes = []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;")

// testPNGURL is the URL of an image.
const testPNGURL = "https://example.com/cat.png"

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

// textsOf collects text of each element of seq, stopping at its first
// error.
func textsOf[T any](seq iter.Seq2[T, error], text func(T) string) ([]string, error) {
	var texts []string
	for v, err := range seq {
		if err != nil {
			return texts, err
		}
		texts = append(texts, text(v))
	}
	return texts, nil
}
