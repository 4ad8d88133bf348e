package xaitest_test

import (
	"bytes"
	"encoding/base64"
	"image/png"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
	"github.com/gogrok/sdk/xai/xaitest"
)

// httpClient returns a client of its own whose connections end with the
// test.
func httpClient(t *testing.T) *http.Client {
	t.Helper()
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

// fetch GETs u and returns the status code, content type and body.
func fetch(t *testing.T, c *http.Client, method, u string) (int, string, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx(t), method, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header.Get("Content-Type"), body
}

func TestMediaServerServesImagesUntilTheyExpire(t *testing.T) {
	clock := xaitest.NewClock(time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC))
	srv := start(t, xaitest.WithClock(clock), xaitest.WithMediaServer("127.0.0.1:0"), xaitest.WithMediaLifetime(30*time.Minute))
	hc := httpClient(t)
	img := xaiv1.NewImageClient(srv.Conn())
	if !strings.HasPrefix(srv.MediaURL(), "http://127.0.0.1:") {
		t.Fatalf("MediaURL = %q", srv.MediaURL())
	}

	req := &xaiv1.GenerateImageRequest{Model: "grok-imagine-image", Prompt: "a lighthouse", Format: xaiv1.ImageFormat_IMG_FORMAT_URL}
	byURL, err := img.GenerateImage(ctx(t), req)
	if err != nil {
		t.Fatal(err)
	}
	u := byURL.GetImages()[0].GetUrl()
	if !strings.HasPrefix(u, srv.MediaURL()+"/imgen/") || !strings.HasSuffix(u, ".png") {
		t.Fatalf("image URL %q is not on the media server %s", u, srv.MediaURL())
	}
	req.Format = xaiv1.ImageFormat_IMG_FORMAT_BASE64
	byData, err := img.GenerateImage(ctx(t), req)
	if err != nil {
		t.Fatal(err)
	}
	want, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(byData.GetImages()[0].GetBase64(), "data:image/png;base64,"))
	if err != nil {
		t.Fatal(err)
	}

	code, ctype, body := fetch(t, hc, http.MethodGet, u)
	if code != http.StatusOK || ctype != "image/png" || !bytes.Equal(body, want) {
		t.Fatalf("GET %s: %d %q, %d bytes; want 200 image/png with the image of the base64 answer", u, code, ctype, len(body))
	}
	if _, err := png.Decode(bytes.NewReader(body)); err != nil {
		t.Fatalf("served image is not a PNG: %v", err)
	}
	if code, _, body := fetch(t, hc, http.MethodHead, u); code != http.StatusOK || len(body) != 0 {
		t.Errorf("HEAD: %d, %d bytes", code, len(body))
	}
	if code, _, _ := fetch(t, hc, http.MethodPost, u); code != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d, want 405", code)
	}
	if code, _, _ := fetch(t, hc, http.MethodGet, srv.MediaURL()+"/imgen/0000.png"); code != http.StatusNotFound {
		t.Errorf("unknown media: %d, want 404", code)
	}

	clock.Advance(30*time.Minute - time.Second)
	if code, _, _ := fetch(t, hc, http.MethodGet, u); code != http.StatusOK {
		t.Fatalf("a second before expiry: %d, want 200", code)
	}
	clock.Advance(time.Second)
	if code, _, _ := fetch(t, hc, http.MethodGet, u); code != http.StatusGone {
		t.Fatalf("at expiry: %d, want 410", code)
	}
}

func TestMediaServerServesVideos(t *testing.T) {
	srv, vid := startClient(t, xaiv1.NewVideoClient, xaitest.WithMediaServer("127.0.0.1:0"))
	started, err := vid.GenerateVideo(ctx(t), &xaiv1.GenerateVideoRequest{Model: "grok-imagine-video", Prompt: "waves"})
	if err != nil {
		t.Fatal(err)
	}
	var done *xaiv1.GetDeferredVideoResponse
	for i := 0; i < 10 && done == nil; i++ { // jobs end after one PENDING poll by default
		r, err := vid.GetDeferredVideo(ctx(t), &xaiv1.GetDeferredVideoRequest{RequestId: started.GetRequestId()})
		if err != nil {
			t.Fatal(err)
		}
		if r.GetStatus() == xaiv1.DeferredStatus_DONE {
			done = r
		}
	}
	if done == nil {
		t.Fatal("the video never finished")
	}
	u := done.GetResponse().GetVideo().GetUrl()
	if !strings.HasPrefix(u, srv.MediaURL()+"/vidgen/") || !strings.HasSuffix(u, ".mp4") {
		t.Fatalf("video URL %q is not on the media server", u)
	}
	code, ctype, body := fetch(t, httpClient(t), http.MethodGet, u)
	if code != http.StatusOK || ctype != "video/mp4" || !bytes.Contains(body[:min(len(body), 12)], []byte("ftyp")) {
		t.Fatalf("GET %s: %d %q %q", u, code, ctype, body)
	}
}

func TestMediaServerOptIn(t *testing.T) {
	srv := start(t)
	if srv.MediaURL() != "" {
		t.Fatalf("MediaURL without WithMediaServer = %q", srv.MediaURL())
	}
	resp, err := xaiv1.NewImageClient(srv.Conn()).GenerateImage(ctx(t), &xaiv1.GenerateImageRequest{Model: "grok-imagine-image", Prompt: "a kite"})
	if err != nil {
		t.Fatal(err)
	}
	if u := resp.GetImages()[0].GetUrl(); !strings.HasPrefix(u, "https://imgen.xaitest.invalid/") {
		t.Fatalf("image URL without a media server = %q", u)
	}
	if _, err := xaitest.NewServer(xaitest.WithMediaServer("127.0.0.1:0"), xaitest.WithMediaLifetime(0)); err == nil {
		t.Fatal("NewServer accepted a media lifetime of 0")
	}
	if _, err := xaitest.NewServer(xaitest.WithMediaServer("256.0.0.1:1")); err == nil {
		t.Fatal("NewServer accepted an unusable media address")
	}
}

// TestMediaServerClosesWithServer: Close stops the media listener too
// (goleak in TestMain checks its goroutines).
func TestMediaServerClosesWithServer(t *testing.T) {
	srv, err := xaitest.NewServer(xaitest.WithMediaServer("127.0.0.1:0"), xaitest.WithBufconn())
	if err != nil {
		t.Fatal(err)
	}
	base := srv.MediaURL()
	hc := httpClient(t)
	if code, _, _ := fetch(t, hc, http.MethodGet, base+"/imgen/none.png"); code != http.StatusNotFound {
		t.Fatalf("before Close: %d", code)
	}
	srv.Close()
	hc.Transport.(*http.Transport).CloseIdleConnections()
	if resp, err := hc.Get(base + "/imgen/none.png"); err == nil {
		resp.Body.Close()
		t.Fatal("the media server still answers after Close")
	}
}
