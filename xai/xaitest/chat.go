package xaitest

import (
	"context"
	"fmt"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
)

// chatService implements the Chat service.
type chatService struct {
	xaiv1.UnimplementedChatServer
	s *Server
}

// chatPlan is a validated completion request with the conversation it
// continues and its prompt token counts.
type chatPlan struct {
	req       *xaiv1.GetCompletionsRequest
	team      team
	model     *languageModel
	conv      []*xaiv1.Message // history, then the request's messages
	origin    []string         // where each message of conv after the history came from, for errors
	histLen   int              // messages of conv from previous_response_id
	chain     *convChain       // the chain whose array conv extends in place, if claimed
	chainBase **xaiv1.Message  // the first slot of that array
	fnSchemas map[string]map[string]any
	fnOrder   []string
	format    map[string]any

	textTokens   int // prompt text tokens, cached ones included
	cachedTokens int // reused from stored history or restored from blobs
	imageTokens  int
	restored     []string // reasoning recovered from encrypted_content
}

// completion is a generated answer, ready to be sent whole, streamed or
// deferred.
type completion struct {
	plan *chatPlan
	resp *xaiv1.GetChatCompletionResponse
	outs []output
}

// serverTools are the server-side tools of a request, in order.
func serverTools(req *xaiv1.GetCompletionsRequest) []*xaiv1.Tool {
	var out []*xaiv1.Tool
	for _, t := range req.GetTools() {
		if _, fn := t.GetTool().(*xaiv1.Tool_Function); !fn && t.GetTool() != nil {
			out = append(out, t)
		}
	}
	return out
}

// GetCompletion answers with the whole completion.
func (c *chatService) GetCompletion(ctx context.Context, req *xaiv1.GetCompletionsRequest) (*xaiv1.GetChatCompletionResponse, error) {
	return c.s.answer(ctx, req)
}

// GetCompletionChunk streams the completion output by output: reasoning,
// content and tool calls in deltas, each carrying the output's role, and
// finally the finish reasons with usage. A stored response is saved before
// its last chunk is sent, so it can be read back as soon as the stream
// ends.
func (c *chatService) GetCompletionChunk(req *xaiv1.GetCompletionsRequest, stream grpc.ServerStreamingServer[xaiv1.GetChatCompletionChunk]) error {
	comp, err := c.s.complete(stream.Context(), req)
	if err != nil {
		return err
	}
	chunks := comp.chunks()
	for i, ch := range chunks {
		if i == len(chunks)-1 {
			if err := c.s.keep(comp); err != nil {
				return err
			}
		}
		if err := stream.Send(ch); err != nil {
			return err
		}
	}
	return nil
}

// StartDeferredCompletion computes the completion at once and hands out a
// request ID to poll.
func (c *chatService) StartDeferredCompletion(ctx context.Context, req *xaiv1.GetCompletionsRequest) (*xaiv1.StartDeferredResponse, error) {
	resp, err := c.s.answer(ctx, req)
	if err != nil {
		return nil, err
	}
	return &xaiv1.StartDeferredResponse{RequestId: c.s.startDeferred(teamOf(ctx), resp)}, nil
}

// GetDeferredCompletion reports PENDING on the first poll and DONE with the
// response afterwards, or EXPIRED after 24 hours; EnqueueDeferredOutcome
// scripts other courses.
func (c *chatService) GetDeferredCompletion(ctx context.Context, req *xaiv1.GetDeferredRequest) (*xaiv1.GetDeferredCompletionResponse, error) {
	return c.s.pollDeferred(teamOf(ctx), req.GetRequestId())
}

// GetStoredCompletion returns a stored response as it was first returned.
func (c *chatService) GetStoredCompletion(ctx context.Context, req *xaiv1.GetStoredCompletionRequest) (*xaiv1.GetChatCompletionResponse, error) {
	if req.GetResponseId() == "" {
		return nil, invalid("response_id is required")
	}
	sr, err := c.s.stored(teamOf(ctx), req.GetResponseId())
	if err != nil {
		return nil, err
	}
	return proto.CloneOf(sr.resp), nil
}

