package xai

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
)

// savedChatVersion is the version of the format written by [Chat.MarshalJSON].
const savedChatVersion = 1

// savedChat is the JSON form of a chat, a stable format:
//
//	{"version": 1, "request": <the GetCompletionsRequest in protojson>}
//
// The request holds everything, encrypted reasoning and compaction blobs
// included. Version 1 is read by every release of this SDK that writes it;
// a change that older releases could not read would get a new version
// number, and Restore reads every version it has ever written.
type savedChat struct {
	Version int             `json:"version"`
	Request json.RawMessage `json:"request"`
}

// MarshalJSON saves the chat (model, options and every message, encrypted
// reasoning included) as JSON, to continue it later with
// [ChatService.Restore]: the way to keep a conversation past the server's
// retention or with storing turned off. The format is stable and versioned:
// {"version": 1, "request": ...}, the request in protojson. A chat with
// build errors cannot be saved: the error is an [*Error] with code
// InvalidArgument.
//
// The JSON holds the conversation in clear (apart from encrypted
// reasoning); store it as carefully as the conversation itself.
func (c *Chat) MarshalJSON() ([]byte, error) {
	if c == nil {
		return nil, errNilChat()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.errs) > 0 {
		err := joinErrors(c.errs)
		return nil, &Error{Code: codes.InvalidArgument, cause: err, Message: "cannot save a chat that has errors: " + errMessage(err)}
	}
	req, err := protojson.Marshal(c.req)
	if err != nil {
		return nil, &Error{Code: codes.Internal, cause: err, Message: "cannot save the chat: " + err.Error()}
	}
	return json.Marshal(savedChat{Version: savedChatVersion, Request: req})
}

// Messages returns the conversation so far, one Message per message of the
// request, in order: the turns appended, responses expanded into their
// outputs. The messages are copies: changing them does not change the
// chat. Use DropLast to remove turns and Clone to branch the conversation.
func (c *Chat) Messages() []Message {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	msgs := c.req.GetMessages()
	if len(msgs) == 0 {
		return nil
	}
	out := make([]Message, len(msgs))
	for i, m := range msgs {
		out[i] = Message{pb: proto.CloneOf(m)}
	}
	return out
}

// DropLast removes the last n messages of the conversation, for example to
// roll back an exchange that failed before appending a new attempt. n must
// be between 0 and the number of messages (see Messages).
func (c *Chat) DropLast(n int) error {
	if c == nil {
		return errNilChat()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	have := len(c.req.GetMessages())
	if n < 0 || n > have {
		return invalidArgument("DropLast(%d): the chat has %d messages; pass a number from 0 to %d", n, have, have)
	}
	if n == 0 {
		return nil
	}
	// A new slice: requests already sent may share the old one.
	c.req.Messages = slices.Clone(c.req.Messages[:have-n])
	c.changed()
	return nil
}

// Clone returns an independent copy of the chat: the same model, options,
// messages and recorded errors, for branching a conversation. Appending to
// either does not change the other.
func (c *Chat) Clone() *Chat {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return &Chat{svc: c.svc, req: proto.CloneOf(c.req), errs: slices.Clone(c.errs), conversationID: c.conversationID}
}

// Restore returns the chat saved in data by [Chat.MarshalJSON], ready to
// append to and send. Malformed data, a version this SDK does not know, or
// out-of-range option values are errors with code InvalidArgument.
func (s *ChatService) Restore(data []byte) (*Chat, error) {
	var saved struct {
		Version *int            `json:"version"`
		Request json.RawMessage `json:"request"`
	}
	if err := json.Unmarshal(data, &saved); err != nil {
		var syn *json.SyntaxError
		if errors.As(err, &syn) {
			return nil, &Error{Code: codes.InvalidArgument, cause: err,
				Message: fmt.Sprintf("Restore: the data is not valid JSON (%v, at byte %d); pass the bytes written by Chat.MarshalJSON", err, syn.Offset)}
		}
		return nil, &Error{Code: codes.InvalidArgument, cause: err,
			Message: fmt.Sprintf("Restore: the data is not a saved chat (%v); pass the bytes written by Chat.MarshalJSON", err)}
	}
	switch {
	case saved.Version == nil:
		return nil, invalidArgument("Restore: the data has no version field, so it is not a saved chat; pass the bytes written by Chat.MarshalJSON")
	case *saved.Version != savedChatVersion:
		return nil, invalidArgument("Restore: the chat was saved in format version %d, and this SDK (%s) reads version %d; use a matching SDK version", *saved.Version, Version, savedChatVersion)
	case len(saved.Request) == 0 || string(saved.Request) == "null":
		return nil, invalidArgument("Restore: the saved chat has no request field; pass the bytes written by Chat.MarshalJSON")
	}
	req := &xaiv1.GetCompletionsRequest{}
	if err := protojson.Unmarshal(saved.Request, req); err != nil {
		return nil, &Error{Code: codes.InvalidArgument, cause: err,
			Message: fmt.Sprintf("Restore: the saved request is not valid: %v", err)}
	}
	if err := checkRanges("Restore", req); err != nil {
		return nil, err
	}
	return &Chat{svc: s, req: req}, nil
}
