package xai

import (
	"cmp"
	"context"
	"iter"
	"slices"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/reflect/protoreflect"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
	"github.com/gogrok/sdk/xai/internal/completion"
)

// SampleService is the legacy text completion API: the model continues a
// raw text prompt, without chat roles, tools or stored conversations. New
// code should prefer [Client.Chat]. Use it as [Client.Sample].
//
// Its methods take the chat options that the legacy API has a field for:
// [WithN], [WithMaxTokens], [WithSeed], [WithStop], [WithTemperature], [WithTopP],
// [WithFrequencyPenalty], [WithPresencePenalty], [WithLogprobs] and [WithUser],
// checked as for chat, and [CallOptions] to change the call. Any other chat
// option that sets a field of the request is an error with code
// InvalidArgument, and nothing is sent; one that leaves the request
// unchanged, such as WithStoreMessages(false), has no effect.
type SampleService struct {
	stub xaiv1.SampleClient
}

// ready reports whether the service can make calls.
func (s *SampleService) ready() error { return checkMade(s != nil && s.stub != nil, "Sample") }

// sampleFields are the fields of GetCompletionsRequest that
// SampleTextRequest has too.
var sampleFields = map[protoreflect.Name]bool{
	"n": true, "max_tokens": true, "seed": true, "stop": true, "temperature": true, "top_p": true,
	"frequency_penalty": true, "presence_penalty": true, "logprobs": true, "top_logprobs": true, "user": true,
}

// request builds a sample request from chat options, and collects the call
// options given with [CallOptions].
func (s *SampleService) request(method, model, prompt string, opts []ChatOption) (*xaiv1.SampleTextRequest, []CallOption, error) {
	if err := s.ready(); err != nil {
		return nil, nil, err
	}
	if err := checkModelName(method, model, "grok-3"); err != nil {
		return nil, nil, err
	}
	if prompt == "" {
		return nil, nil, invalidArgument("%s: the prompt is empty; pass the text for the model to continue", method)
	}
	var (
		acc  = &xaiv1.GetCompletionsRequest{}
		call []CallOption
	)
	for i, o := range opts {
		switch o := o.(type) {
		case nil:
			return nil, nil, errNilOption(method, i)
		case CallOptions:
			call = append(call, o...)
			continue
		}
		one := &xaiv1.GetCompletionsRequest{}
		if err := o.applyChat(one); err != nil {
			return nil, nil, err
		}
		var unsupported protoreflect.Name
		one.ProtoReflect().Range(func(fd protoreflect.FieldDescriptor, _ protoreflect.Value) bool {
			if !sampleFields[fd.Name()] {
				unsupported = fd.Name()
				return false
			}
			return true
		})
		if unsupported != "" {
			return nil, nil, invalidArgument("%s: option %d sets %s, which the legacy Sample API does not have; it takes WithN, WithMaxTokens, WithSeed, WithStop, WithTemperature, WithTopP, WithFrequencyPenalty, WithPresencePenalty, WithLogprobs, WithUser and CallOptions (use Client.Chat for the others)", method, i, unsupported)
		}
		_ = o.applyChat(acc) // succeeded above on an empty request
	}
	return &xaiv1.SampleTextRequest{
		Prompt:           []string{prompt},
		Model:            model,
		N:                acc.N,
		MaxTokens:        acc.MaxTokens,
		Seed:             acc.Seed,
		Stop:             acc.Stop,
		Temperature:      acc.Temperature,
		TopP:             acc.TopP,
		FrequencyPenalty: acc.FrequencyPenalty,
		PresencePenalty:  acc.PresencePenalty,
		Logprobs:         acc.Logprobs,
		TopLogprobs:      acc.TopLogprobs,
		User:             acc.User,
	}, call, nil
}

