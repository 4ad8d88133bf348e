package xai

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
	"github.com/gogrok/sdk/xai/xaitest"
)

func TestVideoGenerateAndWait(t *testing.T) {
	t.Parallel()
	transports(t, func(t *testing.T, useBufconn bool) {
		srv, c := newFake(t, useBufconn)
		ctx := context.Background()
		video, err := c.Video.GenerateAndWait(ctx, "grok-imagine-video", "a fox in the snow",
			WithVideoDuration(5*time.Second),
			WithVideoAspectRatio(VideoAspect9x16),
			WithVideoResolution(VideoResolution720p),
			WithVideoImage(ImageURL(testPNGURL, DetailHigh)),
			WithVideoReferenceImages(ImageURL(testPNGURL, DetailAuto), ImageURL("https://example.com/b.jpg", DetailLow)),
			WithVideoAudio(true),
			WithVideoVoices("voice-1"),
			WithVideoStorage(Storage{Filename: "fox.mp4", ExpiresAfter: 2 * time.Hour, PublicURL: true}),
			PollOptions{WithPollInterval(time.Millisecond)},
			CallOptions{WithCallMetadata("x-job", "v1")},
		)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(video.URL(), "https://vidgen.xaitest.invalid/") || video.Duration() != 5*time.Second ||
			video.Model() != "grok-imagine-video" || video.Progress() != 100 || !video.RespectsModeration() {
			t.Errorf("video = %v (model %q, progress %d)", video, video.Model(), video.Progress())
		}
		if f := video.File(); f.GetFilename() != "fox.mp4" || f.GetPublicUrl() == "" || video.StorageError() != "" {
			t.Errorf("file = %v, storage error %q", f, video.StorageError())
		}
		if usd, ok := video.CostUSD(); !ok || usd != 0.25 {
			t.Errorf("cost = %v, %v; want 0.25 USD", usd, ok)
		}
		if video.RequestID() == "" || !strings.Contains(video.String(), video.RequestID()) {
			t.Errorf("request ID %q, String %q", video.RequestID(), video)
		}

		reqs := srv.Requests()
		if len(reqs) != 3 {
			t.Fatalf("%d calls, want a start and two polls", len(reqs))
		}
		for _, r := range reqs {
			if got := r.Metadata.Get("x-job"); len(got) != 1 {
				t.Errorf("%s lacks the call metadata", r.FullMethod)
			}
		}
		d, secs := xaiv1.VideoAspectRatio_VIDEO_ASPECT_RATIO_9_16, int32(5)
		res, audio, two := xaiv1.VideoResolution_VIDEO_RESOLUTION_720P, true, int64(7200)
		img := func(u string, d xaiv1.ImageDetail) *xaiv1.ImageUrlContent {
			return &xaiv1.ImageUrlContent{Source: &xaiv1.ImageUrlContent_ImageUrl{ImageUrl: u}, Detail: d}
		}
		want := &xaiv1.GenerateVideoRequest{
			Model: "grok-imagine-video", Prompt: "a fox in the snow", Duration: &secs, AspectRatio: &d, Resolution: &res,
			Image:           img(testPNGURL, xaiv1.ImageDetail_DETAIL_HIGH),
			ReferenceImages: []*xaiv1.ImageUrlContent{img(testPNGURL, xaiv1.ImageDetail_DETAIL_AUTO), img("https://example.com/b.jpg", xaiv1.ImageDetail_DETAIL_LOW)},
			GenerateAudio:   &audio,
			ReferenceAudios: []*xaiv1.AudioUrlContent{{Source: &xaiv1.AudioUrlContent_VoiceId{VoiceId: "voice-1"}}},
			StorageOptions:  &xaiv1.StorageOptions{Filename: "fox.mp4", ExpiresAfter: &two, PublicUrl: &xaiv1.PublicUrlOptions{}},
		}
		if reqs[0].FullMethod != xaiv1.Video_GenerateVideo_FullMethodName || !proto.Equal(reqs[0].Message, want) {
			t.Errorf("sent %s %v\nwant %v", reqs[0].FullMethod, reqs[0].Message, want)
		}
	})
}

