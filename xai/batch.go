package xai

import (
	"context"
	"iter"
	"strings"

	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
)

// BatchService runs many requests as a batch: the service works through
// them in the background, at lower cost, and keeps each one's result for
// later. Use it as Client.Batch:
//
//	b, err := client.Batch.Create(ctx, "capitals")
//	...
//	err = client.Batch.Add(ctx, b.GetBatchId(), []xai.BatchRequest{
//		xai.BatchChat("uk", client.Chat.Create("grok-4").Append(xai.User("Capital of the UK?"))),
//	})
//	...
//	for res, err := range client.Batch.ListResults(ctx, b.GetBatchId()) {
//		if err != nil { ... }
//		fmt.Println(res.ID(), res.Response().Content())
//	}
//
// Batches are returned as the protobuf messages of package xaiv1, plain
// descriptions read with their getters: GetState gives the number of
// requests pending, succeeded, failed and cancelled. The List methods
// return iterators that fetch one page at a time, following the server's
// pagination tokens, and stop at the first error.
type BatchService struct {
	stub xaiv1.BatchMgmtClient
}

// ready reports whether the service can make calls.
func (s *BatchService) ready() error { return checkMade(s != nil && s.stub != nil, "Batch") }

// readyBatch is the check of a call on one batch: the service, then the
// batch ID.
func (s *BatchService) readyBatch(method, id string) error {
	if err := s.ready(); err != nil {
		return err
	}
	return checkBatchID(method, id)
}

// checkBatchID rejects an empty batch ID before anything is sent.
func checkBatchID(method, id string) error {
	if strings.TrimSpace(id) == "" {
		return invalidArgument("%s: the batch ID is empty; pass the ID of a batch (Batch.GetBatchId of what Create returned)", method)
	}
	return nil
}

// Create creates an empty batch called name; add requests to it with Add.
func (s *BatchService) Create(ctx context.Context, name string, opts ...CallOption) (*xaiv1.Batch, error) {
	return s.create(ctx, "Batch.Create", &xaiv1.CreateBatchRequest{Name: name}, false, opts)
}

// CreateFromFile creates a batch called name whose requests are read from
// a file uploaded beforehand with the Files API.
func (s *BatchService) CreateFromFile(ctx context.Context, name, fileID string, opts ...CallOption) (*xaiv1.Batch, error) {
	return s.create(ctx, "Batch.CreateFromFile", &xaiv1.CreateBatchRequest{Name: name, InputFileId: fileID}, true, opts)
}

// create checks the name, and the file ID when fromFile, and sends req;
// method names the caller.
func (s *BatchService) create(ctx context.Context, method string, req *xaiv1.CreateBatchRequest, fromFile bool, opts []CallOption) (*xaiv1.Batch, error) {
	if err := s.ready(); err != nil {
		return nil, err
	}
	if strings.TrimSpace(req.GetName()) == "" {
		return nil, invalidArgument("%s: the name is empty; give the batch a name to recognise it by", method)
	}
	if fromFile && strings.TrimSpace(req.GetInputFileId()) == "" {
		return nil, invalidArgument("%s: the file ID is empty; pass the ID returned when the request file was uploaded with the Files API", method)
	}
	return unary(ctx, s.stub.CreateBatch, req, opts)
}

// Get returns a batch's current details: its request counts by state
// (GetState), cost so far (GetCostBreakdown), and creation, expiry and
// cancellation times. An unknown batch gives an error for which [IsNotFound]
// is true.
func (s *BatchService) Get(ctx context.Context, batchID string, opts ...CallOption) (*xaiv1.Batch, error) {
	if err := s.readyBatch("Batch.Get", batchID); err != nil {
		return nil, err
	}
	return unary(ctx, s.stub.GetBatch, &xaiv1.GetBatchRequest{BatchId: batchID}, opts)
}

// Cancel cancels a batch: its requests that have not been processed are
// not processed, and count as cancelled; those that finished keep their
// results. It returns the updated batch.
func (s *BatchService) Cancel(ctx context.Context, batchID string, opts ...CallOption) (*xaiv1.Batch, error) {
	if err := s.readyBatch("Batch.Cancel", batchID); err != nil {
		return nil, err
	}
	return unary(ctx, s.stub.CancelBatch, &xaiv1.CancelBatchRequest{BatchId: batchID}, opts)
}

