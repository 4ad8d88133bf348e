package xaitest_test

import (
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
	"github.com/gogrok/sdk/xai/xaitest"
)

func videoReq(prompt string) *xaiv1.GenerateVideoRequest {
	return &xaiv1.GenerateVideoRequest{Model: "grok-imagine-video", Prompt: prompt}
}

// poll asks once for a video job and fails the test on error.
func poll(t *testing.T, v xaiv1.VideoClient, id string) *xaiv1.GetDeferredVideoResponse {
	t.Helper()
	r, err := v.GetDeferredVideo(ctx(t), &xaiv1.GetDeferredVideoRequest{RequestId: id})
	if err != nil {
		t.Fatalf("GetDeferredVideo(%s): %v", id, err)
	}
	return r
}

func startVideo(t *testing.T, v xaiv1.VideoClient, req *xaiv1.GenerateVideoRequest) string {
	t.Helper()
	r, err := v.GenerateVideo(ctx(t), req)
	if err != nil {
		t.Fatalf("GenerateVideo: %v", err)
	}
	if r.GetRequestId() == "" {
		t.Fatal("GenerateVideo returned no request ID")
	}
	return r.GetRequestId()
}

func TestVideoPendingThenDone(t *testing.T) {
	_, v := startClient(t, xaiv1.NewVideoClient)
	req := videoReq("a fox in the snow")
	req.Model = "grok-imagine-video-latest" // an alias
	id := startVideo(t, v, req)

	first := poll(t, v, id)
	if first.GetStatus() != xaiv1.DeferredStatus_PENDING || first.GetResponse().GetProgress() != 50 {
		t.Fatalf("first poll = %v, progress %d; want PENDING at 50%%", first.GetStatus(), first.GetResponse().GetProgress())
	}
	if first.GetResponse().GetVideo() != nil {
		t.Error("a pending job already has a video")
	}
	done := poll(t, v, id)
	resp := done.GetResponse()
	if done.GetStatus() != xaiv1.DeferredStatus_DONE || resp.GetProgress() != 100 {
		t.Fatalf("second poll = %v, progress %d; want DONE at 100%%", done.GetStatus(), resp.GetProgress())
	}
	url := resp.GetVideo().GetUrl()
	if !strings.HasPrefix(url, "https://vidgen.xaitest.invalid/") || !strings.HasSuffix(url, ".mp4") {
		t.Errorf("url = %q", url)
	}
	if resp.GetModel() != "grok-imagine-video" || resp.GetVideo().GetDuration() != 6 || !resp.GetVideo().GetRespectModeration() {
		t.Errorf("response = %v; want the canonical model, the default 6 s, moderation passed", resp)
	}
	if resp.GetUsage().GetCostInUsdTicks() != 6*500000000 || resp.GetUsage().GetPromptTokens() == 0 {
		t.Errorf("usage = %v", resp.GetUsage())
	}
	if again := poll(t, v, id); !proto.Equal(again, done) {
		t.Error("a done job changed between polls")
	}

	// The same request gives the same URL; another prompt or duration
	// another one.
	req2 := videoReq("a fox in the snow")
	id2 := startVideo(t, v, req2)
	poll(t, v, id2)
	if got := poll(t, v, id2).GetResponse().GetVideo().GetUrl(); got != url {
		t.Errorf("same request: url %q, want %q", got, url)
	}
	req3 := videoReq("a fox in the snow")
	req3.Duration = ptr[int32](10)
	id3 := startVideo(t, v, req3)
	poll(t, v, id3)
	r3 := poll(t, v, id3).GetResponse()
	if r3.GetVideo().GetUrl() == url || r3.GetVideo().GetDuration() != 10 {
		t.Errorf("duration 10: %v", r3.GetVideo())
	}
}