// Text asks model, a language model such as "grok-3", to continue prompt,
// and returns the completion once it is ready.
func (s *SampleService) Text(ctx context.Context, model, prompt string, opts ...ChatOption) (*Completion, error) {
	req, call, err := s.request("Sample.Text", model, prompt, opts)
	if err != nil {
		return nil, err
	}
	pb, err := s.stub.SampleText(ctx, req, grpcCallOptions(call)...)
	if err != nil {
		return nil, fromGRPC(err)
	}
	return &Completion{pb: pb}, nil
}

// Stream asks model to continue prompt and returns the completion as a
// stream of chunks. Failures before the server commits to the call are
// retried according to the retry policy, and a stream that cannot be
// opened is reported by the first read of All; a failure after that ends
// the stream with an [*Error], and [SampleStream.Completion] still holds what
// had arrived. The call's
// deadline (by default 27 minutes) covers the whole stream.
func (s *SampleService) Stream(ctx context.Context, model, prompt string, opts ...ChatOption) (*SampleStream, error) {
	req, call, err := s.request("Sample.Stream", model, prompt, opts)
	if err != nil {
		return nil, err
	}
	st := &SampleStream{}
	err = st.loop.start(ctx, func(ctx context.Context) (grpc.ServerStreamingClient[xaiv1.SampleTextResponse], error) {
		return s.stub.SampleTextStreaming(ctx, req, grpcCallOptions(call)...)
	})
	if err != nil {
		return nil, err
	}
	return st, nil
}

// Completion is the result of a legacy text completion: one or more
// choices ([WithN]), each continuing the prompt. Its accessors describe
// choice 0 unless they say otherwise, and are safe on a nil *Completion.
type Completion struct {
	pb *xaiv1.SampleTextResponse
}

// CompletionChoice is one choice of a Completion.
type CompletionChoice struct {
	// Index tells the choices of a request with [WithN] apart, from 0.
	Index int
	// Text is the generated continuation of the prompt.
	Text string
	// FinishReason says why generation stopped, for example REASON_STOP or
	// REASON_MAX_LEN.
	FinishReason xaiv1.FinishReason
}

// Proto returns the raw protobuf response.
func (c *Completion) Proto() *xaiv1.SampleTextResponse {
	if c == nil {
		return nil
	}
	return c.pb
}

// ID returns the ID of the request.
func (c *Completion) ID() string { return c.Proto().GetId() }

// choice returns choice 0, or nil.
func (c *Completion) choice() *xaiv1.SampleChoice {
	for _, ch := range c.Proto().GetChoices() {
		if ch.GetIndex() == 0 {
			return ch
		}
	}
	return nil
}

// Text returns the generated text of choice 0.
func (c *Completion) Text() string { return c.choice().GetText() }

// FinishReason returns why generation of choice 0 stopped.
func (c *Completion) FinishReason() xaiv1.FinishReason { return c.choice().GetFinishReason() }

// Choices returns every choice, in order of index.
func (c *Completion) Choices() []CompletionChoice {
	pbs := c.Proto().GetChoices()
	out := make([]CompletionChoice, len(pbs))
	for i, ch := range pbs {
		out[i] = CompletionChoice{Index: int(ch.GetIndex()), Text: ch.GetText(), FinishReason: ch.GetFinishReason()}
	}
	slices.SortStableFunc(out, func(a, b CompletionChoice) int { return cmp.Compare(a.Index, b.Index) })
	return out
}

// Model returns the full name of the model that produced the text.
func (c *Completion) Model() string { return c.Proto().GetModel() }

// Created returns when the request was processed, or the zero time if the
// server did not say.
func (c *Completion) Created() time.Time {
	return timeOf(c.Proto().GetCreated())
}

// SystemFingerprint identifies the backend configuration that served the
// request.
func (c *Completion) SystemFingerprint() string { return c.Proto().GetSystemFingerprint() }

// Usage returns the token counts and cost of the request, or nil.
func (c *Completion) Usage() *xaiv1.SamplingUsage { return c.Proto().GetUsage() }

