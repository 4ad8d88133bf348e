// Package completion assembles streamed chat and sample completions into
// whole responses. It is the one accumulator of the module: package xai
// builds Stream.Response and SampleStream.Completion with it, and package
// xaiotel the output of a traced stream.
//
// # Roles
//
// The xAI service sends the author of every streamed delta in delta.role
// (the official Python SDK keeps a chunk's text only from deltas whose role
// is ROLE_ASSISTANT, and its test server sets the role on every delta).
// Older servers, and some fakes, send it once per output. Both shapes are
// read alike: a delta without a role continues the role last seen at its
// index, or ROLE_ASSISTANT when none was seen there. [Accumulator.Add]
// writes the role it decided into each delta that had none, so that code
// reading the chunk afterwards sees the same role as the accumulator.
//
// # Outputs
//
// A chunk output adds to the output of the same (index, role): the n
// choices of a request each have their own index, and the steps of a
// server-side tool loop (an assistant turn calling a tool, the tool's
// result, the final answer) arrive with their own index and role. Outputs
// of the response are ordered by index, and by first appearance within an
// index. Adding a chunk costs time linear in its size, however many outputs
// the stream has.
package completion

import (
	"cmp"
	"slices"
	"strings"

	"google.golang.org/protobuf/proto"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
)

// key identifies one output of a streamed response.
type key struct {
	index int32
	role  xaiv1.MessageRole
}

// output is one output being assembled. Texts grow in builders so that a
// long stream costs linear time; the rest lives in out.
type output struct {
	key
	out                           *xaiv1.CompletionOutput // texts left empty
	content, reasoning, encrypted strings.Builder
}

// Accumulator builds a chat completion response from the chunks of a
// stream. The zero value is ready to use; it is not safe for concurrent use.
type Accumulator struct {
	head    *xaiv1.GetChatCompletionResponse // everything but the outputs
	outputs []*output                        // in order of first appearance
	byKey   map[key]*output
	lastAt  map[int32]*output // the output each index added to last
	last    *output           // the output the previous delta added to
	chunks  int
}

// Chunks returns how many chunks were added.
func (a *Accumulator) Chunks() int { return a.chunks }