func TestVideoManualPolling(t *testing.T) {
	t.Parallel()
	_, c := newFake(t, true)
	ctx := context.Background()
	id, err := c.Video.Generate(ctx, "grok-imagine-video", "a slow sunrise")
	if err != nil || id == "" {
		t.Fatalf("Generate = %q, %v", id, err)
	}
	v, done, err := c.Video.Get(ctx, id)
	if err != nil || done || v.Progress() != 50 || v.URL() != "" || v.RequestID() != id {
		t.Fatalf("first Get = %v, %v, %v; want pending at 50%%", v, done, err)
	}
	if !strings.Contains(v.String(), "50% done") {
		t.Errorf("String of a pending video: %q", v)
	}
	v, done, err = c.Video.Get(ctx, id)
	if err != nil || !done || v.URL() == "" || v.Duration() != 6*time.Second {
		t.Fatalf("second Get = %v, %v, %v; want done", v, done, err)
	}
	// Wait on a finished request returns at once.
	w, err := c.Video.Wait(ctx, id, WithPollInterval(time.Hour))
	if err != nil || w.URL() != v.URL() {
		t.Fatalf("Wait = %v, %v", w, err)
	}
	_, _, err = c.Video.Get(ctx, "no-such-request")
	checkErr(t, err, codes.NotFound, "no-such-request")
	if !IsNotFound(err) {
		t.Error("IsNotFound is false for an unknown request")
	}
}

func TestVideoExtend(t *testing.T) {
	t.Parallel()
	srv, c := newFake(t, true)
	ctx := context.Background()
	src := VideoURL("https://example.com/clip.mp4")
	v, err := c.Video.ExtendAndWait(ctx, "grok-imagine-video", "then it rains", src,
		WithVideoDuration(3*time.Second), WithVideoStorage(Storage{}), PollOptions{WithPollInterval(time.Millisecond)})
	if err != nil {
		t.Fatal(err)
	}
	if v.Duration() != 3*time.Second || v.File() == nil {
		t.Errorf("extension = %v, file %v", v, v.File())
	}
	secs := int32(3)
	want := &xaiv1.ExtendVideoRequest{Model: "grok-imagine-video", Prompt: "then it rains", Duration: &secs,
		Video: src.Proto(), StorageOptions: &xaiv1.StorageOptions{}}
	if got := sentOf(srv, xaiv1.Video_ExtendVideo_FullMethodName); len(got) != 1 || !proto.Equal(got[0], want) {
		t.Errorf("sent %v, want %v", got, want)
	}

	id, err := c.Video.Extend(ctx, "grok-imagine-video", "more", VideoFileID(v.File().GetFileId()))
	if err != nil {
		t.Fatal(err)
	}
	if v, err := c.Video.Wait(ctx, id, WithPollInterval(time.Millisecond)); err != nil || v.URL() == "" {
		t.Fatalf("Wait = %v, %v", v, err)
	}
	_, err = c.Video.Extend(ctx, "grok-imagine-video", "more", VideoFileID("file_nope"))
	checkErr(t, err, codes.NotFound, "file_nope")
}

