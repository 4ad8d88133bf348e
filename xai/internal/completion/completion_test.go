package completion

import (
	"fmt"
	"testing"

	"google.golang.org/protobuf/proto"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
)

const (
	assistant = xaiv1.MessageRole_ROLE_ASSISTANT
	tool      = xaiv1.MessageRole_ROLE_TOOL
	none      = xaiv1.MessageRole_INVALID_ROLE
)

// delta is one chunk output of a script: its index, the role the service
// sends (on every delta) and the role an older shape sends (first delta of
// each output only).
type delta struct {
	index      int32
	role       xaiv1.MessageRole
	firstOnly  bool // in the older shape, this delta carries the role
	content    string
	reasoning  string
	encrypted  string
	calls      []*xaiv1.ToolCall
	finish     xaiv1.FinishReason
	newChunkAt bool // this delta starts a new chunk
}

func call(id string, typ xaiv1.ToolCallType) *xaiv1.ToolCall {
	return &xaiv1.ToolCall{Id: id, Type: typ, Tool: &xaiv1.ToolCall_Function{Function: &xaiv1.FunctionCall{Name: "f", Arguments: "{}"}}}
}

// chunks builds the stream of a script in one of the two shapes.
func chunks(script []delta, everyDelta bool) []*xaiv1.GetChatCompletionChunk {
	var out []*xaiv1.GetChatCompletionChunk
	for _, d := range script {
		if d.newChunkAt || len(out) == 0 {
			out = append(out, &xaiv1.GetChatCompletionChunk{Id: "r"})
		}
		role := d.role
		if !everyDelta && !d.firstOnly {
			role = none
		}
		c := out[len(out)-1]
		c.Outputs = append(c.Outputs, &xaiv1.CompletionOutputChunk{Index: d.index, FinishReason: d.finish, Delta: &xaiv1.Delta{
			Role: role, Content: d.content, ReasoningContent: d.reasoning, EncryptedContent: d.encrypted, ToolCalls: d.calls}})
	}
	out[len(out)-1].Usage = &xaiv1.SamplingUsage{TotalTokens: 9}
	return out
}

func TestRoleShapesAccumulateAlike(t *testing.T) {
	stop, calls := xaiv1.FinishReason_REASON_STOP, xaiv1.FinishReason_REASON_TOOL_CALLS
	ws := call("c1", xaiv1.ToolCallType_TOOL_CALL_TYPE_WEB_SEARCH_TOOL)
	fn := call("f1", xaiv1.ToolCallType_TOOL_CALL_TYPE_CLIENT_SIDE_TOOL)
	tests := []struct {
		name   string
		script []delta
		want   []*xaiv1.CompletionOutput
	}{
		{"plain", []delta{
			{index: 0, role: assistant, firstOnly: true, content: "Hel"},
			{index: 0, role: assistant, content: "lo", newChunkAt: true},
			{index: 0, role: assistant, finish: stop, newChunkAt: true},
		}, []*xaiv1.CompletionOutput{{Index: 0, FinishReason: stop, Message: &xaiv1.CompletionMessage{Role: assistant, Content: "Hello"}}}},
		{"reasoning and encrypted", []delta{
			{index: 0, role: assistant, firstOnly: true, reasoning: "think "},
			{index: 0, role: assistant, reasoning: "more", newChunkAt: true},
			{index: 0, role: assistant, encrypted: "blob", newChunkAt: true},
			{index: 0, role: assistant, content: "ok", finish: stop, newChunkAt: true},
		}, []*xaiv1.CompletionOutput{{Index: 0, FinishReason: stop, Message: &xaiv1.CompletionMessage{Role: assistant, Content: "ok", ReasoningContent: "think more", EncryptedContent: "blob"}}}},
		{"n = 2", []delta{
			{index: 0, role: assistant, firstOnly: true, content: "a"},
			{index: 1, role: assistant, firstOnly: true, content: "b"},
			{index: 1, role: assistant, content: "b", newChunkAt: true},
			{index: 0, role: assistant, content: "a", finish: stop},
			{index: 1, role: assistant, finish: stop, newChunkAt: true},
		}, []*xaiv1.CompletionOutput{
			{Index: 0, FinishReason: stop, Message: &xaiv1.CompletionMessage{Role: assistant, Content: "aa"}},
			{Index: 1, FinishReason: stop, Message: &xaiv1.CompletionMessage{Role: assistant, Content: "bb"}},
		}},
		{"client tool call", []delta{
			{index: 0, role: assistant, firstOnly: true, content: "Let me check."},
			{index: 0, role: assistant, calls: []*xaiv1.ToolCall{fn}, finish: calls, newChunkAt: true},
		}, []*xaiv1.CompletionOutput{{Index: 0, FinishReason: calls, Message: &xaiv1.CompletionMessage{Role: assistant, Content: "Let me check.", ToolCalls: []*xaiv1.ToolCall{fn}}}}},
		{"server-side tool loop", []delta{
			{index: 0, role: assistant, firstOnly: true, calls: []*xaiv1.ToolCall{ws}},
			{index: 1, role: tool, firstOnly: true, calls: []*xaiv1.ToolCall{ws}, content: "result"},
			{index: 2, role: assistant, firstOnly: true, content: "The ", newChunkAt: true},
			{index: 2, role: assistant, content: "answer", finish: stop, newChunkAt: true},
		}, []*xaiv1.CompletionOutput{
			{Index: 0, Message: &xaiv1.CompletionMessage{Role: assistant, ToolCalls: []*xaiv1.ToolCall{ws}}},
			{Index: 1, Message: &xaiv1.CompletionMessage{Role: tool, ToolCalls: []*xaiv1.ToolCall{ws}, Content: "result"}},
			{Index: 2, FinishReason: stop, Message: &xaiv1.CompletionMessage{Role: assistant, Content: "The answer"}},
		}},
		{"shared index: one output per role", []delta{
			{index: 0, role: assistant, firstOnly: true, calls: []*xaiv1.ToolCall{ws}},
			{index: 0, role: tool, firstOnly: true, content: "result", newChunkAt: true},
			{index: 0, role: assistant, firstOnly: true, content: "answer", finish: stop, newChunkAt: true},
		}, []*xaiv1.CompletionOutput{
			{Index: 0, FinishReason: stop, Message: &xaiv1.CompletionMessage{Role: assistant, ToolCalls: []*xaiv1.ToolCall{ws}, Content: "answer"}},
			{Index: 0, Message: &xaiv1.CompletionMessage{Role: tool, Content: "result"}},
		}},
	}
	for _, tt := range tests {
		for _, every := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s/role on every delta=%t", tt.name, every), func(t *testing.T) {
				var a Accumulator
				cs := chunks(tt.script, every)
				for _, c := range cs {
					a.Add(c)
				}
				want := &xaiv1.GetChatCompletionResponse{Id: "r", Outputs: tt.want, Usage: &xaiv1.SamplingUsage{TotalTokens: 9}}
				if got := a.Response(); !proto.Equal(got, want) {
					t.Errorf("response =\n%v\nwant\n%v", got, want)
				}
				// The role decided is written into every delta, so the
				// chunk reads as the service's shape.
				all := chunks(tt.script, true)
				for i, c := range cs {
					for j, o := range c.Outputs {
						if o.Delta.Role != all[i].Outputs[j].Delta.Role {
							t.Errorf("chunk %d output %d: role %v, want %v", i, j, o.Delta.Role, all[i].Outputs[j].Delta.Role)
						}
					}
				}
			})
		}
	}
}

