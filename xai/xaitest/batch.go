package xaitest

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/timestamppb"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
)

// Endpoints reported in request metadata and cost breakdowns. The names
// are the fake's own.
const (
	endpointChat        = "/v1/chat/completions"
	endpointImage       = "/v1/images/generations"
	endpointVideo       = "/v1/videos/generations"
	endpointVideoExtend = "/v1/videos/extensions"
)

// batchService implements the BatchMgmt service. Batches live in memory
// until they expire (the server's retention after creation).
//
// Requests are processed lazily, like deferred completions: the first read
// of a batch (GetBatch, a listing or GetBatchRequestResult) after requests
// were added reports them pending, and the next read processes them, in
// the order they were added, before answering. Chat requests go through
// the fake's chat engine (validation, scripted replies, storage), image
// and video requests through the Image and Video emulations.
type batchService struct {
	xaiv1.UnimplementedBatchMgmtServer
	s *Server

	mu      sync.Mutex // guards everything below and the batches' fields
	batches map[string]*fakeBatch
	seq     int64
}

func newBatchService(s *Server) *batchService {
	return &batchService{s: s, batches: make(map[string]*fakeBatch)}
}

// fakeBatch is one batch.
type fakeBatch struct {
	id, name  string
	team      team
	seq       int64 // creation order
	keyID     string
	created   time.Time
	expires   time.Time
	cancelled time.Time // zero unless cancelled
	items     []*batchItem
	byID      map[string]*batchItem
	itemSeq   int64
	finishSeq int64
}

// batchItem is one request of a batch.
type batchItem struct {
	id        string
	seq       int64 // order added
	finishSeq int64 // order finished, for ListBatchResults
	req       *xaiv1.BatchRequest
	endpoint  string
	model     string
	created   time.Time
	finished  time.Time
	state     xaiv1.BatchRequestMetadata_State
	result    *xaiv1.BatchResult
	cost      int64
	seen      bool // a read has reported it pending
	running   bool // being processed by a read
}

// lookupLocked returns a live batch or NOT_FOUND; bs.mu must be held.
func (bs *batchService) lookupLocked(t team, id string, now time.Time) (*fakeBatch, error) {
	if id == "" {
		return nil, invalid("batch_id is required")
	}
	b, ok := bs.batches[id]
	if ok && !now.Before(b.expires) {
		delete(bs.batches, id)
		ok = false
	}
	if !ok || b.team != t {
		return nil, status.Errorf(codes.NotFound, "batch %q not found: it does not exist or has expired", id)
	}
	return b, nil
}

// lookup is lookupLocked taking the lock.
func (bs *batchService) lookup(t team, id string) (*fakeBatch, error) {
	now := bs.s.clock.Now()
	bs.mu.Lock()
	defer bs.mu.Unlock()
	return bs.lookupLocked(t, id, now)
}

// CreateBatch creates an empty batch. Batches read from an input file are
// not emulated.
func (bs *batchService) CreateBatch(ctx context.Context, req *xaiv1.CreateBatchRequest) (*xaiv1.Batch, error) {
	if strings.TrimSpace(req.GetName()) == "" {
		return nil, invalid("name is required")
	}
	if id := req.GetInputFileId(); id != "" {
		if _, ok := bs.s.fileData(teamOf(ctx), id); !ok {
			return nil, status.Errorf(codes.NotFound, "input_file_id: file %q not found", id)
		}
		return nil, status.Error(codes.Unimplemented, "xaitest: creating a batch from an input file is not emulated by the fake server yet; add requests with AddBatchRequests")
	}
	md, _ := metadata.FromIncomingContext(ctx)
	key, _ := bs.s.authenticate(md) // the interceptor has checked it
	now := bs.s.clock.Now()
	bs.mu.Lock()
	defer bs.mu.Unlock()
	bs.seq++
	b := &fakeBatch{
		id:      "batch_" + newID(),
		name:    req.GetName(),
		team:    teamOf(ctx),
		seq:     bs.seq,
		keyID:   stableUUID("api-key", key),
		created: now,
		expires: now.Add(bs.s.cfg.retention),
		byID:    make(map[string]*batchItem),
	}
	bs.batches[b.id] = b
	return b.proto(now), nil
}

