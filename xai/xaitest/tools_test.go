package xaitest_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"image/jpeg"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/encoding/prototext"
	"google.golang.org/protobuf/proto"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
	"github.com/gogrok/sdk/xai/xaitest"
)

// sameResponse fails unless two responses agree on every field but those
// that differ per call (ID, creation time) and settings, which streams do
// not carry.
func sameResponse(t *testing.T, what string, got, want *xaiv1.GetChatCompletionResponse) {
	t.Helper()
	norm := func(r *xaiv1.GetChatCompletionResponse) *xaiv1.GetChatCompletionResponse {
		r = proto.CloneOf(r)
		r.Id, r.Created, r.Settings = "", nil, nil
		return r
	}
	if g, w := norm(got), norm(want); !proto.Equal(g, w) {
		t.Fatalf("%s differs from unary:\n%s:\n%s\nunary:\n%s", what, what, prototext.Format(g), prototext.Format(w))
	}
}

// TestAgentLoopLayout checks one web search against the layout of issue 9.
func TestAgentLoopLayout(t *testing.T) {
	_, chat := startClient(t, xaiv1.NewChatClient)
	req := chatReq("grok-4", user("What is new in Go 1.24?"))
	req.Tools = []*xaiv1.Tool{webSearch}
	resp := complete(t, chat, req)
	outs := resp.GetOutputs()
	if len(outs) != 3 {
		t.Fatalf("%d outputs, want 3: %v", len(outs), resp)
	}
	for i, want := range []xaiv1.MessageRole{assistant, toolRole, assistant} {
		if outs[i].GetIndex() != int32(i) || outs[i].GetMessage().GetRole() != want {
			t.Fatalf("output %d: index %d role %v, want %d %v", i, outs[i].GetIndex(), outs[i].GetMessage().GetRole(), i, want)
		}
	}
	calls := outs[0].GetMessage().GetToolCalls()
	if len(calls) != 1 || outs[0].GetMessage().GetContent() != "" {
		t.Fatalf("output 0: %v", outs[0])
	}
	call := calls[0]
	var args map[string]string
	if call.GetType() != xaiv1.ToolCallType_TOOL_CALL_TYPE_WEB_SEARCH_TOOL || call.GetStatus() != xaiv1.ToolCallStatus_TOOL_CALL_STATUS_COMPLETED ||
		call.GetId() == "" || call.GetFunction().GetName() != "web_search" ||
		json.Unmarshal([]byte(call.GetFunction().GetArguments()), &args) != nil || args["query"] == "" {
		t.Fatalf("call %v", call)
	}
	echo := outs[1].GetMessage()
	if len(echo.GetToolCalls()) != 1 || !proto.Equal(echo.GetToolCalls()[0], call) || echo.GetContent() == "" {
		t.Fatalf("tool output %v", echo)
	}
	final := outs[2]
	if final.GetFinishReason() != xaiv1.FinishReason_REASON_STOP || final.GetMessage().GetContent() == "" ||
		strings.Contains(final.GetMessage().GetContent(), echo.GetContent()) || len(final.GetMessage().GetCitations()) != 0 {
		t.Fatalf("final %v", final)
	}
	for _, o := range outs[:2] {
		if o.GetFinishReason() != xaiv1.FinishReason_REASON_INVALID {
			t.Fatalf("a step of the loop has finish reason %v", o.GetFinishReason())
		}
	}
	if len(resp.GetCitations()) == 0 || !slices.Equal(resp.GetUsage().GetServerSideToolsUsed(), []xaiv1.ServerSideTool{xaiv1.ServerSideTool_SERVER_SIDE_TOOL_WEB_SEARCH}) ||
		resp.GetUsage().GetNumSourcesUsed() != int32(len(resp.GetCitations())) {
		t.Fatalf("citations %v, usage %v", resp.GetCitations(), resp.GetUsage())
	}
	for _, c := range resp.GetCitations() {
		if !strings.Contains(echo.GetContent(), c) {
			t.Fatalf("citation %q is not among the results %q", c, echo.GetContent())
		}
	}

	// Inline citations only when asked, on the final assistant output,
	// each pointing at its span of the content.
	req.Include = []xaiv1.IncludeOption{xaiv1.IncludeOption_INCLUDE_OPTION_INLINE_CITATIONS}
	resp = complete(t, chat, req)
	final = resp.GetOutputs()[2]
	cites := final.GetMessage().GetCitations()
	if len(cites) != len(resp.GetCitations()) || len(cites) == 0 {
		t.Fatalf("inline citations %v for citations %v", cites, resp.GetCitations())
	}
	runes := []rune(final.GetMessage().GetContent())
	for i, c := range cites {
		span := string(runes[c.GetStartIndex():c.GetEndIndex()])
		if c.GetId() != string(rune('1'+i)) || c.GetWebCitation().GetUrl() != resp.GetCitations()[i] || !strings.Contains(span, c.GetWebCitation().GetUrl()) {
			t.Fatalf("inline citation %v spans %q", c, span)
		}
	}
	for _, o := range resp.GetOutputs()[:2] {
		if len(o.GetMessage().GetCitations()) != 0 {
			t.Fatalf("inline citations on a step: %v", o)
		}
	}
}

