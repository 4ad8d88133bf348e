package xai

import (
	"context"
	"slices"
	"strings"
	"sync"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
)

// ChatService generates chat completions. Use it as [Client.Chat].
type ChatService struct {
	stub xaiv1.ChatClient
	// shareMessages lets Sample, Stream and StartDeferred send a shallow
	// copy of a chat's request, sharing its messages (see Chat.sendable):
	// set when no code of the caller's sees the requests the client sends.
	shareMessages bool
	// scrub redacts the client's keys from a message that goes into an
	// error (the partial response of a failed stream); a func, so that
	// printing the service shows no key.
	scrub func(protoreflect.Message)
}

// Chat is a chat completion request being built: a model, options, and the
// conversation so far. Create one with [ChatService.Create], add turns with
// Append, and send it with Sample, Stream or Defer; sending does not change
// the chat, so append the response to continue the conversation:
//
//	resp, err := chat.Sample(ctx)
//	...
//	chat.Append(resp, xai.User("And then?"))
//
// Errors met while building (an invalid option or message) are kept and
// returned by the next call that would send the chat, before anything is
// sent. A Chat is safe for concurrent use, though appending while a call
// runs makes it unclear which turns the call sent.
type Chat struct {
	svc  *ChatService
	mu   sync.Mutex
	req  *xaiv1.GetCompletionsRequest
	errs []error

	// conversationID is set by [WithConversationID]; never sent.
	conversationID string
	// sent is the checked request that sendable last returned, shared by
	// the sends that follow until the chat changes: every change of req or
	// errs sets it to nil (see changed).
	sent *xaiv1.GetCompletionsRequest
}

// changed forgets the request of the last send; c.mu is held.
func (c *Chat) changed() { c.sent = nil }

// Create returns a chat for model, for example "grok-4", with the given
// options. It sends nothing; an empty model or invalid option is reported
// when the chat is sent.
func (s *ChatService) Create(model string, opts ...ChatOption) *Chat {
	c := &Chat{svc: s, req: &xaiv1.GetCompletionsRequest{Model: model}}
	for i, o := range opts {
		if o == nil {
			c.errs = append(c.errs, errNilOption("Create", i))
			continue
		}
		if err := applyChatOption(c, o); err != nil {
			c.errs = append(c.errs, err)
		}
	}
	return c
}

// Append adds turns to the conversation: messages built with System, User,
// Assistant, [ToolResult]..., or a [*Response] (or one of its Outputs) to
// continue after it. Appending a [*CompactedContext] replaces the whole
// history with the compacted one, as [Chat.Compact] does. It returns the
// chat, so calls can be chained. A turn that cannot be added is recorded as
// an error for the next send.
func (c *Chat) Append(turns ...Turn) *Chat {
	// The turns after the last compaction are the ones kept.
	reset := false
	for i := len(turns) - 1; i >= 0; i-- {
		if _, ok := turns[i].(*CompactedContext); ok {
			turns, reset = turns[i:], true
			break
		}
	}
	msgs, err := collectTurns("Append", turns)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.req == nil { // a zero Chat; ready reports it
		c.req = &xaiv1.GetCompletionsRequest{}
	}
	c.changed()
	if reset && err == nil {
		c.req.Messages = nil
	}
	c.req.Messages = append(c.req.Messages, msgs...)
	if err != nil {
		c.errs = append(c.errs, err)
	}
	return c
}

// collectTurns returns the messages of turns, and the first error met;
// where names the caller in errors.
func collectTurns(where string, turns []Turn) ([]*xaiv1.Message, error) {
	var out []*xaiv1.Message
	for i, t := range turns {
		if t == nil {
			return out, invalidArgument("%s: turn %d is nil", where, i)
		}
		msgs, err := t.turnMessages()
		if err != nil {
			return out, err
		}
		for _, m := range msgs {
			out = append(out, proto.CloneOf(m))
		}
	}
	return out, nil
}

// Request returns a copy of the request the chat would send, for
// inspection or for use with the raw stubs.
func (c *Chat) Request() *xaiv1.GetCompletionsRequest {
	c.mu.Lock()
	defer c.mu.Unlock()
	return proto.CloneOf(c.req)
}

