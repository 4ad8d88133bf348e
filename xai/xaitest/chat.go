package xaitest

import (
	"context"
	"fmt"

	"google.golang.org/grpc"
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
	model     *languageModel
	conv      []*xaiv1.Message // history, then the request's messages
	origin    []string         // where each message of conv came from, for errors
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

// GetCompletion answers with the whole completion.
func (c *chatService) GetCompletion(ctx context.Context, req *xaiv1.GetCompletionsRequest) (*xaiv1.GetChatCompletionResponse, error) {
	comp, err := c.s.complete(ctx, req)
	if err != nil {
		return nil, err
	}
	c.s.keep(comp)
	return comp.resp, nil
}

// GetCompletionChunk streams the completion: the role first, then
// reasoning, content and tool calls in deltas, and finally the finish
// reasons with usage. A stored response is saved before its last chunk is
// sent, so it can be read back as soon as the stream ends.
func (c *chatService) GetCompletionChunk(req *xaiv1.GetCompletionsRequest, stream grpc.ServerStreamingServer[xaiv1.GetChatCompletionChunk]) error {
	comp, err := c.s.complete(stream.Context(), req)
	if err != nil {
		return err
	}
	chunks := comp.chunks()
	for i, ch := range chunks {
		if i == len(chunks)-1 {
			c.s.keep(comp)
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
	comp, err := c.s.complete(ctx, req)
	if err != nil {
		return nil, err
	}
	c.s.keep(comp)
	return &xaiv1.StartDeferredResponse{RequestId: c.s.startDeferred(comp.resp)}, nil
}

// GetDeferredCompletion reports PENDING on the first poll and DONE with the
// response afterwards, or EXPIRED after 24 hours.
func (c *chatService) GetDeferredCompletion(_ context.Context, req *xaiv1.GetDeferredRequest) (*xaiv1.GetDeferredCompletionResponse, error) {
	return c.s.pollDeferred(req.GetRequestId())
}

// GetStoredCompletion returns a stored response as it was first returned.
func (c *chatService) GetStoredCompletion(_ context.Context, req *xaiv1.GetStoredCompletionRequest) (*xaiv1.GetChatCompletionResponse, error) {
	if req.GetResponseId() == "" {
		return nil, invalid("response_id is required")
	}
	sr, err := c.s.stored(req.GetResponseId())
	if err != nil {
		return nil, err
	}
	return proto.CloneOf(sr.resp), nil
}

// DeleteStoredCompletion deletes a stored response.
func (c *chatService) DeleteStoredCompletion(_ context.Context, req *xaiv1.DeleteStoredCompletionRequest) (*xaiv1.DeleteStoredCompletionResponse, error) {
	if req.GetResponseId() == "" {
		return nil, invalid("response_id is required")
	}
	if err := c.s.deleteStored(req.GetResponseId()); err != nil {
		return nil, err
	}
	return &xaiv1.DeleteStoredCompletionResponse{ResponseId: req.GetResponseId()}, nil
}

// CompactContext seals the whole input conversation into one blob. Sent
// back as the encrypted_content of a message, the blob is replaced by the
// conversation it holds, whose tokens then count as cached.
func (c *chatService) CompactContext(_ context.Context, req *xaiv1.CompactContextRequest) (*xaiv1.CompactContextResponse, error) {
	m, err := c.s.lookupLanguageModel(req.GetModel())
	if err != nil {
		return nil, err
	}
	if len(req.GetInput()) == 0 {
		return nil, invalid("input must not be empty")
	}
	text, images := 0, 0
	for i, msg := range req.GetInput() {
		if err := c.s.checkMessage(fmt.Sprintf("input[%d]", i), msg, m); err != nil {
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
	blob, err := c.s.sealer.seal(sealedPayload{Kind: sealedCompaction, Model: m.name, Context: packed})
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

// complete validates a request and generates its completion.
func (s *Server) complete(ctx context.Context, req *xaiv1.GetCompletionsRequest) (*completion, error) {
	p, err := s.plan(req)
	if err != nil {
		return nil, err
	}
	s.addRestored(recordFrom(ctx), p.restored)
	var script *Reply
	if r, ok := s.nextReply(); ok {
		script = &r
	}
	outs := generate(p, script)
	resp, err := s.response(p, outs)
	if err != nil {
		return nil, err
	}
	return &completion{plan: p, resp: resp, outs: outs}, nil
}

// plan validates a completion request and assembles its conversation.
func (s *Server) plan(req *xaiv1.GetCompletionsRequest) (*chatPlan, error) {
	m, err := s.lookupLanguageModel(req.GetModel())
	if err != nil {
		return nil, err
	}
	p := &chatPlan{req: req, model: m}
	if p.fnSchemas, p.fnOrder, p.format, err = checkOptions(req, m); err != nil {
		return nil, err
	}
	if req.PreviousResponseId != nil {
		if req.GetPreviousResponseId() == "" {
			return nil, invalid("previous_response_id is set but empty")
		}
		sr, err := s.stored(req.GetPreviousResponseId())
		if err != nil {
			return nil, err
		}
		p.conv = append(p.conv, sr.conversation...)
		for i := range sr.conversation {
			p.origin = append(p.origin, fmt.Sprintf("message %d of the history of previous_response_id", i))
		}
		p.textTokens, p.cachedTokens, p.imageTokens = sr.textTokens, sr.textTokens, sr.imageTokens
	} else if len(req.GetMessages()) == 0 {
		return nil, invalid("messages must not be empty")
	}
	for i, msg := range req.GetMessages() {
		where := fmt.Sprintf("messages[%d]", i)
		if err := s.checkMessage(where, msg, m); err != nil {
			return nil, err
		}
		if err := s.addMessage(p, where, proto.CloneOf(msg)); err != nil {
			return nil, err
		}
	}
	if err := checkSystemOrder(p.conv, func(i int) string { return p.origin[i] }); err != nil {
		return nil, err
	}
	return p, nil
}

// addMessage appends a request message to the conversation and counts it,
// opening the blob it may carry: encrypted reasoning is restored, and a
// compacted context is replaced by the messages it holds.
func (s *Server) addMessage(p *chatPlan, where string, msg *xaiv1.Message) error {
	if blob := msg.GetEncryptedContent(); blob != "" {
		payload, err := s.sealer.open(blob)
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
// reasoning when use_encrypted_content is set.
func (s *Server) response(p *chatPlan, outs []output) (*xaiv1.GetChatCompletionResponse, error) {
	req := p.req
	resp := &xaiv1.GetChatCompletionResponse{
		Id:                newID(),
		Created:           timestamppb.New(s.clock.Now()),
		Model:             p.model.name,
		SystemFingerprint: fingerprint(p.model.name),
		ServiceTier:       req.GetServiceTier(),
		Settings:          settings(req),
	}
	if resp.ServiceTier == xaiv1.ServiceTier_SERVICE_TIER_UNSPECIFIED {
		resp.ServiceTier = xaiv1.ServiceTier_SERVICE_TIER_DEFAULT
	}
	completionTokens, reasoningTokens := 0, 0
	for i, o := range outs {
		msg := &xaiv1.CompletionMessage{
			Content:   o.content,
			Role:      xaiv1.MessageRole_ROLE_ASSISTANT,
			ToolCalls: cloneToolCalls(o.toolCalls),
		}
		if o.reasoning != "" {
			if req.GetUseEncryptedContent() {
				blob, err := s.sealer.seal(sealedPayload{Kind: sealedReasoning, Model: p.model.name, Text: o.reasoning})
				if err != nil {
					return nil, err
				}
				msg.EncryptedContent = blob
			} else {
				msg.ReasoningContent = o.reasoning
			}
		}
		out := &xaiv1.CompletionOutput{FinishReason: o.finish, Index: int32(i), Message: msg}
		if req.GetLogprobs() {
			out.Logprobs = logprobsFor(o.content, int(req.GetTopLogprobs()))
		}
		resp.Outputs = append(resp.Outputs, out)
		completionTokens += countTokens(o.content) + toolCallTokens(o.toolCalls)
		reasoningTokens += countTokens(o.reasoning)
	}
	prompt := p.textTokens + p.imageTokens
	m := p.model
	cost := int64(p.textTokens-p.cachedTokens)*m.promptTick + int64(p.cachedTokens)*m.cachedTick +
		int64(p.imageTokens)*m.imageTick + int64(completionTokens+reasoningTokens)*m.outputTick
	resp.Usage = &xaiv1.SamplingUsage{
		CompletionTokens:       int32(completionTokens),
		ReasoningTokens:        int32(reasoningTokens),
		PromptTokens:           int32(prompt),
		TotalTokens:            int32(prompt + completionTokens + reasoningTokens),
		PromptTextTokens:       int32(p.textTokens),
		CachedPromptTextTokens: int32(p.cachedTokens),
		PromptImageTokens:      int32(p.imageTokens),
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
		Tools:               cloneTools(req.GetTools()),
		TopP:                req.TopP,
		User:                req.GetUser(),
		SearchParameters:    proto.CloneOf(req.GetSearchParameters()),
		StoreMessages:       req.GetStoreMessages(),
		UseEncryptedContent: req.GetUseEncryptedContent(),
		Include:             append([]xaiv1.IncludeOption(nil), req.GetInclude()...),
	}
}

func cloneTools(in []*xaiv1.Tool) []*xaiv1.Tool {
	var out []*xaiv1.Tool
	for _, t := range in {
		out = append(out, proto.CloneOf(t))
	}
	return out
}

// keep stores a completion when its request asked for it. The stored
// conversation ends with the assistant message of output 0.
func (s *Server) keep(c *completion) {
	if !c.plan.req.GetStoreMessages() {
		return
	}
	o := c.outs[0]
	reply := &xaiv1.Message{Role: xaiv1.MessageRole_ROLE_ASSISTANT, ToolCalls: cloneToolCalls(o.toolCalls)}
	if o.content != "" {
		reply.Content = []*xaiv1.Content{{Content: &xaiv1.Content_Text{Text: o.content}}}
	}
	if o.reasoning != "" {
		reply.ReasoningContent = proto.String(o.reasoning)
	}
	t, _ := messageTokens(reply)
	conv := make([]*xaiv1.Message, 0, len(c.plan.conv)+1)
	conv = append(append(conv, c.plan.conv...), reply)
	s.storeResponse(&storedResponse{
		resp:         proto.CloneOf(c.resp),
		conversation: conv,
		textTokens:   c.plan.textTokens + t,
		imageTokens:  c.plan.imageTokens,
	})
}

// chunks renders a completion as a stream.
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
	delta := func(i int, d *xaiv1.Delta) *xaiv1.CompletionOutputChunk {
		return &xaiv1.CompletionOutputChunk{Index: int32(i), Delta: d}
	}

	var first []*xaiv1.CompletionOutputChunk
	for i := range c.outs {
		first = append(first, delta(i, &xaiv1.Delta{Role: xaiv1.MessageRole_ROLE_ASSISTANT}))
	}
	chunks := []*xaiv1.GetChatCompletionChunk{chunk(first...)}
	logprobs, top := c.plan.req.GetLogprobs(), int(c.plan.req.GetTopLogprobs())
	for i, o := range c.outs {
		msg := resp.GetOutputs()[i].GetMessage()
		for _, r := range splitDeltas(msg.GetReasoningContent()) {
			chunks = append(chunks, chunk(delta(i, &xaiv1.Delta{ReasoningContent: r})))
		}
		if blob := msg.GetEncryptedContent(); blob != "" {
			chunks = append(chunks, chunk(delta(i, &xaiv1.Delta{EncryptedContent: blob})))
		}
		for _, text := range o.chunks {
			out := delta(i, &xaiv1.Delta{Content: text})
			if logprobs {
				out.Logprobs = logprobsFor(text, top)
			}
			chunks = append(chunks, chunk(out))
		}
		if len(o.toolCalls) > 0 {
			chunks = append(chunks, chunk(delta(i, &xaiv1.Delta{ToolCalls: cloneToolCalls(o.toolCalls)})))
		}
	}
	var last []*xaiv1.CompletionOutputChunk
	for i, o := range c.outs {
		out := delta(i, &xaiv1.Delta{})
		out.FinishReason = o.finish
		last = append(last, out)
	}
	final := chunk(last...)
	final.Usage = proto.CloneOf(resp.GetUsage())
	final.Citations = append([]string(nil), resp.GetCitations()...)
	return append(chunks, final)
}
