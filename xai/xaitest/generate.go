package xaitest

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
)

// The default answer is derived from the conversation alone, so the same
// request always gets the same content, whichever RPC carries it:
//
//	You said: "<last user text>". This is a deterministic reply from the xaitest fake server.
//
// with "I received N image(s)." when the user turn had images, an
// acknowledgement of the tool result when the conversation ends with one,
// and "Alternative i: " before outputs 1..n-1. The echoed text is cut to
// maxEchoRunes runes. Requests with server-side tools get the layout of the
// agent loop instead (see tools.go).

const (
	// FixedSentence ends every default reply.
	FixedSentence  = "This is a deterministic reply from the xaitest fake server."
	maxEchoRunes   = 500
	tokensPerDelta = 4
)

// output is one output of a completion: one of the n choices, or one step
// of the agent loop of server-side tools.
type output struct {
	index     int32
	role      xaiv1.MessageRole // ROLE_ASSISTANT, or ROLE_TOOL for a tool's result
	content   string
	chunks    []string // content deltas for streams
	reasoning string
	toolCalls []*xaiv1.ToolCall
	citations []*xaiv1.InlineCitation
	finish    xaiv1.FinishReason
}

// generation is everything a completion produced: its outputs and what
// the response reports beside them.
type generation struct {
	outs      []output
	citations []string // URLs of the sources consulted
	toolsUsed []xaiv1.ServerSideTool
}

// generate produces the outputs of a planned completion, from a scripted
// reply when r is not nil.
func (s *Server) generate(p *chatPlan, r *Reply) (*generation, error) {
	if r != nil {
		return scripted(p, r)
	}
	if agentLoopRuns(p) {
		return s.runAgent(p)
	}
	g := &generation{outs: make([]output, choices(p))}
	for i := range g.outs {
		g.outs[i] = defaultOutput(p, i, defaultText(p.conv))
	}
	return g, nil
}

// choices is the number of choices a request asks for.
func choices(p *chatPlan) int {
	if p.req.N != nil {
		return int(p.req.GetN())
	}
	return 1
}

// scripted turns a Reply into outputs.
func scripted(p *chatPlan, r *Reply) (*generation, error) {
	g := &generation{
		citations: append([]string(nil), r.Citations...),
		toolsUsed: append([]xaiv1.ServerSideTool(nil), r.ServerSideToolsUsed...),
	}
	if len(r.Outputs) > 0 {
		if r.Content != "" || r.Reasoning != "" || len(r.ToolCalls) > 0 || len(r.Chunks) > 0 ||
			r.FinishReason != xaiv1.FinishReason_REASON_INVALID {
			return nil, status.Error(codes.FailedPrecondition, "xaitest: the scripted Reply sets Outputs together with "+
				"Content, Reasoning, ToolCalls, Chunks or FinishReason; with Outputs, describe every output there")
		}
		g.outs = scriptedLayout(p, r.Outputs)
		return g, nil
	}
	g.outs = make([]output, choices(p))
	for i := range g.outs {
		o := output{index: int32(i), role: xaiv1.MessageRole_ROLE_ASSISTANT, content: r.Content,
			reasoning: r.Reasoning, toolCalls: cloneToolCalls(r.ToolCalls), finish: r.FinishReason}
		if len(r.Chunks) > 0 {
			o.content = strings.Join(r.Chunks, "")
			o.chunks = append([]string(nil), r.Chunks...)
		} else {
			o.chunks = splitDeltas(o.content)
		}
		if o.reasoning == "" {
			o.reasoning = defaultReasoning(p)
		}
		for _, tc := range o.toolCalls {
			if tc.GetId() == "" {
				tc.Id = toolCallID(p, tc.GetFunction().GetName(), i)
			}
		}
		if o.finish == xaiv1.FinishReason_REASON_INVALID {
			o.finish = xaiv1.FinishReason_REASON_STOP
			if len(o.toolCalls) > 0 {
				o.finish = xaiv1.FinishReason_REASON_TOOL_CALLS
			}
		}
		g.outs[i] = o
	}
	return g, nil
}