// TestAgentLoopUnaryStreamDeferredAgree runs every server-side tool three
// ways; the stream, accumulated per (index, role), equals the unary
// response field for field, as does the deferred one.
func TestAgentLoopUnaryStreamDeferredAgree(t *testing.T) {
	srv, pets, _, _, _ := searchFixture(t)
	chat := xaiv1.NewChatClient(srv.Conn())
	notes := uploadText(t, srv, "notes.txt", "The quick brown fox is a dog's friend.")
	fileMsg := user("Find the fox in my notes, please.", &xaiv1.Content{Content: &xaiv1.Content_File{File: &xaiv1.FileContent{FileId: notes}}})
	cases := []struct {
		name  string
		tools []*xaiv1.Tool
		used  []xaiv1.ServerSideTool
		msg   *xaiv1.Message
		edit  func(r *xaiv1.GetCompletionsRequest)
	}{
		{name: "web_search", tools: []*xaiv1.Tool{webSearch}, used: []xaiv1.ServerSideTool{xaiv1.ServerSideTool_SERVER_SIDE_TOOL_WEB_SEARCH}},
		{name: "x_search", tools: []*xaiv1.Tool{xSearch}, used: []xaiv1.ServerSideTool{xaiv1.ServerSideTool_SERVER_SIDE_TOOL_X_SEARCH}},
		{name: "code_execution", tools: []*xaiv1.Tool{codeExec}, used: []xaiv1.ServerSideTool{xaiv1.ServerSideTool_SERVER_SIDE_TOOL_CODE_EXECUTION}},
		{name: "collections_search", tools: []*xaiv1.Tool{collectionsTool(pets)}, used: []xaiv1.ServerSideTool{xaiv1.ServerSideTool_SERVER_SIDE_TOOL_COLLECTIONS_SEARCH},
			msg: user("Why do cats purr?")},
		{name: "attachment_search", tools: []*xaiv1.Tool{attachment}, used: []xaiv1.ServerSideTool{xaiv1.ServerSideTool_SERVER_SIDE_TOOL_ATTACHMENT_SEARCH}, msg: fileMsg},
		{name: "mcp", tools: []*xaiv1.Tool{mcpTool}, used: []xaiv1.ServerSideTool{xaiv1.ServerSideTool_SERVER_SIDE_TOOL_MCP}},
		{name: "image_generation", tools: []*xaiv1.Tool{imageGen}, used: []xaiv1.ServerSideTool{xaiv1.ServerSideTool_SERVER_SIDE_TOOL_IMAGE_GENERATION}},
		{name: "two tools, inline citations, reasoning", tools: []*xaiv1.Tool{webSearch, xSearch},
			used: []xaiv1.ServerSideTool{xaiv1.ServerSideTool_SERVER_SIDE_TOOL_WEB_SEARCH, xaiv1.ServerSideTool_SERVER_SIDE_TOOL_X_SEARCH},
			edit: func(r *xaiv1.GetCompletionsRequest) {
				r.Model = "grok-3-mini"
				r.Include = []xaiv1.IncludeOption{xaiv1.IncludeOption_INCLUDE_OPTION_INLINE_CITATIONS}
			}},
		{name: "max_turns", tools: []*xaiv1.Tool{codeExec, webSearch}, used: []xaiv1.ServerSideTool{xaiv1.ServerSideTool_SERVER_SIDE_TOOL_CODE_EXECUTION},
			edit: func(r *xaiv1.GetCompletionsRequest) { r.MaxTurns = ptr[int32](1) }},
		{name: "logprobs", tools: []*xaiv1.Tool{webSearch}, used: []xaiv1.ServerSideTool{xaiv1.ServerSideTool_SERVER_SIDE_TOOL_WEB_SEARCH},
			edit: func(r *xaiv1.GetCompletionsRequest) { r.Logprobs = true }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			msg := tc.msg
			if msg == nil {
				msg = user("Draw and find the quick brown fox.")
			}
			req := chatReq("grok-4", msg)
			req.Tools = tc.tools
			if tc.edit != nil {
				tc.edit(req)
			}
			unary, chunks, deferred := threeWays(t, chat, req)
			roleOnEveryDelta(t, chunks)
			sameResponse(t, "stream", accumulate(chunks), unary)
			sameResponse(t, "deferred", deferred, unary)

			outs := unary.GetOutputs()
			if len(outs) != 2*len(tc.used)+1 {
				t.Fatalf("%d outputs for %d tool call(s)", len(outs), len(tc.used))
			}
			for i, o := range outs {
				want := assistant
				if i%2 == 1 {
					want = toolRole
				}
				if o.GetIndex() != int32(i) || o.GetMessage().GetRole() != want {
					t.Fatalf("output %d: index %d role %v", i, o.GetIndex(), o.GetMessage().GetRole())
				}
				if want == toolRole && (o.GetMessage().GetContent() == "" ||
					!proto.Equal(o.GetMessage().GetToolCalls()[0], outs[i-1].GetMessage().GetToolCalls()[0])) {
					t.Fatalf("tool output %d: %v", i, o)
				}
			}
			if !slices.Equal(unary.GetUsage().GetServerSideToolsUsed(), tc.used) {
				t.Fatalf("tools used %v, want %v", unary.GetUsage().GetServerSideToolsUsed(), tc.used)
			}
			if outs[len(outs)-1].GetFinishReason() != xaiv1.FinishReason_REASON_STOP {
				t.Fatalf("final %v", outs[len(outs)-1])
			}
			// A completed call and its result arrive in the same chunk.
			for k := 0; k+1 < len(outs); k += 2 {
				found := false
				for _, ch := range chunks {
					co := ch.GetOutputs()
					found = found || len(co) == 2 && co[0].GetIndex() == int32(k) && co[0].GetDelta().GetRole() == assistant &&
						len(co[0].GetDelta().GetToolCalls()) == 1 && co[1].GetIndex() == int32(k+1) &&
						co[1].GetDelta().GetRole() == toolRole && co[1].GetDelta().GetContent() == outs[k+1].GetMessage().GetContent()
				}
				if !found {
					t.Fatalf("call %d and its result are not in one chunk", k)
				}
			}
			// The same request gets the same answer.
			again := complete(t, chat, req)
			sameResponse(t, "repeat", again, unary)
		})
	}
}

