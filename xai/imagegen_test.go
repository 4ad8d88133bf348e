package xai

import (
	"bytes"
	"context"
	"errors"
	"image/png"
	"math"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
	"github.com/gogrok/sdk/xai/xaitest"
)

func TestImageGenerateURL(t *testing.T) {
	t.Parallel()
	transports(t, func(t *testing.T, useBufconn bool) {
		srv, c := newFake(t, useBufconn)
		resp, err := c.Image.Generate(context.Background(), "grok-2-image", "a red fox in the snow")
		if err != nil {
			t.Fatal(err)
		}
		imgs := resp.Images()
		if len(imgs) != 1 || !strings.HasPrefix(imgs[0].URL(), "https://") || imgs[0].Base64() != "" || !imgs[0].RespectsModeration() {
			t.Fatalf("images = %v", resp.Proto())
		}
		if resp.Model() != "grok-2-image-1212" || resp.Usage() == nil || imgs[0].Proto() == nil {
			t.Errorf("response = %v", resp.Proto())
		}
		if usd, ok := resp.CostUSD(); !ok || usd <= 0 {
			t.Errorf("CostUSD = %v, %v", usd, ok)
		}
		_, err = imgs[0].Bytes()
		checkErr(t, err, codes.FailedPrecondition, "Download", "ImageFormatBase64")
		req := srv.Requests()[0].Message.(*xaiv1.GenerateImageRequest)
		if req.GetFormat() != xaiv1.ImageFormat_IMG_FORMAT_URL || req.GetPrompt() != "a red fox in the snow" || req.GetModel() != "grok-2-image" ||
			req.N != nil || req.AspectRatio != nil || req.Resolution != nil || req.Quality != nil || req.Image != nil || req.StorageOptions != nil {
			t.Errorf("request = %v", req)
		}
	})
}

func TestImageGenerateOptions(t *testing.T) {
	t.Parallel()
	srv, c := newFake(t, false)
	ctx := context.Background()
	resp, err := c.Image.Generate(ctx, "grok-imagine-image", "a lighthouse at dusk",
		WithImageCount(3), WithImageFormat(ImageFormatBase64), WithImageAspectRatio(ImageAspect16x9),
		WithImageResolution(ImageResolution2K), WithImageQuality(ImageQualityHigh), WithImageUser("u-9"),
		CallOptions{WithCallMetadata("x-img", "1")})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Images()) != 3 {
		t.Fatalf("%d images, want 3", len(resp.Images()))
	}
	for i, img := range resp.Images() {
		data, err := img.Bytes()
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := png.DecodeConfig(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("image %d is not a PNG: %v", i, err)
		}
		if cfg.Width != 128 || cfg.Height != 72 { // 2K, 16:9
			t.Errorf("image %d is %dx%d, want 128x72", i, cfg.Width, cfg.Height)
		}
		// Download decodes base64 images too, within the limit.
		got, err := img.Download(ctx, nil, int64(len(data)))
		if err != nil || !bytes.Equal(got, data) {
			t.Errorf("Download of a base64 image = %d bytes, %v", len(got), err)
		}
		_, err = img.Download(ctx, nil, int64(len(data)-1))
		checkErr(t, err, codes.ResourceExhausted, "over maxBytes")
	}
	r := srv.Requests()[0]
	req := r.Message.(*xaiv1.GenerateImageRequest)
	want := &xaiv1.GenerateImageRequest{
		Prompt: "a lighthouse at dusk", Model: "grok-imagine-image", N: ptr[int32](3), User: "u-9",
		Format:      xaiv1.ImageFormat_IMG_FORMAT_BASE64,
		AspectRatio: ptr(xaiv1.ImageAspectRatio_IMG_ASPECT_RATIO_16_9),
		Resolution:  ptr(xaiv1.ImageResolution_IMG_RESOLUTION_2K),
		Quality:     ptr(xaiv1.ImageQuality_IMG_QUALITY_HIGH),
	}
	if req.String() != want.String() {
		t.Errorf("request =\n%v\nwant\n%v", req, want)
	}
	if got := r.Metadata.Get("x-img"); len(got) != 1 {
		t.Errorf("call metadata not sent: %v", r.Metadata)
	}
}

