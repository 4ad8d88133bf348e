package xai

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
)

// idRecorder is a pair of interceptors that note the conversation ID each
// call's context carries, by method.
type idRecorder struct {
	mu  sync.Mutex
	ids map[string][]string
}

func (r *idRecorder) note(ctx context.Context, method string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ids[method] = append(r.ids[method], ConversationID(ctx))
}

func (r *idRecorder) take() map[string][]string {
	r.mu.Lock()
	defer r.mu.Unlock()
	ids := r.ids
	r.ids = map[string][]string{}
	return ids
}

func (r *idRecorder) option() Option {
	return WithInterceptors(
		func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
			r.note(ctx, method)
			return invoker(ctx, method, req, reply, cc, opts...)
		},
		func(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
			r.note(ctx, method)
			return streamer(ctx, desc, cc, method, opts...)
		})
}

// The official Python SDK's chat.create(conversation_id=...) marks every
// span of the chat's calls (chat.py); here every call of the chat carries
// the ID in its context, and only that chat's calls do.
func TestConversationIDInCallContexts(t *testing.T) {
	t.Parallel()
	rec := &idRecorder{ids: map[string][]string{}}
	srv, c := newFake(t, true, rec.option())
	ctx := context.Background()
	const id = "support-ticket-4711"
	chat := c.Chat.Create("grok-4", WithConversationID(id)).Append(User("hello"))

	if _, err := chat.Sample(ctx); err != nil {
		t.Fatal(err)
	}
	streamText(t, chat)
	if _, err := chat.Defer(ctx, WithPollInterval(time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	if _, err := chat.Clone().StartDeferred(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := chat.Clone().Compact(ctx); err != nil {
		t.Fatal(err)
	}
	got := rec.take()
	for _, m := range []string{
		xaiv1.Chat_GetCompletion_FullMethodName, xaiv1.Chat_GetCompletionChunk_FullMethodName,
		xaiv1.Chat_StartDeferredCompletion_FullMethodName, xaiv1.Chat_GetDeferredCompletion_FullMethodName,
		xaiv1.Chat_CompactContext_FullMethodName,
	} {
		if len(got[m]) == 0 {
			t.Errorf("%s was not called", m)
		}
		for _, g := range got[m] {
			if g != id {
				t.Errorf("%s ran with conversation ID %q, want %q", m, g, id)
			}
		}
	}
	if ConversationID(ctx) != "" {
		t.Error("the caller's context was changed")
	}

	// The ID stays on the client side: not in any request or its metadata.
	for _, r := range srv.Requests() {
		b, _ := proto.Marshal(r.Message)
		if strings.Contains(string(b), id) {
			t.Errorf("%s sent the conversation ID in its request", r.FullMethod)
		}
		for k, vs := range r.Metadata {
			if strings.Contains(k+strings.Join(vs, ","), id) {
				t.Errorf("%s sent the conversation ID in metadata %s", r.FullMethod, k)
			}
		}
	}
	plain := c.Chat.Create("grok-4").Append(User("hello"))
	if !proto.Equal(chat.Request(), plain.Request()) {
		t.Error("WithConversationID changed the request")
	}

	// Another chat of the same client carries none.
	if _, err := plain.Sample(ctx); err != nil {
		t.Fatal(err)
	}
	if got := rec.take()[xaiv1.Chat_GetCompletion_FullMethodName]; len(got) != 1 || got[0] != "" {
		t.Errorf("a chat without the option ran with conversation IDs %q", got)
	}
}

func TestWithConversationIDInvalid(t *testing.T) {
	t.Parallel()
	_, c := newFake(t, true)
	for _, id := range []string{"", "  \t", "bad \xff id"} {
		err := c.Chat.Create("grok-4", WithConversationID(id)).Append(User("hi")).Err()
		if !IsInvalidArgument(err) || !strings.Contains(errMessage(err), "WithConversationID") {
			t.Errorf("WithConversationID(%q): %v, want InvalidArgument naming the option", id, err)
		}
	}
	// The last option wins, as for every chat option.
	chat := c.Chat.Create("grok-4", WithConversationID("a"), WithConversationID("b"))
	if chat.conversationID != "b" {
		t.Errorf("conversation ID %q, want the last one given", chat.conversationID)
	}
	// The legacy Sample API has no conversation to name.
	_, err := c.Sample.Text(context.Background(), "grok-3", "Once", WithConversationID("a"))
	if !IsInvalidArgument(err) || !strings.Contains(errMessage(err), "WithConversationID") {
		t.Errorf("Sample.Text with WithConversationID: %v, want InvalidArgument", err)
	}
	if ConversationID(nil) != "" { //nolint:staticcheck // a nil context is handled
		t.Error("ConversationID(nil) is not empty")
	}
}
