package xaitest

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
)

const (
	// maxImagesPerRequest is the public limit of GenerateImageRequest.n.
	maxImagesPerRequest = 10
	// imageSide is the long side, in pixels, of a generated 1K image; the
	// fake keeps images tiny. 2K doubles it.
	imageSide = 64
	// embeddingDims is the length of the fake's embedding vectors.
	embeddingDims = 256
)

// aspectRatios maps each aspect ratio to width and height proportions.
var aspectRatios = map[xaiv1.ImageAspectRatio][2]float64{
	xaiv1.ImageAspectRatio_IMG_ASPECT_RATIO_1_1:    {1, 1},
	xaiv1.ImageAspectRatio_IMG_ASPECT_RATIO_3_4:    {3, 4},
	xaiv1.ImageAspectRatio_IMG_ASPECT_RATIO_4_3:    {4, 3},
	xaiv1.ImageAspectRatio_IMG_ASPECT_RATIO_9_16:   {9, 16},
	xaiv1.ImageAspectRatio_IMG_ASPECT_RATIO_16_9:   {16, 9},
	xaiv1.ImageAspectRatio_IMG_ASPECT_RATIO_2_3:    {2, 3},
	xaiv1.ImageAspectRatio_IMG_ASPECT_RATIO_3_2:    {3, 2},
	xaiv1.ImageAspectRatio_IMG_ASPECT_RATIO_AUTO:   {1, 1},
	xaiv1.ImageAspectRatio_IMG_ASPECT_RATIO_9_19_5: {9, 19.5},
	xaiv1.ImageAspectRatio_IMG_ASPECT_RATIO_19_5_9: {19.5, 9},
	xaiv1.ImageAspectRatio_IMG_ASPECT_RATIO_9_20:   {9, 20},
	xaiv1.ImageAspectRatio_IMG_ASPECT_RATIO_20_9:   {20, 9},
	xaiv1.ImageAspectRatio_IMG_ASPECT_RATIO_1_2:    {1, 2},
	xaiv1.ImageAspectRatio_IMG_ASPECT_RATIO_2_1:    {2, 1},
}

// imageService implements the Image service.
type imageService struct {
	xaiv1.UnimplementedImageServer
	s *Server
}

