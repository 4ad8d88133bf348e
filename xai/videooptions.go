package xai

import (
	"math"
	"net/url"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
)

// The options of video requests ([VideoOption]) and the values they take;
// the calls are in video.go.

// VideoAspectRatio is the width-to-height ratio of a generated video.
type VideoAspectRatio string

// Video aspect ratios, named width x height.
const (
	VideoAspect1x1  VideoAspectRatio = "1:1"  // square
	VideoAspect16x9 VideoAspectRatio = "16:9" // widescreen landscape
	VideoAspect9x16 VideoAspectRatio = "9:16" // tall portrait (phone screen)
	VideoAspect4x3  VideoAspectRatio = "4:3"  // landscape
	VideoAspect3x4  VideoAspectRatio = "3:4"  // portrait
	VideoAspect3x2  VideoAspectRatio = "3:2"  // landscape
	VideoAspect2x3  VideoAspectRatio = "2:3"  // portrait
)

var videoAspects = map[VideoAspectRatio]xaiv1.VideoAspectRatio{
	VideoAspect1x1:  xaiv1.VideoAspectRatio_VIDEO_ASPECT_RATIO_1_1,
	VideoAspect16x9: xaiv1.VideoAspectRatio_VIDEO_ASPECT_RATIO_16_9,
	VideoAspect9x16: xaiv1.VideoAspectRatio_VIDEO_ASPECT_RATIO_9_16,
	VideoAspect4x3:  xaiv1.VideoAspectRatio_VIDEO_ASPECT_RATIO_4_3,
	VideoAspect3x4:  xaiv1.VideoAspectRatio_VIDEO_ASPECT_RATIO_3_4,
	VideoAspect3x2:  xaiv1.VideoAspectRatio_VIDEO_ASPECT_RATIO_3_2,
	VideoAspect2x3:  xaiv1.VideoAspectRatio_VIDEO_ASPECT_RATIO_2_3,
}

// VideoResolution is the vertical resolution of a generated video.
type VideoResolution string

// Video resolutions. Not every model offers every resolution.
const (
	VideoResolution480p  VideoResolution = "480p"  // standard definition
	VideoResolution720p  VideoResolution = "720p"  // HD
	VideoResolution1080p VideoResolution = "1080p" // Full HD
)

var videoResolutions = map[VideoResolution]xaiv1.VideoResolution{
	VideoResolution480p:  xaiv1.VideoResolution_VIDEO_RESOLUTION_480P,
	VideoResolution720p:  xaiv1.VideoResolution_VIDEO_RESOLUTION_720P,
	VideoResolution1080p: xaiv1.VideoResolution_VIDEO_RESOLUTION_1080P,
}

// VideoInput is a video given to the API: one to edit ([WithSourceVideo]) or
// to extend ([VideoService.Extend]). Build it with [VideoURL] or [VideoFileID]; a
// [VideoInput] that could not be built carries its error, which the call it
// is given to returns before sending anything.
//
// The zero [VideoInput] is not valid.
type VideoInput struct {
	pb  *xaiv1.VideoUrlContent
	err error
}

// Proto returns the underlying protobuf content (nil if building failed).
func (v VideoInput) Proto() *xaiv1.VideoUrlContent { return v.pb }

// Err returns the error met while building the input, if any. It is an
// [*Error] with code InvalidArgument.
func (v VideoInput) Err() error { return v.err }

// VideoURL returns a video the server downloads from an https URL, or
// receives inline as a base64 data URL ("data:video/mp4;base64,...").
func VideoURL(u string) VideoInput {
	if err := checkVideoURL(u); err != nil {
		return VideoInput{err: err}
	}
	return VideoInput{pb: &xaiv1.VideoUrlContent{Source: &xaiv1.VideoUrlContent_Url{Url: u}}}
}

// VideoFileID returns a video uploaded beforehand with the Files API.
func VideoFileID(fileID string) VideoInput {
	if strings.TrimSpace(fileID) == "" {
		return VideoInput{err: invalidArgument("video file ID is empty: pass the ID returned when the video was uploaded with the Files API")}
	}
	return VideoInput{pb: &xaiv1.VideoUrlContent{Source: &xaiv1.VideoUrlContent_FileId{FileId: fileID}}}
}

