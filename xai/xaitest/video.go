package xaitest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
)

// VideoOutcome scripts how a future video job ends; see
// EnqueueVideoOutcome.
type VideoOutcome struct {
	// PendingPolls is how many polls report PENDING, with growing
	// progress, before the job ends. 0 means the default of 1; a negative
	// value means none.
	PendingPolls int
	// Status is how the job ends: DONE (the default, also for the zero
	// value), FAILED or EXPIRED.
	Status xaiv1.DeferredStatus
	// Error is sent in the response of a FAILED job (a default error when
	// nil). With DONE, it makes the done response carry this error and no
	// video.
	Error *xaiv1.VideoError
}

// EnqueueVideoOutcome scripts the next video job started with
// GenerateVideo or ExtendVideo (jobs use scripts first in, first out, one
// each, once their request passed validation). Jobs without a script
// report PENDING once, then DONE.
func (s *Server) EnqueueVideoOutcome(o VideoOutcome) {
	if o.Error != nil {
		o.Error = proto.CloneOf(o.Error)
	}
	v := s.video
	v.mu.Lock()
	defer v.mu.Unlock()
	v.outcomes = append(v.outcomes, o)
}

// videoService implements the Video service.
type videoService struct {
	xaiv1.UnimplementedVideoServer
	s *Server

	mu       sync.Mutex
	jobs     map[string]*videoJob
	outcomes []VideoOutcome
	inserts  int // jobs added since the last sweep
}

func newVideoService(s *Server) *videoService {
	return &videoService{s: s, jobs: make(map[string]*videoJob)}
}

// videoJob is a video being made. The fake makes it when polled: the
// outcome decides how many polls report PENDING and how it ends.
type videoJob struct {
	plan    *videoPlan
	outcome VideoOutcome
	polls   int
	done    *xaiv1.VideoResponse // made on the first poll that reports DONE
	expires time.Time
}

// videoPlan is a validated video request.
type videoPlan struct {
	team    team
	model   *videoModel
	prompt  string
	seconds int32
	storage *xaiv1.StorageOptions
	seed    [32]byte
}

// GenerateVideo validates the request and starts a job.
func (v *videoService) GenerateVideo(ctx context.Context, req *xaiv1.GenerateVideoRequest) (*xaiv1.StartDeferredResponse, error) {
	p, err := v.s.planGenerateVideo(teamOf(ctx), req)
	if err != nil {
		return nil, err
	}
	return &xaiv1.StartDeferredResponse{RequestId: v.start(p)}, nil
}

// ExtendVideo validates the request and starts a job.
func (v *videoService) ExtendVideo(ctx context.Context, req *xaiv1.ExtendVideoRequest) (*xaiv1.StartDeferredResponse, error) {
	p, err := v.s.planExtendVideo(teamOf(ctx), req)
	if err != nil {
		return nil, err
	}
	return &xaiv1.StartDeferredResponse{RequestId: v.start(p)}, nil
}

// start registers a job under a new request ID.
func (v *videoService) start(p *videoPlan) string {
	id := newID()
	now := v.s.clock.Now()
	v.mu.Lock()
	defer v.mu.Unlock()
	job := &videoJob{plan: p, expires: now.Add(deferredRetention)}
	job.outcome, _ = popScript(&v.outcomes)
	job.outcome.PendingPolls = pendingPolls(job.outcome.PendingPolls)
	v.jobs[id] = job
	v.inserts++
	if v.inserts >= sweepEvery {
		v.inserts = 0
		for id, j := range v.jobs {
			if !now.Before(j.expires.Add(deferredRetention)) {
				delete(v.jobs, id)
			}
		}
	}
	return id
}

