package xai

import (
	"iter"
	"time"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// Response is the result of a chat completion.
//
// A response holds one or more outputs. When n choices were asked for
// ([WithN] above 1), each output is one choice, told apart by its index, and
// the accessors describe choice 0; use Outputs for the others.
//
// Otherwise every output belongs to one answer. With server-side tools
// (web search, code execution, image generation...) the service answers
// with one output per step of its agent loop, each with its own index:
// assistant outputs (text, tool calls) and ROLE_TOOL outputs (a tool's
// result, which echoes its call in ToolCalls). The service may use this
// layout even for a request that named no tools, when it adds some by
// itself; an output index above 0 on a one-choice request is the sign.
// The official Python SDK reads responses by the same rule.
//
// The answer is the last assistant output: Content, ReasoningContent,
// EncryptedContent, Role, FinishReason, Logprobs and Decode read it;
// ToolCalls and InlineCitations gather every assistant output, and
// ToolOutputs and ImageOutputs the ROLE_TOOL ones. A tool's text never
// appears in Content. The accessors are safe on a nil *Response and return
// zero values.
type Response struct {
	pb *xaiv1.GetChatCompletionResponse
	// one is set when every output belongs to one answer; otherwise the
	// index of an output is its choice, and the answer is choice 0.
	one bool
}

// newResponse wraps a raw response to req; pb must not be nil, and req is
// nil when the request is not known (a stored response, a batch result).
func newResponse(pb *xaiv1.GetChatCompletionResponse, req *xaiv1.GetCompletionsRequest) *Response {
	return &Response{pb: pb, one: oneAnswer(pb, req)}
}

// oneAnswer reports whether every output of pb belongs to a single answer
// (see [Response]). Without the request, the request settings stored with
// the response tell whether server-side tools were given; failing that, an
// index above 0 is read as a tool step when some output is a tool result
// or a server-side call, and as a choice otherwise.
func oneAnswer(pb *xaiv1.GetChatCompletionResponse, req *xaiv1.GetCompletionsRequest) bool {
	if req != nil {
		return req.GetN() <= 1 && (hasServerSideTools(req.GetTools()) || maxIndex(pb) > 0)
	}
	if hasServerSideTools(pb.GetSettings().GetTools()) {
		return true
	}
	if maxIndex(pb) == 0 {
		return false // every output has index 0: both readings agree
	}
	for _, o := range pb.GetOutputs() {
		m := o.GetMessage()
		if m.GetRole() == xaiv1.MessageRole_ROLE_TOOL {
			return true
		}
		for _, tc := range m.GetToolCalls() {
			if t := tc.GetType(); t != xaiv1.ToolCallType_TOOL_CALL_TYPE_CLIENT_SIDE_TOOL && t != xaiv1.ToolCallType_TOOL_CALL_TYPE_INVALID {
				return true
			}
		}
	}
	return false
}

func maxIndex(pb *xaiv1.GetChatCompletionResponse) int32 {
	var m int32
	for _, o := range pb.GetOutputs() {
		m = max(m, o.GetIndex())
	}
	return m
}

// hasServerSideTools reports whether tools holds a tool that xAI runs
// (anything but a function), as the official Python SDK decides.
func hasServerSideTools(tools []*xaiv1.Tool) bool {
	for _, t := range tools {
		if t.GetFunction() == nil {
			return true
		}
	}
	return false
}

// isAssistant reports whether role is the assistant's; an unset role counts
// as the assistant's, as in streams (see Chunk).
func isAssistant(role xaiv1.MessageRole) bool {
	return role == xaiv1.MessageRole_ROLE_ASSISTANT || role == xaiv1.MessageRole_INVALID_ROLE
}

func (r *Response) proto() *xaiv1.GetChatCompletionResponse {
	if r == nil {
		return nil
	}
	return r.pb
}

// answer yields the outputs of the answer: all of them, or those of
// choice 0.
func (r *Response) answer() iter.Seq[*xaiv1.CompletionOutput] {
	return func(yield func(*xaiv1.CompletionOutput) bool) {
		if r == nil {
			return
		}
		for _, o := range r.pb.GetOutputs() {
			if (r.one || o.GetIndex() == 0) && !yield(o) {
				return
			}
		}
	}
}

// Proto returns the raw protobuf response, giving access to every field of
// the API (settings, debug output, output files, log probabilities...).
func (r *Response) Proto() *xaiv1.GetChatCompletionResponse { return r.proto() }

// ID returns the response ID, used with [WithPreviousResponseID] and the stored
// completion calls.
func (r *Response) ID() string { return r.proto().GetId() }

// Model returns the full name of the model that produced the response, with
// any alias resolved.
func (r *Response) Model() string { return r.proto().GetModel() }

// Created returns when the response was created, or the zero time if the
// server did not say.
func (r *Response) Created() time.Time {
	return timeOf(r.proto().GetCreated())
}

// timeOf converts a timestamp of a result, giving the zero time for an
// unset or invalid one. Every wrapper's time accessor uses it.
func timeOf(ts *timestamppb.Timestamp) time.Time {
	if ts == nil || !ts.IsValid() {
		return time.Time{}
	}
	return ts.AsTime()
}

// SystemFingerprint identifies the backend configuration that served the
// request; a change can explain different outputs for identical requests.
func (r *Response) SystemFingerprint() string { return r.proto().GetSystemFingerprint() }

// Usage returns the token counts and billing information of the request,
// or nil if the server sent none. See also CostUSD.
func (r *Response) Usage() *xaiv1.SamplingUsage { return r.proto().GetUsage() }

// TicksPerUSD is the number of cost ticks in one US dollar: the API reports
// costs (SamplingUsage.CostInUsdTicks) as integer ticks so that they add up
// without rounding errors.
const TicksPerUSD = 10_000_000_000

// CostUSD returns what the request cost in US dollars, converted from the
// usage's cost in ticks, and whether the server reported a cost at all. Sum
// Usage().GetCostInUsdTicks() instead when adding up many requests exactly.
func (r *Response) CostUSD() (usd float64, ok bool) {
	u := r.Usage()
	if u == nil || u.CostInUsdTicks == nil {
		return 0, false
	}
	return float64(u.GetCostInUsdTicks()) / TicksPerUSD, true
}

// Citations returns the URLs of the sources consulted by search while
// producing the answer. See InlineCitations for citations tied to spans of
// the text.
func (r *Response) Citations() []string { return r.proto().GetCitations() }

// Outputs returns every output of the response in order, one per choice,
// or several per choice when server-side tools ran (see [Response]).
func (r *Response) Outputs() []Output {
	pbs := r.proto().GetOutputs()
	if len(pbs) == 0 {
		return nil
	}
	out := make([]Output, len(pbs))
	for i, o := range pbs {
		out[i] = Output{pb: o}
	}
	return out
}

// final returns the answer's last assistant output, or nil.
func (r *Response) final() *xaiv1.CompletionOutput {
	var last *xaiv1.CompletionOutput
	for o := range r.answer() {
		if isAssistant(o.GetMessage().GetRole()) {
			last = o
		}
	}
	return last
}

// Content returns the text of the answer: the content of its last
// assistant output (see [Response] for several choices and server-side tool
// steps).
func (r *Response) Content() string { return r.final().GetMessage().GetContent() }

// ReasoningContent returns the model's reasoning trace for the answer, for
// models that expose it; otherwise "".
func (r *Response) ReasoningContent() string {
	return r.final().GetMessage().GetReasoningContent()
}

// EncryptedContent returns the answer's reasoning as an opaque encrypted
// blob, when the request asked for encrypted content; otherwise "".
// Appending the response to a chat sends it back automatically.
func (r *Response) EncryptedContent() string {
	return r.final().GetMessage().GetEncryptedContent()
}

// Role returns the author of the answer, normally ROLE_ASSISTANT.
func (r *Response) Role() xaiv1.MessageRole { return r.final().GetMessage().GetRole() }

// FinishReason returns why generation of the answer stopped, for example
// REASON_STOP, REASON_MAX_LEN or REASON_TOOL_CALLS.
func (r *Response) FinishReason() xaiv1.FinishReason { return r.final().GetFinishReason() }

// InlineCitations returns the citations tied to spans of the answer's text,
// when the request included [IncludeInlineCitations]: those of every
// assistant output of the answer, as the official Python SDK gathers them.
func (r *Response) InlineCitations() []*xaiv1.InlineCitation {
	var cs []*xaiv1.InlineCitation
	for o := range r.answer() {
		if isAssistant(o.GetMessage().GetRole()) {
			cs = append(cs, o.GetMessage().GetCitations()...)
		}
	}
	return cs
}

// Logprobs returns the log probabilities of the answer's tokens, when the
// chat asked for them with [WithLogprobs]; otherwise nil.
func (r *Response) Logprobs() *xaiv1.LogProbs { return r.final().GetLogprobs() }

// ServiceTier returns the tier that served the request, for example
// SERVICE_TIER_PRIORITY after WithServiceTier([ServiceTierPriority]), or
// SERVICE_TIER_UNSPECIFIED when the server did not say.
func (r *Response) ServiceTier() xaiv1.ServiceTier { return r.proto().GetServiceTier() }

// ServerSideToolUsage counts the server-side tool calls billed for the
// request, by tool (from usage.server_side_tools_used); nil when none ran.
func (r *Response) ServerSideToolUsage() map[xaiv1.ServerSideTool]int {
	used := r.Usage().GetServerSideToolsUsed()
	if len(used) == 0 {
		return nil
	}
	counts := make(map[xaiv1.ServerSideTool]int)
	for _, t := range used {
		counts[t]++
	}
	return counts
}

// ToolCalls returns the tool calls of every assistant output of the
// answer, in order. Client-side calls ([ToolCall.ClientSide]) are for you to
// run and answer with [ToolResult]; server-side ones were run by xAI, and
// their results are in ToolOutputs.
func (r *Response) ToolCalls() []ToolCall {
	var calls []ToolCall
	for o := range r.answer() {
		if !isAssistant(o.GetMessage().GetRole()) {
			continue
		}
		for _, tc := range o.GetMessage().GetToolCalls() {
			calls = append(calls, ToolCall{pb: tc})
		}
	}
	return calls
}

// ToolOutputs returns the results of the server-side tools that ran while
// producing the answer: the ROLE_TOOL outputs, in order. Each carries the
// tool's text in Content and the call it answers in ToolCalls.
func (r *Response) ToolOutputs() []Output {
	var outs []Output
	for o := range r.answer() {
		if o.GetMessage().GetRole() == xaiv1.MessageRole_ROLE_TOOL {
			outs = append(outs, Output{pb: o})
		}
	}
	return outs
}

// Decode parses the answer's content as JSON into v, a non-nil pointer; use
// it with structured output: [WithJSONSchema] and a schema from
// [JSONSchemaFor]. When the content is not valid JSON for v the error has
// code Internal, says why, and wraps the encoding/json error.
func (r *Response) Decode(v any) error {
	o := r.final()
	return decodeContent(o.GetMessage().GetContent(), o.GetFinishReason(), v)
}

// String returns the response ID and content, for printing.
func (r *Response) String() string {
	if r.proto() == nil {
		return "<nil response>"
	}
	if r.ID() == "" {
		return r.Content()
	}
	return r.ID() + ": " + r.Content()
}

// turnMessages copies the response into the messages that replay it, so
// that a conversation continues locally: every output of the answer in
// order (see outputMessage). A response with several choices is refused, as
// only one of them can continue the conversation.
func (r *Response) turnMessages() ([]*xaiv1.Message, error) {
	if r.proto() == nil {
		return nil, invalidArgument("cannot append a nil *xai.Response")
	}
	outs := r.pb.GetOutputs()
	if len(outs) == 0 {
		return nil, invalidArgument("cannot append response %q: it has no outputs", r.ID())
	}
	if !r.one && maxIndex(r.pb) > 0 {
		return nil, invalidArgument("cannot append response %q: it holds several choices (n > 1) and a conversation can continue with only one; append the one you keep with resp.Outputs()[i]", r.ID())
	}
	msgs := make([]*xaiv1.Message, len(outs))
	for i, o := range outs {
		msgs[i] = outputMessage(o)
	}
	return msgs, nil
}

// outputMessage converts one output into the message that replays it in a
// later request, as the official Python SDK does: the output's role (the
// assistant's when unset), content, reasoning, encrypted content and tool
// calls; a ROLE_TOOL output also gets the tool_call_id of the call it
// echoes, by which the service pairs a tool turn with its call (to
// re-hydrate a generated image for a later edit, for example). Tool calls
// are copied, so the message does not share memory with the response.
func outputMessage(o *xaiv1.CompletionOutput) *xaiv1.Message {
	m := o.GetMessage()
	role := m.GetRole()
	if role == xaiv1.MessageRole_INVALID_ROLE {
		role = xaiv1.MessageRole_ROLE_ASSISTANT
	}
	msg := &xaiv1.Message{
		Role:             role,
		Content:          []*xaiv1.Content{textPart(m.GetContent()).pb},
		EncryptedContent: m.GetEncryptedContent(),
	}
	if rc := m.GetReasoningContent(); rc != "" {
		msg.ReasoningContent = &rc
	}
	for _, tc := range m.GetToolCalls() {
		msg.ToolCalls = append(msg.ToolCalls, proto.CloneOf(tc))
	}
	if role == xaiv1.MessageRole_ROLE_TOOL && len(m.GetToolCalls()) > 0 {
		id := m.GetToolCalls()[0].GetId()
		msg.ToolCallId = &id
	}
	return msg
}

// Output is one output of a response: a whole choice, or one step of a
// choice when server-side tools ran. It is also a Turn: appending it to a
// chat continues the conversation with that output only, which is how to
// pick one choice of a request with n > 1.
type Output struct {
	pb *xaiv1.CompletionOutput
}

// Proto returns the raw protobuf output.
func (o Output) Proto() *xaiv1.CompletionOutput { return o.pb }

// Index returns which of the n requested choices the output belongs to,
// from 0 to n-1.
func (o Output) Index() int { return int(o.pb.GetIndex()) }

// Content returns the output's text.
func (o Output) Content() string { return o.pb.GetMessage().GetContent() }

// ReasoningContent returns the output's reasoning trace, for models that
// expose it.
func (o Output) ReasoningContent() string { return o.pb.GetMessage().GetReasoningContent() }

// EncryptedContent returns the output's encrypted reasoning, when requested.
func (o Output) EncryptedContent() string { return o.pb.GetMessage().GetEncryptedContent() }

// Role returns the output's author: ROLE_ASSISTANT, or ROLE_TOOL for the
// result of a server-side tool.
func (o Output) Role() xaiv1.MessageRole { return o.pb.GetMessage().GetRole() }

// FinishReason returns why generation of this output stopped.
func (o Output) FinishReason() xaiv1.FinishReason { return o.pb.GetFinishReason() }

// InlineCitations returns the citations tied to spans of the output's text.
func (o Output) InlineCitations() []*xaiv1.InlineCitation { return o.pb.GetMessage().GetCitations() }

// ToolCalls returns the tool calls made in this output; for a ROLE_TOOL
// output, the call whose result it holds.
func (o Output) ToolCalls() []ToolCall {
	tcs := o.pb.GetMessage().GetToolCalls()
	if len(tcs) == 0 {
		return nil
	}
	calls := make([]ToolCall, len(tcs))
	for i, tc := range tcs {
		calls[i] = ToolCall{pb: tc}
	}
	return calls
}

// Decode parses the output's content as JSON into v, like [Response.Decode].
func (o Output) Decode(v any) error {
	return decodeContent(o.Content(), o.FinishReason(), v)
}

func (o Output) turnMessages() ([]*xaiv1.Message, error) {
	if o.pb == nil {
		return nil, invalidArgument("cannot append an empty xai.Output: take outputs from resp.Outputs()")
	}
	return []*xaiv1.Message{outputMessage(o.pb)}, nil
}