func TestImageEnumsMapped(t *testing.T) {
	t.Parallel()
	for r, pb := range imageAspects {
		c := imageConfig{req: &xaiv1.GenerateImageRequest{}}
		if err := WithImageAspectRatio(r).applyImage(&c); err != nil || c.req.GetAspectRatio() != pb {
			t.Errorf("WithImageAspectRatio(%q) = %v, %v", r, c.req.GetAspectRatio(), err)
		}
	}
	if len(imageAspects) != len(xaiv1.ImageAspectRatio_name)-1 {
		t.Errorf("%d aspect ratios mapped, the API has %d", len(imageAspects), len(xaiv1.ImageAspectRatio_name)-1)
	}
	for q, pb := range map[ImageQuality]xaiv1.ImageQuality{
		ImageQualityLow: xaiv1.ImageQuality_IMG_QUALITY_LOW, ImageQualityMedium: xaiv1.ImageQuality_IMG_QUALITY_MEDIUM,
		ImageQualityHigh: xaiv1.ImageQuality_IMG_QUALITY_HIGH,
	} {
		c := imageConfig{req: &xaiv1.GenerateImageRequest{}}
		if err := WithImageQuality(q).applyImage(&c); err != nil || c.req.GetQuality() != pb {
			t.Errorf("WithImageQuality(%q) = %v, %v", q, c.req.GetQuality(), err)
		}
	}
	c := imageConfig{req: &xaiv1.GenerateImageRequest{}}
	if err := WithImageResolution(ImageResolution1K).applyImage(&c); err != nil || c.req.GetResolution() != xaiv1.ImageResolution_IMG_RESOLUTION_1K {
		t.Errorf("WithImageResolution(1k) = %v, %v", c.req.GetResolution(), err)
	}
	if err := WithImageFormat(ImageFormatURL).applyImage(&c); err != nil || c.req.GetFormat() != xaiv1.ImageFormat_IMG_FORMAT_URL {
		t.Errorf("WithImageFormat(url) = %v, %v", c.req.GetFormat(), err)
	}
}

func TestImageSourcesAndStorage(t *testing.T) {
	t.Parallel()
	srv, c := newFake(t, false)
	ctx := context.Background()
	stored, err := c.Image.Generate(ctx, "grok-2-image", "a blue bird",
		WithImageStorage(Storage{Filename: "bird.png", ExpiresAfter: 2 * time.Hour, PublicURL: true, PublicURLExpiresAfter: time.Hour}))
	if err != nil {
		t.Fatal(err)
	}
	f := stored.Images()[0].File()
	if f.GetFileId() == "" || f.GetFilename() != "bird.png" || f.GetPublicUrl() == "" || f.GetExpiresAt() == nil || stored.Images()[0].StorageError() != "" {
		t.Fatalf("file output = %v", f)
	}
	wantStorage := &xaiv1.StorageOptions{Filename: "bird.png", ExpiresAfter: ptr[int64](7200), PublicUrl: &xaiv1.PublicUrlOptions{ExpiresAfter: ptr[int64](3600)}}
	if got := srv.Requests()[0].Message.(*xaiv1.GenerateImageRequest).GetStorageOptions(); got.String() != wantStorage.String() {
		t.Errorf("storage options = %v, want %v", got, wantStorage)
	}

	// One source image: the request's image.
	if _, err := c.Image.Generate(ctx, "grok-2-image", "make it red", WithSourceImages(ImageFileID(f.GetFileId(), DetailHigh))); err != nil {
		t.Fatal(err)
	}
	req := srv.Requests()[1].Message.(*xaiv1.GenerateImageRequest)
	if req.GetImage().GetFileId() != f.GetFileId() || req.GetImage().GetDetail() != xaiv1.ImageDetail_DETAIL_HIGH || len(req.GetImages()) != 0 {
		t.Errorf("one source: request = %v", req)
	}

	// Several: the request's images, in order.
	srcs := []Part{ImageURL("https://example.com/a.jpg", DetailAuto), ImageBytes(fakeJPEG(32), DetailLow), ImageFileID(f.GetFileId(), DetailAuto)}
	if _, err := c.Image.Generate(ctx, "grok-2-image", "combine them", WithSourceImages(srcs...)); err != nil {
		t.Fatal(err)
	}
	req = srv.Requests()[2].Message.(*xaiv1.GenerateImageRequest)
	if req.GetImage() != nil || len(req.GetImages()) != 3 || req.GetImages()[0].GetImageUrl() != "https://example.com/a.jpg" ||
		!strings.HasPrefix(req.GetImages()[1].GetImageUrl(), "data:image/jpeg;base64,") || req.GetImages()[2].GetFileId() != f.GetFileId() {
		t.Errorf("several sources: request = %v", req)
	}
	// The parts were copied, not shared with the request.
	if srcs[0].Proto().GetImageUrl() == req.GetImages()[0] {
		t.Error("the request shares the part's message")
	}
}

