package xaitest_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/emptypb"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
	"github.com/gogrok/sdk/xai/xaitest"
)

func chatItem(id string, req *xaiv1.GetCompletionsRequest) *xaiv1.BatchRequest {
	r := &xaiv1.BatchRequest{Request: &xaiv1.BatchRequest_CompletionRequest{CompletionRequest: req}}
	if id != "" {
		r.BatchRequestId = proto.String(id)
	}
	return r
}

func createBatch(t *testing.T, b xaiv1.BatchMgmtClient, name string) *xaiv1.Batch {
	t.Helper()
	batch, err := b.CreateBatch(ctx(t), &xaiv1.CreateBatchRequest{Name: name})
	if err != nil {
		t.Fatalf("CreateBatch: %v", err)
	}
	return batch
}

func addItems(t *testing.T, b xaiv1.BatchMgmtClient, id string, items ...*xaiv1.BatchRequest) {
	t.Helper()
	if _, err := b.AddBatchRequests(ctx(t), &xaiv1.AddBatchRequestsRequest{BatchId: id, BatchRequests: items}); err != nil {
		t.Fatalf("AddBatchRequests: %v", err)
	}
}

func getBatch(t *testing.T, b xaiv1.BatchMgmtClient, id string) *xaiv1.Batch {
	t.Helper()
	batch, err := b.GetBatch(ctx(t), &xaiv1.GetBatchRequest{BatchId: id})
	if err != nil {
		t.Fatalf("GetBatch: %v", err)
	}
	return batch
}

func wantState(t *testing.T, b *xaiv1.Batch, total, pending, success, failed, cancelled int64) {
	t.Helper()
	want := &xaiv1.BatchState{NumRequests: total, NumPending: pending, NumSuccess: success, NumError: failed, NumCancelled: cancelled}
	if !proto.Equal(b.GetState(), want) {
		t.Fatalf("state = %v, want %v", b.GetState(), want)
	}
}

