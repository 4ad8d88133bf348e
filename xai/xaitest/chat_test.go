package xaitest_test

import (
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
)

// streamText joins the content deltas of output i.
func streamText(chunks []*xaiv1.GetChatCompletionChunk, i int32) (content, reasoning string, deltas int) {
	var c, r strings.Builder
	for _, ch := range chunks {
		for _, o := range ch.GetOutputs() {
			if o.GetIndex() != i {
				continue
			}
			if d := o.GetDelta().GetContent(); d != "" {
				c.WriteString(d)
				deltas++
			}
			r.WriteString(o.GetDelta().GetReasoningContent())
		}
	}
	return c.String(), r.String(), deltas
}

func TestUnaryStreamAndDeferredAgree(t *testing.T) {
	srv, chat := startClient(t, xaiv1.NewChatClient)
	cases := requestVariants()
	cases["max_tokens"] = func(r *xaiv1.GetCompletionsRequest) { r.MaxTokens = ptr[int32](5) }
	cases["logprobs"] = func(r *xaiv1.GetCompletionsRequest) { r.Logprobs = true }
	for name, edit := range cases {
		t.Run(name, func(t *testing.T) {
			req := chatReq("grok-3", user("The quick brown fox jumps over the lazy dog, twice!"))
			edit(req)
			unary, chunks, deferred := threeWays(t, chat, req)

			// Stream shape: the role on every delta, one ID, finish
			// reasons and usage last.
			last := chunks[len(chunks)-1]
			roleOnEveryDelta(t, chunks)
			for _, ch := range chunks {
				if ch.GetId() != chunks[0].GetId() || ch.GetModel() != unary.GetModel() {
					t.Fatalf("chunk id %q model %q", ch.GetId(), ch.GetModel())
				}
				if ch != last && (ch.GetUsage() != nil) {
					t.Fatal("usage before the last chunk")
				}
			}
			if !proto.Equal(last.GetUsage(), unary.GetUsage()) {
				t.Fatalf("stream usage %v, unary %v", last.GetUsage(), unary.GetUsage())
			}
			if !proto.Equal(deferred.GetUsage(), unary.GetUsage()) {
				t.Fatalf("deferred usage %v, unary %v", deferred.GetUsage(), unary.GetUsage())
			}
			if len(last.GetOutputs()) != len(unary.GetOutputs()) {
				t.Fatalf("last chunk has %d outputs", len(last.GetOutputs()))
			}
			if unary.GetId() == deferred.GetId() || unary.GetId() == chunks[0].GetId() {
				t.Fatal("response IDs repeat")
			}

			for i, out := range unary.GetOutputs() {
				msg := out.GetMessage()
				sc, sr, deltas := streamText(chunks, int32(i))
				if sc != msg.GetContent() || sr != msg.GetReasoningContent() {
					t.Fatalf("output %d: stream %q/%q, unary %q/%q", i, sc, sr, msg.GetContent(), msg.GetReasoningContent())
				}
				if msg.GetContent() != "" && tokens(t, srv, msg.GetContent()) > 4 && deltas < 2 {
					t.Fatalf("output %d arrived in %d delta(s)", i, deltas)
				}
				if last.GetOutputs()[i].GetFinishReason() != out.GetFinishReason() {
					t.Fatalf("finish reasons: stream %v unary %v", last.GetOutputs()[i].GetFinishReason(), out.GetFinishReason())
				}
				dm := deferred.GetOutputs()[i].GetMessage()
				if dm.GetContent() != msg.GetContent() || dm.GetReasoningContent() != msg.GetReasoningContent() ||
					deferred.GetOutputs()[i].GetFinishReason() != out.GetFinishReason() {
					t.Fatalf("deferred output %d differs: %v vs %v", i, dm, msg)
				}
				if (dm.GetEncryptedContent() == "") != (msg.GetEncryptedContent() == "") {
					t.Fatal("encrypted content on one side only")
				}
				if len(msg.GetToolCalls()) > 0 && !proto.Equal(dm.GetToolCalls()[0], msg.GetToolCalls()[0]) {
					t.Fatalf("tool calls differ: %v vs %v", dm.GetToolCalls(), msg.GetToolCalls())
				}
			}
		})
	}
}

