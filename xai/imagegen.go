package xai

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"strings"

	"google.golang.org/grpc/codes"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
)

// ImageService creates images from a text prompt with Grok image models,
// or edits images given as sources. Use it as [Client.Image].
type ImageService struct {
	stub xaiv1.ImageClient
}

// ready reports whether the service can make calls.
func (s *ImageService) ready() error { return checkMade(s != nil && s.stub != nil, "Image") }

// MaxImageCount is the largest number of images one Generate call may ask
// for ([WithImageCount]).
const MaxImageCount = 10

// ImageOption sets a field of an image generation request; pass options to
// [ImageService.Generate], with [CallOptions] to change the call itself. An
// option given an invalid value makes Generate fail before sending. When an
// option is given twice, the last one wins.
type ImageOption interface {
	applyImage(*imageConfig) error
}

type imageConfig struct {
	req  *xaiv1.GenerateImageRequest
	call []CallOption
}

type imageOptionFunc func(*imageConfig) error

func (f imageOptionFunc) applyImage(c *imageConfig) error { return f(c) }

func (o CallOptions) applyImage(c *imageConfig) error {
	c.call = append(c.call, o...)
	return nil
}

// ImageFormat is how generated images are returned: as a download link or
// as base64 data.
type ImageFormat string

// Image formats.
const (
	// ImageFormatURL returns a temporary link to each image (the default):
	// fetch it soon with [GeneratedImage.Download].
	ImageFormatURL ImageFormat = "url"
	// ImageFormatBase64 returns each image's data in the response: read it
	// with [GeneratedImage.Bytes].
	ImageFormatBase64 ImageFormat = "base64"
)

// ImageAspectRatio is the width-to-height ratio of generated images.
type ImageAspectRatio string

// Image aspect ratios, named width x height.
const (
	ImageAspect1x1    ImageAspectRatio = "1:1"    // square
	ImageAspect3x4    ImageAspectRatio = "3:4"    // portrait
	ImageAspect4x3    ImageAspectRatio = "4:3"    // landscape
	ImageAspect9x16   ImageAspectRatio = "9:16"   // tall portrait (phone screen)
	ImageAspect16x9   ImageAspectRatio = "16:9"   // widescreen landscape
	ImageAspect2x3    ImageAspectRatio = "2:3"    // portrait
	ImageAspect3x2    ImageAspectRatio = "3:2"    // landscape
	ImageAspect9x19_5 ImageAspectRatio = "9:19.5" // very tall portrait (modern phone screen)
	ImageAspect19_5x9 ImageAspectRatio = "19.5:9" // very wide landscape
	ImageAspect9x20   ImageAspectRatio = "9:20"   // very tall portrait
	ImageAspect20x9   ImageAspectRatio = "20:9"   // very wide landscape
	ImageAspect1x2    ImageAspectRatio = "1:2"    // extra-tall portrait
	ImageAspect2x1    ImageAspectRatio = "2:1"    // extra-wide landscape
	// ImageAspectAuto lets the model pick the ratio that suits the prompt.
	ImageAspectAuto ImageAspectRatio = "auto"
)

