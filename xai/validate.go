package xai

import (
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
)

// validateMessages checks the messages of a request before it is sent, with
// the same rules as the builders, since messages may also be built by hand
// as protobufs:
//
//   - every message has a known role, not INVALID_ROLE;
//   - at most one system or developer message, and only as the first;
//   - every message has content (non-empty text, an image or a file),
//     reasoning, tool calls or encrypted content;
//   - every content part is set; images are https URLs or PNG/JPEG data
//     URLs of at most MaxImageBytes, or file IDs, with a known detail level;
//     files are given by exactly one of ID, data or URL;
//   - every tool message names the call it answers (tool_call_id);
//   - every string field is valid UTF-8, which protobuf requires: gRPC
//     would otherwise fail the call with INTERNAL while encoding it.
//
// It returns an [*Error] with code InvalidArgument naming the index of the
// first bad message and what to do. An empty list is not an error here: the
// caller decides whether a request may have no new messages.
func validateMessages(msgs []*xaiv1.Message) error {
	for i, m := range msgs {
		if m == nil {
			return invalidArgument("message %d is nil: build messages with xai.User, xai.System and the other builders", i)
		}
		role := m.GetRole()
		switch role {
		case xaiv1.MessageRole_ROLE_USER, xaiv1.MessageRole_ROLE_ASSISTANT, xaiv1.MessageRole_ROLE_TOOL,
			xaiv1.MessageRole_ROLE_FUNCTION:
		case xaiv1.MessageRole_ROLE_SYSTEM, xaiv1.MessageRole_ROLE_DEVELOPER:
			if i != 0 {
				if first := msgs[0].GetRole(); first == xaiv1.MessageRole_ROLE_SYSTEM || first == xaiv1.MessageRole_ROLE_DEVELOPER {
					return invalidArgument("message %d is a second %s message (message 0 is %s): only one system or developer message is allowed; merge its instructions into message 0", i, roleName(role), roleName(first))
				}
				return invalidArgument("message %d is a %s message but is not first: a system or developer message must be message 0; move it to the start of the conversation", i, roleName(role))
			}
		case xaiv1.MessageRole_INVALID_ROLE:
			return invalidArgument("message %d has no role (INVALID_ROLE): set the role, or build it with xai.User, xai.System and the other builders", i)
		default:
			return invalidArgument("message %d has unknown role %s: use a role defined by the API, such as ROLE_USER", i, roleName(role))
		}
		if role == xaiv1.MessageRole_ROLE_TOOL && strings.TrimSpace(m.GetToolCallId()) == "" {
			return invalidArgument("message %d is a tool result without tool_call_id: set it to the ID of the call it answers (xai.ToolResult does)", i)
		}
		if err := checkMessageUTF8(m); err != nil {
			return withContext(err, fmt.Sprintf("message %d (%s)", i, roleName(role)))
		}
		hasContent := m.GetReasoningContent() != "" || len(m.GetToolCalls()) > 0 || m.GetEncryptedContent() != ""
		for j, c := range m.GetContent() {
			nonEmpty, err := checkContent(c)
			if err != nil {
				return withContext(err, fmt.Sprintf("message %d (%s), content part %d", i, roleName(role), j))
			}
			hasContent = hasContent || nonEmpty
		}
		if !hasContent {
			return invalidArgument("message %d (%s) is empty: it has no text, image, file, reasoning, tool calls or encrypted content; give it content or remove it", i, roleName(role))
		}
	}
	return nil
}

// checkContent checks one content part and reports whether it holds
// anything (an empty text part is allowed but counts as empty). Errors are
// always [*Error].
func checkContent(c *xaiv1.Content) (bool, error) {
	switch x := c.GetContent().(type) {
	case *xaiv1.Content_Text:
		return x.Text != "", checkUTF8("text", x.Text)
	case *xaiv1.Content_ImageUrl:
		return true, checkImageContent(x.ImageUrl)
	case *xaiv1.Content_File:
		return true, checkFileContent(x.File)
	case nil:
		return false, invalidArgument("it is empty (no text, image or file is set): set one, or remove the part")
	}
	return false, invalidArgument("it has an unknown kind of content %T: use text, an image or a file", c.GetContent())
}

func checkImageContent(img *xaiv1.ImageUrlContent) error {
	if img == nil {
		return invalidArgument("image is empty: set its URL or file ID")
	}
	if d := img.GetDetail(); d < xaiv1.ImageDetail_DETAIL_INVALID || d > xaiv1.ImageDetail_DETAIL_HIGH {
		return invalidArgument("image has unknown detail level %d: use DETAIL_AUTO, DETAIL_LOW or DETAIL_HIGH", int32(d))
	}
	switch src := img.GetSource().(type) {
	case *xaiv1.ImageUrlContent_ImageUrl:
		return checkImageURL(src.ImageUrl)
	case *xaiv1.ImageUrlContent_FileId:
		if strings.TrimSpace(src.FileId) == "" {
			return invalidArgument("image file ID is empty: pass the ID returned when the image was uploaded with the Files API")
		}
		return checkUTF8("image file ID", src.FileId)
	}
	return invalidArgument("image has neither URL nor file ID: set one of them")
}

