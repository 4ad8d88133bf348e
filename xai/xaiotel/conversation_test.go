package xaiotel_test

import (
	"context"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"

	"github.com/gogrok/sdk/xai"
)

// The official Python SDK puts a chat's conversation_id on every span of
// that chat as gen_ai.conversation.id (chat.py, create); so does xaiotel,
// for every call the chat makes, the polls of Defer included.
func TestConversationIDOnEverySpanOfTheChat(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	const id = "conv-7f3a"
	chat := e.chat(xai.WithConversationID(id))
	if _, err := chat.Sample(ctx); err != nil {
		t.Fatal(err)
	}
	streamAll(t, chat)
	if _, err := chat.Defer(ctx, xai.WithPollInterval(time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	spans := e.spans(t, len(e.exp.GetSpans())) // sample, stream, start, the polls
	if len(spans) < 4 {
		t.Fatalf("%d spans, want at least 4", len(spans))
	}
	methods := map[string]bool{}
	for _, s := range spans {
		a := attrs(s)
		methods[a["rpc.method"].AsString()] = true
		if a[attribute.Key("gen_ai.conversation.id")].AsString() != id {
			t.Errorf("span %q lacks the conversation ID: %v", s.Name, s.Attributes)
		}
	}
	for _, m := range []string{"GetCompletion", "GetCompletionChunk", "StartDeferredCompletion", "GetDeferredCompletion"} {
		if !methods[m] {
			t.Errorf("no span of %s", m)
		}
	}

	// Another chat of the same client, and a call outside any chat.
	e.exp.Reset()
	if _, err := e.chat().Sample(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.Models.ListLanguage(ctx); err != nil {
		t.Fatal(err)
	}
	for _, s := range e.spans(t, 2) {
		noAttr(t, attrs(s), "gen_ai.conversation.id")
	}
}