// DeleteStoredCompletion deletes a stored response.
func (c *chatService) DeleteStoredCompletion(ctx context.Context, req *xaiv1.DeleteStoredCompletionRequest) (*xaiv1.DeleteStoredCompletionResponse, error) {
	if req.GetResponseId() == "" {
		return nil, invalid("response_id is required")
	}
	if err := c.s.deleteStored(teamOf(ctx), req.GetResponseId()); err != nil {
		return nil, err
	}
	return &xaiv1.DeleteStoredCompletionResponse{ResponseId: req.GetResponseId()}, nil
}

// CompactContext seals the whole input conversation into one blob. Sent
// back as the encrypted_content of a message, the blob is replaced by the
// conversation it holds, whose tokens then count as cached.
func (c *chatService) CompactContext(ctx context.Context, req *xaiv1.CompactContextRequest) (*xaiv1.CompactContextResponse, error) {
	m, err := c.s.lookupLanguageModel(req.GetModel())
	if err != nil {
		return nil, err
	}
	if len(req.GetInput()) == 0 {
		return nil, invalid("input must not be empty")
	}
	text, images := 0, 0
	for i, msg := range req.GetInput() {
		if err := c.s.checkMessage(teamOf(ctx), fmt.Sprintf("input[%d]", i), msg, m); err != nil {
			return nil, err
		}
		t, im := messageTokens(msg)
		text, images = text+t, images+im
	}
	if err := checkSystemOrder(req.GetInput(), func(i int) string { return fmt.Sprintf("input[%d]", i) }); err != nil {
		return nil, err
	}
	packed, err := proto.Marshal(&xaiv1.CompactContextRequest{Model: m.name, Input: req.GetInput()})
	if err != nil {
		return nil, invalid("input cannot be encoded: %v", err)
	}
	blob, err := c.s.sealer.seal(teamOf(ctx), sealedPayload{Kind: sealedCompaction, Model: m.name, Context: packed})
	if err != nil {
		return nil, err
	}
	summary := countTokens(fmt.Sprintf("Compacted %d messages.", len(req.GetInput())))
	return &xaiv1.CompactContextResponse{
		Id:                  newID(),
		EncryptedContent:    blob,
		DroppedMessageCount: uint32(len(req.GetInput())),
		Usage: &xaiv1.SamplingUsage{
			PromptTokens:      int32(text + images),
			PromptTextTokens:  int32(text),
			PromptImageTokens: int32(images),
			CompletionTokens:  int32(summary),
			TotalTokens:       int32(text + images + summary),
		},
	}, nil
}

// answer completes a request whole and keeps what it must keep: the
// answer of the unary, deferred and batch calls.
func (s *Server) answer(ctx context.Context, req *xaiv1.GetCompletionsRequest) (*xaiv1.GetChatCompletionResponse, error) {
	comp, err := s.complete(ctx, req)
	if err != nil {
		return nil, err
	}
	if err := s.keep(comp); err != nil {
		return nil, err
	}
	return comp.resp, nil
}

// complete validates a request and generates its completion.
func (s *Server) complete(ctx context.Context, req *xaiv1.GetCompletionsRequest) (*completion, error) {
	p, err := s.plan(teamOf(ctx), req)
	if err != nil {
		return nil, err
	}
	s.addRestored(recordFrom(ctx), p.restored)
	var script *Reply
	if r, ok := s.nextReply(); ok {
		script = &r
	}
	g, err := s.generate(p, script)
	if err != nil {
		p.chain.release(p.histLen)
		return nil, err
	}
	resp, err := s.response(p, g)
	if err != nil {
		return nil, err
	}
	return &completion{plan: p, resp: resp, outs: g.outs}, nil
}