// TestSearchToolResults checks what each search finds.
func TestSearchToolResults(t *testing.T) {
	srv, pets, _, catsFile, _ := searchFixture(t)
	chat := xaiv1.NewChatClient(srv.Conn())
	ask := func(t *testing.T, text string, tool *xaiv1.Tool) *xaiv1.GetChatCompletionResponse {
		req := chatReq("grok-4", user(text))
		req.Tools = []*xaiv1.Tool{tool}
		req.Include = []xaiv1.IncludeOption{xaiv1.IncludeOption_INCLUDE_OPTION_INLINE_CITATIONS}
		resp := complete(t, chat, req)
		return resp
	}
	t.Run("collections", func(t *testing.T) {
		resp := ask(t, "purrs", collectionsTool(pets))
		result := resp.GetOutputs()[1].GetMessage().GetContent()
		if !strings.Contains(result, catsFile) || !strings.Contains(result, "purrs when happy") {
			t.Fatalf("result %q", result)
		}
		cites := resp.GetOutputs()[2].GetMessage().GetCitations()
		if len(cites) != 1 || cites[0].GetCollectionsCitation().GetFileId() != catsFile ||
			!slices.Equal(cites[0].GetCollectionsCitation().GetCollectionIds(), []string{pets}) {
			t.Fatalf("citations %v", cites)
		}
	})
	t.Run("web allowed domain", func(t *testing.T) {
		resp := ask(t, "go", &xaiv1.Tool{Tool: &xaiv1.Tool_WebSearch{WebSearch: &xaiv1.WebSearch{AllowedDomains: []string{"go.dev"}}}})
		for _, c := range resp.GetCitations() {
			if !strings.HasPrefix(c, "https://go.dev/") {
				t.Fatalf("citation %q outside the allowed domain", c)
			}
		}
	})
	t.Run("x handle", func(t *testing.T) {
		resp := ask(t, "news", &xaiv1.Tool{Tool: &xaiv1.Tool_XSearch{XSearch: &xaiv1.XSearch{AllowedXHandles: []string{"xai"}}}})
		cites := resp.GetOutputs()[2].GetMessage().GetCitations()
		if len(cites) == 0 || !strings.HasPrefix(cites[0].GetXCitation().GetUrl(), "https://x.com/xai/status/") {
			t.Fatalf("citations %v", cites)
		}
	})
	t.Run("code execution", func(t *testing.T) {
		resp := ask(t, "one two three", codeExec)
		var result struct {
			Stdout string `json:"stdout"`
		}
		if err := json.Unmarshal([]byte(resp.GetOutputs()[1].GetMessage().GetContent()), &result); err != nil || result.Stdout != "3\n" {
			t.Fatalf("result %q (%v)", resp.GetOutputs()[1].GetMessage().GetContent(), err)
		}
	})
	t.Run("mcp never contacted, secret never echoed", func(t *testing.T) {
		resp := ask(t, "hi", mcpTool)
		if name := resp.GetOutputs()[0].GetMessage().GetToolCalls()[0].GetFunction().GetName(); name != "docs.lookup" {
			t.Fatalf("call name %q", name)
		}
		if b, _ := proto.Marshal(resp); bytes.Contains(b, []byte("secret-token")) {
			t.Fatal("the MCP authorization leaks into the response")
		}
	})
	t.Run("unknown collection", func(t *testing.T) {
		req := chatReq("grok-4", user("x"))
		req.Tools = []*xaiv1.Tool{collectionsTool("no-such-collection")}
		_, err := chat.GetCompletion(ctx(t), req)
		wantCode(t, err, codes.NotFound, "no-such-collection")
	})
}

