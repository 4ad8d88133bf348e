package xaitest_test

import (
	"slices"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
	"github.com/gogrok/sdk/xai/xaitest"
)

func TestScriptedReplies(t *testing.T) {
	srv, chat := startClient(t, xaiv1.NewChatClient)
	srv.EnqueueReply(xaitest.Reply{Content: "first scripted", Reasoning: "because"})
	srv.EnqueueReply(xaitest.Reply{Chunks: []string{"sec", "ond ", "scripted"}})
	srv.EnqueueReply(xaitest.Reply{ToolCalls: []*xaiv1.ToolCall{{Tool: &xaiv1.ToolCall_Function{
		Function: &xaiv1.FunctionCall{Name: "lookup", Arguments: `{"q":1}`}}}}})
	srv.EnqueueReply(xaitest.Reply{Content: "cut", FinishReason: xaiv1.FinishReason_REASON_MAX_LEN})

	// A rejected request does not use up a reply.
	_, err := chat.GetCompletion(ctx(t), chatReq("", user("x")))
	wantCode(t, err, codes.InvalidArgument)

	r1 := complete(t, chat, chatReq("grok-3", user("x")))
	if content(r1, 0) != "first scripted" || r1.GetOutputs()[0].GetMessage().GetReasoningContent() != "because" {
		t.Fatalf("first: %v", r1.GetOutputs()[0])
	}

	chunks := streamed(t, chat, chatReq("grok-3", user("x")))
	var deltas []string
	for _, ch := range chunks {
		for _, o := range ch.GetOutputs() {
			if d := o.GetDelta().GetContent(); d != "" {
				deltas = append(deltas, d)
			}
		}
	}
	if strings.Join(deltas, "|") != "sec|ond |scripted" {
		t.Fatalf("deltas %q", deltas)
	}

	start, err := chat.StartDeferredCompletion(ctx(t), chatReq("grok-3", user("x")))
	if err != nil {
		t.Fatal(err)
	}
	var deferred *xaiv1.GetChatCompletionResponse
	for deferred == nil {
		d, err := chat.GetDeferredCompletion(ctx(t), &xaiv1.GetDeferredRequest{RequestId: start.GetRequestId()})
		if err != nil {
			t.Fatal(err)
		}
		deferred = d.GetResponse()
	}
	out := deferred.GetOutputs()[0]
	if out.GetFinishReason() != xaiv1.FinishReason_REASON_TOOL_CALLS || out.GetMessage().GetToolCalls()[0].GetId() == "" ||
		out.GetMessage().GetToolCalls()[0].GetFunction().GetName() != "lookup" {
		t.Fatalf("deferred scripted tool call: %v", out)
	}

	r4, err := chat.GetCompletion(ctx(t), chatReq("grok-3", user("x")))
	if err != nil || content(r4, 0) != "cut" || r4.GetOutputs()[0].GetFinishReason() != xaiv1.FinishReason_REASON_MAX_LEN {
		t.Fatalf("fourth: %v %v", r4, err)
	}
	r5, err := chat.GetCompletion(ctx(t), chatReq("grok-3", user("x")))
	if err != nil || !strings.HasPrefix(content(r5, 0), "You said:") {
		t.Fatalf("after the script: %v %v", r5, err)
	}
}

// TestScriptedChunksCarryRoles: a Reply with Chunks streams each delta with
// the assistant role, and no role-only chunk comes first.
func TestScriptedChunksCarryRoles(t *testing.T) {
	srv := start(t)
	srv.EnqueueReply(xaitest.Reply{Chunks: []string{"a", "b", "c"}, Reasoning: "r"})
	chunks := streamed(t, xaiv1.NewChatClient(srv.Conn()), chatReq("grok-3", user("x")))
	roleOnEveryDelta(t, chunks)
	if d := chunks[0].GetOutputs()[0].GetDelta(); d.GetReasoningContent() != "r" {
		t.Fatalf("first chunk %v, want the reasoning (no role-only chunk)", chunks[0])
	}
	if got := officialText(chunks)[0]; got != "abc" {
		t.Fatalf("official reading %q", got)
	}
}