func TestBatchProcessesChatRequests(t *testing.T) {
	clock := xaitest.NewClock(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	srv, b := startClient(t, xaiv1.NewBatchMgmtClient, xaitest.WithClock(clock))
	chat := xaiv1.NewChatClient(srv.Conn())

	batch := createBatch(t, b, "capitals")
	if batch.GetBatchId() == "" || batch.GetName() != "capitals" || !batch.GetCreateTime().AsTime().Equal(clock.Now()) ||
		batch.GetExpireTime().AsTime().Sub(clock.Now()) != 30*24*time.Hour || batch.GetCreateApiKeyId() == "" {
		t.Fatalf("new batch = %v", batch)
	}
	wantState(t, batch, 0, 0, 0, 0, 0)

	stored := chatReq("grok-3", user("France?"))
	stored.StoreMessages = true
	srv.EnqueueReply(xaitest.Reply{Content: "Scripted for the first."})
	addItems(t, b, batch.GetBatchId(),
		chatItem("uk", chatReq("grok-3", user("UK?"))),
		chatItem("fr", stored),
		chatItem("", chatReq("grok-3", user("Italy?"))),
		chatItem("bad", chatReq("no-such-model", user("?"))),
	)

	// The first read reports the requests pending, the next one processes
	// them.
	wantState(t, getBatch(t, b, batch.GetBatchId()), 4, 4, 0, 0, 0)
	clock.Advance(time.Minute)
	got := getBatch(t, b, batch.GetBatchId())
	wantState(t, got, 4, 0, 3, 1, 0)

	results := map[string]*xaiv1.BatchResult{}
	resp, err := b.ListBatchResults(ctx(t), &xaiv1.ListBatchResultsRequest{BatchId: batch.GetBatchId()})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range resp.GetResults() {
		results[r.GetBatchRequestId()] = r
	}
	if len(results) != 4 || resp.PaginationToken != nil {
		t.Fatalf("results = %v", resp)
	}
	if c := content(results["uk"].GetResponse().GetCompletionResponse(), 0); c != "Scripted for the first." {
		t.Errorf("first request content %q; want the scripted reply, used in the order requests were added", c)
	}
	direct := complete(t, chat, chatReq("grok-3", user("France?")))
	frResp := results["fr"].GetResponse().GetCompletionResponse()
	if content(frResp, 0) != content(direct, 0) {
		t.Errorf("batch content %q, direct %q: the batch must use the chat engine", content(frResp, 0), content(direct, 0))
	}
	if !slices.Contains(srv.StoredResponseIDs(), frResp.GetId()) {
		t.Error("store_messages was not honoured for a batch request")
	}
	if st := results["bad"].GetError(); codes.Code(st.GetCode()) != codes.InvalidArgument || st.GetMessage() == "" {
		t.Errorf("failed request status = %v", st)
	}

	// Costs add up per endpoint.
	var sum int64
	for _, r := range results {
		sum += r.GetResponse().GetCompletionResponse().GetUsage().GetCostInUsdTicks()
	}
	cb := got.GetCostBreakdown()
	if cb.GetTotalCostUsdTicks() != sum || len(cb.GetEndpointCosts()) != 1 ||
		cb.GetEndpointCosts()[0].GetRequestCount() != 3 || cb.GetEndpointCosts()[0].GetCostUsdTicks() != sum {
		t.Errorf("cost breakdown = %v, want %d ticks over 3 chat requests", cb, sum)
	}

	// The metadata and one result.
	md, err := b.ListBatchRequestMetadata(ctx(t), &xaiv1.ListBatchRequestMetadataRequest{BatchId: batch.GetBatchId()})
	if err != nil {
		t.Fatal(err)
	}
	var auto string
	for i, m := range md.GetBatchRequestMetadata() {
		if m.GetEndpoint() != "/v1/chat/completions" || m.GetFinishTime() == nil || m.GetCreateTime() == nil {
			t.Errorf("metadata %d = %v", i, m)
		}
		if i == 2 {
			auto = m.GetBatchRequestId()
		}
	}
	if ids := len(md.GetBatchRequestMetadata()); ids != 4 || auto == "" || auto == "uk" || auto == "fr" {
		t.Fatalf("metadata = %v", md)
	}
	one, err := b.GetBatchRequestResult(ctx(t), &xaiv1.GetBatchRequestResultRequest{BatchId: batch.GetBatchId(), BatchRequestId: auto})
	if err != nil {
		t.Fatal(err)
	}
	if one.GetRequest().GetBatchRequestId() != auto || one.GetRequest().GetCompletionRequest().GetModel() != "grok-3" ||
		one.GetResult().GetResponse().GetCompletionResponse() == nil {
		t.Errorf("GetBatchRequestResult = %v", one)
	}
}

func TestBatchCancel(t *testing.T) {
	_, b := startClient(t, xaiv1.NewBatchMgmtClient)
	batch := createBatch(t, b, "cancel me")
	id := batch.GetBatchId()
	addItems(t, b, id, chatItem("a", chatReq("grok-3", user("a"))))
	getBatch(t, b, id)
	getBatch(t, b, id) // processes a
	addItems(t, b, id, chatItem("b", chatReq("grok-3", user("b"))), chatItem("c", chatReq("grok-3", user("c"))))
	getBatch(t, b, id) // reports b and c pending

	cancelled, err := b.CancelBatch(ctx(t), &xaiv1.CancelBatchRequest{BatchId: id})
	if err != nil {
		t.Fatal(err)
	}
	if cancelled.GetCancelTime() == nil {
		t.Error("no cancel_time")
	}
	wantState(t, cancelled, 3, 0, 1, 0, 2)
	wantState(t, getBatch(t, b, id), 3, 0, 1, 0, 2) // nothing left to process
	again, err := b.CancelBatch(ctx(t), &xaiv1.CancelBatchRequest{BatchId: id})
	if err != nil || !proto.Equal(again.GetCancelTime(), cancelled.GetCancelTime()) {
		t.Errorf("second cancel = %v, %v; want no change", again, err)
	}

	one, err := b.GetBatchRequestResult(ctx(t), &xaiv1.GetBatchRequestResultRequest{BatchId: id, BatchRequestId: "b"})
	if err != nil {
		t.Fatal(err)
	}
	if codes.Code(one.GetResult().GetError().GetCode()) != codes.Canceled {
		t.Errorf("cancelled request result = %v", one.GetResult())
	}
	res, err := b.ListBatchResults(ctx(t), &xaiv1.ListBatchResultsRequest{BatchId: id})
	if err != nil || len(res.GetResults()) != 1 || res.GetResults()[0].GetBatchRequestId() != "a" {
		t.Errorf("results after cancel = %v, %v; want only a", res, err)
	}
	_, err = b.AddBatchRequests(ctx(t), &xaiv1.AddBatchRequestsRequest{BatchId: id, BatchRequests: []*xaiv1.BatchRequest{chatItem("d", chatReq("grok-3", user("d")))}})
	wantCode(t, err, codes.FailedPrecondition, "cancelled")
}

func TestBatchImageAndVideoRequests(t *testing.T) {
	_, b := startClient(t, xaiv1.NewBatchMgmtClient)
	id := createBatch(t, b, "media").GetBatchId()
	addItems(t, b, id,
		&xaiv1.BatchRequest{BatchRequestId: proto.String("img"), Request: &xaiv1.BatchRequest_ImageRequest{
			ImageRequest: &xaiv1.GenerateImageRequest{Model: "grok-2-image", Prompt: "a cat", Format: xaiv1.ImageFormat_IMG_FORMAT_URL}}},
		&xaiv1.BatchRequest{BatchRequestId: proto.String("vid"), Request: &xaiv1.BatchRequest_VideoRequest{
			VideoRequest: videoReq("a dog")}},
		&xaiv1.BatchRequest{BatchRequestId: proto.String("ext"), Request: &xaiv1.BatchRequest_VideoExtensionRequest{
			VideoExtensionRequest: &xaiv1.ExtendVideoRequest{Model: "grok-imagine-video", Prompt: "more",
				Video: &xaiv1.VideoUrlContent{Source: &xaiv1.VideoUrlContent_Url{Url: "https://example.com/v.mp4"}}}}},
	)
	getBatch(t, b, id)
	batch := getBatch(t, b, id)
	wantState(t, batch, 3, 0, 3, 0, 0)
	if n := len(batch.GetCostBreakdown().GetEndpointCosts()); n != 3 {
		t.Errorf("%d endpoints in the cost breakdown, want 3", n)
	}
	res, err := b.ListBatchResults(ctx(t), &xaiv1.ListBatchResultsRequest{BatchId: id})
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]*xaiv1.BatchResultData{}
	for _, r := range res.GetResults() {
		byID[r.GetBatchRequestId()] = r.GetResponse()
	}
	if len(byID["img"].GetImageResponse().GetImages()) != 1 || byID["vid"].GetVideoResponse().GetVideo().GetUrl() == "" ||
		byID["ext"].GetVideoResponse().GetVideo().GetUrl() == "" {
		t.Errorf("media results = %v", res)
	}
}