var imageAspects = map[ImageAspectRatio]xaiv1.ImageAspectRatio{
	ImageAspect1x1:    xaiv1.ImageAspectRatio_IMG_ASPECT_RATIO_1_1,
	ImageAspect3x4:    xaiv1.ImageAspectRatio_IMG_ASPECT_RATIO_3_4,
	ImageAspect4x3:    xaiv1.ImageAspectRatio_IMG_ASPECT_RATIO_4_3,
	ImageAspect9x16:   xaiv1.ImageAspectRatio_IMG_ASPECT_RATIO_9_16,
	ImageAspect16x9:   xaiv1.ImageAspectRatio_IMG_ASPECT_RATIO_16_9,
	ImageAspect2x3:    xaiv1.ImageAspectRatio_IMG_ASPECT_RATIO_2_3,
	ImageAspect3x2:    xaiv1.ImageAspectRatio_IMG_ASPECT_RATIO_3_2,
	ImageAspect9x19_5: xaiv1.ImageAspectRatio_IMG_ASPECT_RATIO_9_19_5,
	ImageAspect19_5x9: xaiv1.ImageAspectRatio_IMG_ASPECT_RATIO_19_5_9,
	ImageAspect9x20:   xaiv1.ImageAspectRatio_IMG_ASPECT_RATIO_9_20,
	ImageAspect20x9:   xaiv1.ImageAspectRatio_IMG_ASPECT_RATIO_20_9,
	ImageAspect1x2:    xaiv1.ImageAspectRatio_IMG_ASPECT_RATIO_1_2,
	ImageAspect2x1:    xaiv1.ImageAspectRatio_IMG_ASPECT_RATIO_2_1,
	ImageAspectAuto:   xaiv1.ImageAspectRatio_IMG_ASPECT_RATIO_AUTO,
}

// ImageResolution is the resolution class of generated images.
type ImageResolution string

// Image resolutions.
const (
	// ImageResolution1K is the standard resolution class, the default.
	ImageResolution1K ImageResolution = "1k"
	// ImageResolution2K is the higher resolution class.
	ImageResolution2K ImageResolution = "2k"
)

// ImageQuality is the quality tier of generated images; higher tiers may
// cost more. Only some models honour it.
type ImageQuality string

// Image quality tiers.
const (
	ImageQualityLow    ImageQuality = "low"
	ImageQualityMedium ImageQuality = "medium"
	ImageQualityHigh   ImageQuality = "high"
)

// WithImageCount asks for n images, from 1 to [MaxImageCount]; the default
// is 1.
func WithImageCount(n int) ImageOption {
	return imageOptionFunc(func(c *imageConfig) (err error) {
		c.req.N, err = int32In("WithImageCount", "the image count", n, 1, MaxImageCount)
		return err
	})
}

// WithImageFormat chooses how images are returned: [ImageFormatURL] (the
// default) or [ImageFormatBase64].
func WithImageFormat(f ImageFormat) ImageOption {
	return imageOptionFunc(func(c *imageConfig) error {
		pb, err := wireValue("WithImageFormat", "format", imageFormats, f, "xai.ImageFormatURL or xai.ImageFormatBase64")
		if err == nil {
			c.req.Format = pb
		}
		return err
	})
}

var imageFormats = map[ImageFormat]xaiv1.ImageFormat{
	ImageFormatURL:    xaiv1.ImageFormat_IMG_FORMAT_URL,
	ImageFormatBase64: xaiv1.ImageFormat_IMG_FORMAT_BASE64,
}

// WithImageAspectRatio sets the shape of the images, such as
// [ImageAspect16x9] or [ImageAspectAuto]. When editing a single source image
// the output normally keeps the source's shape.
func WithImageAspectRatio(r ImageAspectRatio) ImageOption {
	return imageOptionFunc(func(c *imageConfig) error {
		pb, err := wireValue("WithImageAspectRatio", "aspect ratio", imageAspects, r, "one of the xai.ImageAspect... constants, such as xai.ImageAspect16x9")
		if err == nil {
			c.req.AspectRatio = &pb
		}
		return err
	})
}

// WithImageResolution sets the resolution class: [ImageResolution1K] (the
// default) or [ImageResolution2K].
func WithImageResolution(r ImageResolution) ImageOption {
	return imageOptionFunc(func(c *imageConfig) error {
		pb, err := wireValue("WithImageResolution", "resolution", imageResolutions, r, "xai.ImageResolution1K or xai.ImageResolution2K")
		if err == nil {
			c.req.Resolution = &pb
		}
		return err
	})
}

var imageResolutions = map[ImageResolution]xaiv1.ImageResolution{
	ImageResolution1K: xaiv1.ImageResolution_IMG_RESOLUTION_1K,
	ImageResolution2K: xaiv1.ImageResolution_IMG_RESOLUTION_2K,
}

