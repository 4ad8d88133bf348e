package xaitest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/timestamppb"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
)

// ModelKind is the kind of model a [Model] adds: which service serves it.
type ModelKind int

// The kinds of model.
const (
	ChatModel      ModelKind = iota + 1 // Chat, Sample and Tokenize
	ImageModel                          // Image
	VideoModel                          // Video
	EmbeddingModel                      // Embedder
)

func (k ModelKind) String() string {
	switch k {
	case ChatModel:
		return "chat"
	case ImageModel:
		return "image"
	case VideoModel:
		return "video"
	case EmbeddingModel:
		return "embedding"
	}
	return fmt.Sprintf("ModelKind(%d)", int(k))
}

// Model is a model to add to the server's catalogue with [WithModels], for
// a model the built-in catalogue (the official SDK's list, see
// catalogue.go) does not know yet. Prices, limits and dates are those of
// a recent model of the same kind.
type Model struct {
	Kind ModelKind
	// Name is the full name that responses report.
	Name string
	// Aliases are other names that resolve to Name.
	Aliases []string
	// Reasoning makes a chat model produce reasoning and accept
	// reasoning_effort.
	Reasoning bool
	// ImageInput makes a chat model accept images in messages.
	ImageInput bool
}

// WithModels adds models to the server's catalogue, next to the built-in
// ones. A name or alias may not repeat one the catalogue already has, and
// Reasoning and ImageInput apply to chat models only; [NewServer] reports
// either mistake. Names not in the catalogue are rejected as on the real
// service.
func WithModels(models ...Model) Option {
	return func(c *config) {
		for _, m := range models {
			m.Aliases = append([]string(nil), m.Aliases...)
			c.models = append(c.models, m)
		}
	}
}

// catalogue is the models a server knows: the built-in tables and those
// added by [WithModels].
type catalogue struct {
	language  []*languageModel
	embedding []*embeddingModel
	image     []*imageModel
	video     []*videoModel
}

// newCatalogue returns the built-in catalogue plus extra, whose added
// entries take their prices and limits from a template of their kind.
func newCatalogue(extra []Model) (*catalogue, error) {
	c := &catalogue{language: languageModels, embedding: embeddingModels, image: imageModels, video: videoModels}
	if len(extra) == 0 {
		return c, nil // the built-in tables are never modified
	}
	c.language = slices.Clone(c.language)
	c.embedding = slices.Clone(c.embedding)
	c.image = slices.Clone(c.image)
	c.video = slices.Clone(c.video)
	for i, m := range extra {
		n := named{m.Name, m.Aliases}
		seen := make(map[string]bool)
		for _, name := range append([]string{m.Name}, m.Aliases...) {
			if name == "" || strings.ContainsAny(name, " \t\r\n") {
				return nil, fmt.Errorf("xaitest: model %d: name or alias %q is empty or contains white space", i, name)
			}
			if seen[name] || c.has(name) {
				return nil, fmt.Errorf("xaitest: model %d: %q is already a model name or alias", i, name)
			}
			seen[name] = true
		}
		if m.Kind != ChatModel && (m.Reasoning || m.ImageInput) {
			return nil, fmt.Errorf("xaitest: model %q: Reasoning and ImageInput apply to chat models, not %v models", m.Name, m.Kind)
		}
		switch m.Kind {
		case ChatModel:
			lm := *find(languageModels, "grok-4.3")
			lm.named, lm.reasoning, lm.vision = n, m.Reasoning, m.ImageInput
			if !lm.vision {
				lm.imageTick = 0
			}
			c.language = append(c.language, &lm)
		case ImageModel:
			im := *find(imageModels, "grok-imagine-image")
			im.named = n
			c.image = append(c.image, &im)
		case VideoModel:
			vm := *find(videoModels, "grok-imagine-video")
			vm.named = n
			c.video = append(c.video, &vm)
		case EmbeddingModel:
			em := *find(embeddingModels, "v1")
			em.named = n
			c.embedding = append(c.embedding, &em)
		default:
			return nil, fmt.Errorf("xaitest: model %q has kind %v; use ChatModel, ImageModel, VideoModel or EmbeddingModel", m.Name, m.Kind)
		}
	}
	return c, nil
}