// scriptedLayout turns the outputs of a Reply into outputs, filling in
// what the Reply leaves to the fake: the role, call IDs, the last finish
// reason and the deltas.
func scriptedLayout(p *chatPlan, in []ReplyOutput) []output {
	outs := make([]output, len(in))
	lastID := map[string]string{} // function name -> ID of its latest call
	for k, ro := range in {
		o := output{index: ro.Index, role: ro.Role, content: ro.Content, reasoning: ro.Reasoning,
			toolCalls: cloneToolCalls(ro.ToolCalls), finish: ro.FinishReason}
		if o.role == xaiv1.MessageRole_INVALID_ROLE {
			o.role = xaiv1.MessageRole_ROLE_ASSISTANT
		}
		for _, c := range ro.Citations {
			o.citations = append(o.citations, cloneCitation(c))
		}
		switch {
		case len(ro.Chunks) > 0:
			o.content = strings.Join(ro.Chunks, "")
			o.chunks = append([]string(nil), ro.Chunks...)
		case o.role == xaiv1.MessageRole_ROLE_TOOL && o.content != "":
			o.chunks = []string{o.content} // a tool's result arrives whole
		default:
			o.chunks = splitDeltas(o.content)
		}
		for _, tc := range o.toolCalls {
			name := tc.GetFunction().GetName()
			if tc.GetId() == "" {
				// A tool output echoes the latest call of its tool.
				if id, ok := lastID[name]; ok && o.role == xaiv1.MessageRole_ROLE_TOOL {
					tc.Id = id
				} else {
					tc.Id = toolCallID(p, name, k)
				}
			}
			lastID[name] = tc.GetId()
		}
		if k == len(in)-1 && o.finish == xaiv1.FinishReason_REASON_INVALID {
			o.finish = xaiv1.FinishReason_REASON_STOP
			if len(o.toolCalls) > 0 && o.role == xaiv1.MessageRole_ROLE_ASSISTANT {
				o.finish = xaiv1.FinishReason_REASON_TOOL_CALLS
			}
		}
		outs[k] = o
	}
	return outs
}

// defaultOutput is the fake's own answer for choice i, with text as its
// content before formats and limits apply.
func defaultOutput(p *chatPlan, i int, text string) output {
	label := ""
	if i > 0 {
		label = fmt.Sprintf(" (alternative %d)", i)
	}
	o := output{index: int32(i), role: xaiv1.MessageRole_ROLE_ASSISTANT, reasoning: defaultReasoning(p),
		finish: xaiv1.FinishReason_REASON_STOP}
	if fn := forcedFunction(p); fn != "" {
		o.toolCalls = []*xaiv1.ToolCall{{
			Id:     toolCallID(p, fn, i),
			Type:   xaiv1.ToolCallType_TOOL_CALL_TYPE_CLIENT_SIDE_TOOL,
			Status: xaiv1.ToolCallStatus_TOOL_CALL_STATUS_COMPLETED,
			Tool: &xaiv1.ToolCall_Function{Function: &xaiv1.FunctionCall{
				Name:      fn,
				Arguments: placeholderJSON(p.fnSchemas[fn], label),
			}},
		}}
		o.finish = xaiv1.FinishReason_REASON_TOOL_CALLS
		return o
	}

	if i > 0 {
		text = fmt.Sprintf("Alternative %d: %s", i, text)
	}
	switch p.req.GetResponseFormat().GetFormatType() {
	case xaiv1.FormatType_FORMAT_TYPE_JSON_OBJECT:
		b, _ := json.Marshal(map[string]string{"reply": text})
		text = string(b)
	case xaiv1.FormatType_FORMAT_TYPE_JSON_SCHEMA:
		text = placeholderJSON(p.format, label)
	}
	// A stop sequence ends the output before it; the earliest one wins.
	cut := len(text)
	for _, stop := range p.req.GetStop() {
		if k := strings.Index(text, stop); stop != "" && k >= 0 && k < cut {
			cut = k
		}
	}
	text = text[:cut]
	if p.req.MaxTokens != nil {
		var truncated bool
		if text, truncated = truncateTokens(text, int(p.req.GetMaxTokens())); truncated {
			o.finish = xaiv1.FinishReason_REASON_MAX_LEN
		}
	}
	o.content = text
	o.chunks = splitDeltas(text)
	return o
}

// defaultText is the reply to the end of the conversation.
func defaultText(conv []*xaiv1.Message) string {
	if len(conv) > 0 {
		last := conv[len(conv)-1]
		if r := last.GetRole(); r == xaiv1.MessageRole_ROLE_TOOL || r == xaiv1.MessageRole_ROLE_FUNCTION {
			text, _ := messageText(last)
			return fmt.Sprintf("Tool result received: \"%s\". %s", capRunes(text, maxEchoRunes), FixedSentence)
		}
	}
	text, images := lastUserTurn(conv)
	var b strings.Builder
	fmt.Fprintf(&b, "You said: \"%s\".", capRunes(text, maxEchoRunes))
	switch images {
	case 0:
	case 1:
		b.WriteString(" I received 1 image.")
	default:
		fmt.Fprintf(&b, " I received %d images.", images)
	}
	b.WriteString(" " + FixedSentence)
	return b.String()
}

