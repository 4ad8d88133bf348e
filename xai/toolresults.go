package xai

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"

	"google.golang.org/grpc/codes"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
)

// ToolCall is a tool call made by the model, as returned by
// [Response.ToolCalls] and [Output.ToolCalls].
type ToolCall struct {
	pb *xaiv1.ToolCall
}

// Proto returns the raw protobuf tool call.
func (c ToolCall) Proto() *xaiv1.ToolCall { return c.pb }

// ID returns the call's unique ID; answer a client-side call with
// ToolResult(call.ID(), result).
func (c ToolCall) ID() string { return c.pb.GetId() }

// Name returns the name of the function or tool called.
func (c ToolCall) Name() string { return c.pb.GetFunction().GetName() }

// RawArguments returns the call's arguments as the JSON text the model
// wrote.
func (c ToolCall) RawArguments() string { return c.pb.GetFunction().GetArguments() }

// Type returns which kind of tool was called.
func (c ToolCall) Type() xaiv1.ToolCallType { return c.pb.GetType() }

// Status returns the call's progress; server-side calls can be reported
// while running.
func (c ToolCall) Status() xaiv1.ToolCallStatus { return c.pb.GetStatus() }

// ClientSide reports whether the call is for a function tool that you must
// run and answer with [ToolResult]. Other calls were run by xAI.
func (c ToolCall) ClientSide() bool {
	return c.pb.GetType() == xaiv1.ToolCallType_TOOL_CALL_TYPE_CLIENT_SIDE_TOOL
}

// Arguments decodes the call's JSON arguments into v, a non-nil pointer
// (typically to the struct given to [FunctionToolFor]). The model may write
// unexpected arguments: when they are not valid JSON for v, the error has
// code Internal and wraps the encoding/json error, and a good reply is a
// [ToolResult] telling the model what was wrong. Like encoding/json, it does
// not check that required fields are present: validate the values before
// acting on them.
func (c ToolCall) Arguments(v any) error {
	if err := checkDecodeTarget(v); err != nil {
		return err
	}
	args := c.RawArguments()
	if strings.TrimSpace(args) == "" {
		return &Error{Code: codes.Internal, Message: fmt.Sprintf("tool call %q (%s) has no arguments to decode into %T", c.ID(), c.Name(), v)}
	}
	if err := json.Unmarshal([]byte(args), v); err != nil {
		return &Error{
			Code:    codes.Internal,
			Message: fmt.Sprintf("arguments of tool call %q (%s) are not valid JSON for %T: %v; tell the model with a ToolResult, or check call.RawArguments()", c.ID(), c.Name(), v, err),
			cause:   err,
		}
	}
	return nil
}

// ImageOutput is an image made by the server-side [ImageGeneration] tool
// during a chat request.
type ImageOutput struct {
	// Image holds the image's bytes, decoded.
	Image []byte
	// MIMEType is the image's type, for example "image/jpeg".
	MIMEType string
	// DataURL is the image as the service sent it:
	// "data:<MIME type>;base64,<bytes>".
	DataURL string
	// ImageUUID is the short reference by which the model names the image
	// in later turns, for example to edit it; "" when the service sent none.
	ImageUUID string
	// Call is the completed tool call that made the image; its Name is
	// "imagine_text_to_image" for a new image and "imagine_image_to_image"
	// for an edit.
	Call ToolCall
	// Output is the ROLE_TOOL output that carried the image.
	Output Output
}

// imageEnvelope is the JSON the service puts in the content of an image
// generation tool output (the layout the official Python SDK reads in
// ImageGenerationOutput).
type imageEnvelope struct {
	Type      string `json:"__type"`
	Result    string `json:"result"`
	ImageUUID string `json:"image_uuid"`
}

// imageEnvelopeType is the __type of a successful image generation result.
const imageEnvelopeType = "image_generation_result"

// ImageOutputs returns the images the [ImageGeneration] tool made while
// producing the answer, one per completed call, in order. A call that
// failed carries an error payload instead of an image and is left out (its
// [ToolCall.Status] and error are in ToolOutputs). A completed call whose
// content is not a well-formed image envelope is an error with code
// Internal, naming the output: the service sends a completed call and its
// whole result together, so this means a corrupt reply, not a partial one.
// It is safe to call on a stream's [Response] while it is still arriving.
func (r *Response) ImageOutputs() ([]ImageOutput, error) {
	var images []ImageOutput
	for _, o := range r.ToolOutputs() {
		var call *xaiv1.ToolCall
		for _, tc := range o.pb.GetMessage().GetToolCalls() {
			if tc.GetType() == xaiv1.ToolCallType_TOOL_CALL_TYPE_IMAGE_GENERATION_TOOL && tc.GetStatus() == xaiv1.ToolCallStatus_TOOL_CALL_STATUS_COMPLETED {
				call = tc
				break
			}
		}
		if call == nil {
			continue
		}
		img, why := parseImageEnvelope(o.Content())
		if why != "" {
			return nil, &Error{Code: codes.Internal, Message: fmt.Sprintf(
				"the image generation result of tool call %s (output index %d) is not well formed: %s; content: %s",
				quoteShort(call.GetId()), o.Index(), why, quoteShort(o.Content()))}
		}
		img.Call, img.Output = ToolCall{pb: call}, o
		images = append(images, img)
	}
	return images, nil
}

// parseImageEnvelope decodes the content of an image generation tool
// output, or says what is wrong with it; Call and Output are left for the
// caller.
func parseImageEnvelope(content string) (_ ImageOutput, why string) {
	var env imageEnvelope
	if err := json.Unmarshal([]byte(content), &env); err != nil {
		return ImageOutput{}, "it is not a JSON object"
	}
	if env.Type != imageEnvelopeType {
		return ImageOutput{}, `its __type is not "` + imageEnvelopeType + `"`
	}
	rest, isData := strings.CutPrefix(env.Result, "data:")
	mime, payload, isBase64 := strings.Cut(rest, ";base64,")
	if !isData || !isBase64 || !strings.HasPrefix(mime, "image/") {
		return ImageOutput{}, "its result is not a data:image/...;base64, URL"
	}
	data, err := base64.StdEncoding.DecodeString(payload)
	if err != nil {
		return ImageOutput{}, "the image's base64 is invalid"
	}
	return ImageOutput{Image: data, MIMEType: mime, DataURL: env.Result, ImageUUID: env.ImageUUID}, ""
}