// has reports whether name names or aliases any model of the catalogue.
func (c *catalogue) has(name string) bool {
	return find(c.language, name) != nil || find(c.embedding, name) != nil ||
		find(c.image, name) != nil || find(c.video, name) != nil
}

// named is the identity of a catalogue entry.
type named struct {
	name    string
	aliases []string
}

// is reports whether name is the entry's name or one of its aliases.
func (n *named) is(name string) bool {
	if n.name == name {
		return true
	}
	for _, a := range n.aliases {
		if a == name {
			return true
		}
	}
	return false
}

// find returns the entry of models called name, or nil.
func find[M interface{ is(string) bool }](models []M, name string) M {
	for _, m := range models {
		if m.is(name) {
			return m
		}
	}
	var none M
	return none
}

// languageModel is one chat model of the catalogue.
type languageModel struct {
	named
	version    string
	vision     bool // accepts image input
	reasoning  bool // produces reasoning
	promptTick int64
	cachedTick int64
	imageTick  int64
	outputTick int64
	searchTick int64
	created    time.Time
	maxPrompt  int32
}

// embeddingModel is one embedding model of the catalogue.
type embeddingModel struct {
	named
	version    string
	promptTick int64
	imageTick  int64
	created    time.Time
	dimensions int
}

// imageModel is one image generation model of the catalogue.
type imageModel struct {
	named
	version   string
	imageTick int64
	created   time.Time
	maxPrompt int32
}

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// lookupLanguageModel resolves a chat model of the server's catalogue, with
// INVALID_ARGUMENT errors as the completion RPCs give them.
func (s *Server) lookupLanguageModel(name string) (*languageModel, error) {
	if strings.TrimSpace(name) == "" {
		return nil, status.Error(codes.InvalidArgument, "model is required")
	}
	m := find(s.models.language, name)
	if m == nil {
		if find(s.models.embedding, name) != nil || find(s.models.image, name) != nil || find(s.models.video, name) != nil {
			return nil, status.Errorf(codes.InvalidArgument, "model %q is not a language model", name)
		}
		return nil, status.Errorf(codes.InvalidArgument, "model %q does not exist or your API key has no access to it", name)
	}
	return m, nil
}

// lookupModel resolves a model of one kind, named as in "model %q is not
// <kind> model available to your API key".
func lookupModel[M interface{ is(string) bool }](models []M, name, kind string) (M, error) {
	var none M
	if strings.TrimSpace(name) == "" {
		return none, invalid("model is required")
	}
	for _, m := range models {
		if m.is(name) {
			return m, nil
		}
	}
	return none, invalid("model %q is not %s model available to your API key", name, kind)
}

// lookupEmbeddingModel resolves an embedding model.
func (s *Server) lookupEmbeddingModel(name string) (*embeddingModel, error) {
	return lookupModel(s.models.embedding, name, "an embedding")
}

// lookupImageModel resolves an image generation model.
func (s *Server) lookupImageModel(name string) (*imageModel, error) {
	return lookupModel(s.models.image, name, "an image generation")
}

// videoModel is one video generation model of the catalogue.
type videoModel struct {
	named
	secondTick     int64 // price of one second of video, in USD ticks
	defaultSeconds int32
	maxSeconds     int32
	maxResolution  xaiv1.VideoResolution
}

// lookupVideoModel resolves a video generation model.
func (s *Server) lookupVideoModel(name string) (*videoModel, error) {
	return lookupModel(s.models.video, name, "a video generation")
}

// fingerprint is the system fingerprint reported for a model.
func fingerprint(name string) string { return "fp_xaitest_" + stableUUID("fingerprint", name)[:8] }

func (m *languageModel) proto() *xaiv1.LanguageModel {
	in := []xaiv1.Modality{xaiv1.Modality_TEXT}
	if m.vision {
		in = append(in, xaiv1.Modality_IMAGE)
	}
	return &xaiv1.LanguageModel{
		Name:                     m.name,
		Aliases:                  append([]string(nil), m.aliases...),
		Version:                  m.version,
		InputModalities:          in,
		OutputModalities:         []xaiv1.Modality{xaiv1.Modality_TEXT},
		PromptTextTokenPrice:     m.promptTick,
		PromptImageTokenPrice:    m.imageTick,
		CachedPromptTokenPrice:   m.cachedTick,
		CompletionTextTokenPrice: m.outputTick,
		SearchPrice:              m.searchTick,
		Created:                  timestamppb.New(m.created),
		MaxPromptLength:          m.maxPrompt,
		SystemFingerprint:        fingerprint(m.name),
	}
}

