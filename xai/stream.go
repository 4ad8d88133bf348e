package xai

import (
	"cmp"
	"context"
	"errors"
	"io"
	"iter"
	"slices"
	"strings"
	"sync"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
)

// Stream is a chat completion being streamed. Read it with All; it also
// builds the whole response as chunks arrive (Response). Close it if you
// stop reading before the end: breaking out of All closes it too.
type Stream struct {
	recv   grpc.ServerStreamingClient[xaiv1.GetChatCompletionChunk]
	cancel context.CancelFunc

	mu   sync.Mutex // guards everything below
	acc  accumulator
	n    int   // chunks received
	err  error // why the stream failed; nil while running or after a clean end
	done bool
}

// Stream sends the chat and returns the response as a stream of chunks.
// Failures before the first chunk are retried according to the retry
// policy; a failure after it ends the stream with an *Error whose Partial
// holds what had arrived. The call's deadline (by default 27 minutes)
// covers the whole stream.
func (c *Chat) Stream(ctx context.Context, opts ...CallOption) (*Stream, error) {
	req, err := c.sendable()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	recv, err := c.svc.stub.GetCompletionChunk(ctx, req, grpcCallOptions(opts)...)
	if err != nil {
		cancel()
		return nil, fromGRPC(err)
	}
	return &Stream{recv: recv, cancel: cancel}, nil
}

// All returns an iterator over the chunks of the stream:
//
//	for chunk, err := range stream.All() {
//		if err != nil { ... } // the last value: the stream failed
//		fmt.Print(chunk.Content())
//	}
//
// It ends when the response is complete, when the loop breaks (which
// closes the stream), or after yielding an error. Once the stream has
// ended, All yields nothing more, or the error again if it failed.
func (s *Stream) All() iter.Seq2[*Chunk, error] {
	return func(yield func(*Chunk, error) bool) {
		for {
			c, err := s.next()
			switch {
			case err == io.EOF:
				return
			case err != nil:
				yield(nil, err)
				return
			case !yield(c, nil):
				s.Close()
				return
			}
		}
	}
}

// next returns the next chunk, io.EOF at the clean end, or the failure.
func (s *Stream) next() (*Chunk, error) {
	if s.recv == nil {
		return nil, invalidArgument("the stream was not opened: get streams from Chat.Stream")
	}
	s.mu.Lock()
	done, err := s.done, s.err
	s.mu.Unlock()
	if done {
		if err != nil {
			return nil, err
		}
		return nil, io.EOF
	}
	pb, rerr := s.recv.Recv()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done { // closed while receiving
		return nil, io.EOF
	}
	if rerr != nil {
		s.done = true
		s.cancel()
		if rerr == io.EOF {
			return nil, io.EOF
		}
		s.err = s.failure(rerr)
		return nil, s.err
	}
	s.n++
	s.acc.add(pb)
	return &Chunk{pb: pb}, nil
}

// failure converts a receive error, attaching the partial response when
// chunks had arrived. Called with s.mu held.
func (s *Stream) failure(err error) error {
	err = fromGRPC(err)
	var xerr *Error
	if s.n > 0 && errors.As(err, &xerr) {
		xerr.Partial = newResponse(s.acc.response())
	}
	return err
}

// Response returns the response built from the chunks received so far: the
// whole response once All has finished.
func (s *Stream) Response() *Response {
	s.mu.Lock()
	defer s.mu.Unlock()
	return newResponse(s.acc.response())
}

// Err returns why the stream failed, or nil if it has not failed.
func (s *Stream) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// Close stops the stream and releases its resources; Response still
// returns what had arrived. It is safe to call more than once, and from
// another goroutine to abort a read in progress.
func (s *Stream) Close() error {
	s.mu.Lock()
	s.done = true
	s.mu.Unlock()
	if s.cancel != nil {
		s.cancel()
	}
	return nil
}

// Chunk is one piece of a streamed chat completion. Its accessors describe
// choice 0 (output index 0), the only one unless WithN was given; use Proto
// for the others.
type Chunk struct {
	pb *xaiv1.GetChatCompletionChunk
}

// Proto returns the raw protobuf chunk.
func (c *Chunk) Proto() *xaiv1.GetChatCompletionChunk { return c.pb }

// ID returns the ID of the response being streamed.
func (c *Chunk) ID() string { return c.pb.GetId() }

// deltas returns the deltas of choice 0.
func (c *Chunk) deltas() iter.Seq2[*xaiv1.CompletionOutputChunk, *xaiv1.Delta] {
	return func(yield func(*xaiv1.CompletionOutputChunk, *xaiv1.Delta) bool) {
		for _, o := range c.pb.GetOutputs() {
			if o.GetIndex() == 0 && !yield(o, o.GetDelta()) {
				return
			}
		}
	}
}

func (c *Chunk) join(field func(*xaiv1.Delta) string) string {
	var b strings.Builder
	for _, d := range c.deltas() {
		b.WriteString(field(d))
	}
	return b.String()
}

// Content returns the text this chunk adds to the answer.
func (c *Chunk) Content() string { return c.join((*xaiv1.Delta).GetContent) }