// image decodes the image of an image generation output and returns its
// image UUID.
func decodeImage(t *testing.T, out *xaiv1.CompletionOutput) string {
	t.Helper()
	var env struct {
		Type      string `json:"__type"`
		Result    string `json:"result"`
		ImageUUID string `json:"image_uuid"`
	}
	if err := json.Unmarshal([]byte(out.GetMessage().GetContent()), &env); err != nil {
		t.Fatalf("envelope %.80q: %v", out.GetMessage().GetContent(), err)
	}
	const prefix = "data:image/jpeg;base64,"
	if env.Type != "image_generation_result" || !strings.HasPrefix(env.Result, prefix) || env.ImageUUID == "" {
		t.Fatalf("envelope %+v", env)
	}
	b, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(env.Result, prefix))
	if err != nil {
		t.Fatal(err)
	}
	img, err := jpeg.Decode(bytes.NewReader(b))
	if err != nil || img.Bounds().Dx() == 0 {
		t.Fatalf("the generated image does not decode: %v", err)
	}
	return env.ImageUUID
}

func TestImageGenerationAndEdit(t *testing.T) {
	srv, chat := startClient(t, xaiv1.NewChatClient)
	first := chatReq("grok-4", user("Generate a corgi surfing a wave"))
	first.Tools = []*xaiv1.Tool{imageGen}
	first.StoreMessages = true
	resp := complete(t, chat, first)
	call := resp.GetOutputs()[1].GetMessage().GetToolCalls()[0]
	if call.GetType() != xaiv1.ToolCallType_TOOL_CALL_TYPE_IMAGE_GENERATION_TOOL || call.GetStatus() != xaiv1.ToolCallStatus_TOOL_CALL_STATUS_COMPLETED ||
		call.GetFunction().GetName() != "imagine_text_to_image" {
		t.Fatalf("call %v", call)
	}
	uuid := decodeImage(t, resp.GetOutputs()[1])
	if u := resp.GetUsage(); u.GetPromptImageTokens() != xaitest.ImageTokensAuto {
		t.Fatalf("the image read by the model is not counted: %v", u)
	}

	editTurn := user("Edit the image: make it night time")
	checkEdit := func(t *testing.T, resp *xaiv1.GetChatCompletionResponse) {
		t.Helper()
		call := resp.GetOutputs()[1].GetMessage().GetToolCalls()[0]
		var args map[string]string
		_ = json.Unmarshal([]byte(call.GetFunction().GetArguments()), &args)
		if call.GetFunction().GetName() != "imagine_image_to_image" || call.GetStatus() != xaiv1.ToolCallStatus_TOOL_CALL_STATUS_COMPLETED ||
			args["image_uuid"] != uuid {
			t.Fatalf("edit call %v", call)
		}
		if decodeImage(t, resp.GetOutputs()[1]) == uuid {
			t.Fatal("the edit returned the same image")
		}
	}
	t.Run("replayed locally", func(t *testing.T) {
		req := chatReq("grok-4", append(append([]*xaiv1.Message{first.GetMessages()[0]}, replay(resp, true)...), editTurn)...)
		req.Tools = []*xaiv1.Tool{imageGen}
		edited := complete(t, chat, req)
		checkEdit(t, edited)
	})
	t.Run("previous_response_id", func(t *testing.T) {
		req := chatReq("grok-4", editTurn)
		req.PreviousResponseId = ptr(resp.GetId())
		req.Tools = []*xaiv1.Tool{imageGen}
		edited := complete(t, chat, req)
		checkEdit(t, edited)
	})
	t.Run("replayed without tool_call_id", func(t *testing.T) {
		// The service finds a generated image again through the
		// tool_call_id of its tool turn (issue 9); without it there is
		// nothing to edit, and the call fails.
		req := chatReq("grok-4", append(append([]*xaiv1.Message{first.GetMessages()[0]}, replay(resp, false)...), editTurn)...)
		req.Tools = []*xaiv1.Tool{imageGen}
		failed := complete(t, chat, req)
		call := failed.GetOutputs()[1].GetMessage().GetToolCalls()[0]
		if call.GetStatus() != xaiv1.ToolCallStatus_TOOL_CALL_STATUS_FAILED || call.GetErrorMessage() == "" ||
			strings.Contains(failed.GetOutputs()[1].GetMessage().GetContent(), "data:image") {
			t.Fatalf("edit without a source: %v", failed.GetOutputs()[1])
		}
	})
	t.Run("scripted failure", func(t *testing.T) {
		srv.EnqueueToolFailure(xaitest.ToolFailure{Type: xaiv1.ToolCallType_TOOL_CALL_TYPE_IMAGE_GENERATION_TOOL, Message: "moderation refused the prompt"})
		req := chatReq("grok-4", user("Search, then draw"))
		req.Tools = []*xaiv1.Tool{webSearch, imageGen}
		unary, chunks, deferred := threeWays(t, chat, req)
		call := unary.GetOutputs()[3].GetMessage().GetToolCalls()[0]
		var payload map[string]string
		_ = json.Unmarshal([]byte(unary.GetOutputs()[3].GetMessage().GetContent()), &payload)
		if call.GetStatus() != xaiv1.ToolCallStatus_TOOL_CALL_STATUS_FAILED || call.GetErrorMessage() != "moderation refused the prompt" ||
			payload["error"] != "moderation refused the prompt" || strings.Contains(unary.GetOutputs()[3].GetMessage().GetContent(), "data:image") {
			t.Fatalf("failed call %v", unary.GetOutputs()[3])
		}
		if unary.GetOutputs()[1].GetMessage().GetToolCalls()[0].GetStatus() != xaiv1.ToolCallStatus_TOOL_CALL_STATUS_COMPLETED {
			t.Fatal("the failure hit the web search")
		}
		// One failure, one call: the stream and the deferred call succeed.
		if s := accumulate(chunks).GetOutputs()[3].GetMessage().GetToolCalls()[0].GetStatus(); s != xaiv1.ToolCallStatus_TOOL_CALL_STATUS_COMPLETED {
			t.Fatalf("stream call %v", s)
		}
		decodeImage(t, deferred.GetOutputs()[3])
	})
}

