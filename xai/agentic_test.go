package xai

import (
	"bytes"
	"context"
	"encoding/base64"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
	"github.com/gogrok/sdk/xai/xaitest"
)

func jpegDecode(b []byte) (image.Image, error) { return jpeg.Decode(bytes.NewReader(b)) }

// The layouts in this file are the service's, not our fake's: one web
// search answered as the xAI service shapes it (issue "Server-side tools
// and agentic responses", whose table lists the outputs), read by the rules
// of the official Python SDK (src/xai_sdk/chat.py: Response._get_output
// keeps the last ROLE_ASSISTANT output, tool_calls gathers assistant
// outputs, tool_outputs the ROLE_TOOL ones; _auto_detect_multi_output_mode
// switches to "every output is one answer" when an index above 0 shows up
// on a one-choice request).

const (
	searchArgs   = `{"query":"meaning of 42"}`
	searchResult = "Result 1: The Hitchhiker's Guide to the Galaxy ..."
	finalAnswer  = "The answer is 42."
)

func searchCall() *xaiv1.ToolCall {
	return &xaiv1.ToolCall{Id: "c1", Type: xaiv1.ToolCallType_TOOL_CALL_TYPE_WEB_SEARCH_TOOL, Status: xaiv1.ToolCallStatus_TOOL_CALL_STATUS_COMPLETED,
		Tool: &xaiv1.ToolCall_Function{Function: &xaiv1.FunctionCall{Name: "web_search", Arguments: searchArgs}}}
}

func agentHead() *xaiv1.GetChatCompletionResponse {
	return &xaiv1.GetChatCompletionResponse{
		Id: "resp-agent", Model: "grok-4", Created: timestamppb.New(created), SystemFingerprint: "fp-a",
		Citations: []string{"https://example.com/42"},
		Usage: &xaiv1.SamplingUsage{PromptTokens: 20, CompletionTokens: 7, TotalTokens: 27,
			ServerSideToolsUsed: []xaiv1.ServerSideTool{xaiv1.ServerSideTool_SERVER_SIDE_TOOL_WEB_SEARCH}},
		ServiceTier: xaiv1.ServiceTier_SERVICE_TIER_DEFAULT,
	}
}

// issueLayout is the unary layout of one web search: an assistant output
// with the call, a ROLE_TOOL output echoing it with the result, and the
// final answer, each with its own index.
func issueLayout() *xaiv1.GetChatCompletionResponse {
	r := agentHead()
	r.Outputs = []*xaiv1.CompletionOutput{
		{Index: 0, Message: &xaiv1.CompletionMessage{Role: xaiv1.MessageRole_ROLE_ASSISTANT, ToolCalls: []*xaiv1.ToolCall{searchCall()}}},
		{Index: 1, Message: &xaiv1.CompletionMessage{Role: xaiv1.MessageRole_ROLE_TOOL, ToolCalls: []*xaiv1.ToolCall{searchCall()}, Content: searchResult}},
		{Index: 2, FinishReason: xaiv1.FinishReason_REASON_STOP, Message: &xaiv1.CompletionMessage{Role: xaiv1.MessageRole_ROLE_ASSISTANT, Content: finalAnswer}},
	}
	return r
}

// sharedIndexLayout is the same loop with every step at index 0.
func sharedIndexLayout() *xaiv1.GetChatCompletionResponse {
	r := issueLayout()
	for _, o := range r.Outputs {
		o.Index = 0
	}
	return r
}

func searchRequest(tools ...*xaiv1.Tool) *xaiv1.GetCompletionsRequest {
	return &xaiv1.GetCompletionsRequest{Model: "grok-4", Tools: tools}
}