func TestCompactContext(t *testing.T) {
	srv, chat := startClient(t, xaiv1.NewChatClient)
	history := []*xaiv1.Message{system("Be brief."), user("one"),
		{Role: xaiv1.MessageRole_ROLE_ASSISTANT, Content: []*xaiv1.Content{text("two")}}}
	compact, err := chat.CompactContext(ctx(t), &xaiv1.CompactContextRequest{Model: "grok-4", Input: history})
	if err != nil {
		t.Fatal(err)
	}
	if compact.GetId() == "" || compact.GetEncryptedContent() == "" || compact.GetDroppedMessageCount() != 3 {
		t.Fatalf("compact: %v", compact)
	}
	explicit := complete(t, chat, chatReq("grok-4", append(history, user("three"))...))
	if compact.GetUsage().GetPromptTextTokens() != explicit.GetUsage().GetPromptTextTokens()-3-tokens(t, srv, "three") {
		t.Fatalf("compaction usage %v", compact.GetUsage())
	}
	carrier := &xaiv1.Message{Role: xaiv1.MessageRole_ROLE_ASSISTANT, EncryptedContent: compact.GetEncryptedContent()}
	resumed := complete(t, chat, chatReq("grok-4", carrier, user("three")))
	u := resumed.GetUsage()
	if u.GetPromptTextTokens() != explicit.GetUsage().GetPromptTextTokens() || u.GetCachedPromptTextTokens() != compact.GetUsage().GetPromptTextTokens() ||
		content(resumed, 0) != content(explicit, 0) {
		t.Fatalf("resumed %v %q, explicit %v %q", u, content(resumed, 0), explicit.GetUsage(), content(explicit, 0))
	}
	// The compacted history holds a system message already.
	_, err = chat.GetCompletion(ctx(t), chatReq("grok-4", carrier, system("again")))
	wantCode(t, err, codes.InvalidArgument, "messages[1]: only one system")
	// What comes before a compaction message is ignored (issue 12), so its
	// system message stays first.
	after := complete(t, chat, chatReq("grok-4", user("first"), carrier, user("three")))
	if after.GetUsage().GetPromptTextTokens() != u.GetPromptTextTokens() {
		t.Errorf("a message before the compaction was billed: %v, want %v", after.GetUsage(), u)
	}

	_, err = chat.CompactContext(ctx(t), &xaiv1.CompactContextRequest{Model: "grok-4"})
	wantCode(t, err, codes.InvalidArgument, "input must not be empty")
	_, err = chat.CompactContext(ctx(t), &xaiv1.CompactContextRequest{Input: history})
	wantCode(t, err, codes.InvalidArgument, "model is required")
}

// requestVariants edits a chat request into the shapes that its unary,
// streamed and deferred answers must agree on; tests add their own.
func requestVariants() map[string]func(*xaiv1.GetCompletionsRequest) {
	schema := `{"type":"object","properties":{"answer":{"type":"string"}},"required":["answer"]}`
	return map[string]func(r *xaiv1.GetCompletionsRequest){
		"plain":     func(r *xaiv1.GetCompletionsRequest) {},
		"reasoning": func(r *xaiv1.GetCompletionsRequest) { r.Model = "grok-3-mini" },
		"encrypted": func(r *xaiv1.GetCompletionsRequest) { r.Model = "grok-4"; r.UseEncryptedContent = true },
		"n=3":       func(r *xaiv1.GetCompletionsRequest) { r.N = ptr[int32](3) },
		"tool call": func(r *xaiv1.GetCompletionsRequest) {
			r.Tools = []*xaiv1.Tool{{Tool: &xaiv1.Tool_Function{Function: &xaiv1.Function{Name: "f"}}}}
			r.ToolChoice = &xaiv1.ToolChoice{ToolChoice: &xaiv1.ToolChoice_Mode{Mode: xaiv1.ToolMode_TOOL_MODE_REQUIRED}}
		},
		"json schema": func(r *xaiv1.GetCompletionsRequest) {
			r.ResponseFormat = &xaiv1.ResponseFormat{FormatType: xaiv1.FormatType_FORMAT_TYPE_JSON_SCHEMA, Schema: &schema}
		},
	}
}

// TestStreamsReadLikeTheOfficialSDK takes its expectation from the
// service's shape (issue 15; the official Python SDK's tests/server.py sets
// role on every delta, and its chat.py reads text only from ROLE_ASSISTANT
// deltas): a stream read that way gives the unary text of every index.
func TestStreamsReadLikeTheOfficialSDK(t *testing.T) {
	_, chat := startClient(t, xaiv1.NewChatClient)
	cases := requestVariants()
	cases["web search"] = func(r *xaiv1.GetCompletionsRequest) { r.Tools = []*xaiv1.Tool{webSearch} }
	for name, edit := range cases {
		t.Run(name, func(t *testing.T) {
			req := chatReq("grok-3", user("The quick brown fox jumps over the lazy dog, twice!"))
			edit(req)
			unary, chunks, _ := threeWays(t, chat, req)
			roleOnEveryDelta(t, chunks)
			got := officialText(chunks)
			var assistants int
			for _, out := range unary.GetOutputs() {
				if out.GetMessage().GetRole() != assistant {
					continue
				}
				assistants++
				if got[out.GetIndex()] != out.GetMessage().GetContent() {
					t.Fatalf("index %d read as the official SDK does: %q, unary %q", out.GetIndex(), got[out.GetIndex()], out.GetMessage().GetContent())
				}
			}
			if assistants == 0 || got[unary.GetOutputs()[len(unary.GetOutputs())-1].GetIndex()] == "" && name != "tool call" {
				t.Fatalf("no assistant text in %v", unary)
			}
			// Tool calls too come from assistant deltas only.
			var calls, want []*xaiv1.ToolCall
			for _, ch := range chunks {
				for _, o := range ch.GetOutputs() {
					if o.GetDelta().GetRole() == assistant {
						calls = append(calls, o.GetDelta().GetToolCalls()...)
					}
				}
			}
			for _, out := range unary.GetOutputs() {
				if out.GetMessage().GetRole() == assistant {
					want = append(want, out.GetMessage().GetToolCalls()...)
				}
			}
			if len(calls) != len(want) {
				t.Fatalf("tool calls: stream %v, unary %v", calls, want)
			}
			for i := range want {
				if !proto.Equal(calls[i], want[i]) {
					t.Fatalf("tool call %d: stream %v, unary %v", i, calls[i], want[i])
				}
			}
		})
	}
}