func TestToolTurnIDs(t *testing.T) {
	_, chat := startClient(t, xaiv1.NewChatClient)
	fn := &xaiv1.Tool{Tool: &xaiv1.Tool_Function{Function: &xaiv1.Function{Name: "get_time"}}}
	req := chatReq("grok-3", user("time?"))
	req.Tools = []*xaiv1.Tool{fn}
	req.ToolChoice = &xaiv1.ToolChoice{ToolChoice: &xaiv1.ToolChoice_FunctionName{FunctionName: "get_time"}}
	req.StoreMessages = true
	resp, err := chat.GetCompletion(ctx(t), req)
	if err != nil {
		t.Fatal(err)
	}
	callMsg := &xaiv1.Message{Role: assistant, ToolCalls: resp.GetOutputs()[0].GetMessage().GetToolCalls()}
	id := callMsg.GetToolCalls()[0].GetId()
	result := func(id string) *xaiv1.Message {
		return &xaiv1.Message{Role: toolRole, Content: []*xaiv1.Content{text("12:00")}, ToolCallId: &id}
	}

	if _, err := chat.GetCompletion(ctx(t), chatReq("grok-3", user("time?"), callMsg, result(id))); err != nil {
		t.Fatalf("matching tool turn: %v", err)
	}
	_, err = chat.GetCompletion(ctx(t), chatReq("grok-3", user("time?"), callMsg, result("call_nope")))
	wantCode(t, err, codes.InvalidArgument, "messages[2]", `"call_nope"`)
	// The call must come before its result.
	_, err = chat.GetCompletion(ctx(t), chatReq("grok-3", user("time?"), result(id), callMsg))
	wantCode(t, err, codes.InvalidArgument, "messages[1]", id)

	next := chatReq("grok-3", result(id))
	next.PreviousResponseId = ptr(resp.GetId())
	if _, err := chat.GetCompletion(ctx(t), next); err != nil {
		t.Fatalf("tool turn for a call in the stored history: %v", err)
	}
	next.Messages = []*xaiv1.Message{result("call_other")}
	_, err = chat.GetCompletion(ctx(t), next)
	wantCode(t, err, codes.InvalidArgument, `"call_other"`)
}

