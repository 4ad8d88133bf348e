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
	"google.golang.org/protobuf/types/known/timestamppb"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
)

// key identifies one output of a streamed response.
type key struct {
	index int32
	role  xaiv1.MessageRole
}

// output is one output being assembled; its message is built by Response.
type output struct {
	key
	finish                        xaiv1.FinishReason
	content, reasoning, encrypted text
	more                          *extras // nil until the output has one of them
}

// extras are the parts of an output that few outputs have, kept apart so
// that an output is small: a stream over many outputs allocates and scans
// less.
type extras struct {
	calls     []*xaiv1.ToolCall
	citations []*xaiv1.InlineCitation
	logprobs  *xaiv1.LogProbs
}

// extras returns o's extras, adding them if needed.
func (o *output) extras() *extras {
	if o.more == nil {
		o.more = &extras{}
	}
	return o.more
}

// text is a text being streamed: a list of pieces of the accumulator's
// byte store, joined by Response. The store is one buffer for the whole
// stream, and a piece that continues the end of the store grows instead of
// adding another, so that a new output costs no allocation of its own, and
// an output streamed without interleaving is one piece, read with one copy.
// Neither the store nor the pieces hold pointers: growing them costs the
// garbage collector nothing.
type text struct {
	head, tail int32 // 1-based positions in Accumulator.pieces; 0: empty
}

type piece struct {
	off, n int   // the piece is Accumulator.bytes[off : off+n]
	next   int32 // 1-based position of the next piece of the same text; 0: last
}

// slot holds the outputs of one index as 1-based positions in
// Accumulator.outputs (0: none): the first output seen there, and the one
// the index added to last. An index usually has one output; the outputs of
// its other roles are in Accumulator.more. A slot holds no pointer, so that
// the slots of many indexes cost the garbage collector nothing.
type slot struct {
	first, last int32
}

// Accumulator builds a chat completion response from the chunks of a
// stream. The zero value is ready to use; it is not safe for concurrent use.
type Accumulator struct {
	head    *xaiv1.GetChatCompletionResponse // everything but the outputs
	outputs []*output                        // in order of first appearance
	// The slots of indexes: dense for the small indexes services send
	// (0, 1, 2...), in a map for the others, so that a hostile index
	// cannot make the slice grow past a few times the outputs seen.
	dense    []slot
	sparse   map[int32]*slot
	more     map[int32][]int32 // outputs of an index beyond its first, by index
	last     *output           // the output the previous delta added to
	slab     []output
	bytes    []byte // the texts' store
	pieces   []piece
	maxIndex int32 // the highest output index seen
}

// MaxIndex returns the highest output index of the chunks added, or 0.
func (a *Accumulator) MaxIndex() int32 { return a.maxIndex }

// Add adds a chunk, filling in the role of its deltas that have none (see
// the package doc).
func (a *Accumulator) Add(c *xaiv1.GetChatCompletionChunk) {
	if a.head == nil {
		a.head = &xaiv1.GetChatCompletionResponse{}
	}
	h := a.head
	keep(&h.Id, c.Id)
	keepTime(&h.Created, c.Created)
	keep(&h.Model, c.Model)
	keep(&h.SystemFingerprint, c.SystemFingerprint)
	if c.Usage != nil {
		h.Usage = c.Usage
	}
	if c.DebugOutput != nil {
		h.DebugOutput = c.DebugOutput
	}
	if c.ServiceTier != xaiv1.ServiceTier_SERVICE_TIER_UNSPECIFIED {
		h.ServiceTier = c.ServiceTier
	}
	if len(c.Citations) > 0 {
		h.Citations = append(h.Citations, c.Citations...)
	}
	if len(c.OutputFiles) > 0 {
		h.OutputFiles = append(h.OutputFiles, c.OutputFiles...)
	}
	for _, oc := range c.Outputs {
		o := a.output(oc)
		d := oc.Delta
		a.write(&o.content, d.GetContent())
		a.write(&o.reasoning, d.GetReasoningContent())
		a.write(&o.encrypted, d.GetEncryptedContent())
		if tc := d.GetToolCalls(); len(tc) > 0 {
			e := o.extras()
			e.calls = append(e.calls, tc...)
		}
		if ci := d.GetCitations(); len(ci) > 0 {
			e := o.extras()
			e.citations = append(e.citations, ci...)
		}
		if oc.FinishReason != xaiv1.FinishReason_REASON_INVALID {
			o.finish = oc.FinishReason
		}
		if lp := oc.GetLogprobs(); lp != nil {
			e := o.extras()
			if e.logprobs == nil {
				e.logprobs = &xaiv1.LogProbs{}
			}
			e.logprobs.Content = append(e.logprobs.Content, lp.GetContent()...)
		}
	}
}