// checkVideoURL accepts absolute https URLs and base64 data URLs of a
// video MIME type.
func checkVideoURL(s string) error {
	if s == "" {
		return invalidArgument("video URL is empty: pass an https URL, a data URL such as data:video/mp4;base64,..., or use xai.VideoFileID")
	}
	if len(s) >= 5 && strings.EqualFold(s[:5], "data:") {
		meta, _, ok := strings.Cut(s[5:], ",")
		params := strings.Split(meta, ";")
		switch {
		case !ok:
			return invalidArgument("video data URL %s has no comma before its data: use the form data:video/mp4;base64,<data>", quoteShort(s))
		case !strings.HasPrefix(strings.ToLower(strings.TrimSpace(params[0])), "video/"):
			return invalidArgument("video data URL has MIME type %s: use a video type such as video/mp4", quoteShort(params[0]))
		case len(params) < 2 || !strings.EqualFold(strings.TrimSpace(params[len(params)-1]), "base64"):
			return invalidArgument("video data URL %s is not base64-encoded: use the form data:video/mp4;base64,<data>", quoteShort(s))
		}
		return nil
	}
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return invalidArgument("video URL %s is not a valid URL (%s): pass an https URL", quoteShort(s), shorten(unwrapURLError(err).Error()))
	case u.Scheme != "https":
		return invalidArgument("video URL %s is not an https URL: serve the video over https, send it as a data URL, or upload it and use xai.VideoFileID", quoteShort(s))
	case u.Host == "":
		return invalidArgument("video URL %s has no host: pass an absolute https URL", quoteShort(s))
	}
	return nil
}

// VideoOption sets a field of a video request; pass options to
// [VideoService.Generate], Extend, GenerateAndWait or ExtendAndWait, with
// [CallOptions] to change the calls and [PollOptions] to change how the
// ...AndWait methods wait. An option given an invalid value makes the call
// fail before sending. When an option is given twice, the last one wins.
//
// Extend accepts only [WithVideoDuration] and [WithVideoStorage] (and
// [CallOptions] and [PollOptions]); the other options describe a new video and
// are refused there.
type VideoOption interface {
	applyVideo(*videoConfig) error
}

// videoConfig gathers the options of one video call.
type videoConfig struct {
	gen              *xaiv1.GenerateVideoRequest // every field an option can set
	generateOnlyOpts []string                    // options Extend does not accept
	call             []CallOption
	poll             []DeferOption
}

// videoOption is an option that sets a request field; generateOnly marks
// the fields ExtendVideoRequest does not have.
type videoOption struct {
	name         string
	generateOnly bool
	apply        func(*xaiv1.GenerateVideoRequest) error
}

func (o videoOption) applyVideo(c *videoConfig) error {
	if err := o.apply(c.gen); err != nil {
		return err
	}
	if o.generateOnly {
		c.generateOnlyOpts = append(c.generateOnlyOpts, o.name)
	}
	return nil
}

func (o CallOptions) applyVideo(c *videoConfig) error {
	c.call = append(c.call, o...)
	return nil
}

// PollOptions passes wait options ([WithPollInterval], [WithPollTimeout], and
// call options for every call made while waiting) to a method whose
// variadic parameter holds request options: [VideoService.GenerateAndWait]
// and ExtendAndWait, and [CollectionsService.UploadDocument] and
// WaitForDocument. Give it among the other options:
//
//	video, err := client.Video.GenerateAndWait(ctx, "grok-imagine-video", "a red fox",
//		xai.WithVideoDuration(5*time.Second),
//		xai.PollOptions{xai.WithPollInterval(2 * time.Second), xai.WithPollTimeout(15 * time.Minute)})
//
// Passed to a method that does not wait (Generate, Extend, AddDocument,
// or a batch request builder), it is an error.
type PollOptions []DeferOption

func (o PollOptions) applyVideo(c *videoConfig) error {
	for i, d := range o {
		if d == nil {
			return errNilOption("PollOptions", i)
		}
	}
	c.poll = append(c.poll, o...)
	return nil
}

// WithVideoDuration sets the length of the clip, or of the footage added
// by Extend, in whole seconds; the model's default when not given. The
// accepted range depends on the model (1 to 15 seconds for
// grok-imagine-video); the server checks it.
func WithVideoDuration(d time.Duration) VideoOption {
	return videoOption{name: "WithVideoDuration", apply: func(r *xaiv1.GenerateVideoRequest) error {
		switch {
		case d < time.Second:
			return invalidArgument("WithVideoDuration(%v): the duration must be at least one second", d)
		case d%time.Second != 0:
			return invalidArgument("WithVideoDuration(%v): the API counts whole seconds, so round the duration to a whole number of seconds", d)
		case d/time.Second > math.MaxInt32:
			return invalidArgument("WithVideoDuration(%v): the duration is too long", d)
		}
		secs := int32(d / time.Second)
		r.Duration = &secs
		return nil
	}}
}

// WithVideoAspectRatio sets the shape of the video, such as
// [VideoAspect16x9]. When animating an image the image's shape is normally
// kept.
func WithVideoAspectRatio(a VideoAspectRatio) VideoOption {
	return videoOption{name: "WithVideoAspectRatio", generateOnly: true, apply: func(r *xaiv1.GenerateVideoRequest) error {
		pb, err := wireValue("WithVideoAspectRatio", "aspect ratio", videoAspects, a, "one of the xai.VideoAspect... constants, such as xai.VideoAspect16x9")
		if err == nil {
			r.AspectRatio = &pb
		}
		return err
	}}
}

