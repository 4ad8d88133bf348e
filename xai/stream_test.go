package xai

import (
	"context"
	"errors"
	"iter"
	"runtime"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
	"github.com/gogrok/sdk/xai/xaitest"
)

func TestStreamWhole(t *testing.T) {
	transports(t, func(t *testing.T, useBufconn bool) {
		srv, c := newLeakCheckedFake(t, useBufconn)
		ctx := context.Background()
		chat := c.Chat.Create("grok-4", WithSeed(1)).Append(User("stream me"))
		want, err := chat.Sample(ctx)
		if err != nil {
			t.Fatal(err)
		}
		s, err := chat.Stream(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var content, reasoning strings.Builder
		var last Chunk
		n := 0
		for chunk, err := range s.All() {
			if err != nil {
				t.Fatal(err)
			}
			n++
			content.WriteString(chunk.Content())
			reasoning.WriteString(chunk.ReasoningContent())
			last = chunk
		}
		if n < 3 {
			t.Errorf("got %d chunks, want several", n)
		}
		got := s.Response()
		if content.String() != want.Content() || got.Content() != want.Content() {
			t.Errorf("streamed %q, accumulated %q, sampled %q", content.String(), got.Content(), want.Content())
		}
		if got.ReasoningContent() != reasoning.String() || got.ReasoningContent() == "" {
			t.Errorf("accumulated reasoning %q, chunks gave %q", got.ReasoningContent(), reasoning.String())
		}
		if got.Role() != xaiv1.MessageRole_ROLE_ASSISTANT || got.FinishReason() != xaiv1.FinishReason_REASON_STOP {
			t.Errorf("role %v, finish %v", got.Role(), got.FinishReason())
		}
		if last.FinishReason() != xaiv1.FinishReason_REASON_STOP || last.Usage() == nil {
			t.Errorf("last chunk: finish %v, usage %v", last.FinishReason(), last.Usage())
		}
		if got.Usage().GetCompletionTokens() == 0 || got.ID() == "" || got.Model() == "" {
			t.Errorf("accumulated usage %v, id %q, model %q", got.Usage(), got.ID(), got.Model())
		}
		if s.Err() != nil {
			t.Errorf("Err() = %v after a clean end", s.Err())
		}
		// Once ended, All yields nothing more.
		for range s.All() {
			t.Error("All yielded after the end")
		}
		if len(srv.Requests()) != 3 {
			t.Errorf("server got %d requests, want 3", len(srv.Requests()))
		}
	})
}

func TestStreamAccumulatesChoicesAndToolCalls(t *testing.T) {
	t.Parallel()
	srv, c := newFake(t, true)
	ctx := context.Background()
	chat := c.Chat.Create("grok-4", WithN(2), WithSeed(3)).Append(User("two answers"))
	want, err := chat.Sample(ctx)
	if err != nil {
		t.Fatal(err)
	}
	s, _ := streamText(t, chat)
	got := s.Response().Proto()
	if len(got.Outputs) != 2 {
		t.Fatalf("accumulated %d outputs, want 2", len(got.Outputs))
	}
	for i, o := range got.Outputs {
		w := want.Proto().Outputs[i]
		if o.Index != int32(i) || o.Message.Content != w.Message.Content || o.FinishReason != w.FinishReason {
			t.Errorf("output %d = %d %q %v, want %q %v", i, o.Index, o.Message.Content, o.FinishReason, w.Message.Content, w.FinishReason)
		}
	}

	call := &xaiv1.ToolCall{Id: "call-1", Type: xaiv1.ToolCallType_TOOL_CALL_TYPE_CLIENT_SIDE_TOOL,
		Tool: &xaiv1.ToolCall_Function{Function: &xaiv1.FunctionCall{Name: "get_weather", Arguments: `{"city":"Paris"}`}}}
	srv.EnqueueReply(xaitest.Reply{ToolCalls: []*xaiv1.ToolCall{call}})
	s, err = c.Chat.Create("grok-4", WithTools(FunctionTool("get_weather", "w", `{"type":"object","properties":{"city":{"type":"string"}}}`))).
		Append(User("weather?")).Stream(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var fromChunks []ToolCall
	for chunk, err := range s.All() {
		if err != nil {
			t.Fatal(err)
		}
		fromChunks = append(fromChunks, chunk.ToolCalls()...)
	}
	calls := s.Response().ToolCalls()
	if len(calls) != 1 || len(fromChunks) != 1 || calls[0].Name() != "get_weather" || calls[0].ID() != "call-1" {
		t.Fatalf("tool calls: accumulated %v, from chunks %v", calls, fromChunks)
	}
	if s.Response().FinishReason() != xaiv1.FinishReason_REASON_TOOL_CALLS {
		t.Errorf("finish reason %v", s.Response().FinishReason())
	}
}

func TestStreamEarlyBreak(t *testing.T) {
	transports(t, func(t *testing.T, useBufconn bool) {
		srv, c := newFake(t, useBufconn)
		warm(t, c)
		before := goleak.IgnoreCurrent()
		srv.EnqueueReply(xaitest.Reply{Chunks: []string{"one ", "two ", "three ", "four"}})
		s, err := c.Chat.Create("grok-4").Append(User("count")).Stream(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		var got strings.Builder
		for chunk, err := range s.All() {
			if err != nil {
				t.Fatal(err)
			}
			got.WriteString(chunk.Content())
			if strings.Contains(got.String(), "one") {
				break
			}
		}
		// Breaking alone must release the gRPC stream.
		goleak.VerifyNone(t, before)
		if s.Response().Content() != got.String() {
			t.Errorf("Response after break = %q, want %q", s.Response().Content(), got.String())
		}
		for range s.All() {
			t.Error("All yielded after a break")
		}
		if s.Err() != nil {
			t.Errorf("Err() = %v after a break", s.Err())
		}
		if err := s.Close(); err != nil {
			t.Errorf("Close after break: %v", err)
		}
	})
}

// streamKinds are the two stream types behind one face, for the tests that
// hold for both: one receive loop is under both.
var streamKinds = []struct {
	name, method string
	// open starts a stream that has the words of text to say.
	open func(ctx context.Context, srv *xaitest.Server, c *Client, text string) (testStream, error)
}{
	{"chat", xaiv1.Chat_GetCompletionChunk_FullMethodName, func(ctx context.Context, srv *xaitest.Server, c *Client, text string) (testStream, error) {
		srv.EnqueueReply(xaitest.Reply{Chunks: strings.SplitAfter(text, " ")})
		// grok-3 does not reason: every chunk before the last holds content.
		s, err := c.Chat.Create("grok-3").Append(User("say it")).Stream(ctx)
		return testStream{
			all: func() iter.Seq2[string, error] { return seqTexts(s.All(), Chunk.Content) }, err: s.Err, close: s.Close,
			kept: func(err error) string { // a chat stream's error holds the partial response
				var xerr *Error
				if errors.As(err, &xerr) && xerr.Partial != nil {
					return xerr.Partial.Content()
				}
				return "<no Partial response>"
			},
		}, err
	}},
	{"sample", xaiv1.Sample_SampleTextStreaming_FullMethodName, func(ctx context.Context, _ *xaitest.Server, c *Client, text string) (testStream, error) {
		s, err := c.Sample.Stream(ctx, "grok-3", text)
		return testStream{
			all: func() iter.Seq2[string, error] { return seqTexts(s.All(), CompletionChunk.Text) }, err: s.Err, close: s.Close,
			kept: func(error) string { return s.Completion().Text() }, // a sample stream keeps its completion
		}, err
	}},
}

// testStream is a chat or sample stream seen through the texts of its
// chunks.
type testStream struct {
	all   func() iter.Seq2[string, error]
	err   func() error
	close func() error
	kept  func(err error) string // the text kept after err ended the stream
}

func TestStreamsCancel(t *testing.T) {
	for _, k := range streamKinds {
		t.Run(k.name, func(t *testing.T) {
			transports(t, func(t *testing.T, useBufconn bool) {
				srv, c := newLeakCheckedFake(t, useBufconn)
				srv.SetLatency(200 * time.Millisecond) // 20 ms between chunks
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				s, err := k.open(ctx, srv, c, "a slow story with many many words in it")
				if err != nil {
					t.Fatal(err)
				}
				_, err = actAfter(s.all(), 2, cancel)
				checkErr(t, err, codes.Canceled)
				if s.kept(err) == "" {
					t.Error("the cancelled stream kept no partial text")
				}
			})
		})
	}
}

func TestStreamsErrorMidStreamNotRetried(t *testing.T) {
	for _, k := range streamKinds {
		t.Run(k.name, func(t *testing.T) {
			transports(t, func(t *testing.T, useBufconn bool) {
				srv, c := newLeakCheckedFake(t, useBufconn)
				srv.ResetRequests()
				// UNAVAILABLE is retryable, but not once chunks have arrived.
				srv.InjectFault(k.method, xaitest.Fault{Code: codes.Unavailable, Message: "backend went away", AfterChunks: 3})
				s, err := k.open(context.Background(), srv, c, "alpha beta gamma delta epsilon zeta eta")
				if err != nil {
					t.Fatal(err)
				}
				texts, err := drainSeq(s.all())
				if len(texts) != 3 {
					t.Fatalf("got %d chunks before the error, want 3", len(texts))
				}
				checkErr(t, err, codes.Unavailable, "backend went away")
				if got, want := s.kept(err), strings.Join(texts, ""); got != want || want == "" {
					t.Errorf("partial text %q, want the text of the 3 chunks %q", got, want)
				}
				if s.err() != err {
					t.Errorf("Err() = %v, want the stream's error", s.err())
				}
				if n := len(srv.Requests()); n != 1 {
					t.Errorf("server got %d requests, want 1 (no retry after the first chunk)", n)
				}
				// The error is yielded again by a later All.
				for _, err2 := range s.all() {
					if err2 != err {
						t.Errorf("second All yielded %v", err2)
					}
				}
			})
		})
	}
}

func TestStreamServerClose(t *testing.T) {
	transports(t, func(t *testing.T, useBufconn bool) {
		srv, c := newLeakCheckedFake(t, useBufconn, WithRetryPolicy(RetryPolicy{MaxAttempts: 1}))
		srv.SetLatency(100 * time.Millisecond)
		srv.EnqueueReply(xaitest.Reply{Chunks: []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"}})
		s, err := c.Chat.Create("grok-4").Append(User("x")).Stream(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		_, last := actAfter(s.All(), 1, func() { go srv.Close() })
		if last == nil {
			t.Fatal("stream ended cleanly although the server closed")
		}
		var xerr *Error
		if !errors.As(last, &xerr) || xerr.Partial == nil {
			t.Fatalf("error %v carries no partial response", last)
		}
		if code := xerr.Code; code != codes.Unavailable && code != codes.Canceled {
			t.Errorf("code = %v, want UNAVAILABLE or CANCELED", code)
		}
		c.Close() // the server is gone: release the connection before the leak check
	})
}

func TestStreamRetriedBeforeFirstChunk(t *testing.T) {
	transports(t, func(t *testing.T, useBufconn bool) {
		srv, c := newLeakCheckedFake(t, useBufconn)
		srv.ResetRequests()
		srv.InjectFault(xaiv1.Chat_GetCompletionChunk_FullMethodName, xaitest.Fault{Code: codes.Unavailable, Times: 2})
		s, err := c.Chat.Create("grok-4").Append(User("x")).Stream(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := drain(s); err != nil {
			t.Fatalf("stream not retried to success: %v", err)
		}
		if !strings.Contains(s.Response().Content(), xaitest.FixedSentence) {
			t.Errorf("content = %q", s.Response().Content())
		}
		if n := len(srv.Requests()); n != 3 {
			t.Errorf("server got %d requests, want 3", n)
		}

		// A code outside the policy is not retried.
		srv.ResetRequests()
		srv.InjectFault(xaiv1.Chat_GetCompletionChunk_FullMethodName, xaitest.Fault{Code: codes.InvalidArgument, Message: "bad"})
		s, err = c.Chat.Create("grok-4").Append(User("x")).Stream(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		_, err = drain(s)
		checkErr(t, err, codes.InvalidArgument, "bad")
		var xerr *Error
		if errors.As(err, &xerr); xerr.Partial != nil {
			t.Error("error before any chunk has a Partial response")
		}
		if n := len(srv.Requests()); n != 1 {
			t.Errorf("server got %d requests, want 1", n)
		}
	})
}

func TestStreamScriptedRetryReplaysRequest(t *testing.T) {
	t.Parallel()
	// The hand-made server fails the first attempt after reading the
	// request; the retry must send the same request again.
	srv := &scriptServer{stream: func(n int, req *xaiv1.GetCompletionsRequest, s grpc.ServerStreamingServer[xaiv1.GetChatCompletionChunk]) error {
		if n == 1 {
			return statusErr(codes.Unavailable, "try again")
		}
		return sendChunks(s, req.GetMessages()[0].GetContent()[0].GetText())
	}}
	c := startScript(t, srv, true, WithRetryPolicy(fastRetry))
	s, err := c.Chat.Create("grok-4").Append(User("echo")).Stream(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := drain(s); err != nil {
		t.Fatal(err)
	}
	if got := s.Response().Content(); got != "echo" {
		t.Errorf("content = %q", got)
	}
	var reqs []proto.Message
	for _, call := range srv.calls {
		reqs = append(reqs, call.req)
	}
	if len(reqs) != 2 || !proto.Equal(reqs[0], reqs[1]) {
		t.Errorf("attempts sent %v", reqs)
	}
}

// Close from another goroutine stops a stream whose first message is far
// away, for both stream types (one receive loop is under both). The call
// is closed once the request log shows it reached the server, not after a
// fixed time; a Close that did not stop the stream would hang the test.
func TestStreamsCloseFromAnotherGoroutine(t *testing.T) {
	for _, k := range streamKinds {
		t.Run(k.name, func(t *testing.T) {
			srv, c := newLeakCheckedFake(t, true)
			srv.SetLatency(time.Hour) // the first chunk is far away
			s, err := k.open(context.Background(), srv, c, "slow")
			if err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { _, err := drainSeq(s.all()); done <- err }()
			for len(sentOf(srv, k.method)) == 0 { // recorded before the latency
				select {
				case err := <-done:
					t.Fatalf("the stream ended before Close: %v", err)
				default:
					runtime.Gosched()
				}
			}
			if err := s.close(); err != nil {
				t.Errorf("Close: %v", err)
			}
			if err := <-done; err != nil {
				t.Fatalf("Close made All fail: %v", err)
			}
		})
	}
}
