package xai

import (
	"context"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
)

// sdkVerdict is what the SDK says of a raw request before sending it: the
// checks Chat applies (model, messages) and Restore adds for fields set
// without options (ranges, enums).
func sdkVerdict(req *xaiv1.GetCompletionsRequest) error {
	if strings.TrimSpace(req.GetModel()) == "" {
		return invalidArgument("model is empty")
	}
	if err := checkRanges("request", req); err != nil {
		return err
	}
	if err := validateMessages(req.GetMessages()); err != nil {
		return err
	}
	return checkToolChoice(req)
}

// TestValidationAgreesWithFake runs every validation rule the SDK applies
// before sending against both sides: the SDK's checks, and the fake given
// the same raw request through the generated stub (no SDK check on the
// way). Both must reject it with INVALID_ARGUMENT and name the same field
// (or accept it alike), so that a test suite written against the fake sees
// what the SDK would have said.
func TestValidationAgreesWithFake(t *testing.T) {
	t.Parallel()
	_, c := newFake(t, true)
	raw := xaiv1.NewChatClient(c.Conn())
	user := func(parts ...*xaiv1.Content) *xaiv1.Message {
		if len(parts) == 0 {
			parts = []*xaiv1.Content{{Content: &xaiv1.Content_Text{Text: "hi"}}}
		}
		return &xaiv1.Message{Role: xaiv1.MessageRole_ROLE_USER, Content: parts}
	}
	text := func(role xaiv1.MessageRole, s string) *xaiv1.Message {
		return &xaiv1.Message{Role: role, Content: []*xaiv1.Content{{Content: &xaiv1.Content_Text{Text: s}}}}
	}
	img := func(url string, d xaiv1.ImageDetail) *xaiv1.Content {
		return &xaiv1.Content{Content: &xaiv1.Content_ImageUrl{ImageUrl: &xaiv1.ImageUrlContent{Source: &xaiv1.ImageUrlContent_ImageUrl{ImageUrl: url}, Detail: d}}}
	}
	req := func(edit func(r *xaiv1.GetCompletionsRequest)) *xaiv1.GetCompletionsRequest {
		r := &xaiv1.GetCompletionsRequest{Model: "grok-4", Messages: []*xaiv1.Message{user()}}
		edit(r)
		return r
	}
	gif := "data:image/gif;base64,R0lGODlhAQABAAAAACw="
	tests := []struct {
		name  string
		req   *xaiv1.GetCompletionsRequest
		field string // named by both sides; "" means both accept
	}{
		{"valid", req(func(*xaiv1.GetCompletionsRequest) {}), ""},
		{"no model", req(func(r *xaiv1.GetCompletionsRequest) { r.Model = "" }), "model"},
		{"no role", req(func(r *xaiv1.GetCompletionsRequest) { r.Messages[0].Role = xaiv1.MessageRole_INVALID_ROLE }), "role"},
		{"system not first", req(func(r *xaiv1.GetCompletionsRequest) {
			r.Messages = append(r.Messages, text(xaiv1.MessageRole_ROLE_SYSTEM, "late"))
		}), "system"},
		{"two system messages", req(func(r *xaiv1.GetCompletionsRequest) {
			r.Messages = []*xaiv1.Message{text(xaiv1.MessageRole_ROLE_SYSTEM, "a"), text(xaiv1.MessageRole_ROLE_SYSTEM, "b"), user()}
		}), "system"},
		{"empty message", req(func(r *xaiv1.GetCompletionsRequest) { r.Messages[0].Content = nil }), "content"},
		{"gif image", req(func(r *xaiv1.GetCompletionsRequest) { r.Messages[0] = user(img(gif, xaiv1.ImageDetail_DETAIL_AUTO)) }), "image/gif"},
		{"http image", req(func(r *xaiv1.GetCompletionsRequest) {
			r.Messages[0] = user(img("http://example.com/a.png", xaiv1.ImageDetail_DETAIL_AUTO))
		}), "https"},
		{"unknown detail", req(func(r *xaiv1.GetCompletionsRequest) {
			r.Messages[0] = user(img("https://example.com/a.png", xaiv1.ImageDetail(9)))
		}), "detail"},
		{"unset detail is auto", req(func(r *xaiv1.GetCompletionsRequest) {
			r.Messages[0] = user(img("https://example.com/a.png", xaiv1.ImageDetail_DETAIL_INVALID))
		}), ""},
		{"file with two sources", req(func(r *xaiv1.GetCompletionsRequest) {
			r.Messages[0] = user(&xaiv1.Content{Content: &xaiv1.Content_File{File: &xaiv1.FileContent{Data: []byte("x"), Url: "https://example.com/a"}}})
		}), "exactly one of"},
		{"file id with a name", req(func(r *xaiv1.GetCompletionsRequest) {
			r.Messages[0] = user(&xaiv1.Content{Content: &xaiv1.Content_File{File: &xaiv1.FileContent{FileId: "f", Filename: "a.pdf"}}})
		}), "file_id"},
		{"file http url", req(func(r *xaiv1.GetCompletionsRequest) {
			r.Messages[0] = user(&xaiv1.Content{Content: &xaiv1.Content_File{File: &xaiv1.FileContent{Url: "http://example.com/a.pdf"}}})
		}), "https"},
		{"temperature", req(func(r *xaiv1.GetCompletionsRequest) { r.Temperature = proto.Float32(2.5) }), "temperature"},
		{"top_p", req(func(r *xaiv1.GetCompletionsRequest) { r.TopP = proto.Float32(1.5) }), "top_p"},
		{"frequency_penalty", req(func(r *xaiv1.GetCompletionsRequest) { r.FrequencyPenalty = proto.Float32(-3) }), "frequency_penalty"},
		{"presence_penalty", req(func(r *xaiv1.GetCompletionsRequest) { r.PresencePenalty = proto.Float32(3) }), "presence_penalty"},
		{"n", req(func(r *xaiv1.GetCompletionsRequest) { r.N = proto.Int32(0) }), "n"},
		{"max_tokens", req(func(r *xaiv1.GetCompletionsRequest) { r.MaxTokens = proto.Int32(0) }), "max_tokens"},
		{"top_logprobs", req(func(r *xaiv1.GetCompletionsRequest) { r.TopLogprobs = proto.Int32(9) }), "top_logprobs"},
		{"max_turns", req(func(r *xaiv1.GetCompletionsRequest) { r.MaxTurns = proto.Int32(0) }), "max_turns"},
		{"reasoning_effort", req(func(r *xaiv1.GetCompletionsRequest) {
			r.ReasoningEffort = xaiv1.ReasoningEffort_INVALID_EFFORT.Enum()
		}), "reasoning_effort"},
		{"tool choice required without tools", req(func(r *xaiv1.GetCompletionsRequest) {
			r.ToolChoice = &xaiv1.ToolChoice{ToolChoice: &xaiv1.ToolChoice_Mode{Mode: xaiv1.ToolMode_TOOL_MODE_REQUIRED}}
		}), "TOOL_MODE_REQUIRED needs at least one tool"},
		{"tool choice of a missing function", req(func(r *xaiv1.GetCompletionsRequest) {
			r.Tools = []*xaiv1.Tool{FunctionTool("get_time", "d", `{"type":"object","properties":{}}`).Proto()}
			r.ToolChoice = &xaiv1.ToolChoice{ToolChoice: &xaiv1.ToolChoice_FunctionName{FunctionName: "get_weather"}}
		}), "not among the tools"},
		{"tool choice empty", req(func(r *xaiv1.GetCompletionsRequest) { r.ToolChoice = &xaiv1.ToolChoice{} }), "tool_choice is empty"},
		{"tool choice of a present function", req(func(r *xaiv1.GetCompletionsRequest) {
			r.Tools = []*xaiv1.Tool{FunctionTool("get_time", "d", `{"type":"object","properties":{}}`).Proto()}
			r.ToolChoice = &xaiv1.ToolChoice{ToolChoice: &xaiv1.ToolChoice_FunctionName{FunctionName: "get_time"}}
		}), ""},
		{"include", req(func(r *xaiv1.GetCompletionsRequest) {
			r.Include = []xaiv1.IncludeOption{xaiv1.IncludeOption_INCLUDE_OPTION_INVALID}
		}), "include"},
	}
	// The one rule on which they differ, as the fake's README explains: the
	// SDK requires tool_call_id on a tool turn, while the fake, like the
	// service, accepts a tool turn without one, since the official Python
	// SDK's tool_result makes the ID optional.
	noID := req(func(r *xaiv1.GetCompletionsRequest) {
		r.Messages = append(r.Messages, text(xaiv1.MessageRole_ROLE_TOOL, "42"))
	})
	if err := sdkVerdict(noID); codeOf(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "tool_call_id") {
		t.Errorf("SDK on a tool turn without tool_call_id: %v", err)
	}
	if _, err := raw.GetCompletion(context.Background(), noID); err != nil {
		t.Errorf("fake on a tool turn without tool_call_id: %v, want accepted", err)
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			local := sdkVerdict(proto.CloneOf(tt.req))
			_, remote := raw.GetCompletion(context.Background(), proto.CloneOf(tt.req))
			if tt.field == "" {
				if local != nil || remote != nil {
					t.Fatalf("both should accept: SDK %v; fake %v", local, remote)
				}
				return
			}
			for side, err := range map[string]error{"SDK": local, "fake": remote} {
				if status.Code(err) != codes.InvalidArgument {
					t.Errorf("%s: %v, want INVALID_ARGUMENT", side, err)
				} else if !strings.Contains(err.Error(), tt.field) {
					t.Errorf("%s: %v does not name %q", side, err, tt.field)
				}
			}
		})
	}
}