// output returns the output that oc adds to, creating it if needed, and
// sets the role of oc's delta when it had none.
func (a *Accumulator) output(oc *xaiv1.CompletionOutputChunk) *output {
	role := oc.GetDelta().GetRole()
	if a.last != nil && a.last.index == oc.Index && (role == a.last.role || role == xaiv1.MessageRole_INVALID_ROLE) {
		// The common case: a delta continuing the output of the previous one.
		if role == xaiv1.MessageRole_INVALID_ROLE {
			setRole(oc, a.last.role)
		}
		return a.last
	}
	sl := a.slot(oc.Index)
	if role == xaiv1.MessageRole_INVALID_ROLE {
		role = xaiv1.MessageRole_ROLE_ASSISTANT
		if sl.last != 0 {
			role = a.outputs[sl.last-1].role
		}
		setRole(oc, role)
	}
	at := a.find(oc.Index, *sl, role)
	if at == 0 {
		a.outputs = append(a.outputs, a.newOutput(key{oc.Index, role}))
		a.maxIndex = max(a.maxIndex, oc.Index)
		at = int32(len(a.outputs))
		if sl.first == 0 {
			sl.first = at
		} else {
			if a.more == nil {
				a.more = make(map[int32][]int32)
			}
			a.more[oc.Index] = append(a.more[oc.Index], at)
		}
	}
	sl.last = at
	a.last = a.outputs[at-1]
	return a.last
}

// find returns the position of the output of role at index, whose slot is
// sl, or 0.
func (a *Accumulator) find(index int32, sl slot, role xaiv1.MessageRole) int32 {
	if sl.first == 0 {
		return 0
	}
	if a.outputs[sl.first-1].role == role {
		return sl.first
	}
	for _, at := range a.more[index] {
		if a.outputs[at-1].role == role {
			return at
		}
	}
	return 0
}

// newOutput returns a new output from the slab: outputs are allocated in
// blocks, and a block is never grown, so pointers into it stay valid.
func (a *Accumulator) newOutput(k key) *output {
	if len(a.slab) == cap(a.slab) {
		a.slab = make([]output, 0, min(max(4, len(a.outputs)), 1024))
	}
	a.slab = append(a.slab, output{key: k})
	return &a.slab[len(a.slab)-1]
}

// write appends s to t.
func (a *Accumulator) write(t *text, s string) {
	if s == "" {
		return
	}
	off := len(a.bytes)
	if cap(a.bytes)-off < len(s) {
		// Doubling (append grows large slices by a quarter): a stream
		// carries kilobytes, and the store is copied a few times in all.
		a.bytes = slices.Grow(a.bytes, max(len(s), off, 4096))
	}
	// Reslicing in place writes no pointer, so it costs no write barrier
	// (append would store the slice whole on every call).
	a.bytes = a.bytes[:off+len(s)]
	copy(a.bytes[off:], s)
	if t.tail != 0 {
		if p := &a.pieces[t.tail-1]; p.off+p.n == off {
			p.n += len(s) // t continues at the end of the store
			return
		}
	}
	if len(a.pieces) == cap(a.pieces) {
		a.pieces = slices.Grow(a.pieces, max(len(a.pieces), 64)) // doubling, as the store
	}
	a.pieces = append(a.pieces, piece{off: off, n: len(s)})
	at := int32(len(a.pieces))
	if t.tail == 0 {
		t.head = at
	} else {
		a.pieces[t.tail-1].next = at
	}
	t.tail = at
}