func TestImageValidation(t *testing.T) {
	t.Parallel()
	srv, c := newFake(t, false)
	ctx := context.Background()
	// gen asks for a cat with the options of a case.
	gen := func(opts ...ImageOption) error {
		_, err := c.Image.Generate(ctx, "grok-2-image", "a cat", opts...)
		return err
	}
	checkInvalidCalls(t, srv, []errCase{
		{"no model", func() error { _, err := c.Image.Generate(ctx, "", "a cat"); return err }(), []string{"Image.Generate", "model name is empty"}},
		{"no prompt", func() error { _, err := c.Image.Generate(ctx, "grok-2-image", " "); return err }(), []string{"prompt is empty"}},
		{"nil option", gen(nil), []string{"option 0 is nil"}},
		{"count 0", gen(WithImageCount(0)), []string{"WithImageCount", "between 1 and 10"}},
		{"count 11", gen(WithImageCount(11)), []string{"WithImageCount"}},
		{"format", gen(WithImageFormat("png")), []string{"WithImageFormat", `"png"`}},
		{"aspect", gen(WithImageAspectRatio("5:4")), []string{"WithImageAspectRatio", `"5:4"`}},
		{"resolution", gen(WithImageResolution("4k")), []string{"WithImageResolution", `"4k"`}},
		{"quality", gen(WithImageQuality("ultra")), []string{"WithImageQuality", `"ultra"`}},
		{"no sources", gen(WithSourceImages()), []string{"WithSourceImages", "no images"}},
		{"text source", gen(WithSourceImages(Text("x"))), []string{"image 0", "not an image"}},
		{"file source", gen(WithSourceImages(ImageURL("https://x.com/a.png", DetailAuto), FileID("f"))), []string{"image 1", "not an image"}},
		{"zero source", gen(WithSourceImages(Part{})), []string{"empty xai.Part"}},
		{"gif source", gen(WithSourceImages(ImageBytes(gifBytes, DetailAuto))), []string{"image 0", "GIF"}},
		{"http source", gen(WithSourceImages(ImageURL("http://x.com/a.png", DetailAuto))), []string{"https"}},
		{"bad detail", gen(WithSourceImages(ImageURL("https://x.com/a.png", Detail(7)))), []string{"Detail(7)"}},
		{"negative lifetime", gen(WithImageStorage(Storage{ExpiresAfter: -time.Hour})), []string{"WithImageStorage", "ExpiresAfter"}},
		{"short lifetime", gen(WithImageStorage(Storage{ExpiresAfter: time.Minute})), []string{"between 1h0m0s and 720h0m0s"}},
		{"long lifetime", gen(WithImageStorage(Storage{ExpiresAfter: 31 * 24 * time.Hour})), []string{"ExpiresAfter"}},
		{"fractional lifetime", gen(WithImageStorage(Storage{ExpiresAfter: time.Hour + time.Millisecond})), []string{"whole number of seconds"}},
		{"link lifetime", gen(WithImageStorage(Storage{PublicURL: true, PublicURLExpiresAfter: time.Second})), []string{"PublicURLExpiresAfter"}},
		{"link without link", gen(WithImageStorage(Storage{PublicURLExpiresAfter: time.Hour})), []string{"PublicURL is false"}},
		{"bad call option", gen(CallOptions{WithCallMetadata("odd")}), []string{"WithCallMetadata"}},
	})
}