// WithImageQuality sets the quality tier: [ImageQualityLow], [ImageQualityMedium]
// or [ImageQualityHigh]. Models that do not offer tiers ignore it.
func WithImageQuality(q ImageQuality) ImageOption {
	return imageOptionFunc(func(c *imageConfig) error {
		pb, err := wireValue("WithImageQuality", "quality", imageQualities, q, "xai.ImageQualityLow, ImageQualityMedium or ImageQualityHigh")
		if err == nil {
			c.req.Quality = &pb
		}
		return err
	})
}

var imageQualities = map[ImageQuality]xaiv1.ImageQuality{
	ImageQualityLow:    xaiv1.ImageQuality_IMG_QUALITY_LOW,
	ImageQualityMedium: xaiv1.ImageQuality_IMG_QUALITY_MEDIUM,
	ImageQualityHigh:   xaiv1.ImageQuality_IMG_QUALITY_HIGH,
}

// WithSourceImages gives the images to edit or combine, instead of
// creating one from the prompt alone: parts built with [ImageURL] (an https
// or data URL), [ImageBytes], [ImageFile] or [ImageFileID] (an image uploaded
// with the Files API), which check the images as they do for chat. One
// image is sent as the request's source image; several are sent as its
// list of source images, for models that accept more than one.
func WithSourceImages(images ...Part) ImageOption {
	return imageOptionFunc(func(c *imageConfig) error {
		out, err := imagesOfParts("WithSourceImages", images)
		if err != nil {
			return err
		}
		c.req.Image, c.req.Images = nil, nil
		if len(out) == 1 {
			c.req.Image = out[0]
		} else {
			c.req.Images = out
		}
		return nil
	})
}

// WithImageStorage saves each generated image as a file too, with the
// given settings.
func WithImageStorage(s Storage) ImageOption {
	return imageOptionFunc(func(c *imageConfig) error {
		pb, err := s.proto("WithImageStorage")
		if err != nil {
			return err
		}
		c.req.StorageOptions = pb
		return nil
	})
}

// WithImageUser sets an opaque identifier of your end user, which helps
// xAI detect abuse, as [WithUser] does for chats. Do not put personal data
// in it.
func WithImageUser(id string) ImageOption { return endUser{"WithImageUser", id} }

// imageRequest checks what every image request needs and applies opts:
// the one builder of [ImageService.Generate] and [BatchImage]. method names
// the caller in errors.
func imageRequest(method, model, prompt string, opts []ImageOption) (*imageConfig, error) {
	if err := checkModelName(method, model, "grok-2-image"); err != nil {
		return nil, err
	}
	if strings.TrimSpace(prompt) == "" {
		return nil, invalidArgument("%s: the prompt is empty; describe the image to create, or the change to make to the source images", method)
	}
	c := &imageConfig{req: &xaiv1.GenerateImageRequest{Model: model, Prompt: prompt, Format: xaiv1.ImageFormat_IMG_FORMAT_URL}}
	if err := applyAll(method, c, opts, ImageOption.applyImage); err != nil {
		return nil, err
	}
	return c, nil
}

// Generate creates images from prompt with model, an image generation
// model such as "grok-2-image", and returns them once they are all ready.
// By default it creates one image returned as a URL. The request is checked
// before anything is sent: an empty model or prompt, or an invalid option,
// gives an error with code InvalidArgument.
func (s *ImageService) Generate(ctx context.Context, model, prompt string, opts ...ImageOption) (*ImageResponse, error) {
	if err := s.ready(); err != nil {
		return nil, err
	}
	c, err := imageRequest("Image.Generate", model, prompt, opts)
	if err != nil {
		return nil, err
	}
	pb, err := s.stub.GenerateImage(ctx, c.req, grpcCallOptions(c.call)...)
	if err != nil {
		return nil, fromGRPC(err)
	}
	return &ImageResponse{pb: pb}, nil
}

