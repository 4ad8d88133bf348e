package xaitest_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
	collectionsv1 "github.com/gogrok/sdk/gen/xai/api/v1/collections"
	"github.com/gogrok/sdk/xai/xaitest"
)

func TestRestartKeepsStateAndEndsOpenCalls(t *testing.T) {
	srv := start(t)
	c := ctx(t)
	chat := xaiv1.NewChatClient(srv.Conn())
	addr := srv.Addr()

	stored := chatReq("grok-3", user("remember me"))
	stored.StoreMessages = true
	resp, err := chat.GetCompletion(c, stored)
	if err != nil {
		t.Fatal(err)
	}
	srv.InjectFault(xaiv1.Chat_GetStoredCompletion_FullMethodName, xaitest.Fault{Code: codes.ResourceExhausted})

	// A stream with chunks already received and a unary call waiting out
	// the latency are open when the server restarts.
	chunks := make([]string, 50)
	for i := range chunks {
		chunks[i] = "x"
	}
	srv.EnqueueReply(xaitest.Reply{Chunks: chunks})
	srv.SetLatency(200 * time.Millisecond) // 20 ms between stream messages
	stream, err := chat.GetCompletionChunk(c, chatReq("grok-3", user("stream")))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := stream.Recv(); err != nil {
		t.Fatal(err)
	}
	unary := make(chan error, 1)
	go func() {
		_, err := chat.GetCompletion(c, chatReq("grok-3", user("in flight")))
		unary <- err
	}()
	for len(srv.Requests()) < 3 { // the unary call has arrived
		time.Sleep(time.Millisecond)
	}

	if err := srv.Restart(); err != nil {
		t.Fatalf("Restart: %v", err)
	}
	if srv.Addr() != addr {
		t.Fatalf("address changed from %s to %s", addr, srv.Addr())
	}
	if _, err := collect(t, stream); status.Code(err) != codes.Unavailable {
		t.Fatalf("open stream ended with %v, want UNAVAILABLE", err)
	}
	if err := <-unary; status.Code(err) != codes.Unavailable {
		t.Fatalf("unary call in flight ended with %v, want UNAVAILABLE", err)
	}

	// The same connection works again, on the same state.
	srv.SetLatency(0)
	_, err = chat.GetStoredCompletion(c, &xaiv1.GetStoredCompletionRequest{ResponseId: resp.GetId()})
	wantCode(t, err, codes.ResourceExhausted) // the pending fault survived
	got, err := chat.GetStoredCompletion(c, &xaiv1.GetStoredCompletionRequest{ResponseId: resp.GetId()})
	if err != nil {
		t.Fatalf("stored response lost by the restart: %v", err)
	}
	if content(got, 0) != content(resp, 0) {
		t.Fatalf("stored content %q, want %q", content(got, 0), content(resp, 0))
	}
	if ids := srv.StoredResponseIDs(); len(ids) != 1 || ids[0] != resp.GetId() {
		t.Fatalf("stored IDs %v, want [%s]", ids, resp.GetId())
	}
	if n := len(srv.Requests()); n != 5 {
		t.Fatalf("request log holds %d calls, want 5", n)
	}
}

func TestRestartRepeatedlyThenClose(t *testing.T) {
	srv, chat := startClient(t, xaiv1.NewChatClient, xaitest.WithRequestLog(0))
	for i := range 3 {
		if err := srv.Restart(); err != nil {
			t.Fatalf("restart %d: %v", i, err)
		}
		// A call sent before the client noticed that its connection was
		// cut fails with UNAVAILABLE, as after a real restart; the next
		// one reconnects.
		var err error
		for range 3 {
			c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			_, err = chat.GetCompletion(c, chatReq("grok-3", user("hi")))
			cancel()
			if status.Code(err) != codes.Unavailable {
				break
			}
		}
		if err != nil {
			t.Fatalf("call after restart %d: %v", i, err)
		}
	}
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	if err := srv.Restart(); err == nil {
		t.Fatal("Restart after Close succeeded")
	}
}

func TestRestartNeedsLoopback(t *testing.T) {
	srv := start(t, xaitest.WithBufconn())
	if err := srv.Restart(); err == nil {
		t.Fatal("Restart of a bufconn server succeeded")
	}
	c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := xaiv1.NewChatClient(srv.Conn()).GetCompletion(c, chatReq("grok-3", user("hi"))); err != nil {
		t.Fatalf("the server stopped serving after a refused Restart: %v", err)
	}
}

// TestRestartServesAlike probes behaviour that the gRPC server's options
// decide (interceptors, key scopes, message limits) before and after a
// restart: Restart builds a new gRPC server and must configure it as
// NewServer does.
func TestRestartServesAlike(t *testing.T) {
	srv := start(t, xaitest.WithManagementKeys("mgmt-test-key"))
	conn := rawConn(t, srv)
	chat := xaiv1.NewChatClient(conn)
	probes := []struct {
		name string
		key  string
		req  *xaiv1.GetCompletionsRequest
	}{
		{"api key", srv.APIKey(), chatReq("grok-3", user("hi"))},
		{"no key", "", chatReq("grok-3", user("hi"))},
		{"management key on chat", "mgmt-test-key", chatReq("grok-3", user("hi"))},
		{"invalid request", srv.APIKey(), chatReq("grok-3")},
		{"over 20 MiB", srv.APIKey(), chatReq("grok-3", user(strings.Repeat("x", 21<<20)))},
	}
	codesNow := func() []codes.Code {
		var out []codes.Code
		for _, p := range probes {
			c := ctx(t)
			if p.key != "" {
				c = metadata.AppendToOutgoingContext(c, "authorization", "Bearer "+p.key)
			}
			var err error
			for range 3 { // the first call after a restart may meet the old connection
				_, err = chat.GetCompletion(c, p.req, grpc.MaxCallSendMsgSize(32<<20))
				if status.Code(err) != codes.Unavailable {
					break
				}
			}
			out = append(out, status.Code(err))
		}
		return out
	}
	before := codesNow()
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	after := codesNow()
	for i, p := range probes {
		if before[i] != after[i] {
			t.Errorf("%s: %v before the restart, %v after", p.name, before[i], after[i])
		}
	}
	if before[2] != codes.Unauthenticated || before[4] != codes.ResourceExhausted {
		t.Errorf("probes before the restart gave %v", before)
	}
}

