package xai

import (
	"errors"
	"fmt"
	"mime"
	"net/url"
	"slices"
	"strings"

	"google.golang.org/grpc/codes"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
)

// Turn is anything that can be appended to a Chat: a Message built with
// System, Developer, User, Assistant or [ToolResult], or a [*Response] (or one of
// its outputs) returned by an earlier call.
type Turn interface {
	// turnMessages returns the protobuf messages this turn contributes, or
	// the error that building it met.
	turnMessages() ([]*xaiv1.Message, error)
}

// Message is one message of a conversation. Build it with System, Developer,
// User, Assistant or [ToolResult]. A Message that could not be built (for
// example an image file that is not PNG or JPEG) carries its error, which
// Chat reports before anything is sent.
//
// The zero Message is not valid: appending it reports an error.
type Message struct {
	pb  *xaiv1.Message
	err error
}

func (m Message) turnMessages() ([]*xaiv1.Message, error) {
	if m.err != nil {
		return nil, m.err
	}
	if m.pb == nil {
		return nil, invalidArgument("empty xai.Message: build messages with xai.System, xai.Developer, xai.User, xai.Assistant or xai.ToolResult")
	}
	return []*xaiv1.Message{m.pb}, nil
}

// Proto returns the underlying protobuf message (nil if building failed).
// Changing it changes the Message.
func (m Message) Proto() *xaiv1.Message { return m.pb }

// Err returns the error met while building the message, if any. It is an
// [*Error] with code InvalidArgument.
func (m Message) Err() error { return m.err }

// Part is one piece of a message's content: Text, [ImageURL], [ImageBytes],
// [ImageFile], [ImageFileID] or [FileID]. A Part that could not be built carries
// its error, which the message it is added to takes on.
//
// The zero Part is not valid: a message built with it reports an error.
type Part struct {
	pb  *xaiv1.Content
	err error
}

// Proto returns the underlying protobuf content (nil if building failed).
func (p Part) Proto() *xaiv1.Content { return p.pb }

// Err returns the error met while building the part, if any. It is an
// [*Error] with code InvalidArgument.
func (p Part) Err() error { return p.err }

// Text returns a text part. The text must be valid UTF-8.
func Text(s string) Part {
	if err := checkUTF8("text", s); err != nil {
		return Part{err: err}
	}
	return textPart(s)
}

func textPart(s string) Part {
	return Part{pb: &xaiv1.Content{Content: &xaiv1.Content_Text{Text: s}}}
}

// FileID returns a part giving the model the content of a file uploaded
// beforehand with the Files API, for example a PDF document. For an image
// uploaded that way, [ImageFileID] lets you also choose the detail level.
func FileID(id string) Part {
	if strings.TrimSpace(id) == "" {
		return Part{err: invalidArgument("file ID is empty: pass the ID returned when the file was uploaded with the Files API")}
	}
	if err := checkUTF8("file ID", id); err != nil {
		return Part{err: err}
	}
	return Part{pb: &xaiv1.Content{Content: &xaiv1.Content_File{File: &xaiv1.FileContent{FileId: id}}}}
}

// FileOption sets the optional name or MIME type of a file attached inline
// ([FileBytes]) or by URL ([FileURL]).
type FileOption func(*xaiv1.FileContent) error

// WithFileName names an attached file, for display; it may also help the
// service tell its type. The official SDK recommends it for inline and URL
// attachments.
func WithFileName(name string) FileOption {
	return func(f *xaiv1.FileContent) error {
		if strings.TrimSpace(name) == "" {
			return invalidArgument("WithFileName: the name is empty; drop the option to send none")
		}
		if err := checkUTF8("WithFileName: the name", name); err != nil {
			return err
		}
		f.Filename = name
		return nil
	}
}

// WithMIMEType gives the type of an attached file, such as
// "application/pdf".
func WithMIMEType(mimeType string) FileOption {
	return func(f *xaiv1.FileContent) error {
		if _, _, err := mime.ParseMediaType(mimeType); err != nil || !strings.Contains(mimeType, "/") {
			return invalidArgument("WithMIMEType: %s is not a MIME type such as \"application/pdf\"", quoteShort(mimeType))
		}
		f.MimeType = mimeType
		return nil
	}
}

// FileBytes returns a part attaching a file given inline, without uploading
// it with the Files API first. The bytes travel in the request, which is
// limited to the client's maximum message size (20 MiB by default): upload
// larger files and use [FileID].
func FileBytes(data []byte, opts ...FileOption) Part {
	if len(data) == 0 {
		return Part{err: invalidArgument("FileBytes: the data is empty; pass the file's content")}
	}
	return filePart(&xaiv1.FileContent{Data: slices.Clone(data)}, "FileBytes", opts)
}