func TestVideoValidation(t *testing.T) {
	_, v := startClient(t, xaiv1.NewVideoClient)
	with := func(f func(r *xaiv1.GenerateVideoRequest)) *xaiv1.GenerateVideoRequest {
		r := videoReq("a cat")
		f(r)
		return r
	}
	httpImage := &xaiv1.ImageUrlContent{Source: &xaiv1.ImageUrlContent_ImageUrl{ImageUrl: "http://example.com/a.png"}, Detail: xaiv1.ImageDetail_DETAIL_AUTO}
	tests := []struct {
		name string
		req  *xaiv1.GenerateVideoRequest
		code codes.Code
		msg  string
	}{
		{"empty prompt", with(func(r *xaiv1.GenerateVideoRequest) { r.Prompt = " " }), codes.InvalidArgument, "prompt is required"},
		{"empty model", with(func(r *xaiv1.GenerateVideoRequest) { r.Model = "" }), codes.InvalidArgument, "model is required"},
		{"chat model", with(func(r *xaiv1.GenerateVideoRequest) { r.Model = "grok-4" }), codes.InvalidArgument, "not a video generation model"},
		{"duration 0", with(func(r *xaiv1.GenerateVideoRequest) { r.Duration = ptr[int32](0) }), codes.InvalidArgument, "duration"},
		{"duration 16", with(func(r *xaiv1.GenerateVideoRequest) { r.Duration = ptr[int32](16) }), codes.InvalidArgument, "between 1 and 15"},
		{"aspect", with(func(r *xaiv1.GenerateVideoRequest) { r.AspectRatio = ptr[xaiv1.VideoAspectRatio](42) }), codes.InvalidArgument, "aspect_ratio"},
		{"1080p", with(func(r *xaiv1.GenerateVideoRequest) {
			r.Resolution = ptr(xaiv1.VideoResolution_VIDEO_RESOLUTION_1080P)
		}), codes.InvalidArgument, "not offered"},
		{"http image", with(func(r *xaiv1.GenerateVideoRequest) { r.Image = httpImage }), codes.InvalidArgument, "https"},
		{"http reference", with(func(r *xaiv1.GenerateVideoRequest) { r.ReferenceImages = []*xaiv1.ImageUrlContent{httpImage} }), codes.InvalidArgument, "reference_images[0]"},
		{"http video", with(func(r *xaiv1.GenerateVideoRequest) {
			r.Video = &xaiv1.VideoUrlContent{Source: &xaiv1.VideoUrlContent_Url{Url: "http://example.com/a.mp4"}}
		}), codes.InvalidArgument, "https"},
		{"image data URL as video", with(func(r *xaiv1.GenerateVideoRequest) {
			r.Video = &xaiv1.VideoUrlContent{Source: &xaiv1.VideoUrlContent_Url{Url: "data:image/png;base64,AAAA"}}
		}), codes.InvalidArgument, "data URL of a video"},
		{"unknown video file", with(func(r *xaiv1.GenerateVideoRequest) {
			r.Video = &xaiv1.VideoUrlContent{Source: &xaiv1.VideoUrlContent_FileId{FileId: "file_nope"}}
		}), codes.NotFound, "file_nope"},
		{"empty voice", with(func(r *xaiv1.GenerateVideoRequest) {
			r.ReferenceAudios = []*xaiv1.AudioUrlContent{{}}
		}), codes.InvalidArgument, "voice_id"},
		{"short storage", with(func(r *xaiv1.GenerateVideoRequest) {
			r.StorageOptions = &xaiv1.StorageOptions{ExpiresAfter: ptr[int64](60)}
		}), codes.InvalidArgument, "expires_after"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := v.GenerateVideo(ctx(t), tt.req)
			wantCode(t, err, tt.code, tt.msg)
		})
	}

	_, err := v.ExtendVideo(ctx(t), &xaiv1.ExtendVideoRequest{Model: "grok-imagine-video", Prompt: "more"})
	wantCode(t, err, codes.InvalidArgument, "video is required")
	_, err = v.ExtendVideo(ctx(t), &xaiv1.ExtendVideoRequest{Model: "grok-imagine-video", Video: &xaiv1.VideoUrlContent{}})
	wantCode(t, err, codes.InvalidArgument, "prompt is required")
	_, err = v.GetDeferredVideo(ctx(t), &xaiv1.GetDeferredVideoRequest{})
	wantCode(t, err, codes.InvalidArgument, "request_id")
	_, err = v.GetDeferredVideo(ctx(t), &xaiv1.GetDeferredVideoRequest{RequestId: "nope"})
	wantCode(t, err, codes.NotFound, "nope")
}

func TestVideoExpiry(t *testing.T) {
	clock := xaitest.NewClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	_, v := startClient(t, xaiv1.NewVideoClient, xaitest.WithClock(clock))
	id := startVideo(t, v, videoReq("later"))
	clock.Advance(24 * time.Hour)
	if st := poll(t, v, id).GetStatus(); st != xaiv1.DeferredStatus_EXPIRED {
		t.Fatalf("after 24 h: %v, want EXPIRED", st)
	}
	clock.Advance(24 * time.Hour)
	_, err := v.GetDeferredVideo(ctx(t), &xaiv1.GetDeferredVideoRequest{RequestId: id})
	wantCode(t, err, codes.NotFound, id)
}

