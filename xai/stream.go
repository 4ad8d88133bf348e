package xai

import (
	"context"
	"errors"
	"io"
	"iter"
	"strings"
	"sync"
	"sync/atomic"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/reflect/protoreflect"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
	"github.com/gogrok/sdk/xai/internal/completion"
)

// recvLoop is the receive loop under every server-streaming result of the
// package ([Stream], [SampleStream]): one nil-safety rule, one close path,
// errors converted once. M is the streamed message; the stream's sink
// takes each message into its accumulator under the loop's lock, so that
// reading the accumulated result from another goroutine is safe.
type recvLoop[M any] struct {
	recv   grpc.ServerStreamingClient[M]
	cancel context.CancelFunc

	// done is set when the stream has ended (under mu, so that no message
	// is taken after it); next reads it before receiving without the lock.
	done atomic.Bool
	mu   sync.Mutex // guards everything below and the caller's accumulator
	n    int        // messages received
	err  error      // why the stream failed; nil while running or after a clean end
}

// start opens the stream with open, on a context that close cancels.
func (l *recvLoop[M]) start(ctx context.Context, open func(context.Context) (grpc.ServerStreamingClient[M], error)) error {
	ctx, cancel := context.WithCancel(ctx)
	recv, err := open(ctx)
	if err != nil {
		cancel()
		return fromGRPC(err)
	}
	l.recv, l.cancel = recv, cancel
	return nil
}

// sink is what a stream does with what its loop receives, under the
// loop's lock: take accumulates a message; failed completes the [*Error] of
// a failure after some messages arrived (with the partial result).
type sink[M any] interface {
	take(*M)
	failed(*Error)
}

// next returns the next message, io.EOF at the clean end, or the failure;
// the stream must have been opened.
func (l *recvLoop[M]) next(to sink[M]) (*M, error) {
	if l.done.Load() {
		if err := l.failure(); err != nil {
			return nil, err
		}
		return nil, io.EOF
	}
	m, rerr := l.recv.Recv()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.done.Load() { // closed while receiving
		return nil, io.EOF
	}
	if rerr != nil {
		l.done.Store(true)
		l.cancel()
		if rerr == io.EOF {
			return nil, io.EOF
		}
		l.err = fromGRPC(rerr)
		var xerr *Error
		if l.n > 0 && errors.As(l.err, &xerr) {
			to.failed(xerr)
		}
		return nil, l.err
	}
	l.n++
	to.take(m)
	return m, nil
}

// notOpened is the error of reading a nil or zero stream; opener names the
// method that opens such streams.
func notOpened(opener string) error {
	return invalidArgument("the stream was not opened: get streams from %s", opener)
}

// all is the iterator behind the All methods: it ends at the clean end,
// after yielding the failure, or when the loop breaks, which closes the
// stream.
func all[M, C any](l *recvLoop[M], next func() (*M, error), wrap func(*M) C) iter.Seq2[C, error] {
	return func(yield func(C, error) bool) {
		for {
			m, err := next()
			switch {
			case err == io.EOF:
				return
			case err != nil:
				var zero C
				yield(zero, err)
				return
			case !yield(wrap(m), nil):
				l.close()
				return
			}
		}
	}
}

// locked runs f under the loop's lock; f reads the accumulated result.
func (l *recvLoop[M]) locked(f func()) {
	l.mu.Lock()
	defer l.mu.Unlock()
	f()
}

// failure returns why the stream failed, or nil.
func (l *recvLoop[M]) failure() error {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.err
}

// close stops the stream; it is safe on a nil or zero loop, more than once,
// and from another goroutine while a receive is in progress.
func (l *recvLoop[M]) close() {
	if l == nil {
		return
	}
	l.mu.Lock()
	l.done.Store(true)
	l.mu.Unlock()
	if l.cancel != nil {
		l.cancel()
	}
}

// Stream is a chat completion being streamed. Read it with All; it also
// builds the whole response as chunks arrive ([Stream.Response]). Close it if you
// stop reading before the end: breaking out of All closes it too.
//
// A stream that is neither read to its end nor closed keeps its gRPC call,
// and the goroutines and buffers under it, until the call's deadline (27
// minutes by default): defer Close right after opening one.
type Stream struct {
	loop recvLoop[xaiv1.GetChatCompletionChunk]
	acc  completion.Accumulator
	// one is set when every output belongs to one answer (see [Response]):
	// from the request, or once a chunk shows an output index above 0
	// when a single choice was asked for.
	one, single bool
	scrub       func(protoreflect.Message) // the client's key redaction, for Partial
}

