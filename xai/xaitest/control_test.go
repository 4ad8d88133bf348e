package xaitest_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/durationpb"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
	collectionsv1 "github.com/gogrok/sdk/gen/xai/api/v1/collections"
	controlv1 "github.com/gogrok/sdk/gen/xaitest/control/v1"
	"github.com/gogrok/sdk/xai/xaitest"
)

const testControlKey = "control-key-for-tests"

// control starts a fake with a control key and returns it with a control
// client and a context that carries the control key.
func control(t *testing.T, opts ...xaitest.Option) (*xaitest.Server, controlv1.ControlServiceClient, context.Context) {
	t.Helper()
	srv := start(t, append([]xaitest.Option{xaitest.WithControlKey(testControlKey)}, opts...)...)
	return srv, controlv1.NewControlServiceClient(rawConn(t, srv)), withKey(ctx(t), testControlKey)
}

func withKey(c context.Context, key string) context.Context {
	return metadata.AppendToOutgoingContext(c, "authorization", "Bearer "+key)
}

func TestControlScriptedReply(t *testing.T) {
	srv, ctl, cctx := control(t)
	chat := xaiv1.NewChatClient(srv.Conn())
	if _, err := ctl.EnqueueReply(cctx, &controlv1.EnqueueReplyRequest{Reply: &controlv1.Reply{
		Chunks:              []string{"scripted ", "over ", "gRPC"},
		Citations:           []string{"https://example.com/a"},
		ServerSideToolsUsed: []xaiv1.ServerSideTool{xaiv1.ServerSideTool_SERVER_SIDE_TOOL_WEB_SEARCH},
	}}); err != nil {
		t.Fatal(err)
	}
	// The multi-output layout of a server-side tool: the call, its result,
	// then the answer.
	call := &xaiv1.ToolCall{Id: "call-1", Type: xaiv1.ToolCallType_TOOL_CALL_TYPE_WEB_SEARCH_TOOL,
		Tool: &xaiv1.ToolCall_Function{Function: &xaiv1.FunctionCall{Name: "web_search", Arguments: `{"query":"x"}`}}}
	if _, err := ctl.EnqueueReply(cctx, &controlv1.EnqueueReplyRequest{Reply: &controlv1.Reply{Outputs: []*controlv1.ReplyOutput{
		{Index: 0, ToolCalls: []*xaiv1.ToolCall{call}},
		{Index: 1, Role: xaiv1.MessageRole_ROLE_TOOL, Content: "result", ToolCalls: []*xaiv1.ToolCall{call}},
		{Index: 2, Content: "the answer"},
	}}}); err != nil {
		t.Fatal(err)
	}

	resp := complete(t, chat, chatReq("grok-3", user("x")))
	if got := content(resp, 0); got != "scripted over gRPC" {
		t.Errorf("content = %q, want the scripted chunks joined", got)
	}
	if got := resp.GetCitations(); len(got) != 1 || got[0] != "https://example.com/a" {
		t.Errorf("citations = %q", got)
	}
	if got := resp.GetUsage().GetServerSideToolsUsed(); len(got) != 1 || got[0] != xaiv1.ServerSideTool_SERVER_SIDE_TOOL_WEB_SEARCH {
		t.Errorf("server_side_tools_used = %v", got)
	}

	chunks := streamed(t, chat, chatReq("grok-3", user("x")))
	roles := map[int32]xaiv1.MessageRole{}
	var answer strings.Builder
	for _, ch := range chunks {
		for _, o := range ch.GetOutputs() {
			roles[o.GetIndex()] = o.GetDelta().GetRole()
			if o.GetIndex() == 2 {
				answer.WriteString(o.GetDelta().GetContent())
			}
		}
	}
	if roles[1] != xaiv1.MessageRole_ROLE_TOOL || roles[2] != xaiv1.MessageRole_ROLE_ASSISTANT || answer.String() != "the answer" {
		t.Errorf("layout streamed as roles %v with answer %q", roles, answer.String())
	}

	// Both scripts are used: the default reply is back.
	resp = complete(t, chat, chatReq("grok-3", user("x")))
	if c := content(resp, 0); c == "scripted over gRPC" || c == "the answer" {
		t.Errorf("a script was used twice: %q", c)
	}

	if _, err := ctl.EnqueueReply(cctx, &controlv1.EnqueueReplyRequest{}); err == nil {
		t.Error("EnqueueReply without a reply was accepted")
	} else {
		wantCode(t, err, codes.InvalidArgument, "reply")
	}
}