// ImageResponse is the result of [ImageService.Generate]. Its accessors are
// safe on a nil *ImageResponse and return zero values.
type ImageResponse struct {
	pb *xaiv1.ImageResponse
}

// Proto returns the raw protobuf response.
func (r *ImageResponse) Proto() *xaiv1.ImageResponse {
	if r == nil {
		return nil
	}
	return r.pb
}

// Images returns the generated images, one per image requested.
func (r *ImageResponse) Images() []GeneratedImage {
	pbs := r.Proto().GetImages()
	out := make([]GeneratedImage, len(pbs))
	for i, pb := range pbs {
		out[i] = GeneratedImage{pb: pb}
	}
	return out
}

// Model returns the full name of the model that created the images.
func (r *ImageResponse) Model() string { return r.Proto().GetModel() }

// Usage returns the usage and cost of the request, or nil.
func (r *ImageResponse) Usage() *xaiv1.SamplingUsage { return r.Proto().GetUsage() }

// CostUSD returns what the request cost in US dollars, and whether the
// server reported a cost at all.
func (r *ImageResponse) CostUSD() (usd float64, ok bool) {
	u := r.Usage()
	if u == nil || u.CostInUsdTicks == nil {
		return 0, false
	}
	return float64(u.GetCostInUsdTicks()) / TicksPerUSD, true
}

// GeneratedImage is one image of an [ImageResponse]: a link to download it
// (URL) or its data (Base64), depending on [WithImageFormat].
type GeneratedImage struct {
	pb *xaiv1.GeneratedImage
}

// Proto returns the raw protobuf image.
func (g GeneratedImage) Proto() *xaiv1.GeneratedImage { return g.pb }

// URL returns the link to download the image, or "" when it was returned
// as base64. Links are temporary: fetch the image soon, with Download.
func (g GeneratedImage) URL() string { return g.pb.GetUrl() }

// Base64 returns the image data as sent by the server, base64-encoded
// (usually a data URL such as "data:image/jpeg;base64,..."), or "" when the
// image was returned as a URL. Bytes decodes it.
func (g GeneratedImage) Base64() string { return g.pb.GetBase64() }

// RespectsModeration reports whether the image passed content moderation;
// false means it was flagged.
func (g GeneratedImage) RespectsModeration() bool { return g.pb.GetRespectModeration() }

// File describes the file the image was saved to, when [WithImageStorage]
// was given and saving succeeded; otherwise nil (see StorageError).
func (g GeneratedImage) File() *xaiv1.FileOutput { return g.pb.GetFileOutput() }

// StorageError says why the image could not be saved, when
// [WithImageStorage] was given and saving failed; otherwise "".
func (g GeneratedImage) StorageError() string { return g.pb.GetStorageError() }

// Bytes returns the decoded image data of an image returned as base64
// (WithImageFormat([ImageFormatBase64])), whether the server sent it as a
// data URL or as bare base64. For an image returned as a URL it returns an
// error with code FailedPrecondition: use Download. Data that does not
// decode gives an error with code Internal.
func (g GeneratedImage) Bytes() ([]byte, error) {
	b64 := g.Base64()
	if b64 == "" {
		if g.URL() != "" {
			return nil, &Error{Code: codes.FailedPrecondition, Message: "the image was returned as a URL, not as base64 data: fetch it with Download, or ask for WithImageFormat(xai.ImageFormatBase64)"}
		}
		return nil, &Error{Code: codes.FailedPrecondition, Message: "the image has neither base64 data nor a URL"}
	}
	payload := b64
	if len(b64) >= 5 && strings.EqualFold(b64[:5], "data:") {
		meta, data, ok := strings.Cut(b64[5:], ",")
		if !ok || !strings.HasSuffix(strings.ToLower(meta), ";base64") {
			return nil, &Error{Code: codes.Internal, Message: fmt.Sprintf("the image data URL %s is not base64-encoded", quoteShort(b64))}
		}
		payload = data
	}
	data, err := base64.StdEncoding.DecodeString(payload)
	if err != nil {
		return nil, &Error{Code: codes.Internal, Message: fmt.Sprintf("the image data sent by the server is not valid base64: %v", err), cause: err}
	}
	return data, nil
}