// AddBatchRequests adds requests to a batch, all or none.
func (bs *batchService) AddBatchRequests(ctx context.Context, req *xaiv1.AddBatchRequestsRequest) (*emptypb.Empty, error) {
	if len(req.GetBatchRequests()) == 0 {
		return nil, invalid("batch_requests must not be empty")
	}
	items := make([]*batchItem, len(req.GetBatchRequests()))
	inCall := make(map[string]int)
	for i, r := range req.GetBatchRequests() {
		it, err := newBatchItem(fmt.Sprintf("batch_requests[%d]", i), r)
		if err != nil {
			return nil, err
		}
		if _, set := optionalString(r.BatchRequestId); set {
			if j, dup := inCall[it.id]; dup {
				return nil, invalid("batch_requests[%d] and [%d] have the same batch_request_id %q", j, i, it.id)
			}
			inCall[it.id] = i
		}
		items[i] = it
	}
	now := bs.s.clock.Now()
	bs.mu.Lock()
	defer bs.mu.Unlock()
	b, err := bs.lookupLocked(teamOf(ctx), req.GetBatchId(), now)
	if err != nil {
		return nil, err
	}
	if !b.cancelled.IsZero() {
		return nil, status.Errorf(codes.FailedPrecondition, "batch %q is cancelled; create a new batch", b.id)
	}
	for i, it := range items {
		if _, dup := b.byID[it.id]; dup {
			return nil, status.Errorf(codes.AlreadyExists, "batch_requests[%d]: batch %q already has a request %q", i, b.id, it.id)
		}
	}
	for _, it := range items {
		b.itemSeq++
		it.seq, it.created = b.itemSeq, now
		b.items = append(b.items, it)
		b.byID[it.id] = it
	}
	return &emptypb.Empty{}, nil
}

// newBatchItem checks the shape of one request; its content is checked
// when it is processed, and problems there make the request fail.
func newBatchItem(where string, r *xaiv1.BatchRequest) (*batchItem, error) {
	it := &batchItem{req: proto.CloneOf(r), state: xaiv1.BatchRequestMetadata_STATE_PENDING}
	switch x := r.GetRequest().(type) {
	case *xaiv1.BatchRequest_CompletionRequest:
		it.endpoint, it.model = endpointChat, x.CompletionRequest.GetModel()
	case *xaiv1.BatchRequest_ImageRequest:
		it.endpoint, it.model = endpointImage, x.ImageRequest.GetModel()
	case *xaiv1.BatchRequest_VideoRequest:
		it.endpoint, it.model = endpointVideo, x.VideoRequest.GetModel()
	case *xaiv1.BatchRequest_VideoExtensionRequest:
		it.endpoint, it.model = endpointVideoExtend, x.VideoExtensionRequest.GetModel()
	default:
		return nil, invalid("%s: set one of completion_request, image_request, video_request or video_extension_request", where)
	}
	if id, set := optionalString(r.BatchRequestId); !set {
		it.id = "batch_req_" + newID()
		it.req.BatchRequestId = proto.String(it.id)
	} else {
		it.id = id
		if strings.TrimSpace(it.id) == "" {
			return nil, invalid("%s.batch_request_id is set but blank; leave it unset to get one from the server", where)
		}
	}
	return it, nil
}

// GetBatch returns a batch, processing first the requests an earlier read
// reported pending.
func (bs *batchService) GetBatch(ctx context.Context, req *xaiv1.GetBatchRequest) (*xaiv1.Batch, error) {
	b, err := bs.lookup(teamOf(ctx), req.GetBatchId())
	if err != nil {
		return nil, err
	}
	bs.advance(ctx, b)
	now := bs.s.clock.Now()
	bs.mu.Lock()
	defer bs.mu.Unlock()
	b.observeLocked()
	return b.proto(now), nil
}

// CancelBatch cancels the batch's requests that are still pending.
// Cancelling a cancelled batch changes nothing.
func (bs *batchService) CancelBatch(ctx context.Context, req *xaiv1.CancelBatchRequest) (*xaiv1.Batch, error) {
	now := bs.s.clock.Now()
	bs.mu.Lock()
	defer bs.mu.Unlock()
	b, err := bs.lookupLocked(teamOf(ctx), req.GetBatchId(), now)
	if err != nil {
		return nil, err
	}
	if b.cancelled.IsZero() {
		b.cancelled = now
		for _, it := range b.items {
			if it.state == xaiv1.BatchRequestMetadata_STATE_PENDING && !it.running {
				it.state, it.finished = xaiv1.BatchRequestMetadata_STATE_CANCELLED, now
			}
		}
	}
	return b.proto(now), nil
}

