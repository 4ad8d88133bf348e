package xaitest_test

import (
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
	"github.com/gogrok/sdk/xai/xaitest"
)

func TestStoreGetDelete(t *testing.T) {
	srv, chat := startClient(t, xaiv1.NewChatClient)
	req := chatReq("grok-3", user("remember me"))
	req.StoreMessages = true
	resp := complete(t, chat, req)
	if ids := srv.StoredResponseIDs(); len(ids) != 1 || ids[0] != resp.GetId() {
		t.Fatalf("StoredResponseIDs = %v, want [%s]", ids, resp.GetId())
	}
	got, err := chat.GetStoredCompletion(ctx(t), &xaiv1.GetStoredCompletionRequest{ResponseId: resp.GetId()})
	if err != nil {
		t.Fatal(err)
	}
	if !proto.Equal(got, resp) {
		t.Fatalf("stored response differs:\n got %v\nwant %v", got, resp)
	}
	if !got.GetSettings().GetStoreMessages() {
		t.Fatal("settings.store_messages not echoed")
	}
	del, err := chat.DeleteStoredCompletion(ctx(t), &xaiv1.DeleteStoredCompletionRequest{ResponseId: resp.GetId()})
	if err != nil || del.GetResponseId() != resp.GetId() {
		t.Fatalf("delete: %v %v", del, err)
	}
	_, err = chat.GetStoredCompletion(ctx(t), &xaiv1.GetStoredCompletionRequest{ResponseId: resp.GetId()})
	wantCode(t, err, codes.NotFound, resp.GetId())
	_, err = chat.DeleteStoredCompletion(ctx(t), &xaiv1.DeleteStoredCompletionRequest{ResponseId: resp.GetId()})
	wantCode(t, err, codes.NotFound)
	next := chatReq("grok-3", user("again"))
	next.PreviousResponseId = ptr(resp.GetId())
	_, err = chat.GetCompletion(ctx(t), next)
	wantCode(t, err, codes.NotFound, "deleted")
	_, err = chat.GetStoredCompletion(ctx(t), &xaiv1.GetStoredCompletionRequest{})
	wantCode(t, err, codes.InvalidArgument, "response_id is required")

	// Without store_messages nothing is kept, whatever the RPC.
	plain := chatReq("grok-3", user("forget me"))
	r1 := complete(t, chat, plain)
	stream, err := chat.GetCompletionChunk(ctx(t), plain)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := collect(t, stream); err != nil {
		t.Fatal(err)
	}
	_, err = chat.GetStoredCompletion(ctx(t), &xaiv1.GetStoredCompletionRequest{ResponseId: r1.GetId()})
	wantCode(t, err, codes.NotFound)
	if ids := srv.StoredResponseIDs(); len(ids) != 0 {
		t.Fatalf("StoredResponseIDs = %v", ids)
	}
}

func TestRetention(t *testing.T) {
	for _, tc := range []struct {
		name      string
		opts      []xaitest.Option
		retention time.Duration
	}{
		{"default 30 days", nil, 30 * 24 * time.Hour},
		{"one hour", []xaitest.Option{xaitest.WithRetention(time.Hour)}, time.Hour},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clock := xaitest.NewClock(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC))
			srv := start(t, append(tc.opts, xaitest.WithClock(clock))...)
			if srv.Clock() != clock {
				t.Fatal("Clock() is not the clock given")
			}
			chat := xaiv1.NewChatClient(srv.Conn())
			req := chatReq("grok-3", user("short-lived"))
			req.StoreMessages = true
			resp, err := chat.GetCompletion(ctx(t), req)
			if err != nil {
				t.Fatal(err)
			}
			if !resp.GetCreated().AsTime().Equal(clock.Now()) {
				t.Fatalf("created %v, clock %v", resp.GetCreated().AsTime(), clock.Now())
			}
			get := &xaiv1.GetStoredCompletionRequest{ResponseId: resp.GetId()}
			clock.Advance(tc.retention - time.Second)
			if _, err := chat.GetStoredCompletion(ctx(t), get); err != nil {
				t.Fatalf("just before expiry: %v", err)
			}
			clock.Advance(time.Second)
			_, err = chat.GetStoredCompletion(ctx(t), get)
			wantCode(t, err, codes.NotFound, "expired")
			next := chatReq("grok-3", user("more"))
			next.PreviousResponseId = ptr(resp.GetId())
			_, err = chat.GetCompletion(ctx(t), next)
			wantCode(t, err, codes.NotFound)
			_, err = chat.DeleteStoredCompletion(ctx(t), &xaiv1.DeleteStoredCompletionRequest{ResponseId: resp.GetId()})
			wantCode(t, err, codes.NotFound)
			if ids := srv.StoredResponseIDs(); len(ids) != 0 {
				t.Fatalf("expired response still listed: %v", ids)
			}
		})
	}
}

