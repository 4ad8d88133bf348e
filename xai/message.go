package xai

import (
	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
)

// Turn is anything that can be appended to a Chat: a Message built with
// System, Developer, User, Assistant or ToolResult, or a *Response (or one of
// its outputs) returned by an earlier call.
type Turn interface {
	// turnMessages returns the protobuf messages this turn contributes, or
	// the error that building it met.
	turnMessages() ([]*xaiv1.Message, error)
}

// Message is one message of a conversation. Build it with System, Developer,
// User, Assistant or ToolResult. A Message that could not be built (for
// example an image file that is not PNG or JPEG) carries its error, which
// Chat reports before anything is sent.
type Message struct {
	pb  *xaiv1.Message
	err error
}

func (m Message) turnMessages() ([]*xaiv1.Message, error) {
	if m.err != nil {
		return nil, m.err
	}
	return []*xaiv1.Message{m.pb}, nil
}

// Proto returns the underlying protobuf message (nil if building failed).
func (m Message) Proto() *xaiv1.Message { return m.pb }

// Err returns the error met while building the message, if any.
func (m Message) Err() error { return m.err }

// Part is one piece of a message's content: Text, ImageURL, ImageBytes,
// ImageFile or FileID.
type Part struct {
	pb  *xaiv1.Content
	err error
}

// Text returns a text part.
func Text(s string) Part {
	return Part{pb: &xaiv1.Content{Content: &xaiv1.Content_Text{Text: s}}}
}

// System returns a system message: instructions for the model. At most one
// system or developer message may be sent, and only as the first message.
func System(text string) Message { return newMessage(xaiv1.MessageRole_ROLE_SYSTEM, text, nil) }

// User returns a user message with text followed by optional further parts
// such as images. An empty text adds no text part.
func User(text string, parts ...Part) Message {
	return newMessage(xaiv1.MessageRole_ROLE_USER, text, parts)
}

func newMessage(role xaiv1.MessageRole, text string, parts []Part) Message {
	m := &xaiv1.Message{Role: role}
	if text != "" {
		m.Content = append(m.Content, Text(text).pb)
	}
	for _, p := range parts {
		if p.err != nil {
			return Message{err: p.err}
		}
		m.Content = append(m.Content, p.pb)
	}
	return Message{pb: m}
}

// Response is the result of a chat completion.
type Response struct {
	pb *xaiv1.GetChatCompletionResponse
}

// Proto returns the raw protobuf response.
func (r *Response) Proto() *xaiv1.GetChatCompletionResponse { return r.pb }

// ID returns the response ID, used with WithPreviousResponseID and the stored
// completion calls.
func (r *Response) ID() string { return r.pb.GetId() }

func (r *Response) turnMessages() ([]*xaiv1.Message, error) {
	var out []*xaiv1.Message
	for _, o := range r.pb.GetOutputs() {
		m := o.GetMessage()
		out = append(out, &xaiv1.Message{
			Role:             xaiv1.MessageRole_ROLE_ASSISTANT,
			Content:          []*xaiv1.Content{Text(m.GetContent()).pb},
			EncryptedContent: m.GetEncryptedContent(),
			ToolCalls:        m.GetToolCalls(),
		})
	}
	return out, nil
}

// newResponse wraps a raw response; pb must not be nil.
func newResponse(pb *xaiv1.GetChatCompletionResponse) *Response { return &Response{pb: pb} }
