package xaitest_test

import (
	"testing"

	"google.golang.org/grpc/codes"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
)

func TestChatValidation(t *testing.T) {
	srv, chat := startClient(t, xaiv1.NewChatClient)
	ok := func() *xaiv1.GetCompletionsRequest { return chatReq("grok-4", user("hi")) }
	with := func(f func(r *xaiv1.GetCompletionsRequest)) *xaiv1.GetCompletionsRequest {
		r := ok()
		f(r)
		return r
	}
	fn := &xaiv1.Tool{Tool: &xaiv1.Tool_Function{Function: &xaiv1.Function{Name: "get_weather", Parameters: `{"type":"object"}`}}}
	cases := []struct {
		name     string
		req      *xaiv1.GetCompletionsRequest
		code     codes.Code
		fragment string
	}{
		{"empty model", with(func(r *xaiv1.GetCompletionsRequest) { r.Model = "" }), codes.InvalidArgument, "model is required"},
		{"unknown model", with(func(r *xaiv1.GetCompletionsRequest) { r.Model = "grok-99" }), codes.InvalidArgument, `"grok-99" does not exist`},
		{"embedding model", with(func(r *xaiv1.GetCompletionsRequest) { r.Model = "v1" }), codes.InvalidArgument, "not a language model"},
		{"no messages", chatReq("grok-4"), codes.InvalidArgument, "messages must not be empty"},
		{"two system messages", chatReq("grok-4", system("a"), system("b"), user("hi")), codes.InvalidArgument, "messages[1]: only one system or developer"},
		{"system not first", chatReq("grok-4", user("hi"), system("a")), codes.InvalidArgument, "messages[1]: the system or developer message must be the first"},
		{"developer after system", chatReq("grok-4", system("a"), &xaiv1.Message{Role: xaiv1.MessageRole_ROLE_DEVELOPER, Content: []*xaiv1.Content{text("b")}}), codes.InvalidArgument, "only one system or developer"},
		{"invalid role", chatReq("grok-4", &xaiv1.Message{Content: []*xaiv1.Content{text("x")}}), codes.InvalidArgument, "messages[0] has role INVALID_ROLE"},
		{"unknown role", chatReq("grok-4", &xaiv1.Message{Role: 42, Content: []*xaiv1.Content{text("x")}}), codes.InvalidArgument, "unknown role 42"},
		{"no content", chatReq("grok-4", &xaiv1.Message{Role: xaiv1.MessageRole_ROLE_USER}), codes.InvalidArgument, "messages[0] (ROLE_USER) has no content"},
		{"empty part", chatReq("grok-4", &xaiv1.Message{Role: xaiv1.MessageRole_ROLE_USER, Content: []*xaiv1.Content{{}}}), codes.InvalidArgument, "messages[0].content[0] is empty"},
		{"temperature high", with(func(r *xaiv1.GetCompletionsRequest) { r.Temperature = ptr[float32](2.5) }), codes.InvalidArgument, "temperature must be between 0 and 2"},
		{"temperature low", with(func(r *xaiv1.GetCompletionsRequest) { r.Temperature = ptr[float32](-0.1) }), codes.InvalidArgument, "temperature"},
		{"top_p", with(func(r *xaiv1.GetCompletionsRequest) { r.TopP = ptr[float32](1.5) }), codes.InvalidArgument, "top_p must be between 0 and 1"},
		{"frequency_penalty", with(func(r *xaiv1.GetCompletionsRequest) { r.FrequencyPenalty = ptr[float32](3) }), codes.InvalidArgument, "frequency_penalty must be between -2 and 2"},
		{"presence_penalty", with(func(r *xaiv1.GetCompletionsRequest) { r.PresencePenalty = ptr[float32](-2.5) }), codes.InvalidArgument, "presence_penalty"},
		{"n zero", with(func(r *xaiv1.GetCompletionsRequest) { r.N = ptr[int32](0) }), codes.InvalidArgument, "n must be between 1 and 128"},
		{"n too big", with(func(r *xaiv1.GetCompletionsRequest) { r.N = ptr[int32](129) }), codes.InvalidArgument, "n must be between 1 and 128"},
		{"max_tokens", with(func(r *xaiv1.GetCompletionsRequest) { r.MaxTokens = ptr[int32](0) }), codes.InvalidArgument, "max_tokens must be at least 1"},
		{"top_logprobs range", with(func(r *xaiv1.GetCompletionsRequest) { r.Logprobs = true; r.TopLogprobs = ptr[int32](9) }), codes.InvalidArgument, "top_logprobs must be between 0 and 8"},
		{"top_logprobs alone", with(func(r *xaiv1.GetCompletionsRequest) { r.TopLogprobs = ptr[int32](2) }), codes.InvalidArgument, "requires logprobs"},
		{"effort on non-reasoning", with(func(r *xaiv1.GetCompletionsRequest) {
			r.Model = "grok-3"
			r.ReasoningEffort = xaiv1.ReasoningEffort_EFFORT_LOW.Enum()
		}), codes.InvalidArgument, `"grok-3" does not support reasoning_effort`},
		{"tool choice unknown", with(func(r *xaiv1.GetCompletionsRequest) {
			r.Tools = []*xaiv1.Tool{fn}
			r.ToolChoice = &xaiv1.ToolChoice{ToolChoice: &xaiv1.ToolChoice_FunctionName{FunctionName: "nope"}}
		}), codes.InvalidArgument, `function "nope"`},
		{"required without tools", with(func(r *xaiv1.GetCompletionsRequest) {
			r.ToolChoice = &xaiv1.ToolChoice{ToolChoice: &xaiv1.ToolChoice_Mode{Mode: xaiv1.ToolMode_TOOL_MODE_REQUIRED}}
		}), codes.InvalidArgument, "needs at least one tool"},
		{"bad parameters", with(func(r *xaiv1.GetCompletionsRequest) {
			r.Tools = []*xaiv1.Tool{{Tool: &xaiv1.Tool_Function{Function: &xaiv1.Function{Name: "f", Parameters: "{"}}}}
		}), codes.InvalidArgument, "tools[0].function.parameters"},
		{"schema missing", with(func(r *xaiv1.GetCompletionsRequest) {
			r.ResponseFormat = &xaiv1.ResponseFormat{FormatType: xaiv1.FormatType_FORMAT_TYPE_JSON_SCHEMA}
		}), codes.InvalidArgument, "requires a schema"},
		{"schema invalid", with(func(r *xaiv1.GetCompletionsRequest) {
			r.ResponseFormat = &xaiv1.ResponseFormat{FormatType: xaiv1.FormatType_FORMAT_TYPE_JSON_SCHEMA, Schema: ptr("[1")}
		}), codes.InvalidArgument, "response_format.schema: not valid JSON"},
		{"format invalid", with(func(r *xaiv1.GetCompletionsRequest) { r.ResponseFormat = &xaiv1.ResponseFormat{} }), codes.InvalidArgument, "format_type"},
		{"previous id empty", with(func(r *xaiv1.GetCompletionsRequest) { r.PreviousResponseId = ptr("") }), codes.InvalidArgument, "previous_response_id is set but empty"},
		{"previous id unknown", with(func(r *xaiv1.GetCompletionsRequest) { r.PreviousResponseId = ptr("no-such-id") }), codes.NotFound, `"no-such-id" not found`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := chat.GetCompletion(ctx(t), tc.req)
			wantCode(t, err, tc.code, tc.fragment)
			// The streaming and deferred RPCs validate the same way.
			stream, err := chat.GetCompletionChunk(ctx(t), tc.req)
			if err == nil {
				_, err = collect(t, stream)
			}
			wantCode(t, err, tc.code, tc.fragment)
			_, err = chat.StartDeferredCompletion(ctx(t), tc.req)
			wantCode(t, err, tc.code, tc.fragment)
		})
	}
	if ids := srv.StoredResponseIDs(); len(ids) != 0 {
		t.Fatalf("rejected requests stored responses: %v", ids)
	}
}
