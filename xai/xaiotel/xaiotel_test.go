package xaiotel_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	otelcodes "go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/emptypb"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
	"github.com/gogrok/sdk/xai"
	"github.com/gogrok/sdk/xai/xaiotel"
	"github.com/gogrok/sdk/xai/xaitest"
)

func TestSampleSpan(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	chat := e.chat(
		xai.WithTemperature(0.7), xai.WithTopP(0.9), xai.WithMaxTokens(200), xai.WithSeed(42),
		xai.WithStop("END", "STOP"), xai.WithFrequencyPenalty(0.25), xai.WithPresencePenalty(-0.5), xai.WithN(1),
	)
	resp, err := chat.Sample(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	s := e.spans(t, 1)[0]
	if s.Name != "chat grok-4" {
		t.Errorf("name = %q, want %q", s.Name, "chat grok-4")
	}
	if s.SpanKind != trace.SpanKindClient {
		t.Errorf("kind = %v, want client", s.SpanKind)
	}
	if s.Status.Code != otelcodes.Unset {
		t.Errorf("status = %v %q, want unset", s.Status.Code, s.Status.Description)
	}
	if s.InstrumentationScope.Name != xaiotel.ScopeName || s.InstrumentationScope.Version != xai.Version {
		t.Errorf("scope = %+v", s.InstrumentationScope)
	}
	a := attrs(s)
	u := resp.Usage()
	for k, v := range map[string]any{
		"gen_ai.provider.name":                 "x_ai",
		"gen_ai.system":                        "xai",
		"gen_ai.operation.name":                "chat",
		"gen_ai.request.model":                 "grok-4",
		"gen_ai.request.temperature":           0.7,
		"gen_ai.request.top_p":                 0.9,
		"gen_ai.request.max_tokens":            int64(200),
		"gen_ai.request.seed":                  int64(42),
		"gen_ai.request.stop_sequences":        []string{"END", "STOP"},
		"gen_ai.request.frequency_penalty":     0.25,
		"gen_ai.request.presence_penalty":      -0.5,
		"gen_ai.request.choice.count":          int64(1),
		"gen_ai.usage.cache_read.input_tokens": int64(u.GetCachedPromptTextTokens()),
		"rpc.system":                           "grpc",
		"rpc.service":                          "xai_api.Chat",
		"rpc.method":                           "GetCompletion",
		"rpc.grpc.status_code":                 int64(0),
		"server.address":                       "127.0.0.1",
	} {
		wantAttr(t, a, k, v)
	}
	wantResponseAttrs(t, a, resp)
	if u.GetReasoningTokens() == 0 || u.GetPromptTokens() == 0 {
		t.Errorf("the fake reported no reasoning or prompt tokens: %v", u)
	}
	if p, ok := a["server.port"]; !ok || p.AsInt64() <= 0 || !strings.HasSuffix(e.srv.Target(), ":"+p.Emit()) {
		t.Errorf("server.port = %v, target %s", p.Emit(), e.srv.Target())
	}
	if a["xai.response.system_fingerprint"].AsString() != resp.SystemFingerprint() {
		t.Errorf("fingerprint = %q, want %q", a["xai.response.system_fingerprint"].AsString(), resp.SystemFingerprint())
	}
	noAttr(t, a, "error.type", "gen_ai.input.messages", "gen_ai.output.messages", "xai.stream.cancelled")
	if len(s.Events) != 0 {
		t.Errorf("events = %v, want none", s.Events)
	}
}

func TestStreamSpan(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.srv.EnqueueReply(xaitest.Reply{Chunks: []string{"one ", "two ", "three"}})
	stream, n := streamAll(t, e.chat(xai.WithMaxTokens(50)))
	resp := stream.Response()
	s := e.spans(t, 1)[0]
	if n < 3 {
		t.Errorf("got %d chunks, want at least 3", n)
	}
	if s.Name != "chat grok-4" {
		t.Errorf("name = %q", s.Name)
	}
	a := attrs(s)
	u := resp.Usage()
	if u == nil {
		t.Fatal("the stream carried no usage")
	}
	for k, v := range map[string]any{
		"gen_ai.operation.name":     "chat",
		"gen_ai.request.model":      "grok-4",
		"gen_ai.request.max_tokens": int64(50),
		"rpc.method":                "GetCompletionChunk",
		"rpc.grpc.status_code":      int64(0),
	} {
		wantAttr(t, a, k, v)
	}
	wantResponseAttrs(t, a, resp)
	noAttr(t, a, "error.type", "xai.stream.cancelled", "gen_ai.output.messages")
	if s.Status.Code != otelcodes.Unset {
		t.Errorf("status = %v", s.Status)
	}
	if err := stream.Close(); err != nil {
		t.Fatal(err)
	}
	e.spans(t, 1) // closing after the end adds nothing
}

func TestStreamEarlyBreak(t *testing.T) {
	t.Parallel()
	e := newEnv(t, xaiotel.WithContent(true))
	e.srv.EnqueueReply(xaitest.Reply{Chunks: []string{"first ", "second ", "third ", "fourth"}})
	stream, err := e.chat().Stream(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, err := range stream.All() {
		if err != nil {
			t.Fatal(err)
		}
		break
	}
	s := e.spans(t, 1)[0]
	a := attrs(s)
	wantAttr(t, a, "xai.stream.cancelled", true)
	noAttr(t, a, "error.type", "gen_ai.response.finish_reasons")
	if s.Status.Code != otelcodes.Unset {
		t.Errorf("status = %v, want unset: stopping early is not an error", s.Status)
	}
	if s.EndTime.IsZero() {
		t.Error("span not ended")
	}
	stream.Close()
	e.spans(t, 1)
}

func TestStreamContextCancelled(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.srv.SetLatency(50 * time.Millisecond)
	ctx, cancel := context.WithCancel(context.Background())
	stream, err := e.chat().Stream(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Close()
	cancel() // the caller gives up without reading
	s := e.spans(t, 1)[0]
	wantAttr(t, attrs(s), "xai.stream.cancelled", true)
}

func TestStreamDeadline(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.srv.SetLatency(time.Second)
	if _, n, _ := streamFailure(t, e.chat(), xai.WithCallTimeout(50*time.Millisecond)); n != 0 {
		t.Fatalf("got %d chunks, want the deadline", n)
	}
	s := e.spans(t, 1)[0]
	a := attrs(s)
	wantAttr(t, a, "error.type", "DEADLINE_EXCEEDED")
	wantAttr(t, a, "rpc.grpc.status_code", int64(codes.DeadlineExceeded))
	if s.Status.Code != otelcodes.Error {
		t.Errorf("status = %v, want error", s.Status)
	}
}

func TestStreamFailsMidway(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.srv.InjectFault(xaiv1.Chat_GetCompletionChunk_FullMethodName, xaitest.Fault{Code: codes.Internal, Message: "boom", AfterChunks: 2})
	stream, _, _ := streamFailure(t, e.chat())
	s := e.spans(t, 1)[0]
	a := attrs(s)
	wantAttr(t, a, "error.type", "INTERNAL")
	wantAttr(t, a, "rpc.grpc.status_code", int64(codes.Internal))
	wantAttr(t, a, "gen_ai.response.id", stream.Response().ID())
	if s.Status.Code != otelcodes.Error || !strings.Contains(s.Status.Description, "boom") {
		t.Errorf("status = %+v, want error with the message", s.Status)
	}
	if len(s.Events) != 0 {
		t.Errorf("events = %v: a stream is not retried after a chunk", s.Events)
	}
}

func TestErrorSpan(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.srv.InjectFault(xaiv1.Chat_GetCompletion_FullMethodName, xaitest.Fault{Code: codes.PermissionDenied, Message: "no access to grok-4"})
	_, err := e.chat().Sample(context.Background())
	if err == nil {
		t.Fatal("want an error")
	}
	s := e.spans(t, 1)[0]
	if s.Name != "chat grok-4" {
		t.Errorf("name = %q", s.Name)
	}
	if s.Status.Code != otelcodes.Error || s.Status.Description != "no access to grok-4" {
		t.Errorf("status = %+v", s.Status)
	}
	a := attrs(s)
	wantAttr(t, a, "error.type", "PERMISSION_DENIED")
	wantAttr(t, a, "rpc.grpc.status_code", int64(codes.PermissionDenied))
	wantAttr(t, a, "gen_ai.request.model", "grok-4")
	noAttr(t, a, "gen_ai.response.id", "gen_ai.usage.input_tokens")
}

func TestRetriesAreEvents(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.srv.InjectFault(xaiv1.Chat_GetCompletion_FullMethodName, xaitest.Fault{Code: codes.Unavailable, Times: 2})
	resp, err := e.chat().Sample(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	s := e.spans(t, 1)[0] // one span for the call, not one per attempt
	if s.Status.Code != otelcodes.Unset {
		t.Errorf("status = %v", s.Status)
	}
	wantAttr(t, attrs(s), "gen_ai.response.id", resp.ID())
	if len(s.Events) != 2 {
		t.Fatalf("events = %v, want 2 retries", s.Events)
	}
	for i, ev := range s.Events {
		a := attrMap(ev.Attributes)
		if ev.Name != "xai.retry" {
			t.Errorf("event %d = %q", i, ev.Name)
		}
		wantAttr(t, a, "xai.attempt", int64(i+1))
		wantAttr(t, a, "error.type", "UNAVAILABLE")
		if ev.Time.Before(s.StartTime) || ev.Time.After(s.EndTime) {
			t.Errorf("event %d at %v, outside the span", i, ev.Time)
		}
	}
}

func TestStreamRetriesAreEvents(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.srv.InjectFault(xaiv1.Chat_GetCompletionChunk_FullMethodName, xaitest.Fault{Code: codes.Unavailable, Times: 1})
	streamAll(t, e.chat())
	s := e.spans(t, 1)[0]
	if len(s.Events) != 1 || s.Events[0].Name != "xai.retry" {
		t.Errorf("events = %v, want one retry", s.Events)
	}
	noAttr(t, attrs(s), "error.type")
}

func TestContentOffByDefault(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	resp, err := e.chat().Sample(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	streamAll(t, e.chat())
	spans := e.spans(t, 2)
	for _, s := range spans {
		noAttr(t, attrs(s), "gen_ai.input.messages", "gen_ai.output.messages")
	}
	for _, text := range []string{"system-marker-5521", "user-marker-9d31", resp.Content(), resp.ReasoningContent()} {
		if text != "" && contains(spans, text) {
			t.Errorf("the spans hold %q without WithContent", text)
		}
	}
}

func TestContentOptIn(t *testing.T) {
	t.Parallel()
	e := newEnv(t, xaiotel.WithContent(true))
	resp, err := e.chat().Sample(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	s := e.spans(t, 1)[0]
	a := attrs(s)
	var in, out []struct {
		Role  string           `json:"role"`
		Parts []map[string]any `json:"parts"`
		// FinishReason is set on output messages.
		FinishReason string `json:"finish_reason"`
	}
	if err := json.Unmarshal([]byte(a["gen_ai.input.messages"].AsString()), &in); err != nil {
		t.Fatalf("gen_ai.input.messages: %v", err)
	}
	if err := json.Unmarshal([]byte(a["gen_ai.output.messages"].AsString()), &out); err != nil {
		t.Fatalf("gen_ai.output.messages: %v", err)
	}
	if len(in) != 2 || in[0].Role != "system" || in[1].Role != "user" ||
		in[0].Parts[0]["type"] != "text" || in[0].Parts[0]["content"] != systemText || in[1].Parts[0]["content"] != userText {
		t.Errorf("input messages = %+v", in)
	}
	if len(out) != 1 || out[0].Role != "assistant" || out[0].FinishReason != "stop" {
		t.Fatalf("output messages = %+v", out)
	}
	var text, reasoning string
	for _, p := range out[0].Parts {
		switch p["type"] {
		case "text":
			text, _ = p["content"].(string)
		case "reasoning":
			reasoning, _ = p["content"].(string)
		}
	}
	if text != resp.Content() || reasoning != resp.ReasoningContent() {
		t.Errorf("output text %q reasoning %q, want %q and %q", text, reasoning, resp.Content(), resp.ReasoningContent())
	}
}

func TestContentOptInStream(t *testing.T) {
	t.Parallel()
	e := newEnv(t, xaiotel.WithContent(true))
	e.srv.EnqueueReply(xaitest.Reply{Chunks: []string{"Hello, ", "streamed ", "world."}})
	streamAll(t, e.chat())
	a := attrs(e.spans(t, 1)[0])
	out := a["gen_ai.output.messages"].AsString()
	if !strings.Contains(out, `"content":"Hello, streamed world."`) || !strings.Contains(out, `"finish_reason":"stop"`) {
		t.Errorf("gen_ai.output.messages = %s", out)
	}
	if !strings.Contains(a["gen_ai.input.messages"].AsString(), "user-marker-9d31") {
		t.Errorf("gen_ai.input.messages = %s", a["gen_ai.input.messages"].AsString())
	}
}

func TestToolCallContent(t *testing.T) {
	t.Parallel()
	e := newEnv(t, xaiotel.WithContent(true))
	e.srv.EnqueueReply(xaitest.Reply{ToolCalls: []*xaiv1.ToolCall{{
		Id:   "call-1",
		Tool: &xaiv1.ToolCall_Function{Function: &xaiv1.FunctionCall{Name: "weather", Arguments: `{"city":"Paris"}`}},
	}}})
	resp, err := e.chat().Sample(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	next := e.chat().Append(resp, xai.ToolResult("call-1", "sunny, 21 C"))
	if _, err := next.Sample(context.Background()); err != nil {
		t.Fatal(err)
	}
	spans := e.spans(t, 2)
	first, second := attrs(spans[0]), attrs(spans[1])
	wantAttr(t, first, "gen_ai.response.finish_reasons", []string{"tool_calls"})
	out := first["gen_ai.output.messages"].AsString()
	if !strings.Contains(out, `{"arguments":{"city":"Paris"},"id":"call-1","name":"weather","type":"tool_call"}`) ||
		!strings.Contains(out, `"finish_reason":"tool_call"`) {
		t.Errorf("gen_ai.output.messages = %s", out)
	}
	in := second["gen_ai.input.messages"].AsString()
	if !strings.Contains(in, `{"id":"call-1","response":"sunny, 21 C","type":"tool_call_response"}`) ||
		!strings.Contains(in, `"type":"tool_call"`) {
		t.Errorf("gen_ai.input.messages = %s", in)
	}
}

func TestOtherOperations(t *testing.T) {
	t.Parallel()
	e := newEnv(t, xaiotel.WithContent(true))
	ctx := context.Background()
	conn := e.client.Conn() // raw stubs on the client's connection are traced too

	text, err := xaiv1.NewSampleClient(conn).SampleText(ctx, &xaiv1.SampleTextRequest{Model: "grok-3", Prompt: []string{"Once upon a time"}, MaxTokens: ptr[int32](20)})
	if err != nil {
		t.Fatal(err)
	}
	emb, err := xaiv1.NewEmbedderClient(conn).Embed(ctx, &xaiv1.EmbedRequest{
		Model: "v1", EncodingFormat: xaiv1.EmbedEncodingFormat_FORMAT_FLOAT,
		Input: []*xaiv1.EmbedInput{{Input: &xaiv1.EmbedInput_String_{String_: "embed-marker"}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	img, err := xaiv1.NewImageClient(conn).GenerateImage(ctx, &xaiv1.GenerateImageRequest{Model: "grok-2-image", Prompt: "a red fox", N: ptr[int32](2), Format: xaiv1.ImageFormat_IMG_FORMAT_URL})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := xaiv1.NewModelsClient(conn).ListLanguageModels(ctx, &emptypb.Empty{}); err != nil {
		t.Fatal(err)
	}
	spans := e.spans(t, 4)

	s := spans[0]
	a := attrs(s)
	if s.Name != "text_completion grok-3" {
		t.Errorf("name = %q", s.Name)
	}
	wantAttr(t, a, "gen_ai.operation.name", "text_completion")
	wantAttr(t, a, "gen_ai.request.max_tokens", int64(20))
	wantAttr(t, a, "gen_ai.response.id", text.GetId())
	wantAttr(t, a, "gen_ai.usage.input_tokens", int64(text.GetUsage().GetPromptTokens()))
	if !strings.Contains(a["gen_ai.input.messages"].AsString(), "Once upon a time") ||
		!strings.Contains(a["gen_ai.output.messages"].AsString(), jsonString(text.GetChoices()[0].GetText())) {
		t.Errorf("messages: %s / %s", a["gen_ai.input.messages"].AsString(), a["gen_ai.output.messages"].AsString())
	}

	s = spans[1]
	a = attrs(s)
	if s.Name != "embeddings v1" {
		t.Errorf("name = %q", s.Name)
	}
	wantAttr(t, a, "gen_ai.operation.name", "embeddings")
	wantAttr(t, a, "gen_ai.request.encoding_formats", []string{"float"})
	wantAttr(t, a, "gen_ai.response.model", emb.GetModel())
	if contains(spans[1:2], "embed-marker") {
		t.Error("the embedded text was recorded")
	}

	s = spans[2]
	a = attrs(s)
	if s.Name != "generate_content grok-2-image" {
		t.Errorf("name = %q", s.Name)
	}
	wantAttr(t, a, "gen_ai.output.type", "image")
	wantAttr(t, a, "gen_ai.request.choice.count", int64(2))
	wantAttr(t, a, "gen_ai.response.model", img.GetModel())
	if !strings.Contains(a["gen_ai.output.messages"].AsString(), jsonString(img.GetImages()[0].GetUrl())) {
		t.Errorf("gen_ai.output.messages = %s", a["gen_ai.output.messages"].AsString())
	}

	s = spans[3]
	a = attrs(s)
	if s.Name != "xai_api.Models/ListLanguageModels" {
		t.Errorf("name = %q", s.Name)
	}
	wantAttr(t, a, "rpc.service", "xai_api.Models")
	wantAttr(t, a, "rpc.method", "ListLanguageModels")
	noAttr(t, a, "gen_ai.operation.name", "gen_ai.provider.name", "gen_ai.input.messages")
}

func TestDeferredStart(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id, err := e.chat().StartDeferred(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	s := e.spans(t, 1)[0]
	if s.Name != "chat grok-4" {
		t.Errorf("name = %q", s.Name)
	}
	wantAttr(t, attrs(s), "xai.deferred.request_id", id)
	wantAttr(t, attrs(s), "rpc.method", "StartDeferredCompletion")
}

func TestSampledOut(t *testing.T) {
	t.Parallel()
	srv := xaitest.Start(t, xaitest.WithAPIKeys(secretKey))
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp), sdktrace.WithSampler(sdktrace.NeverSample()))
	defer tp.Shutdown(context.Background())
	client, err := xai.NewClient(xai.WithEndpoint(srv.Target()), xai.WithDialOptions(srv.DialOptions()...),
		xai.WithAPIKey(srv.APIKey()), xai.WithInsecure(), xaiotel.WithTracing(xaiotel.WithTracerProvider(tp)))
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	chat := client.Chat.Create("grok-4").Append(xai.User("hi"))
	if _, err := chat.Sample(context.Background()); err != nil {
		t.Fatal(err)
	}
	streamAll(t, chat)
	if n := len(exp.GetSpans()); n != 0 {
		t.Errorf("got %d spans with sampling off", n)
	}
}

func TestParentSpan(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx, parent := e.tp.Tracer("test").Start(context.Background(), "parent")
	if _, err := e.chat().Sample(ctx); err != nil {
		t.Fatal(err)
	}
	parent.End()
	spans := e.spans(t, 2)
	if spans[0].Parent.SpanID() != parent.SpanContext().SpanID() || spans[0].SpanContext.TraceID() != parent.SpanContext().TraceID() {
		t.Errorf("the call's span is not a child of the caller's")
	}
}

func TestTextCompletionStream(t *testing.T) {
	t.Parallel()
	e := newEnv(t, xaiotel.WithContent(true))
	stream, err := xaiv1.NewSampleClient(e.client.Conn()).SampleTextStreaming(context.Background(),
		&xaiv1.SampleTextRequest{Model: "grok-3", Prompt: []string{"Once upon a time"}, N: ptr[int32](2), Temperature: ptr[float32](0.3)})
	if err != nil {
		t.Fatal(err)
	}
	var (
		text  [2]strings.Builder
		usage *xaiv1.SamplingUsage
		id    string
	)
	for {
		msg, err := stream.Recv()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				t.Fatal(err)
			}
			break
		}
		id = msg.GetId()
		if msg.GetUsage() != nil {
			usage = msg.GetUsage()
		}
		for _, ch := range msg.GetChoices() {
			text[ch.GetIndex()].WriteString(ch.GetText())
		}
	}
	s := e.spans(t, 1)[0]
	if s.Name != "text_completion grok-3" {
		t.Errorf("name = %q", s.Name)
	}
	a := attrs(s)
	wantAttr(t, a, "gen_ai.request.choice.count", int64(2))
	wantAttr(t, a, "gen_ai.request.temperature", 0.3)
	wantAttr(t, a, "gen_ai.response.id", id)
	wantAttr(t, a, "gen_ai.response.finish_reasons", []string{"stop", "stop"})
	wantAttr(t, a, "gen_ai.usage.input_tokens", int64(usage.GetPromptTokens()))
	wantAttr(t, a, "gen_ai.usage.output_tokens", int64(usage.GetCompletionTokens()+usage.GetReasoningTokens()))
	out := a["gen_ai.output.messages"].AsString()
	for i := range text {
		if text[i].Len() == 0 || !strings.Contains(out, jsonString(text[i].String())) {
			t.Errorf("output %d %q not in gen_ai.output.messages %s", i, text[i].String(), out)
		}
	}
}