// BatchRequest is one request to add to a batch. Build it with [BatchChat],
// [BatchCompletion], [BatchImage], [BatchVideo], [BatchVideoExtension] or
// [BatchProto]; a [BatchRequest] that could not be built
// carries its error, which Add returns before sending anything.
//
// The zero [BatchRequest] is not valid.
type BatchRequest struct {
	pb  *xaiv1.BatchRequest
	err error
}

// Proto returns the underlying protobuf request (nil if building failed).
func (r BatchRequest) Proto() *xaiv1.BatchRequest { return r.pb }

// Err returns the error met while building the request, if any. It is an
// *Error with code InvalidArgument.
func (r BatchRequest) Err() error { return r.err }

// batchRequestID checks a caller-chosen request ID; "" lets the server
// choose one.
func batchRequestID(where, id string) (*string, error) {
	switch {
	case id == "":
		return nil, nil
	case strings.TrimSpace(id) == "":
		return nil, invalidArgument("%s: the request ID %q is blank; pass \"\" to let the server choose one", where, id)
	}
	return &id, nil
}

// BatchChat returns a batch request that runs chat, as [Chat.Sample] would,
// under the request ID id, which must be unique within the batch; with ""
// the server chooses one. The chat is checked as Sample checks it, and
// copied: changing it afterwards does not change the request.
func BatchChat(id string, chat *Chat) BatchRequest {
	if chat == nil {
		return BatchRequest{err: invalidArgument("BatchChat: the chat is nil; create it with client.Chat.Create")}
	}
	rid, err := batchRequestID("BatchChat", id)
	if err != nil {
		return BatchRequest{err: err}
	}
	req, err := chat.ready()
	if err != nil {
		return BatchRequest{err: invalidArgument("BatchChat(%q): %s", id, errMessage(err))}
	}
	return BatchRequest{pb: &xaiv1.BatchRequest{
		BatchRequestId: rid,
		Request:        &xaiv1.BatchRequest_CompletionRequest{CompletionRequest: req},
	}}
}

// BatchCompletion returns a batch request that runs a raw chat completion
// request, under the request ID id as for [BatchChat]. The request is copied
// and checked as a chat's is: it needs a model, and messages unless it
// continues a stored response.
func BatchCompletion(id string, req *xaiv1.GetCompletionsRequest) BatchRequest {
	rid, err := batchRequestID("BatchCompletion", id)
	if err != nil {
		return BatchRequest{err: err}
	}
	switch {
	case req == nil:
		return BatchRequest{err: invalidArgument("BatchCompletion(%q): the request is nil", id)}
	case strings.TrimSpace(req.GetModel()) == "":
		return BatchRequest{err: invalidArgument("BatchCompletion(%q): the request has no model", id)}
	case len(req.GetMessages()) == 0 && req.GetPreviousResponseId() == "":
		return BatchRequest{err: invalidArgument("BatchCompletion(%q): the request has no messages and no previous_response_id", id)}
	}
	if err := validateMessages(req.GetMessages()); err != nil {
		return BatchRequest{err: invalidArgument("BatchCompletion(%q): %s", id, errMessage(err))}
	}
	return BatchRequest{pb: &xaiv1.BatchRequest{
		BatchRequestId: rid,
		Request:        &xaiv1.BatchRequest_CompletionRequest{CompletionRequest: proto.CloneOf(req)},
	}}
}

