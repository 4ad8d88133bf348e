package xai

import (
	"context"

	"google.golang.org/protobuf/types/known/emptypb"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
)

// ModelsService lists and describes the models your API key may use:
// language (chat) models, embedding models and image generation models.
// Use it as [Client.Models].
//
// Models are returned as the protobuf messages of package xaiv1, which are
// plain descriptions (name, aliases, modalities, prices, context length)
// read with their getters. Prices are integers in the API's fixed-point
// units: USD ticks (see [TicksPerUSD]) per token, or per image for image
// models.
type ModelsService struct {
	stub xaiv1.ModelsClient
}

// ready reports whether the service can make calls.
func (s *ModelsService) ready() error { return checkMade(s != nil && s.stub != nil, "Models") }

// ListLanguage lists the language (chat and text completion) models
// available to the API key.
func (s *ModelsService) ListLanguage(ctx context.Context, opts ...CallOption) ([]*xaiv1.LanguageModel, error) {
	if err := s.ready(); err != nil {
		return nil, err
	}
	resp, err := s.stub.ListLanguageModels(ctx, &emptypb.Empty{}, grpcCallOptions(opts)...)
	if err != nil {
		return nil, fromGRPC(err)
	}
	return resp.GetModels(), nil
}

// GetLanguage describes the language model called name, its full name or
// one of its aliases ("grok-4"). The description carries the full name. An
// unknown model gives an error for which [IsNotFound] is true.
func (s *ModelsService) GetLanguage(ctx context.Context, name string, opts ...CallOption) (*xaiv1.LanguageModel, error) {
	if err := s.ready(); err != nil {
		return nil, err
	}
	if err := checkModelName("Models.GetLanguage", name, "grok-4"); err != nil {
		return nil, err
	}
	return unary(ctx, s.stub.GetLanguageModel, &xaiv1.GetModelRequest{Name: name}, opts)
}

// ListEmbedding lists the embedding models available to the API key.
func (s *ModelsService) ListEmbedding(ctx context.Context, opts ...CallOption) ([]*xaiv1.EmbeddingModel, error) {
	if err := s.ready(); err != nil {
		return nil, err
	}
	resp, err := s.stub.ListEmbeddingModels(ctx, &emptypb.Empty{}, grpcCallOptions(opts)...)
	if err != nil {
		return nil, fromGRPC(err)
	}
	return resp.GetModels(), nil
}

// GetEmbedding describes the embedding model called name (full name or
// alias). An unknown model gives an error for which [IsNotFound] is true.
func (s *ModelsService) GetEmbedding(ctx context.Context, name string, opts ...CallOption) (*xaiv1.EmbeddingModel, error) {
	if err := s.ready(); err != nil {
		return nil, err
	}
	if err := checkModelName("Models.GetEmbedding", name, "v1"); err != nil {
		return nil, err
	}
	return unary(ctx, s.stub.GetEmbeddingModel, &xaiv1.GetModelRequest{Name: name}, opts)
}

// ListImageGeneration lists the image generation models available to the
// API key.
func (s *ModelsService) ListImageGeneration(ctx context.Context, opts ...CallOption) ([]*xaiv1.ImageGenerationModel, error) {
	if err := s.ready(); err != nil {
		return nil, err
	}
	resp, err := s.stub.ListImageGenerationModels(ctx, &emptypb.Empty{}, grpcCallOptions(opts)...)
	if err != nil {
		return nil, fromGRPC(err)
	}
	return resp.GetModels(), nil
}

// GetImageGeneration describes the image generation model called name
// (full name or alias). An unknown model gives an error for which
// [IsNotFound] is true.
func (s *ModelsService) GetImageGeneration(ctx context.Context, name string, opts ...CallOption) (*xaiv1.ImageGenerationModel, error) {
	if err := s.ready(); err != nil {
		return nil, err
	}
	if err := checkModelName("Models.GetImageGeneration", name, "grok-2-image"); err != nil {
		return nil, err
	}
	return unary(ctx, s.stub.GetImageGenerationModel, &xaiv1.GetModelRequest{Name: name}, opts)
}
