package xai

import (
	"context"
	"fmt"
	"strings"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
)

// VideoService generates video clips with Grok video models, such as
// "grok-imagine-video": from a prompt alone, by animating an image, by
// editing a video, or by extending one. Use it as [Client.Video].
//
// Generation takes a while, so it is deferred: Generate and Extend return a
// request ID at once, Get asks once whether the video is ready, and Wait
// polls until it is. GenerateAndWait and ExtendAndWait do both.
type VideoService struct {
	stub xaiv1.VideoClient
}

// DefaultVideoPollInterval is how often [VideoService.Wait] asks whether a
// video is ready unless [WithPollInterval] says otherwise; the poll timeout
// is [DefaultPollTimeout] (10 minutes), as for [Chat.Defer]. Videos take
// minutes, so the interval is longer than Chat's, as in the official SDKs.
const DefaultVideoPollInterval = time.Second

// ready reports whether the service can make calls.
func (s *VideoService) ready() error { return checkMade(s != nil && s.stub != nil, "Video") }

// videoRequest checks what every video request needs and applies opts.
// waits says whether the method waits, so that [PollOptions] are allowed.
func videoRequest(method, model, prompt string, waits bool, opts []VideoOption) (*videoConfig, error) {
	if err := checkModelName(method, model, "grok-imagine-video"); err != nil {
		return nil, err
	}
	if strings.TrimSpace(prompt) == "" {
		return nil, invalidArgument("%s: the prompt is empty; describe the video to create, or the change to make", method)
	}
	c := &videoConfig{gen: &xaiv1.GenerateVideoRequest{Model: model, Prompt: prompt}}
	if err := applyAll(method, c, opts, VideoOption.applyVideo); err != nil {
		return nil, err
	}
	if len(c.poll) > 0 && !waits {
		return nil, invalidArgument("%s: PollOptions are for the methods that wait (GenerateAndWait, ExtendAndWait); %s returns at once", method, method)
	}
	return c, nil
}

// Generate starts generating a video from prompt with model, a video
// generation model such as "grok-imagine-video", and returns the request
// ID at once; fetch the video with Get or Wait. Options animate an image
// ([WithVideoImage]), edit a video ([WithSourceVideo]), and set the duration,
// shape, resolution, sound and storage. The request is checked before
// anything is sent: an empty model or prompt, or an invalid option, gives
// an error with code InvalidArgument.
func (s *VideoService) Generate(ctx context.Context, model, prompt string, opts ...VideoOption) (string, error) {
	if err := s.ready(); err != nil {
		return "", err
	}
	c, err := videoRequest("Video.Generate", model, prompt, false, opts)
	if err != nil {
		return "", err
	}
	return s.startGenerate(ctx, c.gen, c.call)
}

func (s *VideoService) startGenerate(ctx context.Context, req *xaiv1.GenerateVideoRequest, call []CallOption) (string, error) {
	pb, err := s.stub.GenerateVideo(ctx, req, grpcCallOptions(call)...)
	if err != nil {
		return "", fromGRPC(err)
	}
	return pb.GetRequestId(), nil
}

// extendRequest builds the request of Extend and ExtendAndWait.
func extendRequest(method, model, prompt string, video VideoInput, waits bool, opts []VideoOption) (*xaiv1.ExtendVideoRequest, *videoConfig, error) {
	c, err := videoRequest(method, model, prompt, waits, opts)
	if err != nil {
		return nil, nil, err
	}
	if len(c.generateOnlyOpts) > 0 {
		return nil, nil, invalidArgument("%s: %s cannot be used when extending a video: only WithVideoDuration and WithVideoStorage apply; the extension follows the video it continues",
			method, strings.Join(c.generateOnlyOpts, ", "))
	}
	v, err := videoInputProto(method, video)
	if err != nil {
		return nil, nil, err
	}
	req := &xaiv1.ExtendVideoRequest{
		Prompt:         prompt,
		Video:          v,
		Model:          model,
		Duration:       c.gen.Duration,
		StorageOptions: c.gen.StorageOptions,
	}
	return req, c, nil
}

// Extend starts generating a continuation of video, built with [VideoURL] or
// [VideoFileID], with footage described by prompt, and returns the request
// ID at once; fetch the result with Get or Wait. Only [WithVideoDuration] (the
// length of the added footage) and [WithVideoStorage] apply. The request is
// checked before anything is sent, as for Generate.
func (s *VideoService) Extend(ctx context.Context, model, prompt string, video VideoInput, opts ...VideoOption) (string, error) {
	if err := s.ready(); err != nil {
		return "", err
	}
	req, c, err := extendRequest("Video.Extend", model, prompt, video, false, opts)
	if err != nil {
		return "", err
	}
	return s.startExtend(ctx, req, c.call)
}

