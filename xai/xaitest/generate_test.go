package xaitest_test

import (
	"encoding/json"
	"strings"
	"testing"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
	"github.com/gogrok/sdk/xai/xaitest"
)

func TestReasoning(t *testing.T) {
	srv, chat := startClient(t, xaiv1.NewChatClient)
	run := func(model string, effort *xaiv1.ReasoningEffort) *xaiv1.GetChatCompletionResponse {
		t.Helper()
		req := chatReq(model, user("think about it"))
		req.ReasoningEffort = effort
		resp := complete(t, chat, req)
		checkUsageTotals(t, resp.GetUsage())
		return resp
	}
	reasoning := func(r *xaiv1.GetChatCompletionResponse) string {
		return r.GetOutputs()[0].GetMessage().GetReasoningContent()
	}
	if r := run("grok-3", nil); reasoning(r) != "" || r.GetUsage().GetReasoningTokens() != 0 {
		t.Fatalf("grok-3 reasoned: %v", r)
	}
	def := run("grok-3-mini", nil)
	if reasoning(def) == "" || def.GetUsage().GetReasoningTokens() != tokens(t, srv, reasoning(def)) {
		t.Fatalf("grok-3-mini reasoning %q usage %v", reasoning(def), def.GetUsage())
	}
	low := run("grok-3-mini", xaiv1.ReasoningEffort_EFFORT_LOW.Enum())
	high := run("grok-3-mini", xaiv1.ReasoningEffort_EFFORT_HIGH.Enum())
	if !(len(reasoning(low)) < len(reasoning(def)) && len(reasoning(def)) < len(reasoning(high))) {
		t.Fatalf("effort does not scale reasoning: %q / %q / %q", reasoning(low), reasoning(def), reasoning(high))
	}
	if r := run("grok-4", xaiv1.ReasoningEffort_EFFORT_NONE.Enum()); reasoning(r) != "" {
		t.Fatalf("EFFORT_NONE reasoned: %q", reasoning(r))
	}
	if run("grok-3-mini", nil).GetOutputs()[0].GetMessage().GetReasoningContent() != reasoning(def) {
		t.Fatal("reasoning is not deterministic")
	}
}

func TestDefaultReplies(t *testing.T) {
	srv, chat := startClient(t, xaiv1.NewChatClient)
	resp := complete(t, chat, chatReq("grok-3", system("sys"), user("Hello there")))
	want := `You said: "Hello there". ` + xaitest.FixedSentence
	out := resp.GetOutputs()[0]
	if content(resp, 0) != want || out.GetFinishReason() != xaiv1.FinishReason_REASON_STOP ||
		out.GetMessage().GetRole() != xaiv1.MessageRole_ROLE_ASSISTANT || out.GetIndex() != 0 {
		t.Fatalf("got %v", out)
	}
	if resp.GetModel() != "grok-3" || resp.GetSystemFingerprint() == "" || resp.GetCreated() == nil ||
		resp.GetServiceTier() != xaiv1.ServiceTier_SERVICE_TIER_DEFAULT {
		t.Fatalf("response fields: %v", resp)
	}

	// Aliases resolve to the canonical name.
	alias, err := chat.GetCompletion(ctx(t), chatReq("grok-4-latest", user("hi")))
	if err != nil || alias.GetModel() != "grok-4-0709" {
		t.Fatalf("alias: %v %v", alias.GetModel(), err)
	}

	req := chatReq("grok-3", user("pick one"))
	req.N = ptr[int32](3)
	multi := complete(t, chat, req)
	seen := map[string]bool{}
	for i, o := range multi.GetOutputs() {
		if int(o.GetIndex()) != i || seen[o.GetMessage().GetContent()] {
			t.Fatalf("output %d: %v", i, o)
		}
		seen[o.GetMessage().GetContent()] = true
	}
	if len(seen) != 3 || multi.GetUsage().GetCompletionTokens() != tokens(t, srv, content(multi, 0))+tokens(t, srv, content(multi, 1))+tokens(t, srv, content(multi, 2)) {
		t.Fatalf("n=3: %d distinct outputs, usage %v", len(seen), multi.GetUsage())
	}

	// A tool result gets acknowledged.
	toolTurn := chatReq("grok-3", user("weather?"), &xaiv1.Message{
		Role: xaiv1.MessageRole_ROLE_ASSISTANT,
		ToolCalls: []*xaiv1.ToolCall{{Id: "call_1", Tool: &xaiv1.ToolCall_Function{
			Function: &xaiv1.FunctionCall{Name: "get_weather", Arguments: `{"city":"Paris"}`}}}},
	}, &xaiv1.Message{Role: xaiv1.MessageRole_ROLE_TOOL, ToolCallId: ptr("call_1"), Content: []*xaiv1.Content{text("sunny")}})
	tr := complete(t, chat, toolTurn)
	if !strings.HasPrefix(content(tr, 0), `Tool result received: "sunny".`) {
		t.Fatalf("tool turn: %q", content(tr, 0))
	}
}