func checkFileContent(f *xaiv1.FileContent) error {
	n := 0
	if f.GetFileId() != "" {
		n++
	}
	if len(f.GetData()) > 0 {
		n++
	}
	if f.GetUrl() != "" {
		n++
	}
	switch {
	case n == 0:
		return invalidArgument("file has no file ID, data or URL: set exactly one of them (xai.FileID sets the ID)")
	case n > 1:
		return invalidArgument("file sets more than one of file ID, data and URL: set exactly one of them")
	case f.GetFileId() != "" && (f.GetFilename() != "" || f.GetMimeType() != ""):
		// As the official Python SDK's file() decides (chat.py).
		return invalidArgument("file given by ID (file_id) also sets a file name or MIME type: those go only with inline data or a URL; the uploaded file has its own")
	}
	if u := f.GetUrl(); u != "" {
		if pu, err := url.Parse(u); err != nil || !strings.EqualFold(pu.Scheme, "https") || pu.Host == "" {
			return invalidArgument("file URL %s is not an absolute https URL", quoteShort(u))
		}
	}
	return checkUTF8s(
		"file ID", f.GetFileId(),
		"file URL", f.GetUrl(),
		"file name", f.GetFilename(),
		"file MIME type", f.GetMimeType())
}

// checkMessageUTF8 checks the string fields of a message outside its
// content parts (checkContent checks those).
func checkMessageUTF8(m *xaiv1.Message) error {
	if err := checkUTF8s(
		"name", m.GetName(),
		"reasoning_content", m.GetReasoningContent(),
		"encrypted_content", m.GetEncryptedContent(),
		"tool_call_id", m.GetToolCallId()); err != nil {
		return err
	}
	for j, tc := range m.GetToolCalls() {
		if err := checkUTF8s(
			"ID", tc.GetId(),
			"error message", tc.GetErrorMessage(),
			"function name", tc.GetFunction().GetName(),
			"function arguments", tc.GetFunction().GetArguments()); err != nil {
			return withContext(err, fmt.Sprintf("tool call %d", j))
		}
	}
	return nil
}

// checkUTF8 returns an [*Error] with code InvalidArgument when s is not valid
// UTF-8; what names the field in the message. Protobuf string fields must
// hold UTF-8: gRPC encodes the request before sending it and fails the call
// with INTERNAL ("string field contains invalid UTF-8") if one does not, so
// the builders, options and validateMessages reject such strings first.
func checkUTF8(what, s string) error {
	if utf8.ValidString(s) {
		return nil
	}
	return invalidArgument("%s %s is not valid UTF-8: protobuf strings must be UTF-8 text; convert it to UTF-8 (binary data belongs in a file or a base64 string)", what, quoteShort(s))
}

// checkUTF8s is checkUTF8 for pairs of (what, s), returning the first error.
func checkUTF8s(pairs ...string) error {
	for i := 0; i+1 < len(pairs); i += 2 {
		if err := checkUTF8(pairs[i], pairs[i+1]); err != nil {
			return err
		}
	}
	return nil
}

// notFromClient is the error of a service used without a [Client], such as a
// zero [ModelsService]: what every service's ready method returns.
func notFromClient(field string) error {
	return invalidArgument("the %s service was not made by a client: use client.%s of a client from xai.NewClient", strings.ToLower(field), field)
}

// checkMade is the check of every service's ready method: made says
// whether a [Client] built the service, field names the service's field of
// Client.
func checkMade(made bool, field string) error {
	if !made {
		return notFromClient(field)
	}
	return nil
}

// checkModelName rejects an empty model name before anything is sent.
func checkModelName(method, name, example string) error {
	if strings.TrimSpace(name) == "" {
		return invalidArgument("%s: the model name is empty; pass a model name or alias, for example %q", method, example)
	}
	return nil
}

// errNilOption is the error of a nil option: every entry point that takes
// options rejects one with it, naming itself and the option's index.
func errNilOption(method string, i int) *Error {
	return invalidArgument("%s: option %d is nil", method, i)
}

// applyAll applies opts to c in order, the options loop of every entry
// point: a nil option is errNilOption, and the first option that fails
// stops with its error. apply is the family's method, such as
// ImageOption.applyImage.
func applyAll[O comparable, C any](method string, c *C, opts []O, apply func(O, *C) error) error {
	var none O
	for i, o := range opts {
		if o == none {
			return errNilOption(method, i)
		}
		if err := apply(o, c); err != nil {
			return err
		}
	}
	return nil
}

// checkToolChoice checks that the tool choice of r fits its tools, as the
// service (and the fake) do: a choice that sets something, a known mode,
// TOOL_MODE_REQUIRED only with tools, and a forced function among the
// function tools. Options can be given in any order, so this is checked
// when the chat is sent.
func checkToolChoice(r *xaiv1.GetCompletionsRequest) error {
	choice := r.GetToolChoice()
	if choice == nil {
		return nil
	}
	switch c := choice.GetToolChoice().(type) {
	case nil:
		return invalidArgument("tool_choice is empty: set a mode with WithToolChoice or a function with WithToolChoiceFunction")
	case *xaiv1.ToolChoice_Mode:
		if _, known := xaiv1.ToolMode_name[int32(c.Mode)]; !known || c.Mode == xaiv1.ToolMode_TOOL_MODE_INVALID {
			return invalidArgument("tool_choice mode %v is not valid: use ToolChoiceAuto, ToolChoiceNone or ToolChoiceRequired", c.Mode)
		}
		if c.Mode == xaiv1.ToolMode_TOOL_MODE_REQUIRED && len(r.GetTools()) == 0 {
			return invalidArgument("tool_choice mode TOOL_MODE_REQUIRED needs at least one tool: add tools with WithTools, or drop WithToolChoice(ToolChoiceRequired)")
		}
	case *xaiv1.ToolChoice_FunctionName:
		for _, t := range r.GetTools() {
			if t.GetFunction().GetName() == c.FunctionName {
				return nil
			}
		}
		return invalidArgument("tool_choice names function %s, which is not among the tools: add it with WithTools(FunctionTool(...)) or fix the name", quoteShort(c.FunctionName))
	}
	return nil
}