// TestAgentLoopStored: a stored agentic response keeps every output in its
// conversation, so a continuation may answer its calls.
func TestAgentLoopStored(t *testing.T) {
	srv, chat := startClient(t, xaiv1.NewChatClient)
	req := chatReq("grok-4", user("search please"))
	req.Tools = []*xaiv1.Tool{webSearch}
	req.StoreMessages = true
	resp := complete(t, chat, req)
	stored, err := chat.GetStoredCompletion(ctx(t), &xaiv1.GetStoredCompletionRequest{ResponseId: resp.GetId()})
	if err != nil || !proto.Equal(stored, resp) {
		t.Fatalf("stored %v, %v", stored, err)
	}
	next := chatReq("grok-4", user("thanks"))
	next.PreviousResponseId = ptr(resp.GetId())
	cont := complete(t, chat, next)
	// The history holds the call, its result and the answer.
	var history int32
	for _, o := range resp.GetOutputs() {
		history += tokens(t, srv, o.GetMessage().GetContent())
	}
	if cont.GetUsage().GetCachedPromptTextTokens() < history {
		t.Fatalf("cached %d tokens, the stored outputs alone hold %d", cont.GetUsage().GetCachedPromptTextTokens(), history)
	}
}

func TestServerToolValidation(t *testing.T) {
	_, chat := startClient(t, xaiv1.NewChatClient)
	cases := []struct {
		name string
		tool *xaiv1.Tool
		n    *int32
		code codes.Code
		frag string
	}{
		{"domains both ways", &xaiv1.Tool{Tool: &xaiv1.Tool_WebSearch{WebSearch: &xaiv1.WebSearch{AllowedDomains: []string{"a"}, ExcludedDomains: []string{"b"}}}},
			nil, codes.InvalidArgument, "tools[0].web_search"},
		{"handles both ways", &xaiv1.Tool{Tool: &xaiv1.Tool_XSearch{XSearch: &xaiv1.XSearch{AllowedXHandles: []string{"a"}, ExcludedXHandles: []string{"b"}}}},
			nil, codes.InvalidArgument, "tools[0].x_search"},
		{"no collections", collectionsTool(), nil, codes.InvalidArgument, "collection_ids"},
		{"mcp without url", &xaiv1.Tool{Tool: &xaiv1.Tool_Mcp{Mcp: &xaiv1.MCP{ServerLabel: "x"}}}, nil, codes.InvalidArgument, "server_url"},
		{"image action", &xaiv1.Tool{Tool: &xaiv1.Tool_ImageGeneration{ImageGeneration: &xaiv1.ImageGeneration{Action: ptr("paint")}}},
			nil, codes.InvalidArgument, `"paint"`},
		{"several choices", webSearch, ptr[int32](2), codes.Unimplemented, "n = 2"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req := chatReq("grok-4", user("x"))
			req.Tools, req.N = []*xaiv1.Tool{tc.tool}, tc.n
			_, err := chat.GetCompletion(ctx(t), req)
			wantCode(t, err, tc.code, tc.frag)
		})
	}
}

// TestNoLoopWithoutUserTurn: after a tool's result, or with TOOL_MODE_NONE,
// the model answers without calling server-side tools.
func TestNoLoopWithoutUserTurn(t *testing.T) {
	_, chat := startClient(t, xaiv1.NewChatClient)
	req := chatReq("grok-4", user("x"))
	req.Tools = []*xaiv1.Tool{webSearch}
	req.ToolChoice = &xaiv1.ToolChoice{ToolChoice: &xaiv1.ToolChoice_Mode{Mode: xaiv1.ToolMode_TOOL_MODE_NONE}}
	resp, err := chat.GetCompletion(ctx(t), req)
	if err != nil || len(resp.GetOutputs()) != 1 || len(resp.GetUsage().GetServerSideToolsUsed()) != 0 {
		t.Fatalf("%v %v", resp, err)
	}
	if !utf8.ValidString(resp.GetOutputs()[0].GetMessage().GetContent()) {
		t.Fatal("invalid text")
	}
}