// String returns the ID and the text of choice 0, for printing.
func (c *Completion) String() string {
	if c.Proto() == nil {
		return "<nil completion>"
	}
	if c.ID() == "" {
		return c.Text()
	}
	return c.ID() + ": " + c.Text()
}

// SampleStream is a legacy text completion being streamed. Read it with
// All; it builds the whole completion as chunks arrive (Completion). Close
// it if you stop reading before the end: breaking out of All closes it too.
type SampleStream struct {
	loop recvLoop[xaiv1.SampleTextResponse]
	acc  completion.SampleAccumulator
}

// CompletionChunk is one piece of a streamed completion. Its accessors
// describe choice 0; use Proto for the others.
type CompletionChunk struct {
	pb *xaiv1.SampleTextResponse
}

// Proto returns the raw protobuf message.
func (c CompletionChunk) Proto() *xaiv1.SampleTextResponse { return c.pb }

// Text returns the text this chunk adds to choice 0.
func (c CompletionChunk) Text() string {
	var b strings.Builder
	for _, ch := range c.pb.GetChoices() {
		if ch.GetIndex() == 0 {
			b.WriteString(ch.GetText())
		}
	}
	return b.String()
}

// FinishReason returns why generation of choice 0 stopped, on the chunk
// that ends it, and REASON_INVALID on the others.
func (c CompletionChunk) FinishReason() xaiv1.FinishReason {
	for _, ch := range c.pb.GetChoices() {
		if ch.GetIndex() == 0 && ch.GetFinishReason() != xaiv1.FinishReason_REASON_INVALID {
			return ch.GetFinishReason()
		}
	}
	return xaiv1.FinishReason_REASON_INVALID
}

// Usage returns the usage sent with this chunk, or nil; it is complete
// only in the last chunk.
func (c CompletionChunk) Usage() *xaiv1.SamplingUsage { return c.pb.GetUsage() }

// All returns an iterator over the chunks of the stream:
//
//	for chunk, err := range stream.All() {
//		if err != nil { ... } // the last value: the stream failed
//		fmt.Print(chunk.Text())
//	}
//
// It ends when the completion is done, when the loop breaks (which closes
// the stream), or after yielding an error. Once the stream has ended, All
// yields nothing more, or the error again if it failed.
func (s *SampleStream) All() iter.Seq2[CompletionChunk, error] {
	var loop *recvLoop[xaiv1.SampleTextResponse]
	if s != nil {
		loop = &s.loop
	}
	return all(loop, s.next, func(pb *xaiv1.SampleTextResponse) CompletionChunk { return CompletionChunk{pb: pb} })
}

func (s *SampleStream) next() (*xaiv1.SampleTextResponse, error) {
	if s == nil || s.loop.recv == nil {
		return nil, notOpened("client.Sample.Stream")
	}
	return s.loop.next(s)
}

// take accumulates m; failed leaves the error as it is (Completion holds
// what had arrived). The loop's lock is held.
func (s *SampleStream) take(m *xaiv1.SampleTextResponse) { s.acc.Add(m) }
func (s *SampleStream) failed(*Error)                    {}

// Completion returns the completion built from the chunks received so
// far: the whole completion once All has finished, and what had arrived if
// the stream failed or was closed.
func (s *SampleStream) Completion() *Completion {
	if s == nil {
		return nil
	}
	var c *Completion
	s.loop.locked(func() { c = &Completion{pb: s.acc.Response()} })
	return c
}

// Err returns why the stream failed, or nil if it has not failed.
func (s *SampleStream) Err() error {
	if s == nil {
		return nil
	}
	return s.loop.failure()
}

// Close stops the stream and releases its resources; Completion still
// returns what had arrived. It is safe to call more than once, on a nil
// stream, and from another goroutine to abort a read in progress.
func (s *SampleStream) Close() error {
	if s != nil {
		s.loop.close()
	}
	return nil
}
