package xai

import (
	"context"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
)

// TokenizeService shows how a model's tokenizer splits text, to count
// tokens against context limits and estimate costs before sending. Use it
// as [Client.Tokenize].
type TokenizeService struct {
	stub xaiv1.TokenizeClient
}

// ready reports whether the service can make calls.
func (s *TokenizeService) ready() error { return checkMade(s != nil && s.stub != nil, "Tokenize") }

// Token is one token of a tokenized text.
type Token struct {
	// ID is the token's number in the model's vocabulary.
	ID uint32
	// Text is the token as a string. A token may hold part of a multi-byte
	// UTF-8 character, so Text can differ from Bytes; Bytes is exact.
	Text string
	// Bytes are the exact bytes the token stands for. Concatenating the
	// Bytes of all tokens gives the text back.
	Bytes []byte
}

// Text splits text into the tokens model would see, in order. model is a
// language model name or alias, such as "grok-4"; an empty text has no
// tokens.
func (s *TokenizeService) Text(ctx context.Context, model, text string, opts ...CallOption) ([]Token, error) {
	resp, err := s.tokenize(ctx, "Tokenize.Text", model, text, opts)
	if err != nil {
		return nil, err
	}
	out := make([]Token, len(resp.GetTokens()))
	for i, t := range resp.GetTokens() {
		out[i] = Token{ID: t.GetTokenId(), Text: t.GetStringToken(), Bytes: t.GetTokenBytes()}
	}
	return out, nil
}

// Count returns the number of tokens model would see in text. It counts
// the text alone: a chat request adds a few tokens per message for its
// framing.
func (s *TokenizeService) Count(ctx context.Context, model, text string, opts ...CallOption) (int, error) {
	resp, err := s.tokenize(ctx, "Tokenize.Count", model, text, opts)
	if err != nil {
		return 0, err
	}
	return len(resp.GetTokens()), nil
}

func (s *TokenizeService) tokenize(ctx context.Context, method, model, text string, opts []CallOption) (*xaiv1.TokenizeTextResponse, error) {
	if err := s.ready(); err != nil {
		return nil, err
	}
	if err := checkModelName(method, model, "grok-4"); err != nil {
		return nil, err
	}
	return unary(ctx, s.stub.TokenizeText, &xaiv1.TokenizeTextRequest{Model: model, Text: text}, opts)
}