func TestAgenticResponseAccessors(t *testing.T) {
	t.Parallel()
	webSearch := WebSearch().Proto()
	cases := []struct {
		name string
		pb   *xaiv1.GetChatCompletionResponse
		req  *xaiv1.GetCompletionsRequest
	}{
		{"issue layout, request with web search", issueLayout(), searchRequest(webSearch)},
		{"issue layout, tools added by the service", issueLayout(), searchRequest()},
		{"issue layout, request unknown (stored)", issueLayout(), nil},
		{"shared index, request with web search", sharedIndexLayout(), searchRequest(webSearch)},
		{"shared index, request unknown", sharedIndexLayout(), nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := newResponse(tc.pb, tc.req)
			if got := r.Content(); got != finalAnswer {
				t.Errorf("Content() = %q, want the final answer %q", got, finalAnswer)
			}
			if strings.Contains(r.Content(), "Hitchhiker") {
				t.Error("the tool's text leaked into Content()")
			}
			if r.FinishReason() != xaiv1.FinishReason_REASON_STOP || r.Role() != xaiv1.MessageRole_ROLE_ASSISTANT {
				t.Errorf("FinishReason %v, Role %v", r.FinishReason(), r.Role())
			}
			calls := r.ToolCalls()
			if len(calls) != 1 || calls[0].ID() != "c1" || calls[0].Name() != "web_search" || calls[0].ClientSide() {
				t.Errorf("ToolCalls() = %v, want the one web_search call c1", calls)
			}
			outs := r.ToolOutputs()
			if len(outs) != 1 || outs[0].Content() != searchResult || outs[0].Role() != xaiv1.MessageRole_ROLE_TOOL ||
				len(outs[0].ToolCalls()) != 1 || outs[0].ToolCalls()[0].ID() != "c1" {
				t.Errorf("ToolOutputs() = %v", outs)
			}
			if u := r.ServerSideToolUsage(); len(u) != 1 || u[xaiv1.ServerSideTool_SERVER_SIDE_TOOL_WEB_SEARCH] != 1 {
				t.Errorf("ServerSideToolUsage() = %v", u)
			}
			if r.ServiceTier() != xaiv1.ServiceTier_SERVICE_TIER_DEFAULT {
				t.Errorf("ServiceTier() = %v", r.ServiceTier())
			}
			images, err := r.ImageOutputs()
			if err != nil || len(images) != 0 {
				t.Errorf("ImageOutputs() = %v, %v; want none", images, err)
			}
		})
	}
}

// Several choices without server-side tools: index is the choice, and the
// accessors read choice 0, as before.
func TestChoicesWithoutToolsUnchanged(t *testing.T) {
	t.Parallel()
	pb := &xaiv1.GetChatCompletionResponse{Id: "r2", Outputs: []*xaiv1.CompletionOutput{
		output(0, "first"), output(1, "second", toolCall("c", "f", "{}", xaiv1.ToolCallType_TOOL_CALL_TYPE_CLIENT_SIDE_TOOL)),
	}}
	for _, req := range []*xaiv1.GetCompletionsRequest{{Model: "grok-4", N: proto.Int32(2)}, nil} {
		r := newResponse(pb, req)
		if r.Content() != "first" || len(r.ToolCalls()) != 0 || len(r.ToolOutputs()) != 0 {
			t.Errorf("req %v: Content %q, ToolCalls %v: want choice 0 only", req, r.Content(), r.ToolCalls())
		}
		_, err := r.turnMessages()
		wantInvalid(t, err, "several choices")
	}
	// With n = 2 and server-side tools, the index is still the choice.
	r := newResponse(issueLayout(), &xaiv1.GetCompletionsRequest{Model: "grok-4", N: proto.Int32(3), Tools: []*xaiv1.Tool{WebSearch().Proto()}})
	if r.Content() != "" || len(r.ToolCalls()) != 1 {
		t.Errorf("n = 3: Content %q, ToolCalls %v: want choice 0's (the call only)", r.Content(), r.ToolCalls())
	}
}