// ReasoningContent returns the reasoning text this chunk adds, for models
// that expose their reasoning.
func (c *Chunk) ReasoningContent() string { return c.join((*xaiv1.Delta).GetReasoningContent) }

// EncryptedContent returns encrypted reasoning carried by this chunk, when
// the chat asked for it with WithEncryptedContent.
func (c *Chunk) EncryptedContent() string { return c.join((*xaiv1.Delta).GetEncryptedContent) }

// ToolCalls returns the tool calls in this chunk; they arrive whole, not in
// pieces.
func (c *Chunk) ToolCalls() []ToolCall {
	var calls []ToolCall
	for _, d := range c.deltas() {
		for _, tc := range d.GetToolCalls() {
			calls = append(calls, ToolCall{pb: tc})
		}
	}
	return calls
}

// FinishReason returns why generation stopped, on the last chunk of the
// answer, and REASON_INVALID on the others.
func (c *Chunk) FinishReason() xaiv1.FinishReason {
	for o := range c.deltas() {
		if r := o.GetFinishReason(); r != xaiv1.FinishReason_REASON_INVALID {
			return r
		}
	}
	return xaiv1.FinishReason_REASON_INVALID
}

// Usage returns the token usage reported with this chunk, or nil; the last
// chunk carries the final figures.
func (c *Chunk) Usage() *xaiv1.SamplingUsage { return c.pb.GetUsage() }

// Citations returns source URLs sent with this chunk.
func (c *Chunk) Citations() []string { return c.pb.GetCitations() }

// accumulator builds a response from chunks. Texts are gathered in
// builders so that long streams cost linear time.
type accumulator struct {
	resp    *xaiv1.GetChatCompletionResponse // everything but the outputs
	outputs []*outputAcc                     // in order of first appearance
}

type outputAcc struct {
	out                          *xaiv1.CompletionOutput // texts left empty
	content, reasoning, encrypts strings.Builder
}

func (a *accumulator) output(index int32) *outputAcc {
	for _, o := range a.outputs {
		if o.out.Index == index {
			return o
		}
	}
	o := &outputAcc{out: &xaiv1.CompletionOutput{Index: index, Message: &xaiv1.CompletionMessage{}}}
	a.outputs = append(a.outputs, o)
	return o
}

func (a *accumulator) add(c *xaiv1.GetChatCompletionChunk) {
	if a.resp == nil {
		a.resp = &xaiv1.GetChatCompletionResponse{}
	}
	r := a.resp
	if c.Id != "" {
		r.Id = c.Id
	}
	if c.Created != nil {
		r.Created = c.Created
	}
	if c.Model != "" {
		r.Model = c.Model
	}
	if c.SystemFingerprint != "" {
		r.SystemFingerprint = c.SystemFingerprint
	}
	if c.Usage != nil {
		r.Usage = c.Usage
	}
	if c.DebugOutput != nil {
		r.DebugOutput = c.DebugOutput
	}
	if c.ServiceTier != xaiv1.ServiceTier_SERVICE_TIER_UNSPECIFIED {
		r.ServiceTier = c.ServiceTier
	}
	r.Citations = append(r.Citations, c.Citations...)
	r.OutputFiles = append(r.OutputFiles, c.OutputFiles...)
	for _, oc := range c.Outputs {
		o := a.output(oc.Index)
		d, m := oc.GetDelta(), o.out.Message
		o.content.WriteString(d.GetContent())
		o.reasoning.WriteString(d.GetReasoningContent())
		o.encrypts.WriteString(d.GetEncryptedContent())
		if d.GetRole() != xaiv1.MessageRole_INVALID_ROLE {
			m.Role = d.GetRole()
		}
		m.ToolCalls = append(m.ToolCalls, d.GetToolCalls()...)
		m.Citations = append(m.Citations, d.GetCitations()...)
		if oc.FinishReason != xaiv1.FinishReason_REASON_INVALID {
			o.out.FinishReason = oc.FinishReason
		}
		if lp := oc.GetLogprobs(); lp != nil {
			if o.out.Logprobs == nil {
				o.out.Logprobs = &xaiv1.LogProbs{}
			}
			o.out.Logprobs.Content = append(o.out.Logprobs.Content, lp.GetContent()...)
		}
	}
}

// response returns a deep copy of the response so far, outputs sorted by
// index.
func (a *accumulator) response() *xaiv1.GetChatCompletionResponse {
	r := &xaiv1.GetChatCompletionResponse{}
	if a.resp != nil {
		r = proto.CloneOf(a.resp)
	}
	for _, o := range a.outputs {
		out := proto.CloneOf(o.out)
		out.Message.Content = o.content.String()
		out.Message.ReasoningContent = o.reasoning.String()
		out.Message.EncryptedContent = o.encrypts.String()
		r.Outputs = append(r.Outputs, out)
	}
	slices.SortStableFunc(r.Outputs, func(x, y *xaiv1.CompletionOutput) int { return cmp.Compare(x.Index, y.Index) })
	return r
}
