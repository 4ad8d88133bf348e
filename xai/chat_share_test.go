package xai

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
	"github.com/gogrok/sdk/xai/xaitest"
)

// newShareEnv returns a fake on loopback and a client dialing it with no
// interceptors or dial options of the caller's: the configuration in which
// chats send requests that share their messages instead of deep copies.
func newShareEnv(t *testing.T, opts ...Option) (*xaitest.Server, *Client) {
	t.Helper()
	srv := xaitest.Start(t)
	c, err := NewClient(append([]Option{
		WithEndpoint(srv.Addr()), WithAPIKey(srv.APIKey()), WithInsecure(), WithoutEnv(),
	}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return srv, c
}

// sentChats returns the chat requests the fake received.
func sentChats(t *testing.T, srv *xaitest.Server) []*xaiv1.GetCompletionsRequest {
	t.Helper()
	var out []*xaiv1.GetCompletionsRequest
	for _, r := range srv.Requests() {
		if req, ok := r.Message.(*xaiv1.GetCompletionsRequest); ok {
			out = append(out, req)
		}
	}
	return out
}

// checkUnchanged fails unless chat's request, and every chat request srv
// received, is want: after what, a change to a copy, they must be.
func checkUnchanged(t *testing.T, srv *xaitest.Server, chat *Chat, want *xaiv1.GetCompletionsRequest, after string) {
	t.Helper()
	if got := chat.Request(); !proto.Equal(got, want) {
		t.Errorf("Request after %s = %v, want %v", after, got, want)
	}
	for i, req := range sentChats(t, srv) {
		if !proto.Equal(req, want) {
			t.Errorf("request %d sent = %v, want %v", i, req, want)
		}
	}
}

// TestChatSendConcurrentWithAppend sends a chat with Sample and Stream from
// several goroutines while another appends to it: run with -race, sending
// (which shares the chat's messages with the request in flight) must not
// race with Append, and every request sent must be a prefix of the final
// conversation.
func TestChatSendConcurrentWithAppend(t *testing.T) {
	t.Parallel()
	srv, c := newShareEnv(t)
	ctx := context.Background()
	chat := c.Chat.Create("grok-3", WithTemperature(0.5)).Append(System("Be brief."), User("Hello"))
	const senders, calls, appends = 4, 10, 60
	var wg sync.WaitGroup
	errs := make(chan error, senders*calls)
	for g := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range calls {
				if (g+i)%2 == 0 {
					resp, err := chat.Sample(ctx)
					if err == nil && resp.Content() == "" {
						err = fmt.Errorf("empty reply")
					}
					if err != nil {
						errs <- fmt.Errorf("Sample: %w", err)
					}
					continue
				}
				stream, err := chat.Stream(ctx)
				if err != nil {
					errs <- fmt.Errorf("Stream: %w", err)
					continue
				}
				for _, err := range stream.All() {
					if err != nil {
						errs <- fmt.Errorf("Stream.All: %w", err)
					}
				}
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := range appends {
			if i%2 == 0 {
				chat.Append(Assistant(fmt.Sprintf("answer %d", i)))
			} else {
				chat.Append(User(fmt.Sprintf("question %d", i)))
			}
		}
	}()
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}

	final := chat.Request()
	if n := len(final.GetMessages()); n != 2+appends {
		t.Fatalf("the chat has %d messages, want %d", n, 2+appends)
	}
	sent := sentChats(t, srv)
	if len(sent) != senders*calls {
		t.Fatalf("the fake received %d chat requests, want %d", len(sent), senders*calls)
	}
	for i, req := range sent {
		n := len(req.GetMessages())
		if n < 2 || n > len(final.GetMessages()) {
			t.Fatalf("request %d has %d messages", i, n)
		}
		want := proto.CloneOf(final)
		want.Messages = want.Messages[:n]
		if !proto.Equal(req, want) {
			t.Errorf("request %d is not a prefix of the conversation:\n got %v\nwant %v", i, req, want)
		}
	}
}

// TestChatRequestIsACopy changes everything reachable from Request's
// result, and from the request a caller's interceptor is handed, and
// checks that what the chat sends next is unchanged.
func TestChatRequestIsACopy(t *testing.T) {
	t.Parallel()
	mutate := func(req *xaiv1.GetCompletionsRequest) {
		req.Model = "changed"
		for _, m := range req.Messages {
			m.Content = []*xaiv1.Content{{Content: &xaiv1.Content_Text{Text: "changed"}}}
			m.Role = xaiv1.MessageRole_ROLE_ASSISTANT
		}
		req.Messages = append(req.Messages[:1], req.Messages...)
		req.Temperature = proto.Float32(1.5)
	}
	t.Run("Request", func(t *testing.T) {
		srv, c := newShareEnv(t)
		chat := c.Chat.Create("grok-3", WithTemperature(0.5)).Append(System("Be brief."), User("Hello"))
		want := chat.Request()
		mutate(chat.Request())
		if _, err := chat.Sample(context.Background()); err != nil {
			t.Fatal(err)
		}
		got := chat.Request()
		mutate(got)
		streamText(t, chat)
		checkUnchanged(t, srv, chat, want, "changing an earlier result")
	})
	t.Run("WithMessages", func(t *testing.T) {
		_, c := newShareEnv(t)
		chat := c.Chat.Create("grok-4", WithMessages(User("hi")))
		want := chat.Request()
		mutate(chat.Request())
		if got := chat.Request(); !proto.Equal(got, want) {
			t.Errorf("Request after changing an earlier result = %v, want %v", got, want)
		}
	})
	t.Run("interceptor", func(t *testing.T) {
		hook := func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
			err := invoker(ctx, method, req, reply, cc, opts...)
			if r, ok := req.(*xaiv1.GetCompletionsRequest); ok {
				mutate(r) // after sending: the chat must not see it
			}
			return err
		}
		srv, c := newShareEnv(t, WithInterceptors(hook, nil))
		chat := c.Chat.Create("grok-3").Append(User("Hello"))
		want := chat.Request()
		for range 2 {
			if _, err := chat.Sample(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
		checkUnchanged(t, srv, chat, want, "an interceptor changed the sent request")
	})
	t.Run("BatchChat", func(t *testing.T) {
		_, c := newShareEnv(t)
		chat := c.Chat.Create("grok-3").Append(User("Hello"))
		want := chat.Request()
		r := BatchChat("a", chat)
		if pb := r.Proto(); pb != nil {
			mutate(pb.GetCompletionRequest())
		} else {
			t.Fatal("BatchChat gave no request")
		}
		if got := chat.Request(); !proto.Equal(got, want) {
			t.Errorf("Request after changing BatchChat's request = %v, want %v", got, want)
		}
	})
}