func TestScriptedLayouts(t *testing.T) {
	srv, chat := startClient(t, xaiv1.NewChatClient)
	call := &xaiv1.ToolCall{Type: xaiv1.ToolCallType_TOOL_CALL_TYPE_WEB_SEARCH_TOOL, Status: xaiv1.ToolCallStatus_TOOL_CALL_STATUS_COMPLETED,
		Tool: &xaiv1.ToolCall_Function{Function: &xaiv1.FunctionCall{Name: "web_search", Arguments: `{"query":"q"}`}}}
	cite := &xaiv1.InlineCitation{Id: "1", StartIndex: 7, EndIndex: 12,
		Citation: &xaiv1.InlineCitation_WebCitation{WebCitation: &xaiv1.WebCitation{Url: "https://a.example"}}}
	shared := xaitest.Reply{
		Outputs: []xaitest.ReplyOutput{
			{Index: 0, ToolCalls: []*xaiv1.ToolCall{call}},
			{Index: 0, Role: toolRole, Content: "tool text", ToolCalls: []*xaiv1.ToolCall{call}},
			{Index: 0, Chunks: []string{"Answer ", "[[1]]", " done"}, Citations: []*xaiv1.InlineCitation{cite}},
		},
		Citations:           []string{"https://a.example"},
		ServerSideToolsUsed: []xaiv1.ServerSideTool{xaiv1.ServerSideTool_SERVER_SIDE_TOOL_WEB_SEARCH},
	}
	srv.EnqueueReply(shared)
	srv.EnqueueReply(shared)
	resp, err := chat.GetCompletion(ctx(t), chatReq("grok-3", user("x")))
	if err != nil {
		t.Fatal(err)
	}
	outs := resp.GetOutputs()
	if len(outs) != 3 || outs[0].GetIndex() != 0 || outs[2].GetIndex() != 0 || outs[1].GetMessage().GetRole() != toolRole ||
		outs[2].GetMessage().GetContent() != "Answer [[1]] done" || outs[2].GetFinishReason() != xaiv1.FinishReason_REASON_STOP ||
		outs[0].GetFinishReason() != xaiv1.FinishReason_REASON_INVALID || outs[2].GetMessage().GetRole() != assistant {
		t.Fatalf("layout %v", outs)
	}
	id := outs[0].GetMessage().GetToolCalls()[0].GetId()
	if id == "" || outs[1].GetMessage().GetToolCalls()[0].GetId() != id {
		t.Fatalf("the echoed call does not share the call's ID: %v", outs)
	}
	if !slices.Equal(resp.GetCitations(), shared.Citations) || len(resp.GetUsage().GetServerSideToolsUsed()) != 1 ||
		!proto.Equal(outs[2].GetMessage().GetCitations()[0], cite) {
		t.Fatalf("response %v", resp)
	}

	chunks := streamed(t, chat, chatReq("grok-3", user("x")))
	roleOnEveryDelta(t, chunks)
	// Read as the official SDK does, the shared index gives the answer
	// text only; the tool's text never shows.
	if got := officialText(chunks)[0]; got != "Answer [[1]] done" {
		t.Fatalf("official reading %q", got)
	}
	var deltas []string
	for _, ch := range chunks {
		for _, o := range ch.GetOutputs() {
			if len(o.GetDelta().GetCitations()) > 0 && o.GetDelta().GetContent() != "[[1]]" {
				t.Fatalf("the citation arrives with %q, not with the delta ending its span", o.GetDelta().GetContent())
			}
			if c := o.GetDelta().GetContent(); c != "" && o.GetDelta().GetRole() == assistant {
				deltas = append(deltas, c)
			}
		}
	}
	if strings.Join(deltas, "|") != "Answer |[[1]]| done" {
		t.Fatalf("deltas %q", deltas)
	}

	// Mixing the two forms is a mistake in the test, reported loudly.
	srv.EnqueueReply(xaitest.Reply{Content: "x", Outputs: shared.Outputs})
	_, err = chat.GetCompletion(ctx(t), chatReq("grok-3", user("x")))
	wantCode(t, err, codes.FailedPrecondition, "Outputs")

	// An output with nothing in it still appears in the stream.
	srv.EnqueueReply(xaitest.Reply{Outputs: []xaitest.ReplyOutput{{Index: 0}, {Index: 1, Content: "b"}}})
	chunks = streamed(t, chat, chatReq("grok-3", user("x")))
	if got := accumulate(chunks).GetOutputs(); len(got) != 2 || got[0].GetIndex() != 0 || got[1].GetMessage().GetContent() != "b" {
		t.Fatalf("accumulated %v", got)
	}
}
