package xaitest_test

import (
	"context"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
	"github.com/gogrok/sdk/xai/xaitest"
)

func TestUnaryFaults(t *testing.T) {
	srv, chat := startClient(t, xaiv1.NewChatClient)
	srv.InjectFault(xaiv1.Chat_GetCompletion_FullMethodName, xaitest.Fault{Code: codes.Unavailable, Message: "try later", Times: 2})
	srv.InjectFault(xaiv1.Chat_GetCompletion_FullMethodName, xaitest.Fault{Code: codes.ResourceExhausted})

	// A call without a valid key fails authentication and leaves the
	// faults in place.
	wrong := metadata.AppendToOutgoingContext(ctx(t), "authorization", "Bearer wrong-key-123456")
	_, err := xaiv1.NewChatClient(rawConn(t, srv)).GetCompletion(wrong, chatReq("grok-3", user("x")))
	wantCode(t, err, codes.Unauthenticated)

	for range 2 {
		_, err := chat.GetCompletion(ctx(t), chatReq("grok-3", user("x")))
		wantCode(t, err, codes.Unavailable, "try later")
	}
	_, err = chat.GetCompletion(ctx(t), chatReq("grok-3", user("x")))
	wantCode(t, err, codes.ResourceExhausted, "injected ResourceExhausted fault")
	if _, err := chat.GetCompletion(ctx(t), chatReq("grok-3", user("x"))); err != nil {
		t.Fatalf("after the faults: %v", err)
	}
	// Other methods are unaffected, and OK counts as UNKNOWN.
	srv.InjectFault(xaiv1.Models_ListLanguageModels_FullMethodName, xaitest.Fault{Code: codes.OK})
	if _, err := chat.GetCompletion(ctx(t), chatReq("grok-3", user("x"))); err != nil {
		t.Fatal(err)
	}
	_, err = xaiv1.NewModelsClient(srv.Conn()).ListLanguageModels(ctx(t), nil)
	wantCode(t, err, codes.Unknown)
}

func TestStreamFaults(t *testing.T) {
	srv, chat := startClient(t, xaiv1.NewChatClient)
	req := chatReq("grok-3", user("a long enough question to make several chunks"))
	all := streamed(t, chat, req)
	cases := []struct {
		name  string
		after int
		want  int // chunks received before the error
	}{
		{"before any chunk", 0, 0},
		{"after two chunks", 2, 2},
		{"at the last chunk", len(all) - 1, len(all) - 1},
		{"past the end", len(all) + 5, len(all)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv.InjectFault(xaiv1.Chat_GetCompletionChunk_FullMethodName,
				xaitest.Fault{Code: codes.Internal, Message: "stream broke", AfterChunks: tc.after})
			got, err := streamedErr(t, chat, req)
			wantCode(t, err, codes.Internal, "stream broke")
			if len(got) != tc.want {
				t.Fatalf("received %d chunks before the error, want %d", len(got), tc.want)
			}
		})
	}
	// Download streams fail the same way.
	srv.InjectFault(xaiv1.Files_RetrieveFileContent_FullMethodName, xaitest.Fault{Code: codes.DataLoss})
	stream, err := xaiv1.NewFilesClient(srv.Conn()).RetrieveFileContent(ctx(t), &xaiv1.RetrieveFileContentRequest{FileId: "x"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = stream.Recv()
	wantCode(t, err, codes.DataLoss)
}

func TestLatency(t *testing.T) {
	const d = 250 * time.Millisecond
	srv, chat := startClient(t, xaiv1.NewChatClient, xaitest.WithLatency(d))

	begin := time.Now()
	if _, err := chat.GetCompletion(ctx(t), chatReq("grok-3", user("slow"))); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(begin); took < d {
		t.Fatalf("call took %v, latency is %v", took, d)
	}

	// The wait ends with the caller's deadline.
	short, cancel := context.WithTimeout(ctx(t), 20*time.Millisecond)
	defer cancel()
	_, err := chat.GetCompletion(short, chatReq("grok-3", user("slow")))
	wantCode(t, err, codes.DeadlineExceeded)

	// Streams wait d first, then d/10 between messages.
	begin = time.Now()
	chunks := streamed(t, chat, chatReq("grok-3", user("slow stream")))
	if took, min := time.Since(begin), d+time.Duration(len(chunks)-1)*d/10; took < min {
		t.Fatalf("stream of %d chunks took %v, want at least %v", len(chunks), took, min)
	}

	srv.SetLatency(0)
	begin = time.Now()
	if _, err := chat.GetCompletion(ctx(t), chatReq("grok-3", user("fast"))); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(begin); took >= d {
		t.Fatalf("call took %v without latency", took)
	}
}

// AfterHeaders: the call does its work, the response headers go out, then
// the call fails; Match aims a fault at one call.
func TestFaultAfterHeadersAndMatch(t *testing.T) {
	srv, chat := startClient(t, xaiv1.NewChatClient)
	stored, err := chat.GetCompletion(ctx(t), &xaiv1.GetCompletionsRequest{Model: "grok-3", Messages: []*xaiv1.Message{user("keep")}, StoreMessages: true})
	if err != nil {
		t.Fatal(err)
	}
	mine := func(md metadata.MD) bool { return len(md.Get("x-call")) == 1 && md.Get("x-call")[0] == "mine" }
	srv.InjectFault(xaiv1.Chat_DeleteStoredCompletion_FullMethodName, xaitest.Fault{Code: codes.Unavailable, AfterHeaders: true, Match: mine})

	// Another call passes the fault by.
	if _, err := chat.GetStoredCompletion(ctx(t), &xaiv1.GetStoredCompletionRequest{ResponseId: stored.GetId()}); err != nil {
		t.Fatal(err)
	}
	var header metadata.MD
	myCtx := metadata.AppendToOutgoingContext(ctx(t), "x-call", "mine")
	_, err = chat.DeleteStoredCompletion(myCtx, &xaiv1.DeleteStoredCompletionRequest{ResponseId: stored.GetId()}, grpc.Header(&header))
	wantCode(t, err, codes.Unavailable)
	if header == nil {
		t.Error("no response headers before the failure")
	}
	// The work was done: the response is gone.
	_, err = chat.GetStoredCompletion(ctx(t), &xaiv1.GetStoredCompletionRequest{ResponseId: stored.GetId()})
	wantCode(t, err, codes.NotFound)

	// A stream: headers and 2 messages, the rest dropped, then the failure.
	srv.InjectFault(xaiv1.Chat_GetCompletionChunk_FullMethodName, xaitest.Fault{Code: codes.Unavailable, AfterHeaders: true, AfterChunks: 2})
	chunks, err := streamedErr(t, chat, chatReq("grok-3", user("a long enough question to make several chunks")))
	wantCode(t, err, codes.Unavailable)
	if len(chunks) != 2 {
		t.Errorf("%d chunks before the failure, want 2", len(chunks))
	}
}