func TestPreviousResponseChaining(t *testing.T) {
	srv, chat := startClient(t, xaiv1.NewChatClient)

	first := chatReq("grok-3", system("Be brief."), user("What is 6 times 7?"))
	first.StoreMessages = true
	r1 := complete(t, chat, first)
	if r1.GetUsage().GetCachedPromptTextTokens() != 0 {
		t.Fatalf("first turn has cached tokens: %v", r1.GetUsage())
	}
	// The prompt is 3 framing tokens per message plus the text.
	if want := 3 + tokens(t, srv, "Be brief.") + 3 + tokens(t, srv, "What is 6 times 7?"); r1.GetUsage().GetPromptTextTokens() != want {
		t.Fatalf("prompt_text_tokens %d, want %d", r1.GetUsage().GetPromptTextTokens(), want)
	}
	if r1.GetUsage().GetCompletionTokens() != tokens(t, srv, content(r1, 0)) {
		t.Fatalf("completion_tokens %d for %q", r1.GetUsage().GetCompletionTokens(), content(r1, 0))
	}
	checkUsageTotals(t, r1.GetUsage())

	second := chatReq("grok-3", user("And the meaning of 42?"))
	second.PreviousResponseId = ptr(r1.GetId())
	second.StoreMessages = true
	r2 := complete(t, chat, second)
	if !strings.Contains(content(r2, 0), "And the meaning of 42?") {
		t.Fatalf("second answer %q", content(r2, 0))
	}
	history := r1.GetUsage().GetPromptTextTokens() + 3 + r1.GetUsage().GetCompletionTokens()
	u2 := r2.GetUsage()
	if u2.GetCachedPromptTextTokens() != history || u2.GetPromptTextTokens() != history+3+tokens(t, srv, "And the meaning of 42?") {
		t.Fatalf("second usage %v, history %d", u2, history)
	}
	checkUsageTotals(t, u2)
	if r2.GetSettings().GetPreviousResponseId() != r1.GetId() {
		t.Fatalf("settings.previous_response_id = %q", r2.GetSettings().GetPreviousResponseId())
	}

	// Sending the same history explicitly costs the same prompt, uncached.
	explicit := chatReq("grok-3", system("Be brief."), user("What is 6 times 7?"),
		&xaiv1.Message{Role: xaiv1.MessageRole_ROLE_ASSISTANT, Content: []*xaiv1.Content{text(content(r1, 0))}},
		user("And the meaning of 42?"))
	r2b := complete(t, chat, explicit)
	if r2b.GetUsage().GetPromptTextTokens() != u2.GetPromptTextTokens() || r2b.GetUsage().GetCachedPromptTextTokens() != 0 ||
		content(r2b, 0) != content(r2, 0) {
		t.Fatalf("explicit history: %v %q, chained: %v %q", r2b.GetUsage(), content(r2b, 0), u2, content(r2, 0))
	}

	// A third turn chains on the second and sees the whole conversation.
	third := chatReq("grok-3", user("Thanks"))
	third.PreviousResponseId = ptr(r2.GetId())
	r3, err := chat.GetCompletion(ctx(t), third)
	if err != nil {
		t.Fatal(err)
	}
	if want := u2.GetPromptTextTokens() + 3 + u2.GetCompletionTokens(); r3.GetUsage().GetCachedPromptTextTokens() != want {
		t.Fatalf("third cached %d, want %d", r3.GetUsage().GetCachedPromptTextTokens(), want)
	}
	// Not stored, so the store holds r1 and r2 only.
	if ids := srv.StoredResponseIDs(); len(ids) != 2 {
		t.Fatalf("StoredResponseIDs = %v", ids)
	}

	// The history already starts with a system message.
	late := chatReq("grok-3", system("Be verbose."), user("hi"))
	late.PreviousResponseId = ptr(r1.GetId())
	_, err = chat.GetCompletion(ctx(t), late)
	wantCode(t, err, codes.InvalidArgument, "messages[0]: only one system or developer message")

	// A system message cannot come after a history that has none either.
	noSystem := chatReq("grok-3", user("plain start"))
	noSystem.StoreMessages = true
	r0 := complete(t, chat, noSystem)
	after := chatReq("grok-3", system("too late"))
	after.PreviousResponseId = ptr(r0.GetId())
	_, err = chat.GetCompletion(ctx(t), after)
	wantCode(t, err, codes.InvalidArgument, "messages[0]: the system or developer message must be the first")

	// Continuing with no new message is allowed.
	empty := &xaiv1.GetCompletionsRequest{Model: "grok-3", PreviousResponseId: ptr(r1.GetId())}
	if _, err := chat.GetCompletion(ctx(t), empty); err != nil {
		t.Fatalf("chaining without new messages: %v", err)
	}
}

