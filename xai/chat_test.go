package xai

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
	"github.com/gogrok/sdk/xai/xaitest"
)

func TestChatOptionsSetRequest(t *testing.T) {
	t.Parallel()
	search := &xaiv1.SearchParameters{Mode: xaiv1.SearchMode_AUTO_SEARCH_MODE, ReturnCitations: true}
	schema := `{"type":"object","properties":{"a":{"type":"string"}}}`
	tool := FunctionTool("get_weather", "weather", `{"type":"object","properties":{}}`)
	tests := []struct {
		name string
		opt  ChatOption
		want *xaiv1.GetCompletionsRequest // fields beyond model and messages
	}{
		{"user", WithUser("u1"), &xaiv1.GetCompletionsRequest{User: "u1"}},
		{"n", WithN(3), &xaiv1.GetCompletionsRequest{N: ptr[int32](3)}},
		{"max tokens", WithMaxTokens(100), &xaiv1.GetCompletionsRequest{MaxTokens: ptr[int32](100)}},
		{"seed", WithSeed(-7), &xaiv1.GetCompletionsRequest{Seed: ptr[int32](-7)}},
		{"stop", WithStop("END", "\n\n"), &xaiv1.GetCompletionsRequest{Stop: []string{"END", "\n\n"}}},
		{"temperature 0", WithTemperature(0), &xaiv1.GetCompletionsRequest{Temperature: ptr[float32](0)}},
		{"temperature 2", WithTemperature(2), &xaiv1.GetCompletionsRequest{Temperature: ptr[float32](2)}},
		{"top_p", WithTopP(0.9), &xaiv1.GetCompletionsRequest{TopP: ptr[float32](0.9)}},
		{"logprobs 0", WithLogprobs(0), &xaiv1.GetCompletionsRequest{Logprobs: true, TopLogprobs: ptr[int32](0)}},
		{"logprobs 8", WithLogprobs(8), &xaiv1.GetCompletionsRequest{Logprobs: true, TopLogprobs: ptr[int32](8)}},
		{"frequency penalty", WithFrequencyPenalty(-2), &xaiv1.GetCompletionsRequest{FrequencyPenalty: ptr[float32](-2)}},
		{"presence penalty", WithPresencePenalty(1.5), &xaiv1.GetCompletionsRequest{PresencePenalty: ptr[float32](1.5)}},
		{"effort none", WithReasoningEffort(EffortNone), &xaiv1.GetCompletionsRequest{ReasoningEffort: ptr(xaiv1.ReasoningEffort_EFFORT_NONE)}},
		{"effort low", WithReasoningEffort(EffortLow), &xaiv1.GetCompletionsRequest{ReasoningEffort: ptr(xaiv1.ReasoningEffort_EFFORT_LOW)}},
		{"effort medium", WithReasoningEffort(EffortMedium), &xaiv1.GetCompletionsRequest{ReasoningEffort: ptr(xaiv1.ReasoningEffort_EFFORT_MEDIUM)}},
		{"effort high", WithReasoningEffort(EffortHigh), &xaiv1.GetCompletionsRequest{ReasoningEffort: ptr(xaiv1.ReasoningEffort_EFFORT_HIGH)}},
		{"effort xhigh", WithReasoningEffort(EffortXHigh), &xaiv1.GetCompletionsRequest{ReasoningEffort: ptr(xaiv1.ReasoningEffort_EFFORT_XHIGH)}},
		{"tools", WithTools(tool, WebSearch()), &xaiv1.GetCompletionsRequest{Tools: []*xaiv1.Tool{tool.Proto(), WebSearch().Proto()}}},
		{"tool choice required", WithToolChoice(ToolChoiceRequired), &xaiv1.GetCompletionsRequest{ToolChoice: &xaiv1.ToolChoice{ToolChoice: &xaiv1.ToolChoice_Mode{Mode: xaiv1.ToolMode_TOOL_MODE_REQUIRED}}}},
		{"tool choice function", WithToolChoiceFunction("get_weather"), &xaiv1.GetCompletionsRequest{ToolChoice: &xaiv1.ToolChoice{ToolChoice: &xaiv1.ToolChoice_FunctionName{FunctionName: "get_weather"}}}},
		{"parallel tool calls", WithParallelToolCalls(false), &xaiv1.GetCompletionsRequest{ParallelToolCalls: ptr(false)}},
		{"response format", WithResponseFormat(&xaiv1.ResponseFormat{FormatType: xaiv1.FormatType_FORMAT_TYPE_JSON_OBJECT}), &xaiv1.GetCompletionsRequest{ResponseFormat: &xaiv1.ResponseFormat{FormatType: xaiv1.FormatType_FORMAT_TYPE_JSON_OBJECT}}},
		{"json schema", WithJSONSchema(schema), &xaiv1.GetCompletionsRequest{ResponseFormat: &xaiv1.ResponseFormat{FormatType: xaiv1.FormatType_FORMAT_TYPE_JSON_SCHEMA, Schema: &schema}}},
		{"search parameters", WithSearchParameters(search), &xaiv1.GetCompletionsRequest{SearchParameters: search}},
		{"previous response", WithPreviousResponseID("resp-1"), &xaiv1.GetCompletionsRequest{PreviousResponseId: ptr("resp-1")}},
		{"store messages", WithStoreMessages(true), &xaiv1.GetCompletionsRequest{StoreMessages: true}},
		{"encrypted content", WithEncryptedContent(true), &xaiv1.GetCompletionsRequest{UseEncryptedContent: true}},
		{"max turns", WithMaxTurns(4), &xaiv1.GetCompletionsRequest{MaxTurns: ptr[int32](4)}},
		{"include", WithInclude(IncludeInlineCitations, IncludeWebSearchCallOutput, IncludeXSearchCallOutput, IncludeCodeExecutionCallOutput,
			IncludeCollectionsSearchCallOutput, IncludeAttachmentSearchCallOutput, IncludeMCPCallOutput, IncludeVerboseStreaming, IncludeCodeExecutionFiles),
			&xaiv1.GetCompletionsRequest{Include: []xaiv1.IncludeOption{7, 1, 2, 3, 4, 5, 6, 8, 9}}},
		{"agent count 4", WithAgentCount(4), &xaiv1.GetCompletionsRequest{AgentCount: ptr(xaiv1.AgentCount_AGENT_COUNT_4)}},
		{"agent count 16", WithAgentCount(16), &xaiv1.GetCompletionsRequest{AgentCount: ptr(xaiv1.AgentCount_AGENT_COUNT_16)}},
		{"service tier", WithServiceTier(ServiceTierPriority), &xaiv1.GetCompletionsRequest{ServiceTier: xaiv1.ServiceTier_SERVICE_TIER_PRIORITY}},
		{"service tier default", WithServiceTier(ServiceTierDefault), &xaiv1.GetCompletionsRequest{ServiceTier: xaiv1.ServiceTier_SERVICE_TIER_DEFAULT}},
	}
	c, err := NewClient(WithAPIKey(testKey), WithoutEnv())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			chat := c.Chat.Create("grok-4", tt.opt, WithMessages(User("hi")))
			// The option's own error; Err would add the checks of a whole
			// chat (a tool choice needs its tools, for example).
			if len(chat.errs) > 0 {
				t.Fatalf("option error: %v", chat.errs)
			}
			want := proto.CloneOf(tt.want)
			want.Model = "grok-4"
			want.Messages = []*xaiv1.Message{User("hi").Proto()}
			if got := chat.Request(); !proto.Equal(got, want) {
				t.Errorf("request =\n%v\nwant\n%v", got, want)
			}
		})
	}
}