func (s *VideoService) startExtend(ctx context.Context, req *xaiv1.ExtendVideoRequest, call []CallOption) (string, error) {
	pb, err := s.stub.ExtendVideo(ctx, req, grpcCallOptions(call)...)
	if err != nil {
		return "", fromGRPC(err)
	}
	return pb.GetRequestId(), nil
}

// Get asks once for the video of a request started with Generate or
// Extend. It returns the video and true when it is ready. While the video
// is being made it returns false and a *Video whose Progress says how far
// along it is (its other accessors are empty).
//
// A request whose result the server no longer holds gives an error for
// which [IsNotFound] is true. One that failed gives an error with code
// Internal whose message carries the server's explanation; when the server
// sent one, the *xaiv1.VideoError is among the error's Details.
func (s *VideoService) Get(ctx context.Context, requestID string, opts ...CallOption) (video *Video, done bool, err error) {
	if err := s.ready(); err != nil {
		return nil, false, err
	}
	if strings.TrimSpace(requestID) == "" {
		return nil, false, invalidArgument("Video.Get: the request ID is empty; pass the ID returned by Video.Generate or Video.Extend")
	}
	pb, err := s.stub.GetDeferredVideo(ctx, &xaiv1.GetDeferredVideoRequest{RequestId: requestID}, grpcCallOptions(opts)...)
	if err != nil {
		return nil, false, fromGRPC(err)
	}
	return videoResult(requestID, pb)
}

// videoResult interprets a poll's answer the way GetDeferred does for chat.
func videoResult(id string, pb *xaiv1.GetDeferredVideoResponse) (*Video, bool, error) {
	resp := pb.GetResponse()
	switch pb.GetStatus() {
	case xaiv1.DeferredStatus_DONE:
		switch {
		case resp.GetError() != nil:
			return nil, false, videoFailed(id, resp.GetError())
		case resp.GetVideo() == nil:
			return nil, false, &Error{Code: codes.Internal, Message: "video request " + id + " is done but the server sent no video; fetch it again with Video.Get"}
		}
		return &Video{id: id, pb: resp}, true, nil
	case xaiv1.DeferredStatus_PENDING:
		return &Video{id: id, pb: resp}, false, nil
	case xaiv1.DeferredStatus_EXPIRED:
		return nil, false, &Error{Code: codes.NotFound, Message: "video request " + id + " has expired: the server no longer holds its result; generate the video again"}
	case xaiv1.DeferredStatus_FAILED:
		return nil, false, videoFailed(id, resp.GetError())
	}
	return nil, false, &Error{Code: codes.Unknown, Message: "video request " + id + ": the server returned status " + pb.GetStatus().String() + ", which this SDK does not know"}
}

// videoFailed is the error of a failed video request, carrying the
// server's VideoError when there is one.
func videoFailed(id string, ve *xaiv1.VideoError) *Error {
	if ve == nil {
		return &Error{Code: codes.Internal, Message: "video request " + id + " failed on the server without saying why; generate the video again"}
	}
	why := ve.GetMessage()
	if c := ve.GetCode(); c != "" {
		why = c + ": " + why
	}
	return &Error{Code: codes.Internal, Message: "video request " + id + " failed on the server: " + why, Details: []any{proto.CloneOf(ve)}}
}

// Wait polls the request every poll interval ([DefaultVideoPollInterval]
// unless [WithPollInterval] is given) until the video is ready, and returns
// it. It gives up after the poll timeout ([WithPollTimeout], by default
// [DefaultPollTimeout]) with an error with code DeadlineExceeded; the video
// keeps being made on the server, so Wait can be called again. Call options
// among opts apply to every poll. A request that failed or expired gives
// the errors described at Get.
func (s *VideoService) Wait(ctx context.Context, requestID string, opts ...DeferOption) (*Video, error) {
	if err := s.ready(); err != nil {
		return nil, err
	}
	if strings.TrimSpace(requestID) == "" {
		return nil, invalidArgument("Video.Wait: the request ID is empty; pass the ID returned by Video.Generate or Video.Extend")
	}
	cfg, err := newDeferConfig("Video.Wait", DefaultVideoPollInterval, opts)
	if err != nil {
		return nil, err
	}
	return s.wait(ctx, requestID, cfg)
}

func (s *VideoService) wait(ctx context.Context, id string, cfg deferConfig) (*Video, error) {
	later := "fetch it later with client.Video.Get or client.Video.Wait(ctx, \"" + id + "\")"
	return pollUntilDone(ctx, cfg, "video request "+id, later, func(ctx context.Context) (*Video, bool, error) {
		return s.Get(ctx, id, cfg.call...)
	})
}