// GenerateImage returns small deterministic PNG images derived from the
// prompt, as base64 data URLs or as URLs (served by the media server of
// [WithMediaServer], unfetchable without it).
func (is *imageService) GenerateImage(ctx context.Context, req *xaiv1.GenerateImageRequest) (*xaiv1.ImageResponse, error) {
	if strings.TrimSpace(req.GetPrompt()) == "" {
		return nil, invalid("prompt is required")
	}
	m, err := is.s.lookupImageModel(req.GetModel())
	if err != nil {
		return nil, err
	}
	n := 1
	if req.N != nil {
		if req.GetN() < 1 || req.GetN() > maxImagesPerRequest {
			return nil, invalid("n must be between 1 and %d, got %d", maxImagesPerRequest, req.GetN())
		}
		n = int(req.GetN())
	}
	switch req.GetFormat() {
	case xaiv1.ImageFormat_IMG_FORMAT_INVALID, xaiv1.ImageFormat_IMG_FORMAT_URL, xaiv1.ImageFormat_IMG_FORMAT_BASE64:
	default:
		return nil, invalid("format %d is not a valid image format", req.GetFormat())
	}
	if req.Quality != nil {
		if _, ok := xaiv1.ImageQuality_name[int32(req.GetQuality())]; !ok || req.GetQuality() == xaiv1.ImageQuality_IMG_QUALITY_INVALID {
			return nil, invalid("quality %v is not a valid quality", req.GetQuality())
		}
	}
	ratio := [2]float64{1, 1}
	if req.AspectRatio != nil {
		r, ok := aspectRatios[req.GetAspectRatio()]
		if !ok {
			return nil, invalid("aspect_ratio %v is not a valid aspect ratio", req.GetAspectRatio())
		}
		ratio = r
	}
	side := imageSide
	if req.Resolution != nil {
		switch req.GetResolution() {
		case xaiv1.ImageResolution_IMG_RESOLUTION_1K:
		case xaiv1.ImageResolution_IMG_RESOLUTION_2K:
			side *= 2
		default:
			return nil, invalid("resolution %v is not a valid resolution", req.GetResolution())
		}
	}
	if req.GetImage() != nil {
		if err := is.s.checkImage(teamOf(ctx), "image", req.GetImage()); err != nil {
			return nil, err
		}
	}
	for i, img := range req.GetImages() {
		if err := is.s.checkImage(teamOf(ctx), fmt.Sprintf("images[%d]", i), img); err != nil {
			return nil, err
		}
	}
	if so := req.GetStorageOptions(); so != nil {
		if err := checkLifetime("storage_options.expires_after", so.ExpiresAfter); err != nil {
			return nil, err
		}
		if pu := so.GetPublicUrl(); pu != nil {
			if err := checkLifetime("storage_options.public_url.expires_after", pu.ExpiresAfter); err != nil {
				return nil, err
			}
		}
	}

	w, h := side, side
	if ratio[0] > ratio[1] {
		h = max(1, int(math.Round(float64(side)*ratio[1]/ratio[0])))
	} else if ratio[1] > ratio[0] {
		w = max(1, int(math.Round(float64(side)*ratio[0]/ratio[1])))
	}
	resp := &xaiv1.ImageResponse{Model: m.name}
	for i := range n {
		seed := sha256.Sum256([]byte(fmt.Sprintf("%s\x00%s\x00%d", m.name, req.GetPrompt(), i)))
		data := renderPNG(seed, w, h)
		img := &xaiv1.GeneratedImage{RespectModeration: true}
		if req.GetFormat() == xaiv1.ImageFormat_IMG_FORMAT_BASE64 {
			img.Image = &xaiv1.GeneratedImage_Base64{Base64: "data:image/png;base64," + base64.StdEncoding.EncodeToString(data)}
		} else {
			img.Image = &xaiv1.GeneratedImage_Url{Url: is.s.mediaURL("imgen", hex.EncodeToString(seed[:12])+".png", data)}
		}
		if so := req.GetStorageOptions(); so != nil {
			if img.FileOutput, err = is.s.storeGenerated(teamOf(ctx), so, data, i); err != nil {
				return nil, err
			}
		}
		resp.Images = append(resp.Images, img)
	}
	prompt := countTokens(req.GetPrompt())
	cost := int64(n) * m.imageTick
	resp.Usage = &xaiv1.SamplingUsage{
		PromptTokens:     int32(prompt),
		PromptTextTokens: int32(prompt),
		TotalTokens:      int32(prompt),
		CostInUsdTicks:   &cost,
	}
	return resp, nil
}

// storeGenerated saves a generated image of team t through the Files
// store.
func (s *Server) storeGenerated(t team, so *xaiv1.StorageOptions, data []byte, i int) (*xaiv1.FileOutput, error) {
	name := so.GetFilename()
	if name == "" {
		name = "image.png"
	}
	if i > 0 {
		base, ext, _ := strings.Cut(name, ".")
		name = fmt.Sprintf("%s-%d.%s", base, i, cmp.Or(ext, "png"))
	}
	f, err := s.addFile(t, name, data, so.ExpiresAfter)
	if err != nil {
		return nil, err
	}
	out := &xaiv1.FileOutput{FileId: f.GetId(), Filename: f.GetFilename(), ExpiresAt: f.GetExpiresAt()}
	if pu := so.GetPublicUrl(); pu != nil {
		now := s.clock.Now()
		s.mu.Lock()
		if sf, ok := s.files[f.GetId()]; ok {
			sf.share(now, pu.ExpiresAfter)
			out.PublicUrl = proto.String(sf.publicURL)
			if !sf.urlExpiry.IsZero() {
				out.PublicUrlExpiresAt = timestamppb.New(sf.urlExpiry)
			}
		}
		s.mu.Unlock()
	}
	return out, nil
}

