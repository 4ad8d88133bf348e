package xai

import (
	"encoding/json"
	"errors"
	"fmt"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/encoding/protojson"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
)

// savedChatVersion is the version of the format written by Chat.MarshalJSON.
const savedChatVersion = 1

// savedChat is the JSON form of a chat: the whole request in protojson, so
// that every field, encrypted reasoning included, survives the round trip.
type savedChat struct {
	Version int             `json:"version"`
	Request json.RawMessage `json:"request"`
}

// MarshalJSON saves the chat (model, options and every message, encrypted
// reasoning included) as JSON, to continue it later with
// ChatService.Restore: the way to keep a conversation past the server's
// retention or with storing turned off. A chat with build errors cannot be
// saved.
//
// The JSON holds the conversation in clear (apart from encrypted
// reasoning); store it as carefully as the conversation itself.
func (c *Chat) MarshalJSON() ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.errs) > 0 {
		return nil, fmt.Errorf("xai: cannot save a chat that has errors: %w", joinErrors(c.errs))
	}
	req, err := protojson.Marshal(c.req)
	if err != nil {
		return nil, fmt.Errorf("xai: cannot save the chat: %w", err)
	}
	return json.Marshal(savedChat{Version: savedChatVersion, Request: req})
}

// Restore returns the chat saved in data by Chat.MarshalJSON, ready to
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