// WithVideoResolution sets the resolution of the video: [VideoResolution480p],
// [VideoResolution720p] or [VideoResolution1080p], where the model offers it.
func WithVideoResolution(res VideoResolution) VideoOption {
	return videoOption{name: "WithVideoResolution", generateOnly: true, apply: func(r *xaiv1.GenerateVideoRequest) error {
		pb, err := wireValue("WithVideoResolution", "resolution", videoResolutions, res, "xai.VideoResolution480p, VideoResolution720p or VideoResolution1080p")
		if err == nil {
			r.Resolution = &pb
		}
		return err
	}}
}

// WithVideoImage animates an image: it becomes the first frame of the video
// (image-to-video). Build it with [ImageURL] (an https or data URL),
// [ImageBytes], [ImageFile] or [ImageFileID] (an image uploaded with the Files
// API), which check it as they do for chat.
func WithVideoImage(img Part) VideoOption {
	return videoOption{name: "WithVideoImage", generateOnly: true, apply: func(r *xaiv1.GenerateVideoRequest) error {
		pb, err := imageOfPart(img)
		if err != nil {
			return invalidArgument("WithVideoImage: %s", errMessage(err))
		}
		r.Image = pb
		return nil
	}}
}

// WithVideoReferenceImages gives images whose subjects, style or setting
// the video should follow, without using them as the first frame. They are
// built as for [WithVideoImage].
func WithVideoReferenceImages(imgs ...Part) VideoOption {
	return videoOption{name: "WithVideoReferenceImages", generateOnly: true, apply: func(r *xaiv1.GenerateVideoRequest) error {
		out, err := imagesOfParts("WithVideoReferenceImages", imgs)
		if err != nil {
			return err
		}
		r.ReferenceImages = out
		return nil
	}}
}

// WithSourceVideo edits or restyles a video according to the prompt,
// instead of creating one from scratch. To continue a video with new
// footage, use [VideoService.Extend].
func WithSourceVideo(v VideoInput) VideoOption {
	return videoOption{name: "WithSourceVideo", generateOnly: true, apply: func(r *xaiv1.GenerateVideoRequest) error {
		pb, err := videoInputProto("WithSourceVideo", v)
		if err != nil {
			return err
		}
		r.Video = pb
		return nil
	}}
}

// videoInputProto returns a copy of a [VideoInput]'s content, or its error.
func videoInputProto(where string, v VideoInput) (*xaiv1.VideoUrlContent, error) {
	if v.err != nil {
		return nil, invalidArgument("%s: %s", where, errMessage(v.err))
	}
	switch src := v.pb.GetSource().(type) {
	case *xaiv1.VideoUrlContent_Url:
		if err := checkVideoURL(src.Url); err != nil {
			return nil, invalidArgument("%s: %s", where, errMessage(err))
		}
	case *xaiv1.VideoUrlContent_FileId:
		if strings.TrimSpace(src.FileId) == "" {
			return nil, invalidArgument("%s: the video file ID is empty", where)
		}
	default:
		return nil, invalidArgument("%s: the video is empty: build it with xai.VideoURL or xai.VideoFileID", where)
	}
	return proto.CloneOf(v.pb), nil
}

// WithVideoAudio says whether to generate a soundtrack for the video; the
// model's default applies when it is not given.
func WithVideoAudio(generate bool) VideoOption {
	return videoOption{name: "WithVideoAudio", generateOnly: true, apply: func(r *xaiv1.GenerateVideoRequest) error {
		r.GenerateAudio = &generate
		return nil
	}}
}

// WithVideoVoices gives the IDs of voices to use for speech in the video's
// soundtrack.
func WithVideoVoices(voiceIDs ...string) VideoOption {
	return videoOption{name: "WithVideoVoices", generateOnly: true, apply: func(r *xaiv1.GenerateVideoRequest) error {
		if len(voiceIDs) == 0 {
			return invalidArgument("WithVideoVoices: no voice IDs given")
		}
		out := make([]*xaiv1.AudioUrlContent, len(voiceIDs))
		for i, id := range voiceIDs {
			if strings.TrimSpace(id) == "" {
				return invalidArgument("WithVideoVoices: voice ID %d is empty", i)
			}
			out[i] = &xaiv1.AudioUrlContent{Source: &xaiv1.AudioUrlContent_VoiceId{VoiceId: id}}
		}
		r.ReferenceAudios = out
		return nil
	}}
}

// WithVideoStorage saves the finished video as a file too, with the given
// settings.
func WithVideoStorage(s Storage) VideoOption {
	return videoOption{name: "WithVideoStorage", apply: func(r *xaiv1.GenerateVideoRequest) error {
		pb, err := s.proto("WithVideoStorage")
		if err != nil {
			return err
		}
		r.StorageOptions = pb
		return nil
	}}
}
