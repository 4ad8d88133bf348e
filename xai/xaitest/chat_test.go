package xaitest_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	stdimage "image"
	"image/color"
	"image/jpeg"
	"image/png"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
	"github.com/gogrok/sdk/xai/xaitest"
)

// encode returns a tiny real PNG or JPEG image.
func encode(t testing.TB, format string) []byte {
	t.Helper()
	img := stdimage.NewRGBA(stdimage.Rect(0, 0, 4, 4))
	img.Set(1, 1, color.RGBA{255, 0, 0, 255})
	var buf bytes.Buffer
	var err error
	if format == "png" {
		err = png.Encode(&buf, img)
	} else {
		err = jpeg.Encode(&buf, img, nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func dataURL(mime string, b []byte) string {
	return "data:" + mime + ";base64," + base64.StdEncoding.EncodeToString(b)
}

func TestChatValidation(t *testing.T) {
	srv := start(t)
	chat := xaiv1.NewChatClient(srv.Conn())
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

func TestChatImages(t *testing.T) {
	srv := start(t)
	chat := xaiv1.NewChatClient(srv.Conn())
	pngBytes, jpegBytes := encode(t, "png"), encode(t, "jpeg")
	const auto, low, high = xaiv1.ImageDetail_DETAIL_AUTO, xaiv1.ImageDetail_DETAIL_LOW, xaiv1.ImageDetail_DETAIL_HIGH
	cases := []struct {
		name     string
		model    string
		images   []*xaiv1.Content
		code     codes.Code
		fragment string
		tokens   int32
	}{
		{"https url", "grok-4", []*xaiv1.Content{image("https://example.com/cat.png", auto)}, codes.OK, "", xaitest.ImageTokensAuto},
		{"png data url low", "grok-4", []*xaiv1.Content{image(dataURL("image/png", pngBytes), low)}, codes.OK, "", xaitest.ImageTokensLow},
		{"jpeg data url high", "grok-4", []*xaiv1.Content{image(dataURL("image/jpeg", jpegBytes), high)}, codes.OK, "", xaitest.ImageTokensHigh},
		{"two images", "grok-2-vision", []*xaiv1.Content{image("https://example.com/a.jpg", low), image(dataURL("image/png", pngBytes), high)}, codes.OK, "", xaitest.ImageTokensLow + xaitest.ImageTokensHigh},
		{"http url", "grok-4", []*xaiv1.Content{image("http://example.com/cat.png", auto)}, codes.InvalidArgument, "must use https, not http", 0},
		{"ftp url", "grok-4", []*xaiv1.Content{image("ftp://example.com/cat.png", auto)}, codes.InvalidArgument, "must use https, not ftp", 0},
		{"relative url", "grok-4", []*xaiv1.Content{image("cat.png", auto)}, codes.InvalidArgument, "not an absolute URL", 0},
		{"gif mime", "grok-4", []*xaiv1.Content{image(dataURL("image/gif", []byte("GIF89a....")), auto)}, codes.InvalidArgument, `unsupported image type "image/gif"`, 0},
		{"bad base64", "grok-4", []*xaiv1.Content{image("data:image/png;base64,!!!notbase64", auto)}, codes.InvalidArgument, "invalid base64", 0},
		{"not base64", "grok-4", []*xaiv1.Content{image("data:image/png,rawbytes", auto)}, codes.InvalidArgument, "must be base64-encoded", 0},
		{"png says jpeg", "grok-4", []*xaiv1.Content{image(dataURL("image/png", jpegBytes), auto)}, codes.InvalidArgument, "says image/png but the bytes are a JPEG image", 0},
		{"jpeg says text", "grok-4", []*xaiv1.Content{image(dataURL("image/jpeg", []byte("hello world")), auto)}, codes.InvalidArgument, "bytes are not an image format", 0},
		{"detail unset is auto", "grok-4", []*xaiv1.Content{image("https://example.com/cat.png", xaiv1.ImageDetail_DETAIL_INVALID)}, codes.OK, "", xaitest.ImageTokensAuto},
		{"detail unknown", "grok-4", []*xaiv1.Content{image("https://example.com/cat.png", xaiv1.ImageDetail(9))}, codes.InvalidArgument, "detail is 9", 0},
		{"no source", "grok-4", []*xaiv1.Content{{Content: &xaiv1.Content_ImageUrl{ImageUrl: &xaiv1.ImageUrlContent{Detail: auto}}}}, codes.InvalidArgument, "set image_url or file_id", 0},
		{"unknown file", "grok-4", []*xaiv1.Content{{Content: &xaiv1.Content_ImageUrl{ImageUrl: &xaiv1.ImageUrlContent{
			Source: &xaiv1.ImageUrlContent_FileId{FileId: "file_missing"}, Detail: auto}}}}, codes.NotFound, `file "file_missing" not found`, 0},
		{"text-only model", "grok-3", []*xaiv1.Content{image("https://example.com/cat.png", auto)}, codes.InvalidArgument, `model "grok-3" does not accept image input`, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := chat.GetCompletion(ctx(t), chatReq(tc.model, user("what is this?", tc.images...)))
			if tc.code != codes.OK {
				wantCode(t, err, tc.code, tc.fragment, "messages[0].content[1]")
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			u := resp.GetUsage()
			if u.GetPromptImageTokens() != tc.tokens || u.GetPromptTokens() != u.GetPromptTextTokens()+u.GetPromptImageTokens() {
				t.Fatalf("usage %v, want %d image tokens", u, tc.tokens)
			}
			want := fmt.Sprintf("I received %d image", len(tc.images))
			if !strings.Contains(content(resp, 0), want) {
				t.Fatalf("content %q lacks %q", content(resp, 0), want)
			}
		})
	}
}

func TestStoreGetDelete(t *testing.T) {
	srv := start(t)
	chat := xaiv1.NewChatClient(srv.Conn())
	req := chatReq("grok-3", user("remember me"))
	req.StoreMessages = true
	resp, err := chat.GetCompletion(ctx(t), req)
	if err != nil {
		t.Fatal(err)
	}
	if ids := srv.StoredResponseIDs(); len(ids) != 1 || ids[0] != resp.GetId() {
		t.Fatalf("StoredResponseIDs = %v, want [%s]", ids, resp.GetId())
	}
	got, err := chat.GetStoredCompletion(ctx(t), &xaiv1.GetStoredCompletionRequest{ResponseId: resp.GetId()})
	if err != nil {
		t.Fatal(err)
	}
	if !proto.Equal(got, resp) {
		t.Fatalf("stored response differs:\n got %v\nwant %v", got, resp)
	}
	if !got.GetSettings().GetStoreMessages() {
		t.Fatal("settings.store_messages not echoed")
	}
	del, err := chat.DeleteStoredCompletion(ctx(t), &xaiv1.DeleteStoredCompletionRequest{ResponseId: resp.GetId()})
	if err != nil || del.GetResponseId() != resp.GetId() {
		t.Fatalf("delete: %v %v", del, err)
	}
	_, err = chat.GetStoredCompletion(ctx(t), &xaiv1.GetStoredCompletionRequest{ResponseId: resp.GetId()})
	wantCode(t, err, codes.NotFound, resp.GetId())
	_, err = chat.DeleteStoredCompletion(ctx(t), &xaiv1.DeleteStoredCompletionRequest{ResponseId: resp.GetId()})
	wantCode(t, err, codes.NotFound)
	next := chatReq("grok-3", user("again"))
	next.PreviousResponseId = ptr(resp.GetId())
	_, err = chat.GetCompletion(ctx(t), next)
	wantCode(t, err, codes.NotFound, "deleted")
	_, err = chat.GetStoredCompletion(ctx(t), &xaiv1.GetStoredCompletionRequest{})
	wantCode(t, err, codes.InvalidArgument, "response_id is required")

	// Without store_messages nothing is kept, whatever the RPC.
	plain := chatReq("grok-3", user("forget me"))
	r1, err := chat.GetCompletion(ctx(t), plain)
	if err != nil {
		t.Fatal(err)
	}
	stream, err := chat.GetCompletionChunk(ctx(t), plain)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := collect(t, stream); err != nil {
		t.Fatal(err)
	}
	_, err = chat.GetStoredCompletion(ctx(t), &xaiv1.GetStoredCompletionRequest{ResponseId: r1.GetId()})
	wantCode(t, err, codes.NotFound)
	if ids := srv.StoredResponseIDs(); len(ids) != 0 {
		t.Fatalf("StoredResponseIDs = %v", ids)
	}
}

func TestRetention(t *testing.T) {
	for _, tc := range []struct {
		name      string
		opts      []xaitest.Option
		retention time.Duration
	}{
		{"default 30 days", nil, 30 * 24 * time.Hour},
		{"one hour", []xaitest.Option{xaitest.WithRetention(time.Hour)}, time.Hour},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clock := xaitest.NewClock(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC))
			srv := start(t, append(tc.opts, xaitest.WithClock(clock))...)
			if srv.Clock() != clock {
				t.Fatal("Clock() is not the clock given")
			}
			chat := xaiv1.NewChatClient(srv.Conn())
			req := chatReq("grok-3", user("short-lived"))
			req.StoreMessages = true
			resp, err := chat.GetCompletion(ctx(t), req)
			if err != nil {
				t.Fatal(err)
			}
			if !resp.GetCreated().AsTime().Equal(clock.Now()) {
				t.Fatalf("created %v, clock %v", resp.GetCreated().AsTime(), clock.Now())
			}
			get := &xaiv1.GetStoredCompletionRequest{ResponseId: resp.GetId()}
			clock.Advance(tc.retention - time.Second)
			if _, err := chat.GetStoredCompletion(ctx(t), get); err != nil {
				t.Fatalf("just before expiry: %v", err)
			}
			clock.Advance(time.Second)
			_, err = chat.GetStoredCompletion(ctx(t), get)
			wantCode(t, err, codes.NotFound, "expired")
			next := chatReq("grok-3", user("more"))
			next.PreviousResponseId = ptr(resp.GetId())
			_, err = chat.GetCompletion(ctx(t), next)
			wantCode(t, err, codes.NotFound)
			_, err = chat.DeleteStoredCompletion(ctx(t), &xaiv1.DeleteStoredCompletionRequest{ResponseId: resp.GetId()})
			wantCode(t, err, codes.NotFound)
			if ids := srv.StoredResponseIDs(); len(ids) != 0 {
				t.Fatalf("expired response still listed: %v", ids)
			}
		})
	}
}

// tokens counts text with the server's Tokenize service.
func tokens(t *testing.T, srv *xaitest.Server, s string) int32 {
	t.Helper()
	resp, err := xaiv1.NewTokenizeClient(srv.Conn()).TokenizeText(ctx(t), &xaiv1.TokenizeTextRequest{Model: "grok-3", Text: s})
	if err != nil {
		t.Fatal(err)
	}
	return int32(len(resp.GetTokens()))
}

func checkUsageTotals(t *testing.T, u *xaiv1.SamplingUsage) {
	t.Helper()
	if u.GetPromptTokens() != u.GetPromptTextTokens()+u.GetPromptImageTokens() ||
		u.GetTotalTokens() != u.GetPromptTokens()+u.GetCompletionTokens()+u.GetReasoningTokens() ||
		u.GetCachedPromptTextTokens() > u.GetPromptTextTokens() {
		t.Fatalf("inconsistent usage %v", u)
	}
}

func TestPreviousResponseChaining(t *testing.T) {
	srv := start(t)
	chat := xaiv1.NewChatClient(srv.Conn())

	first := chatReq("grok-3", system("Be brief."), user("What is 6 times 7?"))
	first.StoreMessages = true
	r1, err := chat.GetCompletion(ctx(t), first)
	if err != nil {
		t.Fatal(err)
	}
	if r1.GetUsage().GetCachedPromptTextTokens() != 0 {
		t.Fatalf("first turn has cached tokens: %v", r1.GetUsage())
	}
	// The prompt is 3 framing tokens per message plus the text.
	if want := 3 + tokens(t, srv, "Be brief.") + 3 + tokens(t, srv, "What is 6 times 7?"); r1.GetUsage().GetPromptTextTokens() != want {
		t.Fatalf("prompt_text_tokens %d, want %d", r1.GetUsage().GetPromptTextTokens(), want)
	}
	if r1.GetUsage().GetCompletionTokens() != tokens(t, srv, content(r1, 0)) {
		t.Fatalf("completion_tokens %d for %q", r1.GetUsage().GetCompletionTokens(), content(r1, 0))
	}
	checkUsageTotals(t, r1.GetUsage())

	second := chatReq("grok-3", user("And the meaning of 42?"))
	second.PreviousResponseId = ptr(r1.GetId())
	second.StoreMessages = true
	r2, err := chat.GetCompletion(ctx(t), second)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(content(r2, 0), "And the meaning of 42?") {
		t.Fatalf("second answer %q", content(r2, 0))
	}
	history := r1.GetUsage().GetPromptTextTokens() + 3 + r1.GetUsage().GetCompletionTokens()
	u2 := r2.GetUsage()
	if u2.GetCachedPromptTextTokens() != history || u2.GetPromptTextTokens() != history+3+tokens(t, srv, "And the meaning of 42?") {
		t.Fatalf("second usage %v, history %d", u2, history)
	}
	checkUsageTotals(t, u2)
	if r2.GetSettings().GetPreviousResponseId() != r1.GetId() {
		t.Fatalf("settings.previous_response_id = %q", r2.GetSettings().GetPreviousResponseId())
	}

	// Sending the same history explicitly costs the same prompt, uncached.
	explicit := chatReq("grok-3", system("Be brief."), user("What is 6 times 7?"),
		&xaiv1.Message{Role: xaiv1.MessageRole_ROLE_ASSISTANT, Content: []*xaiv1.Content{text(content(r1, 0))}},
		user("And the meaning of 42?"))
	r2b, err := chat.GetCompletion(ctx(t), explicit)
	if err != nil {
		t.Fatal(err)
	}
	if r2b.GetUsage().GetPromptTextTokens() != u2.GetPromptTextTokens() || r2b.GetUsage().GetCachedPromptTextTokens() != 0 ||
		content(r2b, 0) != content(r2, 0) {
		t.Fatalf("explicit history: %v %q, chained: %v %q", r2b.GetUsage(), content(r2b, 0), u2, content(r2, 0))
	}

	// A third turn chains on the second and sees the whole conversation.
	third := chatReq("grok-3", user("Thanks"))
	third.PreviousResponseId = ptr(r2.GetId())
	r3, err := chat.GetCompletion(ctx(t), third)
	if err != nil {
		t.Fatal(err)
	}
	if want := u2.GetPromptTextTokens() + 3 + u2.GetCompletionTokens(); r3.GetUsage().GetCachedPromptTextTokens() != want {
		t.Fatalf("third cached %d, want %d", r3.GetUsage().GetCachedPromptTextTokens(), want)
	}
	// Not stored, so the store holds r1 and r2 only.
	if ids := srv.StoredResponseIDs(); len(ids) != 2 {
		t.Fatalf("StoredResponseIDs = %v", ids)
	}

	// The history already starts with a system message.
	late := chatReq("grok-3", system("Be verbose."), user("hi"))
	late.PreviousResponseId = ptr(r1.GetId())
	_, err = chat.GetCompletion(ctx(t), late)
	wantCode(t, err, codes.InvalidArgument, "messages[0]: only one system or developer message")

	// A system message cannot come after a history that has none either.
	noSystem := chatReq("grok-3", user("plain start"))
	noSystem.StoreMessages = true
	r0, err := chat.GetCompletion(ctx(t), noSystem)
	if err != nil {
		t.Fatal(err)
	}
	after := chatReq("grok-3", system("too late"))
	after.PreviousResponseId = ptr(r0.GetId())
	_, err = chat.GetCompletion(ctx(t), after)
	wantCode(t, err, codes.InvalidArgument, "messages[0]: the system or developer message must be the first")

	// Continuing with no new message is allowed.
	empty := &xaiv1.GetCompletionsRequest{Model: "grok-3", PreviousResponseId: ptr(r1.GetId())}
	if _, err := chat.GetCompletion(ctx(t), empty); err != nil {
		t.Fatalf("chaining without new messages: %v", err)
	}
}

func TestReasoning(t *testing.T) {
	srv := start(t)
	chat := xaiv1.NewChatClient(srv.Conn())
	run := func(model string, effort *xaiv1.ReasoningEffort) *xaiv1.GetChatCompletionResponse {
		t.Helper()
		req := chatReq(model, user("think about it"))
		req.ReasoningEffort = effort
		resp, err := chat.GetCompletion(ctx(t), req)
		if err != nil {
			t.Fatal(err)
		}
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

func TestEncryptedReasoning(t *testing.T) {
	key := bytes.Repeat([]byte{7}, 32)
	srv := start(t, xaitest.WithEncryptionKey(key))
	chat := xaiv1.NewChatClient(srv.Conn())

	plainResp, err := chat.GetCompletion(ctx(t), chatReq("grok-4", user("secret thoughts")))
	if err != nil {
		t.Fatal(err)
	}
	reasoning := plainResp.GetOutputs()[0].GetMessage().GetReasoningContent()

	req := chatReq("grok-4", user("secret thoughts"))
	req.UseEncryptedContent = true
	resp, err := chat.GetCompletion(ctx(t), req)
	if err != nil {
		t.Fatal(err)
	}
	msg := resp.GetOutputs()[0].GetMessage()
	blob := msg.GetEncryptedContent()
	if msg.GetReasoningContent() != "" || blob == "" {
		t.Fatalf("reasoning %q, encrypted %q", msg.GetReasoningContent(), blob)
	}
	if _, err := base64.StdEncoding.DecodeString(blob); err != nil || strings.Contains(blob, "secret") {
		t.Fatalf("blob is not opaque base64: %q", blob)
	}
	if resp.GetUsage().GetReasoningTokens() != plainResp.GetUsage().GetReasoningTokens() {
		t.Fatalf("reasoning tokens %d vs %d", resp.GetUsage().GetReasoningTokens(), plainResp.GetUsage().GetReasoningTokens())
	}

	followUp := func(blob string) *xaiv1.GetCompletionsRequest {
		return chatReq("grok-4", user("secret thoughts"),
			&xaiv1.Message{Role: xaiv1.MessageRole_ROLE_ASSISTANT, Content: []*xaiv1.Content{text(msg.GetContent())}, EncryptedContent: blob},
			user("go on"))
	}
	srv.ResetRequests()
	base, err := chat.GetCompletion(ctx(t), followUp(""))
	if err != nil {
		t.Fatal(err)
	}
	next, err := chat.GetCompletion(ctx(t), followUp(blob))
	if err != nil {
		t.Fatal(err)
	}
	restored := srv.RestoredReasoning()
	if len(restored) != 1 || restored[0] != reasoning {
		t.Fatalf("restored %q, want [%q]", restored, reasoning)
	}
	if reqs := srv.Requests(); len(reqs[1].RestoredReasoning) != 1 || len(reqs[0].RestoredReasoning) != 0 {
		t.Fatalf("per-request restored reasoning: %q / %q", reqs[0].RestoredReasoning, reqs[1].RestoredReasoning)
	}
	n := tokens(t, srv, reasoning)
	if got := next.GetUsage(); got.GetCachedPromptTextTokens() != n || got.GetPromptTextTokens() != base.GetUsage().GetPromptTextTokens()+n {
		t.Fatalf("usage with restored reasoning %v, without %v, reasoning tokens %d", got, base.GetUsage(), n)
	}

	// Tampering with any part of the blob is detected.
	raw, _ := base64.StdEncoding.DecodeString(blob)
	raw[len(raw)/2] ^= 1
	_, err = chat.GetCompletion(ctx(t), followUp(base64.StdEncoding.EncodeToString(raw)))
	wantCode(t, err, codes.InvalidArgument, "messages[1].encrypted_content cannot be decrypted")
	_, err = chat.GetCompletion(ctx(t), followUp("not base64 at all"))
	wantCode(t, err, codes.InvalidArgument, "cannot be decrypted")

	// Another server with another key rejects the blob; one with the same
	// key accepts it.
	other := start(t)
	_, err = xaiv1.NewChatClient(other.Conn()).GetCompletion(ctx(t), followUp(blob))
	wantCode(t, err, codes.InvalidArgument, "not issued by this server")
	twin := start(t, xaitest.WithEncryptionKey(key))
	if _, err := xaiv1.NewChatClient(twin.Conn()).GetCompletion(ctx(t), followUp(blob)); err != nil {
		t.Fatalf("same key: %v", err)
	}
}

func TestDefaultReplies(t *testing.T) {
	srv := start(t)
	chat := xaiv1.NewChatClient(srv.Conn())
	resp, err := chat.GetCompletion(ctx(t), chatReq("grok-3", system("sys"), user("Hello there")))
	if err != nil {
		t.Fatal(err)
	}
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
	multi, err := chat.GetCompletion(ctx(t), req)
	if err != nil {
		t.Fatal(err)
	}
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
	tr, err := chat.GetCompletion(ctx(t), toolTurn)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(content(tr, 0), `Tool result received: "sunny".`) {
		t.Fatalf("tool turn: %q", content(tr, 0))
	}
}

func TestMaxTokensStopAndLogprobs(t *testing.T) {
	srv := start(t)
	chat := xaiv1.NewChatClient(srv.Conn())
	full, err := chat.GetCompletion(ctx(t), chatReq("grok-3", user("count")))
	if err != nil {
		t.Fatal(err)
	}

	req := chatReq("grok-3", user("count"))
	req.MaxTokens = ptr[int32](3)
	cut, err := chat.GetCompletion(ctx(t), req)
	if err != nil {
		t.Fatal(err)
	}
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
	stopped, err := chat.GetCompletion(ctx(t), stop)
	if err != nil {
		t.Fatal(err)
	}
	if content(stopped, 0) != `You said: "` || stopped.GetOutputs()[0].GetFinishReason() != xaiv1.FinishReason_REASON_STOP {
		t.Fatalf("stop: %q", content(stopped, 0))
	}

	lp := chatReq("grok-3", user("count"))
	lp.Logprobs, lp.TopLogprobs = true, ptr[int32](2)
	withLP, err := chat.GetCompletion(ctx(t), lp)
	if err != nil {
		t.Fatal(err)
	}
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

func TestResponseFormat(t *testing.T) {
	srv := start(t)
	chat := xaiv1.NewChatClient(srv.Conn())

	req := chatReq("grok-3", user("as json"))
	req.ResponseFormat = &xaiv1.ResponseFormat{FormatType: xaiv1.FormatType_FORMAT_TYPE_JSON_OBJECT}
	resp, err := chat.GetCompletion(ctx(t), req)
	if err != nil {
		t.Fatal(err)
	}
	var obj map[string]any
	if err := json.Unmarshal([]byte(content(resp, 0)), &obj); err != nil || !strings.Contains(obj["reply"].(string), "as json") {
		t.Fatalf("JSON_OBJECT content %q: %v", content(resp, 0), err)
	}

	schema := `{
	  "type": "object",
	  "properties": {
	    "name": {"type": "string"},
	    "age": {"type": "integer", "minimum": 18},
	    "score": {"type": "number"},
	    "active": {"type": "boolean"},
	    "tags": {"type": "array", "items": {"type": "string"}, "minItems": 2},
	    "kind": {"enum": ["cat", "dog"]},
	    "address": {"$ref": "#/$defs/address"},
	    "nickname": {"type": "string"}
	  },
	  "required": ["name", "age", "score", "active", "tags", "kind", "address"],
	  "$defs": {"address": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}
	}`
	req.ResponseFormat = &xaiv1.ResponseFormat{FormatType: xaiv1.FormatType_FORMAT_TYPE_JSON_SCHEMA, Schema: &schema}
	req.N = ptr[int32](2)
	resp, err = chat.GetCompletion(ctx(t), req)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Name     *string        `json:"name"`
		Age      *int           `json:"age"`
		Score    *float64       `json:"score"`
		Active   *bool          `json:"active"`
		Tags     []string       `json:"tags"`
		Kind     string         `json:"kind"`
		Address  map[string]any `json:"address"`
		Nickname *string        `json:"nickname"`
	}
	dec := json.NewDecoder(strings.NewReader(content(resp, 0)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&got); err != nil {
		t.Fatalf("JSON_SCHEMA content %q: %v", content(resp, 0), err)
	}
	if got.Name == nil || got.Age == nil || *got.Age < 18 || got.Score == nil || got.Active == nil || len(got.Tags) != 2 ||
		got.Kind != "cat" || got.Address["city"] == nil || got.Nickname != nil {
		t.Fatalf("JSON_SCHEMA content %q", content(resp, 0))
	}
	if content(resp, 0) == content(resp, 1) || !json.Valid([]byte(content(resp, 1))) {
		t.Fatalf("outputs: %q / %q", content(resp, 0), content(resp, 1))
	}
}

func TestToolChoice(t *testing.T) {
	srv := start(t)
	chat := xaiv1.NewChatClient(srv.Conn())
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
			resp, err := chat.GetCompletion(ctx(t), req)
			if err != nil {
				t.Fatal(err)
			}
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

func TestScriptedReplies(t *testing.T) {
	srv := start(t)
	chat := xaiv1.NewChatClient(srv.Conn())
	srv.EnqueueReply(xaitest.Reply{Content: "first scripted", Reasoning: "because"})
	srv.EnqueueReply(xaitest.Reply{Chunks: []string{"sec", "ond ", "scripted"}})
	srv.EnqueueReply(xaitest.Reply{ToolCalls: []*xaiv1.ToolCall{{Tool: &xaiv1.ToolCall_Function{
		Function: &xaiv1.FunctionCall{Name: "lookup", Arguments: `{"q":1}`}}}}})
	srv.EnqueueReply(xaitest.Reply{Content: "cut", FinishReason: xaiv1.FinishReason_REASON_MAX_LEN})

	// A rejected request does not use up a reply.
	_, err := chat.GetCompletion(ctx(t), chatReq("", user("x")))
	wantCode(t, err, codes.InvalidArgument)

	r1, err := chat.GetCompletion(ctx(t), chatReq("grok-3", user("x")))
	if err != nil {
		t.Fatal(err)
	}
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

// streamText joins the content deltas of output i.
func streamText(chunks []*xaiv1.GetChatCompletionChunk, i int32) (content, reasoning string, deltas int) {
	var c, r strings.Builder
	for _, ch := range chunks {
		for _, o := range ch.GetOutputs() {
			if o.GetIndex() != i {
				continue
			}
			if d := o.GetDelta().GetContent(); d != "" {
				c.WriteString(d)
				deltas++
			}
			r.WriteString(o.GetDelta().GetReasoningContent())
		}
	}
	return c.String(), r.String(), deltas
}

func TestUnaryStreamAndDeferredAgree(t *testing.T) {
	srv := start(t)
	chat := xaiv1.NewChatClient(srv.Conn())
	cases := requestVariants()
	cases["max_tokens"] = func(r *xaiv1.GetCompletionsRequest) { r.MaxTokens = ptr[int32](5) }
	cases["logprobs"] = func(r *xaiv1.GetCompletionsRequest) { r.Logprobs = true }
	for name, edit := range cases {
		t.Run(name, func(t *testing.T) {
			req := chatReq("grok-3", user("The quick brown fox jumps over the lazy dog, twice!"))
			edit(req)
			unary, chunks, deferred := threeWays(t, chat, req)

			// Stream shape: the role on every delta, one ID, finish
			// reasons and usage last.
			last := chunks[len(chunks)-1]
			roleOnEveryDelta(t, chunks)
			for _, ch := range chunks {
				if ch.GetId() != chunks[0].GetId() || ch.GetModel() != unary.GetModel() {
					t.Fatalf("chunk id %q model %q", ch.GetId(), ch.GetModel())
				}
				if ch != last && (ch.GetUsage() != nil) {
					t.Fatal("usage before the last chunk")
				}
			}
			if !proto.Equal(last.GetUsage(), unary.GetUsage()) {
				t.Fatalf("stream usage %v, unary %v", last.GetUsage(), unary.GetUsage())
			}
			if !proto.Equal(deferred.GetUsage(), unary.GetUsage()) {
				t.Fatalf("deferred usage %v, unary %v", deferred.GetUsage(), unary.GetUsage())
			}
			if len(last.GetOutputs()) != len(unary.GetOutputs()) {
				t.Fatalf("last chunk has %d outputs", len(last.GetOutputs()))
			}
			if unary.GetId() == deferred.GetId() || unary.GetId() == chunks[0].GetId() {
				t.Fatal("response IDs repeat")
			}

			for i, out := range unary.GetOutputs() {
				msg := out.GetMessage()
				sc, sr, deltas := streamText(chunks, int32(i))
				if sc != msg.GetContent() || sr != msg.GetReasoningContent() {
					t.Fatalf("output %d: stream %q/%q, unary %q/%q", i, sc, sr, msg.GetContent(), msg.GetReasoningContent())
				}
				if msg.GetContent() != "" && tokens(t, srv, msg.GetContent()) > 4 && deltas < 2 {
					t.Fatalf("output %d arrived in %d delta(s)", i, deltas)
				}
				if last.GetOutputs()[i].GetFinishReason() != out.GetFinishReason() {
					t.Fatalf("finish reasons: stream %v unary %v", last.GetOutputs()[i].GetFinishReason(), out.GetFinishReason())
				}
				dm := deferred.GetOutputs()[i].GetMessage()
				if dm.GetContent() != msg.GetContent() || dm.GetReasoningContent() != msg.GetReasoningContent() ||
					deferred.GetOutputs()[i].GetFinishReason() != out.GetFinishReason() {
					t.Fatalf("deferred output %d differs: %v vs %v", i, dm, msg)
				}
				if (dm.GetEncryptedContent() == "") != (msg.GetEncryptedContent() == "") {
					t.Fatal("encrypted content on one side only")
				}
				if len(msg.GetToolCalls()) > 0 && !proto.Equal(dm.GetToolCalls()[0], msg.GetToolCalls()[0]) {
					t.Fatalf("tool calls differ: %v vs %v", dm.GetToolCalls(), msg.GetToolCalls())
				}
			}
		})
	}
}

func TestDeferredLifecycle(t *testing.T) {
	clock := xaitest.NewClock(time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC))
	srv := start(t, xaitest.WithClock(clock))
	chat := xaiv1.NewChatClient(srv.Conn())
	req := chatReq("grok-3", user("later"))
	req.StoreMessages = true
	started, err := chat.StartDeferredCompletion(ctx(t), req)
	if err != nil || started.GetRequestId() == "" {
		t.Fatalf("start: %v %v", started, err)
	}
	poll := &xaiv1.GetDeferredRequest{RequestId: started.GetRequestId()}
	for _, want := range []xaiv1.DeferredStatus{xaiv1.DeferredStatus_PENDING, xaiv1.DeferredStatus_DONE, xaiv1.DeferredStatus_DONE} {
		got, err := chat.GetDeferredCompletion(ctx(t), poll)
		if err != nil || got.GetStatus() != want {
			t.Fatalf("poll: %v %v, want %v", got, err, want)
		}
		if want == xaiv1.DeferredStatus_DONE {
			// A stored deferred response can be read back by its ID.
			if _, err := chat.GetStoredCompletion(ctx(t), &xaiv1.GetStoredCompletionRequest{ResponseId: got.GetResponse().GetId()}); err != nil {
				t.Fatal(err)
			}
		}
	}
	clock.Advance(24 * time.Hour)
	got, err := chat.GetDeferredCompletion(ctx(t), poll)
	if err != nil || got.GetStatus() != xaiv1.DeferredStatus_EXPIRED || got.Response != nil {
		t.Fatalf("after a day: %v %v", got, err)
	}
	_, err = chat.GetDeferredCompletion(ctx(t), &xaiv1.GetDeferredRequest{RequestId: "nope"})
	wantCode(t, err, codes.NotFound, `"nope"`)
	_, err = chat.GetDeferredCompletion(ctx(t), &xaiv1.GetDeferredRequest{})
	wantCode(t, err, codes.InvalidArgument, "request_id is required")
}

func TestResponseIDsAreUnique(t *testing.T) {
	srv := start(t)
	chat := xaiv1.NewChatClient(srv.Conn())
	seen := map[string]bool{}
	for range 50 {
		resp, err := chat.GetCompletion(ctx(t), chatReq("grok-3", user("same request")))
		if err != nil {
			t.Fatal(err)
		}
		if seen[resp.GetId()] || len(resp.GetId()) != 36 {
			t.Fatalf("id %q repeated or malformed", resp.GetId())
		}
		seen[resp.GetId()] = true
	}
}

func TestCompactContext(t *testing.T) {
	srv := start(t)
	chat := xaiv1.NewChatClient(srv.Conn())
	history := []*xaiv1.Message{system("Be brief."), user("one"),
		{Role: xaiv1.MessageRole_ROLE_ASSISTANT, Content: []*xaiv1.Content{text("two")}}}
	compact, err := chat.CompactContext(ctx(t), &xaiv1.CompactContextRequest{Model: "grok-4", Input: history})
	if err != nil {
		t.Fatal(err)
	}
	if compact.GetId() == "" || compact.GetEncryptedContent() == "" || compact.GetDroppedMessageCount() != 3 {
		t.Fatalf("compact: %v", compact)
	}
	explicit, err := chat.GetCompletion(ctx(t), chatReq("grok-4", append(history, user("three"))...))
	if err != nil {
		t.Fatal(err)
	}
	if compact.GetUsage().GetPromptTextTokens() != explicit.GetUsage().GetPromptTextTokens()-3-tokens(t, srv, "three") {
		t.Fatalf("compaction usage %v", compact.GetUsage())
	}
	carrier := &xaiv1.Message{Role: xaiv1.MessageRole_ROLE_ASSISTANT, EncryptedContent: compact.GetEncryptedContent()}
	resumed, err := chat.GetCompletion(ctx(t), chatReq("grok-4", carrier, user("three")))
	if err != nil {
		t.Fatal(err)
	}
	u := resumed.GetUsage()
	if u.GetPromptTextTokens() != explicit.GetUsage().GetPromptTextTokens() || u.GetCachedPromptTextTokens() != compact.GetUsage().GetPromptTextTokens() ||
		content(resumed, 0) != content(explicit, 0) {
		t.Fatalf("resumed %v %q, explicit %v %q", u, content(resumed, 0), explicit.GetUsage(), content(explicit, 0))
	}
	// The compacted history holds a system message already.
	_, err = chat.GetCompletion(ctx(t), chatReq("grok-4", carrier, system("again")))
	wantCode(t, err, codes.InvalidArgument, "messages[1]: only one system")
	// What comes before a compaction message is ignored (issue 12), so its
	// system message stays first.
	after, err := chat.GetCompletion(ctx(t), chatReq("grok-4", user("first"), carrier, user("three")))
	if err != nil {
		t.Fatal(err)
	}
	if after.GetUsage().GetPromptTextTokens() != u.GetPromptTextTokens() {
		t.Errorf("a message before the compaction was billed: %v, want %v", after.GetUsage(), u)
	}

	_, err = chat.CompactContext(ctx(t), &xaiv1.CompactContextRequest{Model: "grok-4"})
	wantCode(t, err, codes.InvalidArgument, "input must not be empty")
	_, err = chat.CompactContext(ctx(t), &xaiv1.CompactContextRequest{Input: history})
	wantCode(t, err, codes.InvalidArgument, "model is required")
}

// A continuation of a response that was not stored is NOT_FOUND, and the
// message names that cause first (issue 12: each turn continued must be
// stored).
func TestPreviousResponseNotStored(t *testing.T) {
	srv := start(t)
	chat := xaiv1.NewChatClient(srv.Conn())
	first, err := chat.GetCompletion(ctx(t), chatReq("grok-4", user("one")))
	if err != nil {
		t.Fatal(err)
	}
	req := chatReq("grok-4", user("two"))
	req.PreviousResponseId = &first.Id
	_, err = chat.GetCompletion(ctx(t), req)
	wantCode(t, err, codes.NotFound, "never stored", "store_messages")
}