// renderPNG draws a w×h diagonal gradient between two colours taken from
// seed.
func renderPNG(seed [32]byte, w, h int) []byte {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	a := color.NRGBA{seed[0], seed[1], seed[2], 255}
	b := color.NRGBA{seed[3], seed[4], seed[5], 255}
	span := max(w+h-2, 1)
	for y := range h {
		for x := range w {
			t := float64(x+y) / float64(span)
			img.SetNRGBA(x, y, color.NRGBA{
				R: uint8(float64(a.R)*(1-t) + float64(b.R)*t),
				G: uint8(float64(a.G)*(1-t) + float64(b.G)*t),
				B: uint8(float64(a.B)*(1-t) + float64(b.B)*t),
				A: 255,
			})
		}
	}
	var buf bytes.Buffer
	_ = png.Encode(&buf, img) // writing to memory cannot fail
	return buf.Bytes()
}

// embedderService implements the Embedder service.
type embedderService struct {
	xaiv1.UnimplementedEmbedderServer
	s *Server
}

// Embed returns unit-length vectors derived from a hash of each input:
// equal inputs get equal vectors, different inputs unrelated ones.
func (es *embedderService) Embed(ctx context.Context, req *xaiv1.EmbedRequest) (*xaiv1.EmbedResponse, error) {
	if len(req.GetInput()) == 0 {
		return nil, invalid("input must not be empty")
	}
	if err := es.s.checkEmbedInputs(len(req.GetInput())); err != nil {
		return nil, err
	}
	m, err := es.s.lookupEmbeddingModel(req.GetModel())
	if err != nil {
		return nil, err
	}
	asBase64 := false
	switch req.GetEncodingFormat() {
	case xaiv1.EmbedEncodingFormat_FORMAT_INVALID, xaiv1.EmbedEncodingFormat_FORMAT_FLOAT:
	case xaiv1.EmbedEncodingFormat_FORMAT_BASE64:
		asBase64 = true
	default:
		return nil, invalid("encoding_format %d is not a valid format", req.GetEncodingFormat())
	}
	resp := &xaiv1.EmbedResponse{
		Id:                newID(),
		Model:             m.name,
		SystemFingerprint: fingerprint(m.name),
		Usage:             &xaiv1.EmbeddingUsage{},
	}
	for i, in := range req.GetInput() {
		var key string
		switch v := in.GetInput().(type) {
		case *xaiv1.EmbedInput_String_:
			if v.String_ == "" {
				return nil, invalid("input[%d].string is empty", i)
			}
			key = "text\x00" + v.String_
			resp.Usage.NumTextEmbeddings++
		case *xaiv1.EmbedInput_ImageUrl:
			if err := es.s.checkImage(teamOf(ctx), fmt.Sprintf("input[%d].image_url", i), v.ImageUrl); err != nil {
				return nil, err
			}
			key = "image\x00" + v.ImageUrl.GetImageUrl() + v.ImageUrl.GetFileId()
			resp.Usage.NumImageEmbeddings++
		default:
			return nil, invalid("input[%d] is empty: set string or image_url", i)
		}
		vec := embedVector(m.name, key, m.dimensions)
		fv := &xaiv1.FeatureVector{}
		if asBase64 {
			raw := make([]byte, 4*len(vec))
			for k, f := range vec {
				binary.LittleEndian.PutUint32(raw[4*k:], math.Float32bits(f))
			}
			fv.Base64Array = base64.StdEncoding.EncodeToString(raw)
		} else {
			fv.FloatArray = vec
		}
		resp.Embeddings = append(resp.Embeddings, &xaiv1.Embedding{Index: int32(i), Embeddings: []*xaiv1.FeatureVector{fv}})
	}
	return resp, nil
}

// embedVector expands a hash of the input into a unit vector.
func embedVector(model, key string, dims int) []float32 {
	vec := make([]float32, dims)
	var norm float64
	var block [32]byte
	for k := range vec {
		if k%8 == 0 {
			block = sha256.Sum256([]byte(fmt.Sprintf("%s\x00%d\x00%s", model, k/8, key)))
		}
		u := binary.LittleEndian.Uint32(block[(k%8)*4:])
		f := float64(u)/float64(math.MaxUint32)*2 - 1
		vec[k] = float32(f)
		norm += f * f
	}
	norm = math.Sqrt(norm)
	for k := range vec {
		vec[k] = float32(float64(vec[k]) / norm)
	}
	return vec
}

// secondsDuration converts a lifetime in seconds.
func secondsDuration(s int64) time.Duration { return time.Duration(s) * time.Second }