// TestVideoValidation checks that invalid calls fail with InvalidArgument
// before anything is sent.
func TestVideoValidation(t *testing.T) {
	t.Parallel()
	srv, c := newFake(t, true)
	ctx := context.Background()
	const m, p = "grok-imagine-video", "a cat"
	gen := func(opts ...VideoOption) error { _, err := c.Video.Generate(ctx, m, p, opts...); return err }
	checkInvalidCalls(t, srv, []errCase{
		{"empty model", func() error { _, err := c.Video.Generate(ctx, " ", p); return err }(), []string{"model name is empty"}},
		{"empty prompt", func() error { _, err := c.Video.Generate(ctx, m, ""); return err }(), []string{"prompt is empty"}},
		{"nil option", gen(nil), []string{"option 0 is nil"}},
		{"zero duration", gen(WithVideoDuration(0)), []string{"WithVideoDuration", "at least one second"}},
		{"fractional duration", gen(WithVideoDuration(1500 * time.Millisecond)), []string{"whole seconds"}},
		{"huge duration", gen(WithVideoDuration((math.MaxInt32 + 1) * time.Second)), []string{"too long"}},
		{"aspect", gen(WithVideoAspectRatio("21:9")), []string{"WithVideoAspectRatio", "21:9"}},
		{"resolution", gen(WithVideoResolution("4k")), []string{"WithVideoResolution", "4k"}},
		{"http image", gen(WithVideoImage(ImageURL("http://example.com/a.png", DetailAuto))), []string{"scheme"}},
		{"text as image", gen(WithVideoImage(Text("hi"))), []string{"WithVideoImage", "not an image"}},
		{"zero part", gen(WithVideoImage(Part{})), []string{"not an image"}},
		{"no reference images", gen(WithVideoReferenceImages()), []string{"no images"}},
		{"bad reference image", gen(WithVideoReferenceImages(ImageURL(testPNGURL, DetailAuto), ImageFileID("", DetailAuto))), []string{"image 1", "file ID is empty"}},
		{"http video", gen(WithSourceVideo(VideoURL("http://example.com/a.mp4"))), []string{"WithSourceVideo", "https"}},
		{"image data URL", gen(WithSourceVideo(VideoURL("data:image/png;base64,AAAA"))), []string{"video type"}},
		{"not base64", gen(WithSourceVideo(VideoURL("data:video/mp4,AAAA"))), []string{"not base64"}},
		{"no comma", gen(WithSourceVideo(VideoURL("data:video/mp4;base64"))), []string{"no comma"}},
		{"empty video URL", gen(WithSourceVideo(VideoURL(""))), []string{"video URL is empty"}},
		{"no host", gen(WithSourceVideo(VideoURL("https:///a.mp4"))), []string{"no host"}},
		{"empty file ID", gen(WithSourceVideo(VideoFileID(" "))), []string{"file ID is empty"}},
		{"zero video", gen(WithSourceVideo(VideoInput{})), []string{"video is empty"}},
		{"no voices", gen(WithVideoVoices()), []string{"no voice IDs"}},
		{"blank voice", gen(WithVideoVoices("a", "")), []string{"voice ID 1"}},
		{"short storage", gen(WithVideoStorage(Storage{ExpiresAfter: time.Minute})), []string{"ExpiresAfter", "between"}},
		{"fractional storage", gen(WithVideoStorage(Storage{ExpiresAfter: time.Hour + time.Millisecond})), []string{"whole number of seconds"}},
		{"link without public", gen(WithVideoStorage(Storage{PublicURLExpiresAfter: time.Hour})), []string{"PublicURL is false"}},
		{"long link", gen(WithVideoStorage(Storage{PublicURL: true, PublicURLExpiresAfter: 1000 * time.Hour})), []string{"PublicURLExpiresAfter"}},
		{"poll options without waiting", gen(PollOptions{WithPollInterval(time.Second)}), []string{"PollOptions", "GenerateAndWait"}},
		{"bad call option", gen(CallOptions{WithCallTimeout(-1)}), []string{"WithCallTimeout"}},
		{"extend with aspect", func() error {
			_, err := c.Video.Extend(ctx, m, p, VideoURL("https://example.com/a.mp4"), WithVideoAspectRatio(VideoAspect1x1), WithVideoAudio(false))
			return err
		}(), []string{"WithVideoAspectRatio, WithVideoAudio", "extending"}},
		{"extend without video", func() error { _, err := c.Video.Extend(ctx, m, p, VideoInput{}); return err }(), []string{"Video.Extend", "video is empty"}},
		{"extend empty prompt", func() error {
			_, err := c.Video.ExtendAndWait(ctx, m, "", VideoURL("https://example.com/a.mp4"))
			return err
		}(), []string{"prompt is empty"}},
		{"nil poll option", func() error {
			_, err := c.Video.GenerateAndWait(ctx, m, p, PollOptions{WithPollInterval(time.Second), nil})
			return err
		}(), []string{"PollOptions: option 1 is nil"}},
		{"nil wait option", func() error { _, err := c.Video.Wait(ctx, "req-1", nil); return err }(), []string{"Video.Wait: option 0 is nil"}},
		{"bad poll interval", func() error {
			_, err := c.Video.GenerateAndWait(ctx, m, p, PollOptions{WithPollInterval(0)})
			return err
		}(), []string{"WithPollInterval"}},
		{"bad poll timeout", func() error {
			_, err := c.Video.ExtendAndWait(ctx, m, p, VideoURL("https://example.com/a.mp4"), PollOptions{WithPollTimeout(-time.Second)})
			return err
		}(), []string{"WithPollTimeout"}},
		{"Get without ID", func() error { _, _, err := c.Video.Get(ctx, ""); return err }(), []string{"Video.Get", "request ID is empty"}},
		{"Wait without ID", func() error { _, err := c.Video.Wait(ctx, " "); return err }(), []string{"Video.Wait"}},
		{"Wait bad option", func() error { _, err := c.Video.Wait(ctx, "id", WithPollTimeout(0)); return err }(), []string{"WithPollTimeout"}},
		{"zero service", func() error { _, err := (&VideoService{}).Generate(ctx, m, p); return err }(), []string{"client.Video"}},
		{"nil service", func() error { _, err := (*VideoService)(nil).Wait(ctx, "id"); return err }(), []string{"client.Video"}},
	})
}

