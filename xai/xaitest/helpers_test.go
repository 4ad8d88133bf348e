package xaitest_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
	"github.com/gogrok/sdk/xai/xaitest"
)

// TestMain fails the run if any test leaves a goroutine behind.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// start runs a fake server for the test and closes it at the end.
func start(t testing.TB, opts ...xaitest.Option) *xaitest.Server {
	t.Helper()
	srv, err := xaitest.NewServer(opts...)
	if err != nil {
		t.Fatalf("NewServer: %v", err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}

// rawConn returns a connection to srv that sends no API key.
func rawConn(t testing.TB, srv *xaitest.Server) *grpc.ClientConn {
	t.Helper()
	conn, err := grpc.NewClient(srv.Target(), srv.DialOptions()...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// ctx returns a context that ends with the test, bounded so nothing hangs
// (generously: the 50 MiB round trip runs under -race on busy machines).
func ctx(t testing.TB) context.Context {
	t.Helper()
	c, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return c
}

// wantCode fails unless err has the code and its message contains every
// fragment.
func wantCode(t testing.TB, err error, code codes.Code, fragments ...string) {
	t.Helper()
	st, _ := status.FromError(err)
	if st.Code() != code {
		t.Fatalf("got %v (%v), want code %v", st.Code(), err, code)
	}
	for _, f := range fragments {
		if !strings.Contains(st.Message(), f) {
			t.Fatalf("message %q does not contain %q", st.Message(), f)
		}
	}
}

func text(s string) *xaiv1.Content {
	return &xaiv1.Content{Content: &xaiv1.Content_Text{Text: s}}
}

func user(s string, extra ...*xaiv1.Content) *xaiv1.Message {
	return &xaiv1.Message{Role: xaiv1.MessageRole_ROLE_USER, Content: append([]*xaiv1.Content{text(s)}, extra...)}
}

func system(s string) *xaiv1.Message {
	return &xaiv1.Message{Role: xaiv1.MessageRole_ROLE_SYSTEM, Content: []*xaiv1.Content{text(s)}}
}

func image(url string, d xaiv1.ImageDetail) *xaiv1.Content {
	return &xaiv1.Content{Content: &xaiv1.Content_ImageUrl{ImageUrl: &xaiv1.ImageUrlContent{
		Source: &xaiv1.ImageUrlContent_ImageUrl{ImageUrl: url}, Detail: d,
	}}}
}

// chatReq builds a request for model with the messages.
func chatReq(model string, msgs ...*xaiv1.Message) *xaiv1.GetCompletionsRequest {
	return &xaiv1.GetCompletionsRequest{Model: model, Messages: msgs}
}

func ptr[T any](v T) *T { return &v }

// content returns the content of output i of a response.
func content(r *xaiv1.GetChatCompletionResponse, i int) string {
	return r.GetOutputs()[i].GetMessage().GetContent()
}

// collect reads a whole completion stream.
func collect(t testing.TB, stream xaiv1.Chat_GetCompletionChunkClient) ([]*xaiv1.GetChatCompletionChunk, error) {
	t.Helper()
	var chunks []*xaiv1.GetChatCompletionChunk
	for {
		ch, err := stream.Recv()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return chunks, nil
			}
			return chunks, err
		}
		chunks = append(chunks, ch)
	}
}

// streamed answers req as a stream and returns its chunks, failing the
// test on any error.
func streamed(t testing.TB, chat xaiv1.ChatClient, req *xaiv1.GetCompletionsRequest) []*xaiv1.GetChatCompletionChunk {
	t.Helper()
	chunks, err := streamedErr(t, chat, req)
	if err != nil {
		t.Fatal(err)
	}
	return chunks
}

// streamedErr answers req as a stream and returns the chunks received
// before the stream ended, and the error it ended with (nil at its end).
func streamedErr(t testing.TB, chat xaiv1.ChatClient, req *xaiv1.GetCompletionsRequest) ([]*xaiv1.GetChatCompletionChunk, error) {
	t.Helper()
	stream, err := chat.GetCompletionChunk(ctx(t), req)
	if err != nil {
		t.Fatal(err)
	}
	return collect(t, stream)
}