// FileURL returns a part attaching the file at a public https URL, which
// the service fetches. Like image URLs, file URLs must use https.
func FileURL(fileURL string, opts ...FileOption) Part {
	if u, err := url.Parse(fileURL); err != nil || !strings.EqualFold(u.Scheme, "https") || u.Host == "" {
		return Part{err: invalidArgument("FileURL: %s is not an absolute https URL", quoteShort(fileURL))}
	}
	if err := checkUTF8("FileURL: the URL", fileURL); err != nil {
		return Part{err: err}
	}
	return filePart(&xaiv1.FileContent{Url: fileURL}, "FileURL", opts)
}

func filePart(f *xaiv1.FileContent, where string, opts []FileOption) Part {
	for i, o := range opts {
		if o == nil {
			return Part{err: errNilOption(where, i)}
		}
		if err := o(f); err != nil {
			return Part{err: err}
		}
	}
	return Part{pb: &xaiv1.Content{Content: &xaiv1.Content_File{File: f}}}
}

// System returns a system message: instructions for the model. At most one
// system or developer message may be sent, and only as the first message.
func System(text string) Message { return newMessage(xaiv1.MessageRole_ROLE_SYSTEM, text, nil) }

// Developer returns a developer message: instructions for the model, an
// alternative to System. At most one system or developer message may be
// sent, and only as the first message.
func Developer(text string) Message {
	return newMessage(xaiv1.MessageRole_ROLE_DEVELOPER, text, nil)
}

// User returns a user message with text followed by optional further parts
// such as images. An empty text adds no text part, so that a message may
// hold only images; a message with no content at all is an error.
func User(text string, parts ...Part) Message {
	return newMessage(xaiv1.MessageRole_ROLE_USER, text, parts)
}

// Assistant returns an assistant message with text followed by optional
// further parts, to write earlier model turns into a conversation by hand.
// To carry a model's own reply forward, including its reasoning and tool
// calls, append the [*Response] itself instead.
func Assistant(text string, parts ...Part) Message {
	return newMessage(xaiv1.MessageRole_ROLE_ASSISTANT, text, parts)
}

// ToolResult returns a tool message holding the result of a client-side tool
// call, linked to that call by its ID ([ToolCall.ID]). content is usually
// JSON or plain text; it must not be empty: when a tool has nothing to say,
// send a short text such as "{}" or "done".
func ToolResult(toolCallID, content string) Message {
	if strings.TrimSpace(toolCallID) == "" {
		return Message{err: invalidArgument("tool result has an empty tool call ID: pass the ID of the call it answers (xai.ToolCall.ID)")}
	}
	if err := checkUTF8("tool result: tool call ID", toolCallID); err != nil {
		return Message{err: err}
	}
	if content == "" {
		return Message{err: invalidArgument("tool result for call %s is empty: send the tool's output, or a short text such as \"{}\" or \"done\" when it has none", quoteShort(toolCallID))}
	}
	m := newMessage(xaiv1.MessageRole_ROLE_TOOL, content, nil)
	if m.pb != nil {
		m.pb.ToolCallId = &toolCallID
	}
	return m
}

func newMessage(role xaiv1.MessageRole, text string, parts []Part) Message {
	m := &xaiv1.Message{Role: role}
	if text != "" {
		if err := checkUTF8(roleName(role)+" message: text", text); err != nil {
			return Message{err: err}
		}
		m.Content = append(m.Content, textPart(text).pb)
	}
	for i, p := range parts {
		if p.err != nil {
			return Message{err: withContext(p.err, fmt.Sprintf("%s message, part %d", roleName(role), i+1))}
		}
		if p.pb == nil {
			return Message{err: invalidArgument("%s message: part %d is an empty xai.Part: build parts with xai.Text, xai.ImageURL, xai.ImageBytes, xai.ImageFile, xai.ImageFileID or xai.FileID", roleName(role), i+1)}
		}
		m.Content = append(m.Content, p.pb)
	}
	if len(m.Content) == 0 {
		return Message{err: invalidArgument("%s message is empty: give it text or at least one part", roleName(role))}
	}
	return Message{pb: m}
}

// withContext prefixes an error's message with where it was met, keeping its
// code and what it wraps.
func withContext(err error, where string) error {
	var e *Error
	if !errors.As(err, &e) {
		return &Error{Code: codes.InvalidArgument, Message: where + ": " + err.Error(), cause: err}
	}
	return &Error{Code: e.Code, Message: where + ": " + e.Message, cause: e.cause}
}

// roleName returns a short lower-case name for a role, for error messages:
// the enum's name without its ROLE_ prefix, INVALID_ROLE for the zero
// role, and MessageRole(n) for a number the API does not define.
func roleName(r xaiv1.MessageRole) string {
	if name, ok := strings.CutPrefix(r.String(), "ROLE_"); ok {
		return strings.ToLower(name)
	}
	if r == xaiv1.MessageRole_INVALID_ROLE {
		return "INVALID_ROLE"
	}
	return fmt.Sprintf("MessageRole(%d)", int32(r))
}
