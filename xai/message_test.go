package xai

import (
	"errors"
	"io/fs"
	"path/filepath"
	"testing"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
	"google.golang.org/protobuf/proto"
)

func TestMessageBuilders(t *testing.T) {
	t.Parallel()
	img := ImageURL("https://example.com/a.jpg", DetailLow)
	callID := "call_1"
	tests := []struct {
		name string
		msg  Message
		want *xaiv1.Message
	}{
		{
			name: "system",
			msg:  System("Be brief."),
			want: &xaiv1.Message{Role: xaiv1.MessageRole_ROLE_SYSTEM, Content: []*xaiv1.Content{textContent("Be brief.")}},
		},
		{
			name: "developer",
			msg:  Developer("Answer in French."),
			want: &xaiv1.Message{Role: xaiv1.MessageRole_ROLE_DEVELOPER, Content: []*xaiv1.Content{textContent("Answer in French.")}},
		},
		{
			name: "user text",
			msg:  User("Hello"),
			want: &xaiv1.Message{Role: xaiv1.MessageRole_ROLE_USER, Content: []*xaiv1.Content{textContent("Hello")}},
		},
		{
			name: "user text and image",
			msg:  User("What is this?", img),
			want: &xaiv1.Message{Role: xaiv1.MessageRole_ROLE_USER, Content: []*xaiv1.Content{textContent("What is this?"), img.Proto()}},
		},
		{
			name: "user image only",
			msg:  User("", img),
			want: &xaiv1.Message{Role: xaiv1.MessageRole_ROLE_USER, Content: []*xaiv1.Content{img.Proto()}},
		},
		{
			name: "user parts",
			msg:  User("", Text("a"), FileID("file-1"), Text("b")),
			want: &xaiv1.Message{Role: xaiv1.MessageRole_ROLE_USER, Content: []*xaiv1.Content{
				textContent("a"),
				{Content: &xaiv1.Content_File{File: &xaiv1.FileContent{FileId: "file-1"}}},
				textContent("b"),
			}},
		},
		{
			name: "assistant",
			msg:  Assistant("Hi there"),
			want: &xaiv1.Message{Role: xaiv1.MessageRole_ROLE_ASSISTANT, Content: []*xaiv1.Content{textContent("Hi there")}},
		},
		{
			name: "tool result",
			msg:  ToolResult("call_1", `{"temp":21}`),
			want: &xaiv1.Message{Role: xaiv1.MessageRole_ROLE_TOOL, Content: []*xaiv1.Content{textContent(`{"temp":21}`)}, ToolCallId: &callID},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.msg.Err(); err != nil {
				t.Fatalf("Err() = %v", err)
			}
			if !proto.Equal(tt.msg.Proto(), tt.want) {
				t.Errorf("Proto() = %v\nwant %v", tt.msg.Proto(), tt.want)
			}
			msgs, err := tt.msg.turnMessages()
			if err != nil || len(msgs) != 1 || msgs[0] != tt.msg.Proto() {
				t.Errorf("turnMessages() = %v, %v", msgs, err)
			}
			if err := validateMessages(msgs); err != nil {
				t.Errorf("a built message fails validation: %v", err)
			}
		})
	}
}

func TestMessageBuilderErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		msg  Message
		errs []string
	}{
		{name: "empty system", msg: System(""), errs: []string{"system message is empty"}},
		{name: "empty developer", msg: Developer(""), errs: []string{"developer message is empty"}},
		{name: "empty user", msg: User(""), errs: []string{"user message is empty", "give it text"}},
		{name: "empty assistant", msg: Assistant(""), errs: []string{"assistant message is empty"}},
		{name: "zero part", msg: User("hi", Part{}), errs: []string{"user message: part 1 is an empty xai.Part", "xai.Text"}},
		{name: "bad image part", msg: User("hi", Text("x"), ImageURL("http://example.com/a.png", DetailAuto)), errs: []string{"user message, part 2: image URL", `scheme "http"`}},
		{name: "bad detail part", msg: Assistant("hi", ImageURL("https://example.com/a.png", Detail(4))), errs: []string{"assistant message, part 1", "Detail(4)"}},
		{name: "bad bytes part", msg: User("look", ImageBytes([]byte("GIF89a......"), DetailAuto)), errs: []string{"part 1", "not a PNG or JPEG", "GIF"}},
		{name: "empty file ID part", msg: User("read", FileID("")), errs: []string{"part 1: file ID is empty"}},
		{name: "tool result no ID", msg: ToolResult("", "42"), errs: []string{"empty tool call ID", "ToolCall.ID"}},
		{name: "tool result empty", msg: ToolResult("call_9", ""), errs: []string{`tool result for call "call_9" is empty`, `"{}"`}},
		// Protobuf strings must be UTF-8: gRPC would fail the call with
		// INTERNAL while encoding it.
		{name: "user text not UTF-8", msg: User("caf\xe9"), errs: []string{`user message: text "caf\xe9" is not valid UTF-8`}},
		{name: "developer text not UTF-8", msg: Developer("\xfd"), errs: []string{"developer message: text", "not valid UTF-8"}},
		{name: "text part not UTF-8", msg: Assistant("hi", Text("\xc0")), errs: []string{"assistant message, part 1: text", "not valid UTF-8"}},
		{name: "file ID not UTF-8", msg: User("read", FileID("\xc0")), errs: []string{"part 1: file ID", "not valid UTF-8"}},
		{name: "image file ID not UTF-8", msg: User("look", ImageFileID("f\xff", DetailAuto)), errs: []string{"image file ID", "not valid UTF-8"}},
		{name: "image URL not UTF-8", msg: User("look", ImageURL("https://example.com/\xff.png", DetailAuto)), errs: []string{"image URL", "not valid UTF-8"}},
		{name: "tool call ID not UTF-8", msg: ToolResult("call\xff", "42"), errs: []string{"tool call ID", "not valid UTF-8"}},
		{name: "tool result not UTF-8", msg: ToolResult("call_1", "4\xff2"), errs: []string{"tool message: text", "not valid UTF-8"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantInvalid(t, tt.msg.Err(), tt.errs...)
			if tt.msg.Proto() != nil {
				t.Errorf("Proto() = %v, want nil", tt.msg.Proto())
			}
			msgs, err := tt.msg.turnMessages()
			if msgs != nil || err != tt.msg.Err() {
				t.Errorf("turnMessages() = %v, %v; want nil, the build error", msgs, err)
			}
		})
	}
}