func TestImageServerErrors(t *testing.T) {
	t.Parallel()
	srv, c := newFake(t, false)
	ctx := context.Background()
	_, err := c.Image.Generate(ctx, "grok-4", "a cat") // not an image model
	checkErr(t, err, codes.InvalidArgument, "grok-4")

	_, err = c.Image.Generate(ctx, "grok-2-image", "edit", WithSourceImages(ImageFileID("file-missing", DetailAuto)))
	checkErr(t, err, codes.NotFound, "file-missing")

	srv.InjectFault(xaiv1.Image_GenerateImage_FullMethodName, xaitest.Fault{Code: codes.ResourceExhausted, Message: "image quota"})
	_, err = c.Image.Generate(ctx, "grok-2-image", "a cat")
	checkErr(t, err, codes.ResourceExhausted, "image quota")

	srv.InjectFault(xaiv1.Image_GenerateImage_FullMethodName, xaitest.Fault{Code: codes.Unavailable, Times: 1})
	if _, err := c.Image.Generate(ctx, "grok-2-image", "a cat"); err != nil {
		t.Errorf("a transient fault was not retried: %v", err)
	}
	srv.InjectFault(xaiv1.Image_GenerateImage_FullMethodName, xaitest.Fault{Code: codes.Unavailable, Times: 1})
	_, err = c.Image.Generate(ctx, "grok-2-image", "a cat", CallOptions{WithoutRetry()})
	checkErr(t, err, codes.Unavailable)

	srv.SetLatency(time.Second)
	_, err = c.Image.Generate(ctx, "grok-2-image", "a cat", CallOptions{WithCallTimeout(20 * time.Millisecond)})
	checkErr(t, err, codes.DeadlineExceeded)
}

func TestGeneratedImageBytes(t *testing.T) {
	t.Parallel()
	data := fakePNG(40)
	img := func(pb *xaiv1.GeneratedImage) GeneratedImage { return GeneratedImage{pb: pb} }
	for _, b := range []string{b64(data), "data:image/png;base64," + b64(data), "DATA:image/png;BASE64," + b64(data)} {
		got, err := img(&xaiv1.GeneratedImage{Image: &xaiv1.GeneratedImage_Base64{Base64: b}}).Bytes()
		if err != nil || !bytes.Equal(got, data) {
			t.Errorf("Bytes(%.30q) = %d bytes, %v", b, len(got), err)
		}
	}
	_, err := img(&xaiv1.GeneratedImage{Image: &xaiv1.GeneratedImage_Base64{Base64: "data:image/png," + b64(data)}}).Bytes()
	checkErr(t, err, codes.Internal, "not base64-encoded")
	_, err = img(&xaiv1.GeneratedImage{Image: &xaiv1.GeneratedImage_Base64{Base64: "not base64!"}}).Bytes()
	checkErr(t, err, codes.Internal, "not valid base64")
	_, err = img(&xaiv1.GeneratedImage{}).Bytes()
	checkErr(t, err, codes.FailedPrecondition, "neither")
	_, err = GeneratedImage{}.Bytes()
	checkErr(t, err, codes.FailedPrecondition)

	var nilResp *ImageResponse
	if nilResp.Images() == nil || len(nilResp.Images()) != 0 || nilResp.Model() != "" || nilResp.Proto() != nil {
		t.Error("nil *ImageResponse accessors are not zero")
	}
	if _, ok := nilResp.CostUSD(); ok {
		t.Error("nil *ImageResponse reports a cost")
	}
}