// ListBatches lists live batches, newest first.
func (bs *batchService) ListBatches(ctx context.Context, req *xaiv1.ListBatchesRequest) (*xaiv1.ListBatchesResponse, error) {
	p, err := batchPage("batches:", req.GetLimit(), req.GetPaginationToken(), true)
	if err != nil {
		return nil, err
	}
	now := bs.s.clock.Now()
	bs.mu.Lock()
	var live []*fakeBatch
	for id := range bs.batches {
		if b, err := bs.lookupLocked(teamOf(ctx), id, now); err == nil {
			live = append(live, b)
		}
	}
	bs.mu.Unlock()
	page, next := paginate(p, live, func(b *fakeBatch) sortKey { return sortKey{seq: b.seq} })
	for _, b := range page {
		bs.advance(ctx, b)
	}
	resp := &xaiv1.ListBatchesResponse{PaginationToken: next}
	bs.mu.Lock()
	defer bs.mu.Unlock()
	for _, b := range page {
		b.observeLocked()
		resp.Batches = append(resp.Batches, b.proto(now))
	}
	return resp, nil
}

// ListBatchRequestMetadata lists a batch's requests in the order they were
// added, optionally only those in some states.
func (bs *batchService) ListBatchRequestMetadata(ctx context.Context, req *xaiv1.ListBatchRequestMetadataRequest) (*xaiv1.ListBatchRequestMetadataResponse, error) {
	p, err := batchPage("requests:"+req.GetBatchId(), req.GetLimit(), req.GetPaginationToken(), false)
	if err != nil {
		return nil, err
	}
	var want map[xaiv1.BatchRequestMetadata_State]bool
	for i, st := range req.GetStatus() {
		if _, ok := xaiv1.BatchRequestMetadata_State_name[int32(st)]; !ok || st == xaiv1.BatchRequestMetadata_STATE_UNKNOWN {
			return nil, invalid("status[%d] is %v, not a request state", i, st)
		}
		if want == nil {
			want = make(map[xaiv1.BatchRequestMetadata_State]bool)
		}
		want[st] = true
	}
	mds, next, err := listItems(bs, ctx, req.GetBatchId(), p,
		func(it *batchItem) bool { return want == nil || want[it.state] },
		func(it *batchItem) int64 { return it.seq },
		(*batchItem).metadata)
	if err != nil {
		return nil, err
	}
	return &xaiv1.ListBatchRequestMetadataResponse{BatchRequestMetadata: mds, PaginationToken: next}, nil
}

// ListBatchResults lists the results of a batch's finished requests, in
// the order they finished, so that requests finishing between pages are
// never skipped. Cancelled requests have no result.
func (bs *batchService) ListBatchResults(ctx context.Context, req *xaiv1.ListBatchResultsRequest) (*xaiv1.ListBatchResultsResponse, error) {
	p, err := batchPage("results:"+req.GetBatchId(), req.GetLimit(), req.GetPaginationToken(), false)
	if err != nil {
		return nil, err
	}
	results, next, err := listItems(bs, ctx, req.GetBatchId(), p,
		func(it *batchItem) bool { return it.result != nil },
		func(it *batchItem) int64 { return it.finishSeq },
		func(it *batchItem) *xaiv1.BatchResult { return proto.CloneOf(it.result) })
	if err != nil {
		return nil, err
	}
	return &xaiv1.ListBatchResultsResponse{Results: results, PaginationToken: next}, nil
}