// Append replays every output in order, tool turns with the tool_call_id
// of the call they echo (official Python SDK chat.py, _replay_tool_call_id),
// and the next request is sent as built.
func TestAgenticAppendReplaysToolTurns(t *testing.T) {
	t.Parallel()
	s := &scriptServer{unary: func(_ context.Context, n int, req *xaiv1.GetCompletionsRequest) (*xaiv1.GetChatCompletionResponse, error) {
		if n == 1 {
			return issueLayout(), nil
		}
		return textResponse("resp-2", "Douglas Adams."), nil
	}}
	c := startScript(t, s, true)
	ctx := context.Background()
	chat := c.Chat.Create("grok-4", WithTools(WebSearch())).Append(User("What is the meaning of life?"))
	resp, err := chat.Sample(ctx)
	if err != nil {
		t.Fatal(err)
	}
	chat.Append(resp, User("Who wrote that?"))
	if _, err := chat.Sample(ctx); err != nil {
		t.Fatal(err)
	}
	got := s.lastCall().req.(*xaiv1.GetCompletionsRequest).GetMessages()
	c1 := "c1"
	want := []*xaiv1.Message{
		User("What is the meaning of life?").Proto(),
		{Role: xaiv1.MessageRole_ROLE_ASSISTANT, Content: []*xaiv1.Content{textContent("")}, ToolCalls: []*xaiv1.ToolCall{searchCall()}},
		{Role: xaiv1.MessageRole_ROLE_TOOL, Content: []*xaiv1.Content{textContent(searchResult)}, ToolCalls: []*xaiv1.ToolCall{searchCall()}, ToolCallId: &c1},
		{Role: xaiv1.MessageRole_ROLE_ASSISTANT, Content: []*xaiv1.Content{textContent(finalAnswer)}},
		User("Who wrote that?").Proto(),
	}
	if len(got) != len(want) {
		t.Fatalf("sent %d messages, want %d: %v", len(got), len(want), got)
	}
	for i := range want {
		if !proto.Equal(got[i], want[i]) {
			t.Errorf("message %d = %v\nwant %v", i, got[i], want[i])
		}
	}
}

// agentChunks is the issue layout as a stream: the completed call and its
// result in one chunk, then the answer in two deltas. roleEveryDelta sends
// the role on every delta (the service's shape); otherwise only on the
// first delta of each index (an older shape), which must read the same.
func agentChunks(roleEveryDelta bool) []*xaiv1.GetChatCompletionChunk {
	assistant, tool := xaiv1.MessageRole_ROLE_ASSISTANT, xaiv1.MessageRole_ROLE_TOOL
	later := assistant
	if !roleEveryDelta {
		later = xaiv1.MessageRole_INVALID_ROLE
	}
	h := agentHead()
	head := func(c *xaiv1.GetChatCompletionChunk) *xaiv1.GetChatCompletionChunk {
		c.Id, c.Model, c.Created, c.SystemFingerprint = h.Id, h.Model, h.Created, h.SystemFingerprint
		return c
	}
	return []*xaiv1.GetChatCompletionChunk{
		head(&xaiv1.GetChatCompletionChunk{Outputs: []*xaiv1.CompletionOutputChunk{
			{Index: 0, Delta: &xaiv1.Delta{Role: assistant, ToolCalls: []*xaiv1.ToolCall{searchCall()}}},
			{Index: 1, Delta: &xaiv1.Delta{Role: tool, ToolCalls: []*xaiv1.ToolCall{searchCall()}, Content: searchResult}},
		}}),
		head(&xaiv1.GetChatCompletionChunk{Outputs: []*xaiv1.CompletionOutputChunk{
			{Index: 2, Delta: &xaiv1.Delta{Role: assistant, Content: "The answer "}},
		}}),
		head(&xaiv1.GetChatCompletionChunk{Outputs: []*xaiv1.CompletionOutputChunk{
			{Index: 2, Delta: &xaiv1.Delta{Role: later, Content: "is 42."}, FinishReason: xaiv1.FinishReason_REASON_STOP},
		}, Citations: h.Citations, Usage: h.Usage, ServiceTier: h.ServiceTier}),
	}
}