// BatchImage returns a batch request that generates images from prompt
// with model, as [ImageService.Generate] would with the same options, under
// the request ID id as for [BatchChat]. The request is built and checked by
// the same code as Generate's. [CallOptions] do not belong to one request of
// a batch and are refused: pass them to [BatchService.Add]. The official
// Python SDK prepares the same request with image.prepare.
//
// The result is read with [BatchResult.Image].
func BatchImage(id, model, prompt string, opts ...ImageOption) BatchRequest {
	where := "BatchImage(" + quoteShort(id) + ")"
	rid, err := batchRequestID(where, id)
	if err != nil {
		return BatchRequest{err: err}
	}
	c, err := imageRequest(where, model, prompt, opts)
	if err != nil {
		return BatchRequest{err: err}
	}
	if len(c.call) > 0 {
		return BatchRequest{err: batchCallOptions(where)}
	}
	return BatchRequest{pb: &xaiv1.BatchRequest{
		BatchRequestId: rid,
		Request:        &xaiv1.BatchRequest_ImageRequest{ImageRequest: c.req},
	}}
}

// BatchVideo returns a batch request that generates a video from prompt
// with model, as [VideoService.Generate] would with the same options, under
// the request ID id as for [BatchChat]. The request is built and checked by
// the same code as Generate's. [CallOptions] and [PollOptions] are refused: a
// batch request is neither sent alone nor waited for (pass call options to
// [BatchService.Add]). The official Python SDK prepares the same request
// with video.prepare.
//
// The result is read with [BatchResult.Video].
func BatchVideo(id, model, prompt string, opts ...VideoOption) BatchRequest {
	where := "BatchVideo(" + quoteShort(id) + ")"
	rid, err := batchRequestID(where, id)
	if err != nil {
		return BatchRequest{err: err}
	}
	c, err := videoRequest(where, model, prompt, true, opts)
	if err == nil {
		err = batchVideoOptions(where, c)
	}
	if err != nil {
		return BatchRequest{err: err}
	}
	return BatchRequest{pb: &xaiv1.BatchRequest{
		BatchRequestId: rid,
		Request:        &xaiv1.BatchRequest_VideoRequest{VideoRequest: c.gen},
	}}
}

// BatchVideoExtension returns a batch request that extends video with
// footage described by prompt, as [VideoService.Extend] would with the same
// options ([WithVideoDuration] and [WithVideoStorage] only), under the
// request ID id as for [BatchChat]. It is built and checked by the same code
// as Extend's, and refuses [CallOptions] and [PollOptions] as [BatchVideo]
// does. The official Python SDK prepares the same request with
// video.prepare_extension.
//
// The result is read with [BatchResult.Video].
func BatchVideoExtension(id, model, prompt string, video VideoInput, opts ...VideoOption) BatchRequest {
	where := "BatchVideoExtension(" + quoteShort(id) + ")"
	rid, err := batchRequestID(where, id)
	if err != nil {
		return BatchRequest{err: err}
	}
	req, c, err := extendRequest(where, model, prompt, video, true, opts)
	if err == nil {
		err = batchVideoOptions(where, c)
	}
	if err != nil {
		return BatchRequest{err: err}
	}
	return BatchRequest{pb: &xaiv1.BatchRequest{
		BatchRequestId: rid,
		Request:        &xaiv1.BatchRequest_VideoExtensionRequest{VideoExtensionRequest: req},
	}}
}

// batchVideoOptions refuses the options of a video call that do not
// belong to one request of a batch.
func batchVideoOptions(where string, c *videoConfig) error {
	switch {
	case len(c.call) > 0:
		return batchCallOptions(where)
	case len(c.poll) > 0:
		return invalidArgument("%s: PollOptions do not apply to a batch request, which is not waited for; poll the batch with Batch.Get and read the results with Batch.ListResults", where)
	}
	return nil
}

func batchCallOptions(where string) *Error {
	return invalidArgument("%s: CallOptions do not apply to one request of a batch; pass them to Batch.Add", where)
}

// BatchProto returns a batch request made from its raw form, for what the
// other builders do not cover. It is copied, and checked only for holding
// one request.
func BatchProto(req *xaiv1.BatchRequest) BatchRequest {
	switch {
	case req == nil:
		return BatchRequest{err: invalidArgument("BatchProto: the request is nil")}
	case req.GetRequest() == nil:
		return BatchRequest{err: invalidArgument("BatchProto: the request holds no request; set one of completion_request, image_request, video_request or video_extension_request")}
	}
	if req.BatchRequestId != nil && strings.TrimSpace(req.GetBatchRequestId()) == "" {
		return BatchRequest{err: invalidArgument("BatchProto: batch_request_id is set but blank; leave it unset to let the server choose one")}
	}
	return BatchRequest{pb: proto.CloneOf(req)}
}

