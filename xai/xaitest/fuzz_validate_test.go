package xaitest

import (
	"encoding/base64"
	"flag"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
)

// fuzzBudget is how long the fake may spend validating and answering one
// request before the fuzz target calls the input pathological. It applies
// while fuzzing (-fuzz), where slow inputs are what the engine looks for;
// a plain test run replays the seed corpus without a time bound, which a
// loaded machine could break.
const fuzzBudget = 2 * time.Second

// fuzzing reports whether the fuzzing engine runs (-test.fuzz is set).
func fuzzing() bool {
	f := flag.Lookup("test.fuzz")
	return f != nil && f.Value.String() != ""
}

// maxReplyBytes bounds the content and tool call arguments of one output.
const maxReplyBytes = 1 << 20

func toolCallBytes(o output) int {
	n := 0
	for _, tc := range o.toolCalls {
		n += len(tc.GetFunction().GetArguments())
	}
	return n
}

// FuzzValidateRequest feeds arbitrary GetCompletionsRequest bytes to the
// fake's request validation (plan) and, when it accepts them, to answer
// generation: validation must answer INVALID_ARGUMENT or NOT_FOUND, never
// panic; an accepted request must give n outputs whose streamed deltas
// rebuild the unary content, consistent usage, and messages that gRPC can
// encode.
func FuzzValidateRequest(f *testing.F) {
	srv, err := NewServer(WithBufconn(), WithRequestLog(0))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { srv.Close() })

	text := func(s string) *xaiv1.Content { return &xaiv1.Content{Content: &xaiv1.Content_Text{Text: s}} }
	user := func(parts ...*xaiv1.Content) *xaiv1.Message {
		return &xaiv1.Message{Role: xaiv1.MessageRole_ROLE_USER, Content: parts}
	}
	img := func(u string, d xaiv1.ImageDetail) *xaiv1.Content {
		return &xaiv1.Content{Content: &xaiv1.Content_ImageUrl{ImageUrl: &xaiv1.ImageUrlContent{
			Source: &xaiv1.ImageUrlContent_ImageUrl{ImageUrl: u}, Detail: d}}}
	}
	fn := func(name, params string) *xaiv1.Tool {
		return &xaiv1.Tool{Tool: &xaiv1.Tool_Function{Function: &xaiv1.Function{Name: name, Parameters: params}}}
	}
	png := "data:image/png;base64," + base64.StdEncoding.EncodeToString(append(append([]byte(nil), pngMagic...), 0, 0, 0, 0))
	for _, req := range []*xaiv1.GetCompletionsRequest{
		{Model: "grok-3", Messages: []*xaiv1.Message{user(text("hi"))}},
		{Model: "grok-4", N: proto.Int32(3), MaxTokens: proto.Int32(4), Stop: []string{"deterministic"},
			Logprobs: true, TopLogprobs: proto.Int32(2), Temperature: proto.Float32(0.5),
			Messages: []*xaiv1.Message{{Role: xaiv1.MessageRole_ROLE_SYSTEM, Content: []*xaiv1.Content{text("s")}}, user(text("q"))}},
		{Model: "grok-4", ReasoningEffort: xaiv1.ReasoningEffort_EFFORT_HIGH.Enum(), UseEncryptedContent: true, StoreMessages: true,
			Messages: []*xaiv1.Message{user(text("think"))}},
		{Model: "grok-3", Tools: []*xaiv1.Tool{fn("get", `{"type":"object","properties":{"city":{"type":"string","minLength":3}},"required":["city"]}`)},
			ToolChoice: &xaiv1.ToolChoice{ToolChoice: &xaiv1.ToolChoice_FunctionName{FunctionName: "get"}},
			Messages:   []*xaiv1.Message{user(text("weather?"))}},
		{Model: "grok-3", ResponseFormat: &xaiv1.ResponseFormat{FormatType: xaiv1.FormatType_FORMAT_TYPE_JSON_SCHEMA,
			Schema: proto.String(`{"type":"object","properties":{"a":{"type":"array","items":{"type":"integer","minimum":3}},"b":{"$ref":"#/properties/a"}}}`)},
			Messages: []*xaiv1.Message{user(text("json"))}},
		{Model: "grok-3", ResponseFormat: &xaiv1.ResponseFormat{FormatType: xaiv1.FormatType_FORMAT_TYPE_JSON_OBJECT},
			Messages: []*xaiv1.Message{user(text("obj"))}},
		{Model: "grok-2-vision-1212", Messages: []*xaiv1.Message{user(text("look"), img(png, xaiv1.ImageDetail_DETAIL_HIGH), img("https://example.com/a.jpg", xaiv1.ImageDetail_DETAIL_LOW))}},
		{Model: "grok-3", Messages: []*xaiv1.Message{user(img("https://example.com/a.jpg", xaiv1.ImageDetail_DETAIL_AUTO))}},
		{Model: "grok-3", PreviousResponseId: proto.String("missing"), Messages: []*xaiv1.Message{user(text("again"))}},
		{Model: "grok-3", Messages: []*xaiv1.Message{{Role: xaiv1.MessageRole_ROLE_ASSISTANT, EncryptedContent: "not-a-blob"}, user(text("x"))}},
		{Model: "grok-3", Messages: []*xaiv1.Message{user(&xaiv1.Content{Content: &xaiv1.Content_File{File: &xaiv1.FileContent{FileId: "file-x"}}})}},
		{Model: "grok-3", Messages: []*xaiv1.Message{{Role: xaiv1.MessageRole_ROLE_TOOL, Content: []*xaiv1.Content{text("42")}}}},
		{Model: "grok-4", MaxTurns: proto.Int32(2), Include: []xaiv1.IncludeOption{xaiv1.IncludeOption_INCLUDE_OPTION_INLINE_CITATIONS},
			Tools: []*xaiv1.Tool{{Tool: &xaiv1.Tool_WebSearch{WebSearch: &xaiv1.WebSearch{}}}, {Tool: &xaiv1.Tool_XSearch{XSearch: &xaiv1.XSearch{}}},
				{Tool: &xaiv1.Tool_ImageGeneration{ImageGeneration: &xaiv1.ImageGeneration{Action: proto.String("edit")}}},
				{Tool: &xaiv1.Tool_CollectionsSearch{CollectionsSearch: &xaiv1.CollectionsSearch{CollectionIds: []string{"c"}}}}},
			Messages: []*xaiv1.Message{user(text("search, then edit"))}},
		{Model: "grok-3", Messages: []*xaiv1.Message{user(text("t")),
			{Role: xaiv1.MessageRole_ROLE_ASSISTANT, ToolCalls: []*xaiv1.ToolCall{{Id: "c1", Tool: &xaiv1.ToolCall_Function{Function: &xaiv1.FunctionCall{Name: "f"}}}}},
			{Role: xaiv1.MessageRole_ROLE_TOOL, ToolCallId: proto.String("c1"), Content: []*xaiv1.Content{text("42")}}}},
		{Model: "grok-3", N: proto.Int32(129), Messages: []*xaiv1.Message{user(text("x"))}},
		{Model: "grok-3", TopLogprobs: proto.Int32(3), Messages: []*xaiv1.Message{user(text("x"))}},
		{Model: "nope", Messages: []*xaiv1.Message{user(text("x"))}},
		{Model: "grok-3"},
		{},
	} {
		b, err := proto.Marshal(req)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte{0x0a, 0x06, 'g', 'r', 'o', 'k', '-', '3'})

	f.Fuzz(func(t *testing.T, b []byte) {
		var req xaiv1.GetCompletionsRequest
		if proto.Unmarshal(b, &req) != nil {
			return
		}
		start := time.Now()
		p, err := srv.plan("", &req)
		if err != nil {
			st, ok := status.FromError(err)
			switch {
			case !ok:
				t.Fatalf("validation error %v (%T) is not a gRPC status", err, err)
			case st.Code() == codes.Unimplemented && req.GetN() > 1 && len(serverTools(&req)) > 0:
				return // several choices with server-side tools are not emulated
			case st.Code() != codes.InvalidArgument && st.Code() != codes.NotFound:
				t.Fatalf("validation answered %v: %v", st.Code(), err)
			case st.Message() == "":
				t.Fatal("validation error without a message")
			}
			if st.Code() == codes.NotFound && req.PreviousResponseId == nil && !strings.Contains(string(b), "file") {
				// Only a stored response or an uploaded file can be
				// missing; the fuzzer's file IDs need not spell "file".
				hasFile := false
				for _, m := range req.GetMessages() {
					for _, c := range m.GetContent() {
						hasFile = hasFile || c.GetFile().GetFileId() != "" || c.GetImageUrl().GetFileId() != ""
					}
				}
				if !hasFile {
					t.Fatalf("NOT_FOUND for a request that names no stored response or file: %v", err)
				}
			}
			return
		}

		g, err := srv.generate(p, nil)
		if err != nil {
			// Only collections_search fails here, on an unknown collection.
			if status.Code(err) != codes.NotFound {
				t.Fatalf("generating an answer: %v", err)
			}
			return
		}
		outs := g.outs
		n := len(outs) // the agent loop adds outputs, one index each
		if !agentLoopRuns(p) && n != choices(p) {
			t.Fatalf("%d outputs for n = %d", n, choices(p))
		}
		resp, err := srv.response(p, g)
		if err != nil {
			t.Fatalf("answering an accepted request: %v", err)
		}
		comp := &completion{plan: p, resp: resp, outs: outs}
		chunks := comp.chunks()
		if took := time.Since(start); fuzzing() && took > fuzzBudget {
			t.Fatalf("validating and answering took %v", took)
		}

		// Streamed deltas rebuild the unary content of every output.
		got := make([]strings.Builder, n)
		for _, ch := range chunks {
			for _, o := range ch.GetOutputs() {
				i := int(o.GetIndex())
				if i < 0 || i >= n {
					t.Fatalf("chunk for output %d of %d", i, n)
				}
				got[i].WriteString(o.GetDelta().GetContent())
			}
			if ch.GetId() != resp.GetId() {
				t.Fatalf("chunk ID %q, response ID %q", ch.GetId(), resp.GetId())
			}
		}
		for i, o := range resp.GetOutputs() {
			if got[i].String() != o.GetMessage().GetContent() {
				t.Fatalf("output %d: stream %q, unary %q", i, got[i].String(), o.GetMessage().GetContent())
			}
		}
		u := resp.GetUsage()
		if u.GetTotalTokens() != u.GetPromptTokens()+u.GetCompletionTokens()+u.GetReasoningTokens() ||
			u.GetPromptTokens() != u.GetPromptTextTokens()+u.GetPromptImageTokens() ||
			u.GetCachedPromptTextTokens() > u.GetPromptTextTokens() || u.GetCompletionTokens() < 0 {
			t.Fatalf("inconsistent usage %v", u)
		}
		// Answers stay small: a placeholder for a JSON schema is not
		// allowed to grow with the product of nested minItems and $ref
		// recursion (real replies are bounded by the model's output).
		for i, o := range outs {
			if size := len(o.content) + toolCallBytes(o); size > maxReplyBytes {
				t.Fatalf("output %d is %d bytes, over %d", i, size, maxReplyBytes)
			}
		}
		// What the fake sends can be encoded: gRPC would otherwise fail
		// the call with INTERNAL.
		if _, err := proto.Marshal(resp); err != nil {
			t.Fatalf("the response cannot be encoded: %v", err)
		}
		for _, ch := range chunks {
			if _, err := proto.Marshal(ch); err != nil {
				t.Fatalf("a chunk cannot be encoded: %v", err)
			}
		}
	})
}