func TestVideoServerErrors(t *testing.T) {
	t.Parallel()
	srv, c := newFake(t, true)
	ctx := context.Background()
	// The server's own checks, with their codes.
	_, err := c.Video.Generate(ctx, "grok-imagine-video", "x", WithVideoDuration(16*time.Second))
	checkErr(t, err, codes.InvalidArgument, "between 1 and 15")
	_, err = c.Video.Generate(ctx, "grok-imagine-video", "x", WithVideoResolution(VideoResolution1080p))
	checkErr(t, err, codes.InvalidArgument, "not offered")
	_, err = c.Video.Generate(ctx, "grok-4", "x")
	checkErr(t, err, codes.InvalidArgument, "not a video generation model")

	// Retries apply: UNAVAILABLE twice, then the call goes through.
	srv.ResetRequests()
	srv.InjectFault(xaiv1.Video_GenerateVideo_FullMethodName, xaitest.Fault{Code: codes.Unavailable, Times: 2})
	if _, err := c.Video.Generate(ctx, "grok-imagine-video", "x"); err != nil {
		t.Fatalf("Generate after two UNAVAILABLE: %v", err)
	}
	if n := len(sentOf(srv, xaiv1.Video_GenerateVideo_FullMethodName)); n != 3 {
		t.Errorf("%d attempts, want 3", n)
	}
	srv.InjectFault(xaiv1.Video_GenerateVideo_FullMethodName, xaitest.Fault{Code: codes.Unavailable, Message: "down"})
	_, err = c.Video.GenerateAndWait(ctx, "grok-imagine-video", "x", CallOptions{WithoutRetry()})
	checkErr(t, err, codes.Unavailable, "down")

	// A failed poll ends Wait with the poll's code.
	srv.InjectFault(xaiv1.Video_GetDeferredVideo_FullMethodName, xaitest.Fault{Code: codes.PermissionDenied, Message: "no video for you"})
	_, err = c.Video.GenerateAndWait(ctx, "grok-imagine-video", "x", PollOptions{WithPollInterval(time.Millisecond)})
	checkErr(t, err, codes.PermissionDenied, "no video for you")
}

func TestVideoFailedAndExpired(t *testing.T) {
	t.Parallel()
	srv, c := newFake(t, true)
	ctx := context.Background()
	fast := PollOptions{WithPollInterval(time.Millisecond)}

	srv.EnqueueVideoOutcome(xaitest.VideoOutcome{PendingPolls: 2, Status: xaiv1.DeferredStatus_FAILED,
		Error: &xaiv1.VideoError{Code: "content_moderation", Message: "the prompt was flagged"}})
	_, err := c.Video.GenerateAndWait(ctx, "grok-imagine-video", "x", fast)
	checkErr(t, err, codes.Internal, "failed on the server", "content_moderation: the prompt was flagged")
	var xerr *Error
	if !errors.As(err, &xerr) || len(xerr.Details) != 1 {
		t.Fatalf("details of %v: %v", err, xerr)
	}
	if ve, ok := xerr.Details[0].(*xaiv1.VideoError); !ok || ve.GetCode() != "content_moderation" {
		t.Errorf("detail = %#v, want the VideoError", xerr.Details[0])
	}

	srv.EnqueueVideoOutcome(xaitest.VideoOutcome{Status: xaiv1.DeferredStatus_FAILED, PendingPolls: -1})
	_, err = c.Video.GenerateAndWait(ctx, "grok-imagine-video", "x", fast)
	checkErr(t, err, codes.Internal, "failed on the server")

	srv.EnqueueVideoOutcome(xaitest.VideoOutcome{Status: xaiv1.DeferredStatus_EXPIRED})
	_, err = c.Video.GenerateAndWait(ctx, "grok-imagine-video", "x", fast)
	checkErr(t, err, codes.NotFound, "expired")

	srv.EnqueueVideoOutcome(xaitest.VideoOutcome{Error: &xaiv1.VideoError{Code: "storage", Message: "disk full"}})
	_, err = c.Video.GenerateAndWait(ctx, "grok-imagine-video", "x", fast)
	checkErr(t, err, codes.Internal, "storage: disk full")

	// Expired by the passing of time.
	id, err := c.Video.Generate(ctx, "grok-imagine-video", "x")
	if err != nil {
		t.Fatal(err)
	}
	srv.Clock().Advance(25 * time.Hour)
	_, _, err = c.Video.Get(ctx, id)
	checkErr(t, err, codes.NotFound, id, "expired")

	// The poll timeout, and the caller's cancellation.
	srv.EnqueueVideoOutcome(xaitest.VideoOutcome{PendingPolls: 1 << 20})
	_, err = c.Video.GenerateAndWait(ctx, "grok-imagine-video", "x",
		PollOptions{WithPollInterval(2 * time.Millisecond), WithPollTimeout(40 * time.Millisecond)})
	checkErr(t, err, codes.DeadlineExceeded, "still running", "client.Video.Get", "WithPollTimeout")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Error("the poll timeout does not unwrap to context.DeadlineExceeded")
	}
	// The caller's own deadline is not the poll timeout.
	srv.EnqueueVideoOutcome(xaitest.VideoOutcome{PendingPolls: 1 << 20})
	dctx, dcancel := context.WithTimeout(ctx, 40*time.Millisecond)
	defer dcancel()
	_, err = c.Video.GenerateAndWait(dctx, "grok-imagine-video", "x", PollOptions{WithPollInterval(2 * time.Millisecond)})
	checkErr(t, err, codes.DeadlineExceeded)
	if strings.Contains(err.Error(), "poll timeout") {
		t.Errorf("the caller's deadline was reported as the poll timeout: %v", err)
	}
	srv.EnqueueVideoOutcome(xaitest.VideoOutcome{PendingPolls: 1 << 20})
	cctx, cancel := context.WithCancel(ctx)
	time.AfterFunc(30*time.Millisecond, cancel)
	_, err = c.Video.GenerateAndWait(cctx, "grok-imagine-video", "x", PollOptions{WithPollInterval(2 * time.Millisecond)})
	checkErr(t, err, codes.Canceled)
}