// Add adds requests to a batch, all or none. Requests built with an error,
// or two with the same ID, are refused before anything is sent.
func (s *BatchService) Add(ctx context.Context, batchID string, reqs []BatchRequest, opts ...CallOption) error {
	if err := s.readyBatch("Batch.Add", batchID); err != nil {
		return err
	}
	if len(reqs) == 0 {
		return invalidArgument("Batch.Add: no requests given; build them with xai.BatchChat, BatchCompletion, BatchImage, BatchVideo, BatchVideoExtension or BatchProto")
	}
	pbs := make([]*xaiv1.BatchRequest, len(reqs))
	seen := make(map[string]int, len(reqs))
	for i, r := range reqs {
		if r.err != nil {
			return invalidArgument("Batch.Add: request %d: %s", i, errMessage(r.err))
		}
		if r.pb == nil {
			return invalidArgument("Batch.Add: request %d is an empty xai.BatchRequest: build it with xai.BatchChat, BatchCompletion, BatchImage, BatchVideo, BatchVideoExtension or BatchProto", i)
		}
		if r.pb.BatchRequestId != nil {
			id := r.pb.GetBatchRequestId()
			if j, dup := seen[id]; dup {
				return invalidArgument("Batch.Add: requests %d and %d have the same ID %q; IDs must be unique within a batch", j, i, id)
			}
			seen[id] = i
		}
		pbs[i] = r.pb
	}
	_, err := s.stub.AddBatchRequests(ctx, &xaiv1.AddBatchRequestsRequest{BatchId: batchID, BatchRequests: pbs}, grpcCallOptions(opts)...)
	return fromGRPC(err)
}

// GetResult returns one request of a batch with its result. While the
// request has not finished, the result's Done is false.
func (s *BatchService) GetResult(ctx context.Context, batchID, requestID string, opts ...CallOption) (*BatchResult, error) {
	if err := s.readyBatch("Batch.GetResult", batchID); err != nil {
		return nil, err
	}
	if strings.TrimSpace(requestID) == "" {
		return nil, invalidArgument("Batch.GetResult: the request ID is empty; pass the ID given to the request, or one listed by ListRequests")
	}
	pb, err := s.stub.GetBatchRequestResult(ctx, &xaiv1.GetBatchRequestResultRequest{BatchId: batchID, BatchRequestId: requestID}, grpcCallOptions(opts)...)
	if err != nil {
		return nil, fromGRPC(err)
	}
	return &BatchResult{id: requestID, pb: pb.GetResult(), req: pb.GetRequest()}, nil
}

// List returns every batch of the caller's team, page after page, newest
// first as the server orders them. Options: [WithPageSize], [WithLimit] and
// [CallOptions]. Iteration stops at the first error, which is yielded with a
// nil batch.
func (s *BatchService) List(ctx context.Context, opts ...ListOption) iter.Seq2[*xaiv1.Batch, error] {
	return pages(listing{method: "Batch.List"}, s.ready(), opts, func(c *listConfig, limit int32, token *string) ([]*xaiv1.Batch, *string, error) {
		resp, err := s.stub.ListBatches(ctx, &xaiv1.ListBatchesRequest{Limit: limit, PaginationToken: token}, grpcCallOptions(c.call)...)
		if err != nil {
			return nil, nil, fromGRPC(err)
		}
		return resp.GetBatches(), resp.PaginationToken, nil
	})
}