// string joins the pieces of t.
func (a *Accumulator) string(t text) string {
	if t.head == t.tail {
		if t.head == 0 {
			return ""
		}
		p := a.pieces[t.head-1]
		return string(a.bytes[p.off : p.off+p.n])
	}
	n := 0
	for i := t.head; i != 0; i = a.pieces[i-1].next {
		n += a.pieces[i-1].n
	}
	var b strings.Builder
	b.Grow(n)
	for i := t.head; i != 0; i = a.pieces[i-1].next {
		p := a.pieces[i-1]
		b.Write(a.bytes[p.off : p.off+p.n])
	}
	return b.String()
}

// keep sets *dst to v when v is set and differs from it. Every chunk of a
// stream repeats the head fields: writing a pointer that did not change
// would cost a write barrier while the garbage collector runs.
func keep(dst *string, v string) {
	if v != "" && v != *dst {
		*dst = v
	}
}

// keepTime is keep for a timestamp, compared by value.
func keepTime(dst **timestamppb.Timestamp, v *timestamppb.Timestamp) {
	if v != nil && (*dst == nil || (*dst).GetSeconds() != v.GetSeconds() || (*dst).GetNanos() != v.GetNanos()) {
		*dst = v
	}
}

// setRole writes role into the delta of oc.
func setRole(oc *xaiv1.CompletionOutputChunk, role xaiv1.MessageRole) {
	if oc.Delta == nil {
		oc.Delta = &xaiv1.Delta{}
	}
	oc.Delta.Role = role
}

// slot returns the slot of index, creating it if needed.
func (a *Accumulator) slot(index int32) *slot {
	if a.sparse == nil && index >= 0 && int(index) < len(a.dense) {
		return &a.dense[index] // the common case: a known small index
	}
	if sl, ok := a.sparse[index]; ok {
		return sl // an index first seen when it was too large for dense
	}
	if index >= 0 && int(index) < 4*len(a.outputs)+64 {
		if int(index) >= len(a.dense) {
			a.dense = append(a.dense, make([]slot, int(index)+1-len(a.dense))...)
		}
		return &a.dense[index]
	}
	sl := a.sparse[index]
	if sl == nil {
		if a.sparse == nil {
			a.sparse = make(map[int32]*slot)
		}
		sl = &slot{}
		a.sparse[index] = sl
	}
	return sl
}

// Response returns a deep copy of the response assembled so far.
func (a *Accumulator) Response() *xaiv1.GetChatCompletionResponse {
	r := &xaiv1.GetChatCompletionResponse{}
	if a.head != nil {
		r = proto.CloneOf(a.head)
	}
	r.Outputs = make([]*xaiv1.CompletionOutput, 0, len(a.outputs))
	for _, o := range a.outputs {
		var e extras
		if o.more != nil {
			e = *o.more
		}
		m := &xaiv1.CompletionMessage{
			Role:             o.role,
			Content:          a.string(o.content),
			ReasoningContent: a.string(o.reasoning),
			EncryptedContent: a.string(o.encrypted),
			ToolCalls:        cloneAll(e.calls),
			Citations:        cloneAll(e.citations),
		}
		out := &xaiv1.CompletionOutput{Index: o.index, FinishReason: o.finish, Message: m}
		if e.logprobs != nil {
			out.Logprobs = proto.CloneOf(e.logprobs)
		}
		r.Outputs = append(r.Outputs, out)
	}
	slices.SortStableFunc(r.Outputs, func(x, y *xaiv1.CompletionOutput) int { return cmp.Compare(x.Index, y.Index) })
	return r
}

// cloneAll returns deep copies of ms, or nil for none.
func cloneAll[M proto.Message](ms []M) []M {
	if len(ms) == 0 {
		return nil
	}
	out := make([]M, len(ms))
	for i, m := range ms {
		out[i] = proto.CloneOf(m)
	}
	return out
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
	keep(&h.Id, m.Id)
	keepTime(&h.Created, m.Created)
	keep(&h.Model, m.Model)
	keep(&h.SystemFingerprint, m.SystemFingerprint)
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