// Err returns what Sample, Stream or Defer would report before sending:
// the first error recorded while building the chat, or a problem with the
// request as a whole (no model, no messages, misplaced system message). It
// is nil for a chat that is ready to send.
func (c *Chat) Err() error {
	if c == nil {
		return errNilChat()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.check()
}

// ready returns a deep copy of the request, for handing to the caller (as
// [BatchChat] does), or the reason it cannot be sent.
func (c *Chat) ready() (*xaiv1.GetCompletionsRequest, error) {
	if c == nil {
		return nil, errNilChat()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.check(); err != nil {
		return nil, err
	}
	return proto.CloneOf(c.req), nil
}

// sendable returns the request for Sample, Stream and StartDeferred to
// send, or the reason it cannot be sent. When the client lets it
// (ChatService.shareMessages), it is a shallow copy: a new request whose
// fields share the chat's values, the messages included, instead of a deep
// copy of the whole conversation on every call. That is safe because
// nothing changes those values in place once the chat holds them: Append
// stores private clones of the turns (collectTurns) and only appends to
// the chat's own slice, past the end of the copy's (which is clipped, so
// appending to it would reallocate); options are applied in Create, before
// any send, and replace fields; gRPC only reads the request; and the
// request is never handed to the caller (Request and [BatchChat] make deep
// copies). The copy is also kept, with the check it passed, for the sends
// that follow until the chat changes: sends only read it.
func (c *Chat) sendable() (*xaiv1.GetCompletionsRequest, error) {
	if c == nil {
		return nil, errNilChat()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sent != nil {
		return c.sent, nil
	}
	if err := c.check(); err != nil {
		return nil, err
	}
	if c.svc.shareMessages {
		c.sent = shallowRequest(c.req)
		return c.sent, nil
	}
	return proto.CloneOf(c.req), nil
}

// shallowRequest returns a new request whose fields are those of src:
// scalars copied, messages, lists and maps shared.
func shallowRequest(src *xaiv1.GetCompletionsRequest) *xaiv1.GetCompletionsRequest {
	dst := &xaiv1.GetCompletionsRequest{}
	d, s := dst.ProtoReflect(), src.ProtoReflect()
	s.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		d.Set(fd, v)
		return true
	})
	if u := s.GetUnknown(); len(u) > 0 {
		d.SetUnknown(u)
	}
	dst.Messages = slices.Clip(dst.Messages)
	return dst
}

// errNilChat is the error of sending a nil *Chat.
func errNilChat() error {
	return invalidArgument("the chat is nil: create chats with client.Chat.Create")
}

// ready reports whether the service can make calls.
func (s *ChatService) ready() error { return checkMade(s != nil && s.stub != nil, "Chat") }

// check returns the reason the chat cannot be sent, or nil; c.mu is held.
func (c *Chat) check() error {
	if c.svc.ready() != nil {
		return invalidArgument("the chat was not made by a client: create chats with client.Chat.Create")
	}
	if len(c.errs) > 0 {
		return joinErrors(c.errs)
	}
	if strings.TrimSpace(c.req.GetModel()) == "" {
		return invalidArgument(`the chat has no model: pass one to Create, for example client.Chat.Create("grok-4")`)
	}
	if len(c.req.GetMessages()) == 0 {
		return invalidArgument("the chat has no messages: add some with Append(xai.User(...)) or WithMessages")
	}
	if err := validateMessages(c.req.GetMessages()); err != nil {
		return err
	}
	return checkToolChoice(c.req)
}

// joinErrors returns the only error of errs, or one InvalidArgument [*Error]
// listing them all.
func joinErrors(errs []error) error {
	if len(errs) == 1 {
		return errs[0]
	}
	msgs := make([]string, len(errs))
	for i, err := range errs {
		msgs[i] = errMessage(err)
	}
	return invalidArgument("%d problems with the chat: %s", len(errs), strings.Join(msgs, "; "))
}

// Sample sends the chat and returns the whole response once it is ready.
func (c *Chat) Sample(ctx context.Context, opts ...CallOption) (*Response, error) {
	req, err := c.sendable()
	if err != nil {
		return nil, err
	}
	ctx = c.callContext(ctx)
	pb, err := c.svc.stub.GetCompletion(ctx, req, grpcCallOptions(opts)...)
	if err != nil {
		return nil, fromGRPC(err)
	}
	return newResponse(pb, req), nil
}

// GetStoredCompletion reads back a response that was stored because the
// chat had WithStoreMessages(true). A response that was deleted or has
// expired gives an error for which [IsNotFound] is true.
func (s *ChatService) GetStoredCompletion(ctx context.Context, responseID string, opts ...CallOption) (*Response, error) {
	if err := s.ready(); err != nil {
		return nil, err
	}
	if strings.TrimSpace(responseID) == "" {
		return nil, invalidArgument("GetStoredCompletion: the response ID is empty; pass Response.ID() of a stored response")
	}
	pb, err := s.stub.GetStoredCompletion(ctx, &xaiv1.GetStoredCompletionRequest{ResponseId: responseID}, grpcCallOptions(opts)...)
	if err != nil {
		return nil, fromGRPC(err)
	}
	return newResponse(pb, nil), nil
}

// DeleteStoredCompletion deletes a stored response before its retention
// period ends, and returns the ID of the response the service confirms it
// deleted. A response that was already deleted or has expired gives an
// error for which [IsNotFound] is true.
func (s *ChatService) DeleteStoredCompletion(ctx context.Context, responseID string, opts ...CallOption) (deletedID string, err error) {
	if err := s.ready(); err != nil {
		return "", err
	}
	if strings.TrimSpace(responseID) == "" {
		return "", invalidArgument("DeleteStoredCompletion: the response ID is empty; pass Response.ID() of a stored response")
	}
	pb, err := s.stub.DeleteStoredCompletion(ctx, &xaiv1.DeleteStoredCompletionRequest{ResponseId: responseID}, grpcCallOptions(opts)...)
	if err != nil {
		return "", fromGRPC(err)
	}
	return pb.GetResponseId(), nil
}