func (m *embeddingModel) proto() *xaiv1.EmbeddingModel {
	return &xaiv1.EmbeddingModel{
		Name:                  m.name,
		Aliases:               append([]string(nil), m.aliases...),
		Version:               m.version,
		InputModalities:       []xaiv1.Modality{xaiv1.Modality_TEXT, xaiv1.Modality_IMAGE},
		OutputModalities:      []xaiv1.Modality{xaiv1.Modality_EMBEDDING},
		PromptTextTokenPrice:  m.promptTick,
		PromptImageTokenPrice: m.imageTick,
		Created:               timestamppb.New(m.created),
		SystemFingerprint:     fingerprint(m.name),
	}
}

func (m *imageModel) proto() *xaiv1.ImageGenerationModel {
	return &xaiv1.ImageGenerationModel{
		Name:              m.name,
		Aliases:           append([]string(nil), m.aliases...),
		Version:           m.version,
		InputModalities:   []xaiv1.Modality{xaiv1.Modality_TEXT, xaiv1.Modality_IMAGE},
		OutputModalities:  []xaiv1.Modality{xaiv1.Modality_IMAGE},
		ImagePrice:        m.imageTick,
		Created:           timestamppb.New(m.created),
		MaxPromptLength:   m.maxPrompt,
		SystemFingerprint: fingerprint(m.name),
	}
}

// modelsService implements the Models service.
type modelsService struct {
	xaiv1.UnimplementedModelsServer
	s *Server
}

// ListLanguageModels lists the chat models of the catalogue.
func (ms *modelsService) ListLanguageModels(context.Context, *emptypb.Empty) (*xaiv1.ListLanguageModelsResponse, error) {
	resp := &xaiv1.ListLanguageModelsResponse{}
	for _, m := range ms.s.models.language {
		resp.Models = append(resp.Models, m.proto())
	}
	return resp, nil
}

// ListEmbeddingModels lists the embedding models of the catalogue.
func (ms *modelsService) ListEmbeddingModels(context.Context, *emptypb.Empty) (*xaiv1.ListEmbeddingModelsResponse, error) {
	resp := &xaiv1.ListEmbeddingModelsResponse{}
	for _, m := range ms.s.models.embedding {
		resp.Models = append(resp.Models, m.proto())
	}
	return resp, nil
}

// ListImageGenerationModels lists the image models of the catalogue.
func (ms *modelsService) ListImageGenerationModels(context.Context, *emptypb.Empty) (*xaiv1.ListImageGenerationModelsResponse, error) {
	resp := &xaiv1.ListImageGenerationModelsResponse{}
	for _, m := range ms.s.models.image {
		resp.Models = append(resp.Models, m.proto())
	}
	return resp, nil
}

// GetLanguageModel describes one chat model, by name or alias.
func (ms *modelsService) GetLanguageModel(_ context.Context, req *xaiv1.GetModelRequest) (*xaiv1.LanguageModel, error) {
	m := find(ms.s.models.language, req.GetName())
	if m == nil {
		return nil, notFoundModel("language", req.GetName())
	}
	return m.proto(), nil
}

// GetEmbeddingModel describes one embedding model, by name or alias.
func (ms *modelsService) GetEmbeddingModel(_ context.Context, req *xaiv1.GetModelRequest) (*xaiv1.EmbeddingModel, error) {
	m := find(ms.s.models.embedding, req.GetName())
	if m == nil {
		return nil, notFoundModel("embedding", req.GetName())
	}
	return m.proto(), nil
}

// GetImageGenerationModel describes one image model, by name or alias.
func (ms *modelsService) GetImageGenerationModel(_ context.Context, req *xaiv1.GetModelRequest) (*xaiv1.ImageGenerationModel, error) {
	m := find(ms.s.models.image, req.GetName())
	if m == nil {
		return nil, notFoundModel("image generation", req.GetName())
	}
	return m.proto(), nil
}

func notFoundModel(kind, name string) error {
	if name == "" {
		return status.Errorf(codes.InvalidArgument, "name is required to look up a %s model", kind)
	}
	return status.Errorf(codes.NotFound, "%s model %q not found", kind, name)
}