// GenerateAndWait starts generating a video as Generate does and waits for
// it as Wait does. Give wait options as [PollOptions] among opts; the
// [CallOptions] among opts apply to every call, the start and each poll.
func (s *VideoService) GenerateAndWait(ctx context.Context, model, prompt string, opts ...VideoOption) (*Video, error) {
	if err := s.ready(); err != nil {
		return nil, err
	}
	c, err := videoRequest("Video.GenerateAndWait", model, prompt, true, opts)
	if err != nil {
		return nil, err
	}
	cfg, err := newDeferConfig("Video.GenerateAndWait", DefaultVideoPollInterval, append(toDeferOptions(c.call), c.poll...))
	if err != nil {
		return nil, err
	}
	id, err := s.startGenerate(ctx, c.gen, cfg.call)
	if err != nil {
		return nil, err
	}
	return s.wait(ctx, id, cfg)
}

// ExtendAndWait starts extending a video as Extend does and waits for the
// result as Wait does, with the options of GenerateAndWait.
func (s *VideoService) ExtendAndWait(ctx context.Context, model, prompt string, video VideoInput, opts ...VideoOption) (*Video, error) {
	if err := s.ready(); err != nil {
		return nil, err
	}
	req, c, err := extendRequest("Video.ExtendAndWait", model, prompt, video, true, opts)
	if err != nil {
		return nil, err
	}
	cfg, err := newDeferConfig("Video.ExtendAndWait", DefaultVideoPollInterval, append(toDeferOptions(c.call), c.poll...))
	if err != nil {
		return nil, err
	}
	id, err := s.startExtend(ctx, req, cfg.call)
	if err != nil {
		return nil, err
	}
	return s.wait(ctx, id, cfg)
}

func toDeferOptions(call []CallOption) []DeferOption {
	out := make([]DeferOption, 0, len(call))
	for _, o := range call {
		if o != nil {
			out = append(out, o)
		}
	}
	return out
}

// Video is a generated video, or while it is being made ([VideoService.Get]
// with done false) the progress of the request. Its accessors are safe on a
// nil *Video and return zero values.
type Video struct {
	id string
	pb *xaiv1.VideoResponse // may be nil while pending
}

// Proto returns the raw protobuf response, or nil when the server sent none
// with a pending status.
func (v *Video) Proto() *xaiv1.VideoResponse {
	if v == nil {
		return nil
	}
	return v.pb
}

// RequestID returns the ID of the request that made the video.
func (v *Video) RequestID() string {
	if v == nil {
		return ""
	}
	return v.id
}

// URL returns the link to download the video. Links are temporary: fetch
// the video soon, or ask for [WithVideoStorage] to keep it as a file.
func (v *Video) URL() string { return v.Proto().GetVideo().GetUrl() }

// Duration returns the length of the video.
func (v *Video) Duration() time.Duration {
	return time.Duration(v.Proto().GetVideo().GetDuration()) * time.Second
}

// Model returns the full name of the model that made the video.
func (v *Video) Model() string { return v.Proto().GetModel() }

// Progress returns how far along the request is, as a percentage; 100 once
// the video is ready.
func (v *Video) Progress() int { return int(v.Proto().GetProgress()) }

// RespectsModeration reports whether the video passed content moderation;
// false means it was flagged.
func (v *Video) RespectsModeration() bool { return v.Proto().GetVideo().GetRespectModeration() }

// File describes the file the video was saved to, when [WithVideoStorage] was
// given and saving succeeded; otherwise nil (see StorageError).
func (v *Video) File() *xaiv1.FileOutput { return v.Proto().GetVideo().GetFileOutput() }

// StorageError says why the video could not be saved, when [WithVideoStorage]
// was given and saving failed; otherwise "".
func (v *Video) StorageError() string { return v.Proto().GetVideo().GetStorageError() }

// Usage returns the usage and cost of the request, or nil.
func (v *Video) Usage() *xaiv1.SamplingUsage { return v.Proto().GetUsage() }

// CostUSD returns what the request cost in US dollars, and whether the
// server reported a cost at all.
func (v *Video) CostUSD() (usd float64, ok bool) {
	u := v.Usage()
	if u == nil || u.CostInUsdTicks == nil {
		return 0, false
	}
	return float64(u.GetCostInUsdTicks()) / TicksPerUSD, true
}

// String returns the request ID and the URL, or the progress of a video
// still being made, for printing.
func (v *Video) String() string {
	switch {
	case v == nil:
		return "<nil>"
	case v.URL() != "":
		return fmt.Sprintf("video %s: %s (%v)", v.id, v.URL(), v.Duration())
	}
	return fmt.Sprintf("video %s: %d%% done", v.id, v.Progress())
}