// plan validates a completion request of team t and assembles its
// conversation. The history of previous_response_id is shared, not
// copied, and its token counts are taken as stored, so the cost of a plan
// does not grow with the depth of the chain.
func (s *Server) plan(t team, req *xaiv1.GetCompletionsRequest) (p *chatPlan, err error) {
	m, err := s.lookupLanguageModel(req.GetModel())
	if err != nil {
		return nil, err
	}
	p = &chatPlan{req: req, team: t, model: m}
	if p.fnSchemas, p.fnOrder, p.format, err = checkOptions(req, m); err != nil {
		return nil, err
	}
	if choices(p) > 1 && len(serverTools(req)) > 0 {
		return nil, status.Errorf(codes.Unimplemented,
			"xaitest: n = %d with server-side tools is not emulated by the fake server; ask for one choice", choices(p))
	}
	if req.GetStoreMessages() {
		if err := s.checkStoreQuota(t); err != nil {
			return nil, err
		}
	}
	if req.PreviousResponseId != nil {
		if req.GetPreviousResponseId() == "" {
			return nil, invalid("previous_response_id is set but empty")
		}
		sr, serr := s.stored(t, req.GetPreviousResponseId())
		if serr != nil {
			return nil, serr
		}
		p.conv, p.chain = sr.history()
		p.histLen = len(p.conv)
		p.chainBase = &p.conv[0]
		chain, histLen := p.chain, p.histLen // p is nil once an error is returned
		defer func() {
			if err != nil {
				chain.release(histLen)
			}
		}()
		p.textTokens, p.cachedTokens, p.imageTokens = sr.textTokens, sr.textTokens, sr.imageTokens
	} else if len(req.GetMessages()) == 0 {
		return nil, invalid("messages must not be empty")
	}
	// A compaction message stands for everything before it: the messages
	// of the request before the last one are checked but neither read nor
	// billed, as the official SDK's compaction drops them.
	from := s.lastCompaction(t, req.GetMessages())
	for i, msg := range req.GetMessages() {
		where := fmt.Sprintf("messages[%d]", i)
		if err := s.checkMessage(t, where, msg, m); err != nil {
			return nil, err
		}
		if i < from {
			continue
		}
		if err := s.addMessage(p, where, proto.CloneOf(msg)); err != nil {
			return nil, err
		}
	}
	// The stored history passed this check when it was stored, so only its
	// first message can conflict with the new ones.
	window, where := p.conv[p.histLen:], func(i int) string { return p.origin[i] }
	if p.histLen > 0 {
		window = append([]*xaiv1.Message{p.conv[0]}, window...)
		where = func(i int) string {
			if i == 0 {
				return "message 0 of the history of previous_response_id"
			}
			return p.origin[i-1]
		}
	}
	if err := checkSystemOrder(window, where); err != nil {
		return nil, err
	}
	if err := checkToolTurns(p.conv, p.histLen, p.origin); err != nil {
		return nil, err
	}
	return p, nil
}

// lastCompaction returns the index of the last message of msgs whose
// encrypted content is a compacted context of team t, or 0.
func (s *Server) lastCompaction(t team, msgs []*xaiv1.Message) int {
	for i := len(msgs) - 1; i > 0; i-- {
		if blob := msgs[i].GetEncryptedContent(); blob != "" {
			if payload, err := s.sealer.open(t, blob); err == nil && payload.Kind == sealedCompaction {
				return i
			}
		}
	}
	return 0
}