// videoStub answers GetDeferredVideo with a fixed response.
type videoStub struct {
	xaiv1.UnimplementedVideoServer
	reply *xaiv1.GetDeferredVideoResponse
}

func (v *videoStub) GetDeferredVideo(context.Context, *xaiv1.GetDeferredVideoRequest) (*xaiv1.GetDeferredVideoResponse, error) {
	return v.reply, nil
}

// TestVideoStatuses covers the answers the fake never gives.
func TestVideoStatuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		reply *xaiv1.GetDeferredVideoResponse
		code  codes.Code
		msg   string
	}{
		{"invalid", &xaiv1.GetDeferredVideoResponse{}, codes.Unknown, "INVALID_DEFERRED_STATUS"},
		{"unknown", &xaiv1.GetDeferredVideoResponse{Status: 42}, codes.Unknown, "42"},
		{"done without video", &xaiv1.GetDeferredVideoResponse{Status: xaiv1.DeferredStatus_DONE, Response: &xaiv1.VideoResponse{}}, codes.Internal, "no video"},
		{"done without response", &xaiv1.GetDeferredVideoResponse{Status: xaiv1.DeferredStatus_DONE}, codes.Internal, "no video"},
		{"failed without response", &xaiv1.GetDeferredVideoResponse{Status: xaiv1.DeferredStatus_FAILED}, codes.Internal, "without saying why"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := startStubClient(t, func(gs *grpc.Server) { xaiv1.RegisterVideoServer(gs, &videoStub{reply: tt.reply}) })
			_, err := c.Video.Wait(context.Background(), "req-1")
			checkErr(t, err, tt.code, "req-1", tt.msg)
		})
	}
	// A pending answer without a response is a pending video at 0%.
	c := startStubClient(t, func(gs *grpc.Server) {
		xaiv1.RegisterVideoServer(gs, &videoStub{reply: &xaiv1.GetDeferredVideoResponse{Status: xaiv1.DeferredStatus_PENDING}})
	})
	v, done, err := c.Video.Get(context.Background(), "req-1")
	if err != nil || done || v.Progress() != 0 || v.Proto() != nil {
		t.Errorf("Get = %v, %v, %v", v, done, err)
	}
}

func TestVideoNilAccessors(t *testing.T) {
	t.Parallel()
	var v *Video
	if v.URL() != "" || v.Duration() != 0 || v.Model() != "" || v.Progress() != 0 || v.RespectsModeration() ||
		v.File() != nil || v.StorageError() != "" || v.Usage() != nil || v.RequestID() != "" || v.Proto() != nil || v.String() != "<nil>" {
		t.Error("a nil *Video has non-zero accessors")
	}
	if _, ok := v.CostUSD(); ok {
		t.Error("a nil *Video reports a cost")
	}
	if (VideoInput{}).Proto() != nil || (VideoInput{}).Err() != nil {
		t.Error("zero VideoInput")
	}
	if err := VideoURL("ftp://x/y").Err(); err == nil || !IsInvalidArgument(err) {
		t.Errorf("VideoURL(ftp) error = %v", err)
	}
}
