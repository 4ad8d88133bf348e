package xaitest

import (
	"unicode/utf8"

	"google.golang.org/protobuf/proto"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
)

// chunks renders a completion as a stream, output after output. Every
// delta carries its output's role (official Python SDK chat.py: Chunk
// reads text only from deltas whose role is ROLE_ASSISTANT, and tool
// results only from ROLE_TOOL ones). An output sends its reasoning in
// deltas, its encrypted reasoning, its content in deltas (each inline
// citation with the delta that completes its span), then its tool calls
// whole; when a ROLE_TOOL output follows an assistant output with calls,
// its first delta (the echoed calls and the whole result) rides in the
// same chunk as those calls. The last chunk carries the finish reasons,
// the usage and the citations.
func (c *completion) chunks() []*xaiv1.GetChatCompletionChunk {
	resp := c.resp
	chunk := func(outs ...*xaiv1.CompletionOutputChunk) *xaiv1.GetChatCompletionChunk {
		return &xaiv1.GetChatCompletionChunk{
			Id:                resp.GetId(),
			Outputs:           outs,
			Created:           resp.GetCreated(),
			Model:             resp.GetModel(),
			SystemFingerprint: resp.GetSystemFingerprint(),
			ServiceTier:       resp.GetServiceTier(),
		}
	}
	var chunks []*xaiv1.GetChatCompletionChunk
	logprobs, top := c.plan.req.GetLogprobs(), int(c.plan.req.GetTopLogprobs())
	for k := 0; k < len(c.outs); k++ {
		o, msg := c.outs[k], resp.GetOutputs()[k].GetMessage()
		delta := func(d *xaiv1.Delta) *xaiv1.CompletionOutputChunk {
			d.Role = o.role
			return &xaiv1.CompletionOutputChunk{Index: o.index, Delta: d}
		}
		before := len(chunks)
		for _, r := range splitDeltas(msg.GetReasoningContent()) {
			chunks = append(chunks, chunk(delta(&xaiv1.Delta{ReasoningContent: r})))
		}
		if blob := msg.GetEncryptedContent(); blob != "" {
			chunks = append(chunks, chunk(delta(&xaiv1.Delta{EncryptedContent: blob})))
		}
		if o.role == xaiv1.MessageRole_ROLE_TOOL {
			chunks = append(chunks, toolChunks(o, chunk)...)
			continue
		}
		cites := o.citations
		pos := 0 // code points of content sent so far
		for _, text := range o.chunks {
			out := delta(&xaiv1.Delta{Content: text})
			pos += utf8.RuneCountInString(text)
			for len(cites) > 0 && int(cites[0].GetEndIndex()) <= pos {
				out.Delta.Citations = append(out.Delta.Citations, cloneCitation(cites[0]))
				cites = cites[1:]
			}
			if logprobs {
				out.Logprobs = logprobsFor(text, top)
			}
			chunks = append(chunks, chunk(out))
		}
		if len(cites) > 0 { // spans the content does not reach
			d := delta(&xaiv1.Delta{})
			for _, ci := range cites {
				d.Delta.Citations = append(d.Delta.Citations, cloneCitation(ci))
			}
			chunks = append(chunks, chunk(d))
		}
		if len(o.toolCalls) > 0 {
			ch := chunk(delta(&xaiv1.Delta{ToolCalls: cloneToolCalls(o.toolCalls)}))
			if k+1 < len(c.outs) && c.outs[k+1].role == xaiv1.MessageRole_ROLE_TOOL && c.outs[k+1].reasoning == "" {
				// A completed call and its result arrive together.
				k++
				rest := toolChunks(c.outs[k], chunk)
				ch.Outputs = append(ch.Outputs, rest[0].GetOutputs()...)
				chunks = append(append(chunks, ch), rest[1:]...)
			} else {
				chunks = append(chunks, ch)
			}
		}
		if len(chunks) == before && o.finish == xaiv1.FinishReason_REASON_INVALID {
			// An output with nothing to say still has to appear in the
			// stream, or a reader could not rebuild it: one role-only
			// delta.
			chunks = append(chunks, chunk(delta(&xaiv1.Delta{})))
		}
	}
	var last []*xaiv1.CompletionOutputChunk
	for _, o := range c.outs {
		if o.finish != xaiv1.FinishReason_REASON_INVALID {
			last = append(last, &xaiv1.CompletionOutputChunk{
				Index: o.index, Delta: &xaiv1.Delta{Role: o.role}, FinishReason: o.finish,
			})
		}
	}
	final := chunk(last...)
	final.Usage = proto.CloneOf(resp.GetUsage())
	final.Citations = append([]string(nil), resp.GetCitations()...)
	return append(chunks, final)
}

// toolChunks renders a tool's result: a first delta with the echoed calls
// and the first part of the result (all of it unless a script split it),
// then the other parts. There is always a first chunk.
func toolChunks(o output, chunk func(...*xaiv1.CompletionOutputChunk) *xaiv1.GetChatCompletionChunk) []*xaiv1.GetChatCompletionChunk {
	delta := func(d *xaiv1.Delta) *xaiv1.CompletionOutputChunk {
		d.Role = o.role
		return &xaiv1.CompletionOutputChunk{Index: o.index, Delta: d}
	}
	first := &xaiv1.Delta{ToolCalls: cloneToolCalls(o.toolCalls)}
	parts := o.chunks
	if len(parts) > 0 {
		first.Content, parts = parts[0], parts[1:]
	}
	out := []*xaiv1.GetChatCompletionChunk{chunk(delta(first))}
	for _, p := range parts {
		out = append(out, chunk(delta(&xaiv1.Delta{Content: p})))
	}
	if len(o.citations) > 0 {
		d := delta(&xaiv1.Delta{})
		for _, ci := range o.citations {
			d.Delta.Citations = append(d.Delta.Citations, cloneCitation(ci))
		}
		out = append(out, chunk(d))
	}
	return out
}