func TestMaxTokensStopAndLogprobs(t *testing.T) {
	_, chat := startClient(t, xaiv1.NewChatClient)
	full := complete(t, chat, chatReq("grok-3", user("count")))

	req := chatReq("grok-3", user("count"))
	req.MaxTokens = ptr[int32](3)
	cut := complete(t, chat, req)
	if content(cut, 0) != "You said:" || cut.GetOutputs()[0].GetFinishReason() != xaiv1.FinishReason_REASON_MAX_LEN ||
		cut.GetUsage().GetCompletionTokens() != 3 || cut.GetSettings().GetMaxTokens() != 3 {
		t.Fatalf("max_tokens 3: %q %v %v", content(cut, 0), cut.GetOutputs()[0].GetFinishReason(), cut.GetUsage())
	}
	req.MaxTokens = ptr[int32](10000)
	roomy, err := chat.GetCompletion(ctx(t), req)
	if err != nil || content(roomy, 0) != content(full, 0) || roomy.GetOutputs()[0].GetFinishReason() != xaiv1.FinishReason_REASON_STOP {
		t.Fatalf("generous max_tokens: %v %v", roomy, err)
	}

	stop := chatReq("grok-3", user("count"))
	stop.Stop = []string{"deterministic", "count"}
	stopped := complete(t, chat, stop)
	if content(stopped, 0) != `You said: "` || stopped.GetOutputs()[0].GetFinishReason() != xaiv1.FinishReason_REASON_STOP {
		t.Fatalf("stop: %q", content(stopped, 0))
	}

	lp := chatReq("grok-3", user("count"))
	lp.Logprobs, lp.TopLogprobs = true, ptr[int32](2)
	withLP := complete(t, chat, lp)
	entries := withLP.GetOutputs()[0].GetLogprobs().GetContent()
	var joined strings.Builder
	for _, e := range entries {
		if len(e.GetTopLogprobs()) != 2 || e.GetLogprob() > 0 {
			t.Fatalf("logprob entry %v", e)
		}
		joined.WriteString(e.GetToken())
	}
	if joined.String() != content(withLP, 0) || int32(len(entries)) != withLP.GetUsage().GetCompletionTokens() {
		t.Fatalf("logprob tokens %q vs content %q", joined.String(), content(withLP, 0))
	}
}

func TestToolChoice(t *testing.T) {
	_, chat := startClient(t, xaiv1.NewChatClient)
	weather := &xaiv1.Tool{Tool: &xaiv1.Tool_Function{Function: &xaiv1.Function{
		Name:       "get_weather",
		Parameters: `{"type":"object","properties":{"city":{"type":"string"},"days":{"type":"integer","minimum":1}},"required":["city","days"]}`,
	}}}
	clock := &xaiv1.Tool{Tool: &xaiv1.Tool_Function{Function: &xaiv1.Function{Name: "get_time"}}}
	search := &xaiv1.Tool{Tool: &xaiv1.Tool_WebSearch{WebSearch: &xaiv1.WebSearch{}}}
	cases := []struct {
		name   string
		choice *xaiv1.ToolChoice
		want   string // function called, "" for a text answer
	}{
		{"named", &xaiv1.ToolChoice{ToolChoice: &xaiv1.ToolChoice_FunctionName{FunctionName: "get_time"}}, "get_time"},
		{"required", &xaiv1.ToolChoice{ToolChoice: &xaiv1.ToolChoice_Mode{Mode: xaiv1.ToolMode_TOOL_MODE_REQUIRED}}, "get_weather"},
		{"auto", &xaiv1.ToolChoice{ToolChoice: &xaiv1.ToolChoice_Mode{Mode: xaiv1.ToolMode_TOOL_MODE_AUTO}}, ""},
		{"none", &xaiv1.ToolChoice{ToolChoice: &xaiv1.ToolChoice_Mode{Mode: xaiv1.ToolMode_TOOL_MODE_NONE}}, ""},
		{"unset", nil, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req := chatReq("grok-4", user("weather in Paris?"))
			req.Tools = []*xaiv1.Tool{search, weather, clock}
			req.ToolChoice = tc.choice
			resp := complete(t, chat, req)
			out := resp.GetOutputs()[0]
			if tc.want == "" {
				// With auto or unset, web search runs first (the agent
				// loop); the answer is the last output.
				out = resp.GetOutputs()[len(resp.GetOutputs())-1]
				if len(out.GetMessage().GetToolCalls()) != 0 || out.GetFinishReason() != xaiv1.FinishReason_REASON_STOP {
					t.Fatalf("unexpected tool call: %v", out)
				}
				return
			}
			calls := out.GetMessage().GetToolCalls()
			if len(calls) != 1 || out.GetFinishReason() != xaiv1.FinishReason_REASON_TOOL_CALLS || out.GetMessage().GetContent() != "" {
				t.Fatalf("output %v", out)
			}
			call := calls[0]
			if call.GetFunction().GetName() != tc.want || !strings.HasPrefix(call.GetId(), "call_") ||
				call.GetType() != xaiv1.ToolCallType_TOOL_CALL_TYPE_CLIENT_SIDE_TOOL {
				t.Fatalf("call %v", call)
			}
			var args map[string]any
			if err := json.Unmarshal([]byte(call.GetFunction().GetArguments()), &args); err != nil {
				t.Fatalf("arguments %q: %v", call.GetFunction().GetArguments(), err)
			}
			if tc.want == "get_weather" && (args["city"] == nil || args["days"] != float64(1)) {
				t.Fatalf("arguments %v", args)
			}
			if resp.GetUsage().GetCompletionTokens() == 0 {
				t.Fatalf("tool call not counted: %v", resp.GetUsage())
			}
		})
	}
}
