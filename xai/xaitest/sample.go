package xaitest

import (
	"context"
	"fmt"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/timestamppb"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
)

// sampleService implements the legacy Sample service. Each prompt gets n
// choices, numbered prompt*n+choice, continuing the prompt with a fixed
// deterministic text.
type sampleService struct {
	xaiv1.UnimplementedSampleServer
	s *Server
}

// sampleChoice is one generated continuation.
type sampleChoice struct {
	text   string
	finish xaiv1.FinishReason
}

// sample validates a request and generates its choices.
func (ss *sampleService) sample(req *xaiv1.SampleTextRequest) (*xaiv1.SampleTextResponse, []sampleChoice, error) {
	m, err := ss.s.lookupLanguageModel(req.GetModel())
	if err != nil {
		return nil, nil, err
	}
	if len(req.GetPrompt()) == 0 {
		return nil, nil, invalid("prompt must not be empty")
	}
	if err := checkSampling(req.N, req.MaxTokens, req.Temperature, req.TopP, req.FrequencyPenalty,
		req.PresencePenalty, req.GetLogprobs(), req.TopLogprobs); err != nil {
		return nil, nil, err
	}
	n := 1
	if req.N != nil {
		n = int(req.GetN())
	}
	prompt := 0
	var choices []sampleChoice
	for i, p := range req.GetPrompt() {
		if p == "" {
			return nil, nil, invalid("prompt[%d] is empty", i)
		}
		prompt += countTokens(p)
		for j := range n {
			text := fmt.Sprintf(" and so the text goes on after \"%s\".", capRunes(lastWords(p, 6), 80))
			if j > 0 {
				text = fmt.Sprintf(" (alternative %d)%s", j, text)
			}
			c := sampleChoice{text: text, finish: xaiv1.FinishReason_REASON_STOP}
			if req.MaxTokens != nil {
				if cut, truncated := truncateTokens(text, int(req.GetMaxTokens())); truncated {
					c = sampleChoice{text: cut, finish: xaiv1.FinishReason_REASON_MAX_LEN}
				}
			}
			choices = append(choices, c)
		}
	}
	completion := 0
	for _, c := range choices {
		completion += countTokens(c.text)
	}
	resp := &xaiv1.SampleTextResponse{
		Id:                newID(),
		Created:           timestamppb.New(ss.s.clock.Now()),
		Model:             m.name,
		SystemFingerprint: fingerprint(m.name),
		Usage: &xaiv1.SamplingUsage{
			PromptTokens:     int32(prompt),
			PromptTextTokens: int32(prompt),
			CompletionTokens: int32(completion),
			TotalTokens:      int32(prompt + completion),
		},
	}
	return resp, choices, nil
}

// lastWords returns the last n words of s.
func lastWords(s string, n int) string {
	f := strings.Fields(s)
	return strings.Join(f[max(0, len(f)-n):], " ")
}

// SampleText answers with every choice whole.
func (ss *sampleService) SampleText(_ context.Context, req *xaiv1.SampleTextRequest) (*xaiv1.SampleTextResponse, error) {
	resp, choices, err := ss.sample(req)
	if err != nil {
		return nil, err
	}
	for i, c := range choices {
		resp.Choices = append(resp.Choices, &xaiv1.SampleChoice{FinishReason: c.finish, Index: int32(i), Text: c.text})
	}
	return resp, nil
}

// SampleTextStreaming streams each choice in deltas; the last message
// carries the finish reasons and the usage.
func (ss *sampleService) SampleTextStreaming(req *xaiv1.SampleTextRequest, stream grpc.ServerStreamingServer[xaiv1.SampleTextResponse]) error {
	resp, choices, err := ss.sample(req)
	if err != nil {
		return err
	}
	msg := func(choices ...*xaiv1.SampleChoice) *xaiv1.SampleTextResponse {
		return &xaiv1.SampleTextResponse{
			Id: resp.Id, Created: resp.Created, Model: resp.Model, SystemFingerprint: resp.SystemFingerprint,
			Choices: choices,
		}
	}
	for i, c := range choices {
		for _, d := range splitDeltas(c.text) {
			if err := stream.Send(msg(&xaiv1.SampleChoice{Index: int32(i), Text: d})); err != nil {
				return err
			}
		}
	}
	var last []*xaiv1.SampleChoice
	for i, c := range choices {
		last = append(last, &xaiv1.SampleChoice{Index: int32(i), FinishReason: c.finish})
	}
	final := msg(last...)
	final.Usage = resp.Usage
	return stream.Send(final)
}