func TestAgenticStreamEqualsUnary(t *testing.T) {
	t.Parallel()
	for _, every := range []bool{true, false} {
		name := map[bool]string{true: "role on every delta", false: "role on first delta"}[every]
		t.Run(name, func(t *testing.T) {
			s := &scriptServer{stream: func(_ int, _ *xaiv1.GetCompletionsRequest, srv grpc.ServerStreamingServer[xaiv1.GetChatCompletionChunk]) error {
				for _, c := range agentChunks(every) {
					if err := srv.Send(c); err != nil {
						return err
					}
				}
				return nil
			}}
			c := startScript(t, s, true)
			// No tools named: the service added them, and an index above 0 says so.
			st, err := c.Chat.Create("grok-4").Append(User("What is the meaning of life?")).Stream(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			var text strings.Builder
			var toolOuts []Output
			var calls []ToolCall
			for chunk, err := range st.All() {
				if err != nil {
					t.Fatal(err)
				}
				text.WriteString(chunk.Content())
				toolOuts = append(toolOuts, chunk.ToolOutputs()...)
				calls = append(calls, chunk.ToolCalls()...)
				for _, o := range chunk.Proto().GetOutputs() {
					if o.GetDelta().GetRole() == xaiv1.MessageRole_INVALID_ROLE {
						t.Errorf("chunk output %d left without a role", o.GetIndex())
					}
				}
			}
			if text.String() != finalAnswer {
				t.Errorf("chunk contents = %q, want %q", text.String(), finalAnswer)
			}
			if len(toolOuts) != 1 || toolOuts[0].Content() != searchResult || len(calls) != 1 || calls[0].ID() != "c1" {
				t.Errorf("chunk tool outputs %v, calls %v", toolOuts, calls)
			}
			got := st.Response()
			if !proto.Equal(got.Proto(), issueLayout()) {
				t.Errorf("accumulated response differs from the unary layout:\n got %v\nwant %v", got.Proto(), issueLayout())
			}
			if got.Content() != finalAnswer || len(got.ToolOutputs()) != 1 || len(got.ToolCalls()) != 1 {
				t.Errorf("accessors on the accumulated response: %q %v %v", got.Content(), got.ToolOutputs(), got.ToolCalls())
			}
		})
	}
}

// A shared-index stream keeps the tool's text out of Content too.
func TestAgenticStreamSharedIndex(t *testing.T) {
	t.Parallel()
	chunks := agentChunks(true)
	for _, c := range chunks {
		for _, o := range c.Outputs {
			o.Index = 0
		}
	}
	s := &scriptServer{stream: func(_ int, _ *xaiv1.GetCompletionsRequest, srv grpc.ServerStreamingServer[xaiv1.GetChatCompletionChunk]) error {
		for _, c := range chunks {
			if err := srv.Send(c); err != nil {
				return err
			}
		}
		return nil
	}}
	c := startScript(t, s, true)
	st, text := streamText(t, c.Chat.Create("grok-4", WithTools(WebSearch())).Append(User("q")))
	r := st.Response()
	if text != finalAnswer || r.Content() != finalAnswer || len(r.ToolOutputs()) != 1 || r.ToolOutputs()[0].Content() != searchResult {
		t.Errorf("chunks %q, Content %q, ToolOutputs %v", text, r.Content(), r.ToolOutputs())
	}
}

func tinyPNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 2, 2))
	img.Set(1, 1, color.RGBA{R: 255, A: 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// imageLayout is one image generation as the service sends it (issue
// "Server-side tools...": the ROLE_TOOL content is a JSON envelope, the
// echoed call has type IMAGE_GENERATION_TOOL, status COMPLETED and
// function name imagine_text_to_image).
func imageLayout(content string, status xaiv1.ToolCallStatus) *xaiv1.GetChatCompletionResponse {
	call := &xaiv1.ToolCall{Id: "img-1", Type: xaiv1.ToolCallType_TOOL_CALL_TYPE_IMAGE_GENERATION_TOOL, Status: status,
		Tool: &xaiv1.ToolCall_Function{Function: &xaiv1.FunctionCall{Name: "imagine_text_to_image", Arguments: `{"prompt":"a red dot"}`}}}
	return &xaiv1.GetChatCompletionResponse{Id: "resp-img", Outputs: []*xaiv1.CompletionOutput{
		{Index: 0, Message: &xaiv1.CompletionMessage{Role: xaiv1.MessageRole_ROLE_ASSISTANT, ToolCalls: []*xaiv1.ToolCall{call}}},
		{Index: 1, Message: &xaiv1.CompletionMessage{Role: xaiv1.MessageRole_ROLE_TOOL, ToolCalls: []*xaiv1.ToolCall{proto.CloneOf(call)}, Content: content}},
		{Index: 2, FinishReason: xaiv1.FinishReason_REASON_STOP, Message: &xaiv1.CompletionMessage{Role: xaiv1.MessageRole_ROLE_ASSISTANT, Content: "Here it is."}},
	}}
}

func TestImageOutputs(t *testing.T) {
	t.Parallel()
	img := tinyPNG(t)
	dataURL := "data:image/png;base64," + base64.StdEncoding.EncodeToString(img)
	env := `{"__type":"image_generation_result","result":"` + dataURL + `","image_uuid":"u-7"}`
	r := newResponse(imageLayout(env, xaiv1.ToolCallStatus_TOOL_CALL_STATUS_COMPLETED), searchRequest(ImageGeneration().Proto()))
	images, err := r.ImageOutputs()
	if err != nil {
		t.Fatal(err)
	}
	if len(images) != 1 {
		t.Fatalf("got %d images, want 1", len(images))
	}
	got := images[0]
	if !bytes.Equal(got.Image, img) || got.MIMEType != "image/png" || got.DataURL != dataURL || got.ImageUUID != "u-7" ||
		got.Call.ID() != "img-1" || got.Call.Name() != "imagine_text_to_image" || got.Output.Index() != 1 {
		t.Errorf("image output = %+v", got)
	}
	if _, err := png.Decode(bytes.NewReader(got.Image)); err != nil {
		t.Errorf("the decoded image is not a PNG: %v", err)
	}
	if r.Content() != "Here it is." {
		t.Errorf("Content() = %q", r.Content())
	}

	// A failed call carries an error payload instead of an image: left out.
	failed := newResponse(imageLayout(`{"error":"content policy"}`, xaiv1.ToolCallStatus_TOOL_CALL_STATUS_FAILED), nil)
	if images, err := failed.ImageOutputs(); err != nil || len(images) != 0 {
		t.Errorf("failed call: %v, %v; want no image and no error", images, err)
	}

	for _, bad := range []struct{ name, content, why string }{
		{"not JSON", "<html>", "not a JSON object"},
		{"wrong type", `{"__type":"other","result":"` + dataURL + `"}`, `__type is not "image_generation_result"`},
		{"not a data URL", `{"__type":"image_generation_result","result":"https://example.com/a.png"}`, "not a data:image/...;base64, URL"},
		{"bad base64", `{"__type":"image_generation_result","result":"data:image/png;base64,@@@"}`, "base64 is invalid"},
	} {
		t.Run(bad.name, func(t *testing.T) {
			_, err := newResponse(imageLayout(bad.content, xaiv1.ToolCallStatus_TOOL_CALL_STATUS_COMPLETED), nil).ImageOutputs()
			if codeOf(err) != codes.Internal || !strings.Contains(err.Error(), bad.why) || !strings.Contains(err.Error(), `tool call "img-1"`) {
				t.Errorf("err = %v; want Internal naming the call and %q", err, bad.why)
			}
		})
	}
}

// sameOutputs checks that two answers to the same request have equal
// outputs: the fake derives them from the request alone.
func sameOutputs(t *testing.T, what string, got, want *Response) {
	t.Helper()
	g, w := got.Proto().GetOutputs(), want.Proto().GetOutputs()
	if len(g) != len(w) {
		t.Fatalf("%s: %d outputs, want %d", what, len(g), len(w))
	}
	for i := range w {
		if !proto.Equal(g[i], w[i]) {
			t.Errorf("%s: output %d =\n%v\nwant\n%v", what, i, g[i], w[i])
		}
	}
	if got.Content() != want.Content() || len(got.ToolOutputs()) != len(want.ToolOutputs()) {
		t.Errorf("%s: Content %q, %d tool outputs; want %q, %d", what, got.Content(), len(got.ToolOutputs()), want.Content(), len(want.ToolOutputs()))
	}
}

// Every server-side tool, through the fake's agent loop: unary, stream and
// deferred answers agree, and each reads as the service's layout does
// (the final answer in Content, the call in ToolCalls, its result in
// ToolOutputs, the use counted).
func TestServerSideToolsUnaryStreamDeferredAgree(t *testing.T) {
	t.Parallel()
	_, c := newRAGFake(t, true)
	ctx := context.Background()
	col, err := c.Collections.Create(ctx, "towers")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Collections.AddDocument(ctx, col.ID, upload(t, c, "eiffel.txt", "The Eiffel Tower was designed by Gustave Eiffel's company.")); err != nil {
		t.Fatal(err)
	}
	tools := []struct {
		name string
		tool Tool
		typ  xaiv1.ToolCallType
	}{
		{"web search", WebSearch(), xaiv1.ToolCallType_TOOL_CALL_TYPE_WEB_SEARCH_TOOL},
		{"x search", XSearch(), xaiv1.ToolCallType_TOOL_CALL_TYPE_X_SEARCH_TOOL},
		{"code execution", CodeExecution(), xaiv1.ToolCallType_TOOL_CALL_TYPE_CODE_EXECUTION_TOOL},
		{"collections search", CollectionsSearch([]string{col.ID}, WithCollectionsSearchLimit(3)), xaiv1.ToolCallType_TOOL_CALL_TYPE_COLLECTIONS_SEARCH_TOOL},
		{"attachment search", AttachmentSearch(), xaiv1.ToolCallType_TOOL_CALL_TYPE_ATTACHMENT_SEARCH_TOOL},
		{"mcp", MCP("docs", "https://mcp.example.com/mcp"), xaiv1.ToolCallType_TOOL_CALL_TYPE_MCP_TOOL},
		{"image generation", ImageGeneration(), xaiv1.ToolCallType_TOOL_CALL_TYPE_IMAGE_GENERATION_TOOL},
	}
	for _, tt := range tools {
		t.Run(tt.name, func(t *testing.T) {
			chat := c.Chat.Create("grok-4", WithTools(tt.tool), WithSeed(1)).Append(User("Who designed the Eiffel Tower?"))
			unary, err := chat.Sample(ctx)
			if err != nil {
				t.Fatal(err)
			}
			calls, outs := unary.ToolCalls(), unary.ToolOutputs()
			if len(calls) != 1 || calls[0].Type() != tt.typ || calls[0].Status() != xaiv1.ToolCallStatus_TOOL_CALL_STATUS_COMPLETED {
				t.Fatalf("ToolCalls() = %v, want one completed %v", calls, tt.typ)
			}
			if len(outs) != 1 || outs[0].ToolCalls()[0].ID() != calls[0].ID() || outs[0].Content() == "" {
				t.Fatalf("ToolOutputs() = %v, want the result of %s", outs, calls[0].ID())
			}
			if unary.Content() == "" || strings.Contains(unary.Content(), outs[0].Content()) || unary.FinishReason() != xaiv1.FinishReason_REASON_STOP {
				t.Errorf("Content %q (finish %v): want the final answer, without the tool's text", unary.Content(), unary.FinishReason())
			}
			if n := len(unary.ServerSideToolUsage()); n != 1 {
				t.Errorf("ServerSideToolUsage() = %v, want one tool", unary.ServerSideToolUsage())
			}

			st, text := streamText(t, chat)
			if text != unary.Content() {
				t.Errorf("chunk contents %q, want the unary answer %q", text, unary.Content())
			}
			sameOutputs(t, "stream", st.Response(), unary)

			deferred, err := chat.Defer(ctx, WithPollInterval(time.Millisecond))
			if err != nil {
				t.Fatal(err)
			}
			sameOutputs(t, "deferred", deferred, unary)
		})
	}
}

// An agentic response continues locally (Append replays its tool turns)
// and on the server (previous_response_id), and a generated image is
// edited in a later turn by replay alone.
func TestServerSideToolsContinue(t *testing.T) {
	t.Parallel()
	_, c := newFake(t, true)
	ctx := context.Background()
	chat := c.Chat.Create("grok-4", WithTools(ImageGeneration()), WithStoreMessages(true)).Append(User("Draw a lighthouse."))
	drawn, err := chat.Sample(ctx)
	if err != nil {
		t.Fatal(err)
	}
	images, err := drawn.ImageOutputs()
	if err != nil || len(images) != 1 || images[0].Call.Name() != "imagine_text_to_image" || images[0].MIMEType != "image/jpeg" {
		t.Fatalf("ImageOutputs() = %v, %v", images, err)
	}
	if _, err := jpegDecode(images[0].Image); err != nil {
		t.Errorf("the generated image does not decode: %v", err)
	}

	// Locally: the replayed tool turn carries its tool_call_id, by which
	// the edit finds the image.
	chat.Append(drawn, User("Now edit it: paint it red."))
	edited, err := chat.Sample(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if images, err := edited.ImageOutputs(); err != nil || len(images) != 1 || images[0].Call.Name() != "imagine_image_to_image" {
		t.Errorf("edit by replay: %v, %v", images, err)
	}

	// On the server: only the new turn is sent.
	next := c.Chat.Create("grok-4", WithTools(ImageGeneration()), WithPreviousResponseID(drawn.ID())).Append(User("Edit the image: add a moon."))
	viaServer, err := next.Sample(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if images, err := viaServer.ImageOutputs(); err != nil || len(images) != 1 || images[0].Call.Name() != "imagine_image_to_image" {
		t.Errorf("edit with previous_response_id: %v, %v", images, err)
	}

	// A tool turn naming no earlier call is refused by the service.
	bad := c.Chat.Create("grok-4").Append(User("hi"), ToolResult("no-such-call", "42"))
	if _, err := bad.Sample(ctx); codeOf(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "no-such-call") {
		t.Errorf("unknown tool_call_id: %v", err)
	}
}

// Users script any layout with Reply.Outputs, a corrupt image envelope
// included, and the SDK reports it without panicking.
func TestScriptedLayoutMalformedEnvelope(t *testing.T) {
	t.Parallel()
	srv, c := newFake(t, true)
	call := &xaiv1.ToolCall{Id: "img-9", Type: xaiv1.ToolCallType_TOOL_CALL_TYPE_IMAGE_GENERATION_TOOL, Status: xaiv1.ToolCallStatus_TOOL_CALL_STATUS_COMPLETED,
		Tool: &xaiv1.ToolCall_Function{Function: &xaiv1.FunctionCall{Name: "imagine_text_to_image", Arguments: "{}"}}}
	srv.EnqueueReply(xaitest.Reply{Outputs: []xaitest.ReplyOutput{
		{Index: 0, ToolCalls: []*xaiv1.ToolCall{call}},
		{Index: 1, Role: xaiv1.MessageRole_ROLE_TOOL, ToolCalls: []*xaiv1.ToolCall{call}, Content: `{"__type":"image_generation_result","result":"not a data URL"}`},
		{Index: 2, Content: "Done."},
	}})
	resp, err := c.Chat.Create("grok-4", WithTools(ImageGeneration())).Append(User("draw")).Sample(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if resp.Content() != "Done." {
		t.Errorf("Content() = %q", resp.Content())
	}
	if _, err := resp.ImageOutputs(); codeOf(err) != codes.Internal || !strings.Contains(err.Error(), `"img-9"`) {
		t.Errorf("ImageOutputs() error = %v, want Internal naming the call", err)
	}
}
