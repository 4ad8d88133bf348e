package xai

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"
)

var created = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

func output(index int32, content string, calls ...*xaiv1.ToolCall) *xaiv1.CompletionOutput {
	return &xaiv1.CompletionOutput{
		Index:        index,
		FinishReason: xaiv1.FinishReason_REASON_STOP,
		Message:      &xaiv1.CompletionMessage{Role: xaiv1.MessageRole_ROLE_ASSISTANT, Content: content, ToolCalls: calls},
	}
}

// agenticResponse is a single choice made of a server-side search step, a
// client-side function call and a final answer, all with index 0.
func agenticResponse() *xaiv1.GetChatCompletionResponse {
	cost := int64(37_756_000)
	step := output(0, "", toolCall("ws_1", "web_search", `{"query":"weather"}`, xaiv1.ToolCallType_TOOL_CALL_TYPE_WEB_SEARCH_TOOL))
	step.Message.ReasoningContent = "I should search."
	step.Message.EncryptedContent = "enc-step"
	call := output(0, "Let me check.", toolCall("call_1", "get_weather", `{"city":"Paris"}`, xaiv1.ToolCallType_TOOL_CALL_TYPE_CLIENT_SIDE_TOOL))
	call.FinishReason = xaiv1.FinishReason_REASON_TOOL_CALLS
	final := output(0, "It is sunny.")
	final.Message.ReasoningContent = "The tool said sunny."
	final.Message.EncryptedContent = "enc-final"
	final.Message.Citations = []*xaiv1.InlineCitation{{Id: "1", StartIndex: 0, EndIndex: 5, Citation: &xaiv1.InlineCitation_WebCitation{WebCitation: &xaiv1.WebCitation{Url: "https://weather.example"}}}}
	return &xaiv1.GetChatCompletionResponse{
		Id:                "resp_1",
		Outputs:           []*xaiv1.CompletionOutput{step, call, final},
		Created:           timestamppb.New(created),
		Model:             "grok-4-0709",
		SystemFingerprint: "fp_1",
		Usage:             &xaiv1.SamplingUsage{PromptTokens: 10, CompletionTokens: 5, TotalTokens: 15, CostInUsdTicks: &cost},
		Citations:         []string{"https://weather.example"},
	}
}

