package xaitest

import (
	"fmt"
	"slices"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/protoadapt"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
)

// Reply is a scripted chat answer; see EnqueueReply. The simple form
// (Content, Reasoning, ToolCalls, Chunks, FinishReason) answers each of
// the n choices alike. Outputs instead describes the whole layout of the
// response, output by output, as the service sends it for server-side
// tools; the two forms cannot be mixed.
type Reply struct {
	// Content is the visible answer. Ignored when Chunks is set.
	Content string
	// Reasoning is the reasoning trace. When empty, reasoning models still
	// get the fake's default reasoning; other models get none.
	Reasoning string
	// ToolCalls are returned as they are; a call without an ID gets one.
	ToolCalls []*xaiv1.ToolCall
	// Chunks, when set, are the exact content deltas of a stream, and the
	// content of every kind of completion is their concatenation. By
	// default a stream splits Content into several deltas.
	Chunks []string
	// FinishReason defaults to REASON_TOOL_CALLS when ToolCalls is set and
	// to REASON_STOP otherwise.
	FinishReason xaiv1.FinishReason

	// Outputs, when set, are the outputs of the response, in order,
	// whatever n the request asks for; Content, Reasoning, ToolCalls,
	// Chunks and FinishReason must then be empty (a completion given a
	// Reply that mixes the two forms fails with FAILED_PRECONDITION).
	Outputs []ReplyOutput
	// Citations are the URLs of the response's citations, sent in the
	// last chunk of a stream.
	Citations []string
	// ServerSideToolsUsed is reported as usage.server_side_tools_used.
	ServerSideToolsUsed []xaiv1.ServerSideTool
}

// ReplyOutput is one output of a scripted layout; see Reply.Outputs. The
// fake sends it as described: unary, as a CompletionOutput; streamed, as
// deltas that all carry Role, ending with the finish reason if it has one.
type ReplyOutput struct {
	// Index is sent as is: 0, 1, 2... for the service's usual layout, or
	// the same index for steps that share one.
	Index int32
	// Role defaults to ROLE_ASSISTANT; a tool's result is ROLE_TOOL.
	Role xaiv1.MessageRole
	// Content is the text: the answer, or a tool's result. Ignored when
	// Chunks is set.
	Content string
	// Chunks, when set, are the exact content deltas of a stream. By
	// default assistant content is split into several deltas, and a
	// tool's result arrives in one.
	Chunks []string
	// Reasoning is the reasoning trace, sealed into encrypted_content
	// when the request sets use_encrypted_content. No default.
	Reasoning string
	// ToolCalls are the calls made (ROLE_ASSISTANT) or echoed with their
	// result (ROLE_TOOL), sent as they are. A call without an ID gets one;
	// in a ROLE_TOOL output it takes the ID of the latest earlier call of
	// the same function in the layout. In a stream, the calls of an
	// assistant output and the output right after it, when that is a
	// ROLE_TOOL output, arrive in the same chunk.
	ToolCalls []*xaiv1.ToolCall
	// Citations are inline citations of Content; in a stream each arrives
	// with the delta that completes its span (end_index, in Unicode code
	// points).
	Citations []*xaiv1.InlineCitation
	// FinishReason is sent as is; the last output defaults to REASON_STOP,
	// or REASON_TOOL_CALLS for an assistant output with tool calls.
	FinishReason xaiv1.FinishReason
}

// EnqueueReply queues r as the answer to a future chat completion. Replies
// are used first in, first out, one per completion of any kind (unary,
// streamed or deferred), by requests that pass validation; in the simple
// form, each of the n outputs of that completion gets r. The limits of
// max_tokens, stop and response_format are not applied to scripted
// replies, and a scripted reply replaces the agent loop of server-side
// tools.
func (s *Server) EnqueueReply(r Reply) {
	r.ToolCalls = cloneToolCalls(r.ToolCalls)
	r.Chunks = append([]string(nil), r.Chunks...)
	r.Citations = append([]string(nil), r.Citations...)
	r.ServerSideToolsUsed = append([]xaiv1.ServerSideTool(nil), r.ServerSideToolsUsed...)
	outs := make([]ReplyOutput, len(r.Outputs))
	for i, o := range r.Outputs {
		o.Chunks = append([]string(nil), o.Chunks...)
		o.ToolCalls = cloneToolCalls(o.ToolCalls)
		cites := make([]*xaiv1.InlineCitation, len(o.Citations))
		for k, c := range o.Citations {
			cites[k] = cloneCitation(c)
		}
		o.Citations = cites
		outs[i] = o
	}
	r.Outputs = outs
	s.mu.Lock()
	defer s.mu.Unlock()
	s.replies = append(s.replies, r)
}

// ToolFailure makes one server-side tool call of the agent loop fail; see
// EnqueueToolFailure.
type ToolFailure struct {
	// Type is the kind of call that fails, like
	// TOOL_CALL_TYPE_IMAGE_GENERATION_TOOL; the zero value,
	// TOOL_CALL_TYPE_INVALID, matches any server-side call.
	Type xaiv1.ToolCallType
	// Message is the call's error_message; a default is used when empty.
	Message string
}

