package xai

import (
	"context"
	"strings"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
)

// CompactedContext is a conversation compacted by CompactContext or
// [Chat.Compact]: the service folds the messages into one opaque encrypted
// blob that takes less of the model's context window.
//
// It is also a Turn: appending it to a chat replaces the chat's history
// with one user message carrying the blob in encrypted_content, which the
// service expands again when the chat is sent (the official Python SDK's
// chat.append of a CompactContextResponse does the same).
type CompactedContext struct {
	pb *xaiv1.CompactContextResponse
}

// Proto returns the raw protobuf response.
func (c *CompactedContext) Proto() *xaiv1.CompactContextResponse {
	if c == nil {
		return nil
	}
	return c.pb
}

// ID returns the ID of the compaction.
func (c *CompactedContext) ID() string { return c.Proto().GetId() }

// EncryptedContent returns the compacted conversation as an opaque blob.
func (c *CompactedContext) EncryptedContent() string { return c.Proto().GetEncryptedContent() }

// DroppedMessageCount returns how many of the input messages were folded
// into the compacted context.
func (c *CompactedContext) DroppedMessageCount() int { return int(c.Proto().GetDroppedMessageCount()) }

// Usage returns the token usage of the compaction, or nil.
func (c *CompactedContext) Usage() *xaiv1.SamplingUsage { return c.Proto().GetUsage() }

// turnMessages returns the compaction message: a user message whose
// encrypted content is the blob.
func (c *CompactedContext) turnMessages() ([]*xaiv1.Message, error) {
	if c.Proto() == nil {
		return nil, invalidArgument("cannot append a nil *xai.CompactedContext: take it from CompactContext or Chat.Compact")
	}
	if c.pb.GetEncryptedContent() == "" {
		return nil, invalidArgument("cannot append compaction %q: it has no encrypted content", c.pb.GetId())
	}
	return []*xaiv1.Message{{Role: xaiv1.MessageRole_ROLE_USER, EncryptedContent: c.pb.GetEncryptedContent()}}, nil
}

// CompactContext asks the service to compact the conversation turns for
// model into one encrypted blob, to save context window space. Append the
// result to a chat to continue from it; [Chat.Compact] does both.
func (s *ChatService) CompactContext(ctx context.Context, model string, turns []Turn, opts ...CallOption) (*CompactedContext, error) {
	if err := s.ready(); err != nil {
		return nil, err
	}
	msgs, err := collectTurns("CompactContext", turns)
	if err != nil {
		return nil, err
	}
	return s.compact(ctx, model, msgs, opts)
}

// compact sends msgs, which the caller may not change afterwards, for
// compaction.
func (s *ChatService) compact(ctx context.Context, model string, msgs []*xaiv1.Message, opts []CallOption) (*CompactedContext, error) {
	if strings.TrimSpace(model) == "" {
		return nil, invalidArgument(`CompactContext: the model is empty; pass the model the context is meant for, for example "grok-4"`)
	}
	if len(msgs) == 0 {
		return nil, invalidArgument("CompactContext: there are no messages to compact")
	}
	if err := validateMessages(msgs); err != nil {
		return nil, err
	}
	pb, err := s.stub.CompactContext(ctx, &xaiv1.CompactContextRequest{Model: model, Input: msgs}, grpcCallOptions(opts)...)
	if err != nil {
		return nil, fromGRPC(err)
	}
	return &CompactedContext{pb: pb}, nil
}

// Compact compacts the chat's history on the service and replaces it with
// the compaction message (see [CompactedContext]), so that later sends carry
// one message instead of the whole conversation. Options, tools and the
// model are kept. It returns the compaction; on error the chat is
// unchanged. Turns appended while Compact runs are kept after the
// compaction message.
func (c *Chat) Compact(ctx context.Context, opts ...CallOption) (*CompactedContext, error) {
	req, err := c.sendable()
	if err != nil {
		return nil, err
	}
	compacted, err := c.svc.compact(c.callContext(ctx), req.GetModel(), req.GetMessages(), opts)
	if err != nil {
		return nil, err
	}
	msgs, err := compacted.turnMessages()
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	var later []*xaiv1.Message
	if n := len(req.GetMessages()); len(c.req.Messages) >= n {
		later = c.req.Messages[n:]
	}
	c.req.Messages = append(msgs, later...)
	c.changed()
	return compacted, nil
}
