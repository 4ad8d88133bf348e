package xaitest

import (
	"context"
	"strings"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/timestamppb"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
)

// The catalogue is modelled on the public xAI model list. Prices are in USD
// ticks (1e-10 USD) per token, or per image for image models, so a usage's
// cost_in_usd_ticks is the sum of tokens times prices.

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

var languageModels = []*languageModel{
	{
		named: named{"grok-4-0709", []string{"grok-4", "grok-4-latest"}}, version: "1.0.0",
		vision: true, reasoning: true,
		promptTick: 30000, cachedTick: 7500, imageTick: 30000, outputTick: 150000, searchTick: 250000000,
		created: date(2025, time.July, 9), maxPrompt: 256000,
	},
	{
		named: named{"grok-4-fast-reasoning", []string{"grok-4-fast-reasoning-latest", "grok-4-fast"}}, version: "1.0.0",
		vision: true, reasoning: true,
		promptTick: 2000, cachedTick: 500, imageTick: 2000, outputTick: 5000, searchTick: 250000000,
		created: date(2025, time.September, 19), maxPrompt: 2000000,
	},
	{
		named: named{"grok-4-fast-non-reasoning", []string{"grok-4-fast-non-reasoning-latest"}}, version: "1.0.0",
		vision:     true,
		promptTick: 2000, cachedTick: 500, imageTick: 2000, outputTick: 5000, searchTick: 250000000,
		created: date(2025, time.September, 19), maxPrompt: 2000000,
	},
	{
		named: named{"grok-code-fast-1", []string{"grok-code-fast", "grok-code-fast-1-0825"}}, version: "1.0.0",
		reasoning:  true,
		promptTick: 2000, cachedTick: 200, outputTick: 15000,
		created: date(2025, time.August, 28), maxPrompt: 256000,
	},
	{
		named: named{"grok-3", []string{"grok-3-latest", "grok-3-beta"}}, version: "1.0.0",
		promptTick: 30000, cachedTick: 7500, outputTick: 150000, searchTick: 250000000,
		created: date(2025, time.February, 17), maxPrompt: 131072,
	},
	{
		named: named{"grok-3-mini", []string{"grok-3-mini-latest", "grok-3-mini-beta"}}, version: "1.0.0",
		reasoning:  true,
		promptTick: 3000, cachedTick: 750, outputTick: 5000, searchTick: 250000000,
		created: date(2025, time.February, 17), maxPrompt: 131072,
	},
	{
		named: named{"grok-2-vision-1212", []string{"grok-2-vision", "grok-2-vision-latest"}}, version: "0.1.0",
		vision:     true,
		promptTick: 20000, imageTick: 20000, outputTick: 100000,
		created: date(2024, time.December, 12), maxPrompt: 32768,
	},
}

var embeddingModels = []*embeddingModel{
	{
		named: named{"v1", []string{"embedding-v1"}}, version: "1.0.0",
		promptTick: 1000, imageTick: 1000, created: date(2024, time.November, 1), dimensions: embeddingDims,
	},
}

var imageModels = []*imageModel{
	{
		named: named{"grok-2-image-1212", []string{"grok-2-image", "grok-2-image-latest"}}, version: "0.1.0",
		imageTick: 700000000, created: date(2024, time.December, 12), maxPrompt: 1024,
	},
	{
		named: named{"grok-imagine-image", []string{"grok-imagine-image-latest"}}, version: "1.0.0",
		imageTick: 200000000, created: date(2025, time.October, 1), maxPrompt: 4096,
	},
}

// lookupLanguageModel resolves a chat model, with INVALID_ARGUMENT errors
// as the completion RPCs give them.
func lookupLanguageModel(name string) (*languageModel, error) {
	if strings.TrimSpace(name) == "" {
		return nil, status.Error(codes.InvalidArgument, "model is required")
	}
	m := find(languageModels, name)
	if m == nil {
		if find(embeddingModels, name) != nil || find(imageModels, name) != nil {
			return nil, status.Errorf(codes.InvalidArgument, "model %q is not a language model", name)
		}
		return nil, status.Errorf(codes.InvalidArgument, "model %q does not exist or your API key has no access to it", name)
	}
	return m, nil
}

// lookupEmbeddingModel resolves an embedding model.
func lookupEmbeddingModel(name string) (*embeddingModel, error) {
	if strings.TrimSpace(name) == "" {
		return nil, status.Error(codes.InvalidArgument, "model is required")
	}
	m := find(embeddingModels, name)
	if m == nil {
		return nil, status.Errorf(codes.InvalidArgument, "model %q is not an embedding model available to your API key", name)
	}
	return m, nil
}

// lookupImageModel resolves an image generation model.
func lookupImageModel(name string) (*imageModel, error) {
	if strings.TrimSpace(name) == "" {
		return nil, status.Error(codes.InvalidArgument, "model is required")
	}
	m := find(imageModels, name)
	if m == nil {
		return nil, status.Errorf(codes.InvalidArgument, "model %q is not an image generation model available to your API key", name)
	}
	return m, nil
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
func (*modelsService) ListLanguageModels(context.Context, *emptypb.Empty) (*xaiv1.ListLanguageModelsResponse, error) {
	resp := &xaiv1.ListLanguageModelsResponse{}
	for _, m := range languageModels {
		resp.Models = append(resp.Models, m.proto())
	}
	return resp, nil
}

// ListEmbeddingModels lists the embedding models of the catalogue.
func (*modelsService) ListEmbeddingModels(context.Context, *emptypb.Empty) (*xaiv1.ListEmbeddingModelsResponse, error) {
	resp := &xaiv1.ListEmbeddingModelsResponse{}
	for _, m := range embeddingModels {
		resp.Models = append(resp.Models, m.proto())
	}
	return resp, nil
}

// ListImageGenerationModels lists the image models of the catalogue.
func (*modelsService) ListImageGenerationModels(context.Context, *emptypb.Empty) (*xaiv1.ListImageGenerationModelsResponse, error) {
	resp := &xaiv1.ListImageGenerationModelsResponse{}
	for _, m := range imageModels {
		resp.Models = append(resp.Models, m.proto())
	}
	return resp, nil
}

// GetLanguageModel describes one chat model, by name or alias.
func (*modelsService) GetLanguageModel(_ context.Context, req *xaiv1.GetModelRequest) (*xaiv1.LanguageModel, error) {
	m := find(languageModels, req.GetName())
	if m == nil {
		return nil, notFoundModel("language", req.GetName())
	}
	return m.proto(), nil
}

// GetEmbeddingModel describes one embedding model, by name or alias.
func (*modelsService) GetEmbeddingModel(_ context.Context, req *xaiv1.GetModelRequest) (*xaiv1.EmbeddingModel, error) {
	m := find(embeddingModels, req.GetName())
	if m == nil {
		return nil, notFoundModel("embedding", req.GetName())
	}
	return m.proto(), nil
}

// GetImageGenerationModel describes one image model, by name or alias.
func (*modelsService) GetImageGenerationModel(_ context.Context, req *xaiv1.GetModelRequest) (*xaiv1.ImageGenerationModel, error) {
	m := find(imageModels, req.GetName())
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