// TestBatchPagination walks every listing over at least three pages.
func TestBatchPagination(t *testing.T) {
	_, b := startClient(t, xaiv1.NewBatchMgmtClient)
	var created []string
	for i := range 7 {
		created = append(created, createBatch(t, b, fmt.Sprintf("batch %d", i)).GetBatchId())
	}
	// Batches, newest first.
	listed, n := pages(t, func(token *string) ([]*xaiv1.Batch, *string, error) {
		resp, err := b.ListBatches(ctx(t), &xaiv1.ListBatchesRequest{Limit: 3, PaginationToken: token})
		return resp.GetBatches(), resp.PaginationToken, err
	}, (*xaiv1.Batch).GetBatchId)
	slices.Reverse(created)
	if n != 3 || !slices.Equal(listed, created) {
		t.Fatalf("%d pages listing %v, want 3 pages listing %v", n, listed, created)
	}

	id := created[0]
	var items []*xaiv1.BatchRequest
	for i := range 8 {
		items = append(items, chatItem(fmt.Sprintf("r%d", i), chatReq("grok-3", user(fmt.Sprintf("q%d", i)))))
	}
	items[5] = chatItem("r5", chatReq("no-such-model", user("q5")))
	addItems(t, b, id, items...)

	listMeta := func(limit int32, states ...xaiv1.BatchRequestMetadata_State) ([]string, int) {
		return pages(t, func(token *string) ([]*xaiv1.BatchRequestMetadata, *string, error) {
			resp, err := b.ListBatchRequestMetadata(ctx(t), &xaiv1.ListBatchRequestMetadataRequest{BatchId: id, Limit: limit, PaginationToken: token, Status: states})
			return resp.GetBatchRequestMetadata(), resp.PaginationToken, err
		}, func(m *xaiv1.BatchRequestMetadata) string { return m.GetBatchRequestId() + ":" + m.GetState().String() })
	}
	ids, n := listMeta(3)
	if n != 3 || len(ids) != 8 || ids[0] != "r0:STATE_PENDING" {
		t.Fatalf("first metadata listing: %d pages, %v", n, ids)
	}
	ids, n = listMeta(3) // processed before the first page
	if n != 3 || len(ids) != 8 || ids[5] != "r5:STATE_FAILED" || ids[7] != "r7:STATE_SUCCEEDED" {
		t.Fatalf("second metadata listing: %d pages, %v", n, ids)
	}
	ids, n = listMeta(2, xaiv1.BatchRequestMetadata_STATE_SUCCEEDED)
	if n != 4 || len(ids) != 7 || slices.Contains(ids, "r5:STATE_FAILED") {
		t.Fatalf("succeeded only: %d pages, %v", n, ids)
	}
	ids, n = listMeta(0, xaiv1.BatchRequestMetadata_STATE_FAILED, xaiv1.BatchRequestMetadata_STATE_CANCELLED)
	if n != 1 || !slices.Equal(ids, []string{"r5:STATE_FAILED"}) {
		t.Fatalf("failed or cancelled: %d pages, %v", n, ids)
	}

	results, n := pages(t, func(token *string) ([]*xaiv1.BatchResult, *string, error) {
		resp, err := b.ListBatchResults(ctx(t), &xaiv1.ListBatchResultsRequest{BatchId: id, Limit: 3, PaginationToken: token})
		return resp.GetResults(), resp.PaginationToken, err
	}, (*xaiv1.BatchResult).GetBatchRequestId)
	if n != 3 || !slices.Equal(results, []string{"r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7"}) {
		t.Fatalf("results: %d pages, %v", n, results)
	}

	// Tokens belong to their listing.
	first, err := b.ListBatchResults(ctx(t), &xaiv1.ListBatchResultsRequest{BatchId: id, Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	_, err = b.ListBatchRequestMetadata(ctx(t), &xaiv1.ListBatchRequestMetadataRequest{BatchId: id, PaginationToken: first.PaginationToken})
	wantCode(t, err, codes.InvalidArgument, "pagination_token")
	_, err = b.ListBatchResults(ctx(t), &xaiv1.ListBatchResultsRequest{BatchId: created[1], PaginationToken: first.PaginationToken})
	wantCode(t, err, codes.InvalidArgument, "pagination_token")
	_, err = b.ListBatches(ctx(t), &xaiv1.ListBatchesRequest{PaginationToken: proto.String("garbage!")})
	wantCode(t, err, codes.InvalidArgument, "pagination_token")
	_, err = b.ListBatches(ctx(t), &xaiv1.ListBatchesRequest{Limit: -1})
	wantCode(t, err, codes.InvalidArgument, "limit")
	_, err = b.ListBatchRequestMetadata(ctx(t), &xaiv1.ListBatchRequestMetadataRequest{BatchId: id, Status: []xaiv1.BatchRequestMetadata_State{0}})
	wantCode(t, err, codes.InvalidArgument, "status[0]")
}

func TestBatchErrors(t *testing.T) {
	clock := xaitest.NewClock(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	srv, b := startClient(t, xaiv1.NewBatchMgmtClient, xaitest.WithClock(clock))
	id := createBatch(t, b, "errors").GetBatchId()
	addItems(t, b, id, chatItem("dup", chatReq("grok-3", user("x"))))

	_, err := b.CreateBatch(ctx(t), &xaiv1.CreateBatchRequest{})
	wantCode(t, err, codes.InvalidArgument, "name")
	_, err = b.CreateBatch(ctx(t), &xaiv1.CreateBatchRequest{Name: "f", InputFileId: "file_nope"})
	wantCode(t, err, codes.NotFound, "file_nope")
	f, err := upload(t, xaiv1.NewFilesClient(srv.Conn()), "reqs.jsonl", []byte("{}\n"), 1024, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = b.CreateBatch(ctx(t), &xaiv1.CreateBatchRequest{Name: "f", InputFileId: f.GetId()})
	wantCode(t, err, codes.Unimplemented, "input file")

	add := func(batchID string, items ...*xaiv1.BatchRequest) error {
		return errOf(b.AddBatchRequests(ctx(t), &xaiv1.AddBatchRequestsRequest{BatchId: batchID, BatchRequests: items}))
	}
	one := chatItem("", chatReq("grok-3", user("x")))
	wantCode(t, add(id), codes.InvalidArgument, "batch_requests")
	wantCode(t, add(id, &xaiv1.BatchRequest{}), codes.InvalidArgument, "set one of")
	wantCode(t, add(id, chatItem(" ", chatReq("grok-3", user("x")))), codes.InvalidArgument, "blank")
	wantCode(t, add(id, chatItem("a", chatReq("grok-3")), chatItem("a", chatReq("grok-3"))), codes.InvalidArgument, "same batch_request_id")
	wantCode(t, add(id, one, chatItem("dup", chatReq("grok-3", user("x")))), codes.AlreadyExists, "dup")
	wantCode(t, add("", one), codes.InvalidArgument, "batch_id")
	wantCode(t, add("batch_nope", one), codes.NotFound, "batch_nope")
	wantState(t, getBatch(t, b, id), 1, 1, 0, 0, 0) // failed adds added nothing

	for name, call := range map[string]func() error{
		"GetBatch":    func() error { _, err := b.GetBatch(ctx(t), &xaiv1.GetBatchRequest{BatchId: "batch_nope"}); return err },
		"CancelBatch": func() error { return errOf(b.CancelBatch(ctx(t), &xaiv1.CancelBatchRequest{BatchId: "batch_nope"})) },
		"ListBatchRequestMetadata": func() error {
			return errOf(b.ListBatchRequestMetadata(ctx(t), &xaiv1.ListBatchRequestMetadataRequest{BatchId: "batch_nope"}))
		},
		"ListBatchResults": func() error {
			return errOf(b.ListBatchResults(ctx(t), &xaiv1.ListBatchResultsRequest{BatchId: "batch_nope"}))
		},
		"GetBatchRequestResult": func() error {
			return errOf(b.GetBatchRequestResult(ctx(t), &xaiv1.GetBatchRequestResultRequest{BatchId: "batch_nope", BatchRequestId: "x"}))
		},
		"GetBatchRequestResult request": func() error {
			return errOf(b.GetBatchRequestResult(ctx(t), &xaiv1.GetBatchRequestResultRequest{BatchId: id, BatchRequestId: "nope"}))
		},
	} {
		if status.Code(call()) != codes.NotFound {
			t.Errorf("%s of an unknown ID: %v, want NOT_FOUND", name, call())
		}
	}
	_, err = b.GetBatchRequestResult(ctx(t), &xaiv1.GetBatchRequestResultRequest{BatchId: id})
	wantCode(t, err, codes.InvalidArgument, "batch_request_id")

	// Injected faults and expiry.
	srv.InjectFault(xaiv1.BatchMgmt_GetBatch_FullMethodName, xaitest.Fault{Code: codes.ResourceExhausted})
	_, err = b.GetBatch(ctx(t), &xaiv1.GetBatchRequest{BatchId: id})
	wantCode(t, err, codes.ResourceExhausted)
	clock.Advance(30 * 24 * time.Hour)
	_, err = b.GetBatch(ctx(t), &xaiv1.GetBatchRequest{BatchId: id})
	wantCode(t, err, codes.NotFound, "expired")
	if resp, err := b.ListBatches(ctx(t), &xaiv1.ListBatchesRequest{}); err != nil || len(resp.GetBatches()) != 0 {
		t.Errorf("ListBatches after expiry = %v, %v", resp, err)
	}
}

// TestVideoAndBatchSurviveRestart checks that Restart keeps video jobs,
// video scripts and batches, as it keeps the rest of the state.
func TestVideoAndBatchSurviveRestart(t *testing.T) {
	srv, v := startClient(t, xaiv1.NewVideoClient)
	b := xaiv1.NewBatchMgmtClient(srv.Conn())
	id := startVideo(t, v, videoReq("before the restart"))
	srv.EnqueueVideoOutcome(xaitest.VideoOutcome{PendingPolls: -1, Status: xaiv1.DeferredStatus_FAILED})
	batch := createBatch(t, b, "kept")
	addItems(t, b, batch.GetBatchId(), chatItem("a", chatReq("grok-3", user("a"))))
	getBatch(t, b, batch.GetBatchId())

	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	// The first call after a restart may fail with UNAVAILABLE before the
	// connection is made again; use one that changes nothing.
	models := xaiv1.NewModelsClient(srv.Conn())
	for i := 0; ; i++ {
		_, err := models.ListLanguageModels(ctx(t), &emptypb.Empty{})
		if status.Code(err) != codes.Unavailable || i == 3 {
			if err != nil {
				t.Fatalf("after restart: %v", err)
			}
			break
		}
	}
	poll(t, v, id)
	if st := poll(t, v, id).GetStatus(); st != xaiv1.DeferredStatus_DONE {
		t.Errorf("video job after restart: %v, want DONE", st)
	}
	if st := poll(t, v, startVideo(t, v, videoReq("scripted"))).GetStatus(); st != xaiv1.DeferredStatus_FAILED {
		t.Errorf("script after restart: %v, want FAILED", st)
	}
	wantState(t, getBatch(t, b, batch.GetBatchId()), 1, 0, 1, 0, 0)
}