// Stream sends the chat and returns the response as a stream of chunks.
// Failures before the server commits to the call (before its response
// headers arrive) are retried according to the retry policy; a stream that
// cannot be opened at all, or a request over the size limit, is reported
// by the first read of All. A failure after chunks arrived ends the stream
// with an [*Error] whose Partial holds them. The call's deadline (by default
// 27 minutes) covers the whole stream.
func (c *Chat) Stream(ctx context.Context, opts ...CallOption) (*Stream, error) {
	req, err := c.sendable()
	if err != nil {
		return nil, err
	}
	ctx = c.callContext(ctx)
	s := &Stream{single: req.GetN() <= 1}
	err = s.loop.start(ctx, func(ctx context.Context) (grpc.ServerStreamingClient[xaiv1.GetChatCompletionChunk], error) {
		return c.svc.stub.GetCompletionChunk(ctx, req, grpcCallOptions(opts)...)
	})
	if err != nil {
		return nil, err
	}
	s.one = s.single && hasServerSideTools(req.GetTools())
	s.scrub = c.svc.scrub
	return s, nil
}

// failed gives the error of a failure after some chunks the partial
// response, with the keys redacted: it goes into an error. The loop's lock
// is held.
func (s *Stream) failed(e *Error) {
	e.Partial = s.response()
	if s.scrub != nil {
		s.scrub(e.Partial.pb.ProtoReflect())
	}
}

// take accumulates c; the loop's lock is held.
func (s *Stream) take(c *xaiv1.GetChatCompletionChunk) {
	s.acc.Add(c)
	if s.single && !s.one && s.acc.MaxIndex() > 0 {
		s.one = true // the service added tools by itself
	}
}