// imageServer serves data at /img.png over TLS on loopback, and answers
// other paths with the status in their name ("/status/404").
func imageServer(t *testing.T, data []byte) *httptest.Server {
	t.Helper()
	release := make(chan struct{})
	ts := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/img.png":
			w.Header().Set("Content-Type", "image/png")
			w.Write(data)
		case r.URL.Path == "/chunked.png": // no Content-Length
			w.Header().Set("Content-Type", "image/png")
			for i := 0; i < len(data); i += 16 {
				w.Write(data[i:min(i+16, len(data))])
				w.(http.Flusher).Flush()
			}
		case r.URL.Path == "/slow.png":
			// Never answers while the test runs: only the client's context
			// can end the request. (Waiting on r.Context() instead let the
			// handler return an empty 200 when the server saw the
			// connection end first.)
			<-release
		case strings.HasPrefix(r.URL.Path, "/status/"):
			code, _ := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/status/"))
			http.Error(w, "no", code)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(ts.Close)
	t.Cleanup(func() { close(release) }) // runs first: lets ts.Close finish
	return ts
}

func urlImage(u string) GeneratedImage {
	return GeneratedImage{pb: &xaiv1.GeneratedImage{Image: &xaiv1.GeneratedImage_Url{Url: u}}}
}

func TestGeneratedImageDownload(t *testing.T) {
	t.Parallel()
	data := fakePNG(1000)
	ts := imageServer(t, data)
	hc := ts.Client()
	ctx := context.Background()

	got, err := urlImage(ts.URL+"/img.png").Download(ctx, hc, int64(len(data)))
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("Download = %d bytes, %v", len(got), err)
	}
	got, err = urlImage(ts.URL+"/chunked.png").Download(ctx, hc, int64(len(data)))
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("Download (chunked) = %d bytes, %v", len(got), err)
	}

	got, err = urlImage(ts.URL+"/chunked.png").Download(ctx, hc, math.MaxInt64)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("Download without a practical limit = %d bytes, %v", len(got), err)
	}

	// Over the limit, announced by Content-Length or found while reading.
	_, err = urlImage(ts.URL+"/img.png").Download(ctx, hc, 999)
	checkErr(t, err, codes.ResourceExhausted, "1000 bytes", "999")
	_, err = urlImage(ts.URL+"/chunked.png").Download(ctx, hc, 999)
	checkErr(t, err, codes.ResourceExhausted, "larger than maxBytes")

	for status, code := range map[int]codes.Code{
		404: codes.NotFound, 410: codes.NotFound, 401: codes.PermissionDenied, 403: codes.PermissionDenied,
		429: codes.ResourceExhausted, 500: codes.Unavailable, 503: codes.Unavailable, 418: codes.Unknown,
	} {
		_, err := urlImage(ts.URL+"/status/"+strconv.Itoa(status)).Download(ctx, hc, 1<<20)
		checkErr(t, err, code, strconv.Itoa(status))
	}

	// The caller's context bounds the download.
	cctx, cancel := context.WithCancel(ctx)
	time.AfterFunc(20*time.Millisecond, cancel)
	_, err = urlImage(ts.URL+"/slow.png").Download(cctx, hc, 1<<20)
	checkErr(t, err, codes.Canceled)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("errors.Is(%v, context.Canceled) is false", err)
	}
	dctx, cancel2 := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel2()
	_, err = urlImage(ts.URL+"/slow.png").Download(dctx, hc, 1<<20)
	checkErr(t, err, codes.DeadlineExceeded)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("errors.Is(%v, context.DeadlineExceeded) is false", err)
	}

	// The default client does not trust the test server's certificate.
	_, err = urlImage(ts.URL+"/img.png").Download(ctx, nil, 1<<20)
	checkErr(t, err, codes.Unavailable, "certificate")
	t.Cleanup(http.DefaultClient.CloseIdleConnections)

	_, err = urlImage(ts.URL+"/img.png").Download(ctx, hc, 0)
	checkErr(t, err, codes.InvalidArgument, "maxBytes")
	_, err = urlImage("ftp://example.com/a.png").Download(ctx, hc, 1<<20)
	checkErr(t, err, codes.Internal, "not an http or https URL")
	_, err = GeneratedImage{}.Download(ctx, hc, 1<<20)
	checkErr(t, err, codes.FailedPrecondition, "neither")
}
