package xaitest

import (
	"bytes"
	"encoding/base64"
	"net/url"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
)

// maxImageBytes is the real service's limit on one decoded input image.
const maxImageBytes = 20 << 20

// Prompt tokens charged for one input image, by detail level. The real
// service derives the count from the image's size; the fake uses fixed
// numbers so tests can predict usage.
const (
	ImageTokensLow  = 256  // DETAIL_LOW
	ImageTokensAuto = 1024 // DETAIL_AUTO
	ImageTokensHigh = 1792 // DETAIL_HIGH
)

// imageTokens returns the prompt tokens an image of that detail costs; an
// unset detail is auto.
func imageTokens(d xaiv1.ImageDetail) int {
	switch d {
	case xaiv1.ImageDetail_DETAIL_LOW:
		return ImageTokensLow
	case xaiv1.ImageDetail_DETAIL_HIGH:
		return ImageTokensHigh
	default:
		return ImageTokensAuto
	}
}

var (
	pngMagic  = []byte("\x89PNG\r\n\x1a\n")
	jpegMagic = []byte{0xff, 0xd8, 0xff}
)

// sniffImage names the image format of b from its first bytes, or returns
// "" when it is not a format the fake knows.
func sniffImage(b []byte) string {
	switch {
	case bytes.HasPrefix(b, pngMagic):
		return "PNG"
	case bytes.HasPrefix(b, jpegMagic):
		return "JPEG"
	case bytes.HasPrefix(b, []byte("GIF8")):
		return "GIF"
	case len(b) >= 12 && string(b[:4]) == "RIFF" && string(b[8:12]) == "WEBP":
		return "WebP"
	}
	return ""
}

// checkImage validates an input image as the real service does: an https
// URL (not fetched), a base64 data URL of a PNG or JPEG image of at most
// 20 MiB, or the ID of an uploaded PNG or JPEG file; and a detail level of
// auto, low or high. where names the field in error messages.
func (s *Server) checkImage(t team, where string, img *xaiv1.ImageUrlContent) error {
	if img == nil {
		return status.Errorf(codes.InvalidArgument, "%s: image is empty", where)
	}
	switch img.GetDetail() {
	case xaiv1.ImageDetail_DETAIL_INVALID:
		// Unset: clients that leave the detail out (the wire default) get
		// auto, as with the Go SDK, which sends DETAIL_AUTO.
	case xaiv1.ImageDetail_DETAIL_AUTO, xaiv1.ImageDetail_DETAIL_LOW, xaiv1.ImageDetail_DETAIL_HIGH:
	default:
		return status.Errorf(codes.InvalidArgument,
			"%s.detail is %v; use DETAIL_AUTO, DETAIL_LOW or DETAIL_HIGH", where, img.GetDetail())
	}
	switch src := img.GetSource().(type) {
	case *xaiv1.ImageUrlContent_ImageUrl:
		return s.checkImageURL(where+".image_url", src.ImageUrl)
	case *xaiv1.ImageUrlContent_FileId:
		data, ok := s.fileData(t, src.FileId)
		if !ok {
			return status.Errorf(codes.NotFound, "%s.file_id: file %q not found", where, src.FileId)
		}
		if f := sniffImage(data); f != "PNG" && f != "JPEG" {
			return status.Errorf(codes.InvalidArgument, "%s.file_id: file %q is not a PNG or JPEG image", where, src.FileId)
		}
		return nil
	default:
		return status.Errorf(codes.InvalidArgument, "%s: set image_url or file_id", where)
	}
}

// checkImageURL validates an image given by URL.
func (s *Server) checkImageURL(where, raw string) error {
	if raw == "" {
		return status.Errorf(codes.InvalidArgument, "%s is empty", where)
	}
	if len(raw) >= 5 && strings.EqualFold(raw[:5], "data:") {
		return s.checkDataURL(where, raw[5:])
	}
	return checkHTTPS(where, raw)
}

// checkHTTPS accepts only absolute https URLs, which the fake never fetches.
func checkHTTPS(where, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" {
		return status.Errorf(codes.InvalidArgument,
			"%s is not an absolute URL; use https://... (images also accept data:image/png;base64,... and data:image/jpeg;base64,...)", where)
	}
	if !strings.EqualFold(u.Scheme, "https") {
		return status.Errorf(codes.InvalidArgument, "%s must use https, not %s", where, u.Scheme)
	}
	if u.Host == "" {
		return status.Errorf(codes.InvalidArgument, "%s has no host", where)
	}
	return nil
}

// checkDataURL validates the part of a data URL after "data:".
func (s *Server) checkDataURL(where, rest string) error {
	meta, data, ok := strings.Cut(rest, ",")
	if !ok {
		return status.Errorf(codes.InvalidArgument, "%s is a malformed data URL: no comma before the data", where)
	}
	mediaType, isBase64 := strings.CutSuffix(meta, ";base64")
	if !isBase64 {
		return status.Errorf(codes.InvalidArgument,
			"%s: the data URL must be base64-encoded (data:image/png;base64,...)", where)
	}
	var want string
	switch strings.ToLower(mediaType) {
	case "image/png":
		want = "PNG"
	case "image/jpeg", "image/jpg":
		want = "JPEG"
	default:
		return status.Errorf(codes.InvalidArgument,
			"%s: unsupported image type %q; only image/png and image/jpeg are accepted", where, mediaType)
	}
	// Check the size before decoding, so an oversized image costs nothing.
	if n := decodedLen(data); n > s.cfg.maxImageBytes {
		return status.Errorf(codes.InvalidArgument,
			"%s: the image is %d bytes, over the limit of %d bytes (20 MiB)", where, n, s.cfg.maxImageBytes)
	}
	raw, err := base64.StdEncoding.DecodeString(data)
	if err != nil {
		return status.Errorf(codes.InvalidArgument, "%s: invalid base64 data: %v", where, err)
	}
	if got := sniffImage(raw); got != want {
		if got == "" {
			got = "not an image format the service accepts"
		} else {
			got = "a " + got + " image"
		}
		return status.Errorf(codes.InvalidArgument,
			"%s: the data URL says %s but the bytes are %s", where, mediaType, got)
	}
	return nil
}

// decodedLen returns the number of bytes standard base64 text decodes to.
func decodedLen(b64 string) int {
	n := len(b64) / 4 * 3
	switch {
	case strings.HasSuffix(b64, "=="):
		n -= 2
	case strings.HasSuffix(b64, "="):
		n--
	}
	return n
}