func TestChatInvalidNothingSent(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		model string
		opts  []ChatOption
		turns []Turn
		want  []string
	}{
		{"empty model", "", nil, []Turn{User("hi")}, []string{"no model", "Create"}},
		{"no messages", "grok-4", nil, nil, []string{"no messages", "Append"}},
		{"two system messages", "grok-4", nil, []Turn{System("a"), System("b"), User("hi")}, []string{"message 1", "system"}},
		{"system not first", "grok-4", nil, []Turn{User("hi"), System("a")}, []string{"message 1", "first"}},
		{"developer after system", "grok-4", nil, []Turn{System("a"), Developer("b"), User("hi")}, []string{"message 1"}},
		{"nil turn", "grok-4", nil, []Turn{nil}, []string{"turn 0 is nil"}},
		{"temperature too high", "grok-4", []ChatOption{WithTemperature(2.5)}, nil, []string{"WithTemperature", "2.5", "between 0 and 2"}},
		{"temperature negative", "grok-4", []ChatOption{WithTemperature(-0.1)}, nil, []string{"WithTemperature"}},
		{"temperature NaN", "grok-4", []ChatOption{WithTemperature(math.NaN())}, nil, []string{"WithTemperature", "NaN"}},
		{"top_p", "grok-4", []ChatOption{WithTopP(1.01)}, nil, []string{"WithTopP", "between 0 and 1"}},
		{"logprobs", "grok-4", []ChatOption{WithLogprobs(9)}, nil, []string{"WithLogprobs", "between 0 and 8"}},
		{"frequency penalty", "grok-4", []ChatOption{WithFrequencyPenalty(3)}, nil, []string{"WithFrequencyPenalty", "between -2 and 2"}},
		{"presence penalty", "grok-4", []ChatOption{WithPresencePenalty(-2.5)}, nil, []string{"WithPresencePenalty"}},
		{"n zero", "grok-4", []ChatOption{WithN(0)}, nil, []string{"WithN", "at least 1"}},
		{"max tokens zero", "grok-4", []ChatOption{WithMaxTokens(0)}, nil, []string{"WithMaxTokens"}},
		{"max turns zero", "grok-4", []ChatOption{WithMaxTurns(0)}, nil, []string{"WithMaxTurns"}},
		{"seed overflow", "grok-4", []ChatOption{WithSeed(math.MaxInt32 + 1)}, nil, []string{"WithSeed", "32 bits"}},
		{"empty stop", "grok-4", []ChatOption{WithStop("a", "")}, nil, []string{"WithStop", "sequence 1 is empty"}},
		{"stop not UTF-8", "grok-4", []ChatOption{WithStop("a", "caf\xe9")}, nil, []string{"WithStop: stop sequence 1", "not valid UTF-8"}},
		{"user not UTF-8", "grok-4", []ChatOption{WithUser("u\xff")}, nil, []string{"WithUser", "not valid UTF-8"}},
		{"schema not UTF-8", "grok-4", []ChatOption{WithJSONSchema("{\"title\":\"\xff\"}")}, nil, []string{"WithJSONSchema: schema", "not valid UTF-8"}},
		{"previous ID not UTF-8", "grok-4", []ChatOption{WithPreviousResponseID("r\xff")}, nil, []string{"WithPreviousResponseID", "not valid UTF-8"}},
		{"tool function not UTF-8", "grok-4", []ChatOption{WithToolChoiceFunction("f\xff")}, nil, []string{"WithToolChoiceFunction", "not valid UTF-8"}},
		{"message not UTF-8", "grok-4", nil, []Turn{User("caf\xe9")}, []string{"user message: text", "not valid UTF-8"}},
		{"unknown effort", "grok-4", []ChatOption{WithReasoningEffort("max")}, nil, []string{"WithReasoningEffort", `"max"`}},
		{"unknown include", "grok-4", []ChatOption{WithInclude("everything")}, nil, []string{"WithInclude", "everything"}},
		{"unknown tier", "grok-4", []ChatOption{WithServiceTier("flex")}, nil, []string{"WithServiceTier", "flex"}},
		{"agent count", "grok-4", []ChatOption{WithAgentCount(8)}, nil, []string{"WithAgentCount", "4 or 16"}},
		{"tool mode", "grok-4", []ChatOption{WithToolChoice(ToolMode(9))}, nil, []string{"WithToolChoice"}},
		{"tool function", "grok-4", []ChatOption{WithToolChoiceFunction("")}, nil, []string{"WithToolChoiceFunction"}},
		{"bad tool", "grok-4", []ChatOption{WithTools(FunctionTool("bad name!", "", "{}"))}, nil, []string{"WithTools", "tool 0"}},
		{"zero tool", "grok-4", []ChatOption{WithTools(Tool{})}, nil, []string{"WithTools", "empty"}},
		{"duplicate tools", "grok-4", []ChatOption{WithTools(FunctionTool("f", "", "{}"), FunctionTool("f", "", "{}"))}, nil, []string{"named \"f\""}},
		{"bad schema", "grok-4", []ChatOption{WithJSONSchema("[1]")}, nil, []string{"WithJSONSchema", "not a JSON object"}},
		{"nil format", "grok-4", []ChatOption{WithResponseFormat(nil)}, nil, []string{"WithResponseFormat", "nil"}},
		{"format without type", "grok-4", []ChatOption{WithResponseFormat(&xaiv1.ResponseFormat{})}, nil, []string{"unknown format type"}},
		{"nil search", "grok-4", []ChatOption{WithSearchParameters(nil)}, nil, []string{"WithSearchParameters"}},
		{"search without mode", "grok-4", []ChatOption{WithSearchParameters(&xaiv1.SearchParameters{})}, nil, []string{"WithSearchParameters", "mode"}},
		{"empty previous ID", "grok-4", []ChatOption{WithPreviousResponseID("")}, nil, []string{"WithPreviousResponseID"}},
		{"nil option", "grok-4", []ChatOption{nil}, nil, []string{"option 0 is nil"}},
		{"two problems", "grok-4", []ChatOption{WithTemperature(9), WithTopP(9)}, nil, []string{"2 problems", "WithTemperature", "WithTopP"}},
	}
	transports(t, func(t *testing.T, useBufconn bool) {
		srv, c := newFake(t, useBufconn)
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				turns := tt.turns
				if turns == nil && !strings.Contains(tt.name, "no messages") {
					turns = []Turn{User("hi")}
				}
				chat := c.Chat.Create(tt.model, tt.opts...).Append(turns...)
				ctx := context.Background()
				_, err := chat.Sample(ctx)
				checkErr(t, err, codes.InvalidArgument, tt.want...)
				_, err = chat.Stream(ctx)
				checkErr(t, err, codes.InvalidArgument, tt.want...)
				_, err = chat.Defer(ctx)
				checkErr(t, err, codes.InvalidArgument, tt.want...)
				_, err = chat.StartDeferred(ctx)
				checkErr(t, err, codes.InvalidArgument, tt.want...)
			})
		}
		checkNoneSent(t, srv)
	})
}