// EnqueueToolFailure makes the next server-side tool call of type f.Type
// that the agent loop runs fail: the call gets TOOL_CALL_STATUS_FAILED and
// f.Message, and its ROLE_TOOL output an error payload instead of a result
// (for image generation, no image). Failures are used first in, first out,
// each by one call, in unary, streamed, deferred and batched completions
// alike.
func (s *Server) EnqueueToolFailure(f ToolFailure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.toolFailures = append(s.toolFailures, f)
}

// takeToolFailure consumes the first pending failure that matches a call
// of type t.
func (s *Server) takeToolFailure(t xaiv1.ToolCallType) (ToolFailure, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range s.toolFailures {
		if f.Type == xaiv1.ToolCallType_TOOL_CALL_TYPE_INVALID || f.Type == t {
			s.toolFailures = append(s.toolFailures[:i:i], s.toolFailures[i+1:]...)
			if f.Message == "" {
				f.Message = "xaitest: injected tool failure"
			}
			return f, true
		}
	}
	return ToolFailure{}, false
}

// nextReply pops the oldest scripted reply, if any.
func (s *Server) nextReply() (Reply, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return popScript(&s.replies)
}

// popScript takes the oldest script of a queue; the zero value and false
// when the queue is empty. The queue's lock must be held.
func popScript[T any](queue *[]T) (T, bool) {
	var first T
	if len(*queue) == 0 {
		return first, false
	}
	first, *queue = (*queue)[0], (*queue)[1:]
	return first, true
}

// pendingPolls is how many polls of a deferred job report PENDING for a
// scripted count n, where 0 stands for the default of 1 and a negative n
// for none (see [DeferredOutcome] and [VideoOutcome]).
func pendingPolls(n int) int {
	switch {
	case n == 0:
		return 1
	case n < 0:
		return 0
	}
	return n
}

// ResetScripts forgets every scripted reply, tool failure, fault, video
// outcome, deferred outcome and indexing failure not used yet, and sets
// the latency back to the value of [WithLatency]. What the server holds
// stays: stored responses, files, collections, jobs, the clock, the
// indexing delay, and the request record (see ResetRequests).
func (s *Server) ResetScripts() {
	s.mu.Lock()
	s.replies, s.toolFailures, s.deferredOutcomes = nil, nil, nil
	clear(s.faults)
	s.latency = s.cfg.latency
	s.mu.Unlock()
	ix := &s.indexing
	ix.mu.Lock()
	clear(ix.fail)
	ix.mu.Unlock()
	v := s.video
	v.mu.Lock()
	defer v.mu.Unlock()
	v.outcomes = nil
}

// Fault is an error the server returns instead of answering; see
// InjectFault.
type Fault struct {
	// Code is the gRPC status code returned. codes.OK counts as
	// codes.Unknown, since a fault must fail.
	Code codes.Code
	// Message is the status message; a default naming the code is used
	// when empty.
	Message string
	// AfterChunks, for server-streaming methods, is how many messages are
	// sent before the stream fails. A stream with fewer messages fails at
	// its end. Other methods ignore it.
	AfterChunks int
	// Times is how many calls fail; 0 means 1.
	Times int
	// AfterHeaders makes the call do its work before failing: the handler
	// runs (a response is stored, a file deleted, a batch created...), the
	// response headers are sent, and only then does the call fail with
	// Code, as when a server fails after accepting a call. A server
	// stream's messages beyond AfterChunks are dropped. A call whose
	// handler fails returns the handler's error, and uses up the fault.
	AfterHeaders bool
	// Match, when set, limits the fault to the calls whose incoming
	// metadata it accepts; other calls pass it by. It targets one call
	// among concurrent ones, for example by a metadata value the test sets.
	Match func(metadata.MD) bool
	// Details are sent as the status details, for example an
	// errdetails.RetryInfo saying how long to wait, or an
	// errdetails.QuotaFailure; a detail that cannot be encoded is left out.
	Details []proto.Message
	// Trailer is sent as the call's trailer metadata, for example
	// {"grpc-retry-pushback-ms": {"250"}} to ask clients to wait 250 ms
	// before retrying (gRFC A6), or "-1" not to retry.
	Trailer metadata.MD
}

// status returns the error the fault produces.
func (f Fault) status() error {
	code := f.Code
	if code == codes.OK {
		code = codes.Unknown
	}
	msg := f.Message
	if msg == "" {
		msg = fmt.Sprintf("xaitest: injected %s fault", code)
	}
	st := status.New(code, msg)
	for _, d := range f.Details {
		if withD, err := st.WithDetails(protoadapt.MessageV1Of(d)); err == nil {
			st = withD
		}
	}
	return st.Err()
}

// fail sets the fault's trailer with setTrailer and returns its error.
func (f Fault) fail(setTrailer func(metadata.MD)) error {
	if len(f.Trailer) > 0 {
		setTrailer(f.Trailer)
	}
	return f.status()
}