func TestVideoScriptedOutcomes(t *testing.T) {
	srv, v := startClient(t, xaiv1.NewVideoClient)
	srv.EnqueueVideoOutcome(xaitest.VideoOutcome{PendingPolls: 3, Status: xaiv1.DeferredStatus_FAILED,
		Error: &xaiv1.VideoError{Code: "moderation", Message: "flagged"}})
	srv.EnqueueVideoOutcome(xaitest.VideoOutcome{PendingPolls: -1, Status: xaiv1.DeferredStatus_EXPIRED})
	srv.EnqueueVideoOutcome(xaitest.VideoOutcome{PendingPolls: -1, Error: &xaiv1.VideoError{Code: "storage", Message: "oops"}})
	srv.EnqueueVideoOutcome(xaitest.VideoOutcome{PendingPolls: -1, Status: xaiv1.DeferredStatus_FAILED})

	// A rejected request uses no script.
	if _, err := v.GenerateVideo(ctx(t), videoReq("")); err == nil {
		t.Fatal("empty prompt accepted")
	}
	failed := startVideo(t, v, videoReq("one"))
	for i, want := range []int32{25, 50, 75} {
		r := poll(t, v, failed)
		if r.GetStatus() != xaiv1.DeferredStatus_PENDING || r.GetResponse().GetProgress() != want {
			t.Fatalf("poll %d = %v at %d%%, want PENDING at %d%%", i, r.GetStatus(), r.GetResponse().GetProgress(), want)
		}
	}
	r := poll(t, v, failed)
	if r.GetStatus() != xaiv1.DeferredStatus_FAILED || r.GetResponse().GetError().GetCode() != "moderation" {
		t.Fatalf("last poll = %v", r)
	}

	if st := poll(t, v, startVideo(t, v, videoReq("two"))).GetStatus(); st != xaiv1.DeferredStatus_EXPIRED {
		t.Errorf("scripted EXPIRED: %v", st)
	}
	r = poll(t, v, startVideo(t, v, videoReq("three")))
	if r.GetStatus() != xaiv1.DeferredStatus_DONE || r.GetResponse().GetError().GetMessage() != "oops" || r.GetResponse().GetVideo() != nil {
		t.Errorf("scripted DONE with error: %v", r)
	}
	r = poll(t, v, startVideo(t, v, videoReq("four")))
	if r.GetStatus() != xaiv1.DeferredStatus_FAILED || r.GetResponse().GetError().GetMessage() == "" {
		t.Errorf("scripted FAILED without error: %v", r)
	}
	// Scripts are used up: the default behaviour is back.
	if st := poll(t, v, startVideo(t, v, videoReq("five"))).GetStatus(); st != xaiv1.DeferredStatus_PENDING {
		t.Errorf("unscripted first poll: %v", st)
	}
}

func TestVideoStorageAndExtend(t *testing.T) {
	srv, v := startClient(t, xaiv1.NewVideoClient)
	files := xaiv1.NewFilesClient(srv.Conn())
	req := videoReq("stored")
	req.StorageOptions = &xaiv1.StorageOptions{ExpiresAfter: ptr[int64](3600), PublicUrl: &xaiv1.PublicUrlOptions{}}
	id := startVideo(t, v, req)
	poll(t, v, id)
	out := poll(t, v, id).GetResponse().GetVideo().GetFileOutput()
	if out.GetFilename() != "video.mp4" || out.GetFileId() == "" || out.GetPublicUrl() == "" || out.GetExpiresAt() == nil {
		t.Fatalf("file output = %v", out)
	}
	if again := poll(t, v, id).GetResponse().GetVideo().GetFileOutput(); again.GetFileId() != out.GetFileId() {
		t.Error("polling again stored the video again")
	}
	data, _, err := download(t, files, out.GetFileId())
	if err != nil || !strings.Contains(string(data[:12]), "ftyp") {
		t.Fatalf("stored file: %q, %v", data, err)
	}

	// Extend the stored video by file ID, then a video given by URL.
	ext, err := v.ExtendVideo(ctx(t), &xaiv1.ExtendVideoRequest{
		Model: "grok-imagine-video", Prompt: "and then it rains", Duration: ptr[int32](4),
		Video: &xaiv1.VideoUrlContent{Source: &xaiv1.VideoUrlContent_FileId{FileId: out.GetFileId()}},
	})
	if err != nil {
		t.Fatal(err)
	}
	poll(t, v, ext.GetRequestId())
	if d := poll(t, v, ext.GetRequestId()).GetResponse().GetVideo().GetDuration(); d != 4 {
		t.Errorf("extension duration %d, want 4", d)
	}
	ext, err = v.ExtendVideo(ctx(t), &xaiv1.ExtendVideoRequest{
		Model: "grok-imagine-video", Prompt: "more",
		Video: &xaiv1.VideoUrlContent{Source: &xaiv1.VideoUrlContent_Url{Url: "data:video/mp4;base64,AAAA"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	poll(t, v, ext.GetRequestId())
	if st := poll(t, v, ext.GetRequestId()).GetStatus(); st != xaiv1.DeferredStatus_DONE {
		t.Errorf("extension by data URL: %v", st)
	}
}
