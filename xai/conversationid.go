package xai

import (
	"context"
	"strings"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
)

// WithConversationID names the conversation a chat belongs to, so that
// tracing can group its calls: every call that Sample, Stream,
// StartDeferred, Defer and Compact make for the chat (and for its clones)
// carries id in its context,
// where [ConversationID] reads it, and package xaiotel records it on their
// spans as gen_ai.conversation.id (the official Python SDK's
// chat.create(conversation_id=...) does the same). The ID is not sent to
// the service. It must not be blank and must be valid UTF-8.
//
// It is an option of [ChatService.Create] only: the legacy Sample API has no
// conversation, and rejects it.
func WithConversationID(id string) ChatOption { return conversationIDOption(id) }

// conversationIDOption is set on the Chat by Create (see applyChatOption),
// not on the request.
type conversationIDOption string

func (conversationIDOption) applyChat(*xaiv1.GetCompletionsRequest) error {
	return invalidArgument("WithConversationID names a chat's conversation: pass it to client.Chat.Create")
}

// applyChatOption applies o to the chat being created.
func applyChatOption(c *Chat, o ChatOption) error {
	id, ok := o.(conversationIDOption)
	if !ok {
		return o.applyChat(c.req)
	}
	if strings.TrimSpace(string(id)) == "" {
		return invalidArgument("WithConversationID: the conversation ID is empty; pass an ID that groups the chat's calls, or leave the option out")
	}
	if err := checkUTF8("WithConversationID: conversation ID", string(id)); err != nil {
		return err
	}
	c.conversationID = string(id)
	return nil
}

// conversationIDKey is the context key of the conversation ID.
type conversationIDKey struct{}

// ConversationID returns the conversation ID that a chat made with
// [WithConversationID] put in the context of its calls, or "". It is meant
// for interceptors (see [WithInterceptors]), such as those of package
// xaiotel.
func ConversationID(ctx context.Context) string {
	if ctx == nil {
		return ""
	}
	id, _ := ctx.Value(conversationIDKey{}).(string)
	return id
}

// callContext returns ctx carrying the chat's conversation ID, if it has
// one. The ID is set by Create and never changes, so no lock is needed.
func (c *Chat) callContext(ctx context.Context) context.Context {
	if c == nil || c.conversationID == "" || ctx == nil || ConversationID(ctx) == c.conversationID {
		return ctx
	}
	return context.WithValue(ctx, conversationIDKey{}, c.conversationID)
}