func TestSampleAppendContinue(t *testing.T) {
	t.Parallel()
	transports(t, func(t *testing.T, useBufconn bool) {
		srv, c := newFake(t, useBufconn)
		srv.EnqueueReply(xaitest.Reply{Content: "Paris.", Reasoning: "geography"})
		ctx := context.Background()
		chat := c.Chat.Create("grok-4", WithTemperature(0.5)).Append(System("Be brief."), User("Capital of France?"))
		resp, err := chat.Sample(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if resp.Content() != "Paris." || resp.ID() == "" {
			t.Fatalf("response = %q (id %q)", resp.Content(), resp.ID())
		}
		chat.Append(resp, User("And Italy?"))
		resp2, err := chat.Sample(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(resp2.Content(), "And Italy?") {
			t.Errorf("second reply %q does not answer the new turn", resp2.Content())
		}
		reqs := srv.Requests()
		if len(reqs) != 2 {
			t.Fatalf("server got %d requests, want 2", len(reqs))
		}
		sent := reqs[1].Message.(*xaiv1.GetCompletionsRequest)
		roles := []xaiv1.MessageRole{}
		for _, m := range sent.GetMessages() {
			roles = append(roles, m.GetRole())
		}
		wantRoles := []xaiv1.MessageRole{xaiv1.MessageRole_ROLE_SYSTEM, xaiv1.MessageRole_ROLE_USER, xaiv1.MessageRole_ROLE_ASSISTANT, xaiv1.MessageRole_ROLE_USER}
		if len(roles) != 4 || roles[2] != wantRoles[2] || roles[3] != wantRoles[3] {
			t.Errorf("second request roles = %v, want %v", roles, wantRoles)
		}
		if got := sent.GetMessages()[2].GetContent()[0].GetText(); got != "Paris." {
			t.Errorf("appended assistant text = %q", got)
		}
		if sent.GetTemperature() != 0.5 {
			t.Errorf("temperature sent = %v", sent.GetTemperature())
		}
	})
}

func TestStoredCompletions(t *testing.T) {
	t.Parallel()
	transports(t, func(t *testing.T, useBufconn bool) {
		srv, c := newFake(t, useBufconn)
		ctx := context.Background()
		resp, err := c.Chat.Create("grok-4", WithStoreMessages(true)).Append(User("remember 42")).Sample(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if ids := srv.StoredResponseIDs(); len(ids) != 1 || ids[0] != resp.ID() {
			t.Fatalf("stored IDs = %v, want [%s]", ids, resp.ID())
		}
		got, err := c.Chat.GetStoredCompletion(ctx, resp.ID())
		if err != nil {
			t.Fatal(err)
		}
		if got.Content() != resp.Content() || got.ID() != resp.ID() {
			t.Errorf("stored = %q/%q, want %q/%q", got.ID(), got.Content(), resp.ID(), resp.Content())
		}

		// Continue on the server's copy: only the new turn is sent.
		next, err := c.Chat.Create("grok-4", WithPreviousResponseID(resp.ID()), WithStoreMessages(true)).Append(User("what number?")).Sample(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if next.Usage().GetCachedPromptTextTokens() == 0 {
			t.Error("chained request reports no cached prompt tokens")
		}

		// The wire's DeleteStoredCompletionResponse.response_id confirms what was deleted.
		if deleted, err := c.Chat.DeleteStoredCompletion(ctx, resp.ID()); err != nil || deleted != resp.ID() {
			t.Fatalf("DeleteStoredCompletion = %q, %v; want %q", deleted, err, resp.ID())
		}
		_, err = c.Chat.GetStoredCompletion(ctx, resp.ID())
		if !IsNotFound(err) {
			t.Errorf("after delete: %v, want NOT_FOUND", err)
		}
		checkErr(t, err, codes.NotFound)
		_, err = c.Chat.DeleteStoredCompletion(ctx, resp.ID())
		checkErr(t, err, codes.NotFound)
		_, err = c.Chat.Create("grok-4", WithPreviousResponseID(resp.ID())).Append(User("x")).Sample(ctx)
		checkErr(t, err, codes.NotFound)

		// Not stored without the option; expired after the retention.
		if _, err := c.Chat.Create("grok-4").Append(User("x")).Sample(ctx); err != nil {
			t.Fatal(err)
		}
		if ids := srv.StoredResponseIDs(); len(ids) != 1 {
			t.Errorf("stored IDs = %v, want only the chained response", ids)
		}
		srv.Clock().Advance(31 * 24 * time.Hour)
		_, err = c.Chat.GetStoredCompletion(ctx, next.ID())
		checkErr(t, err, codes.NotFound)

		// Local checks send nothing.
		before := len(srv.Requests())
		_, err = c.Chat.GetStoredCompletion(ctx, "")
		checkErr(t, err, codes.InvalidArgument, "GetStoredCompletion")
		_, err = c.Chat.DeleteStoredCompletion(ctx, " ")
		checkErr(t, err, codes.InvalidArgument, "DeleteStoredCompletion")
		if after := len(srv.Requests()); after != before {
			t.Errorf("empty IDs were sent")
		}
	})
}

func TestEncryptedContentCarriedBack(t *testing.T) {
	t.Parallel()
	srv, c := newFake(t, true)
	ctx := context.Background()
	chat := c.Chat.Create("grok-4", WithEncryptedContent(true), WithStoreMessages(false)).Append(User("think about 7"))
	resp, err := chat.Sample(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if resp.EncryptedContent() == "" {
		t.Fatal("no encrypted content in the response")
	}
	if len(srv.StoredResponseIDs()) != 0 {
		t.Error("response stored despite WithStoreMessages(false)")
	}
	chat.Append(resp, User("and now?"))
	if _, err := chat.Sample(ctx); err != nil {
		t.Fatal(err)
	}
	reqs := srv.Requests()
	sent := reqs[len(reqs)-1].Message.(*xaiv1.GetCompletionsRequest)
	if got := sent.GetMessages()[1].GetEncryptedContent(); got != resp.EncryptedContent() {
		t.Error("the encrypted content was not sent back")
	}
	if len(srv.RestoredReasoning()) == 0 {
		t.Error("the server restored no reasoning from the blob")
	}
}

func TestCompactContext(t *testing.T) {
	t.Parallel()
	_, c := newFake(t, true)
	ctx := context.Background()
	got, err := c.Chat.CompactContext(ctx, "grok-4", []Turn{System("s"), User("a"), Assistant("b"), User("c")}, WithCallTimeout(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if got.EncryptedContent() == "" || got.ID() == "" || got.Proto() == nil {
		t.Errorf("compacted = %v", got.Proto())
	}
	_, err = c.Chat.CompactContext(ctx, "", []Turn{User("a")})
	checkErr(t, err, codes.InvalidArgument, "model")
	_, err = c.Chat.CompactContext(ctx, "grok-4", nil)
	checkErr(t, err, codes.InvalidArgument, "no messages")
	_, err = c.Chat.CompactContext(ctx, "grok-4", []Turn{User("a"), System("late")})
	checkErr(t, err, codes.InvalidArgument, "message 1")
	_, err = c.Chat.CompactContext(ctx, "grok-4", []Turn{User("a")}, WithCallTimeout(-1))
	checkErr(t, err, codes.InvalidArgument, "WithCallTimeout")
}

// Chat.Compact replaces the history with one user message carrying the
// compacted blob (official Python SDK chat.py: append of a
// CompactContextResponse clears the messages and appends
// Message(role=ROLE_USER, encrypted_content=...)); appending a
// CompactedContext does the same.
func TestChatCompact(t *testing.T) {
	t.Parallel()
	srv, c := newFake(t, true)
	ctx := context.Background()
	chat := c.Chat.Create("grok-4", WithTemperature(0.5)).Append(System("s"), User("a"), Assistant("b"), User("c"))
	compacted, err := chat.Compact(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []*xaiv1.Message{{Role: xaiv1.MessageRole_ROLE_USER, EncryptedContent: compacted.EncryptedContent()}}
	msgs := chat.Messages()
	if len(msgs) != 1 || !proto.Equal(msgs[0].Proto(), want[0]) {
		t.Fatalf("after Compact the chat holds %v, want only the compaction message", msgs)
	}
	if chat.Request().GetTemperature() != 0.5 || chat.Request().GetModel() != "grok-4" {
		t.Error("Compact lost the chat's options")
	}
	chat.Append(User("d"))
	if _, err := chat.Sample(ctx); err != nil {
		t.Fatal(err)
	}
	reqs := srv.Requests()
	sent := reqs[len(reqs)-1].Message.(*xaiv1.GetCompletionsRequest).GetMessages()
	if len(sent) != 2 || !proto.Equal(sent[0], want[0]) || sent[1].GetContent()[0].GetText() != "d" {
		t.Errorf("sent %v, want the compaction message then d", sent)
	}

	// Appending the compaction elsewhere replaces that chat's history too,
	// keeping only the turns given after it.
	other := c.Chat.Create("grok-4").Append(User("x"), User("y"))
	other.Append(User("z"), compacted, User("after"))
	if got := other.Messages(); len(got) != 2 || !proto.Equal(got[0].Proto(), want[0]) || got[1].Proto().GetContent()[0].GetText() != "after" {
		t.Errorf("after Append(compacted): %v", got)
	}

	// Errors leave the chat unchanged.
	var nilCompacted *CompactedContext
	bad := c.Chat.Create("grok-4").Append(User("x"))
	bad.Append(nilCompacted)
	checkErr(t, bad.Err(), codes.InvalidArgument, "nil *xai.CompactedContext")
	if len(bad.Messages()) != 1 {
		t.Error("a failed Append of a compaction dropped the history")
	}
	empty := c.Chat.Create("grok-4")
	if _, err := empty.Compact(ctx); codeOf(err) != codes.InvalidArgument {
		t.Errorf("Compact of an empty chat: %v", err)
	}
}

func TestChatHistory(t *testing.T) {
	t.Parallel()
	_, c := newFake(t, true)
	chat := c.Chat.Create("grok-4").Append(System("s"), User("a"), Assistant("b"), User("c"))
	msgs := chat.Messages()
	if len(msgs) != 4 || msgs[3].Proto().GetContent()[0].GetText() != "c" {
		t.Fatalf("Messages() = %v", msgs)
	}
	msgs[0].Proto().Role = xaiv1.MessageRole_ROLE_ASSISTANT
	if chat.Request().GetMessages()[0].GetRole() != xaiv1.MessageRole_ROLE_SYSTEM {
		t.Error("Messages() shares memory with the chat")
	}
	branch := chat.Clone()
	if err := chat.DropLast(2); err != nil {
		t.Fatal(err)
	}
	if n := len(chat.Messages()); n != 2 {
		t.Errorf("after DropLast(2): %d messages, want 2", n)
	}
	if n := len(branch.Messages()); n != 4 {
		t.Errorf("the clone changed with the original: %d messages", n)
	}
	branch.Append(User("e"))
	if n := len(chat.Messages()); n != 2 {
		t.Errorf("appending to the clone changed the original: %d messages", n)
	}
	checkErr(t, chat.DropLast(3), codes.InvalidArgument, "DropLast(3)", "has 2 messages")
	checkErr(t, chat.DropLast(-1), codes.InvalidArgument, "DropLast(-1)")
	if err := chat.DropLast(0); err != nil {
		t.Error(err)
	}
	// Errors recorded while building are cloned too.
	withErr := c.Chat.Create("grok-4", WithTemperature(9)).Append(User("x"))
	if withErr.Clone().Err() == nil {
		t.Error("Clone dropped the chat's error")
	}
	var zero Chat
	if zero.Messages() != nil || zero.DropLast(0) != nil {
		t.Error("zero Chat history misbehaves")
	}
}

func TestZeroValuesDoNotPanic(t *testing.T) {
	t.Parallel()
	var chat Chat
	chat.Append(User("hi"))
	_, err := chat.Sample(context.Background())
	checkErr(t, err, codes.InvalidArgument, "client.Chat.Create")
	var svc ChatService
	_, err = svc.Create("grok-4").Append(User("hi")).Stream(context.Background())
	checkErr(t, err, codes.InvalidArgument, "client.Chat.Create")
	var s Stream
	for _, err := range s.All() {
		checkErr(t, err, codes.InvalidArgument, "Chat.Stream")
	}
	if s.Close() != nil || s.Response() == nil {
		t.Error("zero Stream: Close or Response misbehaves")
	}
	var c Client
	if c.Close() != nil || c.Conn() != nil {
		t.Error("zero Client: Close or Conn misbehaves")
	}
}

// A zero ChatService and nil streams answer with errors, as the other
// services do; these calls used to panic.
func TestZeroChatServiceAndNilStreams(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, svc := range []*ChatService{nil, {}} {
		_, err := svc.GetStoredCompletion(ctx, "r")
		checkErr(t, err, codes.InvalidArgument, "client.Chat")
		_, err = svc.DeleteStoredCompletion(ctx, "r")
		checkErr(t, err, codes.InvalidArgument, "client.Chat")
		_, _, err = svc.GetDeferred(ctx, "d")
		checkErr(t, err, codes.InvalidArgument, "client.Chat")
		_, err = svc.CompactContext(ctx, "grok-4", []Turn{User("a")})
		checkErr(t, err, codes.InvalidArgument, "client.Chat")
	}
	var nilChat *Chat
	_, err := nilChat.Sample(ctx)
	checkErr(t, err, codes.InvalidArgument, "client.Chat.Create")
	checkErr(t, nilChat.Err(), codes.InvalidArgument, "client.Chat.Create")

	var s *Stream
	if s.Close() != nil || s.Err() != nil || s.Response() == nil || s.Response().Content() != "" {
		t.Error("nil *Stream: Close, Err or Response misbehaves")
	}
	for _, err := range s.All() {
		checkErr(t, err, codes.InvalidArgument, "Chat.Stream")
	}
	var ss *SampleStream
	if ss.Close() != nil || ss.Err() != nil || ss.Completion() != nil {
		t.Error("nil *SampleStream: Close, Err or Completion misbehaves")
	}
	for _, err := range ss.All() {
		checkErr(t, err, codes.InvalidArgument, "client.Sample.Stream")
	}
}

// The fake reads a compaction message in place of everything before it in
// the request, and bills only what it reads (issue 12: compaction as the
// official SDK does it).
func TestCompactionIgnoresEarlierMessages(t *testing.T) {
	t.Parallel()
	_, c := newFake(t, true)
	ctx := context.Background()
	compacted, err := c.Chat.CompactContext(ctx, "grok-4", []Turn{User("a b c"), Assistant("d e f")})
	if err != nil {
		t.Fatal(err)
	}
	raw := xaiv1.NewChatClient(c.Conn())
	ask := func(msgs ...*xaiv1.Message) *xaiv1.SamplingUsage {
		resp, err := raw.GetCompletion(ctx, &xaiv1.GetCompletionsRequest{Model: "grok-4", Messages: msgs})
		if err != nil {
			t.Fatal(err)
		}
		return resp.GetUsage()
	}
	compaction := &xaiv1.Message{Role: xaiv1.MessageRole_ROLE_USER, EncryptedContent: compacted.EncryptedContent()}
	long := strings.Repeat("word ", 500)
	alone := ask(compaction, User("next").Proto())
	after := ask(User(long).Proto(), compaction, User("next").Proto())
	if after.GetPromptTokens() != alone.GetPromptTokens() {
		t.Errorf("prompt tokens %d with a long message before the compaction, %d without: it should be ignored", after.GetPromptTokens(), alone.GetPromptTokens())
	}
	// A tampered blob is refused.
	bad := proto.CloneOf(compaction)
	bad.EncryptedContent = bad.EncryptedContent[:len(bad.EncryptedContent)-4] + "AAAA"
	if _, err := raw.GetCompletion(ctx, &xaiv1.GetCompletionsRequest{Model: "grok-4", Messages: []*xaiv1.Message{bad, User("next").Proto()}}); status.Code(err) != codes.InvalidArgument {
		t.Errorf("tampered compaction: %v, want INVALID_ARGUMENT", err)
	}
}

// Issue 13: WithImageUser and WithEmbedUser skipped the UTF-8 check of
// WithUser, so invalid input failed as "Internal: grpc: error while
// marshaling" after the call was made. Each end-user option now fails
// locally, naming itself, and nothing reaches the server.
func TestEndUserOptionsRejectInvalidUTF8(t *testing.T) {
	t.Parallel()
	srv, c := newFake(t, true)
	ctx := context.Background()
	const bad = "u\xff"
	chat := c.Chat.Create("grok-4", WithUser(bad))
	chat.Append(User("hi"))
	_, err := chat.Sample(ctx)
	checkErr(t, err, codes.InvalidArgument, "WithUser", "not valid UTF-8")
	_, err = c.Image.Generate(ctx, "grok-2-image", "a fox", WithImageUser(bad))
	checkErr(t, err, codes.InvalidArgument, "WithImageUser", "not valid UTF-8")
	_, err = c.Embed.Inputs(ctx, "v1", []Part{Text("a")}, WithEmbedUser(bad))
	checkErr(t, err, codes.InvalidArgument, "WithEmbedUser", "not valid UTF-8")
	checkNoneSent(t, srv)
}

// A nil call option is refused before sending, like every nil option.
func TestNilCallOptionRefused(t *testing.T) {
	t.Parallel()
	srv, c := newFake(t, true)
	before := len(srv.Requests())
	_, err := c.Chat.Create("grok-4").Append(User("hi")).Sample(context.Background(), nil)
	checkErr(t, err, codes.InvalidArgument, "call option 0 is nil")
	_, err = c.Models.ListLanguage(context.Background(), WithCallTimeout(time.Minute), nil)
	checkErr(t, err, codes.InvalidArgument, "call option 1 is nil")
	if len(srv.Requests()) != before {
		t.Error("a call with a nil option was sent")
	}
}

// The tool choice must fit the tools; options come in any order, so it is
// checked when the chat is sent, and nothing is sent when it does not fit.
func TestToolChoiceCheckedBeforeSending(t *testing.T) {
	t.Parallel()
	srv, c := newFake(t, true)
	before := len(srv.Requests())
	_, err := c.Chat.Create("grok-4", WithToolChoice(ToolChoiceRequired)).Append(User("hi")).Sample(context.Background())
	checkErr(t, err, codes.InvalidArgument, "TOOL_MODE_REQUIRED needs at least one tool")
	_, err = c.Chat.Create("grok-4", WithToolChoiceFunction("get_weather"), WithTools(WebSearch())).Append(User("hi")).Sample(context.Background())
	checkErr(t, err, codes.InvalidArgument, `"get_weather", which is not among the tools`)
	if len(srv.Requests()) != before {
		t.Error("a chat with a tool choice that does not fit was sent")
	}
}