// lastUserTurn returns the text and image count of the last user message.
func lastUserTurn(conv []*xaiv1.Message) (string, int) {
	for i := len(conv) - 1; i >= 0; i-- {
		if conv[i].GetRole() == xaiv1.MessageRole_ROLE_USER {
			return messageText(conv[i])
		}
	}
	return "", 0
}

// messageText joins a message's text parts and counts its images.
func messageText(m *xaiv1.Message) (string, int) {
	var parts []string
	images := 0
	for _, c := range m.GetContent() {
		switch v := c.GetContent().(type) {
		case *xaiv1.Content_Text:
			parts = append(parts, v.Text)
		case *xaiv1.Content_ImageUrl:
			images++
		}
	}
	return strings.Join(parts, " "), images
}

// capRunes cuts s to at most n runes, marking the cut with "...".
func capRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	i := 0
	for k := range s {
		if i == n {
			return s[:k] + "..."
		}
		i++
	}
	return s
}

// defaultReasoning is the reasoning of reasoning models: one to four fixed
// steps depending on reasoning_effort (two by default), none with
// EFFORT_NONE or for models that do not reason.
func defaultReasoning(p *chatPlan) string {
	if !p.model.reasoning {
		return ""
	}
	steps := 2
	if p.req.ReasoningEffort != nil {
		switch p.req.GetReasoningEffort() {
		case xaiv1.ReasoningEffort_EFFORT_NONE:
			return ""
		case xaiv1.ReasoningEffort_EFFORT_LOW:
			steps = 1
		case xaiv1.ReasoningEffort_EFFORT_HIGH:
			steps = 3
		case xaiv1.ReasoningEffort_EFFORT_XHIGH:
			steps = 4
		}
	}
	userText, _ := lastUserTurn(p.conv)
	all := []string{
		fmt.Sprintf("The user wrote \"%s\".", capRunes(userText, 80)),
		"A short, direct answer fits best.",
		"Checking the conversation for anything that changes that.",
		"Considering other phrasings before settling on one.",
	}
	return strings.Join(all[:steps], " ")
}

// forcedFunction returns the function the tool choice forces, if any:
// the named one, or the first function tool under TOOL_MODE_REQUIRED.
func forcedFunction(p *chatPlan) string {
	switch c := p.req.GetToolChoice().GetToolChoice().(type) {
	case *xaiv1.ToolChoice_FunctionName:
		return c.FunctionName
	case *xaiv1.ToolChoice_Mode:
		if c.Mode == xaiv1.ToolMode_TOOL_MODE_REQUIRED && len(p.fnOrder) > 0 {
			return p.fnOrder[0]
		}
	}
	return ""
}

// toolCallID derives a call ID from the conversation, so unary, stream and
// deferred answers agree.
func toolCallID(p *chatPlan, fn string, i int) string {
	last := ""
	if len(p.conv) > 0 {
		last, _ = messageText(p.conv[len(p.conv)-1])
	}
	id := stableUUID("call", p.model.name, last, fmt.Sprint(len(p.conv)), fn, fmt.Sprint(i))
	return "call_" + strings.ReplaceAll(id, "-", "")[:24]
}

// splitDeltas cuts text into stream deltas of tokensPerDelta tokens.
func splitDeltas(text string) []string {
	var out []string
	start, end, n := 0, 0, 0
	scanTokens(text, func(tok string) {
		end += len(tok)
		n++
		if n == tokensPerDelta {
			out = append(out, text[start:end])
			start, n = end, 0
		}
	})
	if start < end {
		out = append(out, text[start:end])
	}
	return out
}

// logprobsFor makes deterministic log probabilities for the tokens of
// text, with top alternatives each.
func logprobsFor(text string, top int) *xaiv1.LogProbs {
	lp := &xaiv1.LogProbs{}
	scanTokens(text, func(tok string) {
		p := -float32(tokenID(tok)%1000) / 4000 // in (-0.25, 0]
		entry := &xaiv1.LogProb{Token: strings.ToValidUTF8(tok, "\uFFFD"), Logprob: p, Bytes: []byte(tok)}
		for k := range top {
			alt, altP := entry.Token, p
			if k > 0 {
				alt = fmt.Sprintf("%s~%d", strings.TrimSpace(entry.Token), k)
				altP = p - float32(k)
			}
			entry.TopLogprobs = append(entry.TopLogprobs, &xaiv1.TopLogProb{Token: alt, Logprob: altP, Bytes: []byte(alt)})
		}
		lp.Content = append(lp.Content, entry)
	})
	return lp
}