// GetDeferredVideo reports a job's state: PENDING with progress for the
// scripted number of polls, then how the job ended; EXPIRED once its
// result is 24 hours old, and NOT_FOUND a further 24 hours later or for an
// ID it never issued.
func (v *videoService) GetDeferredVideo(ctx context.Context, req *xaiv1.GetDeferredVideoRequest) (*xaiv1.GetDeferredVideoResponse, error) {
	id := req.GetRequestId()
	if id == "" {
		return nil, invalid("request_id is required")
	}
	now := v.s.clock.Now()
	v.mu.Lock()
	defer v.mu.Unlock()
	job, ok := v.jobs[id]
	if ok && !now.Before(job.expires.Add(deferredRetention)) {
		delete(v.jobs, id)
		ok = false
	}
	if !ok || job.plan.team != teamOf(ctx) {
		return nil, status.Errorf(codes.NotFound, "video request %q not found", id)
	}
	if !now.Before(job.expires) {
		return &xaiv1.GetDeferredVideoResponse{Status: xaiv1.DeferredStatus_EXPIRED}, nil
	}
	model := job.plan.model.name
	if job.polls < job.outcome.PendingPolls {
		job.polls++
		progress := int32(job.polls * 100 / (job.outcome.PendingPolls + 1))
		return &xaiv1.GetDeferredVideoResponse{
			Status:   xaiv1.DeferredStatus_PENDING,
			Response: &xaiv1.VideoResponse{Model: model, Progress: progress},
		}, nil
	}
	switch job.outcome.Status {
	case xaiv1.DeferredStatus_FAILED:
		ve := job.outcome.Error
		if ve == nil {
			ve = &xaiv1.VideoError{Code: "internal_error", Message: "xaitest: scripted video failure"}
		}
		return &xaiv1.GetDeferredVideoResponse{
			Status:   xaiv1.DeferredStatus_FAILED,
			Response: &xaiv1.VideoResponse{Model: model, Error: proto.CloneOf(ve)},
		}, nil
	case xaiv1.DeferredStatus_EXPIRED:
		return &xaiv1.GetDeferredVideoResponse{Status: xaiv1.DeferredStatus_EXPIRED}, nil
	}
	if job.outcome.Error != nil {
		return &xaiv1.GetDeferredVideoResponse{
			Status:   xaiv1.DeferredStatus_DONE,
			Response: &xaiv1.VideoResponse{Model: model, Progress: 100, Error: proto.CloneOf(job.outcome.Error)},
		}, nil
	}
	if job.done == nil {
		// Made once, so that a stored file is saved once however often
		// the job is polled. s.mu is taken after v.mu, never the reverse.
		done, err := v.s.finishVideo(job.plan)
		if err != nil {
			return nil, err // a later poll tries again
		}
		job.done = done
	}
	return &xaiv1.GetDeferredVideoResponse{Status: xaiv1.DeferredStatus_DONE, Response: proto.CloneOf(job.done)}, nil
}

// videoModelFor checks the prompt of a video request and resolves its
// model.
func (s *Server) videoModelFor(prompt, model string) (*videoModel, error) {
	if strings.TrimSpace(prompt) == "" {
		return nil, invalid("prompt is required")
	}
	return s.lookupVideoModel(model)
}

// planGenerateVideo validates a generation request.
func (s *Server) planGenerateVideo(t team, req *xaiv1.GenerateVideoRequest) (*videoPlan, error) {
	m, err := s.videoModelFor(req.GetPrompt(), req.GetModel())
	if err != nil {
		return nil, err
	}
	secs, err := videoSeconds(m, req.Duration)
	if err != nil {
		return nil, err
	}
	if req.AspectRatio != nil {
		if _, ok := xaiv1.VideoAspectRatio_name[int32(req.GetAspectRatio())]; !ok {
			return nil, invalid("aspect_ratio %d is not a valid aspect ratio", req.GetAspectRatio())
		}
	}
	if req.Resolution != nil {
		r := req.GetResolution()
		if _, ok := xaiv1.VideoResolution_name[int32(r)]; !ok {
			return nil, invalid("resolution %d is not a valid resolution", r)
		}
		if r > m.maxResolution {
			return nil, invalid("resolution %v is not offered by %s; the highest is %v", r, m.name, m.maxResolution)
		}
	}
	if req.GetImage() != nil {
		if err := s.checkImage(t, "image", req.GetImage()); err != nil {
			return nil, err
		}
	}
	for i, img := range req.GetReferenceImages() {
		if err := s.checkImage(t, fmt.Sprintf("reference_images[%d]", i), img); err != nil {
			return nil, err
		}
	}
	if req.GetVideo() != nil {
		if err := s.checkVideo(t, "video", req.GetVideo()); err != nil {
			return nil, err
		}
	}
	for i, a := range req.GetReferenceAudios() {
		if strings.TrimSpace(a.GetVoiceId()) == "" {
			return nil, invalid("reference_audios[%d].voice_id is required", i)
		}
	}
	if err := checkStorage(req.GetStorageOptions()); err != nil {
		return nil, err
	}
	canon := proto.CloneOf(req)
	canon.Model = m.name
	return newVideoPlan(t, m, req.GetPrompt(), secs, req.GetStorageOptions(), canon), nil
}

// planExtendVideo validates an extension request.
func (s *Server) planExtendVideo(t team, req *xaiv1.ExtendVideoRequest) (*videoPlan, error) {
	m, err := s.videoModelFor(req.GetPrompt(), req.GetModel())
	if err != nil {
		return nil, err
	}
	if req.GetVideo() == nil {
		return nil, invalid("video is required: the video to extend")
	}
	if err := s.checkVideo(t, "video", req.GetVideo()); err != nil {
		return nil, err
	}
	secs, err := videoSeconds(m, req.Duration)
	if err != nil {
		return nil, err
	}
	if err := checkStorage(req.GetStorageOptions()); err != nil {
		return nil, err
	}
	canon := proto.CloneOf(req)
	canon.Model = m.name
	return newVideoPlan(t, m, req.GetPrompt(), secs, req.GetStorageOptions(), canon), nil
}

