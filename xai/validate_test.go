package xai

import (
	"context"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
)

const (
	user      = xaiv1.MessageRole_ROLE_USER
	assistant = xaiv1.MessageRole_ROLE_ASSISTANT
	system    = xaiv1.MessageRole_ROLE_SYSTEM
	developer = xaiv1.MessageRole_ROLE_DEVELOPER
	tool      = xaiv1.MessageRole_ROLE_TOOL
)

func TestValidateMessages(t *testing.T) {
	t.Parallel()
	hi := textContent("hi")
	id := "call_1"
	empty := ""
	reasoning := "thinking..."
	pngURL := "data:image/png;base64," + b64(fakePNG(40))
	toolCall := &xaiv1.ToolCall{Id: "call_1", Tool: &xaiv1.ToolCall_Function{Function: &xaiv1.FunctionCall{Name: "f", Arguments: "{}"}}}

	tests := []struct {
		name string
		msgs []*xaiv1.Message
		errs []string // nil means valid
	}{
		{name: "no messages", msgs: nil},
		{name: "full conversation", msgs: []*xaiv1.Message{
			msg(system, hi), msg(user, hi), {Role: assistant, ToolCalls: []*xaiv1.ToolCall{toolCall}},
			{Role: tool, Content: []*xaiv1.Content{textContent("42")}, ToolCallId: &id}, msg(user, hi),
		}},
		{name: "developer first", msgs: []*xaiv1.Message{msg(developer, hi), msg(user, hi)}},
		{name: "user only", msgs: []*xaiv1.Message{msg(user, hi)}},
		{name: "assistant with encrypted content only", msgs: []*xaiv1.Message{msg(user, hi), {Role: assistant, EncryptedContent: "blob"}}},
		{name: "assistant with empty text and tool calls", msgs: []*xaiv1.Message{msg(user, hi), {Role: assistant, Content: []*xaiv1.Content{textContent("")}, ToolCalls: []*xaiv1.ToolCall{toolCall}}}},
		{name: "assistant with reasoning only", msgs: []*xaiv1.Message{msg(user, hi), {Role: assistant, ReasoningContent: &reasoning}}},
		{name: "deprecated function role", msgs: []*xaiv1.Message{msg(xaiv1.MessageRole_ROLE_FUNCTION, hi)}},
		{name: "images of every kind", msgs: []*xaiv1.Message{msg(user,
			imageURLContent("https://example.com/a.png", xaiv1.ImageDetail_DETAIL_HIGH),
			imageURLContent(pngURL, xaiv1.ImageDetail_DETAIL_AUTO),
			imageURLContent("https://example.com/unspecified-detail.png", xaiv1.ImageDetail_DETAIL_INVALID),
			imageContent(&xaiv1.ImageUrlContent{Source: &xaiv1.ImageUrlContent_FileId{FileId: "file-1"}}),
		)}},
		{name: "files", msgs: []*xaiv1.Message{msg(user,
			fileContent(&xaiv1.FileContent{FileId: "file-1"}),
			fileContent(&xaiv1.FileContent{Data: []byte("%PDF"), Filename: "a.pdf", MimeType: "application/pdf"}),
			fileContent(&xaiv1.FileContent{Url: "https://example.com/a.pdf"}),
		)}},

		{name: "nil message", msgs: []*xaiv1.Message{msg(user, hi), nil}, errs: []string{"message 1 is nil"}},
		{name: "invalid role", msgs: []*xaiv1.Message{msg(user, hi), msg(xaiv1.MessageRole_INVALID_ROLE, hi)}, errs: []string{"message 1 has no role (INVALID_ROLE)"}},
		{name: "unknown role", msgs: []*xaiv1.Message{msg(xaiv1.MessageRole(42), hi)}, errs: []string{"message 0 has unknown role MessageRole(42)"}},
		{name: "two system messages", msgs: []*xaiv1.Message{msg(system, hi), msg(user, hi), msg(system, hi)}, errs: []string{"message 2 is a second system message (message 0 is system)", "only one system or developer message", "merge"}},
		{name: "system then developer", msgs: []*xaiv1.Message{msg(system, hi), msg(developer, hi)}, errs: []string{"message 1 is a second developer message"}},
		{name: "system not first", msgs: []*xaiv1.Message{msg(user, hi), msg(system, hi)}, errs: []string{"message 1 is a system message but is not first", "move it"}},
		{name: "developer not first", msgs: []*xaiv1.Message{msg(user, hi), msg(developer, hi)}, errs: []string{"message 1 is a developer message but is not first"}},
		{name: "no content", msgs: []*xaiv1.Message{msg(user)}, errs: []string{"message 0 (user) is empty"}},
		{name: "only empty text", msgs: []*xaiv1.Message{msg(user, hi), msg(assistant, textContent(""))}, errs: []string{"message 1 (assistant) is empty"}},
		{name: "tool without id", msgs: []*xaiv1.Message{msg(user, hi), msg(tool, textContent("42"))}, errs: []string{"message 1 is a tool result without tool_call_id", "xai.ToolResult"}},
		{name: "tool with empty id", msgs: []*xaiv1.Message{{Role: tool, Content: []*xaiv1.Content{hi}, ToolCallId: &empty}}, errs: []string{"without tool_call_id"}},
		{name: "unset content part", msgs: []*xaiv1.Message{msg(user, hi, &xaiv1.Content{})}, errs: []string{"message 0 (user), content part 1: it is empty"}},
		{name: "nil content part", msgs: []*xaiv1.Message{msg(user, nil)}, errs: []string{"content part 0: it is empty"}},
		{name: "http image", msgs: []*xaiv1.Message{msg(user, hi, imageURLContent("http://example.com/a.png", xaiv1.ImageDetail_DETAIL_AUTO))}, errs: []string{"message 0 (user), content part 1: image URL", `scheme "http"`}},
		{name: "data URL wrong MIME", msgs: []*xaiv1.Message{msg(user, imageURLContent("data:image/gif;base64,"+b64(gifBytes), xaiv1.ImageDetail_DETAIL_AUTO))}, errs: []string{`"image/gif"`}},
		{name: "data URL bad base64", msgs: []*xaiv1.Message{msg(system, hi), msg(user, imageURLContent("data:image/png;base64,@@@@", xaiv1.ImageDetail_DETAIL_AUTO))}, errs: []string{"message 1 (user), content part 0", "not valid base64"}},
		{name: "data URL bytes not an image", msgs: []*xaiv1.Message{msg(user, imageURLContent("data:image/png;base64,"+b64([]byte("plain text")), xaiv1.ImageDetail_DETAIL_AUTO))}, errs: []string{"not a PNG or JPEG"}},
		{name: "empty image URL", msgs: []*xaiv1.Message{msg(user, imageURLContent("", xaiv1.ImageDetail_DETAIL_AUTO))}, errs: []string{"image URL is empty"}},
		{name: "unknown image detail", msgs: []*xaiv1.Message{msg(user, imageURLContent("https://example.com/a.png", xaiv1.ImageDetail(9)))}, errs: []string{"unknown detail level 9"}},
		{name: "image without source", msgs: []*xaiv1.Message{msg(user, imageContent(&xaiv1.ImageUrlContent{}))}, errs: []string{"neither URL nor file ID"}},
		{name: "nil image", msgs: []*xaiv1.Message{msg(user, imageContent(nil))}, errs: []string{"image is empty"}},
		{name: "empty image file ID", msgs: []*xaiv1.Message{msg(user, imageContent(&xaiv1.ImageUrlContent{Source: &xaiv1.ImageUrlContent_FileId{}}))}, errs: []string{"image file ID is empty"}},
		{name: "file without source", msgs: []*xaiv1.Message{msg(user, fileContent(&xaiv1.FileContent{Filename: "a.pdf"}))}, errs: []string{"file has no file ID, data or URL"}},
		{name: "nil file", msgs: []*xaiv1.Message{msg(user, fileContent(nil))}, errs: []string{"file has no file ID"}},
		// Hand-built protos with strings that are not UTF-8, which gRPC
		// cannot encode.
		{name: "text not UTF-8", msgs: []*xaiv1.Message{msg(user, hi, textContent("caf\xe9"))}, errs: []string{"message 0 (user), content part 1: text", "not valid UTF-8"}},
		{name: "file ID not UTF-8", msgs: []*xaiv1.Message{msg(user, fileContent(&xaiv1.FileContent{FileId: "\xc0"}))}, errs: []string{"content part 0: file ID", "not valid UTF-8"}},
		{name: "file name not UTF-8", msgs: []*xaiv1.Message{msg(user, fileContent(&xaiv1.FileContent{Data: []byte("x"), Filename: "a\xff.pdf"}))}, errs: []string{"file name", "not valid UTF-8"}},
		{name: "image file ID not UTF-8", msgs: []*xaiv1.Message{msg(user, imageContent(&xaiv1.ImageUrlContent{Source: &xaiv1.ImageUrlContent_FileId{FileId: "\xff"}}))}, errs: []string{"image file ID", "not valid UTF-8"}},
		{name: "image URL not UTF-8", msgs: []*xaiv1.Message{msg(user, imageURLContent("https://example.com/\xff", xaiv1.ImageDetail_DETAIL_AUTO))}, errs: []string{"image URL", "not valid UTF-8"}},
		{name: "tool call ID not UTF-8", msgs: []*xaiv1.Message{msg(user, hi), {Role: tool, Content: []*xaiv1.Content{hi}, ToolCallId: proto.String("c\xff")}}, errs: []string{"message 1 (tool): tool_call_id", "not valid UTF-8"}},
		{name: "reasoning not UTF-8", msgs: []*xaiv1.Message{msg(user, hi), {Role: assistant, ReasoningContent: proto.String("\xfe")}}, errs: []string{"message 1 (assistant): reasoning_content", "not valid UTF-8"}},
		{name: "tool call arguments not UTF-8", msgs: []*xaiv1.Message{msg(user, hi), {Role: assistant, ToolCalls: []*xaiv1.ToolCall{
			toolCall, {Id: "c2", Tool: &xaiv1.ToolCall_Function{Function: &xaiv1.FunctionCall{Name: "f", Arguments: "{\"a\":\"\xff\"}"}}},
		}}}, errs: []string{"message 1 (assistant): tool call 1: function arguments", "not valid UTF-8"}},
		{name: "file with two sources", msgs: []*xaiv1.Message{msg(user, fileContent(&xaiv1.FileContent{FileId: "f", Url: "https://example.com/a.pdf"}))}, errs: []string{"more than one of file ID, data and URL"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := validateMessages(tt.msgs)
			if tt.errs == nil {
				if err != nil {
					t.Fatalf("validateMessages: %v", err)
				}
				return
			}
			wantInvalid(t, err, tt.errs...)
		})
	}
}