// InjectFault makes the next f.Times calls of fullMethod (for example
// xaiv1.Chat_GetCompletion_FullMethodName) fail with f.Code and f.Message.
// Only calls that pass authentication count. Faults injected for the same
// method apply one after another, in order.
func (s *Server) InjectFault(fullMethod string, f Fault) {
	if f.Times <= 0 {
		f.Times = 1
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[fullMethod] = append(s.faults[fullMethod], &f)
}

// takeFault consumes one use of the first pending fault of a method that
// applies to a call with metadata md.
func (s *Server) takeFault(fullMethod string, md metadata.MD) (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	queue := s.faults[fullMethod]
	i := slices.IndexFunc(queue, func(f *Fault) bool { return f.Match == nil || f.Match(md) })
	if i < 0 {
		return Fault{}, false
	}
	f := queue[i]
	f.Times--
	if f.Times == 0 {
		queue = slices.Delete(slices.Clone(queue), i, i+1)
		if len(queue) == 0 {
			delete(s.faults, fullMethod)
		} else {
			s.faults[fullMethod] = queue
		}
	}
	return *f, true
}

// Request is one call the server received.
type Request struct {
	// FullMethod is the method called, like "/xai_api.Chat/GetCompletion".
	FullMethod string
	// Message is a copy of the request message. For client-streaming
	// methods (Files.UploadFile) it is the first message of the stream, and
	// nil when the call was rejected before reading it.
	Message proto.Message
	// Metadata is a copy of the incoming metadata, authorization included.
	Metadata metadata.MD
	// Time is when the call arrived, on the server's Clock.
	Time time.Time
	// RestoredReasoning holds, for chat completions, the reasoning texts
	// the server recovered from encrypted_content in the request, in
	// message order.
	RestoredReasoning []string
}

// clone returns a deep copy of r.
func (r *Request) clone() Request {
	c := *r
	if r.Message != nil {
		c.Message = proto.Clone(r.Message)
	}
	c.Metadata = r.Metadata.Copy()
	c.RestoredReasoning = append([]string(nil), r.RestoredReasoning...)
	return c
}

// Requests returns every call received since the start or the last
// ResetRequests, oldest first, including calls that were rejected (only the
// most recent ones under [WithRequestLog]). Calls without an accepted key are
// not among them: they are refused before their request is read. Nor are
// the calls of the control service (see [WithControlKey]).
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.requests))
	for i, r := range s.requests {
		out[i] = r.clone()
	}
	return out
}

// ResetRequests forgets the calls received so far.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = nil
}

// RestoredReasoning returns, oldest first, every reasoning text the server
// recovered from encrypted_content in the requests that Requests still
// holds.
func (s *Server) RestoredReasoning() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, r := range s.requests {
		out = append(out, r.RestoredReasoning...)
	}
	return out
}

// record appends a call to the request log and returns its entry.
func (s *Server) record(fullMethod string, msg any, md metadata.MD) *Request {
	if s.cfg.requestLog == 0 {
		// Nothing is kept (WithRequestLog(0)): skip copying the metadata
		// and the message. Handlers may still annotate the bare entry
		// (addRestored), but nothing reads its Message or Metadata.
		return &Request{FullMethod: fullMethod, Time: s.clock.Now()}
	}
	r := &Request{FullMethod: fullMethod, Metadata: md.Copy(), Time: s.clock.Now()}
	if m, ok := msg.(proto.Message); ok && m != nil {
		r.Message = proto.Clone(m)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if limit := s.cfg.requestLog; limit >= 0 {
		if limit == 0 {
			return r // handlers may still annotate it
		}
		if len(s.requests) >= limit {
			n := copy(s.requests, s.requests[len(s.requests)-limit+1:])
			clear(s.requests[n:])
			s.requests = s.requests[:n]
		}
	}
	s.requests = append(s.requests, r)
	return r
}

// setRecordedMessage fills in the message of a call recorded without one.
func (s *Server) setRecordedMessage(r *Request, msg any) {
	m, ok := msg.(proto.Message)
	if !ok || s.cfg.requestLog == 0 {
		return // nothing to record, or the entry is not kept
	}
	c := proto.Clone(m)
	s.mu.Lock()
	defer s.mu.Unlock()
	r.Message = c
}

// addRestored notes reasoning recovered while serving a call.
func (s *Server) addRestored(r *Request, texts []string) {
	if r == nil || len(texts) == 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r.RestoredReasoning = append(r.RestoredReasoning, texts...)
}

// cloneCitation deep-copies an inline citation.
func cloneCitation(c *xaiv1.InlineCitation) *xaiv1.InlineCitation { return proto.CloneOf(c) }

// cloneToolCalls deep-copies tool calls.
func cloneToolCalls(in []*xaiv1.ToolCall) []*xaiv1.ToolCall {
	if in == nil {
		return nil
	}
	out := make([]*xaiv1.ToolCall, len(in))
	for i, tc := range in {
		out[i] = proto.CloneOf(tc)
	}
	return out
}
