package xai

import (
	"bytes"
	"context"
	"image/png"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	"github.com/gogrok/sdk/xai/xaitest"
)

// mediaFake starts a fake that serves the media it generates, on clock,
// and a client for it.
func mediaFake(t *testing.T, clock *xaitest.Clock) (*xaitest.Server, *Client, *http.Client) {
	t.Helper()
	srv, c := startFake(t, false, []xaitest.Option{xaitest.WithClock(clock),
		xaitest.WithMediaServer("127.0.0.1:0"), xaitest.WithMediaLifetime(time.Hour)})
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	return srv, c, &http.Client{Transport: tr}
}

// TestImageDownloadFromFake downloads generated images from the fake's
// media server: the default URL format of the official SDKs, whose
// `.image` property fetches the URL.
func TestImageDownloadFromFake(t *testing.T) {
	t.Parallel()
	clock := xaitest.NewClock(time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC))
	srv, c, hc := mediaFake(t, clock)
	ctx := context.Background()

	resp, err := c.Image.Generate(ctx, "grok-imagine-image", "a red fox in the snow", WithImageCount(2))
	if err != nil {
		t.Fatal(err)
	}
	inline, err := c.Image.Generate(ctx, "grok-imagine-image", "a red fox in the snow", WithImageCount(2),
		WithImageFormat(ImageFormatBase64))
	if err != nil {
		t.Fatal(err)
	}
	imgs := resp.Images()
	if len(imgs) != 2 || imgs[0].URL() == imgs[1].URL() {
		t.Fatalf("images = %v", resp.Proto())
	}
	for i, img := range imgs {
		if !strings.HasPrefix(img.URL(), srv.MediaURL()+"/") {
			t.Fatalf("image %d URL %q is not on the media server %q", i, img.URL(), srv.MediaURL())
		}
		got, err := img.Download(ctx, hc, MaxImageBytes)
		if err != nil {
			t.Fatalf("Download image %d: %v", i, err)
		}
		want, err := inline.Images()[i].Bytes()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("image %d: downloaded %d bytes, not the %d bytes of the base64 answer", i, len(got), len(want))
		}
		if _, err := png.Decode(bytes.NewReader(got)); err != nil {
			t.Errorf("image %d is not a PNG: %v", i, err)
		}
	}

	// The size limit applies to what the server sends.
	_, err = imgs[0].Download(ctx, hc, 10)
	checkErr(t, err, codes.ResourceExhausted, "maxBytes")

	// Links are temporary: once the fake's clock passes their lifetime the
	// media server answers 410 Gone, which Download reports as NotFound.
	clock.Advance(time.Hour)
	_, err = imgs[0].Download(ctx, hc, MaxImageBytes)
	checkErr(t, err, codes.NotFound, "410")
}

// TestVideoURLFromFake fetches a generated video from the fake's media
// server. Package xai has no video download helper; the URL is all a
// caller gets, so the test fetches it as a caller would.
func TestVideoURLFromFake(t *testing.T) {
	t.Parallel()
	clock := xaitest.NewClock(time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC))
	srv, c, hc := mediaFake(t, clock)
	ctx := context.Background()

	video, err := c.Video.GenerateAndWait(ctx, "grok-imagine-video", "waves on a beach", PollOptions{WithPollInterval(time.Millisecond)})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(video.URL(), srv.MediaURL()+"/") || !strings.HasSuffix(video.URL(), ".mp4") {
		t.Fatalf("video URL %q is not on the media server %q", video.URL(), srv.MediaURL())
	}
	get := func() (int, []byte) {
		t.Helper()
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, video.URL(), nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, body
	}
	if code, body := get(); code != http.StatusOK || !bytes.Contains(body, []byte("ftyp")) {
		t.Fatalf("GET video: %d, %q", code, body)
	}
	clock.Advance(time.Hour)
	if code, _ := get(); code != http.StatusGone {
		t.Fatalf("GET expired video: %d, want 410", code)
	}
}