// ListRequests returns the state of every request of a batch, without
// their payloads, page after page. Options: [WithRequestStates] (keep only
// some states), [WithPageSize], [WithLimit] and [CallOptions]. Iteration stops at
// the first error, which is yielded with nil metadata.
func (s *BatchService) ListRequests(ctx context.Context, batchID string, opts ...ListOption) iter.Seq2[*xaiv1.BatchRequestMetadata, error] {
	l := listing{method: "Batch.ListRequests", states: true}
	return pages(l, s.readyBatch(l.method, batchID), opts, func(c *listConfig, limit int32, token *string) ([]*xaiv1.BatchRequestMetadata, *string, error) {
		resp, err := s.stub.ListBatchRequestMetadata(ctx, &xaiv1.ListBatchRequestMetadataRequest{
			BatchId: batchID, Limit: limit, PaginationToken: token, Status: c.states,
		}, grpcCallOptions(c.call)...)
		if err != nil {
			return nil, nil, fromGRPC(err)
		}
		return resp.GetBatchRequestMetadata(), resp.PaginationToken, nil
	})
}

// ListResults returns the results of a batch's finished requests,
// successful or failed, page after page. Options: [WithPageSize], [WithLimit]
// and [CallOptions]. Iteration stops at the first error, which is yielded
// with a nil result.
func (s *BatchService) ListResults(ctx context.Context, batchID string, opts ...ListOption) iter.Seq2[*BatchResult, error] {
	l := listing{method: "Batch.ListResults"}
	return pages(l, s.readyBatch(l.method, batchID), opts, func(c *listConfig, limit int32, token *string) ([]*BatchResult, *string, error) {
		resp, err := s.stub.ListBatchResults(ctx, &xaiv1.ListBatchResultsRequest{BatchId: batchID, Limit: limit, PaginationToken: token}, grpcCallOptions(c.call)...)
		if err != nil {
			return nil, nil, fromGRPC(err)
		}
		return wrapAll(resp.GetResults(), newBatchResult), resp.PaginationToken, nil
	})
}

// BatchResult is the outcome of one request of a batch: the response when
// it succeeded, the error when it failed. Its accessors are safe on a nil
// *BatchResult and return zero values.
type BatchResult struct {
	id  string
	pb  *xaiv1.BatchResult  // nil while the request has not finished
	req *xaiv1.BatchRequest // set by GetResult only
}

// newBatchResult wraps a listed result.
func newBatchResult(pb *xaiv1.BatchResult) *BatchResult {
	return &BatchResult{id: pb.GetBatchRequestId(), pb: pb}
}

// Proto returns the raw protobuf result, or nil while the request has not
// finished.
func (r *BatchResult) Proto() *xaiv1.BatchResult {
	if r == nil {
		return nil
	}
	return r.pb
}

// ID returns the ID of the request within its batch.
func (r *BatchResult) ID() string {
	if r == nil {
		return ""
	}
	return r.id
}

// Done reports whether the request has finished, successfully or not.
func (r *BatchResult) Done() bool { return r.Proto().GetResult() != nil }

// Request returns the request as it was submitted, when the result came
// from [BatchService.GetResult]; results listed by ListResults do not carry
// it.
func (r *BatchResult) Request() *xaiv1.BatchRequest {
	if r == nil {
		return nil
	}
	return r.req
}

// Response returns the chat response of a chat request that succeeded, or
// nil.
func (r *BatchResult) Response() *Response {
	pb := r.Proto().GetResponse().GetCompletionResponse()
	if pb == nil {
		return nil
	}
	return newResponse(pb, nil)
}

// Image returns the images of an image generation request ([BatchImage])
// that succeeded, or nil.
func (r *BatchResult) Image() *ImageResponse {
	pb := r.Proto().GetResponse().GetImageResponse()
	if pb == nil {
		return nil
	}
	return &ImageResponse{pb: pb}
}

// Video returns the video of a video generation or extension request that
// succeeded, or nil.
func (r *BatchResult) Video() *Video {
	pb := r.Proto().GetResponse().GetVideoResponse()
	if pb == nil {
		return nil
	}
	return &Video{id: r.ID(), pb: pb}
}

// Err returns why the request failed, as an *Error with the code, message
// and details the server gave, or nil when it succeeded or has not
// finished.
func (r *BatchResult) Err() error {
	sp := r.Proto().GetError()
	if sp == nil {
		return nil
	}
	st := status.FromProto(sp)
	return &Error{Code: st.Code(), Message: st.Message(), Details: st.Details(), status: st, cause: st.Err()}
}