// A delta without a role and without a delta at all (a closing finish
// reason) continues its index's role; the first at an index is the
// assistant's.
func TestRoleOfBareOutputs(t *testing.T) {
	var a Accumulator
	c1 := &xaiv1.GetChatCompletionChunk{Outputs: []*xaiv1.CompletionOutputChunk{{Index: 3, Delta: &xaiv1.Delta{Role: tool, Content: "x"}}, {Index: 4}}}
	c2 := &xaiv1.GetChatCompletionChunk{Outputs: []*xaiv1.CompletionOutputChunk{{Index: 3, FinishReason: xaiv1.FinishReason_REASON_STOP}}}
	a.Add(c1)
	a.Add(c2)
	if c1.Outputs[1].Delta.GetRole() != assistant || c2.Outputs[0].Delta.GetRole() != tool {
		t.Errorf("roles %v %v, want assistant then tool", c1.Outputs[1].Delta.GetRole(), c2.Outputs[0].Delta.GetRole())
	}
	r := a.Response()
	if len(r.Outputs) != 2 || r.Outputs[0].FinishReason != xaiv1.FinishReason_REASON_STOP || r.Outputs[0].Message.Role != tool {
		t.Errorf("response %v", r)
	}
}

func TestResponseIsACopy(t *testing.T) {
	var a Accumulator
	a.Add(&xaiv1.GetChatCompletionChunk{Id: "r", Outputs: []*xaiv1.CompletionOutputChunk{{Delta: &xaiv1.Delta{Content: "a", ToolCalls: []*xaiv1.ToolCall{call("c", 1)}}}}})
	r := a.Response()
	r.Outputs[0].Message.ToolCalls[0].Id = "changed"
	r.Id = "changed"
	if got := a.Response(); got.Id != "r" || got.Outputs[0].Message.ToolCalls[0].Id != "c" {
		t.Errorf("Response shares memory with the accumulator: %v", got)
	}
}

func TestSampleAccumulator(t *testing.T) {
	var a SampleAccumulator
	a.Add(&xaiv1.SampleTextResponse{Id: "s", Choices: []*xaiv1.SampleChoice{{Index: 1, Text: "b"}, {Index: 0, Text: "a"}}})
	a.Add(&xaiv1.SampleTextResponse{Choices: []*xaiv1.SampleChoice{{Index: 0, Text: "a", FinishReason: xaiv1.FinishReason_REASON_STOP}}})
	want := &xaiv1.SampleTextResponse{Id: "s", Choices: []*xaiv1.SampleChoice{
		{Index: 0, Text: "aa", FinishReason: xaiv1.FinishReason_REASON_STOP}, {Index: 1, Text: "b"}}}
	if got := a.Response(); !proto.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

// BenchmarkAccumulate compares a stream spread over many outputs with one
// of as many chunks on a single output: adding a chunk must cost the same
// however many outputs the stream has (linear accumulation). Compare the
// two ns/op figures; see docs/PERFORMANCE.md.
func BenchmarkAccumulate(b *testing.B) {
	build := func(indexes, perIndex int) []*xaiv1.GetChatCompletionChunk {
		var cs []*xaiv1.GetChatCompletionChunk
		for k := 0; k < perIndex; k++ {
			for i := 0; i < indexes; i++ {
				cs = append(cs, &xaiv1.GetChatCompletionChunk{Outputs: []*xaiv1.CompletionOutputChunk{{Index: int32(i), Delta: &xaiv1.Delta{Role: assistant, Content: "tok "}}}})
			}
		}
		return cs
	}
	for _, shape := range []struct {
		name              string
		indexes, perIndex int
	}{{"indexes=20000,chunks=3", 20000, 3}, {"indexes=1,chunks=60000", 1, 60000}} {
		cs := build(shape.indexes, shape.perIndex)
		b.Run(shape.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var a Accumulator
				for _, c := range cs {
					a.Add(c)
				}
			}
		})
	}
}