// Issue 13: one ready check for every service. A zero or nil service
// gives the same InvalidArgument error naming the service, never a panic.
func TestZeroServicesAreNotReady(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	calls := map[string]func() error{
		"auth":        func() error { _, err := (&AuthService{}).APIKeyInfo(ctx); return err },
		"batch":       func() error { _, err := (*BatchService)(nil).Get(ctx, "b"); return err },
		"chat":        func() error { _, err := (&ChatService{}).GetStoredCompletion(ctx, "r"); return err },
		"collections": func() error { _, err := (&CollectionsService{}).Get(ctx, "c"); return err },
		"documents":   func() error { _, err := (&DocumentsService{}).Search(ctx, "q", []string{"c"}); return err },
		"embed":       func() error { _, err := (*EmbedService)(nil).Texts(ctx, "v1", []string{"a"}); return err },
		"files":       func() error { _, err := (&FilesService{}).Get(ctx, "f"); return err },
		"image":       func() error { _, err := (&ImageService{}).Generate(ctx, "m", "p"); return err },
		"models":      func() error { _, err := (*ModelsService)(nil).ListLanguage(ctx); return err },
		"sample":      func() error { _, err := (&SampleService{}).Text(ctx, "m", "p"); return err },
		"tokenize":    func() error { _, err := (&TokenizeService{}).Count(ctx, "m", "t"); return err },
		"video":       func() error { _, _, err := (*VideoService)(nil).Get(ctx, "v"); return err },
	}
	for name, call := range calls {
		checkErr(t, call(), codes.InvalidArgument, "the "+name+" service was not made by a client")
	}
}