func TestControlInjectFault(t *testing.T) {
	srv, ctl, cctx := control(t)
	chat := xaiv1.NewChatClient(srv.Conn())
	if _, err := ctl.InjectFault(cctx, &controlv1.InjectFaultRequest{
		Method: xaiv1.Chat_GetCompletion_FullMethodName, Code: uint32(codes.Unavailable), Message: "scripted outage",
	}); err != nil {
		t.Fatal(err)
	}
	_, err := chat.GetCompletion(ctx(t), chatReq("grok-3", user("x")))
	wantCode(t, err, codes.Unavailable, "scripted outage")
	if _, err := chat.GetCompletion(ctx(t), chatReq("grok-3", user("x"))); err != nil {
		t.Fatalf("times 0 means one call, but the second failed too: %v", err)
	}

	// A stream fails after the number of chunks asked for.
	if _, err := ctl.InjectFault(cctx, &controlv1.InjectFaultRequest{
		Method: xaiv1.Chat_GetCompletionChunk_FullMethodName, Code: uint32(codes.Internal), AfterChunks: 2,
	}); err != nil {
		t.Fatal(err)
	}
	chunks, err := streamedErr(t, chat, chatReq("grok-3", user("a question long enough for several chunks")))
	wantCode(t, err, codes.Internal)
	if len(chunks) != 2 {
		t.Errorf("%d chunks before the fault, want 2", len(chunks))
	}

	// A fault for the calls with a header of the test's, after the work.
	if _, err := ctl.InjectFault(cctx, &controlv1.InjectFaultRequest{
		Method: xaiv1.Chat_GetCompletion_FullMethodName, Code: uint32(codes.Unavailable),
		AfterHeaders: true, MatchMetadata: map[string]string{"x-case": "b"},
	}); err != nil {
		t.Fatal(err)
	}
	store := chatReq("grok-3", user("x"))
	store.StoreMessages = true
	if _, err := chat.GetCompletion(metadata.AppendToOutgoingContext(ctx(t), "x-case", "a"), store); err != nil {
		t.Fatalf("a call the fault does not match: %v", err)
	}
	_, err = chat.GetCompletion(metadata.AppendToOutgoingContext(ctx(t), "x-case", "b"), store)
	wantCode(t, err, codes.Unavailable)
	if n := len(srv.StoredResponseIDs()); n != 2 {
		t.Errorf("%d responses stored, want 2: the faulted call did its work before failing", n)
	}

	// Status details and trailers, as the service sends them to push back.
	retry, err := anypb.New(&errdetails.RetryInfo{RetryDelay: durationpb.New(250 * time.Millisecond)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ctl.InjectFault(cctx, &controlv1.InjectFaultRequest{
		Method: xaiv1.Chat_GetCompletion_FullMethodName, Code: uint32(codes.ResourceExhausted),
		Details: []*anypb.Any{retry}, Trailer: map[string]string{"grpc-retry-pushback-ms": "250"},
	}); err != nil {
		t.Fatal(err)
	}
	var trailer metadata.MD
	_, err = chat.GetCompletion(ctx(t), chatReq("grok-3", user("x")), grpc.Trailer(&trailer))
	wantCode(t, err, codes.ResourceExhausted)
	var delay *errdetails.RetryInfo
	for _, d := range status.Convert(err).Details() {
		if ri, ok := d.(*errdetails.RetryInfo); ok {
			delay = ri
		}
	}
	if delay.GetRetryDelay().AsDuration() != 250*time.Millisecond {
		t.Errorf("status details %v, want the RetryInfo", status.Convert(err).Details())
	}
	if v := trailer.Get("grpc-retry-pushback-ms"); len(v) != 1 || v[0] != "250" {
		t.Errorf("trailer %v", trailer)
	}

	unknown := &anypb.Any{TypeUrl: "type.googleapis.com/no.such.Detail", Value: []byte{}}
	for _, bad := range []struct {
		req  *controlv1.InjectFaultRequest
		want string
	}{
		{&controlv1.InjectFaultRequest{Code: 14}, "method is required"},
		{&controlv1.InjectFaultRequest{Method: "/xai_api.Chat/NoSuchMethod", Code: 14}, "NoSuchMethod"},
		{&controlv1.InjectFaultRequest{Method: "xai_api.Chat/GetCompletion", Code: 14}, "full name"},
		{&controlv1.InjectFaultRequest{Method: controlv1.ControlService_Reset_FullMethodName, Code: 14}, "Reset"},
		{&controlv1.InjectFaultRequest{Method: xaiv1.Chat_GetCompletion_FullMethodName, Code: 17}, "17"},
		{&controlv1.InjectFaultRequest{Method: xaiv1.Chat_GetCompletion_FullMethodName, Code: 14, Times: -1}, "negative"},
		{&controlv1.InjectFaultRequest{Method: xaiv1.Chat_GetCompletion_FullMethodName, Code: 14, AfterChunks: -1}, "negative"},
		{&controlv1.InjectFaultRequest{Method: xaiv1.Chat_GetCompletion_FullMethodName, Code: 14, Details: []*anypb.Any{unknown}}, "details[0]"},
		{&controlv1.InjectFaultRequest{Method: xaiv1.Chat_GetCompletion_FullMethodName, Code: 14, Trailer: map[string]string{"Bad Key": "1"}}, "Bad Key"},
	} {
		_, err := ctl.InjectFault(cctx, bad.req)
		wantCode(t, err, codes.InvalidArgument, bad.want)
	}
	if _, err := chat.GetCompletion(ctx(t), chatReq("grok-3", user("x"))); err != nil {
		t.Fatalf("a rejected fault was injected: %v", err)
	}
}

// The real service keeps stored responses 30 days (xAI docs, design.md);
// moving the clock past that through the control service expires one.
func TestControlAdvanceClockExpiresStoredResponse(t *testing.T) {
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	srv, ctl, cctx := control(t, xaitest.WithClock(xaitest.NewClock(start)))
	chat := xaiv1.NewChatClient(srv.Conn())
	req := chatReq("grok-3", user("x"))
	req.StoreMessages = true
	resp := complete(t, chat, req)
	get := &xaiv1.GetStoredCompletionRequest{ResponseId: resp.GetId()}

	adv, err := ctl.AdvanceClock(cctx, &controlv1.AdvanceClockRequest{By: durationpb.New(30*24*time.Hour - time.Second)})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := adv.GetNow().AsTime(), start.Add(30*24*time.Hour-time.Second); !got.Equal(want) {
		t.Errorf("now = %v, want %v", got, want)
	}
	if _, err := chat.GetStoredCompletion(ctx(t), get); err != nil {
		t.Fatalf("a second before 30 days: %v", err)
	}
	if _, err := ctl.AdvanceClock(cctx, &controlv1.AdvanceClockRequest{By: durationpb.New(time.Second)}); err != nil {
		t.Fatal(err)
	}
	_, err = chat.GetStoredCompletion(ctx(t), get)
	wantCode(t, err, codes.NotFound)

	_, err = ctl.AdvanceClock(cctx, &controlv1.AdvanceClockRequest{By: &durationpb.Duration{Seconds: 1, Nanos: -1}})
	wantCode(t, err, codes.InvalidArgument, "by")
}

func TestControlListRequests(t *testing.T) {
	srv, ctl, cctx := control(t)
	chat := xaiv1.NewChatClient(srv.Conn())
	callCtx := metadata.AppendToOutgoingContext(ctx(t), "x-test-case", "list", "x-trace-bin", "\x00\x01")
	if _, err := chat.GetCompletion(callCtx, chatReq("grok-3", user("what was asked"))); err != nil {
		t.Fatal(err)
	}
	if _, err := xaiv1.NewModelsClient(srv.Conn()).ListLanguageModels(ctx(t), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := ctl.SetLatency(cctx, &controlv1.SetLatencyRequest{}); err != nil {
		t.Fatal(err)
	}

	all, err := ctl.ListRequests(cctx, &controlv1.ListRequestsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(all.GetRequests()); n != 2 {
		t.Fatalf("%d requests recorded, want 2 (control calls are not recorded): %v", n, all)
	}
	got, err := ctl.ListRequests(cctx, &controlv1.ListRequestsRequest{Method: xaiv1.Chat_GetCompletion_FullMethodName})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.GetRequests()) != 1 {
		t.Fatalf("filtered: %d requests, want 1", len(got.GetRequests()))
	}
	r := got.GetRequests()[0]
	var msg xaiv1.GetCompletionsRequest
	if err := protojson.Unmarshal([]byte(r.GetMessageJson()), &msg); err != nil {
		t.Fatalf("message_json %q: %v", r.GetMessageJson(), err)
	}
	if !proto.Equal(&msg, chatReq("grok-3", user("what was asked"))) {
		t.Errorf("recorded message = %v", &msg)
	}
	md := map[string][]string{}
	for _, e := range r.GetMetadata() {
		md[e.GetKey()] = e.GetValues()
	}
	if v := md["x-test-case"]; len(v) != 1 || v[0] != "list" {
		t.Errorf("x-test-case = %q", v)
	}
	if v := md["x-trace-bin"]; len(v) != 1 || v[0] != "AAE=" {
		t.Errorf("x-trace-bin = %q, want base64", v)
	}
	if v := md["authorization"]; len(v) != 1 || !strings.HasPrefix(v[0], "Bearer ") {
		t.Errorf("authorization = %q, want its scheme kept", v)
	}
	b, _ := json.Marshal(all)
	if strings.Contains(string(b), srv.APIKey()) {
		t.Errorf("the API key is in the record: %s", b)
	}
	if r.GetTime() == nil {
		t.Error("no time recorded")
	}

	if _, err := ctl.Reset(cctx, &controlv1.ResetRequest{}); err != nil {
		t.Fatal(err)
	}
	if got, err := ctl.ListRequests(cctx, &controlv1.ListRequestsRequest{}); err != nil || len(got.GetRequests()) != 0 {
		t.Errorf("after Reset: %v, %v", got, err)
	}
}

func TestControlKeys(t *testing.T) {
	srv, ctl, cctx := control(t, xaitest.WithAPIKeys("api-key-1"), xaitest.WithManagementKeys("mgmt-key-1"))
	list := &controlv1.ListRequestsRequest{}
	if _, err := ctl.ListRequests(cctx, list); err != nil {
		t.Fatalf("with the control key: %v", err)
	}
	for _, tc := range []struct {
		name string
		ctx  context.Context
		code codes.Code
	}{
		{"no key", ctx(t), codes.Unauthenticated},
		{"an unknown key", withKey(ctx(t), "not-a-key-at-all"), codes.Unauthenticated},
		{"an API key", withKey(ctx(t), "api-key-1"), codes.PermissionDenied},
		{"a management key", withKey(ctx(t), "mgmt-key-1"), codes.PermissionDenied},
		{"a malformed header", metadata.AppendToOutgoingContext(ctx(t), "authorization", testControlKey), codes.Unauthenticated},
	} {
		_, err := ctl.ListRequests(tc.ctx, list)
		wantCode(t, err, tc.code)
		if strings.Contains(err.Error(), "not-a-key-at-all") || strings.Contains(err.Error(), testControlKey) {
			t.Errorf("%s: the error shows a key: %v", tc.name, err)
		}
	}
	// The control key is no API key.
	_, err := xaiv1.NewModelsClient(rawConn(t, srv)).ListLanguageModels(withKey(ctx(t), testControlKey), nil)
	wantCode(t, err, codes.Unauthenticated)

	// Without a control key the service is off, whatever the caller sends.
	off := start(t)
	offCtl := controlv1.NewControlServiceClient(rawConn(t, off))
	for _, key := range []string{off.APIKey(), testControlKey} {
		_, err := offCtl.Reset(withKey(ctx(t), key), &controlv1.ResetRequest{})
		wantCode(t, err, codes.PermissionDenied, "WithControlKey", "-control-key")
	}
	if off.ControlKey() != "" || srv.ControlKey() != testControlKey {
		t.Errorf("ControlKey() = %q and %q", off.ControlKey(), srv.ControlKey())
	}

	for _, opts := range [][]xaitest.Option{
		{xaitest.WithControlKey("")},
		{xaitest.WithControlKey("has space")},
		{xaitest.WithControlKey(xaitest.DefaultAPIKey)},
		{xaitest.WithManagementKeys("m-1"), xaitest.WithControlKey("m-1")},
	} {
		if s, err := xaitest.NewServer(opts...); err == nil {
			s.Close()
			t.Errorf("NewServer accepted a bad control key")
		}
	}
}

func TestControlLatencyAndReset(t *testing.T) {
	srv, ctl, cctx := control(t)
	chat := xaiv1.NewChatClient(srv.Conn())
	if _, err := ctl.SetLatency(cctx, &controlv1.SetLatencyRequest{Latency: durationpb.New(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx(t), 50*time.Millisecond)
	defer cancel()
	_, err := chat.GetCompletion(short, chatReq("grok-3", user("x")))
	wantCode(t, err, codes.DeadlineExceeded)
	// The latency does not hold up control calls.
	if _, err := ctl.EnqueueReply(cctx, &controlv1.EnqueueReplyRequest{Reply: &controlv1.Reply{Content: "never seen"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := ctl.InjectFault(cctx, &controlv1.InjectFaultRequest{Method: xaiv1.Chat_GetCompletion_FullMethodName}); err != nil {
		t.Fatal(err)
	}
	if _, err := ctl.EnqueueDeferredOutcome(cctx, &controlv1.EnqueueDeferredOutcomeRequest{Status: xaiv1.DeferredStatus_FAILED}); err != nil {
		t.Fatal(err)
	}
	if _, err := ctl.EnqueueVideoOutcome(cctx, &controlv1.EnqueueVideoOutcomeRequest{Status: xaiv1.DeferredStatus_EXPIRED}); err != nil {
		t.Fatal(err)
	}
	if _, err := ctl.Reset(cctx, &controlv1.ResetRequest{}); err != nil {
		t.Fatal(err)
	}
	wantDeferred(t, srv, xaiv1.DeferredStatus_PENDING, xaiv1.DeferredStatus_DONE)
	v := xaiv1.NewVideoClient(srv.Conn())
	if st := poll(t, v, startVideo(t, v, videoReq("after reset"))).GetStatus(); st != xaiv1.DeferredStatus_PENDING {
		t.Errorf("video after Reset: %v, want the default PENDING", st)
	}
	resp, err := chat.GetCompletion(ctx(t), chatReq("grok-3", user("x")))
	if err != nil {
		t.Fatalf("after Reset: %v", err)
	}
	if content(resp, 0) == "never seen" {
		t.Error("Reset kept the scripted reply")
	}

	_, err = ctl.SetLatency(cctx, &controlv1.SetLatencyRequest{Latency: durationpb.New(-time.Second)})
	wantCode(t, err, codes.InvalidArgument, "negative")
}

func TestControlVideoAndDeferredOutcomes(t *testing.T) {
	srv, ctl, cctx := control(t)
	if _, err := ctl.EnqueueVideoOutcome(cctx, &controlv1.EnqueueVideoOutcomeRequest{
		PendingPolls: -1, Status: xaiv1.DeferredStatus_FAILED, Error: &xaiv1.VideoError{Code: "moderation", Message: "flagged"},
	}); err != nil {
		t.Fatal(err)
	}
	v := xaiv1.NewVideoClient(srv.Conn())
	r := poll(t, v, startVideo(t, v, videoReq("a fox")))
	if r.GetStatus() != xaiv1.DeferredStatus_FAILED || r.GetResponse().GetError().GetCode() != "moderation" {
		t.Errorf("scripted video: %v", r)
	}

	if _, err := ctl.EnqueueDeferredOutcome(cctx, &controlv1.EnqueueDeferredOutcomeRequest{
		PendingPolls: 2, Status: xaiv1.DeferredStatus_FAILED,
	}); err != nil {
		t.Fatal(err)
	}
	wantDeferred(t, srv, xaiv1.DeferredStatus_PENDING, xaiv1.DeferredStatus_PENDING, xaiv1.DeferredStatus_FAILED)

	for _, st := range []xaiv1.DeferredStatus{xaiv1.DeferredStatus_PENDING, 99} {
		_, err := ctl.EnqueueDeferredOutcome(cctx, &controlv1.EnqueueDeferredOutcomeRequest{Status: st})
		wantCode(t, err, codes.InvalidArgument, "status")
		_, err = ctl.EnqueueVideoOutcome(cctx, &controlv1.EnqueueVideoOutcomeRequest{Status: st})
		wantCode(t, err, codes.InvalidArgument, "status")
	}
}

// The Go API of deferred outcomes: EXPIRED at once, and the default course
// (PENDING once, then DONE) once the scripts are used up.
func TestEnqueueDeferredOutcome(t *testing.T) {
	srv := start(t)
	srv.EnqueueDeferredOutcome(xaitest.DeferredOutcome{PendingPolls: -1, Status: xaiv1.DeferredStatus_EXPIRED})
	wantDeferred(t, srv, xaiv1.DeferredStatus_EXPIRED, xaiv1.DeferredStatus_EXPIRED)
	wantDeferred(t, srv, xaiv1.DeferredStatus_PENDING, xaiv1.DeferredStatus_DONE)
}

// wantDeferred starts a deferred completion and polls it once per status,
// expecting each in turn; a response comes with DONE only.
func wantDeferred(t *testing.T, srv *xaitest.Server, want ...xaiv1.DeferredStatus) {
	t.Helper()
	chat := xaiv1.NewChatClient(srv.Conn())
	started, err := chat.StartDeferredCompletion(ctx(t), chatReq("grok-3", user("x")))
	if err != nil {
		t.Fatal(err)
	}
	for i, st := range want {
		r, err := chat.GetDeferredCompletion(ctx(t), &xaiv1.GetDeferredRequest{RequestId: started.GetRequestId()})
		if err != nil {
			t.Fatal(err)
		}
		if r.GetStatus() != st || (r.Response != nil) != (st == xaiv1.DeferredStatus_DONE) {
			t.Fatalf("poll %d: %v with response %v, want %v", i, r.GetStatus(), r.Response != nil, st)
		}
	}
}

func TestControlToolFailure(t *testing.T) {
	srv, ctl, cctx := control(t)
	if _, err := ctl.EnqueueToolFailure(cctx, &controlv1.EnqueueToolFailureRequest{
		Type: xaiv1.ToolCallType_TOOL_CALL_TYPE_WEB_SEARCH_TOOL, Message: "search backend down",
	}); err != nil {
		t.Fatal(err)
	}
	req := chatReq("grok-4", user("Search for it"))
	req.Tools = []*xaiv1.Tool{webSearch}
	resp, err := xaiv1.NewChatClient(srv.Conn()).GetCompletion(ctx(t), req)
	if err != nil {
		t.Fatal(err)
	}
	var failed *xaiv1.ToolCall
	for _, o := range resp.GetOutputs() {
		for _, c := range o.GetMessage().GetToolCalls() {
			if c.GetStatus() == xaiv1.ToolCallStatus_TOOL_CALL_STATUS_FAILED {
				failed = c
			}
		}
	}
	if failed.GetErrorMessage() != "search backend down" {
		t.Fatalf("no call failed with the scripted message: %v", resp.GetOutputs())
	}
}

func TestControlIndexing(t *testing.T) {
	srv, ctl, cctx := control(t, xaitest.WithClock(xaitest.NewClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))))
	if _, err := ctl.SetIndexingDelay(cctx, &controlv1.SetIndexingDelayRequest{Delay: durationpb.New(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if _, err := ctl.FailIndexing(cctx, &controlv1.FailIndexingRequest{Name: "bad.txt", Reason: "unsupported layout"}); err != nil {
		t.Fatal(err)
	}
	cc := collectionsv1.NewCollectionsClient(srv.Conn())
	id := newCollection(t, cc, &collectionsv1.CreateCollectionRequest{CollectionName: "steered"}).GetCollectionId()
	good, bad := uploadText(t, srv, "good.txt", "some text to index"), uploadText(t, srv, "bad.txt", "more text")
	doc := func(f string) *collectionsv1.DocumentMetadata {
		t.Helper()
		d, err := cc.GetDocumentMetadata(ctx(t), &collectionsv1.GetDocumentMetadataRequest{CollectionId: id, FileId: f})
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	for _, f := range []string{good, bad} {
		if _, err := cc.AddDocumentToCollection(ctx(t), &collectionsv1.AddDocumentToCollectionRequest{CollectionId: id, FileId: f}); err != nil {
			t.Fatal(err)
		}
		if st := doc(f).GetStatus(); st != collectionsv1.DocumentStatus_DOCUMENT_STATUS_PROCESSING {
			t.Fatalf("just added: %v", st)
		}
	}
	if _, err := ctl.AdvanceClock(cctx, &controlv1.AdvanceClockRequest{By: durationpb.New(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if st := doc(good).GetStatus(); st != collectionsv1.DocumentStatus_DOCUMENT_STATUS_PROCESSED {
		t.Errorf("good.txt after the delay: %v", st)
	}
	if d := doc(bad); d.GetStatus() != collectionsv1.DocumentStatus_DOCUMENT_STATUS_FAILED || d.GetErrorMessage() != "unsupported layout" {
		t.Errorf("bad.txt after the delay: %v", d)
	}

	_, err := ctl.FailIndexing(cctx, &controlv1.FailIndexingRequest{Reason: "no name"})
	wantCode(t, err, codes.InvalidArgument, "name")
	_, err = ctl.SetIndexingDelay(cctx, &controlv1.SetIndexingDelayRequest{Delay: durationpb.New(-time.Minute)})
	wantCode(t, err, codes.InvalidArgument, "negative")
}