func TestResponseAccessors(t *testing.T) {
	t.Parallel()
	pb := agenticResponse()
	r := newResponse(pb, nil)
	checks := []struct {
		name      string
		got, want any
	}{
		{"ID", r.ID(), "resp_1"},
		{"Model", r.Model(), "grok-4-0709"},
		{"Created", r.Created(), created},
		{"SystemFingerprint", r.SystemFingerprint(), "fp_1"},
		{"Content", r.Content(), "It is sunny."},
		{"ReasoningContent", r.ReasoningContent(), "The tool said sunny."},
		{"EncryptedContent", r.EncryptedContent(), "enc-final"},
		{"Role", r.Role(), xaiv1.MessageRole_ROLE_ASSISTANT},
		{"FinishReason", r.FinishReason(), xaiv1.FinishReason_REASON_STOP},
		{"Citations", strings.Join(r.Citations(), ","), "https://weather.example"},
		{"InlineCitations", r.InlineCitations()[0].GetWebCitation().GetUrl(), "https://weather.example"},
		{"Usage", r.Usage().GetTotalTokens(), int32(15)},
		{"Proto", r.Proto() == pb, true},
		{"Outputs", len(r.Outputs()), 3},
		{"String", r.String(), "resp_1: It is sunny."},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	if usd, ok := r.CostUSD(); !ok || usd != 0.0037756 {
		t.Errorf("CostUSD() = %v, %v; want 0.0037756, true", usd, ok)
	}
	calls := r.ToolCalls()
	if len(calls) != 2 || calls[0].ID() != "ws_1" || calls[1].ID() != "call_1" || !calls[1].ClientSide() || calls[0].ClientSide() {
		t.Errorf("ToolCalls() = %v", calls)
	}
}

func TestResponseSeveralChoices(t *testing.T) {
	t.Parallel()
	r := newResponse(&xaiv1.GetChatCompletionResponse{Id: "r", Outputs: []*xaiv1.CompletionOutput{
		output(0, "first"), output(1, "second", toolCall("c", "f", "{}", 1)),
	}}, nil)
	if r.Content() != "first" || len(r.ToolCalls()) != 0 {
		t.Errorf("Content %q, ToolCalls %v: want choice 0 only", r.Content(), r.ToolCalls())
	}
	outs := r.Outputs()
	if outs[1].Index() != 1 || outs[1].Content() != "second" || len(outs[1].ToolCalls()) != 1 {
		t.Errorf("Outputs()[1] = %v", outs[1].Proto())
	}
	_, err := r.turnMessages()
	wantInvalid(t, err, `cannot append response "r"`, "several choices", "resp.Outputs()[i]")

	msgs, err := outs[1].turnMessages()
	if err != nil || len(msgs) != 1 || msgs[0].GetContent()[0].GetText() != "second" || len(msgs[0].GetToolCalls()) != 1 {
		t.Errorf("Outputs()[1].turnMessages() = %v, %v", msgs, err)
	}
}

func TestResponseEmptyAndNil(t *testing.T) {
	t.Parallel()
	var nilResp *Response
	if nilResp.ID() != "" || nilResp.Content() != "" || nilResp.Proto() != nil || nilResp.Outputs() != nil ||
		nilResp.ToolCalls() != nil || !nilResp.Created().IsZero() || nilResp.Usage() != nil || nilResp.String() != "<nil response>" {
		t.Error("nil *Response accessors are not zero")
	}
	if _, ok := nilResp.CostUSD(); ok {
		t.Error("nil response reports a cost")
	}
	_, err := nilResp.turnMessages()
	wantInvalid(t, err, "nil *xai.Response")

	empty := newResponse(&xaiv1.GetChatCompletionResponse{Id: "e"}, nil)
	if empty.Content() != "" || empty.FinishReason() != xaiv1.FinishReason_REASON_INVALID || empty.String() != "e: " {
		t.Errorf("empty response: %q %v %q", empty.Content(), empty.FinishReason(), empty.String())
	}
	if _, ok := empty.CostUSD(); ok {
		t.Error("a response without cost reports one")
	}
	_, err = empty.turnMessages()
	wantInvalid(t, err, `response "e": it has no outputs`)

	_, err = Output{}.turnMessages()
	wantInvalid(t, err, "empty xai.Output")

	noID := newResponse(&xaiv1.GetChatCompletionResponse{Outputs: []*xaiv1.CompletionOutput{output(0, "hi")}}, nil)
	if noID.String() != "hi" {
		t.Errorf("String() without ID = %q", noID.String())
	}
}

func TestResponseTurnMessages(t *testing.T) {
	t.Parallel()
	pb := agenticResponse()
	r := newResponse(pb, nil)
	msgs, err := r.turnMessages()
	if err != nil {
		t.Fatal(err)
	}
	stepReasoning, finalReasoning := "I should search.", "The tool said sunny."
	want := []*xaiv1.Message{
		{
			Role:             xaiv1.MessageRole_ROLE_ASSISTANT,
			Content:          []*xaiv1.Content{textContent("")},
			ReasoningContent: &stepReasoning,
			EncryptedContent: "enc-step",
			ToolCalls:        []*xaiv1.ToolCall{toolCall("ws_1", "web_search", `{"query":"weather"}`, xaiv1.ToolCallType_TOOL_CALL_TYPE_WEB_SEARCH_TOOL)},
		},
		{
			Role:      xaiv1.MessageRole_ROLE_ASSISTANT,
			Content:   []*xaiv1.Content{textContent("Let me check.")},
			ToolCalls: []*xaiv1.ToolCall{toolCall("call_1", "get_weather", `{"city":"Paris"}`, xaiv1.ToolCallType_TOOL_CALL_TYPE_CLIENT_SIDE_TOOL)},
		},
		{
			Role:             xaiv1.MessageRole_ROLE_ASSISTANT,
			Content:          []*xaiv1.Content{textContent("It is sunny.")},
			ReasoningContent: &finalReasoning,
			EncryptedContent: "enc-final",
		},
	}
	if len(msgs) != len(want) {
		t.Fatalf("got %d messages, want %d", len(msgs), len(want))
	}
	for i := range want {
		if !proto.Equal(msgs[i], want[i]) {
			t.Errorf("message %d = %v\nwant %v", i, msgs[i], want[i])
		}
	}
	// The messages do not share tool calls with the response.
	pb.Outputs[1].Message.ToolCalls[0].Id = "changed"
	if msgs[1].GetToolCalls()[0].GetId() != "call_1" {
		t.Error("appended tool call aliases the response")
	}
	// A conversation continued with them is valid.
	conv := append([]*xaiv1.Message{User("Weather in Paris?").Proto()}, msgs...)
	if err := validateMessages(conv); err != nil {
		t.Errorf("appended response fails validation: %v", err)
	}
}

func TestOutputAccessors(t *testing.T) {
	t.Parallel()
	o := Output{pb: agenticResponse().Outputs[0]}
	if o.Index() != 0 || o.Content() != "" || o.ReasoningContent() != "I should search." || o.EncryptedContent() != "enc-step" ||
		o.Role() != xaiv1.MessageRole_ROLE_ASSISTANT || o.FinishReason() != xaiv1.FinishReason_REASON_STOP ||
		len(o.ToolCalls()) != 1 || o.InlineCitations() != nil || o.Proto() == nil {
		t.Errorf("Output accessors wrong for %v", o.Proto())
	}
	var zero Output
	if zero.Index() != 0 || zero.Content() != "" || zero.ToolCalls() != nil {
		t.Error("zero Output accessors are not empty")
	}
}

type answer struct {
	City string  `json:"city"`
	Temp float64 `json:"temp"`
}

func contentResponse(content string, reason xaiv1.FinishReason) *Response {
	o := output(0, content)
	o.FinishReason = reason
	return newResponse(&xaiv1.GetChatCompletionResponse{Id: "r", Outputs: []*xaiv1.CompletionOutput{o}}, nil)
}

func TestDecode(t *testing.T) {
	t.Parallel()
	var a answer
	if err := contentResponse(`{"city":"Paris","temp":21.5}`, xaiv1.FinishReason_REASON_STOP).Decode(&a); err != nil {
		t.Fatal(err)
	}
	if a != (answer{"Paris", 21.5}) {
		t.Errorf("decoded %+v", a)
	}
	var o answer
	if err := contentResponse(`{"city":"Oslo","temp":-3}`, 0).Outputs()[0].Decode(&o); err != nil || o.City != "Oslo" {
		t.Errorf("Output.Decode = %+v, %v", o, err)
	}

	tests := []struct {
		name    string
		content string
		reason  xaiv1.FinishReason
		errs    []string
	}{
		{"prose", "The answer is Paris.", xaiv1.FinishReason_REASON_STOP, []string{"response content is not valid JSON for *xai.answer", "JSONSchemaFor", "resp.Content()"}},
		{"wrong type", `{"city":1}`, xaiv1.FinishReason_REASON_STOP, []string{"not valid JSON for *xai.answer", "cannot unmarshal number"}},
		{"fenced", "```json\n{\"city\":\"Paris\"}\n```", xaiv1.FinishReason_REASON_STOP, []string{"Markdown code fence"}},
		{"truncated", `{"city":"Par`, xaiv1.FinishReason_REASON_MAX_LEN, []string{"cut short (finish reason REASON_MAX_LEN)", "raise the token limit"}},
		{"empty", "", xaiv1.FinishReason_REASON_MAX_LEN, []string{"content is empty (finish reason REASON_MAX_LEN)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var a answer
			err := contentResponse(tt.content, tt.reason).Decode(&a)
			var xerr *Error
			if !errors.As(err, &xerr) || xerr.Code != codes.Internal {
				t.Fatalf("err = %v, want *Error Internal", err)
			}
			for _, w := range tt.errs {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}

	var se *json.SyntaxError
	if err := contentResponse("nope", 0).Decode(&a); !errors.As(err, &se) {
		t.Errorf("the json.SyntaxError is not wrapped: %v", err)
	}
	wantInvalid(t, contentResponse("{}", 0).Decode(a), "cannot decode into xai.answer", "non-nil pointer")
	wantInvalid(t, contentResponse("{}", 0).Decode(nil), "non-nil pointer")
	var nilResp *Response
	if err := nilResp.Decode(&a); codeOf(err) != codes.Internal {
		t.Errorf("nil response Decode: %v", err)
	}
}