// addMessage appends a request message to the conversation and counts it,
// opening the blob it may carry: encrypted reasoning is restored, and a
// compacted context is replaced by the messages it holds.
func (s *Server) addMessage(p *chatPlan, where string, msg *xaiv1.Message) error {
	if blob := msg.GetEncryptedContent(); blob != "" {
		payload, err := s.sealer.open(p.team, blob)
		if err != nil {
			return invalid("%s.encrypted_content cannot be decrypted: %v", where, err)
		}
		switch payload.Kind {
		case sealedReasoning:
			p.restored = append(p.restored, payload.Text)
			n := countTokens(payload.Text)
			p.textTokens += n
			p.cachedTokens += n
		case sealedCompaction:
			var packed xaiv1.CompactContextRequest
			if err := proto.Unmarshal(payload.Context, &packed); err != nil {
				return invalid("%s.encrypted_content holds a damaged compacted context", where)
			}
			for i, old := range packed.GetInput() {
				t, im := messageTokens(old)
				p.textTokens += t
				p.cachedTokens += t
				p.imageTokens += im
				p.conv = append(p.conv, old)
				p.origin = append(p.origin, fmt.Sprintf("%s (message %d of the compacted context)", where, i))
			}
			if len(msg.GetContent()) == 0 && len(msg.GetToolCalls()) == 0 {
				return nil
			}
			msg.EncryptedContent = ""
		default:
			return invalid("%s.encrypted_content holds an unknown kind of content", where)
		}
	}
	t, im := messageTokens(msg)
	p.textTokens += t
	p.imageTokens += im
	p.conv = append(p.conv, msg)
	p.origin = append(p.origin, where)
	return nil
}

// response assembles the unary response of a completion, sealing
// reasoning when use_encrypted_content is set. The results of server-side
// tools count as prompt tokens, since the model reads them; the calls and
// text of the other outputs as completion tokens.
func (s *Server) response(p *chatPlan, g *generation) (*xaiv1.GetChatCompletionResponse, error) {
	req := p.req
	resp := &xaiv1.GetChatCompletionResponse{
		Id:                newID(),
		Created:           timestamppb.New(s.clock.Now()),
		Model:             p.model.name,
		SystemFingerprint: fingerprint(p.model.name),
		ServiceTier:       req.GetServiceTier(),
		Settings:          settings(req),
		Citations:         append([]string(nil), g.citations...),
	}
	if resp.ServiceTier == xaiv1.ServiceTier_SERVICE_TIER_UNSPECIFIED {
		resp.ServiceTier = xaiv1.ServiceTier_SERVICE_TIER_DEFAULT
	}
	completionTokens, reasoningTokens := 0, 0
	toolText, toolImages := 0, 0
	for _, o := range g.outs {
		msg := &xaiv1.CompletionMessage{
			Content:   o.content,
			Role:      o.role,
			ToolCalls: cloneToolCalls(o.toolCalls),
		}
		for _, c := range o.citations {
			msg.Citations = append(msg.Citations, cloneCitation(c))
		}
		if o.reasoning != "" {
			if req.GetUseEncryptedContent() {
				blob, err := s.sealer.seal(p.team, sealedPayload{Kind: sealedReasoning, Model: p.model.name, Text: o.reasoning})
				if err != nil {
					return nil, err
				}
				msg.EncryptedContent = blob
			} else {
				msg.ReasoningContent = o.reasoning
			}
		}
		out := &xaiv1.CompletionOutput{FinishReason: o.finish, Index: o.index, Message: msg}
		reasoningTokens += countTokens(o.reasoning)
		if o.role == xaiv1.MessageRole_ROLE_TOOL {
			t, im := toolResultTokens(o.content)
			toolText, toolImages = toolText+t, toolImages+im
		} else {
			if req.GetLogprobs() && o.content != "" { // as a stream would: no text, no log probabilities
				out.Logprobs = logprobsFor(o.content, int(req.GetTopLogprobs()))
			}
			completionTokens += countTokens(o.content) + toolCallTokens(o.toolCalls)
		}
		resp.Outputs = append(resp.Outputs, out)
	}
	text, images := p.textTokens+toolText, p.imageTokens+toolImages
	prompt := text + images
	m := p.model
	cost := int64(text-p.cachedTokens)*m.promptTick + int64(p.cachedTokens)*m.cachedTick +
		int64(images)*m.imageTick + int64(completionTokens+reasoningTokens)*m.outputTick
	resp.Usage = &xaiv1.SamplingUsage{
		CompletionTokens:       int32(completionTokens),
		ReasoningTokens:        int32(reasoningTokens),
		PromptTokens:           int32(prompt),
		TotalTokens:            int32(prompt + completionTokens + reasoningTokens),
		PromptTextTokens:       int32(text),
		CachedPromptTextTokens: int32(p.cachedTokens),
		PromptImageTokens:      int32(images),
		NumSourcesUsed:         int32(len(g.citations)),
		ServerSideToolsUsed:    append([]xaiv1.ServerSideTool(nil), g.toolsUsed...),
		CostInUsdTicks:         &cost,
	}
	return resp, nil
}