// listItems lists a page of the requests of batch id that keep accepts,
// ordered by the position pos gives them, after bringing the batch up to
// date; render describes each with bs.mu held.
func listItems[R any](bs *batchService, ctx context.Context, id string, p pageRequest,
	keep func(*batchItem) bool, pos func(*batchItem) int64, render func(*batchItem) R) ([]R, *string, error) {
	b, err := bs.lookup(teamOf(ctx), id)
	if err != nil {
		return nil, nil, err
	}
	bs.advance(ctx, b)
	bs.mu.Lock()
	defer bs.mu.Unlock()
	var items []*batchItem
	for _, it := range b.items {
		if keep(it) {
			items = append(items, it)
		}
	}
	page, next := paginate(p, items, func(it *batchItem) sortKey { return sortKey{seq: pos(it)} })
	out := make([]R, 0, len(page))
	for _, it := range page {
		out = append(out, render(it))
	}
	b.observeLocked()
	return out, next, nil
}

// batchPage validates the paging fields of a batch listing, which orders
// items by a position: creation (newest first when desc) or finishing.
func batchPage(listing string, limit int32, token string, desc bool) (pageRequest, error) {
	n, err := pageLimit(limit)
	if err != nil {
		return pageRequest{}, err
	}
	p := pageRequest{listing: listing, by: bySeq, desc: desc, limit: n}
	if err := p.resume(token); err != nil {
		return pageRequest{}, err
	}
	return p, nil
}

// GetBatchRequestResult returns one request and its result: unset while
// pending, a CANCELLED error status once cancelled.
func (bs *batchService) GetBatchRequestResult(ctx context.Context, req *xaiv1.GetBatchRequestResultRequest) (*xaiv1.GetBatchRequestResultResponse, error) {
	if req.GetBatchRequestId() == "" {
		return nil, invalid("batch_request_id is required")
	}
	b, err := bs.lookup(teamOf(ctx), req.GetBatchId())
	if err != nil {
		return nil, err
	}
	bs.mu.Lock()
	it, ok := b.byID[req.GetBatchRequestId()]
	bs.mu.Unlock()
	if !ok {
		return nil, status.Errorf(codes.NotFound, "batch %q has no request %q", b.id, req.GetBatchRequestId())
	}
	bs.advance(ctx, b)
	bs.mu.Lock()
	defer bs.mu.Unlock()
	resp := &xaiv1.GetBatchRequestResultResponse{Request: proto.CloneOf(it.req), Result: proto.CloneOf(it.result)}
	if it.state == xaiv1.BatchRequestMetadata_STATE_CANCELLED {
		resp.Result = &xaiv1.BatchResult{
			BatchRequestId: it.id,
			Result: &xaiv1.BatchResult_Error{Error: status.New(codes.Canceled,
				"the request was cancelled with its batch before it was processed").Proto()},
		}
	}
	b.observeLocked()
	return resp, nil
}

// observeLocked marks the pending requests as reported, so that the next
// read processes them; bs.mu must be held.
func (b *fakeBatch) observeLocked() {
	for _, it := range b.items {
		if it.state == xaiv1.BatchRequestMetadata_STATE_PENDING {
			it.seen = true
		}
	}
}

// advance processes, in the order they were added, the requests of b that
// an earlier read reported pending. It runs the requests without holding
// bs.mu, since the chat engine takes the server's lock.
func (bs *batchService) advance(ctx context.Context, b *fakeBatch) {
	bs.mu.Lock()
	var todo []*batchItem
	for _, it := range b.items {
		if it.state == xaiv1.BatchRequestMetadata_STATE_PENDING && it.seen && !it.running {
			it.running = true
			todo = append(todo, it)
		}
	}
	bs.mu.Unlock()
	for _, it := range todo {
		data, cost, err := bs.run(ctx, it.req)
		now := bs.s.clock.Now()
		bs.mu.Lock()
		it.running = false
		it.finished = now
		b.finishSeq++
		it.finishSeq = b.finishSeq
		it.result = &xaiv1.BatchResult{BatchRequestId: it.id}
		if err != nil {
			it.state = xaiv1.BatchRequestMetadata_STATE_FAILED
			it.result.Result = &xaiv1.BatchResult_Error{Error: status.Convert(err).Proto()}
		} else {
			it.state = xaiv1.BatchRequestMetadata_STATE_SUCCEEDED
			it.result.Result = &xaiv1.BatchResult_Response{Response: data}
			it.cost = cost
		}
		bs.mu.Unlock()
	}
}

