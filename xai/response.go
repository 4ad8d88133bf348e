package xai

import (
	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
)

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
