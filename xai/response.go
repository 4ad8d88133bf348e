package xai

import (
	"time"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
	"google.golang.org/protobuf/proto"
)

// Response is the result of a chat completion.
//
// A response holds one or more outputs. Each output belongs to one of the n
// choices requested (its Index). With server-side tools (web search, code
// execution...) a single choice is made of several outputs sharing its
// index: the model's intermediate steps, then its final answer.
//
// The accessors Content, ReasoningContent, EncryptedContent, Role,
// FinishReason and InlineCitations describe the final output of choice 0,
// that is the last output with index 0; ToolCalls gathers the tool calls of
// every output of choice 0. For the other choices of a request with n > 1,
// use Outputs. The accessors are safe on a nil *Response and return zero
// values.
type Response struct {
	pb *xaiv1.GetChatCompletionResponse
}

// newResponse wraps a raw response; pb must not be nil.
func newResponse(pb *xaiv1.GetChatCompletionResponse) *Response { return &Response{pb: pb} }

func (r *Response) proto() *xaiv1.GetChatCompletionResponse {
	if r == nil {
		return nil
	}
	return r.pb
}

// Proto returns the raw protobuf response, giving access to every field of
// the API (settings, debug output, output files, log probabilities...).
func (r *Response) Proto() *xaiv1.GetChatCompletionResponse { return r.proto() }

// ID returns the response ID, used with WithPreviousResponseID and the stored
// completion calls.
func (r *Response) ID() string { return r.proto().GetId() }

// Model returns the full name of the model that produced the response, with
// any alias resolved.
func (r *Response) Model() string { return r.proto().GetModel() }

// Created returns when the response was created, or the zero time if the
// server did not say.
func (r *Response) Created() time.Time {
	ts := r.proto().GetCreated()
	if ts == nil {
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
// or several per choice when server-side tools ran (see Response).
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

// final returns the last output of choice 0, or nil.
func (r *Response) final() *xaiv1.CompletionOutput {
	outs := r.proto().GetOutputs()
	for i := len(outs) - 1; i >= 0; i-- {
		if outs[i].GetIndex() == 0 {
			return outs[i]
		}
	}
	return nil
}

// Content returns the text of the answer: the content of the final output of
// choice 0 (see Response for several choices and server-side tool steps).
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
// when the request included INCLUDE_OPTION_INLINE_CITATIONS.
func (r *Response) InlineCitations() []*xaiv1.InlineCitation {
	return r.final().GetMessage().GetCitations()
}

// ToolCalls returns the tool calls of every output of choice 0, in order.
// Client-side calls (ToolCall.ClientSide) are for you to run and answer with
// ToolResult; server-side ones were run by xAI and are listed for
// information.
func (r *Response) ToolCalls() []ToolCall {
	var calls []ToolCall
	for _, o := range r.proto().GetOutputs() {
		if o.GetIndex() != 0 {
			continue
		}
		for _, tc := range o.GetMessage().GetToolCalls() {
			calls = append(calls, ToolCall{pb: tc})
		}
	}
	return calls
}

// Decode parses the answer's content as JSON into v, a non-nil pointer; use
// it with structured output: WithJSONSchema and a schema from
// JSONSchemaFor. When the content is not valid JSON for v the error has
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

// turnMessages copies the response into assistant messages, so that a
// conversation continues locally: content, reasoning, encrypted content and
// tool calls of every output. Outputs that share one index (server-side tool
// steps) are all copied; a response with several choices is refused, as only
// one of them can continue the conversation.
func (r *Response) turnMessages() ([]*xaiv1.Message, error) {
	if r.proto() == nil {
		return nil, invalidArgument("cannot append a nil *xai.Response")
	}
	outs := r.pb.GetOutputs()
	if len(outs) == 0 {
		return nil, invalidArgument("cannot append response %q: it has no outputs", r.ID())
	}
	first := outs[0].GetIndex()
	for _, o := range outs[1:] {
		if o.GetIndex() != first {
			return nil, invalidArgument("cannot append response %q: it holds several choices (n > 1) and a conversation can continue with only one; append the one you keep with resp.Outputs()[i]", r.ID())
		}
	}
	msgs := make([]*xaiv1.Message, len(outs))
	for i, o := range outs {
		msgs[i] = outputMessage(o)
	}
	return msgs, nil
}

// outputMessage converts one output into the assistant message that
// replays it in a later request. Tool calls are copied, so the message does
// not share memory with the response.
func outputMessage(o *xaiv1.CompletionOutput) *xaiv1.Message {
	m := o.GetMessage()
	msg := &xaiv1.Message{
		Role:             xaiv1.MessageRole_ROLE_ASSISTANT,
		Content:          []*xaiv1.Content{textPart(m.GetContent()).pb},
		EncryptedContent: m.GetEncryptedContent(),
	}
	if rc := m.GetReasoningContent(); rc != "" {
		msg.ReasoningContent = &rc
	}
	for _, tc := range m.GetToolCalls() {
		msg.ToolCalls = append(msg.ToolCalls, proto.CloneOf(tc))
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

// Role returns the output's author, normally ROLE_ASSISTANT.
func (o Output) Role() xaiv1.MessageRole { return o.pb.GetMessage().GetRole() }

// FinishReason returns why generation of this output stopped.
func (o Output) FinishReason() xaiv1.FinishReason { return o.pb.GetFinishReason() }

// InlineCitations returns the citations tied to spans of the output's text.
func (o Output) InlineCitations() []*xaiv1.InlineCitation { return o.pb.GetMessage().GetCitations() }

// ToolCalls returns the tool calls made in this output.
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

// Decode parses the output's content as JSON into v, like Response.Decode.
func (o Output) Decode(v any) error {
	return decodeContent(o.Content(), o.FinishReason(), v)
}

func (o Output) turnMessages() ([]*xaiv1.Message, error) {
	if o.pb == nil {
		return nil, invalidArgument("cannot append an empty xai.Output: take outputs from resp.Outputs()")
	}
	return []*xaiv1.Message{outputMessage(o.pb)}, nil
}