// videoSeconds checks a requested duration against the model's range.
func videoSeconds(m *videoModel, d *int32) (int32, error) {
	if d == nil {
		return m.defaultSeconds, nil
	}
	if *d < 1 || *d > m.maxSeconds {
		return 0, invalid("duration must be between 1 and %d seconds for %s, got %d", m.maxSeconds, m.name, *d)
	}
	return *d, nil
}

// checkStorage validates the lifetimes of storage options.
func checkStorage(so *xaiv1.StorageOptions) error {
	if so == nil {
		return nil
	}
	if err := checkLifetime("storage_options.expires_after", so.ExpiresAfter); err != nil {
		return err
	}
	if pu := so.GetPublicUrl(); pu != nil {
		return checkLifetime("storage_options.public_url.expires_after", pu.ExpiresAfter)
	}
	return nil
}

// checkVideo validates an input video: an https URL (never fetched), a
// base64 data URL of a video/* type, or the ID of an uploaded file.
func (s *Server) checkVideo(t team, where string, v *xaiv1.VideoUrlContent) error {
	switch src := v.GetSource().(type) {
	case *xaiv1.VideoUrlContent_Url:
		u := src.Url
		if u == "" {
			return invalid("%s.url is empty", where)
		}
		if len(u) >= 5 && strings.EqualFold(u[:5], "data:") {
			meta, _, ok := strings.Cut(u[5:], ",")
			params := strings.Split(meta, ";")
			if !ok || !strings.HasPrefix(strings.ToLower(params[0]), "video/") ||
				len(params) < 2 || !strings.EqualFold(params[len(params)-1], "base64") {
				return invalid("%s.url is not a base64 data URL of a video (data:video/mp4;base64,...)", where)
			}
			return nil
		}
		return checkHTTPS(where+".url", u)
	case *xaiv1.VideoUrlContent_FileId:
		if _, ok := s.fileData(t, src.FileId); !ok {
			return status.Errorf(codes.NotFound, "%s.file_id: file %q not found", where, src.FileId)
		}
		return nil
	}
	return invalid("%s: set url or file_id", where)
}

// newVideoPlan derives the job's seed from the whole request, its model
// named canonically, so that the same request always gives the same video
// URL.
func newVideoPlan(t team, m *videoModel, prompt string, secs int32, so *xaiv1.StorageOptions, req proto.Message) *videoPlan {
	b, _ := proto.MarshalOptions{Deterministic: true}.Marshal(req) // valid messages always marshal
	seed := sha256.Sum256(append([]byte(m.name+"\x00"), b...))
	return &videoPlan{team: t, model: m, prompt: prompt, seconds: secs, storage: proto.CloneOf(so), seed: seed}
}

// finishVideo makes the finished response of a plan: a deterministic URL
// (served by the media server of [WithMediaServer], unfetchable without it),
// and a small stand-in MP4 file when the request asked for storage.
func (s *Server) finishVideo(p *videoPlan) (*xaiv1.VideoResponse, error) {
	name := hex.EncodeToString(p.seed[:12])
	video := &xaiv1.GeneratedVideo{
		Url:               s.mediaURL("vidgen", name+".mp4", fakeMP4(p.seed)),
		Duration:          p.seconds,
		RespectModeration: true,
	}
	if p.storage != nil {
		so := proto.CloneOf(p.storage)
		if so.GetFilename() == "" {
			so.Filename = "video.mp4"
		}
		var err error
		if video.FileOutput, err = s.storeGenerated(p.team, so, fakeMP4(p.seed), 0); err != nil {
			return nil, err
		}
	}
	prompt := countTokens(p.prompt)
	cost := int64(p.seconds) * p.model.secondTick
	return &xaiv1.VideoResponse{
		Video:    video,
		Model:    p.model.name,
		Progress: 100,
		Usage: &xaiv1.SamplingUsage{
			PromptTokens:     int32(prompt),
			PromptTextTokens: int32(prompt),
			TotalTokens:      int32(prompt),
			CostInUsdTicks:   &cost,
		},
	}, nil
}

// fakeMP4 returns a few bytes that start like an MP4 file: an ftyp box
// followed by the seed. It is not a playable video.
func fakeMP4(seed [32]byte) []byte {
	b := []byte("\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom")
	return append(b, seed[:]...)
}
