package xaitest_test

import (
	"encoding/base64"
	"fmt"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
	"github.com/gogrok/sdk/xai/xaitest"
)

func dataURL(mime string, b []byte) string {
	return "data:" + mime + ";base64," + base64.StdEncoding.EncodeToString(b)
}

func TestChatImages(t *testing.T) {
	_, chat := startClient(t, xaiv1.NewChatClient)
	pngBytes, jpegBytes := encode(t, "png"), encode(t, "jpeg")
	const auto, low, high = xaiv1.ImageDetail_DETAIL_AUTO, xaiv1.ImageDetail_DETAIL_LOW, xaiv1.ImageDetail_DETAIL_HIGH
	cases := []struct {
		name     string
		model    string
		images   []*xaiv1.Content
		code     codes.Code
		fragment string
		tokens   int32
	}{
		{"https url", "grok-4", []*xaiv1.Content{image("https://example.com/cat.png", auto)}, codes.OK, "", xaitest.ImageTokensAuto},
		{"png data url low", "grok-4", []*xaiv1.Content{image(dataURL("image/png", pngBytes), low)}, codes.OK, "", xaitest.ImageTokensLow},
		{"jpeg data url high", "grok-4", []*xaiv1.Content{image(dataURL("image/jpeg", jpegBytes), high)}, codes.OK, "", xaitest.ImageTokensHigh},
		{"two images", "grok-2-vision", []*xaiv1.Content{image("https://example.com/a.jpg", low), image(dataURL("image/png", pngBytes), high)}, codes.OK, "", xaitest.ImageTokensLow + xaitest.ImageTokensHigh},
		{"http url", "grok-4", []*xaiv1.Content{image("http://example.com/cat.png", auto)}, codes.InvalidArgument, "must use https, not http", 0},
		{"ftp url", "grok-4", []*xaiv1.Content{image("ftp://example.com/cat.png", auto)}, codes.InvalidArgument, "must use https, not ftp", 0},
		{"relative url", "grok-4", []*xaiv1.Content{image("cat.png", auto)}, codes.InvalidArgument, "not an absolute URL", 0},
		{"gif mime", "grok-4", []*xaiv1.Content{image(dataURL("image/gif", []byte("GIF89a....")), auto)}, codes.InvalidArgument, `unsupported image type "image/gif"`, 0},
		{"bad base64", "grok-4", []*xaiv1.Content{image("data:image/png;base64,!!!notbase64", auto)}, codes.InvalidArgument, "invalid base64", 0},
		{"not base64", "grok-4", []*xaiv1.Content{image("data:image/png,rawbytes", auto)}, codes.InvalidArgument, "must be base64-encoded", 0},
		{"png says jpeg", "grok-4", []*xaiv1.Content{image(dataURL("image/png", jpegBytes), auto)}, codes.InvalidArgument, "says image/png but the bytes are a JPEG image", 0},
		{"jpeg says text", "grok-4", []*xaiv1.Content{image(dataURL("image/jpeg", []byte("hello world")), auto)}, codes.InvalidArgument, "bytes are not an image format", 0},
		{"detail unset is auto", "grok-4", []*xaiv1.Content{image("https://example.com/cat.png", xaiv1.ImageDetail_DETAIL_INVALID)}, codes.OK, "", xaitest.ImageTokensAuto},
		{"detail unknown", "grok-4", []*xaiv1.Content{image("https://example.com/cat.png", xaiv1.ImageDetail(9))}, codes.InvalidArgument, "detail is 9", 0},
		{"no source", "grok-4", []*xaiv1.Content{{Content: &xaiv1.Content_ImageUrl{ImageUrl: &xaiv1.ImageUrlContent{Detail: auto}}}}, codes.InvalidArgument, "set image_url or file_id", 0},
		{"unknown file", "grok-4", []*xaiv1.Content{{Content: &xaiv1.Content_ImageUrl{ImageUrl: &xaiv1.ImageUrlContent{
			Source: &xaiv1.ImageUrlContent_FileId{FileId: "file_missing"}, Detail: auto}}}}, codes.NotFound, `file "file_missing" not found`, 0},
		{"text-only model", "grok-3", []*xaiv1.Content{image("https://example.com/cat.png", auto)}, codes.InvalidArgument, `model "grok-3" does not accept image input`, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := chat.GetCompletion(ctx(t), chatReq(tc.model, user("what is this?", tc.images...)))
			if tc.code != codes.OK {
				wantCode(t, err, tc.code, tc.fragment, "messages[0].content[1]")
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			u := resp.GetUsage()
			if u.GetPromptImageTokens() != tc.tokens || u.GetPromptTokens() != u.GetPromptTextTokens()+u.GetPromptImageTokens() {
				t.Fatalf("usage %v, want %d image tokens", u, tc.tokens)
			}
			want := fmt.Sprintf("I received %d image", len(tc.images))
			if !strings.Contains(content(resp, 0), want) {
				t.Fatalf("content %q lacks %q", content(resp, 0), want)
			}
		})
	}
}
