package xai

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
	"github.com/gogrok/sdk/xai/xaitest"
)

// readBatchDone gets a batch until none of its requests is pending (the fake
// processes requests on the read after the one that first reports them).
func readBatchDone(t *testing.T, c *Client, id string) *xaiv1.Batch {
	t.Helper()
	for range 3 {
		b, err := c.Batch.Get(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if b.GetState().GetNumPending() == 0 {
			return b
		}
	}
	t.Fatalf("batch %s still has pending requests", id)
	return nil
}

func TestBatchLifecycle(t *testing.T) {
	t.Parallel()
	transports(t, func(t *testing.T, useBufconn bool) {
		srv, c := newFake(t, useBufconn)
		ctx := context.Background()
		b, err := c.Batch.Create(ctx, "capitals", WithCallMetadata("x-team", "geo"))
		if err != nil {
			t.Fatal(err)
		}
		if b.GetBatchId() == "" || b.GetName() != "capitals" {
			t.Fatalf("Create = %v", b)
		}
		if md := srv.Requests()[0].Metadata.Get("x-team"); len(md) != 1 {
			t.Error("call metadata not sent")
		}

		uk := c.Chat.Create("grok-3", WithTemperature(0.5)).Append(User("Capital of the UK?"))
		raw := &xaiv1.GetCompletionsRequest{Model: "grok-3", Messages: []*xaiv1.Message{{
			Role: xaiv1.MessageRole_ROLE_USER, Content: []*xaiv1.Content{Text("Capital of France?").Proto()}}}}
		video := &xaiv1.BatchRequest{BatchRequestId: proto.String("vid"), Request: &xaiv1.BatchRequest_VideoRequest{
			VideoRequest: &xaiv1.GenerateVideoRequest{Model: "grok-imagine-video", Prompt: "a fox"}}}
		err = c.Batch.Add(ctx, b.GetBatchId(), []BatchRequest{
			BatchChat("uk", uk),
			BatchCompletion("fr", raw),
			BatchChat("", c.Chat.Create("grok-3").Append(User("Capital of Italy?"))),
			BatchCompletion("bad", &xaiv1.GetCompletionsRequest{Model: "no-such-model", Messages: raw.Messages}),
			BatchProto(video),
		})
		if err != nil {
			t.Fatal(err)
		}
		// What was sent: the chat's request, as Sample would send it.
		sent := sentOf(srv, xaiv1.BatchMgmt_AddBatchRequests_FullMethodName)[0].(*xaiv1.AddBatchRequestsRequest)
		if got := sent.GetBatchRequests()[0]; got.GetBatchRequestId() != "uk" || !proto.Equal(got.GetCompletionRequest(), uk.Request()) {
			t.Errorf("sent %v, want the chat's request %v", got, uk.Request())
		}
		if sent.GetBatchRequests()[2].BatchRequestId != nil {
			t.Error("an empty ID was sent instead of letting the server choose")
		}
		uk.Append(User("changed after adding")) // does not change the batch

		done := readBatchDone(t, c, b.GetBatchId())
		if st := done.GetState(); st.GetNumRequests() != 5 || st.GetNumSuccess() != 4 || st.GetNumError() != 1 {
			t.Fatalf("state = %v", st)
		}

		results, err := drainSeq(c.Batch.ListResults(ctx, b.GetBatchId()))
		if err != nil {
			t.Fatal(err)
		}
		byID := map[string]*BatchResult{}
		for _, r := range results {
			if !r.Done() || r.Request() != nil {
				t.Errorf("listed result %s: done %v, request %v", r.ID(), r.Done(), r.Request())
			}
			byID[r.ID()] = r
		}
		if len(byID) != 5 {
			t.Fatalf("%d results: %v", len(byID), results)
		}
		direct, err := c.Chat.Create("grok-3").Append(User("Capital of the UK?")).Sample(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got := byID["uk"].Response(); got.Content() != direct.Content() || byID["uk"].Err() != nil {
			t.Errorf("uk: %q, err %v; want %q", got.Content(), byID["uk"].Err(), direct.Content())
		}
		bad := byID["bad"]
		if bad.Response() != nil || bad.Video() != nil {
			t.Error("a failed request has a response")
		}
		checkErr(t, bad.Err(), codes.InvalidArgument, "no-such-model")
		if v := byID["vid"].Video(); v.URL() == "" || v.RequestID() != "vid" || byID["vid"].Response() != nil {
			t.Errorf("video result = %v", v)
		}

		one, err := c.Batch.GetResult(ctx, b.GetBatchId(), "fr")
		if err != nil {
			t.Fatal(err)
		}
		if !one.Done() || one.ID() != "fr" || !proto.Equal(one.Request().GetCompletionRequest(), raw) || one.Response().Content() == "" {
			t.Errorf("GetResult = %v, request %v", one.Proto(), one.Request())
		}

		meta, err := drainSeq(c.Batch.ListRequests(ctx, b.GetBatchId(), WithRequestStates(xaiv1.BatchRequestMetadata_STATE_FAILED)))
		if err != nil || len(meta) != 1 || meta[0].GetBatchRequestId() != "bad" {
			t.Errorf("failed requests = %v, %v", meta, err)
		}
	})
}

func TestBatchCancel(t *testing.T) {
	t.Parallel()
	_, c := newFake(t, true)
	ctx := context.Background()
	b, err := c.Batch.Create(ctx, "to cancel")
	if err != nil {
		t.Fatal(err)
	}
	id := b.GetBatchId()
	if err := c.Batch.Add(ctx, id, []BatchRequest{BatchChat("a", c.Chat.Create("grok-3").Append(User("a")))}); err != nil {
		t.Fatal(err)
	}
	got, err := c.Batch.Cancel(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if got.GetCancelTime() == nil || got.GetState().GetNumCancelled() != 1 || got.GetState().GetNumPending() != 0 {
		t.Errorf("Cancel = %v", got)
	}
	r, err := c.Batch.GetResult(ctx, id, "a")
	if err != nil {
		t.Fatal(err)
	}
	if !r.Done() || r.Response() != nil {
		t.Errorf("cancelled request: done %v, response %v", r.Done(), r.Response())
	}
	checkErr(t, r.Err(), codes.Canceled, "cancelled")

	err = c.Batch.Add(ctx, id, []BatchRequest{BatchChat("b", c.Chat.Create("grok-3").Append(User("b")))})
	checkErr(t, err, codes.FailedPrecondition, "cancelled")
}

// TestBatchPagination lists every listing over at least three pages and
// checks that the iterators follow the tokens.
func TestBatchPagination(t *testing.T) {
	t.Parallel()
	srv, c := newFake(t, true)
	ctx := context.Background()
	var ids []string
	for i := range 7 {
		b, err := c.Batch.Create(ctx, fmt.Sprintf("batch %d", i))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, b.GetBatchId())
	}
	srv.ResetRequests()
	batches, err := drainSeq(c.Batch.List(ctx, WithPageSize(3)))
	if err != nil {
		t.Fatal(err)
	}
	var listed []string
	for _, b := range batches {
		listed = append(listed, b.GetBatchId())
	}
	slices.Reverse(ids)
	if !slices.Equal(listed, ids) {
		t.Errorf("listed %v, want %v (newest first)", listed, ids)
	}
	calls := sentOf(srv, xaiv1.BatchMgmt_ListBatches_FullMethodName)
	if len(calls) != 3 {
		t.Fatalf("%d ListBatches calls, want 3", len(calls))
	}
	for i, m := range calls {
		r := m.(*xaiv1.ListBatchesRequest)
		if r.GetLimit() != 3 || (i == 0) != (r.PaginationToken == nil) {
			t.Errorf("call %d: %v", i, r)
		}
	}

	// WithLimit caps the whole listing and shrinks the last page asked for.
	srv.ResetRequests()
	limited, err := drainSeq(c.Batch.List(ctx, WithPageSize(3), WithLimit(4)))
	if err != nil || len(limited) != 4 {
		t.Fatalf("WithLimit(4): %d batches, %v", len(limited), err)
	}
	if calls := sentOf(srv, xaiv1.BatchMgmt_ListBatches_FullMethodName); len(calls) != 2 || calls[1].(*xaiv1.ListBatchesRequest).GetLimit() != 1 {
		t.Errorf("WithLimit(4) with pages of 3: calls %v, want 2, the second asking for 1", calls)
	}
	// Options that batch listings do not take are refused before sending.
	for _, o := range []ListOption{WithSortBy(SortByName), WithOrder(OrderDescending), WithFilter("x"), WithNameFilter("n")} {
		if _, err := drainSeq(c.Batch.List(ctx, o)); codeOf(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "Batch.List") {
			t.Errorf("option %v: %v", o, err)
		}
	}

	// Stopping early fetches no further page.
	srv.ResetRequests()
	for range c.Batch.List(ctx, WithPageSize(3)) {
		break
	}
	if n := len(srv.Requests()); n != 1 {
		t.Errorf("breaking after the first batch made %d calls", n)
	}

	id := ids[0]
	var reqs []BatchRequest
	for i := range 8 {
		reqs = append(reqs, BatchChat(fmt.Sprintf("r%d", i), c.Chat.Create("grok-3").Append(User(fmt.Sprintf("q%d", i)))))
	}
	if err := c.Batch.Add(ctx, id, reqs); err != nil {
		t.Fatal(err)
	}
	readBatchDone(t, c, id)

	srv.ResetRequests()
	meta, err := drainSeq(c.Batch.ListRequests(ctx, id, WithPageSize(3), CallOptions{WithCallMetadata("x-page", "y")}))
	if err != nil || len(meta) != 8 || meta[7].GetBatchRequestId() != "r7" {
		t.Fatalf("ListRequests = %d entries, %v", len(meta), err)
	}
	calls = sentOf(srv, xaiv1.BatchMgmt_ListBatchRequestMetadata_FullMethodName)
	if len(calls) != 3 {
		t.Errorf("%d ListBatchRequestMetadata calls, want 3", len(calls))
	}
	for _, r := range srv.Requests() {
		if len(r.Metadata.Get("x-page")) != 1 {
			t.Error("page call without the call metadata")
		}
	}

	srv.ResetRequests()
	results, err := drainSeq(c.Batch.ListResults(ctx, id, WithPageSize(3)))
	if err != nil || len(results) != 8 {
		t.Fatalf("ListResults = %d results, %v", len(results), err)
	}
	for i, r := range results {
		if r.ID() != fmt.Sprintf("r%d", i) || r.Response().Content() == "" {
			t.Errorf("result %d = %s %q", i, r.ID(), r.Response().Content())
		}
	}
	if n := len(sentOf(srv, xaiv1.BatchMgmt_ListBatchResults_FullMethodName)); n != 3 {
		t.Errorf("%d ListBatchResults calls, want 3", n)
	}

	// A failure of the first page ends the iteration at once, with its code.
	srv.InjectFault(xaiv1.BatchMgmt_ListBatchResults_FullMethodName, xaitest.Fault{Code: codes.PermissionDenied, Message: "denied"})
	got, err := drainSeq(c.Batch.ListResults(ctx, id, WithPageSize(3)))
	checkErr(t, err, codes.PermissionDenied, "denied")
	if len(got) != 0 {
		t.Errorf("%d results before the failure of the first page", len(got))
	}
}

// TestBatchFailureMidListing injects a fault for the second page only.
func TestBatchFailureMidListing(t *testing.T) {
	t.Parallel()
	srv, c := newFake(t, true)
	ctx := context.Background()
	for i := range 4 {
		if _, err := c.Batch.Create(ctx, fmt.Sprint(i)); err != nil {
			t.Fatal(err)
		}
	}
	got, err := actAfter(c.Batch.List(ctx, WithPageSize(2), CallOptions{WithoutRetry()}), 2, func() {
		srv.InjectFault(xaiv1.BatchMgmt_ListBatches_FullMethodName, xaitest.Fault{Code: codes.Unavailable, Message: "gone"})
	})
	checkErr(t, err, codes.Unavailable, "gone")
	if got != 2 {
		t.Errorf("%d batches before the failure, want the 2 of the first page", got)
	}
}

// TestBatchValidation checks that invalid calls fail with InvalidArgument
// before anything is sent.
func TestBatchValidation(t *testing.T) {
	t.Parallel()
	srv, c := newFake(t, true)
	ctx := context.Background()
	ok := BatchChat("ok", c.Chat.Create("grok-3").Append(User("hi")))
	add := func(reqs ...BatchRequest) error { return c.Batch.Add(ctx, "batch_x", reqs) }
	checkInvalidCalls(t, srv, []errCase{
		{"create without name", func() error { _, err := c.Batch.Create(ctx, " "); return err }(), []string{"Batch.Create", "name is empty"}},
		{"from file without name", func() error { _, err := c.Batch.CreateFromFile(ctx, "", "file_1"); return err }(), []string{"name is empty"}},
		{"from file without file", func() error { _, err := c.Batch.CreateFromFile(ctx, "n", ""); return err }(), []string{"file ID is empty"}},
		{"get without ID", func() error { _, err := c.Batch.Get(ctx, ""); return err }(), []string{"Batch.Get", "batch ID is empty"}},
		{"cancel without ID", func() error { _, err := c.Batch.Cancel(ctx, ""); return err }(), []string{"Batch.Cancel"}},
		{"add without ID", c.Batch.Add(ctx, "", []BatchRequest{ok}), []string{"Batch.Add", "batch ID"}},
		{"add nothing", add(), []string{"no requests"}},
		{"zero request", add(ok, BatchRequest{}), []string{"request 1 is an empty"}},
		{"nil chat", add(BatchChat("a", nil)), []string{"chat is nil"}},
		{"chat without messages", add(BatchChat("a", c.Chat.Create("grok-3"))), []string{"request 0", `BatchChat("a")`, "no messages"}},
		{"chat with a bad option", add(BatchChat("a", c.Chat.Create("grok-3", WithTemperature(5)).Append(User("x")))), []string{"WithTemperature"}},
		{"blank ID", add(BatchChat(" ", c.Chat.Create("grok-3").Append(User("x")))), []string{"blank"}},
		{"duplicate IDs", add(ok, BatchCompletion("ok", &xaiv1.GetCompletionsRequest{Model: "grok-3", PreviousResponseId: proto.String("r")})), []string{"requests 0 and 1", `"ok"`}},
		{"nil completion", add(BatchCompletion("a", nil)), []string{"request is nil"}},
		{"completion without model", add(BatchCompletion("a", &xaiv1.GetCompletionsRequest{})), []string{"no model"}},
		{"completion without messages", add(BatchCompletion("a", &xaiv1.GetCompletionsRequest{Model: "grok-3"})), []string{"no messages"}},
		{"completion with a late system message", add(BatchCompletion("a", c.Chat.Create("grok-3").Append(User("x"), System("s")).Request())), []string{`BatchCompletion("a")`, "system"}},
		{"nil proto", add(BatchProto(nil)), []string{"BatchProto", "nil"}},
		{"empty proto", add(BatchProto(&xaiv1.BatchRequest{})), []string{"holds no request"}},
		{"blank proto ID", add(BatchProto(&xaiv1.BatchRequest{BatchRequestId: proto.String(""), Request: ok.Proto().Request})), []string{"blank"}},
		{"result without batch", func() error { _, err := c.Batch.GetResult(ctx, "", "a"); return err }(), []string{"Batch.GetResult", "batch ID"}},
		{"result without request", func() error { _, err := c.Batch.GetResult(ctx, "b", ""); return err }(), []string{"request ID is empty"}},
		{"page size 0", firstErr(c.Batch.List(ctx, WithPageSize(0))), []string{"WithPageSize"}},
		{"states on List", firstErr(c.Batch.List(ctx, WithRequestStates(xaiv1.BatchRequestMetadata_STATE_FAILED))), []string{"Batch.List", "ListRequests only"}},
		{"states on ListResults", func() error {
			_, err := drainSeq(c.Batch.ListResults(ctx, "b", WithRequestStates(xaiv1.BatchRequestMetadata_STATE_FAILED)))
			return err
		}(), []string{"Batch.ListResults"}},
		{"no states", func() error { _, err := drainSeq(c.Batch.ListRequests(ctx, "b", WithRequestStates())); return err }(), []string{"no states"}},
		{"unknown state", func() error {
			_, err := drainSeq(c.Batch.ListRequests(ctx, "b", WithRequestStates(xaiv1.BatchRequestMetadata_STATE_UNKNOWN)))
			return err
		}(), []string{"STATE_UNKNOWN"}},
		{"list requests without ID", func() error { _, err := drainSeq(c.Batch.ListRequests(ctx, "")); return err }(), []string{"Batch.ListRequests"}},
		{"list results without ID", func() error { _, err := drainSeq(c.Batch.ListResults(ctx, " ")); return err }(), []string{"Batch.ListResults"}},
		{"nil list option", firstErr(c.Batch.List(ctx, nil)), []string{"option 0 is nil"}},
		{"bad call option", func() error { _, err := c.Batch.Get(ctx, "b", WithCallTimeout(0)); return err }(), []string{"WithCallTimeout"}},
		{"zero service", func() error { _, err := (&BatchService{}).Get(ctx, "b"); return err }(), []string{"client.Batch"}},
		{"zero service list", firstErr((&BatchService{}).List(ctx)), []string{"client.Batch"}},
	})
}

func TestBatchServerErrors(t *testing.T) {
	t.Parallel()
	srv, c := newFake(t, true)
	ctx := context.Background()
	_, err := c.Batch.Get(ctx, "batch_nope")
	checkErr(t, err, codes.NotFound, "batch_nope")
	if !IsNotFound(err) {
		t.Error("IsNotFound is false for an unknown batch")
	}
	_, err = c.Batch.CreateFromFile(ctx, "from file", "file_nope")
	checkErr(t, err, codes.NotFound, "file_nope")
	_, err = drainSeq(c.Batch.ListRequests(ctx, "batch_nope"))
	checkErr(t, err, codes.NotFound, "batch_nope")

	b, err := c.Batch.Create(ctx, "dups")
	if err != nil {
		t.Fatal(err)
	}
	req := BatchChat("same", c.Chat.Create("grok-3").Append(User("x")))
	if err := c.Batch.Add(ctx, b.GetBatchId(), []BatchRequest{req}); err != nil {
		t.Fatal(err)
	}
	err = c.Batch.Add(ctx, b.GetBatchId(), []BatchRequest{req})
	checkErr(t, err, codes.AlreadyExists, "same")
	_, err = c.Batch.GetResult(ctx, b.GetBatchId(), "other")
	checkErr(t, err, codes.NotFound, "other")

	// A pending request's result is not done yet.
	r, err := c.Batch.GetResult(ctx, b.GetBatchId(), "same")
	if err != nil || r.Done() || r.Err() != nil || r.Response() != nil || r.Request().GetBatchRequestId() != "same" {
		t.Errorf("pending result = %v, %v", r, err)
	}

	// Retries apply to batch calls too.
	srv.ResetRequests()
	srv.InjectFault(xaiv1.BatchMgmt_CreateBatch_FullMethodName, xaitest.Fault{Code: codes.Unavailable})
	if _, err := c.Batch.Create(ctx, "retried"); err != nil {
		t.Fatal(err)
	}
	if n := len(sentOf(srv, xaiv1.BatchMgmt_CreateBatch_FullMethodName)); n != 2 {
		t.Errorf("%d attempts, want 2", n)
	}
	srv.InjectFault(xaiv1.BatchMgmt_CancelBatch_FullMethodName, xaitest.Fault{Code: codes.ResourceExhausted, Message: "slow down"})
	_, err = c.Batch.Cancel(ctx, b.GetBatchId())
	checkErr(t, err, codes.ResourceExhausted, "slow down")
	if !IsRateLimited(err) {
		t.Error("IsRateLimited is false")
	}
}

// batchStub answers ListBatches with tokens that cycle: none, A, B, A...
type batchStub struct {
	xaiv1.UnimplementedBatchMgmtServer
}

func (batchStub) ListBatches(_ context.Context, req *xaiv1.ListBatchesRequest) (*xaiv1.ListBatchesResponse, error) {
	next := map[string]string{"": "A", "A": "B", "B": "A"}[req.GetPaginationToken()]
	return &xaiv1.ListBatchesResponse{Batches: []*xaiv1.Batch{{BatchId: "b"}}, PaginationToken: proto.String(next)}, nil
}

// Every token seen is remembered, not only the last: a cycle of two pages
// stops too (it looped forever when Batch had a pager of its own).
func TestBatchRepeatedTokenStops(t *testing.T) {
	t.Parallel()
	c := startStubClient(t, func(gs *grpc.Server) { xaiv1.RegisterBatchMgmtServer(gs, batchStub{}) })
	got, err := drainSeq(c.Batch.List(context.Background()))
	checkErr(t, err, codes.Internal, "same pagination token")
	if len(got) != 3 {
		t.Errorf("%d batches before stopping, want 3 (pages none, A, B)", len(got))
	}
}

func TestBatchResultNil(t *testing.T) {
	t.Parallel()
	var r *BatchResult
	if r.ID() != "" || r.Done() || r.Proto() != nil || r.Request() != nil || r.Response() != nil || r.Video() != nil || r.Err() != nil {
		t.Error("a nil *BatchResult has non-zero accessors")
	}
	if (BatchRequest{}).Proto() != nil || (BatchRequest{}).Err() != nil {
		t.Error("zero BatchRequest")
	}
}

// TestBatchMediaBuilders checks that BatchImage, BatchVideo and
// BatchVideoExtension send exactly the request Image.Generate, Video.Generate
// and Video.Extend send for the same arguments (one builder for both, as the
// official Python SDK's image.prepare and video.prepare share the request
// code of sample and generate), and that their results read back through
// BatchResult.Image and Video.
func TestBatchMediaBuilders(t *testing.T) {
	t.Parallel()
	srv, c := newFake(t, true)
	ctx := context.Background()
	imgOpts := []ImageOption{WithImageCount(2), WithImageFormat(ImageFormatBase64), WithImageAspectRatio(ImageAspect16x9), WithImageUser("u1")}
	vidOpts := []VideoOption{WithVideoDuration(5 * time.Second), WithVideoAspectRatio(VideoAspect9x16), WithVideoImage(ImageURL(testPNGURL, DetailHigh))}
	src := VideoURL("https://example.com/clip.mp4")
	extOpts := []VideoOption{WithVideoDuration(3 * time.Second)}

	// The direct calls, for the requests they send.
	if _, err := c.Image.Generate(ctx, "grok-2-image", "a red fox", imgOpts...); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Video.Generate(ctx, "grok-imagine-video", "a fox runs", vidOpts...); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Video.Extend(ctx, "grok-imagine-video", "it jumps", src, extOpts...); err != nil {
		t.Fatal(err)
	}
	wantImg := sentOf(srv, xaiv1.Image_GenerateImage_FullMethodName)[0]
	wantVid := sentOf(srv, xaiv1.Video_GenerateVideo_FullMethodName)[0]
	wantExt := sentOf(srv, xaiv1.Video_ExtendVideo_FullMethodName)[0]

	b, err := c.Batch.Create(ctx, "media")
	if err != nil {
		t.Fatal(err)
	}
	err = c.Batch.Add(ctx, b.GetBatchId(), []BatchRequest{
		BatchImage("img", "grok-2-image", "a red fox", imgOpts...),
		BatchVideo("vid", "grok-imagine-video", "a fox runs", vidOpts...),
		BatchVideoExtension("ext", "grok-imagine-video", "it jumps", src, extOpts...),
		BatchChat("chat", c.Chat.Create("grok-3").Append(User("Hi"))),
	})
	if err != nil {
		t.Fatal(err)
	}
	sent := sentOf(srv, xaiv1.BatchMgmt_AddBatchRequests_FullMethodName)[0].(*xaiv1.AddBatchRequestsRequest).GetBatchRequests()
	if !proto.Equal(sent[0].GetImageRequest(), wantImg) || sent[0].GetBatchRequestId() != "img" {
		t.Errorf("BatchImage sent %v, want Generate's %v", sent[0], wantImg)
	}
	if !proto.Equal(sent[1].GetVideoRequest(), wantVid) || sent[1].GetBatchRequestId() != "vid" {
		t.Errorf("BatchVideo sent %v, want Generate's %v", sent[1], wantVid)
	}
	if !proto.Equal(sent[2].GetVideoExtensionRequest(), wantExt) || sent[2].GetBatchRequestId() != "ext" {
		t.Errorf("BatchVideoExtension sent %v, want Extend's %v", sent[2], wantExt)
	}

	readBatchDone(t, c, b.GetBatchId())
	results, err := drainSeq(c.Batch.ListResults(ctx, b.GetBatchId()))
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]*BatchResult{}
	for _, r := range results {
		if r.Err() != nil {
			t.Fatalf("%s failed: %v", r.ID(), r.Err())
		}
		byID[r.ID()] = r
	}
	img := byID["img"].Image()
	if imgs := img.Images(); len(imgs) != 2 || imgs[0].Base64() == "" || img.Model() == "" {
		t.Errorf("image result = %v", img.Proto())
	}
	if data, err := img.Images()[0].Bytes(); err != nil || len(data) == 0 {
		t.Errorf("image bytes: %d, %v", len(data), err)
	}
	for _, id := range []string{"vid", "ext"} {
		if v := byID[id].Video(); v.URL() == "" || byID[id].Image() != nil || byID[id].Response() != nil {
			t.Errorf("%s: video %v, image %v", id, v, byID[id].Image())
		}
	}
	if byID["chat"].Image() != nil || byID["img"].Video() != nil || byID["img"].Response() != nil {
		t.Error("a result answers for a kind of request it is not")
	}
	var nilResult *BatchResult
	if nilResult.Image() != nil {
		t.Error("nil result has an image")
	}
}

// TestBatchMediaBuilderErrors: the builders check what Generate and Extend
// check, with the same messages, and refuse options that have no meaning
// for one request of a batch.
func TestBatchMediaBuilderErrors(t *testing.T) {
	t.Parallel()
	_, c := newFake(t, true)
	ctx := context.Background()
	tests := []struct {
		name  string
		req   BatchRequest
		code  codes.Code
		parts []string
	}{
		{"image no model", BatchImage("a", "", "p"), codes.InvalidArgument, []string{`BatchImage("a")`, "model name is empty"}},
		{"image no prompt", BatchImage("a", "grok-2-image", " "), codes.InvalidArgument, []string{"prompt is empty"}},
		{"image bad count", BatchImage("a", "grok-2-image", "p", WithImageCount(MaxImageCount+1)), codes.InvalidArgument, []string{"WithImageCount"}},
		{"image nil option", BatchImage("a", "grok-2-image", "p", nil), codes.InvalidArgument, []string{"option 0 is nil"}},
		{"image call option", BatchImage("a", "grok-2-image", "p", CallOptions{WithCallTimeout(time.Second)}), codes.InvalidArgument, []string{"CallOptions", "Batch.Add"}},
		{"image blank id", BatchImage(" ", "grok-2-image", "p"), codes.InvalidArgument, []string{"blank"}},
		{"video no prompt", BatchVideo("v", "grok-imagine-video", ""), codes.InvalidArgument, []string{`BatchVideo("v")`, "prompt is empty"}},
		{"video bad duration", BatchVideo("v", "grok-imagine-video", "p", WithVideoDuration(1500*time.Millisecond)), codes.InvalidArgument, []string{"whole"}},
		{"video poll options", BatchVideo("v", "grok-imagine-video", "p", PollOptions{WithPollInterval(time.Second)}), codes.InvalidArgument, []string{"PollOptions", "Batch.Get"}},
		{"video call option", BatchVideo("v", "grok-imagine-video", "p", CallOptions{WithCallTimeout(time.Second)}), codes.InvalidArgument, []string{"CallOptions"}},
		{"extension empty video", BatchVideoExtension("e", "grok-imagine-video", "p", VideoInput{}), codes.InvalidArgument, []string{`BatchVideoExtension("e")`, "video is empty"}},
		{"extension bad url", BatchVideoExtension("e", "grok-imagine-video", "p", VideoURL("http://example.com/a.mp4")), codes.InvalidArgument, []string{"https"}},
		{"extension generate-only option", BatchVideoExtension("e", "grok-imagine-video", "p", VideoFileID("file_1"), WithVideoAspectRatio(VideoAspect1x1)),
			codes.InvalidArgument, []string{"WithVideoAspectRatio", "cannot be used when extending"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.req.Proto() != nil {
				t.Fatalf("built %v despite the error", tt.req.Proto())
			}
			checkErr(t, tt.req.Err(), tt.code, tt.parts...)
			// Add refuses it before sending, naming its position.
			err := c.Batch.Add(ctx, "batch_x", []BatchRequest{tt.req})
			checkErr(t, err, tt.code, "request 0")
		})
	}
}