// TestRestartKeepsCollections: collections and their documents survive a
// restart, for Documents.Search and for the collections_search tool of
// chat alike.
func TestRestartKeepsCollections(t *testing.T) {
	srv, pets, _, catsFile, _ := searchFixture(t)
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	// A call racing the client's discovery of the restart may fail with
	// UNAVAILABLE (the old connection is gone); poll until it reconnects.
	resp, err := search(t, srv, &xaiv1.SearchRequest{Query: "purrs", Source: source(pets)})
	for status.Code(err) == codes.Unavailable {
		resp, err = search(t, srv, &xaiv1.SearchRequest{Query: "purrs", Source: source(pets)})
	}
	if err != nil || len(resp.GetMatches()) != 1 || resp.GetMatches()[0].GetFileId() != catsFile {
		t.Fatalf("search after the restart: %v %v", resp, err)
	}
	req := chatReq("grok-4", user("purrs"))
	req.Tools = []*xaiv1.Tool{collectionsTool(pets)}
	answer, err := xaiv1.NewChatClient(srv.Conn()).GetCompletion(ctx(t), req)
	if err != nil || !strings.Contains(answer.GetOutputs()[1].GetMessage().GetContent(), catsFile) {
		t.Fatalf("collections_search after the restart: %v %v", answer, err)
	}
}

// Issue 11, finding 4: Restart lost collections (and their documents, so
// Documents.Search found nothing), while video and batch state survived.
// All state now lives in one place that Restart keeps: stored responses,
// deferred results, files, collections, batches, videos and health.
func TestRestartKeepsEveryServicesState(t *testing.T) {
	srv := start(t)
	conn := srv.Conn()
	chat, files, cc := xaiv1.NewChatClient(conn), xaiv1.NewFilesClient(conn), collectionsv1.NewCollectionsClient(conn)
	bm, video := xaiv1.NewBatchMgmtClient(conn), xaiv1.NewVideoClient(conn)

	req := chatReq("grok-3", user("remember me"))
	req.StoreMessages = true
	resp := complete(t, chat, req)
	deferred, err := chat.StartDeferredCompletion(ctx(t), chatReq("grok-3", user("later")))
	if err != nil {
		t.Fatal(err)
	}
	fileID := uploadText(t, srv, "pets.txt", "cats purr softly")
	col := newCollection(t, cc, &collectionsv1.CreateCollectionRequest{CollectionName: "pets"})
	if _, err := cc.AddDocumentToCollection(ctx(t), &collectionsv1.AddDocumentToCollectionRequest{CollectionId: col.GetCollectionId(), FileId: fileID}); err != nil {
		t.Fatal(err)
	}
	batch := createBatch(t, bm, "nightly")
	job := startVideo(t, video, videoReq("a cat"))

	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	retry := func(call func() error) error { // the first call may meet the old connection
		var err error
		for range 3 {
			if err = call(); status.Code(err) != codes.Unavailable {
				break
			}
		}
		return err
	}
	checks := map[string]func() error{
		"stored response": func() error {
			return errOf(chat.GetStoredCompletion(ctx(t), &xaiv1.GetStoredCompletionRequest{ResponseId: resp.GetId()}))
		},
		"deferred completion": func() error {
			return errOf(chat.GetDeferredCompletion(ctx(t), &xaiv1.GetDeferredRequest{RequestId: deferred.GetRequestId()}))
		},
		"file": func() error { return errOf(files.RetrieveFile(ctx(t), &xaiv1.RetrieveFileRequest{FileId: fileID})) },
		"collection": func() error {
			return errOf(cc.GetCollectionMetadata(ctx(t), &collectionsv1.GetCollectionMetadataRequest{CollectionId: col.GetCollectionId()}))
		},
		"search": func() error {
			r, err := xaiv1.NewDocumentsClient(conn).Search(ctx(t), &xaiv1.SearchRequest{Query: "cats", Source: source(col.GetCollectionId())})
			if err == nil && len(r.GetMatches()) != 1 {
				return status.Errorf(codes.NotFound, "%d matches", len(r.GetMatches()))
			}
			return err
		},
		"batch": func() error { return errOf(bm.GetBatch(ctx(t), &xaiv1.GetBatchRequest{BatchId: batch.GetBatchId()})) },
		"video": func() error {
			return errOf(video.GetDeferredVideo(ctx(t), &xaiv1.GetDeferredVideoRequest{RequestId: job}))
		},
		"health": func() error {
			h, err := healthpb.NewHealthClient(conn).Check(ctx(t), &healthpb.HealthCheckRequest{Service: "xai_api.Chat"})
			if err == nil && h.GetStatus() != healthpb.HealthCheckResponse_SERVING {
				return status.Errorf(codes.Unavailable, "health %v", h.GetStatus())
			}
			return err
		},
	}
	for name, check := range checks {
		if err := retry(check); err != nil {
			t.Errorf("%s after Restart: %v", name, err)
		}
	}
}