func TestZeroMessage(t *testing.T) {
	t.Parallel()
	var m Message
	if m.Err() != nil || m.Proto() != nil {
		t.Fatalf("zero Message: Err %v, Proto %v", m.Err(), m.Proto())
	}
	_, err := m.turnMessages()
	wantInvalid(t, err, "empty xai.Message")
}

func TestPartErrorKeepsCause(t *testing.T) {
	t.Parallel()
	err := User("see", ImageFile(filepath.Join(t.TempDir(), "nope.png"), DetailAuto)).Err()
	wantInvalid(t, err, "user message, part 1: cannot read image file")
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("errors.Is(err, fs.ErrNotExist) = false for %v", err)
	}
}

func TestWithContextNonXAIError(t *testing.T) {
	t.Parallel()
	err := withContext(fs.ErrPermission, "somewhere")
	wantInvalid(t, err, "somewhere: permission denied")
	if !errors.Is(err, fs.ErrPermission) {
		t.Error("cause lost")
	}
}

func TestRoleName(t *testing.T) {
	t.Parallel()
	for r, want := range map[xaiv1.MessageRole]string{
		xaiv1.MessageRole_ROLE_USER:      "user",
		xaiv1.MessageRole_ROLE_ASSISTANT: "assistant",
		xaiv1.MessageRole_ROLE_SYSTEM:    "system",
		xaiv1.MessageRole_ROLE_DEVELOPER: "developer",
		xaiv1.MessageRole_ROLE_TOOL:      "tool",
		xaiv1.MessageRole_ROLE_FUNCTION:  "function",
		xaiv1.MessageRole_INVALID_ROLE:   "INVALID_ROLE",
		xaiv1.MessageRole(42):            "MessageRole(42)",
	} {
		if got := roleName(r); got != want {
			t.Errorf("roleName(%d) = %q, want %q", r, got, want)
		}
	}
}

// File attachments as the official Python SDK's file() offers them
// (chat.py): exactly one of an uploaded file's ID, inline data or a URL;
// a name and a MIME type only with data or a URL.
func TestFileAttachments(t *testing.T) {
	t.Parallel()
	pdf := []byte("%PDF-1.4 tiny")
	cases := []struct {
		name string
		part Part
		want *xaiv1.FileContent
	}{
		{"id", FileID("file-1"), &xaiv1.FileContent{FileId: "file-1"}},
		{"bytes", FileBytes(pdf), &xaiv1.FileContent{Data: pdf}},
		{"bytes named", FileBytes(pdf, WithFileName("a.pdf"), WithMIMEType("application/pdf")),
			&xaiv1.FileContent{Data: pdf, Filename: "a.pdf", MimeType: "application/pdf"}},
		{"url", FileURL("https://example.com/a.pdf", WithMIMEType("application/pdf")),
			&xaiv1.FileContent{Url: "https://example.com/a.pdf", MimeType: "application/pdf"}},
	}
	for _, tc := range cases {
		if err := tc.part.Err(); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := tc.part.Proto().GetFile(); !proto.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
		if err := validateMessages([]*xaiv1.Message{User("read this", tc.part).Proto()}); err != nil {
			t.Errorf("%s: validation: %v", tc.name, err)
		}
	}
	data := []byte("x")
	p := FileBytes(data)
	data[0] = 'y'
	if string(p.Proto().GetFile().GetData()) != "x" {
		t.Error("FileBytes shares the caller's slice")
	}
	for _, bad := range []struct {
		name string
		part Part
		want string
	}{
		{"empty data", FileBytes(nil), "FileBytes: the data is empty"},
		{"relative url", FileURL("a.pdf"), "not an absolute https URL"},
		{"http url", FileURL("http://example.com/a.pdf"), "not an absolute https URL"},
		{"blank name", FileBytes(pdf, WithFileName(" ")), "WithFileName: the name is empty"},
		{"bad mime", FileURL("https://example.com/a", WithMIMEType("pdf")), `WithMIMEType: "pdf" is not a MIME type`},
		{"nil option", FileBytes(pdf, nil), "FileBytes: option 0 is nil"},
	} {
		wantInvalid(t, bad.part.Err(), bad.want)
	}
	// Hand-built protos are checked before sending too.
	for _, bad := range []struct {
		name string
		f    *xaiv1.FileContent
		want string
	}{
		{"none", &xaiv1.FileContent{Filename: "a"}, "no file ID, data or URL"},
		{"two", &xaiv1.FileContent{FileId: "f", Url: "https://example.com/a"}, "more than one of file ID, data and URL"},
		{"id with name", &xaiv1.FileContent{FileId: "f", Filename: "a.pdf"}, "go only with inline data or a URL"},
	} {
		m := &xaiv1.Message{Role: xaiv1.MessageRole_ROLE_USER, Content: []*xaiv1.Content{{Content: &xaiv1.Content_File{File: bad.f}}}}
		wantInvalid(t, validateMessages([]*xaiv1.Message{m}), bad.want)
	}
}