// Add adds a chunk, filling in the role of its deltas that have none (see
// the package doc).
func (a *Accumulator) Add(c *xaiv1.GetChatCompletionChunk) {
	a.chunks++
	if a.head == nil {
		a.head = &xaiv1.GetChatCompletionResponse{}
	}
	h := a.head
	if c.Id != "" {
		h.Id = c.Id
	}
	if c.Created != nil {
		h.Created = c.Created
	}
	if c.Model != "" {
		h.Model = c.Model
	}
	if c.SystemFingerprint != "" {
		h.SystemFingerprint = c.SystemFingerprint
	}
	if c.Usage != nil {
		h.Usage = c.Usage
	}
	if c.DebugOutput != nil {
		h.DebugOutput = c.DebugOutput
	}
	if c.ServiceTier != xaiv1.ServiceTier_SERVICE_TIER_UNSPECIFIED {
		h.ServiceTier = c.ServiceTier
	}
	h.Citations = append(h.Citations, c.Citations...)
	h.OutputFiles = append(h.OutputFiles, c.OutputFiles...)
	for _, oc := range c.Outputs {
		o := a.output(oc)
		d, m := oc.Delta, o.out.Message
		o.content.WriteString(d.GetContent())
		o.reasoning.WriteString(d.GetReasoningContent())
		o.encrypted.WriteString(d.GetEncryptedContent())
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

// output returns the output that oc adds to, creating it if needed, and
// sets the role of oc's delta when it had none.
func (a *Accumulator) output(oc *xaiv1.CompletionOutputChunk) *output {
	role := oc.GetDelta().GetRole()
	if role == xaiv1.MessageRole_INVALID_ROLE {
		role = xaiv1.MessageRole_ROLE_ASSISTANT
		if o := a.at(oc.Index); o != nil {
			role = o.role
		}
		if oc.Delta == nil {
			oc.Delta = &xaiv1.Delta{}
		}
		oc.Delta.Role = role
	}
	k := key{oc.Index, role}
	if a.last != nil && a.last.key == k { // the common case: one output at a time
		return a.last
	}
	o := a.byKey[k]
	if o == nil {
		o = &output{key: k, out: &xaiv1.CompletionOutput{Index: k.index, Message: &xaiv1.CompletionMessage{Role: role}}}
		a.outputs = append(a.outputs, o)
		if a.byKey == nil {
			a.byKey = make(map[key]*output)
			a.lastAt = make(map[int32]*output)
		}
		a.byKey[k] = o
	}
	a.lastAt[k.index] = o
	a.last = o
	return o
}

// at returns the output that index added to last, or nil.
func (a *Accumulator) at(index int32) *output {
	if a.last != nil && a.last.index == index {
		return a.last
	}
	return a.lastAt[index]
}

// Response returns a deep copy of the response assembled so far.
func (a *Accumulator) Response() *xaiv1.GetChatCompletionResponse {
	r := &xaiv1.GetChatCompletionResponse{}
	if a.head != nil {
		r = proto.CloneOf(a.head)
	}
	r.Outputs = make([]*xaiv1.CompletionOutput, 0, len(a.outputs))
	for _, o := range a.outputs {
		out := proto.CloneOf(o.out)
		out.Message.Content = o.content.String()
		out.Message.ReasoningContent = o.reasoning.String()
		out.Message.EncryptedContent = o.encrypted.String()
		r.Outputs = append(r.Outputs, out)
	}
	slices.SortStableFunc(r.Outputs, func(x, y *xaiv1.CompletionOutput) int { return cmp.Compare(x.Index, y.Index) })
	return r
}

// SampleAccumulator builds a legacy text completion from the pieces of a
// stream, one choice per index. The zero value is ready to use.
type SampleAccumulator struct {
	head    *xaiv1.SampleTextResponse // everything but the choices
	choices []*sampleChoice           // in order of first appearance
	byIndex map[int32]*sampleChoice
}

type sampleChoice struct {
	index  int32
	text   strings.Builder
	finish xaiv1.FinishReason
}

// Add adds a piece of the stream.
func (a *SampleAccumulator) Add(m *xaiv1.SampleTextResponse) {
	if a.head == nil {
		a.head = &xaiv1.SampleTextResponse{}
	}
	h := a.head
	if m.Id != "" {
		h.Id = m.Id
	}
	if m.Created != nil {
		h.Created = m.Created
	}
	if m.Model != "" {
		h.Model = m.Model
	}
	if m.SystemFingerprint != "" {
		h.SystemFingerprint = m.SystemFingerprint
	}
	if m.Usage != nil {
		h.Usage = m.Usage
	}
	for _, ch := range m.Choices {
		c := a.byIndex[ch.Index]
		if c == nil {
			c = &sampleChoice{index: ch.Index}
			a.choices = append(a.choices, c)
			if a.byIndex == nil {
				a.byIndex = make(map[int32]*sampleChoice)
			}
			a.byIndex[ch.Index] = c
		}
		c.text.WriteString(ch.Text)
		if ch.FinishReason != xaiv1.FinishReason_REASON_INVALID {
			c.finish = ch.FinishReason
		}
	}
}

// Response returns a deep copy of the completion so far, choices sorted by
// index.
func (a *SampleAccumulator) Response() *xaiv1.SampleTextResponse {
	r := &xaiv1.SampleTextResponse{}
	if a.head != nil {
		r = proto.CloneOf(a.head)
	}
	for _, c := range a.choices {
		r.Choices = append(r.Choices, &xaiv1.SampleChoice{Index: c.index, Text: c.text.String(), FinishReason: c.finish})
	}
	slices.SortStableFunc(r.Choices, func(x, y *xaiv1.SampleChoice) int { return cmp.Compare(x.Index, y.Index) })
	return r
}