// response wraps what has been accumulated; the loop's lock is held.
func (s *Stream) response() *Response {
	return &Response{pb: s.acc.Response(), one: s.one}
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
func (s *Stream) All() iter.Seq2[Chunk, error] {
	var loop *recvLoop[xaiv1.GetChatCompletionChunk]
	if s != nil {
		loop = &s.loop
	}
	return all(loop, s.next, s.chunk)
}

func (s *Stream) next() (*xaiv1.GetChatCompletionChunk, error) {
	if s == nil || s.loop.recv == nil {
		return nil, notOpened("Chat.Stream")
	}
	return s.loop.next(s)
}

// chunk wraps pb, with the answer rule in force when it arrived.
func (s *Stream) chunk(pb *xaiv1.GetChatCompletionChunk) Chunk {
	// No lock: s.one changes only in take, which ran in this goroutine (the
	// reader's) just before; other goroutines only read it.
	return Chunk{pb: pb, one: s.one}
}

// Response returns the response built from the chunks received so far: the
// whole response once All has finished. It equals, field for field, what
// [Chat.Sample] returns for the same reply, with one exception: outputs that
// the service sent with one index and one role in several separate steps
// are joined into one output.
func (s *Stream) Response() *Response {
	if s == nil {
		return &Response{pb: &xaiv1.GetChatCompletionResponse{}}
	}
	var r *Response
	s.loop.locked(func() { r = s.response() })
	return r
}

// Err returns why the stream failed, or nil if it has not failed.
func (s *Stream) Err() error {
	if s == nil {
		return nil
	}
	return s.loop.failure()
}

// Close stops the stream and releases its resources; [Stream.Response] still
// returns what had arrived. It is safe to call more than once, on a nil
// stream, and from another goroutine to abort a read in progress.
func (s *Stream) Close() error {
	if s != nil {
		s.loop.close()
	}
	return nil
}

// Chunk is one piece of a streamed chat completion.
//
// Each output of a chunk adds to one output of the response, named by its
// index and its role (delta.role). The service sends the role on every
// delta; a delta without a role continues the role last seen at its index,
// or is the assistant's when none was seen. The stream writes the role it
// decided into such deltas, so Proto shows it.
//
// The accessors describe the answer, as [Response] does: the assistant
// outputs of choice 0, or of every index when the outputs are steps of one
// answer (server-side tools, one choice). Tool results are in ToolOutputs,
// never in Content.
type Chunk struct {
	pb  *xaiv1.GetChatCompletionChunk
	one bool
}

// Proto returns the raw protobuf chunk.
func (c Chunk) Proto() *xaiv1.GetChatCompletionChunk { return c.pb }

// ID returns the ID of the response being streamed.
func (c Chunk) ID() string { return c.pb.GetId() }

// answer yields the deltas of the answer's assistant outputs.
func (c Chunk) answer() iter.Seq2[*xaiv1.CompletionOutputChunk, *xaiv1.Delta] {
	return func(yield func(*xaiv1.CompletionOutputChunk, *xaiv1.Delta) bool) {
		for _, o := range c.pb.GetOutputs() {
			if (c.one || o.GetIndex() == 0) && isAssistant(o.GetDelta().GetRole()) && !yield(o, o.GetDelta()) {
				return
			}
		}
	}
}

func (c Chunk) join(field func(*xaiv1.Delta) string) string {
	var b strings.Builder
	for _, d := range c.answer() {
		b.WriteString(field(d))
	}
	return b.String()
}

// Content returns the text this chunk adds to the answer.
func (c Chunk) Content() string { return c.join((*xaiv1.Delta).GetContent) }

// ReasoningContent returns the reasoning text this chunk adds, for models
// that expose their reasoning.
func (c Chunk) ReasoningContent() string { return c.join((*xaiv1.Delta).GetReasoningContent) }

// EncryptedContent returns encrypted reasoning carried by this chunk, when
// the chat asked for it with [WithEncryptedContent].
func (c Chunk) EncryptedContent() string { return c.join((*xaiv1.Delta).GetEncryptedContent) }

// ToolCalls returns the tool calls the assistant makes in this chunk; they
// arrive whole, not in pieces.
func (c Chunk) ToolCalls() []ToolCall {
	var calls []ToolCall
	for _, d := range c.answer() {
		for _, tc := range d.GetToolCalls() {
			calls = append(calls, ToolCall{pb: tc})
		}
	}
	return calls
}

// ToolOutputs returns the results of server-side tools carried by this
// chunk (outputs with ROLE_TOOL), each with the call it answers in its
// ToolCalls. The service sends a completed call and its whole result in
// one chunk, so each is complete.
func (c Chunk) ToolOutputs() []Output {
	var outs []Output
	for _, o := range c.pb.GetOutputs() {
		d := o.GetDelta()
		if d.GetRole() != xaiv1.MessageRole_ROLE_TOOL || !(c.one || o.GetIndex() == 0) {
			continue
		}
		outs = append(outs, Output{pb: &xaiv1.CompletionOutput{
			Index: o.GetIndex(), FinishReason: o.GetFinishReason(), Logprobs: o.GetLogprobs(),
			Message: &xaiv1.CompletionMessage{
				Role: d.GetRole(), Content: d.GetContent(), ReasoningContent: d.GetReasoningContent(),
				ToolCalls: d.GetToolCalls(), EncryptedContent: d.GetEncryptedContent(), Citations: d.GetCitations(),
			},
		}})
	}
	return outs
}

// FinishReason returns why generation stopped, on the chunk that ends the
// answer (or one of its steps), and REASON_INVALID on the others.
func (c Chunk) FinishReason() xaiv1.FinishReason {
	for o := range c.answer() {
		if r := o.GetFinishReason(); r != xaiv1.FinishReason_REASON_INVALID {
			return r
		}
	}
	return xaiv1.FinishReason_REASON_INVALID
}

// Usage returns the token usage reported with this chunk, or nil; the last
// chunk carries the final figures.
func (c Chunk) Usage() *xaiv1.SamplingUsage { return c.pb.GetUsage() }

// Citations returns source URLs sent with this chunk.
func (c Chunk) Citations() []string { return c.pb.GetCitations() }

// InlineCitations returns the citations tied to spans of the answer's text
// sent with this chunk, when the chat asked for them with
// WithInclude([IncludeInlineCitations]).
func (c Chunk) InlineCitations() []*xaiv1.InlineCitation {
	var cs []*xaiv1.InlineCitation
	for _, d := range c.answer() {
		cs = append(cs, d.GetCitations()...)
	}
	return cs
}