// run processes one request with the fake's engines and returns its
// output and cost.
func (bs *batchService) run(ctx context.Context, r *xaiv1.BatchRequest) (*xaiv1.BatchResultData, int64, error) {
	s := bs.s
	switch x := r.GetRequest().(type) {
	case *xaiv1.BatchRequest_CompletionRequest:
		resp, err := s.answer(ctx, x.CompletionRequest)
		if err != nil {
			return nil, 0, err
		}
		return &xaiv1.BatchResultData{Response: &xaiv1.BatchResultData_CompletionResponse{CompletionResponse: resp}},
			resp.GetUsage().GetCostInUsdTicks(), nil
	case *xaiv1.BatchRequest_ImageRequest:
		resp, err := (&imageService{s: s}).GenerateImage(ctx, x.ImageRequest)
		if err != nil {
			return nil, 0, err
		}
		return &xaiv1.BatchResultData{Response: &xaiv1.BatchResultData_ImageResponse{ImageResponse: resp}},
			resp.GetUsage().GetCostInUsdTicks(), nil
	case *xaiv1.BatchRequest_VideoRequest:
		return s.runVideo(s.planGenerateVideo(teamOf(ctx), x.VideoRequest))
	case *xaiv1.BatchRequest_VideoExtensionRequest:
		return s.runVideo(s.planExtendVideo(teamOf(ctx), x.VideoExtensionRequest))
	}
	return nil, 0, invalid("the request holds no request") // newBatchItem refuses these
}

// runVideo makes the video of a batch request planned by planGenerateVideo
// or planExtendVideo, and returns it with its cost.
func (s *Server) runVideo(p *videoPlan, err error) (*xaiv1.BatchResultData, int64, error) {
	if err != nil {
		return nil, 0, err
	}
	resp, err := s.finishVideo(p)
	if err != nil {
		return nil, 0, err
	}
	return &xaiv1.BatchResultData{Response: &xaiv1.BatchResultData_VideoResponse{VideoResponse: resp}},
		resp.GetUsage().GetCostInUsdTicks(), nil
}

// proto describes the batch; bs.mu must be held.
func (b *fakeBatch) proto(now time.Time) *xaiv1.Batch {
	pb := &xaiv1.Batch{
		BatchId:        b.id,
		Name:           b.name,
		CreateTime:     timestamppb.New(b.created),
		ExpireTime:     timestamppb.New(b.expires),
		CreateApiKeyId: b.keyID,
		State:          &xaiv1.BatchState{NumRequests: int64(len(b.items))},
		CostBreakdown:  &xaiv1.BatchCostBreakdown{CalculationTime: timestamppb.New(now)},
	}
	if !b.cancelled.IsZero() {
		pb.CancelTime = timestamppb.New(b.cancelled)
	}
	costs := map[string]*xaiv1.EndpointCost{}
	var order []string
	for _, it := range b.items {
		switch it.state {
		case xaiv1.BatchRequestMetadata_STATE_PENDING:
			pb.State.NumPending++
		case xaiv1.BatchRequestMetadata_STATE_SUCCEEDED:
			pb.State.NumSuccess++
			ec, ok := costs[it.endpoint]
			if !ok {
				ec = &xaiv1.EndpointCost{Endpoint: it.endpoint}
				costs[it.endpoint] = ec
				order = append(order, it.endpoint)
			}
			ec.CostUsdTicks += it.cost
			ec.RequestCount++
			pb.CostBreakdown.TotalCostUsdTicks += it.cost
		case xaiv1.BatchRequestMetadata_STATE_FAILED:
			pb.State.NumError++
		case xaiv1.BatchRequestMetadata_STATE_CANCELLED:
			pb.State.NumCancelled++
		}
	}
	for _, e := range order {
		pb.CostBreakdown.EndpointCosts = append(pb.CostBreakdown.EndpointCosts, costs[e])
	}
	return pb
}

// metadata describes a request; bs.mu must be held.
func (it *batchItem) metadata() *xaiv1.BatchRequestMetadata {
	md := &xaiv1.BatchRequestMetadata{
		BatchRequestId: it.id,
		Endpoint:       it.endpoint,
		Model:          it.model,
		State:          it.state,
		CreateTime:     timestamppb.New(it.created),
	}
	if !it.finished.IsZero() {
		md.FinishTime = timestamppb.New(it.finished)
	}
	return md
}