// Download fetches the image from its URL with httpClient (nil means
// http.DefaultClient) under ctx, and returns its bytes. It refuses an image
// larger than maxBytes, which must be positive, without reading more than
// maxBytes+1 bytes of it. For an image returned as base64 it decodes the
// data instead, with the same limit.
//
// Errors are [*Error]: InvalidArgument for a maxBytes that is not positive;
// ResourceExhausted for an image over maxBytes; Canceled or
// DeadlineExceeded when ctx ends first (errors.Is finds the context error);
// Unavailable when the request fails; and for an HTTP error status,
// NotFound (404 or 410: the link may have expired), PermissionDenied (401
// or 403), ResourceExhausted (429), Unavailable (5xx) or Unknown.
func (g GeneratedImage) Download(ctx context.Context, httpClient *http.Client, maxBytes int64) ([]byte, error) {
	if maxBytes <= 0 {
		return nil, invalidArgument("Download: maxBytes is %d; it must be positive (MaxImageBytes is a sensible limit)", maxBytes)
	}
	if g.Base64() != "" {
		data, err := g.Bytes()
		if err != nil {
			return nil, err
		}
		if int64(len(data)) > maxBytes {
			return nil, imageTooBig(int64(len(data)), maxBytes)
		}
		return data, nil
	}
	raw := g.URL()
	if raw == "" {
		return nil, &Error{Code: codes.FailedPrecondition, Message: "Download: the image has neither a URL nor base64 data"}
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, &Error{Code: codes.Internal, Message: fmt.Sprintf("Download: the image URL %s sent by the server is not an http or https URL", quoteShort(raw))}
	}
	if httpClient == nil {
		httpClient = http.DefaultClient
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, &Error{Code: codes.Internal, Message: "Download: " + err.Error(), cause: err}
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		return nil, downloadError(ctx, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, &Error{Code: httpCode(resp.StatusCode), Message: fmt.Sprintf("Download: the image server answered %s", resp.Status)}
	}
	if resp.ContentLength > maxBytes {
		return nil, imageTooBig(resp.ContentLength, maxBytes)
	}
	limit := maxBytes
	if limit < math.MaxInt64 {
		limit++ // one byte more tells an image of exactly maxBytes from a larger one
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit))
	if err != nil {
		return nil, downloadError(ctx, err)
	}
	if int64(len(data)) > maxBytes {
		return nil, &Error{Code: codes.ResourceExhausted, Message: fmt.Sprintf("Download: the image is larger than maxBytes (%d bytes)", maxBytes)}
	}
	return data, nil
}

func imageTooBig(size, maxBytes int64) *Error {
	return &Error{Code: codes.ResourceExhausted, Message: fmt.Sprintf("Download: the image is %d bytes, over maxBytes (%d bytes)", size, maxBytes)}
}

// downloadError converts an error of an HTTP request, telling the end of
// ctx apart from a failed request.
func downloadError(ctx context.Context, err error) *Error {
	if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
		err = errors.Join(err, cerr)
	}
	code := codes.Unavailable
	switch {
	case errors.Is(err, context.Canceled):
		code = codes.Canceled
	case errors.Is(err, context.DeadlineExceeded):
		code = codes.DeadlineExceeded
	}
	return &Error{Code: code, Message: "Download: " + err.Error(), cause: err}
}

// httpCode maps an HTTP error status to a gRPC code.
func httpCode(s int) codes.Code {
	switch {
	case s == http.StatusNotFound || s == http.StatusGone:
		return codes.NotFound
	case s == http.StatusUnauthorized || s == http.StatusForbidden:
		return codes.PermissionDenied
	case s == http.StatusTooManyRequests:
		return codes.ResourceExhausted
	case s >= 500:
		return codes.Unavailable
	}
	return codes.Unknown
}