func TestDeferredLifecycle(t *testing.T) {
	clock := xaitest.NewClock(time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC))
	_, chat := startClient(t, xaiv1.NewChatClient, xaitest.WithClock(clock))
	req := chatReq("grok-3", user("later"))
	req.StoreMessages = true
	started, err := chat.StartDeferredCompletion(ctx(t), req)
	if err != nil || started.GetRequestId() == "" {
		t.Fatalf("start: %v %v", started, err)
	}
	poll := &xaiv1.GetDeferredRequest{RequestId: started.GetRequestId()}
	for _, want := range []xaiv1.DeferredStatus{xaiv1.DeferredStatus_PENDING, xaiv1.DeferredStatus_DONE, xaiv1.DeferredStatus_DONE} {
		got, err := chat.GetDeferredCompletion(ctx(t), poll)
		if err != nil || got.GetStatus() != want {
			t.Fatalf("poll: %v %v, want %v", got, err, want)
		}
		if want == xaiv1.DeferredStatus_DONE {
			// A stored deferred response can be read back by its ID.
			if _, err := chat.GetStoredCompletion(ctx(t), &xaiv1.GetStoredCompletionRequest{ResponseId: got.GetResponse().GetId()}); err != nil {
				t.Fatal(err)
			}
		}
	}
	clock.Advance(24 * time.Hour)
	got, err := chat.GetDeferredCompletion(ctx(t), poll)
	if err != nil || got.GetStatus() != xaiv1.DeferredStatus_EXPIRED || got.Response != nil {
		t.Fatalf("after a day: %v %v", got, err)
	}
	_, err = chat.GetDeferredCompletion(ctx(t), &xaiv1.GetDeferredRequest{RequestId: "nope"})
	wantCode(t, err, codes.NotFound, `"nope"`)
	_, err = chat.GetDeferredCompletion(ctx(t), &xaiv1.GetDeferredRequest{})
	wantCode(t, err, codes.InvalidArgument, "request_id is required")
}

func TestResponseIDsAreUnique(t *testing.T) {
	_, chat := startClient(t, xaiv1.NewChatClient)
	seen := map[string]bool{}
	for range 50 {
		resp := complete(t, chat, chatReq("grok-3", user("same request")))
		if seen[resp.GetId()] || len(resp.GetId()) != 36 {
			t.Fatalf("id %q repeated or malformed", resp.GetId())
		}
		seen[resp.GetId()] = true
	}
}

// A continuation of a response that was not stored is NOT_FOUND, and the
// message names that cause first (issue 12: each turn continued must be
// stored).
func TestPreviousResponseNotStored(t *testing.T) {
	_, chat := startClient(t, xaiv1.NewChatClient)
	first, err := chat.GetCompletion(ctx(t), chatReq("grok-4", user("one")))
	if err != nil {
		t.Fatal(err)
	}
	req := chatReq("grok-4", user("two"))
	req.PreviousResponseId = &first.Id
	_, err = chat.GetCompletion(ctx(t), req)
	wantCode(t, err, codes.NotFound, "never stored", "store_messages")
}