// settings echoes the options a request was served with.
func settings(req *xaiv1.GetCompletionsRequest) *xaiv1.RequestSettings {
	parallel := true
	if req.ParallelToolCalls != nil {
		parallel = req.GetParallelToolCalls()
	}
	return &xaiv1.RequestSettings{
		MaxTokens:           req.MaxTokens,
		ParallelToolCalls:   parallel,
		PreviousResponseId:  req.PreviousResponseId,
		ReasoningEffort:     req.ReasoningEffort,
		Temperature:         req.Temperature,
		ResponseFormat:      proto.CloneOf(req.GetResponseFormat()),
		ToolChoice:          proto.CloneOf(req.GetToolChoice()),
		Tools:               redactTools(req.GetTools()),
		TopP:                req.TopP,
		User:                req.GetUser(),
		SearchParameters:    proto.CloneOf(req.GetSearchParameters()),
		StoreMessages:       req.GetStoreMessages(),
		UseEncryptedContent: req.GetUseEncryptedContent(),
		Include:             append([]xaiv1.IncludeOption(nil), req.GetInclude()...),
	}
}

// redactTools copies tools for the settings echo, without the credentials
// of MCP servers (authorization and extra header values), which must not
// come back in responses.
func redactTools(in []*xaiv1.Tool) []*xaiv1.Tool {
	var out []*xaiv1.Tool
	for _, t := range in {
		t = proto.CloneOf(t)
		if m := t.GetMcp(); m != nil {
			m.Authorization = nil
			for k := range m.ExtraHeaders {
				m.ExtraHeaders[k] = ""
			}
		}
		out = append(out, t)
	}
	return out
}

// keep stores a completion when its request asked for it. The stored
// conversation ends with the assistant message of output 0 when the
// request asked for several choices, and otherwise with every output of
// the answer in order: a tool's result as a ROLE_TOOL message with the
// tool_call_id of the call it echoes. The messages are appended to the
// plan's conversation, in place when it extends its chain (see convChain).
func (s *Server) keep(c *completion) error {
	p := c.plan
	if !p.req.GetStoreMessages() {
		p.chain.release(p.histLen)
		return nil
	}
	outs := c.outs
	if choices(c.plan) > 1 {
		outs = outs[:1]
	}
	conv := p.conv
	textTokens := p.textTokens
	for _, o := range outs {
		msg := &xaiv1.Message{Role: o.role, ToolCalls: cloneToolCalls(o.toolCalls)}
		if o.content != "" {
			msg.Content = []*xaiv1.Content{{Content: &xaiv1.Content_Text{Text: o.content}}}
		}
		if o.reasoning != "" {
			msg.ReasoningContent = proto.String(o.reasoning)
		}
		if o.role == xaiv1.MessageRole_ROLE_TOOL && len(o.toolCalls) > 0 {
			msg.ToolCallId = proto.String(o.toolCalls[0].GetId())
		}
		t, _ := messageTokens(msg)
		textTokens += t
		conv = append(conv, msg)
	}
	chain := p.chain.settle(conv, p.chainBase, p.histLen)
	err := s.storeResponse(&storedResponse{
		resp:         proto.CloneOf(c.resp),
		team:         p.team,
		conversation: conv,
		chain:        chain,
		textTokens:   textTokens,
		imageTokens:  p.imageTokens,
	})
	return err
}
